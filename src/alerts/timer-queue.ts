import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Timer } from './transitions.js';

/**
 * The `alerts` queue: delayed jobs for hold-downs (`hold`: open the case if still firing) and flap
 * damping (`settle`: post the summary once quiet), and a periodic `sweep` that finishes plans a
 * crash left half done. Job ids come from the incident and a sequence number, so a timer planned
 * twice is scheduled once, and a stale one finds its sequence superseded and does nothing.
 */

export const ALERTS_QUEUE = 'alerts';

export const timerDataSchema = z.object({ hash: z.string().regex(/^[0-9a-f]{8,64}$/), seq: z.number().int().min(0) });

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
