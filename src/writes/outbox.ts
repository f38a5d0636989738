import type { Redis } from 'ioredis';
import type { StateKeys } from '../state/keys.js';
import { writeRequestSchema, type WriteRequest } from './catalog.js';
import type { Lane } from './lanes.js';
import { COMPLETE, DEAD, ENQUEUE, EXTEND, RELEASE, REPLAY } from './outbox-scripts.js';
import { runScript } from '../redis.js';

export type EntryStatus = 'queued' | 'sending' | 'done' | 'dead';

export interface Entry {
  key: string;
  status: EntryStatus;
  slot: string;
  lane: Lane;
  attempts: number;
  caseId: string | undefined;
  acceptedAt: number;
  error: { code: string; message: string; fieldErrors: { field: string; message: string }[] } | undefined;
  /** Undefined if the stored request no longer satisfies the catalog (it is then dead-lettered). */
  request: WriteRequest | undefined;
}

export type AcceptResult =
  | { accepted: true; slot: string; mustSchedule: boolean; ahead: number }
  | { accepted: false; status: string; caseId: string | undefined; slot: string };

export interface OutboxOptions {
  /** How long a finished write's key is remembered (later duplicates are acknowledged, not redone). */
  doneTtlMs: number;
  /** After this long a "flush queued" flag lapses, so a lost flush is repaired by the sweep. */
  scheduleTtlMs: number;
}

/**
 * The writes waiting for each case, in Redis. A write is accepted once, in one atomic step, and
 * leaves its case's line only when recorded as sent or dead-lettered; a crash in between leaves it
 * in line, to be tried again.
 */
export class Outbox {
  constructor(
    private readonly redis: Redis,
    readonly keys: StateKeys,
    private readonly o: OutboxOptions,
  ) {}

  async accept(write: WriteRequest, lane: Lane, now = Date.now()): Promise<AcceptResult | { refused: string }> {
    const [refType, refValue] =
      write.kind === 'create' ? ['new', ''] : 'caseId' in write.case ? ['caseId', write.case.caseId] : ['createKey', write.case.createKey];
    const res = (await runScript(this.redis, ENQUEUE, 0, this.keys.prefix, write.key, JSON.stringify(write), lane, refType, refValue, now, this.o.scheduleTtlMs)) as (
      | string
      | number
    )[];
    if (res[0] === -1) return { refused: String(res[1]) };
    if (res[0] === 0) return { accepted: false, status: String(res[1]), caseId: res[2] ? String(res[2]) : undefined, slot: String(res[3]) };
    return { accepted: true, slot: String(res[1]), mustSchedule: res[2] === 1, ahead: Number(res[3]) };
  }

  async entry(key: string): Promise<Entry | undefined> {
    const h = await this.redis.hgetall(this.keys.entry(key));
    return h.status ? toEntry(key, h) : undefined;
  }

  /** The first `max` writes waiting in a slot, oldest first. */
  async head(slot: string, max: number): Promise<Entry[]> {
    const keys = await this.redis.lrange(this.keys.outbox(slot), 0, max - 1);
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hgetall(this.keys.entry(key));
    const rows = (await pipeline.exec()) ?? [];
    return keys.flatMap((key, i) => {
      const h = rows[i]?.[1] as Record<string, string> | undefined;
      return h?.status ? [toEntry(key, h)] : [];
    });
  }

  /** Marks writes as being sent; returns the attempts made before this one (max over the batch). */
  async markSending(keys: string[]): Promise<number> {
    const pipeline = this.redis.pipeline();
    for (const key of keys) {
      pipeline.hincrby(this.keys.entry(key), 'attempts', 1);
      pipeline.hset(this.keys.entry(key), 'status', 'sending');
    }
    const rows = (await pipeline.exec()) ?? [];
    return Math.max(0, ...rows.filter((_, i) => i % 2 === 0).map(([, n]) => Number(n) - 1));
  }

