import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { closeCapabilities, createCapabilities } from '../src/capabilities.js';
import type { Config } from '../src/config/config.js';
import { createCore } from '../src/core.js';
import { startupLines } from '../src/startup-lines.js';
import { resolveUpstream } from '../src/upstream.js';
import { buildApp } from '../webhooks/index.js';
import { startWorkers, type RunningWorkers } from '../workers/index.js';
import { startWorkersThread } from './workers-thread.js';

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
  await core.ready(3000).catch(() => {
    // Keep starting: the outage watch has said Redis is away; requests get 503, /readyz says why,
    // and the workers start once Redis answers.
  });

  // Every role listens, before its workers start (they wait for Redis): a worker-only process
  // answers its health probes (and metrics) there. ROLE=all runs the workers in a thread of their
  // own (workers-thread.ts), so that their work and garbage never hold up a webhook's answer.
  let workers: RunningWorkers | undefined;
  // A thread that stops by itself ends the process as an uncaught error does, so that it is restarted.
  const thread = config.role === 'all' ? startWorkersThread({ config, upstream, log, onStopped: rethrow }) : undefined;
  const app = await buildApp({
    core,
    capabilities,
    surface: config.role === 'worker' ? 'probe' : 'full',
    sandboxUrl: upstream.sandbox ? new URL('/sandbox/', upstream.baseUrl).href : undefined,
    workersRunning: thread ? thread.running : config.role === 'worker' ? () => workers?.running() ?? false : undefined,
    workerMetrics: thread?.metrics,
  });
  const address = await app.listen({ port: config.http.port, host: config.http.host });
  log.info({ address, role: config.role }, 'expereo-bridge listening');
  for (const line of startupLines({ config, address, sandbox: upstream.sandbox ? upstream : undefined })) log.info(line.fields, line.msg);

  let closing: Promise<void> | undefined;
  if (config.role === 'worker') {
    startWorkers(core, { capabilities }).then(
      async (started) => {
        workers = started;
        if (closing) return started.close();
        log.info({ concurrency: config.writes.concurrency }, 'workers started');
      },
      (err: unknown) => {
        if (!closing) log.error({ err }, 'workers could not start');
      },
    );
  }

  return {
    app,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        // Workers still waiting for Redis to start give up when the core closes.
        await workers?.close();
        await thread?.close();
        await closeCapabilities(capabilities);
        await core.close();
        await upstream.close();
      })()),
  };
}

function rethrow(err: Error): never {
  throw err;
}
