import { describe, expect, it } from 'vitest';
import { JOB_CATALOG, jobData, jobOptions, readJob } from '../../src/job-catalog.js';
import { MIRROR_QUEUES } from '../../src/mirror/jobs.js';
import { ALERTS_QUEUE } from '../../src/alerts/timer-queue.js';
import { QUEUE_NAMES } from '../../src/writes/queues.js';

describe('the job catalog', () => {
  it('lists every queue the bridge creates', () => {
    expect(Object.keys(JOB_CATALOG).sort()).toEqual([...Object.values(QUEUE_NAMES), ...Object.values(MIRROR_QUEUES), ALERTS_QUEUE].sort());
  });

  it('validates a job when it is added, with its defaults applied', () => {
    expect(jobData('writes', 'flush', { slot: 'c:CASE-1' })).toEqual({ slot: 'c:CASE-1' });
    expect(() => jobData('writes', 'flush', { slot: '' })).toThrow();
    const delivery = { id: 'm1', caseId: 'CASE-1', kind: 'message' as const, text: 'hello', at: '2026-01-01T00:00:00Z' };
    expect(jobData('deliveries', 'message', { caseId: 'CASE-1', linkId: 'slack:C1:1.2', delivery })).toMatchObject({ deferrals: 0 });
  });

  it('validates a job again when a worker takes it, refusing data and names that do not fit', () => {
    expect(readJob('alerts', 'hold', { hash: 'abcdef0123', seq: 3 })).toEqual({ hash: 'abcdef0123', seq: 3 });
    expect(() => readJob('alerts', 'hold', { hash: 'not hex', seq: 3 })).toThrow();
    expect(() => readJob('alerts', 'nonsense' as 'hold', {})).toThrow(/no job named nonsense on the alerts queue/);
  });

  it('gives each job its retry policy', () => {
    expect(jobOptions('outcomes', 'outcome')).toMatchObject({ attempts: 5 });
    expect(jobOptions('mirror-fetch', 'fetch')).toMatchObject({ attempts: 5, removeOnFail: true });
    expect(jobOptions('deliveries', 'status')).toMatchObject({ attempts: 10 });
    expect(jobOptions('alerts', 'settle')).toMatchObject({ attempts: 8 });
  });
});
