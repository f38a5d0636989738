import { Job, Queue, type ConnectionOptions, type IRedisTransaction, type JobsOptions } from 'bullmq';
import { jobData, jobOptions } from '../job-catalog.js';
import type { StateKeys } from '../state/state-keys.js';
import type { Lane } from './lanes.js';

export const QUEUE_NAMES = { writes: 'writes', outcomes: 'outcomes' } as const;

export interface RetryPolicy {
  attempts: number;
  /** First retry delay; it doubles each time, with jitter. */
  backoffMs: number;
}

/**
 * A slot's flush job. Its deduplication id is the slot, so the job is the slot's "flush on the
 * way" mark: while one is waiting, delayed or retrying, adding another does nothing; while one is
 * running, BullMQ keeps the last one added and queues it when the running one finishes. A slot
 * therefore has at most one flush waiting and one running, and a write added at any moment is
 * flushed by one of them.
 */
export function flushJobOptions(slot: string, lane: Lane, retry: RetryPolicy): JobsOptions {
  return {
    ...jobOptions('writes', 'flush'),
    priority: lane,
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 },
    deduplication: { id: slot, keepLastIfActive: true },
  };
}

/** A flush job not yet added: `addJob(tx)` puts it into a transaction with other commands. */
export function flushJob(queue: Queue, slot: string, lane: Lane, retry: RetryPolicy): Job {
  return new Job(queue, 'flush', jobData('writes', 'flush', { slot }), flushJobOptions(slot, lane, retry));
}

/** A MULTI on the queue's connection: what is queued in it and a job added to it happen together, or not at all. */
export async function queueTransaction(queue: Queue): Promise<IRedisTransaction> {
  return (await queue.getBackend().client).multi();
}

export function createQueue(name: string, connection: ConnectionOptions, keys: StateKeys): Queue {
  return new Queue(name, { connection, prefix: keys.queuePrefix });
}
