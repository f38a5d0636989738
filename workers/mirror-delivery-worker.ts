import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { delayJob } from './delay-job.js';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CaseJournal } from '../src/journal/case-journal.js';
import type { SyncState } from '../src/state/sync-state.js';
import type { StateKeys } from '../src/state/state-keys.js';
import { readJob } from '../src/job-catalog.js';
import { MAX_DEFERRALS, MIRROR_QUEUES } from '../src/mirror/jobs.js';
import { hashId, type MirrorKeys } from '../src/mirror/mirror-keys.js';
import { SinkError, type ReplySink } from '../src/mirror/sink.js';
import { releaseLock } from '../src/redis-lock.js';
import { workerErrors } from '../src/redis-outage.js';

export interface DeliveryWorkerDeps {
  connection: Redis;
  keys: StateKeys;
  mirrorKeys: MirrorKeys;
  sync: SyncState;
  sinks: ReadonlyMap<string, ReplySink>;
  log: Logger;
  journal?: Pick<CaseJournal, 'delivered' | 'undelivered' | 'sinkFailed'>;
  concurrency?: number;
  /** Told of each delivery made: kind of sink and seconds since the reply was written upstream. */
  onDelivered?: (sink: string, lagSeconds: number) => void;
}

/** How long a made delivery is remembered, so that queueing it again has no effect. */
const DONE_TTL_MS = 7 * 24 * 3_600_000;
/** One delivery at a time per conversation, so that a thread reads in order (and Slack's per-channel pace holds). */
const LINK_LOCK_MS = 60_000;
/** A fixed wait keeps jobs that found the conversation busy in their queue order. */
const LINK_BUSY_DELAY_MS = 100;

/**
 * Delivers one mirrored reply or status note to one linked conversation, one at a time per
 * conversation. Retries never read upstream again: the job carries the delivery. A 429 from the
 * other side moves the job to the time it named; a permanent refusal fails it at once.
 */
export function createMirrorDeliveryWorker(deps: DeliveryWorkerDeps): Worker {
  const { log, mirrorKeys } = deps;
  const worker = new Worker(
    MIRROR_QUEUES.deliveries,
    async (job: Job, token?: string, signal?: AbortSignal) => {
      const data = readJob('deliveries', job.name as 'message' | 'status', job.data);
      const doneKey = mirrorKeys.done(job.id ?? '');
      if (await deps.connection.exists(doneKey)) return { already: true };
      const link = (await deps.sync.links(data.caseId)).find((l) => l.id === data.linkId);
      const sink = link ? deps.sinks.get(link.kind) : undefined;
      if (!link || !sink) {
        deps.journal?.undelivered(data.caseId, data.linkId, data.delivery, link ? `no sink for ${link.kind}` : 'the conversation is no longer linked');
        return { skipped: link ? 'no sink' : 'unlinked' };
      }
      const lockKey = mirrorKeys.linkLock(hashId('l', link.id));
      if ((await deps.connection.set(lockKey, job.id ?? '', 'PX', LINK_LOCK_MS, 'NX')) !== 'OK') {
        // Another delivery to this conversation is under way: come back after it, in queue order.
        return await delayJob(job, token, Date.now() + LINK_BUSY_DELAY_MS);
      }
      try {
        await sink.deliver(link, data.delivery, signal);
      } catch (err) {
        if (err instanceof SinkError && err.permanent) {
          log.error({ err, caseId: data.caseId, linkId: data.linkId, delivery: data.delivery.id }, 'delivery refused for good');
          deps.journal?.undelivered(data.caseId, link.id, data.delivery, `${err.code}: ${err.message}`, link.kind);
          throw new UnrecoverableError(`${err.code}: ${err.message}`);
        }
        if (err instanceof SinkError && err.retryAfterMs !== undefined && data.deferrals < MAX_DEFERRALS) {
          log.warn({ linkId: data.linkId, retryAfterMs: err.retryAfterMs }, 'delivery deferred as the other side asked');
          await job.updateData({ ...data, deferrals: data.deferrals + 1 });
          return await delayJob(job, token, Date.now() + Math.max(0, err.retryAfterMs));
        }
        const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        log[last ? 'error' : 'warn']({ err, linkId: data.linkId, attempt: job.attemptsMade + 1 }, last ? 'delivery gave up' : 'delivery failed, will retry');
        if (last) deps.journal?.undelivered(data.caseId, link.id, data.delivery, (err as Error).message ?? String(err), link.kind);
        else deps.journal?.sinkFailed(link.kind, (err as Error).message ?? String(err));
        throw err;
      } finally {
        await releaseLock(deps.connection, lockKey, job.id ?? '').catch(() => undefined);
      }
      await deps.connection.set(doneKey, '1', 'PX', DONE_TTL_MS);
      deps.journal?.delivered(data.caseId, link, data.delivery);
      const at = Date.parse(data.delivery.at);
      if (!Number.isNaN(at)) deps.onDelivered?.(link.kind, Math.max(0, Date.now() - at) / 1000);
      return { delivered: true };
    },
    { connection: deps.connection, prefix: deps.keys.queuePrefix, concurrency: deps.concurrency ?? 8, autorun: false },
  );
  worker.on('error', workerErrors(log, 'mirror delivery worker error'));
  return worker;
}
