import type { Redis } from 'ioredis';
import type { MirrorKeys } from './mirror-keys.js';
import type { CursorView } from './scan-plan.js';

export interface Cursor extends CursorView {
  /** Messages dated before this (ms since epoch) are history, never delivered. */
  since: number | undefined;
  /** When the case last changed (ms), for the per-case pace. */
  changedAt: number | undefined;
}

export interface CursorUpdate {
  /** Every message id handled by this look at the case. */
  seenIds: string[];
  status: string;
  modified: string;
  closedChecks: number;
  changedAt: number | undefined;
  /** The latest message seen (id and time), when this look read the thread. */
  last?: { id: string; at: string };
}

/** Cursors and seen sets of a quiet case expire after this long; a later look starts a new baseline. */
const CURSOR_TTL_MS = 90 * 24 * 3_600_000;

/** The poller's per-case memory in Redis (key names in keys.ts). */
export class CursorStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: MirrorKeys,
  ) {}

  async get(caseId: string): Promise<Cursor> {
    return toCursor(await this.redis.hgetall(this.keys.cursor(caseId)));
  }

  async getMany(caseIds: readonly string[]): Promise<Map<string, Cursor>> {
    const pipeline = this.redis.pipeline();
    for (const id of caseIds) pipeline.hgetall(this.keys.cursor(id));
    const rows = (await pipeline.exec()) ?? [];
    return new Map(caseIds.map((id, i) => [id, toCursor((rows[i]?.[1] ?? {}) as Record<string, string>)]));
  }

  /** Starts cursors for newly linked cases; an existing cursor keeps its own `since`. */
  async init(caseIds: readonly string[], sinceMs: number, nowMs: number): Promise<void> {
    if (caseIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of caseIds) {
      pipeline.hsetnx(this.keys.cursor(id), 'since', String(sinceMs));
      pipeline.hsetnx(this.keys.cursor(id), 'initAt', String(nowMs));
      pipeline.pexpire(this.keys.cursor(id), CURSOR_TTL_MS);
    }
    await pipeline.exec();
  }

  async seenAmong(caseId: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const flags = await this.redis.smismember(this.keys.seen(caseId), ...ids);
    return new Set(ids.filter((_, i) => flags[i] === 1));
  }

  /**
   * Moves the cursor past what was just handled, in one step. Called only once the deliveries for
   * the new messages are queued: a crash before it makes the next look queue them again (same job
   * ids, no second effect); a crash after it loses nothing.
   */
  async commit(caseId: string, u: CursorUpdate, sinceMs: number): Promise<void> {
    const tx = this.redis.multi();
    if (u.seenIds.length) tx.sadd(this.keys.seen(caseId), ...u.seenIds);
    tx.pexpire(this.keys.seen(caseId), CURSOR_TTL_MS);
    tx.hset(this.keys.cursor(caseId), {
      since: String(sinceMs),
      status: u.status,
      modified: u.modified,
      closedChecks: String(u.closedChecks),
      ...(u.changedAt === undefined ? {} : { changedAt: String(u.changedAt) }),
      ...(u.last ? { lastId: u.last.id, lastAt: u.last.at } : {}),
    });
    tx.hdel(this.keys.cursor(caseId), 'stale');
    tx.pexpire(this.keys.cursor(caseId), CURSOR_TTL_MS);
    await tx.exec();
  }

  /** A fetch gave up: the next scan looks at the case whatever the list says. */
  async markStale(caseId: string): Promise<void> {
    await this.redis.multi().hset(this.keys.cursor(caseId), 'stale', '1').pexpire(this.keys.cursor(caseId), CURSOR_TTL_MS).exec();
  }

  /** Forgets a case no longer tracked. The seen set stays (until it expires) so a re-link repeats nothing. */
  async drop(caseId: string): Promise<void> {
    await this.redis.multi().del(this.keys.cursor(caseId)).zrem(this.keys.due, caseId).exec();
  }

  async watermark(): Promise<string | undefined> {
    return (await this.redis.get(this.keys.watermark)) ?? undefined;
  }

  async setWatermark(value: string): Promise<void> {
    await this.redis.set(this.keys.watermark, value);
  }
}

function toCursor(h: Record<string, string>): Cursor {
  const num = (v: string | undefined) => (v === undefined || v === '' || Number.isNaN(Number(v)) ? undefined : Number(v));
  return {
    exists: Object.keys(h).length > 0,
    status: h.status,
    modified: h.modified,
    closedChecks: num(h.closedChecks) ?? 0,
    stale: h.stale === '1',
    since: num(h.since),
    initAt: num(h.initAt),
    changedAt: num(h.changedAt),
  };
}
