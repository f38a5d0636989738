import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DEAD_KEPT, INTAKE_GROUP, RESULT_TTL_S, intakeKeys, type DeadIntakeEntry, type IntakeKeys, type IntakeResult } from '../../src/intake/intake.js';
import { extendLock, releaseLock, takeLock } from '../../src/redis-lock.js';
import { UNSHARED, type LoopSlots } from '../loop-share.js';
import { takeOver } from './take-over.js';
import { backoff, chainsByKey, emptyPlan, planEntries, safeParse, streamEntries, type IntakeEntry, type RawEntry, type RetryState } from './round-plan.js';

export type { IntakeEntry };

export type IntakeOutcome = 'handled' | 'retry' | 'dead';

export interface IntakeConsumerOptions<T> {
  /** A patient connection (waits out a Redis restart); the consumer duplicates it for its blocking reads. */
  redis: Redis;
  prefix: string;
  name: string;
  /** Handles one entry; what it returns (if anything) is kept for a day as the entry's result. */
  handle(entry: IntakeEntry<T>): Promise<unknown>;
  /** An error that no retry will cure (the entry goes to the dead list at once). */
  permanent(err: unknown): boolean;
  log: Logger;
  onOutcome?(outcome: IntakeOutcome): void;
  /** Entries read per round. */
  batch?: number;
  /** Order keys handled at the same time. */
  parallel?: number;
  /** Tries before an entry that keeps failing goes to the dead list. */
  maxAttempts?: number;
  leaseMs?: number;
  /** How long a blocking read waits for new entries before checking the lease again. */
  blockMs?: number;
  /**
   * Slots taken per entry, shared by the process's readers: a `LoopShare` where the process also
   * answers webhooks, so that draining leaves the event loop to them (none: full parallelism).
   */
  slots?: LoopSlots;
}

/** Pending entries looked at per round, at most (entries waiting behind a failing one stay pending). */
const PENDING_SCAN = 5000;

/**
 * Reads an intake (see intake.ts) in the worker role. One worker process at a time holds the
 * intake's lease and reads it through a Redis consumer group; the others stand by and take over
 * when the lease lapses, first claiming what the previous reader had read but not finished.
 *
 * Per round: the entries this reader already holds (pending), then new ones. They are grouped by
 * order key; keys run in parallel, each key's entries one after another. A handled entry is
 * acknowledged and deleted. A failing entry stops its key for this round and is tried again after a
 * backoff (the entries behind it wait with it); after `maxAttempts`, or at once for a permanent
 * error, it is moved to the dead list with the reason, so that a bad entry cannot block its key
 * forever. A crash before the acknowledgement means the entry is handled again by the next reader:
 * handlers must be idempotent.
 */
