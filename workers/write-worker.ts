import { createHash } from 'node:crypto';
import { DelayedError, RateLimitError, Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisBudget } from '../src/budget/redis-budget.js';
import type { Config } from '../src/config/config.js';
import type { ExpereoClient } from '../src/expereo/client.js';
import type { CaseJournal } from '../src/journal/case-journal.js';
import type { StateKeys } from '../src/state/state-keys.js';
import { jobData, jobOptions, readJob } from '../src/job-catalog.js';
import type { Outcome } from '../src/writes/catalog.js';
import { authorshipOf } from '../src/writes/authorship.js';
import { nextBatch, type Batch } from '../src/writes/coalesce.js';
import { isReservedLane, LANES, type Lane } from '../src/writes/lanes.js';
import type { Entry, Outbox } from '../src/writes/outbox.js';
import { classifyWriteFailure, type WriteFailure } from '../src/writes/failure-policy.js';
import { parseSlot } from '../src/writes/slots.js';
import { flushJobOptions, QUEUE_NAMES, type RetryPolicy } from '../src/writes/queues.js';
import { delayJob } from './delay-job.js';
import { UNSHARED, type LoopSlots } from './loop-share.js';
import { sendBatch } from './send-batch.js';
import { workerErrors } from '../src/redis-outage.js';

export interface WriteWorkerDeps {
  /** Connection for BullMQ's worker (blocking; `maxRetriesPerRequest: null`). */
  connection: Redis;
  keys: StateKeys;
  outbox: Outbox;
  client: ExpereoClient;
  writes: Queue;
  outcomes: Queue;
  /** Paces updates and automated messages while people's writes wait: the reserve. */
  bulkBudget: RedisBudget;
  settings: Config['writes'];
  log: Logger;
  journal?: CaseJournal;
  /** Told of every batch sent (metrics, benchmarks). */
  onSent?: (event: { op: Batch['op']; writes: number; lane: Lane; recovered: boolean }) => void;
  /** Where the process also answers webhooks: the sweep takes a slot per batch of slots it checks. */
  slots?: LoopSlots;
}

/** Slots looked at together by the sweep. */
const SWEEP_BATCH = 100;
/** After Redis came back: how soon a flush it interrupted runs again. */
const REDIS_RETRY_MS = 100;

/**
 * Drains the write queue: one flush job = the next upstream write of one case, made of as many of
 * its waiting writes as can be merged. A case is flushed by one worker at a time (a Redis lock per
 * slot), so its writes leave in the order they came.
 */
