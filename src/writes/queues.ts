import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { StateKeys } from '../state/keys.js';
import type { Lane } from './lanes.js';

export const QUEUE_NAMES = { writes: 'writes', outcomes: 'outcomes' } as const;

export interface RetryPolicy {
  attempts: number;
  /** First retry delay; it doubles each time, with jitter. */
  backoffMs: number;
}

export function flushJobOptions(lane: Lane, retry: RetryPolicy): JobsOptions {
  return {
    priority: lane,
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 },
    removeOnComplete: true,
    removeOnFail: { count: 1000 },
  };
}

export function createQueue(name: string, connection: ConnectionOptions, keys: StateKeys): Queue {
  return new Queue(name, { connection, prefix: keys.queuePrefix });
}
