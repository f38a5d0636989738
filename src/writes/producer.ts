import type { Queue } from 'bullmq';
import type { z } from 'zod';
import type { RedisBudget } from '../budget/redis-budget.js';
import { etaMs } from '../budget/gcra.js';
import { BridgeError } from '../errors.js';
import { writeRequestSchema, type WriteRequestInput } from './catalog.js';
import { laneOf, type Lane } from './lanes.js';
import type { Outbox } from './outbox.js';
import { flushJobOptions, type RetryPolicy } from './queues.js';

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
 * Redis (a webhook may answer 2xx then); rejects with `queue_unavailable` when Redis cannot take it.
 */
export class WriteProducer {
  constructor(
    private readonly outbox: Outbox,
    private readonly queue: Queue,
    private readonly writeBudget: RedisBudget,
    private readonly retry: RetryPolicy,
  ) {}

  async enqueue(input: WriteRequestInput): Promise<EnqueueResult> {
    const parsed = writeRequestSchema.safeParse(input);
    if (!parsed.success) throw invalid(parsed.error);
    const write = parsed.data;
    const lane = laneOf(write);
    try {
      const res = await this.outbox.accept(write, lane);
      if ('refused' in res) {
        throw new InvalidWriteError(`the write refers to a case create that was never accepted`, [{ path: 'case.createKey', message: res.refused }]);
      }
      if (!res.accepted) {
        return { key: write.key, status: 'duplicate', previousStatus: res.status, caseId: res.caseId, lane, position: 0, etaMs: 0 };
      }
      if (res.mustSchedule) await this.queue.add('flush', { slot: res.slot }, flushJobOptions(lane, this.retry));
      const state = await this.writeBudget.state();
      return { key: write.key, status: 'queued', lane, position: res.ahead, etaMs: etaMs(this.writeBudget.params, state, res.ahead) };
    } catch (err) {
      if (err instanceof BridgeError) throw err;
      throw new BridgeError('queue_unavailable', 'the write queue is unavailable', { cause: err });
    }
  }

  /** Puts a dead-lettered write back in line (after its cause was fixed). */
  async replay(key: string): Promise<ReplayResult> {
    const res = await this.outbox.replay(key);
    if (!res.replayed) return { replayed: false, key, status: res.status };
    const entry = await this.outbox.entry(key);
    if (res.mustSchedule) await this.queue.add('flush', { slot: res.slot }, flushJobOptions(entry?.lane ?? 4, this.retry));
    return { replayed: true, key };
  }
}

/** What a replay of a dead-lettered write did. */
export type ReplayResult = { replayed: true; key: string } | { replayed: false; key: string; status: string };

function invalid(error: z.ZodError): InvalidWriteError {
  const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  return new InvalidWriteError(`invalid write: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, issues);
}