  async complete(slot: string, op: string, keys: string[], caseId: string, sent?: { messageId?: string; fingerprint?: string }, now = Date.now()): Promise<void> {
    await runScript(this.redis, COMPLETE, 0, this.keys.prefix, slot, caseId, op, this.o.doneTtlMs, now, sent?.messageId ?? '', sent?.fingerprint ?? '', ...keys);
  }

  async deadLetter(slot: string, keys: string[], error: NonNullable<Entry['error']>, keepAtHead: boolean, now = Date.now()): Promise<void> {
    await runScript(this.redis, DEAD, 0, this.keys.prefix, slot, JSON.stringify(error), now, keepAtHead ? '1' : '0', ...keys);
  }

  async replay(key: string, now = Date.now()): Promise<{ replayed: true; slot: string; mustSchedule: boolean } | { replayed: false; status: string }> {
    const res = (await runScript(this.redis, REPLAY, 0, this.keys.prefix, key, now, this.o.scheduleTtlMs)) as (string | number)[];
    return res[0] === 1 ? { replayed: true, slot: String(res[1]), mustSchedule: res[2] === 1 } : { replayed: false, status: String(res[1]) };
  }

  async deadLetters(limit = 100): Promise<Entry[]> {
    const keys = await this.redis.zrevrange(this.keys.dead, 0, limit - 1);
    const entries = await Promise.all(keys.map((k) => this.entry(k)));
    return entries.filter((e): e is Entry => e !== undefined);
  }

  async deadCount(): Promise<number> {
    return this.redis.zcard(this.keys.dead);
  }

  async pendingByLane(): Promise<Record<Lane, number>> {
    const h = await this.redis.hgetall(this.keys.pending);
    return { 1: Number(h['1'] ?? 0), 2: Number(h['2'] ?? 0), 3: Number(h['3'] ?? 0), 4: Number(h['4'] ?? 0) };
  }

  async slotsWithWork(): Promise<string[]> {
    return this.redis.smembers(this.keys.slots);
  }

  async caseIdForKey(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.ref(key))) ?? undefined;
  }

  // ---- slot scheduling and locking -------------------------------------------------------------

  /** Claims the "flush queued" flag; true if the caller must now queue the flush. */
  async claimSchedule(slot: string, now = Date.now()): Promise<boolean> {
    return (await this.redis.set(this.keys.scheduled(slot), now, 'PX', this.o.scheduleTtlMs, 'NX')) === 'OK';
  }

  async clearSchedule(slot: string): Promise<void> {
    await this.redis.del(this.keys.scheduled(slot));
  }

  async isScheduled(slot: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.scheduled(slot), this.keys.slotLock(slot))) > 0;
  }

  async lockSlot(slot: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.slotLock(slot), owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async extendSlot(slot: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await runScript(this.redis, EXTEND, 1, this.keys.slotLock(slot), owner, ttlMs)) === 1;
  }

  async unlockSlot(slot: string, owner: string): Promise<void> {
    await runScript(this.redis, RELEASE, 1, this.keys.slotLock(slot), owner);
  }
}

function toEntry(key: string, h: Record<string, string>): Entry {
  let request: WriteRequest | undefined;
  try {
    const parsed = writeRequestSchema.safeParse(JSON.parse(h.req ?? 'null'));
    request = parsed.success ? parsed.data : undefined;
  } catch {
    request = undefined;
  }
  let error: Entry['error'];
  try {
    error = h.error ? (JSON.parse(h.error) as Entry['error']) : undefined;
  } catch {
    error = { code: 'unknown', message: h.error ?? '', fieldErrors: [] };
  }
  return {
    key,
    status: (h.status ?? 'queued') as EntryStatus,
    slot: h.slot ?? '',
    lane: Number(h.lane ?? 4) as Lane,
    attempts: Number(h.attempts ?? 0),
    caseId: h.caseId || undefined,
    acceptedAt: Number(h.acceptedAt ?? 0),
    error,
    request,
  };
}
