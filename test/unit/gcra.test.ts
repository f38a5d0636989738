import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetState, etaMs, gcraParams } from '../../src/budget/gcra.js';
import { slotFit, slotsFreeAt, windowFit } from '../../src/budget/window.js';

describe('gcraParams', () => {
  it('widens the vendor window by the margin and the allowance, and paces at the published rate within it', () => {
    // 30/1m, evenly: one call every 2 s, and no more than 30 in any 60 s × 1.002 + 200 ms.
    const write = gcraParams({ limit: 30, periodMs: 60_000, burst: 1 }, 0.002, 200);
    expect(write).toEqual({
      intervalUs: 2_000_000,
      toleranceUs: 0,
      periodUs: 60_000_000,
      burst: 1,
      capacity: 30,
      windowUs: 60_320_000,
      lateUs: 100_000,
      gapUs: 5000,
    });
    expect(budgetState(write, 0, 0, 0).perMinute).toBeCloseTo(29.84, 2);
  });

  it('reads a burst above the rate as a window holding the burst at the published rate', () => {
    // 3/1s with bursts of 50: 50 calls in any 16.7 s, which keeps the bucket too: the whole burst.
    const read = gcraParams({ limit: 3, periodMs: 1000, burst: 50 }, 0.002, 200);
    expect(read.capacity).toBe(50);
    expect(read.windowUs).toBe(Math.ceil(50 * (1_000_000 / 3) * 1.002 + 200_000));
    expect(read.intervalUs).toBe(Math.ceil(read.windowUs / 50));
    expect(read.burst).toBe(50);
    expect(read.toleranceUs).toBe(49 * read.intervalUs);
  });

  it('holds back part of a burst smaller than the window, for calls that leave late', () => {
    // 30/3s with bursts of 3: 30 in any 3 s allows 30 at once, the bucket 3.
    const pace = 100_000;
    const p = gcraParams({ limit: 30, periodMs: 3000, burst: 3 }, 0.002, 20);
    expect(p.capacity).toBe(30);
    expect(p.burst).toBe(Math.floor((3 * pace - 20_000 + 2 * (p.intervalUs - pace)) / p.intervalUs));
    expect(p.burst).toBe(2);
    expect(gcraParams({ limit: 30, periodMs: 3000, burst: 2 }, 0, 20).burst).toBe(1);
    expect(gcraParams({ limit: 30, periodMs: 3000, burst: 2 }, 0, 0).burst).toBe(2);
  });

  it('has no allowance when none is given (budgets that only pace the bridge itself)', () => {
    const p = gcraParams({ limit: 25, periodMs: 3000, burst: 1 }, 0);
    expect(p).toMatchObject({ intervalUs: 120_000, capacity: 25, windowUs: 3_000_000, lateUs: 0, gapUs: 0 });
    expect(gcraParams({ limit: 30, periodMs: 1000, burst: 50 }, 0.002, 20)).toMatchObject({ lateUs: 10_000, gapUs: 5000 });
    expect(gcraParams({ limit: 30, periodMs: 1000, burst: 50 }, 0.002, 8)).toMatchObject({ lateUs: 4000, gapUs: 2000 });
  });
});

