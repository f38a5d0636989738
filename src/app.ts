import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Core } from './core.js';
import { consoleRoutes } from './console/routes.js';
import { installErrorHandler } from './http/error-handler.js';
import { adminPlugin } from './http/admin.js';
import { healthPlugin } from './http/health.js';
import { metricsPlugin } from './http/metrics.js';
import type { Integration } from './integration.js';
import { lazyChildLogger } from './log.js';

export interface AppDeps {
  core: Core;
  integrations: Integration[];
  /** `probe`: only health (a worker-only process keeps a port for its probes and metrics). */
  surface?: 'full' | 'probe';
  /** The built-in sandbox's base URL, when the bridge uses it (the console links to its page). */
  sandboxUrl?: string;
  /** Present when this process also runs workers. */
  workersRunning?: () => boolean;
}

/** Builds the bridge's HTTP app. It does not listen: entry points and tests decide that. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { core } = deps;
  const app = Fastify({
    loggerInstance: core.log as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    requestIdHeader: 'x-request-id',
    // Two log lines per webhook cost a fifth of the throughput; every request is counted in the
    // metrics, failures are logged by the error handler, and refusals below.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
  });
  installErrorHandler(app);
  app.addHook('onResponse', (request, reply, done) => {
    if (reply.statusCode >= 400 && reply.statusCode < 500) {
      request.log.info({ method: request.method, route: request.routeOptions.url ?? request.url.split('?')[0], status: reply.statusCode }, 'request refused');
    }
    done();
  });
  await app.register(metricsPlugin, { metrics: core.metrics });
  await app.register(healthPlugin, { redis: core.redis, expereo: core.expereo, workersRunning: deps.workersRunning });
  if (deps.surface === 'probe') return app;
  const queues = [core.queues.writes, core.queues.outcomes, ...deps.integrations.flatMap((i) => i.queues ?? [])];
  const intakes = deps.integrations.flatMap((i) => i.intakes ?? []);
  await app.register(adminPlugin, { core, queues, intakes });
  await app.register(consoleRoutes, { core, intakes, sandboxUrl: deps.sandboxUrl });
  for (const integration of deps.integrations) {
    if (integration.routes) await app.register(integration.routes);
  }
  return app;
}
