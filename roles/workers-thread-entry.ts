import { parentPort, workerData } from 'node:worker_threads';
import { closeCapabilities, createCapabilities } from '../src/capabilities.js';
import { createCore } from '../src/core.js';
import { createLogger } from '../src/log.js';
import { startWorkers, type RunningWorkers } from '../workers/index.js';
import type { FromWorkersThread, ToWorkersThread, WorkersThreadData } from './workers-thread.js';

/**
 * The workers thread of `ROLE=all` (see workers-thread.ts): the worker role's core, capabilities
 * and workers, on the main thread's configuration and upstream, without an HTTP server. It tells
 * the main thread whether its workers run (a shared flag), answers for its metrics, and on `close`
 * stops as a worker process stops on a signal.
 */
const { config, upstream, running } = workerData as WorkersThreadData;
const port = parentPort!;
const flag = new Int32Array(running);
const send = (m: FromWorkersThread) => port.postMessage(m);

const log = createLogger(config.logLevel).child({ thread: 'workers' });
// The process's figures (CPU, memory, the main loop's delay) and Redis outages are the main thread's to tell.
const core = createCore(config, upstream, log, { reportsProcess: false });
const capabilities = createCapabilities(core);

let closing: Promise<void> | undefined;
let workers: RunningWorkers | undefined;
const watch = setInterval(() => Atomics.store(flag, 0, workers?.running() ? 1 : 0), 250);

port.on('message', (m: ToWorkersThread) => {
  if (m.type === 'metrics') {
    void core.metrics.registry.getMetricsAsJSON().then(
      (metrics) => send({ type: 'metrics', id: m.id, metrics }),
      (err: unknown) => {
        log.warn({ err }, 'could not read the workers thread metrics');
        send({ type: 'metrics', id: m.id, metrics: [] });
      },
    );
  } else if (m.type === 'close') {
    closing ??= (async () => {
      clearInterval(watch);
      Atomics.store(flag, 0, 0);
      // Workers still waiting for Redis to start give up when the core closes.
      await workers?.close();
      await closeCapabilities(capabilities);
      await core.close();
      process.exit(0); // ends this thread, not the process
    })();
  }
});

startWorkers(core, { capabilities }).then(
  async (started) => {
    workers = started;
    if (closing) return started.close();
    Atomics.store(flag, 0, started.running() ? 1 : 0);
    log.info({ concurrency: config.writes.concurrency }, 'workers started');
  },
  (err: unknown) => {
    // Uncaught, it ends this thread; the main thread tells why and ends the process.
    if (!closing) throw err;
  },
);
