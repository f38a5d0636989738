import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { ExpereoApiError, errorFromResponse } from './api-error.js';
import { send } from './transport.js';
import { runScript } from '../redis.js';
import { releaseLock } from '../redis-lock.js';

export interface TokenProviderOptions {
  redis: Redis;
  tokenKey: string;
  lockKey: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
  dispatcher: Dispatcher;
  now?: () => number;
  /** How long a process waits for another one's refresh before trying itself. */
  lockWaitMs?: number;
  /** Told of every token request this process made, but one given up by its caller (metrics). */
  onFetch?: (result: 'ok' | 'failed') => void;
}

interface CachedToken {
  accessToken: string;
  expiresAt: number;
  issuedAt: number;
}

const tokenAnswerSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive(),
});

const LOCK_TTL_MS = 15_000;
const DROP_IF_SAME = `if redis.call('HGET', KEYS[1], 'accessToken') == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Refresh when less than a fifth of the lifetime is left (at most a minute early, at least a second). */
export function refreshAt(token: CachedToken): number {
  const lifetime = token.expiresAt - token.issuedAt;
  return token.expiresAt - Math.max(1000, Math.min(60_000, lifetime / 5));
}

/**
 * OAuth 2.0 client-credentials tokens, cached in Redis and shared by every process using the same
 * client id. A refresh is single-flight within a process (one promise) and across processes (a
 * Redis lock: the losers wait for the winner's token). Tokens never leave this class except as the
 * return value of `get()`.
 */
export class TokenProvider {
  private local: CachedToken | undefined;
  private inflight: Promise<string> | undefined;
  private readonly now: () => number;
  private readonly lockWaitMs: number;
  /** Token requests this process made (for tests and metrics). */
  fetches = 0;

  constructor(private readonly o: TokenProviderOptions) {
    this.now = o.now ?? Date.now;
    this.lockWaitMs = o.lockWaitMs ?? LOCK_TTL_MS;
  }

  async get(signal?: AbortSignal): Promise<string> {
    if (this.local && this.now() < refreshAt(this.local)) return this.local.accessToken;
    this.inflight ??= this.obtain(signal).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /**
   * The token this process holds, if it has not expired (it may be due for a refresh): what a call
   * that already waited for its slot sends, without a round trip that would make it late.
   */
  current(): string | undefined {
    return this.local && this.now() < this.local.expiresAt ? this.local.accessToken : undefined;
  }

  /** After a 401: forget `token`, but only if it is still the one cached (a newer one stays). */
  async invalidate(token: string): Promise<void> {
    if (this.local?.accessToken === token) this.local = undefined;
    await runScript(this.o.redis, DROP_IF_SAME, 1, this.o.tokenKey, token);
  }

  private async obtain(signal?: AbortSignal): Promise<string> {
    const deadline = this.now() + this.lockWaitMs + LOCK_TTL_MS;
    for (;;) {
      signal?.throwIfAborted();
      const shared = await this.readShared();
      if (shared && this.now() < refreshAt(shared)) return this.adopt(shared);

      const owner = randomUUID();
      const locked = await this.o.redis.set(this.o.lockKey, owner, 'PX', LOCK_TTL_MS, 'NX');
      if (locked === 'OK') {
        try {
          // Someone may have refreshed between our read and our lock.
          const again = await this.readShared();
          if (again && this.now() < refreshAt(again)) return this.adopt(again);
          const fresh = await this.fetchToken(signal).then(
            (token) => {
              this.o.onFetch?.('ok');
              return token;
            },
            (err: unknown) => {
              if (!signal?.aborted) this.o.onFetch?.('failed');
              throw err;
            },
          );
          await this.o.redis
            .multi()
            .hset(this.o.tokenKey, { accessToken: fresh.accessToken, expiresAt: fresh.expiresAt, issuedAt: fresh.issuedAt })
            .pexpireat(this.o.tokenKey, fresh.expiresAt)
            .exec();
          return this.adopt(fresh);
        } finally {
          await releaseLock(this.o.redis, this.o.lockKey, owner).catch(() => undefined);
        }
      }
      if (this.now() > deadline) {
        throw new ExpereoApiError({ code: 'token_timeout', message: 'timed out waiting for another process to refresh the token' });
      }
      await sleep(50, undefined, { signal });
    }
  }

  private adopt(token: CachedToken): string {
    this.local = token;
    return token.accessToken;
  }

  private async readShared(): Promise<CachedToken | undefined> {
    const h = await this.o.redis.hgetall(this.o.tokenKey);
    if (!h.accessToken || !h.expiresAt) return undefined;
    return { accessToken: h.accessToken, expiresAt: Number(h.expiresAt), issuedAt: Number(h.issuedAt ?? 0) };
  }

  private async fetchToken(signal?: AbortSignal): Promise<CachedToken> {
    this.fetches++;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.o.clientId,
      client_secret: this.o.clientSecret,
    });
    if (this.o.scopes.length > 0) form.set('scope', this.o.scopes.join(' '));
    const issuedAt = this.now();
    const res = await send(this.o.dispatcher, {
      method: 'POST',
      url: this.o.tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal,
    });
    if (res.status < 200 || res.status >= 300) {
      const error = errorFromResponse(res.status, res.headers, res.text, issuedAt);
      const oauthCode = oauthError(res.text);
      throw oauthCode ? new ExpereoApiError({ code: `token_${oauthCode}`, status: res.status, message: `token endpoint refused: ${oauthCode}` }) : error;
    }
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      body = undefined;
    }
    const parsed = tokenAnswerSchema.safeParse(body);
    if (!parsed.success) {
      throw new ExpereoApiError({ code: 'token_malformed', status: res.status, message: 'token endpoint answered without access_token/expires_in' });
    }
    return { accessToken: parsed.data.access_token, issuedAt, expiresAt: issuedAt + parsed.data.expires_in * 1000 };
  }
}

function oauthError(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    return typeof body.error === 'string' && /^[a-z_]{1,64}$/.test(body.error) ? body.error : undefined;
  } catch {
    return undefined;
  }
}
