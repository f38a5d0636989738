import { DelayedError, Worker, type Job } from 'bullmq';
import { delayJob } from './delay-job.js';
import { BudgetWaitError } from '../src/budget/redis-budget.js';
import { ExpereoApiError } from '../src/expereo/api-error.js';
import type { MirrorContext } from '../src/mirror/mirror-context.js';
import { fetchCase } from '../src/mirror/fetch-case.js';
import { readJob } from '../src/job-catalog.js';
import { MIRROR_QUEUES } from '../src/mirror/jobs.js';
import { workerErrors } from '../src/redis-outage.js';

/** Looks at one case per job: reads its thread if it changed and queues the deliveries. */
export function createMirrorFetchWorker(ctx: MirrorContext, concurrency = 8): Worker {
  const later = (job: Job, token: string | undefined, ms: number) => delayJob(job, token, Date.now() + ms);

  const worker = new Worker(
    MIRROR_QUEUES.fetch,
    async (job: Job, token?: string, signal?: AbortSignal) => {
      const data = readJob('mirror-fetch', 'fetch', job.data);
      try {
        const outcome = await fetchCase(ctx, data, signal, data.waitingSince);
        if (outcome.kind === 'wait') {
          await job.updateData({ ...data, waitingSince: data.waitingSince ?? ctx.now() });
          return await later(job, token, outcome.ms);
        }
        return outcome;
      } catch (err) {
        if (err instanceof DelayedError) throw err;
        // Waiting for the budget or for a 429 to pass is not a failed attempt.
        if (err instanceof BudgetWaitError) return later(job, token, Math.min(err.waitMs, 60_000));
        if (err instanceof ExpereoApiError && err.code === 'rate_limited') return later(job, token, Math.max(err.retryAfterMs ?? 1000, 100));
        if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
          await ctx.cursors.markStale(data.caseId).catch(() => undefined);
          ctx.log.error({ err, caseId: data.caseId }, 'mirror fetch gave up: the case is looked at again on the next scan');
        }
        throw err;
      }
    },
    { connection: ctx.connection, prefix: ctx.queuePrefix, concurrency, autorun: false },
  );
  worker.on('error', workerErrors(ctx.log, 'mirror fetch worker error'));
  return worker;
}
