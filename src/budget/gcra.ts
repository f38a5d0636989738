import type { BudgetSpec } from '../config/config.js';

/**
 * Generic cell-rate algorithm parameters for one budget. A budget of `limit` calls per `periodMs`
 * with `burst` is paced at one call per `intervalUs`, and may run ahead of that pace by `toleranceUs`.
 *
 * The bridge paces itself slightly below the vendor's published limit (`margin`) and keeps part of
 * a burst in hand (a tenth of it, at least one call, and at least what 300 ms of pace would bring):
 * a granted slot is sent a little later than planned when the event loop or a new connection is
 * slow, and requests bunched that way must still fit the vendor's bucket.
 */
const JITTER_ALLOWANCE_MS = 300;

export interface GcraParams {
  intervalUs: number;
  toleranceUs: number;
  periodUs: number;
  burst: number;
}

export function gcraParams(spec: BudgetSpec, margin: number): GcraParams {
  const intervalUs = Math.ceil(((spec.periodMs * 1000) / spec.limit) * (1 + margin));
  const inHand = Math.max(1, Math.ceil(spec.burst / 10), Math.ceil((JITTER_ALLOWANCE_MS * spec.limit) / spec.periodMs));
  const burst = spec.burst > 1 ? Math.max(1, spec.burst - inHand) : 1;
  return { intervalUs, toleranceUs: (burst - 1) * intervalUs, periodUs: spec.periodMs * 1000, burst };
}

export interface BudgetState {
  /** Calls granted within the last period. */
  used: number;
  /** Calls that could be granted right now without waiting. */
  remaining: number;
  /** Milliseconds until the next call could be sent (0 when one is free now). */
  nextFreeInMs: number;
  /** Milliseconds of already-reserved calls ahead of now. */
  backlogMs: number;
  /** Sustained calls per minute that the bridge paces itself to. */
  perMinute: number;
  burst: number;
}

/** State of a budget from its theoretical arrival time, as seen at `nowUs`. */
export function budgetState(params: GcraParams, tatUs: number, nowUs: number, used: number): BudgetState {
  const backlogUs = Math.max(0, tatUs - nowUs);
  const headroomUs = params.toleranceUs - backlogUs;
  const remaining = headroomUs < 0 ? 0 : Math.min(params.burst, Math.floor(headroomUs / params.intervalUs) + 1);
  return {
    used,
    remaining,
    nextFreeInMs: Math.max(0, Math.ceil(-headroomUs / 1000)),
    backlogMs: Math.ceil(backlogUs / 1000),
    perMinute: 60_000_000 / params.intervalUs,
    burst: params.burst,
  };
}

/**
 * Milliseconds until the `position`-th call from now (1 = the next one) could be sent, given the
 * current state: what the write queue quotes as "about N s".
 */
export function etaMs(params: GcraParams, state: Pick<BudgetState, 'backlogMs'>, position: number): number {
  const backlogUs = state.backlogMs * 1000;
  const slotUs = backlogUs + (position - 1) * params.intervalUs - params.toleranceUs;
  return Math.max(0, Math.ceil(slotUs / 1000));
}
