// The budget's promise, checked by simulation: calls booked by its rules, each leaving up to the
// allowed lateness after its slot (or booking again when it could not) and travelling up to the
// rest of the allowance, are all let through by each of the sandbox's limiters counting the same
// published limit. The booking below is RESERVE and REFUND of redis-budget.ts, step for step;
// test/integration/redis-budget.test.ts checks the Lua itself against the same rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gcraParams, isPaced, type GcraParams } from '../../src/budget/gcra.js';
import { slotFit } from '../../src/budget/window.js';
import { LIMITER_KINDS, RateLimiter, type LimiterKind } from '../../src/sandbox/rate-limiter.js';

interface Booking {
  tat: number;
  slots: { at: number; id: number }[];
}

function reserve(b: Booking, p: GcraParams, now: number, holdBackUs: number): { at: number; id: number } {
  const hold = Math.min(holdBackUs, p.toleranceUs);
  const tat = Math.max(b.tat, now);
  const capacity = Math.max(1, p.capacity - Math.floor(hold / p.intervalUs));
  const from = isPaced(p) ? Math.max(now, tat - (p.toleranceUs - hold)) : now;
  const at = slotFit(
    b.slots.map((s) => s.at).sort((x, y) => x - y),
    from,
    capacity,
    p.windowUs,
    p.gapUs,
  );
  const id = Math.max(tat, at) + p.intervalUs;
  b.tat = id;
  b.slots.push({ at, id });
  return { at, id };
}

function refund(b: Booking, p: GcraParams, id: number): void {
  if (b.tat === id) b.tat = id - p.intervalUs;
  b.slots = b.slots.filter((s) => s.id !== id);
}

interface Scenario {
  limit: number;
  periodMs: number;
  burst: number;
  margin: number;
  /** The allowance as a share of one pace interval (it must stay under one). */
  allowanceShare: number;
  asks: { at: number; holdBack: number }[];
  /** Per attempt: how late it is ready to go (share of 1.5 × lateUs) and how long it travels (share of the rest). */
  delays: [number, number][];
  phase: number;
}

/** Runs every call to its arrival at the vendor; returns the arrival times (µs) in order. */
function simulate(s: Scenario, p: GcraParams, allowanceUs: number): number[] {
  const booking: Booking = { tat: 0, slots: [] };
  // A call that misses gives its slot back, then books again, at the same moment.
  type Event = { t: number; order: number; run: () => void };
  const events: Event[] = [];
  const arrivals: number[] = [];
  let attempt = 0;
  const ask = (t: number, holdBack: number, misses = 0): void => {
    events.push({
      t,
      order: 1,
      run: () => {
        const slot = reserve(booking, p, t, holdBack * p.toleranceUs);
        const [ready, travel] = s.delays[attempt++ % s.delays.length]!;
        // Each call misses at most three times, so that every call arrives in the end.
        const late = misses < 3 ? ready * 1.5 * p.lateUs : ready * p.lateUs;
        if (late > p.lateUs) {
          events.push({ t: slot.at + late, order: 0, run: () => refund(booking, p, slot.id) });
          ask(slot.at + late, holdBack, misses + 1);
        } else {
          arrivals.push(slot.at + late + travel * (allowanceUs - p.lateUs));
        }
      },
    });
  };
  for (const a of s.asks) ask(a.at, a.holdBack);
  while (events.length > 0) {
    events.sort((x, y) => x.t - y.t || x.order - y.order);
    events.shift()!.run();
  }
  return arrivals.sort((x, y) => x - y);
}

const share = fc.double({ min: 0, max: 1, noNaN: true });
const scenario: fc.Arbitrary<Scenario> = fc.record({
  limit: fc.integer({ min: 1, max: 60 }),
  periodMs: fc.constantFrom(1000, 3000, 60_000),
  burst: fc.constantFrom(1, 2, 3, 10, 50),
  margin: fc.constantFrom(0.0005, 0.002, 0.01),
  allowanceShare: fc.oneof(fc.constant(0.95), fc.double({ min: 0, max: 0.95, noNaN: true })),
  // Many asks at once and at the extremes of lateness: where a budget would break.
  asks: fc.array(fc.record({ at: fc.oneof(fc.constant(0), share), holdBack: fc.constantFrom(0, 0, 0.3, 1) }), { minLength: 5, maxLength: 200 }),
  delays: fc.array(fc.tuple(fc.oneof(fc.constantFrom(0, 2 / 3), share), fc.oneof(fc.constantFrom(0, 1), share)), { minLength: 1, maxLength: 40 }),
  phase: share,
});

function rejections(kind: LimiterKind, s: Scenario, arrivals: number[]): number {
  // Limits in µs like the arrivals. A token bucket of one call has no room for any lateness
  // (gcra.ts): the vendor's bucket holds at least two.
  const vendor = { limit: s.limit, periodMs: s.periodMs * 1000, burst: kind === 'token-bucket' ? Math.max(2, s.burst) : s.burst };
  const limiter = new RateLimiter({ read: vendor, write: vendor }, kind);
  const shift = kind === 'fixed-window' ? s.phase * 1e12 : 0;
  return arrivals.filter((t) => !limiter.check('c', 'write', t + shift).allowed).length;
}

describe('budget safety', () => {
  it.each(LIMITER_KINDS)('keeps late and booked-again calls within a %s vendor', (kind) => {
    fc.assert(
      fc.property(scenario, (s) => {
        const paceMs = s.periodMs / s.limit;
        const allowanceMs = s.allowanceShare * paceMs;
        const p = gcraParams({ limit: s.limit, periodMs: s.periodMs, burst: s.burst }, s.margin, allowanceMs);
        // Asks spread over up to two windows, in µs of an arbitrary epoch.
        const horizon = 2 * p.windowUs;
        const arrivals = simulate({ ...s, asks: s.asks.map((a) => ({ ...a, at: 1e12 + a.at * horizon })) }, p, allowanceMs * 1000);
        expect(rejections(kind, s, arrivals)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('would not without the allowance: a first call 40 ms late meets a vendor counting 30 in any 6 s', () => {
    const p = gcraParams({ limit: 30, periodMs: 6000, burst: 1 }, 0.002, 0);
    const booking: Booking = { tat: 0, slots: [] };
    const arrivals = Array.from({ length: 31 }, (_, i) => reserve(booking, p, 0, 0).at + (i === 0 ? 40_000 : 0));
    const s = { limit: 30, periodMs: 6000, burst: 1 } as Scenario;
    expect(
      rejections(
        'sliding-window',
        s,
        arrivals.sort((x, y) => x - y),
      ),
    ).toBe(1);
  });
});
