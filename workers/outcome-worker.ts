import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { StateKeys } from '../src/state/state-keys.js';
import { readJob } from '../src/job-catalog.js';
import type { OutcomeHandlers } from '../src/writes/catalog.js';
import { QUEUE_NAMES } from '../src/writes/queues.js';
import { workerErrors } from '../src/redis-outage.js';

/** Delivers write outcomes to the handler of their origin; a failing handler is retried with backoff. */
export function createOutcomeWorker(deps: { connection: Redis; keys: StateKeys; handlers: OutcomeHandlers; log: Logger }): Worker {
  const worker = new Worker(
    QUEUE_NAMES.outcomes,
    async (job: Job) => {
      const outcome = readJob('outcomes', 'outcome', job.data);
      const handler = deps.handlers[outcome.origin.kind];
      if (outcome.type === 'failed') deps.log.warn({ key: outcome.key, origin: outcome.origin, error: outcome.error }, 'write failed');
      if (handler) await handler(outcome);
    },
    { connection: deps.connection, prefix: deps.keys.queuePrefix, concurrency: 4, autorun: false },
  );
  worker.on('error', workerErrors(deps.log, 'outcome worker error'));
  return worker;
}
