import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/config.js';
import { createCore, type Core } from '../../src/core.js';
import { createLogger } from '../../src/log.js';
import { MIRROR_QUEUES } from '../../src/mirror/jobs.js';
import { mirrorCapability, type MirrorCapability } from '../../src/mirror/mirror-capability.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { createQueue } from '../../src/writes/queues.js';
import { startWorkers, type RunningWorkers } from '../../workers/index.js';
import { TEST_WRITE_LIMIT } from './bridge.js';
import { dropPrefix, openRedis, redisUrl, uniquePrefix } from './redis.js';
import { bridgeEnv } from './env.js';

/** A sandbox with room to spare: tests exercise mirroring, not the vendor's limits. */
export function startMirrorSandbox(): Promise<RunningSandbox> {
  return startSandbox({ writeLimit: { ...TEST_WRITE_LIMIT, burst: 3 }, readLimit: { limit: 30, periodMs: 1000, burst: 50 } });
}

export interface MirrorBridge {
  core: Core;
  mirror: MirrorCapability;
  workers: RunningWorkers;
  prefix: string;
  /** Stops workers, mirroring and connections; the Redis keys stay (a restart finds them). */
  stop(): Promise<void>;
}

/**
 * The parts of a bridge that mirroring involves (core, write and outcome workers, mirroring) on a
 * given key prefix, so that a second one can take over the first one's state as after a restart.
 */
export async function startMirrorBridge(opts: { sandbox: RunningSandbox; prefix: string; env?: Record<string, string> }): Promise<MirrorBridge> {
  const { sandbox } = opts;
  const config = loadConfig(
    bridgeEnv(redisUrl(), opts.prefix, sandbox, {
      EXPEREO_WRITE_LIMIT: `${TEST_WRITE_LIMIT.limit}/${TEST_WRITE_LIMIT.periodMs}ms`,
      EXPEREO_READ_LIMIT: '30/1s',
      WRITE_BACKOFF: '100ms',
      WRITE_LOCK_TIMEOUT: '3s',
      WRITE_STALLED_INTERVAL: '2s',
      WRITE_SWEEP_EVERY: '2s',
      MIRROR_SCAN_EVERY: '150ms',
      MIRROR_ACTIVE_INTERVAL: '200ms',
      MIRROR_IDLE_INTERVAL: '2s',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...opts.env,
    }),
  );
  const core = createCore(config, sandbox, createLogger(config.logLevel));
  const mirror = mirrorCapability(core, []);
  const workers = await startWorkers(core, { capabilities: { mirror } });
  let stopping: Promise<void> | undefined;
  return {
    core,
    mirror,
    workers,
    prefix: opts.prefix,
    stop: () =>
      (stopping ??= (async () => {
        await workers.close();
        await mirror.close();
        await core.close();
      })()),
  };
}

export function mirrorPrefix(): string {
  return uniquePrefix('mirror');
}

export async function dropMirrorKeys(prefix: string): Promise<void> {
  await dropPrefix(await openRedis('cleanup'), prefix);
}

/** Jobs of the delivery queue not yet finished (waiting, active, delayed). */
export async function deliveriesPending(core: Core): Promise<number> {
  const queue = createQueue(MIRROR_QUEUES.deliveries, core.workerRedis, core.keys);
  try {
    const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(c).reduce((a, b) => a + b, 0);
  } finally {
    await queue.close();
  }
}

// ---- the sandbox's hooks ---------------------------------------------------------------------

async function hook(sandbox: RunningSandbox, path: string, body: unknown): Promise<any> {
  const res = await fetch(`${sandbox.baseUrl}/sandbox${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`sandbox hook ${path} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { data: unknown }).data;
}

/** An expereo engineer answers the case. */
export function engineerReply(
  sandbox: RunningSandbox,
  caseId: string,
  message: string,
  sentBy?: string,
): Promise<{ caseMessageId: string; timestamp: string }> {
  return hook(sandbox, `/cases/${caseId}/replies`, { message, ...(sentBy ? { sentBy } : {}) });
}

export function setCaseStatus(sandbox: RunningSandbox, caseId: string, status: string): Promise<unknown> {
  return hook(sandbox, `/cases/${caseId}/status`, { status });
}

export function injectFault(sandbox: RunningSandbox, spec: Record<string, unknown>): Promise<unknown> {
  return hook(sandbox, '/faults', spec);
}

// ---- the receiving end of the outbound webhook -----------------------------------------------

export interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: {
    type: string;
    linkId: string;
    delivery: { id: string; caseId: string; kind: string; author?: string; text: string; at: string; status?: { from?: string; to: string; closed: boolean } };
  };
  status: number;
}

export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

/**
 * A webhook receiver on 127.0.0.1 (the third party we cannot run). It records every request and
 * answers what `answer` says (200 by default).
 */
export interface Receiver {
  url: string;
  requests: Received[];
  /** Requests answered 2xx. */
  accepted(): Received[];
  answer: (req: { n: number; body: Received['body'] }) => Answer;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = [];
  const hung = new Set<() => void>();
  const receiver: Receiver = {
    url: '',
    requests,
    accepted: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    answer: () => ({ status: 200 }),
    close: async () => {
      for (const release of hung) release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as Received['body'];
      const answer = receiver.answer({ n: requests.length + 1, body });
      if (answer === 'hang') {
        hung.add(() => res.destroy());
        return;
      }
      requests.push({ headers: req.headers, raw, body, status: answer.status });
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/expereo`;
  return receiver;
}
