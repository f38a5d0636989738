// GCRA (generic cell rate algorithm): a token bucket kept as one timestamp per key.
// A rejected request leaves the state untouched, so it does not consume a slot.
import type { SandboxLimit } from './options.js';

export interface GcraDecision {
  allowed: boolean;
  /** Theoretical arrival time to store; equal to the input when rejected. */
  tat: number;
  /** Milliseconds until one more request would be allowed (0 when allowed). */
  retryAfterMs: number;
}

export function gcra(previousTat: number | undefined, now: number, limit: SandboxLimit): GcraDecision {
  const interval = limit.periodMs / limit.limit;
  const tolerance = interval * (limit.burst - 1);
  const tat = Math.max(previousTat ?? now, now);
  const allowAt = tat - tolerance;
  if (now < allowAt) {
    return { allowed: false, tat: previousTat ?? now, retryAfterMs: Math.ceil(allowAt - now) };
  }
  return { allowed: true, tat: tat + interval, retryAfterMs: 0 };
}

export type LimitKind = 'read' | 'write';

export class RateLimiter {
  private readonly tats = new Map<string, number>();

  constructor(private readonly limits: Record<LimitKind, SandboxLimit>) {}

  check(clientId: string, kind: LimitKind, now: number): GcraDecision {
    const key = `${kind}:${clientId}`;
    const decision = gcra(this.tats.get(key), now, this.limits[kind]);
    if (decision.allowed) this.tats.set(key, decision.tat);
    return decision;
  }

  reset(): void {
    this.tats.clear();
  }
}

export function retryAfterHeaders(retryAfterMs: number): Record<string, string> {
  return {
    'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    'retry-after-ms': String(Math.max(0, Math.ceil(retryAfterMs))),
  };
}
