import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { startWorkers, type RunningWorkers } from '../workers/index.js';
import { buildApp } from './app.js';
import type { Config } from './config/config.js';
import { createCore } from './core.js';
import { closeIntegrations, createIntegrations } from './integrations.js';
import { resolveUpstream } from './upstream.js';

export interface RunningBridge {
  app: FastifyInstance;
  /** Shutdown in order: server, workers, queues and clients, Redis, sandbox. Idempotent. */
  close(): Promise<void>;
}

/** Wires the bridge for its role and starts it. The only caller is the entry point. */
export async function startBridge(config: Readonly<Config>, log: Logger): Promise<RunningBridge> {
  const upstream = await resolveUpstream(config, log);
  const core = createCore(config, upstream, log);
  const integrations = createIntegrations(core);
  await core.ready().catch((err: unknown) => {
    // Keep starting: requests get 503 and workers wait until Redis answers.
    log.error({ err }, 'Redis is not reachable yet');
  });

  let workers: RunningWorkers | undefined;
  if (config.role === 'worker' || config.role === 'all') {
    workers = await startWorkers(core, { integrations });
    log.info({ concurrency: config.writes.concurrency }, 'workers started');
  }

  // Every role listens: a worker-only process answers its health probes (and metrics) there.
  const app = await buildApp({
    core,
    integrations,
    surface: config.role === 'worker' ? 'probe' : 'full',
    sandboxUrl: upstream.sandbox ? new URL('/', upstream.baseUrl).href : undefined,
    workersRunning: workers ? () => workers.running() : undefined,
  });
  const address = await app.listen({ port: config.http.port, host: config.http.host });
  log.info({ address, role: config.role }, 'expereo-bridge listening');

  let closing: Promise<void> | undefined;
  return {
    app,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await workers?.close();
        await closeIntegrations(integrations);
        await core.close();
        await upstream.close();
      })()),
  };
}
