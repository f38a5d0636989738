import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import type { MirrorContext } from '../src/mirror/mirror-context.js';
import { jobData, jobOptions } from '../src/job-catalog.js';
import { MIRROR_QUEUES } from '../src/mirror/jobs.js';
import { beat } from '../src/mirror/tick.js';
import { workerErrors } from '../src/redis-outage.js';

/**
 * Runs the poller's beats, one at a time across every process (a Redis lock: a beat that overruns
 * its interval is not joined by the next one). A beat scans again while the read budget is spare
 * (src/mirror/tick.ts: beat), so changes are found as fast as the budget allows.
 */
export function createMirrorScanWorker(ctx: MirrorContext): Worker {
  const lockMs = Math.max(30_000, ctx.settings.scanEveryMs * 5);
  const worker = new Worker(
    MIRROR_QUEUES.scan,
    async (_job, _token, signal) => {
      const owner = randomUUID();
      if (!(await ctx.schedule.lockScan(owner, lockMs))) return { skipped: true };
      try {
        return await beat(ctx, signal);
      } catch (err) {
        // The next beat tries again; a failed beat is not worth a retry of its own.
        ctx.log.warn({ err }, 'mirror scan failed');
        return { failed: true };
      } finally {
        await ctx.schedule.unlockScan(owner).catch(() => undefined);
      }
    },
    { connection: ctx.connection, prefix: ctx.queuePrefix, concurrency: 1, autorun: false },
  );
  worker.on('error', workerErrors(ctx.log, 'mirror scan worker error'));
  return worker;
}

/** The periodic beat, as a BullMQ job scheduler (one per deployment, whatever the process count). */
export async function scheduleScans(ctx: MirrorContext): Promise<void> {
  await ctx.queues.scan.upsertJobScheduler(
    'mirror-scan',
    { every: ctx.settings.scanEveryMs },
    { name: 'tick', data: jobData('mirror-scan', 'tick', {}), opts: jobOptions('mirror-scan', 'tick') },
  );
}
