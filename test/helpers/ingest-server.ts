/**
 * The bridge under the ingest benchmark, in a process of its own so that its memory is measured
 * alone: the real core (Redis producer), integrations and Fastify app, no workers, listening on
 * 127.0.0.1 at a free port. Run compiled (see ingest-build.ts) with an IPC channel; options come
 * as JSON in argv[2]. It reports `{ ready, port }` once listening, answers `{ stats }` (peak RSS
 * sampled every 50 ms and the OS high-water mark) to a `stats` message, `{ drained }` to `drain`
 * (the intake readers started and run until the intakes are empty), and closes on `close`.
 */
import { buildApp } from '../../webhooks/index.js';
import { startIntakeWorkers, type RunningWorkers } from '../../workers/index.js';
import { loadConfig } from '../../src/config/config.js';
import { createCore } from '../../src/core.js';
import { closeCapabilities, createCapabilities, intakesOf } from '../../src/capabilities.js';
import { createLogger } from '../../src/log.js';
import { slackLink } from '../../src/slack/links.js';

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
}

/** What draining the intakes took: entries handled and the time from the first to the last. */
export interface IngestDrain {
  entries: number;
  seconds: number;
  dead: number;
}

export type IngestServerMessage = { ready: true; port: number } | { stats: IngestServerStats } | { drained: IngestDrain };

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

const send = (message: IngestServerMessage) => process.send?.(message);
const address = app.server.address();
send({ ready: true, port: typeof address === 'object' && address ? address.port : 0 });

let closing = false;
let intakeWorkers: RunningWorkers | undefined;
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
      },
    });
  } else if (message === 'drain') {
    void drain().then((drained) => send({ drained }));
  } else if (message === 'close' && !closing) {
    closing = true;
    void (async () => {
      clearInterval(sampler);
      await app.close();
      await intakeWorkers?.close();
      await closeCapabilities(capabilities);
      await core.close();
      process.disconnect?.();
    })();
  }
});

/**
 * Starts what the worker role runs for the intakes (the alert and Slack event readers, not the
 * write workers: no upstream call is made) and waits until every entry taken in is handled.
 */
async function drain(): Promise<IngestDrain> {
  const intakes = intakesOf(capabilities);
  const backlog = async () => (await Promise.all(intakes.map((i) => i.backlog()))).reduce((a, b) => a + b, 0);
  const entries = await backlog();
  const started = Date.now();
  intakeWorkers = await startIntakeWorkers(core, capabilities);
  while ((await backlog()) > 0) await new Promise((r) => setTimeout(r, 100));
  const seconds = (Date.now() - started) / 1000;
  const dead = (await Promise.all(intakes.map((i) => i.deadCount()))).reduce((a, b) => a + b, 0);
  return { entries, seconds, dead };
}
