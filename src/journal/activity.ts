import type { Redis } from 'ioredis';

/** One upstream or sink error, as the console's Now page lists it. */
export interface ErrorRecord {
  at: number;
  where: 'upstream' | 'sink';
  kind: string;
  method?: string;
  status: string;
  message?: string;
}

const ERRORS_KEPT = 200;
const MINUTE_MS = 60_000;
/** Counts and errors go to Redis together this often (not one command per upstream call). */
const FLUSH_EVERY_MS = 5_000;

/**
 * Upstream calls per minute and the latest upstream and sink errors, for the console's budget
 * charts and error list (`<prefix>:journal:n:<read or write>:<minute>`, kept two hours, and
 * `<prefix>:journal:errors`). Counted in memory and added to Redis every few seconds in one
 * pipeline, so that an upstream call costs no Redis round trip of its own; counts of a flush
 * that fails are lost (they are figures for people, the metrics are the record).
 */
export class CallActivity {
  private readonly p: string;
  private counts = new Map<string, number>();
  private errors: ErrorRecord[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.p = `${prefix}:journal:`;
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS).unref();
  }

  upstreamCall(kind: 'read' | 'write', method: string, status: number | 'error', now = Date.now()): void {
    const key = `${this.p}n:${kind}:${Math.floor(now / MINUTE_MS)}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (status === 'error' || status >= 400) this.errors.push({ at: now, where: 'upstream', kind, method, status: String(status) });
  }

  /** A reply that could not be delivered to a conversation (Slack, a ticket, a webhook). */
  sinkError(sink: string, message: string, now = Date.now()): void {
    this.errors.push({ at: now, where: 'sink', kind: sink, status: 'failed', message: message.slice(0, 300) });
  }

  /** Adds what was counted since the last flush to Redis. */
  async flush(): Promise<void> {
    if (this.counts.size === 0 && this.errors.length === 0) return;
    const [counts, errors] = [this.counts, this.errors.slice(-ERRORS_KEPT)];
    this.counts = new Map();
    this.errors = [];
    const pipeline = this.redis.pipeline();
    for (const [key, n] of counts) pipeline.incrby(key, n).expire(key, 7_200);
    if (errors.length) {
      pipeline.lpush(`${this.p}errors`, ...errors.map((e) => JSON.stringify(e)));
      pipeline.ltrim(`${this.p}errors`, 0, ERRORS_KEPT - 1).expire(`${this.p}errors`, 86_400);
    }
    await pipeline.exec().catch(() => undefined);
  }

  /** Stops the timer and flushes what is left. Idempotent. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Upstream calls per minute over the last `minutes`, oldest first. */
  async callsPerMinute(kind: 'read' | 'write', minutes: number, now = Date.now()): Promise<number[]> {
    const last = Math.floor(now / MINUTE_MS);
    const keys = Array.from({ length: minutes }, (_, i) => `${this.p}n:${kind}:${last - minutes + 1 + i}`);
    return (await this.redis.mget(...keys)).map((v) => Number(v ?? 0));
  }

  /** The errors since `since`, newest first. */
  async errorsSince(since: number): Promise<ErrorRecord[]> {
    const rows = await this.redis.lrange(`${this.p}errors`, 0, ERRORS_KEPT - 1);
    return rows.map((r) => JSON.parse(r) as ErrorRecord).filter((e) => e.at >= since);
  }
}
