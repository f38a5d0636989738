import type { BudgetSpec } from '../config/config.js';
import { slotsFreeAt, windowFit } from './window.js';

/**
 * Budget parameters. expereo publishes its limits (N calls per period P, bursts of B) but not how
 * it counts them, so a budget keeps within each common reading of the same numbers at once (the
 * sandbox's limiters, src/sandbox/rate-limiter.ts, are these readings):
 *
 * - a token bucket of B refilled at N per P;
 * - a sliding-window log of C = max(B, ⌊N⌋) calls in any W = C·P/N;
 * - a fixed window of C per W, aligned to the vendor's clock at a phase the bridge cannot know
 *   (safe for every phase is the same as the sliding window).
 *
 * What the vendor sees is when a call arrives, not when its slot was: a call leaves at most
 * `lateUs` after its slot (the client checks just before the request is written, and takes a new
 * slot otherwise; never before the slot) and the network may delay it by as much again. Both are
 * the allowance A. Then:
 *
 * - Slots keep a window of W·(1 + margin) + A (`windowUs`, at most C slots in any such window,
 *   window.ts). Any C + 1 arrivals come from C + 1 slots, which span that much, and each arrives
 *   between 0 and A after its slot: the arrivals span at least W·(1 + margin) ≥ W. That is the
 *   sliding window, hence the fixed one.
 * - When the burst fills the window (B ≥ N, reads), arrivals that keep the sliding window keep
 *   the bucket too: any interval of length L holds at most C·(⌊L/W⌋ + 1) ≤ C + L/T of them
 *   (T = P/N). The window alone books the slots (`intervalUs` = windowUs / C is its average pace),
 *   so a slot given back is free for the next call at once.
 * - When the window holds more than the burst (B < N, writes), slots are also paced by GCRA at
 *   T' = `intervalUs` (the published pace T, rounded up: the window keeps the long-run rate), with
 *   a burst of B' (`burst`) chosen so that two arrivals n slots apart, the first up to A late,
 *   still fit the vendor's bucket: n·T' − (B'−1)·T' − A ≥ n·T − (B−1)·T for every n ≥ 1 (T' ≥ T),
 *   which holds for B' ≤ (B·T − A + 2·(T' − T))/T' (n = 1 is the worst case). With B = 1 (writes,
 *   evenly paced) B' is 1, which keeps a vendor bucket of two or more safe as long as A ≤ T; a
 *   vendor bucket of one call has no room for any lateness at all. The pace being the published
 *   one, the window holds the calls back a little (W·margin + A) once per window; a slot given
 *   back shortens the next such hold (a slot given back costs the pace otherwise: the slots after
 *   it were already booked).
 *
 * The margin covers a vendor whose clock or counting runs slightly apart from ours; the allowance
 * covers time, and should stay under one pace interval T. With a window of a minute, 200 ms costs
 * 0.3 % of the rate.
 */
export interface GcraParams {
  intervalUs: number;
  toleranceUs: number;
  periodUs: number;
  burst: number;
  /** At most `capacity` slots in any window of `windowUs`. */
  capacity: number;
  windowUs: number;
  /** A call leaves within this long after its slot, or takes a new slot. */
  lateUs: number;
  /** Slots keep at least this far apart (window.ts: slotFit). */
  gapUs: number;
}

/**
 * Calls of a burst are booked half their allowed lateness apart, at most 5 ms: a process sends
 * them one by one, each well within its own slot, rather than all in one turn of its event loop
 * (a burst of 50 spreads over a quarter of a second at most; the window and the bucket count them
 * all the same).
 */
const MAX_GAP_US = 5000;

export function gcraParams(spec: BudgetSpec, margin: number, allowanceMs = 0): GcraParams {
  const paceUs = (spec.periodMs * 1000) / spec.limit;
  const allowanceUs = Math.max(0, allowanceMs) * 1000;
  const capacity = Math.max(spec.burst, Math.floor(spec.limit));
  const windowUs = Math.ceil(capacity * paceUs * (1 + margin) + allowanceUs);
  const paced = spec.burst < capacity;
  const intervalUs = paced ? Math.ceil(paceUs) : Math.ceil(windowUs / capacity);
  const bound = (spec.burst * paceUs - allowanceUs + 2 * (intervalUs - paceUs)) / intervalUs;
  // A window holding the whole burst keeps the vendor's bucket by itself (any C calls and the rate
  // fit a bucket of C), so the pace need not hold anything back; otherwise it keeps the bound.
  const burst = paced ? Math.min(spec.burst, Math.max(1, Math.floor(bound + 1e-9))) : capacity;
  return {
    intervalUs,
    toleranceUs: (burst - 1) * intervalUs,
    periodUs: spec.periodMs * 1000,
    burst,
    capacity,
    windowUs,
    lateUs: Math.floor(allowanceUs / 2),
    gapUs: Math.min(MAX_GAP_US, Math.floor(allowanceUs / 4)),
  };
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
  /** Sustained calls per minute that the bridge paces itself to (what the window lets through). */
  perMinute: number;
  burst: number;
}

/**
 * State of a budget from its theoretical arrival time and the slots booked from a window ago on
 * (ascending), as seen at `nowUs`.
 */
export function budgetState(params: GcraParams, tatUs: number, nowUs: number, used: number, booked: readonly number[] = [], pausedUntilUs = 0): BudgetState {
  const backlogUs = Math.max(0, tatUs - nowUs);
  const headroomUs = isPaced(params) ? params.toleranceUs - backlogUs : params.toleranceUs;
  const paced = headroomUs < 0 ? 0 : Math.min(params.burst, Math.floor(headroomUs / params.intervalUs) + 1);
  const nextByPace = Math.max(0, -headroomUs, pausedUntilUs - nowUs);
  const nextByWindow = windowFit(booked, nowUs, params.capacity, params.windowUs) - nowUs;
  return {
    used,
    remaining: paced === 0 || pausedUntilUs > nowUs ? 0 : slotsFreeAt(booked, nowUs, params.capacity, params.windowUs, paced),
    nextFreeInMs: Math.ceil(Math.max(nextByPace, nextByWindow) / 1000),
    backlogMs: Math.ceil(backlogUs / 1000),
    perMinute: (params.capacity * 60_000_000) / params.windowUs,
    burst: params.burst,
  };
}

/** Whether the GCRA pace binds (a burst below the window's capacity); otherwise the window alone does. */
export function isPaced(params: GcraParams): boolean {
  return params.burst < params.capacity;
}

/**
 * Milliseconds until the `position`-th call from now (1 = the next one) could be sent, given the
 * current state: what the write queue quotes as "about N s".
 */
export function etaMs(params: GcraParams, state: Pick<BudgetState, 'backlogMs'>, position: number): number {
  const backlogUs = state.backlogMs * 1000;
  const slotUs = backlogUs + ((position - 1) * params.windowUs) / params.capacity - params.toleranceUs;
  return Math.max(0, Math.ceil(slotUs / 1000));
}
