/**
 * The bridge under the ingest benchmark, in a process of its own so that its memory is measured
 * alone: the real core (Redis producer), integrations and Fastify app, no workers, listening on
 * 127.0.0.1 at a free port. Run compiled (see ingest-build.ts) with an IPC channel; options come
 * as JSON in argv[2]. It reports `{ ready, port }` once listening, answers `{ stats }` (peak RSS
 * sampled every 50 ms and the OS high-water mark, event-loop delay, GC pauses and the time answers
 * spent inside the server since the last `stats`) to a `stats` message, `{ working }` to `work`
 * (everything the worker role runs is started in a worker thread of this process, as `ROLE=all`
 * runs it) or `work-in-loop` (the same in the requests' own event loop, its intake readers sharing
 * the loop with them: the bridge before the thread), `{ backlog }`
 * to `backlog` (intake entries not yet handled), `{ drained }` to `drain` (the workers run until the
 * intakes are empty), and closes on `close`.
 */
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { buildApp } from '../../webhooks/index.js';
import { startWorkers, type RunningWorkers } from '../../workers/index.js';
import { startWorkersThread, type WorkersThread } from '../../roles/workers-thread.js';
import { loadConfig } from '../../src/config/config.js';
import { createCore } from '../../src/core.js';
import { closeCapabilities, createCapabilities, intakesOf } from '../../src/capabilities.js';
import { createLogger } from '../../src/log.js';
import { slackLink } from '../../src/slack/links.js';
import type { MetricsJson } from '../../src/metrics.js';

export interface IngestServerOptions {
  /** The bridge's environment (as `loadConfig` reads it). */
  env: Record<string, string>;
  routing: unknown;
  /** A Slack thread to link to a case before serving, so that replies in it are case messages. */
  link?: { caseId: string; channel: string; threadTs: string };
}

export interface IngestServerStats {
  peakRssBytes: number;
  /** The OS's high-water mark of the process's RSS, start-up included. */
  maxRssBytes: number;
  rssBytes: number;
  /** The largest V8 heap (committed) and live heap seen, to tell heap growth from the rest. */
  peakHeapTotalBytes: number;
  peakHeapUsedBytes: number;
  /** Event-loop delay since the last `stats` (sampled every 10 ms): what every request waits on top of its own work. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Garbage collection since the last `stats`: the longest pause and all pauses together. */
  gcPauseMaxMs: number;
  gcPauseTotalMs: number;
  /** p99 and largest time of an answer inside the server since the last `stats` (0: none). */
  inServerP99Ms: number;
  inServerMaxMs: number;
}

/** What draining the intakes took: the time from the workers' start until they were empty. */
export interface IngestDrain {
  seconds: number;
  dead: number;
  /** Case writes the write workers sent upstream meanwhile (each merged write counted). */
  writesSent: number;
}

export type IngestServerMessage =
  | { ready: true; port: number }
  | { stats: IngestServerStats }
  | { working: { backlog: number } }
  | { backlog: number }
  | { drained: IngestDrain };

const options = JSON.parse(process.argv[2] ?? '{}') as IngestServerOptions;
const config = loadConfig({ ...options.env, BRIDGE_CONFIG: '/routing.json' }, () => JSON.stringify(options.routing));
const log = createLogger(config.logLevel);
const { baseUrl, tokenUrl, clientId, clientSecret } = config.expereo;
if (!baseUrl || !tokenUrl || !clientId || !clientSecret)
  throw new Error('the ingest server needs EXPEREO_BASE_URL, EXPEREO_TOKEN_URL, EXPEREO_CLIENT_ID and EXPEREO_CLIENT_SECRET');
const core = createCore(config, { baseUrl, tokenUrl, clientId, clientSecret }, log);
await core.ready();
const capabilities = createCapabilities(core);
const app = await buildApp({ core, capabilities });
if (options.link) await core.sync.link(options.link.caseId, slackLink(options.link.channel, options.link.threadTs));
/** Each answer's time inside the server (Fastify's elapsed time, from the request's first byte read), since the last `stats`. */
const answered: number[] = [];
app.addHook('onResponse', async (_request, reply) => void answered.push(reply.elapsedTime));
await app.listen({ port: 0, host: '127.0.0.1' });

const peak = { rss: 0, heapTotal: 0, heapUsed: 0 };
const sample = () => {
  const m = process.memoryUsage();
  peak.rss = Math.max(peak.rss, m.rss);
  peak.heapTotal = Math.max(peak.heapTotal, m.heapTotal);
  peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
  return m;
};
sample();
const sampler = setInterval(sample, 50);
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const gc = { pauseMaxMs: 0, pauseTotalMs: 0 };
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.pauseMaxMs = Math.max(gc.pauseMaxMs, e.duration);
    gc.pauseTotalMs += e.duration;
  }
});
gcObserver.observe({ entryTypes: ['gc'] });

