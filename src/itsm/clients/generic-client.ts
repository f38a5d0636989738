import { createHmac } from 'node:crypto';
import type { GenericConnector } from '../routing-schema.js';
import { toolCaller } from './http.js';
import type { ClientContext, Post, TicketClient } from './ticket-client.js';

type GenericOutbound = NonNullable<GenericConnector['outbound']>;

/**
 * Any other tool: a signed POST to its callback URL. The receiver checks
 * `x-bridge-signature: sha256=<hex HMAC-SHA256(secret, "<x-bridge-timestamp>.<body>")>` and dedups
 * by `idempotency-key`, which is the same on every attempt of one post.
 */
export function genericClient(connector: string, o: GenericOutbound, ctx: ClientContext, now: () => number = Date.now): TicketClient {
  const call = toolCaller('callback', ctx);
  return {
    async addComment(ticketId, post, signal) {
      const body = JSON.stringify(callbackBody(connector, ticketId, post));
      const timestamp = String(Math.floor(now() / 1000));
      const headers = {
        ...o.headers,
        'idempotency-key': post.key,
        'x-bridge-timestamp': timestamp,
        'x-bridge-signature': signCallback(o.secret, timestamp, body),
      };
      const res = await call({ method: 'POST', url: o.callbackUrl, headers, body, signal });
      const id = (res.json as { id?: unknown } | undefined)?.id;
      return { commentId: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined };
    },
    async findComment() {
      return 'unsupported';
    },
  };
}

export function callbackBody(connector: string, ticketId: string, post: Post) {
  return {
    type: post.kind,
    connector,
    ticketId,
    key: post.key,
    caseId: post.caseId,
    author: post.author,
    text: post.text,
    at: post.at,
    ...(post.status ? { status: post.status } : {}),
  };
}

export function signCallback(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
