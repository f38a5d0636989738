import { DelayedError, type Job } from 'bullmq';

/**
 * Moves `job` to the delayed set until `at` (ms since the epoch) and stops its processor: BullMQ
 * takes the DelayedError thrown here as "not a failure, not done", so no attempt is spent.
 */
export async function delayJob(job: Job, token: string | undefined, at: number): Promise<never> {
  await job.moveToDelayed(at, token);
  throw new DelayedError();
}
