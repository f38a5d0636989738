import type { Redis } from 'ioredis';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { RedisBudget } from './budget/redis-budget.js';
import type { Intake } from './intake/intake.js';
import { readWithin } from './redis.js';
import type { Outbox } from './writes/outbox.js';
import { ALL_LANES, LANE_NAMES } from './writes/lanes.js';

/**
 * prom-client's default metrics include three gauges named like counters (`…_total`), which
 * `promtool check metrics` rejects; each is the sum over `type` of the gauge without the suffix
 * (`sum(bridge_nodejs_active_handles)`), so nothing is lost without them.
 */
const MISNAMED_DEFAULT_METRICS = ['bridge_nodejs_active_handles_total', 'bridge_nodejs_active_requests_total', 'bridge_nodejs_active_resources_total'];

export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/**
 * The Prometheus text of `registry` together with another registry of the same process (the
 * workers thread of `ROLE=all`, whose core registers counters and histograms only), given as
 * `getMetricsAsJSON()`: the series both have are added up.
 */
export async function mergedMetrics(registry: Registry, other: MetricsJson): Promise<string> {
  if (other.length === 0) return registry.metrics();
  return AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), other]).metrics();
}

/**
 * Prometheus metrics of one bridge process (`GET /metrics`). `processMetrics: false` leaves out
 * prom-client's process and Node.js figures (CPU, memory, event loop): for the workers thread of
 * `ROLE=all`, whose process the main thread already reports.
 */
export function createMetrics(options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.processMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: 'bridge_' });
    for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  }
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({ name, help, labelNames, registers: [registry] });
  const metrics = {
    registry,
    httpRequests: counter('bridge_http_requests_total', 'HTTP requests received, by route and status', ['method', 'route', 'status'] as const),
    httpDuration: new Histogram({
      name: 'bridge_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3],
      registers: [registry],
    }),
    upstreamCalls: counter('bridge_upstream_calls_total', 'Calls to expereoOne, by kind (read, write), method and status (429 included; "error" = no answer)', [
      'kind',
      'method',
      'status',
    ] as const),
    upstreamSlotsMissed: counter(
      'bridge_upstream_slots_missed_total',
      'Calls to expereoOne not sent because they could not leave within their budget slot (each booked again), by kind',
      ['kind'] as const,
    ),
    upstreamDuration: new Histogram({
      name: 'bridge_upstream_call_duration_seconds',
      help: 'Time expereoOne took to answer',
      labelNames: ['kind'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    tokenFetches: counter(
      'bridge_upstream_token_fetches_total',
      'Requests this process made to the expereoOne token endpoint, by result (ok, failed: refused, malformed or no answer)',
      ['result'] as const,
    ),
    writesSent: counter('bridge_writes_sent_total', 'Upstream writes made by the write queue, by operation, and the queued writes they carried', [
      'op',
    ] as const),
    writesMerged: counter('bridge_writes_carried_total', 'Queued writes carried by upstream writes (coalescing: carried / sent)', ['op'] as const),
    intakeEntries: counter('bridge_intake_entries_total', 'Webhook intake entries read by this process, by intake and outcome (handled, retry, dead)', [
      'intake',
      'outcome',
    ] as const),
    replyLag: new Histogram({
      name: 'bridge_reply_delivery_lag_seconds',
      help: 'From an expereo reply (its timestamp) to its delivery in a linked conversation, by sink',
      labelNames: ['sink'] as const,
      buckets: [0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300],
      registers: [registry],
    }),
  };
  // Both series from the start: the first failure is then an increase, not a new series.
  for (const result of ['ok', 'failed'] as const) metrics.tokenFetches.inc({ result }, 0);
  for (const kind of ['read', 'write'] as const) metrics.upstreamSlotsMissed.inc({ kind }, 0);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** A gauge's read gives up after a second: a scrape while Redis is away answers with the other metrics. */
const readSoon = <T>(read: () => Promise<T>) => readWithin(1000, read);

/** Gauges read from Redis when scraped: Redis reachability, queue depth by lane, budgets, dead letters. */
export function registerStateGauges(metrics: Metrics, state: { redis: Redis; outbox: Outbox; readBudget: RedisBudget; writeBudget: RedisBudget }): void {
  const { registry } = metrics;
  new Gauge({
    name: 'bridge_redis_up',
    help: "Whether Redis answered a PING on the request handlers' connection within a second (1) or not (0)",
    registers: [registry],
    async collect() {
      this.set((await readSoon(() => state.redis.ping())) === 'PONG' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'bridge_write_queue_depth',
    help: 'Writes waiting to be sent, by priority lane',
    labelNames: ['lane'] as const,
    registers: [registry],
    async collect() {
      const pending = await readSoon(() => state.outbox.pendingByLane());
      if (pending) for (const lane of ALL_LANES) this.set({ lane: LANE_NAMES[lane] }, pending[lane]);
    },
  });
  new Gauge({
    name: 'bridge_dead_letters',
    help: 'Writes in the dead-letter list',
    registers: [registry],
    async collect() {
      const dead = await readSoon(() => state.outbox.deadCount());
      if (dead !== undefined) this.set(dead);
    },
  });
  for (const [kind, budget] of [
    ['write', state.writeBudget],
    ['read', state.readBudget],
  ] as const) {
    new Gauge({
      name: `bridge_${kind}_budget_used`,
      help: `${kind} budget slots granted within the last period`,
      registers: [registry],
      async collect() {
        const now = await readSoon(() => budget.state());
        if (now) this.set(now.used);
      },
    });
    new Gauge({
      name: `bridge_${kind}_budget_remaining`,
      help: `${kind} budget slots available right now`,
      registers: [registry],
      async collect() {
        const now = await readSoon(() => budget.state());
        if (now) this.set(now.remaining);
      },
    });
  }
}

/** Gauges of the webhook intakes: entries waiting for a worker, and entries refused after acknowledgement. */
export function registerIntakeGauges(metrics: Metrics, intakes: () => Intake<unknown>[]): void {
  const gauges = [
    ['bridge_intake_backlog', 'Webhook entries acknowledged and waiting for a worker, by intake', (i: Intake<unknown>) => i.backlog()],
    ['bridge_intake_dead', 'Webhook entries a worker could not handle (kept in the intake dead list), by intake', (i: Intake<unknown>) => i.deadCount()],
  ] as const;
  for (const [name, help, read] of gauges) {
    new Gauge({
      name,
      help,
      labelNames: ['intake'] as const,
      registers: [metrics.registry],
      async collect() {
        for (const intake of intakes()) {
          const n = await readSoon(() => read(intake));
          if (n !== undefined) this.set({ intake: intake.name }, n);
        }
      },
    });
  }
}
