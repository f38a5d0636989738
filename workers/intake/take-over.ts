import type { Redis } from 'ioredis';
import { INTAKE_GROUP } from '../../src/intake/intake.js';
import { pairs } from './round-plan.js';

/**
 * What a reader does on taking the lease: joins the intake's consumer group (creating it with the
 * stream), claims what earlier readers read but did not finish, and forgets readers with nothing
 * pending. `onClaimed` is told how many entries were claimed, when any were.
 */
export async function takeOver(redis: Redis, stream: string, me: string, onClaimed: (claimed: number) => void): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, INTAKE_GROUP, '0', 'MKSTREAM');
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('BUSYGROUP')) throw err;
  }
  let cursor = '0-0';
  let claimed = 0;
  do {
    const [next, entries] = (await redis.xautoclaim(stream, INTAKE_GROUP, me, 0, cursor, 'COUNT', 500, 'JUSTID')) as [string, string[]];
    claimed += entries.length;
    cursor = next;
  } while (cursor !== '0-0');
  if (claimed > 0) onClaimed(claimed);
  const consumers = (await redis.xinfo('CONSUMERS', stream, INTAKE_GROUP)) as unknown[][];
  for (const c of consumers) {
    const fields = pairs(c);
    if (fields.name !== me && Number(fields.pending) === 0) {
      await redis.xgroup('DELCONSUMER', stream, INTAKE_GROUP, String(fields.name));
    }
  }
}