const send = (message: IngestServerMessage) => process.send?.(message);
const address = app.server.address();
send({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });

let closing = false;
let workers: RunningWorkers | undefined;
let thread: WorkersThread | undefined;
let workingSince = 0;
let writesSent = 0;
const intakes = intakesOf(capabilities);
const backlog = async () => (await Promise.all(intakes.map((i) => i.backlog()))).reduce((a, b) => a + b, 0);

process.on('message', (message: unknown) => {
  if (message === 'stats') {
    const now = sample();
    send({
      stats: {
        peakRssBytes: peak.rss,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        rssBytes: now.rss,
        peakHeapTotalBytes: peak.heapTotal,
        peakHeapUsedBytes: peak.heapUsed,
        loopDelayP99Ms: Number((loopDelay.percentile(99) / 1e6).toFixed(1)),
        loopDelayMaxMs: Number((loopDelay.max / 1e6).toFixed(1)),
        gcPauseMaxMs: Number(gc.pauseMaxMs.toFixed(1)),
        gcPauseTotalMs: Math.round(gc.pauseTotalMs),
        ...inServer(),
      },
    });
    loopDelay.reset();
    Object.assign(gc, { pauseMaxMs: 0, pauseTotalMs: 0 });
  } else if (message === 'work' || message === 'work-in-loop') {
    void work(message === 'work').then(async () => send({ working: { backlog: await backlog() } }));
  } else if (message === 'backlog') {
    void backlog().then((n) => send({ backlog: n }));
  } else if (message === 'drain') {
    void drain().then((drained) => send({ drained }));
  } else if (message === 'close' && !closing) {
    closing = true;
    void (async () => {
      clearInterval(sampler);
      loopDelay.disable();
      gcObserver.disconnect();
      await app.close();
      await stopWorking();
      await closeCapabilities(capabilities);
      await core.close();
      process.disconnect?.();
    })();
  }
});

/**
 * Starts everything the worker role runs (intake readers, alert timers, write drain, outcomes,
 * reply mirroring): in a worker thread, as `ROLE=all` does, or in this thread's loop, sharing it
 * with the requests. The write workers send to the sandbox within its write budget.
 */
async function work(inThread = true): Promise<void> {
  if ((thread && inThread) || (workers && !inThread)) return;
  await stopWorking();
  workingSince ||= Date.now();
  if (inThread) {
    thread = startWorkersThread({
      config,
      upstream: { baseUrl: baseUrl!, tokenUrl: tokenUrl!, clientId: clientId!, clientSecret: clientSecret! },
      log,
      onStopped: (err) => {
        throw err;
      },
    });
    while (!thread.running()) await new Promise((r) => setTimeout(r, 20));
  } else {
    workers = await startWorkers(core, { capabilities, sharesLoopWithRequests: true, onSent: (event) => void (writesSent += event.writes) });
  }
}

/** Stops the workers, wherever they run; what the thread sent is counted before it goes. */
async function stopWorking(): Promise<void> {
  if (thread) {
    writesSent += carried(await thread.metrics());
    await thread.close();
    thread = undefined;
  }
  await workers?.close();
  workers = undefined;
}

/** Queued writes the thread's write workers carried upstream (its `bridge_writes_carried_total`). */
function carried(metrics: MetricsJson): number {
  const family = metrics.find((m) => m.name === 'bridge_writes_carried_total');
  return (family?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

/** Starts the workers thread if it is not running yet (as `ROLE=all` runs them) and waits until every entry taken in is handled. */
async function drain(): Promise<IngestDrain> {
  await work();
  while ((await backlog()) > 0) await new Promise((r) => setTimeout(r, 100));
  const seconds = (Date.now() - workingSince) / 1000;
  await stopWorking();
  const dead = (await Promise.all(intakes.map((i) => i.deadCount()))).reduce((a, b) => a + b, 0);
  return { seconds, dead, writesSent };
}

function inServer(): { inServerP99Ms: number; inServerMaxMs: number } {
  const sorted = answered.sort((a, b) => a - b);
  const figures = {
    inServerP99Ms: Number((sorted[Math.floor(sorted.length * 0.99)] ?? 0).toFixed(1)),
    inServerMaxMs: Number((sorted[sorted.length - 1] ?? 0).toFixed(1)),
  };
  answered.length = 0;
  return figures;
}
