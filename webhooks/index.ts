import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { intakesOf, queuesOf, type Capabilities } from '../src/capabilities.js';
import type { Core } from '../src/core.js';
import { lazyChildLogger } from '../src/log.js';
import type { MetricsJson } from '../src/metrics.js';
import { adminPlugin } from './admin/admin-plugin.js';
import { alertsPlugin } from './alerts/alerts-plugin.js';
import { consolePlugin } from './console/console-plugin.js';
import { errorHandlerPlugin } from './error-handler.js';
import { itsmPlugin } from './itsm/itsm-plugin.js';
import { healthPlugin } from './probes/health-plugin.js';
import { metricsPlugin } from './probes/metrics-plugin.js';
import { slackPlugin } from './slack/slack-plugin.js';

export interface AppDeps {
  core: Core;
  capabilities: Capabilities;
  /** `probe`: only health and metrics (a worker-only process keeps a port for its probes). */
  surface?: 'full' | 'probe';
  /** The built-in sandbox's base URL, when the bridge uses it (the console links to its page). */
  sandboxUrl?: string;
  /** Present when this process also runs workers. */
  workersRunning?: () => boolean;
  /** The metrics of the workers thread, when this process runs one (`ROLE=all`). */
  workerMetrics?: () => Promise<MetricsJson>;
}

/**
 * Builds the bridge's HTTP app: the whole intake, one plugin per source. It does not listen: entry
 * points and tests decide that. The route table:
 *
 * | route                                                     | plugin          | file                              |
 * |-----------------------------------------------------------|-----------------|-----------------------------------|
 * | `GET /metrics`                                            | metrics         | probes/metrics-plugin.ts          |
 * | `GET /healthz`, `GET /readyz`                             | health          | probes/health-plugin.ts           |
 * | `/admin/*` (dead letters, cases, intakes, budget), `/admin/queues` | admin  | admin/admin-plugin.ts             |
 * | `/console/*` (operator's console: cases, timelines, now)  | console         | console/console-plugin.ts         |
 * | `POST /slack/events` (or Socket Mode)                     | slack-webhooks  | slack/slack-plugin.ts             |
 * | `POST /webhooks/alerts/{alertmanager,grafana,events}`, `PUT …/grafana`, `POST /v2/enqueue` | alerts-webhooks | alerts/alerts-plugin.ts, enqueue-route.ts |
 * | `POST /webhooks/itsm/{jira,servicenow,zendesk}`, `/webhooks/itsm/generic/:name` | itsm-webhooks | itsm/itsm-plugin.ts |
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { core, capabilities: c } = deps;
  const app = Fastify({
    loggerInstance: core.log as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    requestIdHeader: 'x-request-id',
    // Two log lines per webhook cost a fifth of the throughput; every request is counted in the
    // metrics, failures are logged by the error handler, and refusals below.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
  });
  await app.register(errorHandlerPlugin);
  app.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode >= 400 && reply.statusCode < 500) {
      const route = request.routeOptions.url ?? request.url.split('?')[0];
      request.log.info({ method: request.method, route, status: reply.statusCode, ...refusalReason(payload) }, 'request refused');
    }
    done(null, payload);
  });
  await app.register(metricsPlugin, { metrics: core.metrics, workerMetrics: deps.workerMetrics });
  await app.register(healthPlugin, {
    redis: core.redis,
    redisDown: () => core.redisOutage.reason(),
    expereo: core.expereo,
    workersRunning: deps.workersRunning,
  });
  if (deps.surface === 'probe') return app;

  await app.register(adminPlugin, {
    adminToken: core.config.adminToken,
    log: core.log,
    redis: core.redis,
    keys: core.keys,
    outbox: core.outbox,
    producer: core.producer,
    sync: core.sync,
    budgets: { read: core.expereo.readBudget, write: core.expereo.writeBudget, bulk: core.bulkBudget },
    reserve: core.config.writes.reserve,
    queues: [core.queues.writes, core.queues.outcomes, ...queuesOf(c)],
    intakes: intakesOf(c),
  });
  await app.register(consolePlugin, { core, intakes: intakesOf(c), sandboxUrl: deps.sandboxUrl });
  await app.register(slackPlugin, { slack: c.slack });
  await app.register(itsmPlugin, {
    connectors: c.itsm.routing.connectors,
    maxBodyBytes: c.itsm.routing.maxBodyBytes,
    deliveryTtlSeconds: c.itsm.routing.deliveryTtlSeconds,
    state: c.itsm.state,
    producer: core.producer,
    outbox: core.outbox,
    sync: core.sync,
    personName: c.itsm.personName,
    now: c.itsm.now,
    log: core.log,
  });
  await app.register(alertsPlugin, { routing: core.config.routing.alerts, accept: c.alerts?.accept });
  return app;
}

/** The code and message of a refusal's JSON body (the error handler's `{ error, message }`). */
function refusalReason(payload: unknown): { error?: string; reason?: string } {
  if (typeof payload !== 'string' || !payload.startsWith('{')) return {};
  try {
    const body = JSON.parse(payload) as { error?: unknown; message?: unknown };
    return {
      ...(typeof body.error === 'string' ? { error: body.error } : {}),
      ...(typeof body.message === 'string' ? { reason: body.message } : {}),
    };
  } catch {
    return {};
  }
}
