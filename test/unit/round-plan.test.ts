import { describe, expect, it } from 'vitest';
import { backoff, chainsByKey, emptyPlan, planEntries, type RawEntry, type RetryState } from '../../workers/intake/round-plan.js';

const entry = (id: string, key: string, payload: unknown): RawEntry => [id, ['k', key, 'p', JSON.stringify(payload)]];
const NOW = 1_000_000;

describe("an intake reader's round plan", () => {
  it('takes every readable entry when nothing backs off, numbering first tries 1', () => {
    const plan = planEntries(emptyPlan<{ n: number }>(), [entry('1-0', 'a', { n: 1 }), entry('2-0', 'b', { n: 2 })], new Map(), NOW);
    expect(plan.due).toEqual([
      { id: '1-0', key: 'a', payload: { n: 1 }, attempt: 1 },
      { id: '2-0', key: 'b', payload: { n: 2 }, attempt: 1 },
    ]);
    expect(plan.nextRetry).toBe(Infinity);
  });

  it('holds a key back behind its entry in backoff, pending and new entries alike, and tells when to look again', () => {
    const retries = new Map<string, RetryState>([['1-0', { attempts: 2, retryAt: NOW + 500 }]]);
    const plan = emptyPlan<unknown>();
    planEntries(plan, [entry('1-0', 'a', 1), entry('2-0', 'a', 2), entry('3-0', 'b', 3)], retries, NOW);
    planEntries(plan, [entry('4-0', 'a', 4), entry('5-0', 'b', 5)], retries, NOW);
    expect(plan.due.map((e) => e.id)).toEqual(['3-0', '5-0']);
    expect([...plan.blocked]).toEqual(['a']);
    expect(plan.nextRetry).toBe(NOW + 500);
  });

  it('retries an entry whose backoff is over, counting its tries on', () => {
    const retries = new Map<string, RetryState>([['1-0', { attempts: 3, retryAt: NOW }]]);
    const plan = planEntries(emptyPlan<unknown>(), [entry('1-0', 'a', 1)], retries, NOW);
    expect(plan.due).toEqual([{ id: '1-0', key: 'a', payload: 1, attempt: 4 }]);
  });

  it('sets aside entries it cannot read, and pending ids gone from the stream', () => {
    const plan = planEntries(
      emptyPlan<unknown>(),
      [['1-0', ['k', 'a']], ['2-0', ['k', 'b', 'p', '{not json']], ['3-0', null], entry('4-0', 'a', 4)],
      new Map(),
      NOW,
    );
    expect(plan.broken).toEqual([
      { id: '1-0', key: 'a', raw: undefined, error: 'entry has no payload' },
      { id: '2-0', key: 'b', raw: '{not json', error: 'entry payload is not JSON' },
    ]);
    expect(plan.gone).toEqual(['3-0']);
    expect(plan.due.map((e) => e.id)).toEqual(['4-0']);
  });

  it('chains the due entries by key, in arrival order within a key and by first arrival across keys', () => {
    const plan = planEntries(
      emptyPlan<number>(),
      [entry('1-0', 'b', 1), entry('2-0', 'a', 2), entry('3-0', 'b', 3), entry('4-0', 'c', 4), entry('5-0', 'a', 5)],
      new Map(),
      NOW,
    );
    expect(chainsByKey(plan.due).map((chain) => chain.map((e) => e.id))).toEqual([['1-0', '3-0'], ['2-0', '5-0'], ['4-0']]);
  });

  it('backs off by doubling from 250 ms to at most 10 s, somewhere in the upper half', () => {
    expect([1, 2, 3, 6, 7, 20].map((a) => backoff(a, () => 1))).toEqual([250, 500, 1000, 8000, 10_000, 10_000]);
    expect([1, 2, 7].map((a) => backoff(a, () => 0))).toEqual([125, 250, 5000]);
  });
});
