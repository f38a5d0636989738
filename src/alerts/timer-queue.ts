import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobData, jobOptions } from '../job-catalog.js';
import type { Timer } from './transitions.js';

/**
 * The `alerts` queue: delayed jobs for hold-downs (`hold`: open the case if still firing) and flap
 * damping (`settle`: post the summary once quiet), and a periodic `sweep` that finishes plans a
 * crash left half done. Job ids come from the incident and a sequence number, so a timer planned
 * twice is scheduled once, and a stale one finds its sequence superseded and does nothing.
 */

export const ALERTS_QUEUE = 'alerts';

export function createAlertQueue(connection: Redis, prefix: string): Queue {
  return new Queue(ALERTS_QUEUE, { connection, prefix });
}

export async function scheduleTimer(queue: Queue, timer: Timer, now = Date.now()): Promise<void> {
  await queue.add(timer.name, jobData('alerts', timer.name, timer.data), {
    ...jobOptions('alerts', timer.name),
    jobId: timer.jobId,
    delay: Math.max(0, timer.runAt - now),
  });
}

export async function scheduleSweep(queue: Queue, everyMs: number): Promise<void> {
  await queue.upsertJobScheduler(
    'alerts-sweep',
    { every: everyMs },
    { name: 'sweep', data: jobData('alerts', 'sweep', {}), opts: jobOptions('alerts', 'sweep') },
  );
}
