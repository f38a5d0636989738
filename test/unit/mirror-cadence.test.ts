import { describe, expect, it } from 'vitest';
import { closedStep, isClosedStatus, nextBeatStep, pollDelayMs, type BeatView } from '../../src/mirror/cadence.js';
import { deliveryJobId, fetchJobId } from '../../src/mirror/jobs.js';
import { isBefore, sameInstant } from '../../src/mirror/instants.js';

const S = { activeIntervalMs: 5000, idleIntervalMs: 300_000 };

describe('pollDelayMs', () => {
  it('polls a recently active case at the active pace and backs off to the idle interval', () => {
    const now = 10_000_000;
    expect(pollDelayMs(now, now - 1000, S)).toBe(5000);
    expect(pollDelayMs(now, now - 120_000, S)).toBe(30_000);
    expect(pollDelayMs(now, now - 3_600_000, S)).toBe(300_000);
    expect(pollDelayMs(now, undefined, S)).toBe(300_000);
    expect(pollDelayMs(now, now + 5000, S)).toBe(5000);
  });
});

describe('nextBeatStep (the fast beat)', () => {
  const spare: BeatView = {
    elapsedMs: 500,
    beatMs: 2000,
    floorMs: 500,
    paceMs: 476,
    pendingFetches: 0,
    pollerRemaining: 20,
    pollerReserve: 3,
    peopleReading: false,
  };

  it('scans again at once while the poller has more than its reserve in hand', () => {
    expect(nextBeatStep(spare)).toEqual({ kind: 'scan' });
  });

  it('waits a pace (no less than the floor) when only the reserve is left', () => {
    expect(nextBeatStep({ ...spare, pollerRemaining: 3 })).toEqual({ kind: 'wait', ms: 500 });
    expect(nextBeatStep({ ...spare, pollerRemaining: 0, paceMs: 800, beatMs: 5000 })).toEqual({ kind: 'wait', ms: 800 });
  });

  it('leaves the budget to queued fetches and to people reading, looking again a pace later', () => {
    expect(nextBeatStep({ ...spare, pendingFetches: 1 })).toEqual({ kind: 'wait', ms: 500 });
    expect(nextBeatStep({ ...spare, peopleReading: true })).toEqual({ kind: 'wait', ms: 500 });
    // Near the next scheduled beat, that one scans.
    expect(nextBeatStep({ ...spare, peopleReading: true, elapsedMs: 1000 })).toEqual({ kind: 'stop' });
  });

  it('stops within a floor of the next scheduled beat', () => {
    expect(nextBeatStep({ ...spare, elapsedMs: 1400 })).toEqual({ kind: 'scan' });
    expect(nextBeatStep({ ...spare, elapsedMs: 1500 })).toEqual({ kind: 'stop' });
    expect(nextBeatStep({ ...spare, elapsedMs: 1000, pollerRemaining: 2 })).toEqual({ kind: 'stop' });
  });
});

describe('closed cases', () => {
  it('recognises the configured closed statuses whatever their case', () => {
    expect(isClosedStatus('resolved', ['Closed', 'Resolved'])).toBe(true);
    expect(isClosedStatus('In Progress', ['Closed', 'Resolved'])).toBe(false);
    expect(isClosedStatus(null, ['Closed'])).toBe(false);
  });

  it('checks a closed case once more, then drops it; reopening resets the count', () => {
    expect(closedStep(0, true)).toEqual({ closedChecks: 1, drop: false });
    expect(closedStep(1, true)).toEqual({ closedChecks: 2, drop: true });
    expect(closedStep(1, false)).toEqual({ closedChecks: 0, drop: false });
  });
});

describe('job ids and instants', () => {
  it('are deterministic, distinct and free of colons', () => {
    const a = deliveryJobId('CS-1', 'slack:C1:1700000000.1', 'message:CM-1');
    expect(a).toBe(deliveryJobId('CS-1', 'slack:C1:1700000000.1', 'message:CM-1'));
    expect(a).not.toBe(deliveryJobId('CS-1', 'slack:C1:1700000000.2', 'message:CM-1'));
    expect(a).not.toBe(fetchJobId('CS-1'));
    expect(`${a}${fetchJobId('CS-1')}`).not.toContain(':');
  });

  it('compares upstream times as instants when they parse', () => {
    expect(sameInstant('2025-03-04T10:00:00Z', '2025-03-04T11:00:00.000+01:00')).toBe(true);
    expect(sameInstant('2025-03-04T10:00:00Z', '2025-03-04T10:00:01Z')).toBe(false);
    expect(sameInstant(null, '')).toBe(true);
    expect(sameInstant('soon', 'later')).toBe(false);
    expect(isBefore('2025-03-04T10:00:00Z', '2025-03-04T10:00:00.001Z')).toBe(true);
    expect(isBefore('2025-03-04T10:00:00Z', '2025-03-04T10:00:00Z')).toBe(false);
    expect(isBefore('soon', '2025-03-04T10:00:00Z')).toBe(false);
  });
});
