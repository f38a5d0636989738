// The sandbox's rate limiters. expereo documents its limits ("about 3 reads a second, bursts up to
// 50", "up to 30 writes a minute") but not how it counts them, so the sandbox can count the same
// published numbers in each of the three ways an API commonly does. A limit is `limit` calls per
// `periodMs` with bursts of `burst`; each limiter reads it as follows:
//
// - token-bucket (GCRA): a bucket of `burst` calls, refilled at `limit` per `periodMs`.
// - sliding-window (log): at most C calls in any window of W milliseconds, where C = max(burst,
//   ⌊limit⌋) and W = C × periodMs / limit: the window that holds a whole burst (or the whole limit,
//   when the burst is smaller) at the published rate. `30/1m` burst 3 is "30 in any minute";
//   `3/1s` burst 50 is "50 in any 16.7 s".
// - fixed-window: at most C calls in each window of W, windows aligned to the clock (multiples of
//   W since the Unix epoch: a `30/1m` window is a calendar minute). Up to 2 C calls can land
//   around a window's edge; a client cannot count on that without knowing the phase.
//
// A rejected call is never counted.
import type { SandboxLimit } from './options.js';

export const LIMITER_KINDS = ['token-bucket', 'sliding-window', 'fixed-window'] as const;
export type LimiterKind = (typeof LIMITER_KINDS)[number];

export interface LimitDecision {
  allowed: boolean;
  /** Milliseconds until one more call would be allowed (0 when allowed). */
  retryAfterMs: number;
}

export interface GcraDecision extends LimitDecision {
  /** Theoretical arrival time to store; equal to the input when rejected. */
  tat: number;
}

export function gcra(previousTat: number | undefined, now: number, limit: SandboxLimit): GcraDecision {
  const interval = limit.periodMs / limit.limit;
  const tolerance = interval * (limit.burst - 1);
  const tat = Math.max(previousTat ?? now, now);
  const allowAt = tat - tolerance;
  // (A rate such as 3/1s has a fractional interval: a call exactly on time must not be refused for rounding.)
  if (now < allowAt - 1e-3) {
    return { allowed: false, tat: previousTat ?? now, retryAfterMs: Math.ceil(allowAt - now) };
  }
  return { allowed: true, tat: tat + interval, retryAfterMs: 0 };
}

/** The window the sliding and fixed limiters count in (see the top of this file). */
export function limitWindow(limit: SandboxLimit): { capacity: number; windowMs: number } {
  const capacity = Math.max(limit.burst, Math.floor(limit.limit));
  return { capacity, windowMs: (capacity * limit.periodMs) / limit.limit };
}

/** One client's limiter for one kind of call. */
interface Counter {
  check(now: number): LimitDecision;
}

class TokenBucket implements Counter {
  private tat: number | undefined;
  constructor(private readonly limit: SandboxLimit) {}

  check(now: number): LimitDecision {
    const decision = gcra(this.tat, now, this.limit);
    if (decision.allowed) this.tat = decision.tat;
    return { allowed: decision.allowed, retryAfterMs: decision.retryAfterMs };
  }
}

/** The times of the last C accepted calls, oldest first. */
class SlidingWindowLog implements Counter {
  private readonly times: number[] = [];
  constructor(private readonly window: { capacity: number; windowMs: number }) {}

  check(now: number): LimitDecision {
    const { capacity, windowMs } = this.window;
    // A call is let in when fewer than C calls fall in (now − W, now].
    if (this.times.length >= capacity) {
      const oldest = this.times[this.times.length - capacity]!;
      if (oldest > now - windowMs + 1e-3) return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(oldest + windowMs - now)) };
    }
    this.times.push(now);
    if (this.times.length > capacity) this.times.splice(0, this.times.length - capacity);
    return { allowed: true, retryAfterMs: 0 };
  }
}

class FixedWindow implements Counter {
  private index = Number.NEGATIVE_INFINITY;
  private count = 0;
  constructor(private readonly window: { capacity: number; windowMs: number }) {}

  check(now: number): LimitDecision {
    const { capacity, windowMs } = this.window;
    const index = Math.floor(now / windowMs);
    if (index !== this.index) {
      this.index = index;
      this.count = 0;
    }
    if (this.count >= capacity) return { allowed: false, retryAfterMs: Math.max(1, Math.ceil((index + 1) * windowMs - now)) };
    this.count += 1;
    return { allowed: true, retryAfterMs: 0 };
  }
}

function counterFor(kind: LimiterKind, limit: SandboxLimit): Counter {
  switch (kind) {
    case 'token-bucket':
      return new TokenBucket(limit);
    case 'sliding-window':
      return new SlidingWindowLog(limitWindow(limit));
    case 'fixed-window':
      return new FixedWindow(limitWindow(limit));
  }
}

export type LimitKind = 'read' | 'write';

/** Per client and kind of call (reads and writes are limited apart). */
export class RateLimiter {
  private readonly counters = new Map<string, Counter>();

  constructor(
    private readonly limits: Record<LimitKind, SandboxLimit>,
    readonly kind: LimiterKind = 'token-bucket',
  ) {}

  check(clientId: string, kind: LimitKind, now: number): LimitDecision {
    const key = `${kind}:${clientId}`;
    let counter = this.counters.get(key);
    if (counter === undefined) this.counters.set(key, (counter = counterFor(this.kind, this.limits[kind])));
    return counter.check(now);
  }

  reset(): void {
    this.counters.clear();
  }
}

export function retryAfterHeaders(retryAfterMs: number): Record<string, string> {
  return {
    'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    'retry-after-ms': String(Math.max(0, Math.ceil(retryAfterMs))),
  };
}