export function createWriteWorker(deps: WriteWorkerDeps): Worker {
  const { outbox, settings, log } = deps;
  const retry: RetryPolicy = { attempts: settings.attempts, backoffMs: settings.backoffMs };

  /** Makes sure a flush of `slot` is on the way (BullMQ drops the add if one is; see flushJobOptions). */
  async function schedule(slot: string): Promise<void> {
    const head = (await outbox.head(slot, 1))[0];
    if (!head || head.status === 'dead') return;
    await deps.writes.add('flush', jobData('writes', 'flush', { slot }), flushJobOptions(slot, head.lane, retry));
  }

  /**
   * Urgent creates or people's messages ready to send (their flush is queued at priority 1 or 2):
   * then updates and automated messages keep to the bulk pace and leave the reserve free. Writes
   * still waiting behind their case's create do not count: the reserve would sit idle for them.
   */
  async function peopleWaiting(): Promise<boolean> {
    const counts = await deps.writes.getCountsPerPriority([LANES.urgentCreate, LANES.humanMessage]);
    return Object.values(counts).some((n) => n > 0);
  }

  async function tell(type: Outcome['type'], entries: Entry[], caseId: string | undefined, error?: WriteFailure): Promise<void> {
    const jobs = entries.flatMap((e) =>
      e.request
        ? [
            {
              name: 'outcome',
              data: jobData('outcomes', 'outcome', { type, key: e.key, kind: e.request.kind, origin: e.request.origin, caseId, error } satisfies Outcome),
              opts: { ...jobOptions('outcomes', 'outcome'), jobId: `${type}-${createHash('sha1').update(e.key).digest('hex')}-${e.attempts}` },
            },
          ]
        : [],
    );
    if (jobs.length) await deps.outcomes.addBulk(jobs);
  }

  async function deadLetter(slot: string, entries: Entry[], error: WriteFailure, op: Batch['op'] | undefined): Promise<void> {
    await outbox.deadLetter(
      slot,
      entries.map((e) => e.key),
      error,
      op === 'create',
    );
    deps.journal?.dead(entries, error);
    await tell('failed', entries, undefined, error);
  }

  async function flush(job: Job, token: string | undefined, slot: string): Promise<void> {
    const head = await outbox.head(slot, settings.coalesceMaxItems + 1);
    const first = head[0];
    if (!first || first.status === 'dead') return; // nothing waiting, or a failed create awaiting replay
    if (!first.request) {
      await deadLetter(slot, [first], { code: 'invalid_stored', message: 'the stored write no longer matches the catalog', fieldErrors: [] }, undefined);
      return;
    }
    const run: Entry[] = [];
    for (const e of head) {
      if (!e.request || (e.status !== 'queued' && e.status !== 'sending')) break;
      run.push(e);
    }
    // A batch that may have gone out is sent again as it was, so that it can find itself upstream
    // (sendBatch looks for its text): writes queued since then wait for the next batch.
    const later = run.findIndex((e) => e.status !== 'sending');
    if (run[0]?.status === 'sending' && later > 0) run.splice(later);
    const batch = nextBatch(
      run.map((e) => e.request!),
      { maxItems: settings.coalesceMaxItems, maxChars: settings.coalesceMaxChars },
    )!;
    const entries = run.filter((e) => batch.keys.includes(e.key));
    const lane = Math.min(...entries.map((e) => e.lane)) as Lane;

    let caseId: string | undefined;
    if (batch.op !== 'create') {
      const named = parseSlot(slot);
      caseId = 'caseId' in named ? named.caseId : await outbox.caseIdForKey(named.createKey);
      if (!caseId) {
        await deadLetter(slot, entries, { code: 'case_unknown', message: 'the case this write belongs to was never created', fieldErrors: [] }, batch.op);
        return;
      }
    }

    try {
      if (!isReservedLane(lane) && settings.reserve > 0 && (await peopleWaiting())) {
        await deps.bulkBudget.acquire({ maxWaitMs: 300_000 });
      }
      const prior = await outbox.markSending(batch.keys);
      // Lower lanes book their slot at most one pace ahead, so an urgent write is never queued
      // behind a pile of their reservations.
      const pace = deps.client.writeBudget.params.intervalUs / 1000;
      const sent = await sendBatch(deps.client, batch, caseId, prior > 0, isReservedLane(lane) ? {} : { maxAheadMs: pace });
      await outbox.complete(slot, batch.op, batch.keys, sent.caseId, {
        ...sent,
        authorship: authorshipOf(
          batch,
          entries.map((e) => e.request!),
        ),
      });
      deps.onSent?.({ op: batch.op, writes: batch.keys.length, lane, recovered: sent.recovered });
      deps.journal?.sent(entries, batch.op, sent.caseId, sent.recovered);
      await tell('done', entries, sent.caseId);
    } catch (err) {
      await failed(job, token, slot, batch, entries, err);
    }
  }

  async function failed(job: Job, token: string | undefined, slot: string, batch: Batch, entries: Entry[], err: unknown): Promise<void> {
    const decision = classifyWriteFailure(err, { redisConnected: outbox.connected(), attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1 });
    switch (decision.kind) {
      case 'redis-away':
        throw err; // see redisAway below
      case 'delay':
        return delayJob(job, token, Date.now() + decision.ms);
      case 'pause':
        log.warn({ slot, retryAfterMs: decision.ms }, 'expereo answered 429: pausing the write queue');
        await deps.client.writeBudget.pause(decision.ms);
        await deps.writes.rateLimit(decision.ms);
        throw new RateLimitError();
      case 'retry':
        log.warn({ err, slot, attempt: job.attemptsMade + 1 }, 'write failed, will retry');
        deps.journal?.retried(entries, job.attemptsMade + 1, err instanceof Error ? err.message : String(err));
        throw err;
      case 'dead':
        await deadLetter(slot, entries, decision.error, batch.op);
    }
  }

  /** A slot's flush job, if it has one (its deduplication id names a job that still exists). */
  async function hasFlush(slot: string): Promise<boolean> {
    const id = await deps.writes.getDeduplicationJobId(slot);
    return id !== null && (await deps.writes.getJobState(id)) !== 'unknown';
  }

  /**
   * Gives a flush job to any slot with writes waiting and none on the way. No failure of Redis or of
   * a process leaves a slot so (a write and its job are added together, and a job stays until its
   * slot is flushed); a job removed by hand, from the dashboard say, can. Runs every sweep period,
   * and as soon as Redis answers again (see below).
   */
  async function sweep(): Promise<void> {
    const slots = await outbox.slotsWithWork();
    const share = deps.slots ?? UNSHARED;
    for (let i = 0; i < slots.length; i += SWEEP_BATCH) {
      await share.take();
      try {
        await Promise.all(
          slots.slice(i, i + SWEEP_BATCH).map(async (slot) => {
            if (!(await hasFlush(slot))) await schedule(slot);
          }),
        );
      } finally {
        share.release();
      }
    }
  }

  /**
   * Redis went away during a flush (before, during or after the batch went out). The job stays
   * the slot's flush and runs again once Redis is back, without spending an attempt (attempts count
   * expereo's failures): the slot lock is given back first, so the next run need not wait for it to
   * lapse, and a batch that did go out is recognised and only recorded (see sendBatch).
   */
  async function redisAway(job: Job, token: string | undefined, slot: string, owner: string): Promise<never> {
    log.warn({ slot, jobId: job.id }, 'Redis went away during a flush; trying again when it is back');
    await giveBack(slot, owner);
    return delayJob(job, token, Date.now() + REDIS_RETRY_MS);
  }

  /** Releases a slot lock once Redis answers, however often it goes away meanwhile (up to the lock's own life). */
  async function giveBack(slot: string, owner: string): Promise<void> {
    const until = Date.now() + settings.lockTimeoutMs;
    while (Date.now() < until) {
      await outbox.whenConnected(until - Date.now()).catch(() => undefined);
      try {
        await outbox.unlockSlot(slot, owner);
        return;
      } catch {
        // Away again: wait for it once more.
      }
    }
  }

  const worker = new Worker(
    QUEUE_NAMES.writes,
    async (job: Job, token?: string) => {
      if (job.name === 'sweep') return sweep();
      const { slot } = readJob('writes', 'flush', job.data);
      const owner = `${job.id}:${token ?? ''}`;
      try {
        if (!(await outbox.lockSlot(slot, owner, settings.lockTimeoutMs))) {
          // Another worker is flushing this case; come back shortly rather than reorder it.
          return await delayJob(job, token, Date.now() + 200 + Math.floor(Math.random() * 300));
        }
        const renew = setInterval(
          () => {
            outbox.extendSlot(slot, owner, settings.lockTimeoutMs).catch(() => undefined);
          },
          Math.max(100, Math.floor(settings.lockTimeoutMs / 3)),
        );
        let ok = false;
        try {
          await flush(job, token, slot);
          ok = true;
        } finally {
          clearInterval(renew);
          await outbox.unlockSlot(slot, owner).catch(() => undefined);
        }
        // What arrived meanwhile, or did not fit in this batch: this job's successor (queued when it finishes).
        if (ok) await schedule(slot);
      } catch (err) {
        if (err instanceof DelayedError || err instanceof RateLimitError || outbox.connected()) throw err;
        return redisAway(job, token, slot, owner);
      }
    },
    {
      connection: deps.connection,
      prefix: deps.keys.queuePrefix,
      concurrency: settings.concurrency,
      // A job moved to active whose worker never heard so (Redis restarted before the reply came
      // back) is stalled: with its lock at twice the check interval it runs again within seconds.
      stalledInterval: settings.stalledIntervalMs,
      lockDuration: 2 * settings.stalledIntervalMs,
      maxStalledCount: 10,
      // Pacing is the shared Redis budget's job; a limiter must exist for queue.rateLimit() after a 429.
      limiter: { max: 1_000_000, duration: 1000 },
      autorun: false,
    },
  );
  worker.on('error', workerErrors(log, 'write worker error'));

  // Redis back after going away: a worker whose blocking read had just taken the queue's wake-up
  // mark (the answer lost with the connection) sleeps on until that read times out, up to 10 s,
  // with a flush due. A sweep added now is a fresh mark for every worker, and due anyway.
  let connected = deps.connection.status === 'ready';
  const onReady = () => {
    if (connected) void sweepSoon();
    connected = true;
  };
  deps.connection.on('ready', onReady);
  worker.on('closed', () => deps.connection.off('ready', onReady));

  async function sweepSoon(): Promise<void> {
    for (let attempt = 0; attempt < 20 && !worker.closing; attempt++) {
      try {
        await deps.writes.add('sweep', jobData('writes', 'sweep', {}), { ...jobOptions('writes', 'sweep'), deduplication: { id: 'sweep-after-reconnect' } });
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 250)); // the queue's own connection may come back a moment later
      }
    }
  }
  return worker;
}

/** Registers the periodic sweep (see `sweep` above). */
export async function scheduleSweep(writes: Queue, everyMs: number): Promise<void> {
  await writes.upsertJobScheduler('sweep', { every: everyMs }, { name: 'sweep', data: jobData('writes', 'sweep', {}), opts: jobOptions('writes', 'sweep') });
}
