import type { IRedisTransaction } from 'bullmq';
import type { Redis } from 'ioredis';
import type { StateKeys } from '../state/state-keys.js';
import type { Authorship } from './authorship.js';
import { writeRequestSchema, type WriteRequest } from './catalog.js';
import type { Lane } from './lanes.js';
import { caseSlot, createSlot } from './slots.js';
import { COMPLETE, DEAD, ENQUEUE, REPLAY } from './outbox-scripts.js';
import { runScript, waitReady } from '../redis.js';
import { extendLock, releaseLock, takeLock } from '../redis-lock.js';

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
  | { accepted: true; slot: string; ahead: number }
  | { accepted: false; status: string; caseId: string | undefined; slot: string }
  | { refused: string };

export type ReplayResult = { replayed: true; slot: string } | { replayed: false; status: string };

export interface OutboxOptions {
  /** How long a finished write's key is remembered (later duplicates are acknowledged, not redone). */
  doneTtlMs: number;
}

/** One MULTI reply: the command's error, or its result. */
type Reply = [Error | null, unknown] | undefined;

const ACCEPT_COMMAND = 'outboxAccept';
const REPLAY_COMMAND = 'outboxReplay';

/**
 * The writes waiting for each case, in Redis. A write is accepted once, in one atomic step together
 * with its slot's flush job (the write queue shares this connection, and the accept is queued in the
 * queue's own MULTI), and leaves its case's line only when recorded as sent or dead-lettered; a
 * crash in between leaves it in line, with its flush job, to be tried again.
 */
export class Outbox {
  constructor(
    private readonly redis: Redis,
    readonly keys: StateKeys,
    private readonly o: OutboxOptions,
  ) {
    // As commands of the connection, so that they can go into a MULTI (sent as EVAL the first time on each socket).
    redis.defineCommand(ACCEPT_COMMAND, { numberOfKeys: 6, lua: ENQUEUE });
    redis.defineCommand(REPLAY_COMMAND, { numberOfKeys: 5, lua: REPLAY });
  }

  /**
   * The slot a write waits in (see slots.ts): its own for a create, its create's for a write to a
   * case still being created, and for a case id the slot of the create that made the case
   * (messages queued before the case existed are still in line there) or the case's own.
   */
  async slotOf(write: WriteRequest): Promise<string> {
    if (write.kind === 'create') return createSlot(write.key);
    if ('createKey' in write.case) return createSlot(write.case.createKey);
    return (await this.redis.get(this.keys.caseSlot(write.case.caseId))) ?? caseSlot(write.case.caseId);
  }

  /** Queues the accept of `write` into `slot` in `tx`, a MULTI on this outbox's connection; read its reply with `acceptReply`. */
  queueAccept(tx: IRedisTransaction, write: WriteRequest, lane: Lane, slot: string, now = Date.now()): void {
    const [refType, refValue] =
      write.kind === 'create' ? ['new', ''] : 'caseId' in write.case ? ['caseId', write.case.caseId] : ['createKey', write.case.createKey];
    const k = this.keys;
    const waitsFor = refType === 'createKey' ? refValue : write.key;
    const keys = [k.entry(write.key), k.entry(waitsFor), k.ref(waitsFor), k.outbox(slot), k.slots, k.pending];
    tx.runCommand(ACCEPT_COMMAND, [...keys, write.key, JSON.stringify(write), lane, slot, refType, now]);
  }

  acceptReply(reply: Reply): AcceptResult {
    const res = result(reply) as (string | number)[];
    if (res[0] === -1) return { refused: String(res[1]) };
    if (res[0] === 0) return { accepted: false, status: String(res[1]), caseId: res[2] ? String(res[2]) : undefined, slot: String(res[3]) };
    return { accepted: true, slot: String(res[1]), ahead: Number(res[2]) };
  }

  /** Queues the replay of a dead-lettered write in `tx` (see `queueAccept`); read its reply with `replayReply`. */
  queueReplay(tx: IRedisTransaction, key: string, slot: string, now = Date.now()): void {
    const k = this.keys;
    tx.runCommand(REPLAY_COMMAND, [k.entry(key), k.outbox(slot), k.dead, k.slots, k.pending, key, slot, now]);
  }

  replayReply(reply: Reply): ReplayResult {
    const res = result(reply) as (string | number)[];
    return res[0] === 1 ? { replayed: true, slot: String(res[1]) } : { replayed: false, status: String(res[1]) };
  }

