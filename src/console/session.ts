import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { safeEqual } from '../http/safe-equal.js';

export const SESSION_COOKIE = 'bridge_console';
export const SESSION_TTL_SECONDS = 12 * 3600;

export interface Session {
  /** Sent back in every form the console posts; a POST without it is refused. */
  csrf: string;
  createdAt: number;
}

/**
 * Console sessions in Redis: the browser holds a random id in an HttpOnly cookie, Redis holds a
 * hash of it (a leaked dump of Redis signs no one in) with the session's CSRF token, for 12 hours.
 */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:console:session:${createHash('sha256').update(id).digest('hex')}`;
  }

  async open(now = Date.now()): Promise<{ id: string; session: Session }> {
    const id = randomBytes(32).toString('base64url');
    const session: Session = { csrf: randomBytes(24).toString('base64url'), createdAt: now };
    await this.redis.set(this.key(id), JSON.stringify(session), 'EX', SESSION_TTL_SECONDS);
    return { id, session };
  }

  async get(id: string | undefined): Promise<Session | undefined> {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as Session) : undefined;
  }

  async close(id: string | undefined): Promise<void> {
    if (id) await this.redis.del(this.key(id));
  }
}

/** The value of one cookie in a `Cookie` header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The session cookie: HttpOnly, SameSite=Strict, only under /console, Secure when served over HTTPS. */
export function sessionCookie(id: string, secure: boolean, maxAge = SESSION_TTL_SECONDS): string {
  return `${SESSION_COOKIE}=${id}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

export function csrfMatches(session: Session, presented: unknown): boolean {
  return typeof presented === 'string' && safeEqual(presented, session.csrf);
}
