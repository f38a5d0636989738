import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { closeCapabilities, createCapabilities } from '../src/capabilities.js';
import type { Config } from '../src/config/config.js';
import { createCore } from '../src/core.js';
import { resolveUpstream } from '../src/upstream.js';
import { buildApp } from '../webhooks/index.js';
import { startWorkers, type RunningWorkers } from '../workers/index.js';

export interface RunningBridge {
  app: FastifyInstance;
  /** Shutdown in order: server, workers, queues and clients, Redis, sandbox. Idempotent. */
  close(): Promise<void>;
}

/**
 * The composition root: wires the bridge for its role and starts it. The core (connections, the
 * expereo client, queues, state) and the capabilities are built once; `webhooks/` mounts the
 * routes, `workers/` starts what the worker role runs. The only caller is the entry point.
 */
export async function startBridge(config: Readonly<Config>, log: Logger): Promise<RunningBridge> {
  const upstream = await resolveUpstream(config, log);
  const core = createCore(config, upstream, log);
  const capabilities = createCapabilities(core);
  await core.ready().catch((err: unknown) => {
    // Keep starting: requests get 503 and workers wait until Redis answers.
    log.error({ err }, 'Redis is not reachable yet');
  });

  let workers: RunningWorkers | undefined;
  if (config.role === 'worker' || config.role === 'all') {
    workers = await startWorkers(core, { capabilities });
    log.info({ concurrency: config.writes.concurrency }, 'workers started');
  }

  // Every role listens: a worker-only process answers its health probes (and metrics) there.
  const app = await buildApp({
    core,
    capabilities,
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
        await closeCapabilities(capabilities);
        await core.close();
        await upstream.close();
      })()),
  };
}
