import { Worker, type Job } from 'bullmq';
import { delayJob } from './delay-job.js';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AlertProcessor } from '../src/alerts/processor.js';
import { ALERTS_QUEUE } from '../src/alerts/timer-queue.js';
import { readJob } from '../src/job-catalog.js';
import { workerErrors } from '../src/redis-outage.js';

/** Runs the `alerts` queue: hold-down and flap-damping timers, and the sweep (see src/alerts/timer-queue.ts). */
export function createAlertTimerWorker(deps: { connection: Redis; prefix: string; processor: AlertProcessor; log: Logger }): Worker {
  const worker = new Worker(
    ALERTS_QUEUE,
    async (job: Job, token?: string) => {
      if (job.name === 'sweep') return deps.processor.sweep();
      if (job.name !== 'hold' && job.name !== 'settle') return;
      const { hash, seq } = readJob('alerts', job.name, job.data);
      const { retryAt } = await deps.processor.timer(job.name, hash, seq);
      if (retryAt !== undefined) {
        return delayJob(job, token, retryAt);
      }
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 4, autorun: false },
  );
  worker.on('error', workerErrors(deps.log, 'alerts worker error'));
  worker.on('failed', (job, err) => deps.log.warn({ err, job: job?.name, jobId: job?.id }, 'alerts job failed'));
  return worker;
}
