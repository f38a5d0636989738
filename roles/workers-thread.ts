import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Config } from '../src/config/config.js';
import type { MetricsJson } from '../src/metrics.js';
import type { Upstream } from '../src/upstream.js';

/**
 * `ROLE=all` runs everything the worker role runs in a worker thread of the same process: its own
 * event loop and its own V8 heap, so that draining the intakes neither holds the webhooks' loop
 * nor pauses it for its garbage collection (README, "ROLE=all under load"). The thread is a
 * worker-role bridge without an HTTP server (workers-thread-entry.ts); the main thread answers
 * its probes and metrics for it.
 */
export interface WorkersThread {
  /** Whether the thread's workers are all running (read without waiting on the thread). */
  running(): boolean;
  /** The thread's metrics, to be served with the main thread's (an empty list once it has stopped). */
  metrics(): Promise<MetricsJson>;
  /** Stops the workers (each job and entry in flight finishes) and waits until the thread has ended. Idempotent. */
  close(): Promise<void>;
}

/** What the main thread gives the workers thread. */
export interface WorkersThreadData {
  /** The main thread's configuration; the thread runs it as the worker role. */
  config: Readonly<Config>;
  upstream: Pick<Upstream, 'baseUrl' | 'tokenUrl' | 'clientId' | 'clientSecret'>;
  /** One Int32: 1 while the thread's workers are all running. */
  running: SharedArrayBuffer;
}

export type ToWorkersThread = { type: 'metrics'; id: number } | { type: 'close' };
export type FromWorkersThread = { type: 'metrics'; id: number; metrics: MetricsJson };

/** How long a scrape waits for the thread's metrics before serving the main thread's alone. */
const METRICS_WAIT_MS = 2000;

/**
 * Starts the workers thread. `onStopped` is called if the thread ends other than by `close` (an
 * error it could not handle): the process should then end, as a worker process would, so that it
 * is restarted.
 */
export function startWorkersThread(options: {
  config: Readonly<Config>;
  upstream: WorkersThreadData['upstream'];
  log: Logger;
  onStopped: (err: Error) => void;
}): WorkersThread {
  const running = new SharedArrayBuffer(4);
  const flag = new Int32Array(running);
  const { baseUrl, tokenUrl, clientId, clientSecret } = options.upstream;
  const data: WorkersThreadData = { config: { ...options.config, role: 'worker' }, upstream: { baseUrl, tokenUrl, clientId, clientSecret }, running };
  // The entry next to this file: .js when compiled; .ts when run from source, whose thread
  // registers tsx's loader first (a loader given with --import does not reach a worker's own
  // imports on every Node.js line).
  const ext = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./workers-thread-entry${ext}`, import.meta.url);
  const threadOptions = { workerData: data, name: 'bridge-workers' };
  const worker =
    ext === '.ts'
      ? new Worker(`import(${JSON.stringify(tsxApi())}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`, {
          ...threadOptions,
          eval: true,
        })
      : new Worker(entry, threadOptions);

  let closing = false;
  let ended = false;
  let nextId = 0;
  const waiting = new Map<number, (metrics: MetricsJson) => void>();
  let failure: string | undefined;
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  worker.on('message', (m: FromWorkersThread) => {
    waiting.get(m.id)?.(m.metrics);
    waiting.delete(m.id);
  });
  worker.on('error', (err) => {
    failure = err.stack ?? err.message;
  });
  void exited.then((code) => {
    ended = true;
    Atomics.store(flag, 0, 0);
    for (const answer of waiting.values()) answer([]);
    waiting.clear();
    if (closing) return;
    const err = new Error(`the workers thread stopped (exit code ${code})${failure ? `: ${failure}` : ''}`);
    options.log.fatal({ err }, 'the workers thread stopped');
    options.onStopped(err);
  });

  let closed: Promise<void> | undefined;
  return {
    running: () => Atomics.load(flag, 0) === 1,
    metrics: () =>
      new Promise((resolve) => {
        if (closing || ended) return resolve([]);
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          resolve([]);
        }, METRICS_WAIT_MS);
        waiting.set(id, (metrics) => {
          clearTimeout(timer);
          resolve(metrics);
        });
        worker.postMessage({ type: 'metrics', id } satisfies ToWorkersThread);
      }),
    close: () =>
      (closed ??= (async () => {
        closing = true;
        worker.postMessage({ type: 'close' } satisfies ToWorkersThread);
        await exited;
      })()),
  };
}

/** The URL of tsx's ESM API (`tsx/esm/api`, as its package exports it), for a thread run from source. */
function tsxApi(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
}
