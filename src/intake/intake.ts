import type { Redis } from 'ioredis';
import { BridgeError } from '../errors.js';
import { runScript, type ReplicaAck } from '../redis.js';

/** Appends each entry of ARGV (order key, payload) to stream KEYS[1], in order: their ids. */
const APPEND = `local ids = {}
for i = 1, #ARGV, 2 do
  ids[#ids + 1] = redis.call('XADD', KEYS[1], '*', 'k', ARGV[i], 'p', ARGV[i + 1])
end
return ids`;

/**
 * Like APPEND, for entries that carry a delivery id (KEYS[1 + n] for the n-th entry of ARGV: ttl,
 * order key, payload): an entry whose delivery id was seen is not appended and gets '' for its id.
 * The mark and the entry are made together or not at all.
 */
const APPEND_ONCE = `local ids = {}
for n = 1, #KEYS - 1 do
  local a = n * 3 - 2
  if redis.call('SET', KEYS[n + 1], '1', 'NX', 'EX', ARGV[a]) then
    ids[n] = redis.call('XADD', KEYS[1], '*', 'k', ARGV[a + 1], 'p', ARGV[a + 2])
  else
    ids[n] = ''
  end
end
return ids`;

/**
 * Appends made in one turn of the event loop go to Redis together, as one script call: one
 * command, one round trip and one reply for a burst of webhooks instead of one each. A batch is
 * sent once the event loop has read what arrived (setImmediate), or at once when it is full.
 */
const BATCH_ENTRIES = 256;
const BATCH_BYTES = 4 * 1024 * 1024;

interface Batch {
  keys: string[];
  args: (string | number)[];
  waiting: { resolve(id: string): void; reject(err: unknown): void }[];
  bytes: number;
}

/**
 * The durable front door of the webhooks. A request is verified and parsed in the HTTP handler,
 * appended here (one Redis command, shared with the other requests of the same moment) and
 * answered; the work it asks for (incident logic, Slack listeners) runs in the worker role, which
 * reads the intake in order (see consumer.ts).
 *
 * Each intake is a Redis stream of entries `{ k: order key, p: JSON payload }`. Entries that share
 * an order key (an alert group, a Slack channel) are handled one after another in arrival order;
 * different keys in parallel. An entry leaves the stream once handled, so the stream's length is
 * the backlog. Entries that can never be handled are moved to a capped dead list, with the reason.
 *
 * Keys (`<p>` = REDIS_PREFIX):
 * | `<p>:in:<name>` | stream | entries not yet handled |
 * | `<p>:in:<name>:lease` | string | the worker process reading the intake (PX, renewed) |
 * | `<p>:in:<name>:dead` | list | entries refused after acknowledgement (JSON, newest first, capped) |
 * | `<p>:in:<name>:r:<id>` | string | what became of one entry (JSON), kept for a day |
 */
export function intakeKeys(prefix: string, name: string) {
  const stream = `${prefix}:in:${name}`;
  return { stream, lease: `${stream}:lease`, dead: `${stream}:dead`, result: (id: string) => `${stream}:r:${id}` };
}

/** What became of an entry: handled (with the handler's result) or refused. */
export type IntakeResult = { status: 'handled'; result?: unknown } | { status: 'dead'; error: string };
export type IntakeStatus = IntakeResult | { status: 'waiting' } | { status: 'unknown' };

export const RESULT_TTL_S = 86_400;

export type IntakeKeys = ReturnType<typeof intakeKeys>;

/** The consumer group every worker process joins (one of them reads at a time). */
export const INTAKE_GROUP = 'bridge';
/** Dead entries kept for inspection. */
export const DEAD_KEPT = 1000;

export interface DeadIntakeEntry {
  id: string;
  key: string;
  payload: unknown;
  error: string;
  attempts: number;
  at: string;
}

export class Intake<T> {
  readonly keys: IntakeKeys;

  /**
   * `redis` is the fail-fast connection: while Redis is away, `append` rejects at once. `replicated`
   * runs after each batch, before any of its appends resolves (see `replicaAck`, REDIS_ACK_REPLICAS).
   */
  constructor(
    private readonly redis: Redis,
    readonly name: string,
    prefix: string,
    private readonly replicated: ReplicaAck = async () => undefined,
  ) {
    this.keys = intakeKeys(prefix, name);
  }

