import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { BridgeError } from '../../src/errors.js';

/** Constant-time check of `Authorization: Bearer <ADMIN_TOKEN>` (or Basic with it as the password). */
export function adminAuthorized(header: string | undefined, token: string): boolean {
  const bearer = /^Bearer (.+)$/.exec(header ?? '')?.[1];
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '')?.[1];
  const password = basic === undefined ? undefined : Buffer.from(basic, 'base64').toString('utf8').split(':').slice(1).join(':');
  const presented = Buffer.from(bearer ?? password ?? '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** An onRequest hook refusing anything without the admin token. */
export function adminGuard(token: string) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!adminAuthorized(request.headers.authorization, token)) throw new BridgeError('unauthorized', 'admin token required');
  };
}
