import type { Redis } from 'ioredis';

/**
 * Slack's lowest tier for `conversations.history` and `conversations.replies` (commercially
 * distributed apps outside the Marketplace, since 2025): one request a minute per method and
 * workspace, at most 15 messages a call. The bridge stays within it whatever tier its app has.
 */
export const THREAD_READ = {
  /** A little more than a minute between two calls of one method, so that clocks and latency cannot make two fall in one minute. */
  intervalMs: 61_000,
  limit: 15,
} as const;

export type ReadMethod = 'conversations.history' | 'conversations.replies';

/**
 * One call of a read method per interval, shared by every process of the bridge through Redis: the
 * caller that sets the key (NX, expiring after the interval, on Redis's clock) has the call; any
 * other until then is told no and does without. A 429 holds the method for Slack's Retry-After.
 */
export class SlackReadBudget {
  constructor(private readonly o: { redis: Redis; key: (method: ReadMethod) => string }) {}

  /** Whether this caller may call `method` now. Never waits. */
  async take(method: ReadMethod): Promise<boolean> {
    return (await this.o.redis.set(this.o.key(method), String(Date.now()), 'PX', THREAD_READ.intervalMs, 'NX')) === 'OK';
  }

  /** Slack answered 429: no call of `method` before its Retry-After (and never sooner than the interval). */
  async hold(method: ReadMethod, retryAfterMs: number): Promise<void> {
    await this.o.redis.set(this.o.key(method), String(Date.now()), 'PX', Math.max(THREAD_READ.intervalMs, Math.ceil(retryAfterMs)));
  }
}
