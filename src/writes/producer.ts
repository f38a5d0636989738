import type { Queue } from 'bullmq';
import type { z } from 'zod';
import type { RedisBudget } from '../budget/redis-budget.js';
import { etaMs } from '../budget/gcra.js';
import { BridgeError } from '../errors.js';
import { writeRequestSchema, type WriteRequestInput } from './catalog.js';
import { laneOf, type Lane } from './lanes.js';
import type { CaseJournal } from '../journal/case-journal.js';
import type { Outbox } from './outbox.js';
import { flushJob, flushJobOptions, queueTransaction, type RetryPolicy } from './queues.js';
import { jobData } from '../job-catalog.js';
import type { ReplicaAck } from '../redis.js';

export interface EnqueueResult {
  key: string;
  /** `queued`: accepted now. Anything else: this key was accepted before; nothing new happens. */
  status: 'queued' | 'duplicate';
  /** For a duplicate: the first acceptance's state (queued, sending, done, dead). */
  previousStatus?: string;
  caseId?: string;
  lane: Lane;
  /** Writes waiting ahead of and including this one in its lane or more urgent ones. */
  position: number;
  /** Estimated milliseconds until it is sent, from the queue and the write budget. */
  etaMs: number;
}

export class InvalidWriteError extends BridgeError {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super('invalid_request', message);
  }
}

/**
 * The one entry point for every source that writes to expereo. Resolves only once the write is in
 * Redis with its slot's flush job (a webhook may answer 2xx then); rejects with `queue_unavailable`
 * when Redis cannot take it. The write and the job go in one MULTI: either both are in or neither,
 * whatever point Redis fails at. A repeat of a write (a sender retrying after it got no answer) adds
 * the flush job again, which BullMQ drops if the slot has one: a write that got in is flushed even
 * if the answer that said so was lost.
 */
export class WriteProducer {
  constructor(
    private readonly outbox: Outbox,
    private readonly queue: Queue,
    private readonly writeBudget: RedisBudget,
    private readonly retry: RetryPolicy,
    private readonly journal?: CaseJournal,
    /** Runs after the write's transaction, before it is acknowledged (REDIS_ACK_REPLICAS; on the queue's connection). */
    private readonly replicated: ReplicaAck = async () => undefined,
  ) {}

  async enqueue(input: WriteRequestInput): Promise<EnqueueResult> {
    const parsed = writeRequestSchema.safeParse(input);
    if (!parsed.success) throw invalid(parsed.error);
    const write = parsed.data;
    const lane = laneOf(write);
    try {
      const slot = await this.outbox.slotOf(write);
      const tx = await queueTransaction(this.queue);
      this.outbox.queueAccept(tx, write, lane, slot);
      await flushJob(this.queue, slot, lane, this.retry).addJob(tx);
      const replies = await tx.exec();
      await this.replicated();
      const res = this.outbox.acceptReply(replies?.[0]);
      if ('refused' in res) {
        throw new InvalidWriteError(`the write refers to a case create that was never accepted`, [{ path: 'case.createKey', message: res.refused }]);
      }
      jobAdded(replies?.[1]);
      if (!res.accepted) {
        // Accepted earlier into another slot (a case's slot learnt in between): that slot's flush, too.
        if ((res.status === 'queued' || res.status === 'sending') && res.slot && res.slot !== slot) {
          await this.queue.add('flush', jobData('writes', 'flush', { slot: res.slot }), flushJobOptions(res.slot, lane, this.retry));
        }
        return { key: write.key, status: 'duplicate', previousStatus: res.status, caseId: res.caseId, lane, position: 0, etaMs: 0 };
      }
      const state = await this.writeBudget.state();
      const queued = { key: write.key, status: 'queued', lane, position: res.ahead, etaMs: etaMs(this.writeBudget.params, state, res.ahead) } as const;
      this.journal?.queued(write, queued);
      return queued;
    } catch (err) {
      if (err instanceof BridgeError) throw err;
      throw new BridgeError('queue_unavailable', 'the write queue is unavailable', { cause: err });
    }
  }

  /** Puts a dead-lettered write back in line (after its cause was fixed). */
  async replay(key: string): Promise<ReplayResult> {
    const entry = await this.outbox.entry(key);
    if (!entry) return { replayed: false, key, status: 'missing' };
    if (entry.status !== 'dead') return { replayed: false, key, status: entry.status };
    const tx = await queueTransaction(this.queue);
    this.outbox.queueReplay(tx, key, entry.slot);
    await flushJob(this.queue, entry.slot, entry.lane, this.retry).addJob(tx);
    const replies = await tx.exec();
    const res = this.outbox.replayReply(replies?.[0]);
    if (!res.replayed) return { replayed: false, key, status: res.status };
    jobAdded(replies?.[1]);
    this.journal?.replayed(entry);
    return { replayed: true, key };
  }
}

/** What a replay of a dead-lettered write did. */
export type ReplayResult = { replayed: true; key: string } | { replayed: false; key: string; status: string };

/** The flush job's part of a transaction: a failure there leaves the write without its flush, so the caller must retry. */
function jobAdded(reply: [Error | null, unknown] | undefined): void {
  if (!reply) throw new Error('the flush job was not added');
  if (reply[0]) throw reply[0];
  if (typeof reply[1] === 'number' && reply[1] < 0) throw new Error(`the flush job was refused (${reply[1]})`);
}

function invalid(error: z.ZodError): InvalidWriteError {
  const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  return new InvalidWriteError(`invalid write: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, issues);
}
