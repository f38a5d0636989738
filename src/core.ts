import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { gcraParams } from './budget/gcra.js';
import { RedisBudget } from './budget/redis-budget.js';
import type { Config } from './config/config.js';
import { ExpereoClient } from './expereo/client.js';
import { Intake } from './intake/intake.js';
import { CallActivity } from './journal/activity.js';
import { CaseJournal } from './journal/case-journal.js';
import { Journal } from './journal/journal.js';
import { createMetrics, registerIntakeGauges, registerStateGauges, type Metrics } from './metrics.js';
import { connectRedis } from './redis-connections.js';
import { closeRedis, replicaAck, waitReady } from './redis.js';
import { RedisOutage } from './redis-outage.js';
import { stateKeys, type StateKeys } from './state/state-keys.js';
import { SyncState } from './state/sync-state.js';
import type { Upstream } from './upstream.js';
import { Outbox } from './writes/outbox.js';
import { WriteProducer } from './writes/producer.js';
import { createQueue, QUEUE_NAMES } from './writes/queues.js';

/** What the HTTP side and the workers share: connections, the expereo client, queues and state. */
export interface Core {
  config: Readonly<Config>;
  log: Logger;
  keys: StateKeys;
  /** Fail-fast connection: request handlers and producers. */
  redis: Redis;
  /** Patient connection: workers (BullMQ duplicates it for blocking reads). */
  workerRedis: Redis;
  expereo: ExpereoClient;
  outbox: Outbox;
  sync: SyncState;
  queues: { writes: Queue; outcomes: Queue };
  producer: WriteProducer;
  /** Paces updates and automated messages to leave the reserve to people. */
  bulkBudget: RedisBudget;
  metrics: Metrics;
  /** Redis going away and coming back, told in a few lines; `/readyz` gives its reason. */
  redisOutage: RedisOutage;
  /** What happened to each case: timelines for the console, a log line per event. */
  journal: CaseJournal;
  /** The webhook intake called `name` (one per capability; appends on the fail-fast connection). */
  intake<T>(name: string): Intake<T>;
  /** Resolves once both Redis connections are up (rejects after `timeoutMs`). */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface CoreOptions {
  /**
   * false for the workers thread of `ROLE=all`: the process's figures (CPU, memory, event loop),
   * the gauges read from the shared Redis state (queue depths, budgets, intakes, Redis up) and
   * the Redis outages are the main thread's to tell, once, over the same Redis.
   */
  reportsProcess?: boolean;
}

export function createCore(
  config: Readonly<Config>,
  upstream: Pick<Upstream, 'baseUrl' | 'tokenUrl' | 'clientId' | 'clientSecret'>,
  log: Logger,
  options: CoreOptions = {},
): Core {
  const keys = stateKeys(config.redis.prefix);
  const redis = connectRedis(config.redis, 'command', 'bridge-command');
  const workerRedis = connectRedis(config.redis, 'worker', 'bridge-worker');
  const reports = options.reportsProcess !== false;
  const redisOutage = new RedisOutage(log.child({ component: 'redis' }, reports ? {} : { level: 'silent' }), { summaryEveryMs: config.redisOutageSummaryMs });
  redisOutage.connection('command', redis);
  redisOutage.connection('worker', workerRedis);
  // The write queue shares the command connection, so its transactions are the writes WAIT counts.
  const replicated = replicaAck(redis, config.redis.ackReplicas, config.redis.ackTimeoutMs);
  const metrics = createMetrics({ processMetrics: reports });
  const journal = new CaseJournal(
    new Journal(redis, config.redis.prefix, log.child({ component: 'journal' }), config.journal),
    new CallActivity(redis, config.redis.prefix),
  );
  const expereo = new ExpereoClient({
    ...config.expereo,
    ...upstream,
    redis: workerRedis,
    keys,
    onResponse: ({ kind, method, status, ms }) => {
      metrics.upstreamCalls.inc({ kind, method, status: String(status) });
      metrics.upstreamDuration.observe({ kind }, ms / 1000);
      journal.activity.upstreamCall(kind, method, status);
    },
    onTokenFetch: (result) => metrics.tokenFetches.inc({ result }),
    onSlotMissed: ({ kind, method, lateMs }) => {
      metrics.upstreamSlotsMissed.inc({ kind });
      log.debug({ kind, method, lateMs: Math.round(lateMs) }, 'upstream call could not leave within its slot: booked again');
    },
  });
  const outbox = new Outbox(redis, keys, { doneTtlMs: config.writes.doneTtlMs });
  const queues = {
    writes: createQueue(QUEUE_NAMES.writes, redis, keys),
    outcomes: createQueue(QUEUE_NAMES.outcomes, workerRedis, keys),
  };
  for (const queue of Object.values(queues)) redisOutage.errors(queue, log.child({ queue: queue.name }), 'queue error');
  const wb = config.expereo.writeBudget;
  const bulkBudget = new RedisBudget(
    workerRedis,
    keys.budget(upstream.clientId, 'bulk'),
    gcraParams({ limit: Math.max(1, wb.limit - config.writes.reserve), periodMs: wb.periodMs, burst: 1 }, config.expereo.budgetMargin),
    'bulk-write',
  );
  const intakes = new Map<string, Intake<unknown>>();
  if (reports) {
    registerStateGauges(metrics, { redis, outbox, readBudget: expereo.readBudget, writeBudget: expereo.writeBudget });
    registerIntakeGauges(metrics, () => [...intakes.values()]);
  }
  const producer = new WriteProducer(
    outbox,
    queues.writes,
    expereo.writeBudget,
    { attempts: config.writes.attempts, backoffMs: config.writes.backoffMs },
    journal,
    replicated,
  );

  let closing: Promise<void> | undefined;
  return {
    config,
    log,
    keys,
    redis,
    workerRedis,
    expereo,
    outbox,
    sync: new SyncState(redis, keys),
    queues,
    producer,
    bulkBudget,
    metrics,
    redisOutage,
    journal,
    intake: <T>(name: string) => {
      let intake = intakes.get(name);
      if (!intake) intakes.set(name, (intake = new Intake<unknown>(redis, name, keys.prefix, replicated)));
      return intake as Intake<T>;
    },
    ready: async (timeoutMs = 10_000) => {
      await Promise.all([waitReady(redis, timeoutMs), waitReady(workerRedis, timeoutMs)]);
    },
    close: () =>
      (closing ??= (async () => {
        await Promise.allSettled([queues.writes.close(), queues.outcomes.close()]);
        await expereo.close();
        await journal.activity.close();
        await Promise.allSettled([closeRedis(redis), closeRedis(workerRedis)]);
        redisOutage.close();
      })()),
  };
}
