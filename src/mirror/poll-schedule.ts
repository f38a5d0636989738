import type { Redis } from 'ioredis';
import type { MirrorKeys } from './mirror-keys.js';
import { runScript } from '../redis.js';
import { releaseLock, takeLock } from '../redis-lock.js';

/**
 * Takes the cases due now and pushes each one's next due time to a lease, atomically, so that a
 * case is handed out once per lease even when several processes tick. The fetch then sets the real
 * next time; if the fetch is lost, the lease running out brings the case back.
 */
const CLAIM_DUE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id) end
return due
`;

/** Timetable of per-case polling, the "auto" fallback flag and the scan lock (key names in keys.ts). */
export class PollSchedule {
  constructor(
    private readonly redis: Redis,
    private readonly keys: MirrorKeys,
  ) {}

  /** Puts newly linked cases on the timetable (due now; returned) and takes off those no longer linked. */
  async reconcile(linked: readonly string[], nowMs: number): Promise<string[]> {
    const listed = new Set(await this.redis.zrange(this.keys.due, 0, -1));
    const wanted = new Set(linked);
    const gone = [...listed].filter((id) => !wanted.has(id));
    const added = linked.filter((id) => !listed.has(id));
    if (gone.length === 0 && added.length === 0) return [];
    const tx = this.redis.multi();
    if (gone.length) tx.zrem(this.keys.due, ...gone);
    for (const id of added) tx.zadd(this.keys.due, 'NX', nowMs, id);
    await tx.exec();
    return added;
  }

  async claimDue(nowMs: number, leaseMs: number, limit: number): Promise<string[]> {
    return (await runScript(this.redis, CLAIM_DUE, 1, this.keys.due, nowMs, nowMs + leaseMs, limit)) as string[];
  }

  /** Sets when a case is next due; a case no longer on the timetable stays off. */
  async dueAt(caseId: string, atMs: number): Promise<void> {
    await this.redis.zadd(this.keys.due, 'XX', Math.round(atMs), caseId);
  }

  async clear(): Promise<void> {
    await this.redis.del(this.keys.due);
  }

  async perCaseFallback(): Promise<boolean> {
    return (await this.redis.exists(this.keys.perCase)) === 1;
  }

  /** "auto" mode saw the sort refused: poll per case for `ms`, then try the sort again. */
  async fallBackToPerCase(reason: string, ms: number): Promise<void> {
    await this.redis.set(this.keys.perCase, reason.slice(0, 300), 'PX', ms);
  }

  async lockScan(owner: string, ttlMs: number): Promise<boolean> {
    return takeLock(this.redis, this.keys.scanLock, owner, ttlMs);
  }

  async unlockScan(owner: string): Promise<void> {
    await releaseLock(this.redis, this.keys.scanLock, owner);
  }
}