export class IntakeConsumer<T> {
  private readonly keys: IntakeKeys;
  private readonly me = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly reader: Redis;
  private readonly retries = new Map<string, RetryState>();
  private readonly batch: number;
  private readonly parallel: number;
  private readonly maxAttempts: number;
  private readonly leaseMs: number;
  private readonly blockMs: number;
  private readonly slots: LoopSlots;
  private leader = false;
  /** Until when the lease is surely this process's: the last successful take or renewal, plus `leaseMs`. */
  private leaseUntil = 0;
  private closing = false;
  /** A read is waiting for new entries (close() cuts it short). */
  private waitingForEntries = false;
  private loop: Promise<void> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly o: IntakeConsumerOptions<T>) {
    this.keys = intakeKeys(o.prefix, o.name);
    this.reader = o.redis.duplicate({ connectionName: `bridge-intake-${o.name}` });
    this.reader.on('error', () => undefined);
    this.batch = o.batch ?? 200;
    this.parallel = o.parallel ?? 32;
    this.maxAttempts = o.maxAttempts ?? 10;
    this.leaseMs = o.leaseMs ?? 15_000;
    this.blockMs = o.blockMs ?? 1000;
    this.slots = o.slots ?? UNSHARED;
  }

  /** Whether this process is the intake's reader right now. */
  get reading(): boolean {
    return this.leader && Date.now() < this.leaseUntil;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Finishes the round in progress, gives the lease up and closes the reading connection. Idempotent. */
  async close(): Promise<void> {
    this.closing = true;
    this.wake?.();
    // A read waiting for new entries ends with its connection (what it may have taken stays pending
    // for the next reader); a round that is handling entries finishes first.
    if (this.waitingForEntries) this.reader.disconnect();
    await this.loop;
    this.reader.disconnect();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closing) {
      try {
        if (!(await this.holdLease())) {
          await this.sleep(Math.min(this.leaseMs / 3, 2000));
          continue;
        }
        await this.round();
        failures = 0;
      } catch (err) {
        if (this.closing) break;
        failures++;
        this.o.log.warn({ err, intake: this.o.name }, 'intake read failed; trying again');
        await this.sleep(backoff(failures));
      }
    }
    await this.releaseLease();
  }

  // ---- lease ---------------------------------------------------------------------------------

  private async holdLease(): Promise<boolean> {
    if (this.reading) return true;
    if (this.leader) {
      // Not renewed in time (Redis out of reach, or this process stalled): another may be reading by now.
      this.o.log.warn({ intake: this.o.name }, 'intake lease lapsed');
      this.dropLease();
    }
    const at = Date.now();
    if (!(await takeLock(this.o.redis, this.keys.lease, this.me, this.leaseMs))) return false;
    this.leader = true;
    this.leaseUntil = at + this.leaseMs;
    this.o.log.info({ intake: this.o.name, reader: this.me }, 'reading the intake');
    this.renewTimer = setInterval(() => void this.renew(), Math.floor(this.leaseMs / 3));
    try {
      await takeOver(this.o.redis, this.keys.stream, this.me, (claimed) =>
        this.o.log.info({ intake: this.o.name, claimed }, 'took over entries an earlier reader had not finished'),
      );
    } catch (err) {
      await this.releaseLease();
      throw err;
    }
    return true;
  }

  private async renew(): Promise<void> {
    const at = Date.now();
    try {
      const kept = await extendLock(this.o.redis, this.keys.lease, this.me, this.leaseMs);
      if (!this.leader) return;
      if (kept) {
        this.leaseUntil = Math.max(this.leaseUntil, at + this.leaseMs);
        return;
      }
      // Another process holds the lease now: stop after this round (what it does twice is idempotent).
      this.o.log.warn({ intake: this.o.name }, 'intake lease lost to another reader');
      this.dropLease();
    } catch {
      // Redis away: the round in progress fails on its own; `reading` turns false when the lease lapses.
    }
  }

  private dropLease(): void {
    this.leader = false;
    this.leaseUntil = 0;
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
  }

  private async releaseLease(): Promise<void> {
    const was = this.leader;
    this.dropLease();
    if (was) await releaseLock(this.o.redis, this.keys.lease, this.me).catch(() => undefined);
  }

  // ---- rounds --------------------------------------------------------------------------------

  private async round(): Promise<void> {
    const now = Date.now();
    const plan = emptyPlan<T>();
    planEntries(plan, await this.readPending(), this.retries, now);
    // New entries: wait for them only when nothing is ready now.
    const wait = plan.due.length > 0 || plan.broken.length > 0 ? 0 : Math.max(1, Math.min(this.blockMs, plan.nextRetry - now));
    if (!this.closing && this.reading) planEntries(plan, await this.readNew(wait), this.retries, now);
    if (plan.broken.length > 0) await this.bury(plan.broken.map((b) => ({ ...b, attempts: 1 })));
    if (plan.gone.length > 0) await this.ack(plan.gone.map((id) => ({ id })));
    if (plan.due.length === 0) return;

    const chains = chainsByKey(plan.due);
    const done: { id: string; result: IntakeResult }[] = [];
    const dead: { id: string; key: string; raw: string; error: string; attempts: number }[] = [];
    const queue = [...chains];
    const runChain = async (chain: IntakeEntry<T>[]) => {
      for (const entry of chain) {
        await this.slots.take();
        const outcome = await this.handleOne(entry).finally(() => this.slots.release());
        this.o.onOutcome?.(outcome.kind);
        if (outcome.kind === 'retry') return; // the rest of this key waits behind it
        if (outcome.kind === 'dead')
          dead.push({ id: entry.id, key: entry.key, raw: JSON.stringify(entry.payload), error: outcome.error, attempts: entry.attempt });
        else done.push({ id: entry.id, result: { status: 'handled', result: outcome.result } });
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(this.parallel, queue.length) }, async () => {
        for (let chain = queue.shift(); chain; chain = queue.shift()) await runChain(chain);
      }),
    );
    if (dead.length > 0) await this.bury(dead, done);
    else if (done.length > 0) await this.ack(done);
  }

  private async handleOne(entry: IntakeEntry<T>): Promise<{ kind: 'handled'; result: unknown } | { kind: 'retry' } | { kind: 'dead'; error: string }> {
    try {
      const result = await this.o.handle(entry);
      this.retries.delete(entry.id);
      return { kind: 'handled', result };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      if (this.o.permanent(err) || entry.attempt >= this.maxAttempts) {
        this.retries.delete(entry.id);
        this.o.log.error({ err, intake: this.o.name, id: entry.id, key: entry.key, attempts: entry.attempt }, 'intake entry refused; moved to the dead list');
        return { kind: 'dead', error };
      }
      this.retries.set(entry.id, { attempts: entry.attempt, retryAt: Date.now() + backoff(entry.attempt) });
      this.o.log.warn({ err, intake: this.o.name, id: entry.id, key: entry.key, attempt: entry.attempt }, 'intake entry failed; will try again');
      return { kind: 'retry' };
    }
  }

  /** The entries this reader holds but has not finished, oldest first. */
  private async readPending(): Promise<RawEntry[]> {
    const out: RawEntry[] = [];
    let from = '0';
    while (out.length < PENDING_SCAN) {
      const page = streamEntries(await this.reader.call('XREADGROUP', 'GROUP', INTAKE_GROUP, this.me, 'COUNT', this.batch, 'STREAMS', this.keys.stream, from));
      out.push(...page);
      if (page.length < this.batch) break;
      from = page[page.length - 1]![0];
    }
    return out;
  }

  private async readNew(blockMs: number): Promise<RawEntry[]> {
    const args: (string | number)[] = ['GROUP', INTAKE_GROUP, this.me, 'COUNT', this.batch];
    if (blockMs > 0) args.push('BLOCK', blockMs);
    args.push('STREAMS', this.keys.stream, '>');
    this.waitingForEntries = blockMs > 0;
    try {
      return streamEntries(await this.reader.call('XREADGROUP', ...args));
    } finally {
      this.waitingForEntries = false;
    }
  }

  /** Records results and acknowledges (and deletes) the entries, in one transaction. */
  private async ack(done: { id: string; result?: IntakeResult }[], tx = this.o.redis.multi()): Promise<void> {
    const ids = done.map((d) => d.id);
    for (const d of done) if (d.result) tx.set(this.keys.result(d.id), JSON.stringify(d.result), 'EX', RESULT_TTL_S);
    const replies = await tx
      .xack(this.keys.stream, INTAKE_GROUP, ...ids)
      .xdel(this.keys.stream, ...ids)
      .exec();
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw failed?.[0] ?? new Error('intake acknowledgement was not applied');
  }

  /** Moves entries to the dead list and acknowledges them, together with any others done. */
  private async bury(
    dead: { id: string; key: string; raw: string | undefined; error: string; attempts: number }[],
    alsoDone: { id: string; result?: IntakeResult }[] = [],
  ): Promise<void> {
    const at = new Date().toISOString();
    const rows = dead.map((d) => {
      const row: DeadIntakeEntry = { id: d.id, key: d.key, payload: safeParse(d.raw), error: d.error, attempts: d.attempts, at };
      return JSON.stringify(row);
    });
    const tx = this.o.redis
      .multi()
      .lpush(this.keys.dead, ...rows)
      .ltrim(this.keys.dead, 0, DEAD_KEPT - 1);
    await this.ack([...dead.map((d) => ({ id: d.id, result: { status: 'dead', error: d.error } as IntakeResult })), ...alsoDone], tx);
  }

  private sleep(ms: number): Promise<void> {
    if (this.closing) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
