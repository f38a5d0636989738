import type { Logger } from 'pino';
import { isStoreUnavailable } from './errors.js';

/** What ioredis connections and BullMQ queues and workers emit that the outage watch listens to. */
interface Emitter {
  on(event: string, listener: (...args: never[]) => void): unknown;
}

export interface OutageOptions {
  /** How often a line says Redis is still away while it stays away. */
  summaryEveryMs?: number;
  now?: () => number;
}

export interface OutageState {
  reachable: boolean;
  /** When the current outage began (reachable: false). */
  since?: number;
  /** The last connection error seen during the outage. */
  lastError?: string;
}

/**
 * Tells the story of Redis going away in three kinds of lines: one when a connection first fails,
 * one summary per `summaryEveryMs` while it stays away (how long, how many failed attempts), one
 * when every connection watched is back. Connection errors of BullMQ queues and workers are
 * counted here rather than logged one per attempt; any other error they emit is logged as before.
 */
export class RedisOutage {
  readonly #log: Logger;
  readonly #summaryEveryMs: number;
  readonly #now: () => number;
  readonly #down = new Set<string>();
  #since: number | undefined;
  #lastError: string | undefined;
  #attempts = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(log: Logger, options: OutageOptions = {}) {
    this.#log = log;
    this.#summaryEveryMs = options.summaryEveryMs ?? 30_000;
    this.#now = options.now ?? Date.now;
  }

  /** Watches one Redis connection: `error` while not ready marks it down, `ready` marks it back. */
  connection(name: string, redis: Emitter & { status: string }): void {
    redis.on('error', (err: Error) => {
      if (redis.status !== 'ready') this.failed(name, err);
    });
    redis.on('ready', () => this.back(name));
  }

  /**
   * The `error` listener of a BullMQ queue or worker: connection errors join the outage's count,
   * anything else is logged with `message`.
   */
  errors(emitter: Emitter, log: Logger, message: string): void {
    emitter.on('error', (err: Error) => {
      if (isStoreUnavailable(err)) this.#attempts++;
      else log.error({ err }, message);
    });
  }

  state(): OutageState {
    return this.#since === undefined ? { reachable: true } : { reachable: false, since: this.#since, lastError: this.#lastError };
  }

  /** Why Redis is not ready, for `/readyz`; undefined when it is reachable. */
  reason(): string | undefined {
    if (this.#since === undefined) return undefined;
    return `unreachable since ${new Date(this.#since).toISOString()}: ${this.#lastError ?? 'no answer'}`;
  }

  failed(name: string, err: Error): void {
    this.#attempts++;
    this.#lastError = err.message;
    const first = this.#since === undefined;
    this.#down.add(name);
    if (!first) return;
    this.#since = this.#now();
    this.#log.error(
      { redis: 'unreachable', connection: name, error: err.message },
      'Redis is unreachable: webhooks answer 503 and writes wait until it is back',
    );
    this.#timer = setInterval(() => this.#summary(), this.#summaryEveryMs);
    this.#timer.unref();
  }

  back(name: string): void {
    this.#down.delete(name);
    if (this.#since === undefined || this.#down.size > 0) return;
    this.#log.info({ redis: 'reachable', downForMs: this.#now() - this.#since, failedAttempts: this.#attempts }, 'Redis is reachable again');
    this.#reset();
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #summary(): void {
    if (this.#since === undefined) return;
    this.#log.warn(
      { redis: 'unreachable', downForMs: this.#now() - this.#since, failedAttempts: this.#attempts, connections: [...this.#down], error: this.#lastError },
      'Redis is still unreachable',
    );
  }

  #reset(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#since = undefined;
    this.#lastError = undefined;
    this.#attempts = 0;
  }
}

/**
 * An `error` listener for a BullMQ worker: connection errors are left to the connection watch
 * (one line when Redis goes, a summary, one when it returns); anything else is logged.
 */
export function workerErrors(log: Logger, message: string): (err: Error) => void {
  return (err) => {
    if (!isStoreUnavailable(err)) log.error({ err }, message);
  };
}
