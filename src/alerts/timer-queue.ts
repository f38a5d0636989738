import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AlertProcessor } from './processor.js';
import type { Timer } from './transitions.js';

/**
 * The `alerts` queue: delayed jobs for hold-downs (`hold`: open the case if still firing) and flap
 * damping (`settle`: post the summary once quiet), and a periodic `sweep` that finishes plans a
 * crash left half done. Job ids come from the incident and a sequence number, so a timer planned
 * twice is scheduled once, and a stale one finds its sequence superseded and does nothing.
 */

export const ALERTS_QUEUE = 'alerts';

const timerDataSchema = z.object({ hash: z.string().regex(/^[0-9a-f]{8,64}$/), seq: z.number().int().min(0) });

export function createAlertQueue(connection: Redis, prefix: string): Queue {
  return new Queue(ALERTS_QUEUE, { connection, prefix });
}

export async function scheduleTimer(queue: Queue, timer: Timer, now = Date.now()): Promise<void> {
  await queue.add(timer.name, timer.data, {
    jobId: timer.jobId,
    delay: Math.max(0, timer.runAt - now),
    attempts: 8,
    backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
    removeOnComplete: true,
    removeOnFail: { count: 1000 },
  });
}

export async function scheduleSweep(queue: Queue, everyMs: number): Promise<void> {
  await queue.upsertJobScheduler('alerts-sweep', { every: everyMs }, { name: 'sweep', data: {}, opts: { removeOnComplete: true, removeOnFail: { count: 100 } } });
}

export function createAlertWorker(deps: { connection: Redis; prefix: string; processor: AlertProcessor; log: Logger }): Worker {
  const worker = new Worker(
    ALERTS_QUEUE,
    async (job: Job, token?: string) => {
      if (job.name === 'sweep') return deps.processor.sweep();
      if (job.name !== 'hold' && job.name !== 'settle') return;
      const { hash, seq } = timerDataSchema.parse(job.data);
      const { retryAt } = await deps.processor.timer(job.name, hash, seq);
      if (retryAt !== undefined) {
        await job.moveToDelayed(retryAt, token);
        throw new DelayedError();
      }
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 4, autorun: false },
  );
  worker.on('error', (err) => deps.log.error({ err }, 'alerts worker error'));
  worker.on('failed', (job, err) => deps.log.warn({ err, job: job?.name, jobId: job?.id }, 'alerts job failed'));
  return worker;
}