  /** Resolves with the entry id once the entry is in Redis; a 503-mapped error while Redis is away. */
  append(key: string, payload: T): Promise<string> {
    return this.appendJson(key, JSON.stringify(payload));
  }

  /**
   * `append` for a payload already serialised: a webhook handler can splice the request's own
   * JSON text into it instead of serialising what it parsed a second time. It must be the JSON of a `T`.
   */
  appendJson(key: string, json: string): Promise<string> {
    return this.batched('plain', undefined, [key, json], json.length);
  }

  /**
   * Appends unless `deliveryKey` was seen within `ttlS` (a sender's redelivery of the same event):
   * the entry id, or undefined for a repeat. A failed append leaves no mark, so the retry goes in.
   */
  appendOnce(key: string, payload: T, deliveryKey: string, ttlS: number): Promise<string | undefined> {
    return this.appendOnceJson(key, JSON.stringify(payload), deliveryKey, ttlS);
  }

  /** `appendOnce` for a payload already serialised (see `appendJson`). */
  async appendOnceJson(key: string, json: string, deliveryKey: string, ttlS: number): Promise<string | undefined> {
    return (await this.batched('once', deliveryKey, [ttlS, key, json], json.length)) || undefined;
  }

  private readonly batches: { plain?: Batch; once?: Batch } = {};

  private batched(kind: 'plain' | 'once', deliveryKey: string | undefined, args: (string | number)[], bytes: number): Promise<string> {
    return new Promise((resolve, reject) => {
      let batch = this.batches[kind];
      if (!batch) {
        const fresh: Batch = { keys: [this.keys.stream], args: [], waiting: [], bytes: 0 };
        this.batches[kind] = batch = fresh;
        setImmediate(() => this.send(kind, fresh));
      }
      if (deliveryKey !== undefined) batch.keys.push(deliveryKey);
      batch.args.push(...args);
      batch.waiting.push({ resolve, reject });
      batch.bytes += bytes;
      if (batch.waiting.length >= BATCH_ENTRIES || batch.bytes >= BATCH_BYTES) this.send(kind, batch);
    });
  }

  private send(kind: 'plain' | 'once', batch: Batch): void {
    if (this.batches[kind] !== batch) return; // already sent
    this.batches[kind] = undefined;
    const script = kind === 'plain' ? APPEND : APPEND_ONCE;
    runScript(this.redis, script, batch.keys.length, ...batch.keys, ...batch.args)
      .then(async (ids) => {
        await this.replicated();
        return ids;
      })
      .then(
        (ids) => {
          const list = Array.isArray(ids) ? ids : [];
          batch.waiting.forEach((w, i) => {
            const id: unknown = list[i];
            if (typeof id === 'string') w.resolve(id);
            else w.reject(new BridgeError('queue_unavailable', `the ${this.name} intake did not take the entry`));
          });
        },
        (err: unknown) => {
          const error = new BridgeError('queue_unavailable', `the ${this.name} intake is unavailable`, { cause: err });
          for (const w of batch.waiting) w.reject(error);
        },
      );
  }

  /** What became of entry `id`: waiting for a worker, handled, refused, or unknown (never seen, or too long ago). */
  async status(id: string): Promise<IntakeStatus> {
    // One transaction: an entry acknowledged between two reads would look unknown.
    const replies = await this.redis.multi().get(this.keys.result(id)).xrange(this.keys.stream, id, id).exec();
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw failed?.[0] ?? new Error('intake status read was not applied');
    const result = replies[0]![1] as string | null;
    const waiting = replies[1]![1] as unknown[];
    if (result) return JSON.parse(result) as IntakeResult;
    return waiting.length > 0 ? { status: 'waiting' } : { status: 'unknown' };
  }

  /** Entries not yet handled. */
  backlog(): Promise<number> {
    return this.redis.xlen(this.keys.stream);
  }

  deadCount(): Promise<number> {
    return this.redis.llen(this.keys.dead);
  }

  async dead(limit = 100): Promise<DeadIntakeEntry[]> {
    const rows = await this.redis.lrange(this.keys.dead, 0, Math.max(0, limit - 1));
    return rows.map((r) => JSON.parse(r) as DeadIntakeEntry);
  }
}