  /** Whether the connection is up: a failure while it is not was Redis going away, not the work itself. */
  connected(): boolean {
    return this.redis.status === 'ready';
  }

  /** Resolves once the connection is up again (rejects after `timeoutMs`). */
  whenConnected(timeoutMs: number): Promise<void> {
    return waitReady(this.redis, timeoutMs);
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
    const rows = results(await pipeline.exec());
    return keys.flatMap((key, i) => {
      const h = rows[i] as Record<string, string> | undefined;
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
    const rows = results(await pipeline.exec());
    return Math.max(0, ...rows.filter((_, i) => i % 2 === 0).map((n) => Number(n) - 1));
  }

  /** Records a batch as sent, with whom it spoke for (see authorship.ts) when that is known. */
  async complete(
    slot: string,
    op: string,
    keys: string[],
    caseId: string,
    sent?: { messageId?: string; fingerprint?: string; authorship?: Authorship },
    now = Date.now(),
  ): Promise<void> {
    const origins = sent?.authorship?.origins.length ? JSON.stringify(sent.authorship.origins) : '';
    const changes = (sent?.authorship?.changes ?? []).map((c) => JSON.stringify({ ...c, at: now }));
    const links = op === 'create' ? await this.linksAsked(keys) : [];
    const k = this.keys;
    const scriptKeys = [
      k.outbox(slot),
      k.pending,
      k.dead,
      k.slots,
      k.linkedCases,
      k.caseSlot(caseId),
      k.caseLinks(caseId),
      k.caseSent(caseId),
      k.caseOrigins(caseId),
      k.caseChanges(caseId),
      ...keys.flatMap((key) => [k.entry(key), k.ref(key)]),
      ...links.map((link) => k.link(link.id)),
    ];
    await runScript(
      this.redis,
      COMPLETE,
      scriptKeys.length,
      ...scriptKeys,
      slot,
      caseId,
      op,
      this.o.doneTtlMs,
      now,
      sent?.messageId ?? '',
      sent?.fingerprint ?? '',
      origins,
      keys.length,
      changes.length,
      links.length,
      ...keys,
      ...changes,
      ...links.flatMap((link) => [link.id, JSON.stringify(link)]),
    );
  }

  /** The conversations the creates among `keys` asked to be linked to (as stored when accepted). */
  private async linksAsked(keys: string[]): Promise<{ id: string }[]> {
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hget(this.keys.entry(key), 'req');
    return results(await pipeline.exec()).flatMap((raw) => {
      try {
        const links = (JSON.parse(String(raw)) as { links?: unknown }).links;
        return Array.isArray(links) ? links.filter((l): l is { id: string } => typeof l?.id === 'string') : [];
      } catch {
        return [];
      }
    });
  }

  async deadLetter(slot: string, keys: string[], error: NonNullable<Entry['error']>, keepAtHead: boolean, now = Date.now()): Promise<void> {
    const k = this.keys;
    const scriptKeys = [k.outbox(slot), k.pending, k.dead, k.slots, ...keys.map((key) => k.entry(key))];
    await runScript(this.redis, DEAD, scriptKeys.length, ...scriptKeys, slot, JSON.stringify(error), now, keepAtHead ? '1' : '0', ...keys);
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

  // ---- slot locking ------------------------------------------------------------------------------

  /** Locks a slot for `owner` (one run of a flush job); true if the lock is the owner's. */
  async lockSlot(slot: string, owner: string, ttlMs: number): Promise<boolean> {
    return takeLock(this.redis, this.keys.slotLock(slot), owner, ttlMs);
  }

  async extendSlot(slot: string, owner: string, ttlMs: number): Promise<boolean> {
    return extendLock(this.redis, this.keys.slotLock(slot), owner, ttlMs);
  }

  async unlockSlot(slot: string, owner: string): Promise<void> {
    await releaseLock(this.redis, this.keys.slotLock(slot), owner);
  }
}

/**
 * A pipeline's results, or its first error: a command of a pipeline that fails (Redis went away
 * half-way) does not reject the pipeline, and a missing answer must not read as "nothing there" or
 * "never tried".
 */
function results(rows: [Error | null, unknown][] | null): unknown[] {
  if (!rows) throw new Error('the pipeline was not run');
  const failed = rows.find(([err]) => err);
  if (failed) throw failed[0];
  return rows.map(([, value]) => value);
}

function result(reply: Reply): unknown {
  if (!reply) throw new Error('the outbox transaction was not applied');
  if (reply[0]) throw reply[0];
  return reply[1];
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