describe('windowFit', () => {
  it('finds the first time one more slot keeps at most C in any window', () => {
    expect(windowFit([], 5, 2, 100)).toBe(5);
    expect(windowFit([0, 10], 20, 2, 100)).toBe(100);
    expect(windowFit([0, 10], 200, 2, 100)).toBe(200);
    // Booked ahead: the new slot fits between them only with a window on either side.
    expect(windowFit([0, 90], 50, 2, 100)).toBe(100);
    expect(windowFit([10, 11, 12], 5, 3, 100)).toBe(110);
    expect(windowFit([0, 300, 301], 120, 2, 100)).toBe(120);
    expect(windowFit([0, 150, 151], 120, 2, 100)).toBe(250);
  });

  /** Brute force: the smallest integer time from `from` at which the rule holds with the slot added. */
  function bruteFit(booked: number[], from: number, capacity: number, windowUs: number): number {
    for (let at = from; ; at++) {
      const all = [...booked, at].sort((a, b) => a - b);
      let ok = true;
      for (let i = 0; i + capacity < all.length; i++) if (all[i + capacity]! - all[i]! < windowUs) ok = false;
      if (ok) return at;
    }
  }

  /** Booked slots that keep the rule themselves, built slot by slot. */
  const booked = (capacity: number, windowUs: number) =>
    fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 12 }).map((wanted) => {
      const out: number[] = [];
      for (const w of wanted) {
        out.push(windowFit(out, w, capacity, windowUs));
        out.sort((a, b) => a - b);
      }
      return out;
    });

  it('agrees with a brute-force search', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 4 })
          .chain((capacity) =>
            fc
              .integer({ min: 1, max: 120 })
              .chain((windowUs) => fc.tuple(fc.constant(capacity), fc.constant(windowUs), booked(capacity, windowUs), fc.integer({ min: 0, max: 500 }))),
          ),
        ([capacity, windowUs, slots, from]) => {
          expect(windowFit(slots, from, capacity, windowUs)).toBe(bruteFit(slots, from, capacity, windowUs));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('spreads a burst by the gap, keeping the window', () => {
    expect(slotFit([], 0, 3, 100, 5)).toBe(0);
    expect(slotFit([0], 0, 3, 100, 5)).toBe(5);
    expect(slotFit([0, 5, 9], 0, 5, 100, 5)).toBe(14);
    expect(slotFit([0, 5, 10], 0, 3, 100, 5)).toBe(100);
    expect(slotFit([0, 5, 10, 102], 0, 3, 100, 5)).toBe(107);
  });

  it('counts the slots free at once', () => {
    expect(slotsFreeAt([], 0, 3, 100, 10)).toBe(3);
    expect(slotsFreeAt([-50], 0, 3, 100, 10)).toBe(2);
    expect(slotsFreeAt([-50], 0, 3, 100, 1)).toBe(1);
    expect(slotsFreeAt([-50, -40, -30], 0, 3, 100, 10)).toBe(0);
  });
});

describe('budgetState', () => {
  const p = gcraParams({ limit: 10, periodMs: 1000, burst: 8 }, 0, 0); // 100 ms pace, 8 at once, 10 in any 1 s

  it('is full when idle', () => {
    expect(budgetState(p, 0, 5_000_000, 0)).toMatchObject({ remaining: 8, nextFreeInMs: 0, backlogMs: 0 });
  });

  it('counts down as reservations pile up', () => {
    const now = 5_000_000;
    expect(budgetState(p, now + 100_000, now, 1, [now]).remaining).toBe(7);
    expect(budgetState(p, now + 800_000, now, 8).remaining).toBe(0);
    expect(budgetState(p, now + 800_000, now, 8)).toMatchObject({ remaining: 0, nextFreeInMs: 100, backlogMs: 800 });
    expect(budgetState(p, now + 2_000_000, now, 5)).toMatchObject({ remaining: 0, nextFreeInMs: 1300, used: 5 });
  });

  it('waits for the window when the pace would allow more', () => {
    const now = 5_000_000;
    // Ten slots in the last 900 ms: the pace has room again, the window opens 100 ms from now.
    const booked = Array.from({ length: 10 }, (_, i) => now - 900_000 + i * 10_000);
    expect(budgetState(p, now - 100_000, now, 10, booked)).toMatchObject({ remaining: 0, nextFreeInMs: 100 });
  });
});

describe('etaMs', () => {
  it('quotes the time until the n-th call from now', () => {
    const write = gcraParams({ limit: 30, periodMs: 60_000, burst: 1 }, 0);
    expect(etaMs(write, { backlogMs: 0 }, 1)).toBe(0);
    expect(etaMs(write, { backlogMs: 0 }, 21)).toBe(40_000);
    expect(etaMs(write, { backlogMs: 1500 }, 1)).toBe(1500);
    const read = gcraParams({ limit: 10, periodMs: 1000, burst: 8 }, 0);
    expect(etaMs(read, { backlogMs: 0 }, 8)).toBe(0);
    expect(etaMs(read, { backlogMs: 0 }, 10)).toBe(200);
  });
});
