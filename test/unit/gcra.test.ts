import { describe, expect, it } from 'vitest';
import { budgetState, etaMs, gcraParams } from '../../src/budget/gcra.js';

describe('gcraParams', () => {
  it('paces slightly under the vendor limit and keeps a tenth of the burst in hand', () => {
    const read = gcraParams({ limit: 3, periodMs: 1000, burst: 50 }, 0.01);
    expect(read.intervalUs).toBe(Math.ceil((1_000_000 / 3) * 1.01));
    expect(read.burst).toBe(45);
    expect(read.toleranceUs).toBe(44 * read.intervalUs);
    expect(gcraParams({ limit: 3, periodMs: 1000, burst: 2 }, 0).burst).toBe(1);
    const write = gcraParams({ limit: 30, periodMs: 60_000, burst: 1 }, 0);
    expect(write).toEqual({ intervalUs: 2_000_000, toleranceUs: 0, periodUs: 60_000_000, burst: 1 });
    expect(budgetState(write, 0, 0, 0).perMinute).toBe(30);
  });
});

describe('budgetState', () => {
  const p = gcraParams({ limit: 10, periodMs: 1000, burst: 8 }, 0); // 100 ms pace, 5 at once (3 kept in hand)

  it('is full when idle', () => {
    expect(budgetState(p, 0, 5_000_000, 0)).toMatchObject({ remaining: 5, nextFreeInMs: 0, backlogMs: 0 });
  });

  it('counts down as reservations pile up', () => {
    const now = 5_000_000;
    expect(budgetState(p, now + 100_000, now, 1).remaining).toBe(4);
    expect(budgetState(p, now + 400_000, now, 4).remaining).toBe(1);
    expect(budgetState(p, now + 500_000, now, 5)).toMatchObject({ remaining: 0, nextFreeInMs: 100, backlogMs: 500 });
    expect(budgetState(p, now + 2_000_000, now, 5)).toMatchObject({ remaining: 0, nextFreeInMs: 1600, used: 5 });
  });
});

describe('etaMs', () => {
  it('quotes the time until the n-th call from now', () => {
    const write = gcraParams({ limit: 30, periodMs: 60_000, burst: 1 }, 0);
    expect(etaMs(write, { backlogMs: 0 }, 1)).toBe(0);
    expect(etaMs(write, { backlogMs: 0 }, 21)).toBe(40_000);
    expect(etaMs(write, { backlogMs: 1500 }, 1)).toBe(1500);
    const read = gcraParams({ limit: 10, periodMs: 1000, burst: 8 }, 0);
    expect(etaMs(read, { backlogMs: 0 }, 5)).toBe(0);
    expect(etaMs(read, { backlogMs: 0 }, 8)).toBe(300);
  });
});
