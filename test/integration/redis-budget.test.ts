// The budget's Lua against a real Redis: the slots it books keep both of its rules (window and
// pace, src/budget/gcra.ts) however callers mix priorities, give slots back or give up waiting.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gcraParams } from '../../src/budget/gcra.js';
import { RedisBudget, type Slot } from '../../src/budget/redis-budget.js';
import { dropPrefix, openRedis, uniquePrefix } from '../helpers/redis.js';

let redis: Redis;
const prefix = uniquePrefix('budget');
let n = 0;

function budget(limit: number, periodMs: number, burst: number, margin = 0, allowanceMs = 0): RedisBudget {
  return new RedisBudget(redis, `${prefix}:b${n++}`, gcraParams({ limit, periodMs, burst }, margin, allowanceMs), `b${n}`);
}

async function redisNowUs(): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1_000_000 + Number(us);
}

beforeAll(async () => {
  redis = await openRedis('budget-test');
});

afterAll(async () => {
  await dropPrefix(redis, prefix);
});

describe('RedisBudget', () => {
  it('books slots that keep the window and the pace while callers mix priorities and give up', async () => {
    const b = budget(100, 1000, 10, 0.002, 20);
    const { capacity, windowUs, intervalUs, toleranceUs, gapUs } = b.params;
    const slots: Slot[] = [];
    const late: string[] = [];
    await Promise.all(
      Array.from({ length: 150 }, async (_, i) => {
        const controller = new AbortController();
        if (i % 10 === 3) setTimeout(() => controller.abort(), 50);
        try {
          const slot = await b.acquire({
            maxWaitMs: 30_000,
            signal: controller.signal,
            holdBackUs: i % 3 === 0 ? toleranceUs / 2 : 0,
            maxAheadMs: i % 4 === 1 ? 30 : undefined,
          });
          const now = await redisNowUs();
          if (now < slot.atUs) late.push(`resolved ${slot.atUs - now} µs before its slot`);
          slots.push(slot);
        } catch (err) {
          if (!controller.signal.aborted) throw err;
        }
      }),
    );
    expect(late).toEqual([]);
    expect(slots.length).toBeGreaterThan(120);
    const times = slots.map((s) => s.atUs).sort((x, y) => x - y);
    // Window: any capacity + 1 slots span a whole window.
    for (let i = 0; i + capacity < times.length; i++) expect(times[i + capacity]! - times[i]!).toBeGreaterThanOrEqual(windowUs);
    // Gap: a burst is spread.
    expect(gapUs).toBeGreaterThan(0);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(gapUs);
    // Pace: k slots within L µs need L ≥ (k − 1)·interval − tolerance.
    for (let i = 0; i < times.length; i++) {
      for (let j = i + 1; j < times.length; j++) expect(times[j]! - times[i]!).toBeGreaterThanOrEqual((j - i) * intervalUs - toleranceUs);
    }
    // What was booked and never used went back: the log (the last window of it) holds used slots only.
    const logged = (await redis.zrange(`${prefix}:b0:log`, 0, -1, 'WITHSCORES')).filter((_, k) => k % 2 === 1).map(Number);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.filter((t) => !times.includes(t))).toEqual([]);
  });

  it('holds one call past a full window until the first leaves it, booking it only half a window ahead', async () => {
    const b = budget(5, 1000, 5);
    const key = `${prefix}:b${n - 1}:log`;
    const waiting = Promise.all(Array.from({ length: 6 }, () => b.acquire({ maxWaitMs: 5000 })));
    await new Promise((r) => setTimeout(r, 200));
    expect(await redis.zcard(key)).toBe(5);
    await new Promise((r) => setTimeout(r, 500));
    expect(await redis.zcard(key)).toBe(6);
    const slots = await waiting;
    const times = slots.map((s) => s.atUs).sort((x, y) => x - y);
    expect(times[4]! - times[0]!).toBeLessThan(50_000);
    expect(times[5]! - times[0]!).toBeGreaterThanOrEqual(1_000_000);
  });

  it.each([
    ['a paced budget', 30, 3000, 1],
    ['a window budget', 3, 1000, 50],
  ])('grants nothing during a pause (%s)', async (_name, limit, periodMs, burst) => {
    const b = budget(limit, periodMs, burst);
    const before = await redisNowUs();
    await b.pause(300);
    expect((await b.state()).nextFreeInMs).toBeGreaterThan(250);
    const slot = await b.acquire({ maxWaitMs: 1000 });
    expect(slot.atUs - before).toBeGreaterThanOrEqual(300_000);
  });

  it('lets a slot given back be booked again at once', async () => {
    const b = budget(5, 1000, 5);
    const slots = [];
    for (let i = 0; i < 5; i++) slots.push(await b.acquire({ maxWaitMs: 0 }));
    expect((await b.state()).remaining).toBe(0);
    await slots[4]!.giveBack();
    await slots[4]!.giveBack();
    const state = await b.state();
    expect(state.remaining).toBe(1);
    const again = await b.acquire({ maxWaitMs: 0 });
    expect(again.atUs - slots[3]!.atUs).toBeLessThan(100_000);
    expect((await b.state()).nextFreeInMs).toBeGreaterThan(800);
  });
});
