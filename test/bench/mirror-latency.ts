/**
 * `npm run bench -- mirror-latency [--scale=10] [--cases=500] [--seconds=120] [--every=2000] [--per-case]`
 *
 * 500 linked cases; an engineer replies to a random one every 2 s (at a random moment of each
 * 2-s slot) for 2 min; read budget 3/s. For the bridge's poller (recent-first scan, then fetch only
 * what changed) and for plain round-robin polling at the same read allowance, reports latency from
 * reply to delivery at a webhook receiver, the reads used and the 429s the API answered.
 * `--per-case` adds the per-case fallback.
 *
 * Compressed time: everything runs `scale` times faster (read budget ×scale, reply and poll
 * intervals ÷scale, burst sizes unchanged) and latencies are multiplied back by `scale`, so fixed
 * costs (HTTP, Redis, job pick-up) count `scale` times over: the figures are pessimistic.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/config.js';
import { createCore, type Core } from '../../src/core.js';
import { createLogger } from '../../src/log.js';
import { mirrorCapability } from '../../src/mirror/mirror-capability.js';
import { startMirroring } from '../../workers/index.js';
import { MIRROR_QUEUES } from '../../src/mirror/jobs.js';
import { mirrorKeys } from '../../src/mirror/mirror-keys.js';
import { MirrorReads, mirrorBudget, mirrorHoldBackUs } from '../../src/mirror/reads.js';
import { webhookSink } from '../../src/mirror/webhook-sink.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { createQueue } from '../../src/writes/queues.js';
import { bridgeEnv, deleteKeys } from '../helpers/env.js';

type Design = 'recent' | 'round-robin' | 'per-case';
interface Options {
  scale: number;
  cases: number;
  seconds: number;
  everyMs: number;
  perCase: boolean;
}
interface Call {
  seq: number;
  method: string;
  path: string;
  status: number;
  clientId: string | null;
}

const READ_SHARE = 0.7;
const OPEN = new Set(['New', 'In Progress', 'Awaiting Customer']);
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function options(args: string[]): Options {
  const get = (name: string, fallback: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  return { scale: get('scale', 10), cases: get('cases', 500), seconds: get('seconds', 120), everyMs: get('every', 2000), perCase: args.includes('--per-case') };
}

async function calls(sandbox: RunningSandbox, since = 0): Promise<Call[]> {
  return ((await (await fetch(`${sandbox.baseUrl}/sandbox/calls?since=${since}`)).json()) as { calls: Call[] }).calls;
}

/** The cases to link: open ones, listed with a second API client so the bridge's budget is untouched. */
async function openCases(sandbox: RunningSandbox, n: number): Promise<string[]> {
  const token = (await (
    await fetch(sandbox.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=demo-readonly&client_secret=demo-readonly-secret',
    })
  ).json()) as { access_token: string };
  const ids: string[] = [];
  for (let offset = 0; ids.length < n; offset += 200) {
    const res = await fetch(`${sandbox.baseUrl}/v2/cases?page%5Blimit%5D=200&page%5Boffset%5D=${offset}`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    const page = (await res.json()) as { data: { caseId: string; status: string }[] };
    if (page.data.length === 0) throw new Error(`only ${ids.length} open cases in the sandbox`);
    ids.push(...page.data.filter((c) => OPEN.has(c.status)).map((c) => c.caseId));
  }
  return ids.slice(0, n);
}

/** The receiving end: notes when each reply arrives, by its text. */
async function receiver(): Promise<{ url: string; arrived: Map<string, number[]>; close(): Promise<void> }> {
  const arrived = new Map<string, number[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const text = (JSON.parse(Buffer.concat(chunks).toString()) as { delivery: { text: string } }).delivery.text;
      arrived.set(text, [...(arrived.get(text) ?? []), at]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    arrived,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Plain round-robin: each linked case's messages in turn, at the poller's read allowance. */
function roundRobin(core: Core, cases: string[], url: string): { stop(): Promise<void> } {
  const reads = new MirrorReads(core, mirrorBudget(core), mirrorHoldBackUs(core));
  const sink = webhookSink();
  const seen = new Set<string>();
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const caseId = cases[i % cases.length]!;
      for (const m of await reads.messages(caseId)) {
        if (!m.message.startsWith('bench-') || seen.has(m.caseMessageId)) continue;
        seen.add(m.caseMessageId);
        await sink.deliver(
          { id: `webhook:rr-${caseId}`, kind: 'webhook', data: { url } },
          { id: m.caseMessageId, caseId, kind: 'message', text: m.message, at: m.timestamp ?? '' },
        );
      }
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      await sink.close();
    },
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function run(design: Design, o: Options): Promise<Record<string, unknown>> {
  const S = o.scale;
  const sandbox = await startSandbox({
    readLimit: { limit: 3 * S, periodMs: 1000, burst: 50 },
    writeLimit: { limit: 30 * S, periodMs: 60_000, burst: 3 },
    seed: { extraCases: Math.ceil(o.cases * 2.4) },
  });
  const prefix = `bench-mirror-${design}-${process.pid}-${Date.now().toString(36)}`;
  const config = loadConfig(
    bridgeEnv(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix, sandbox, {
      EXPEREO_READ_LIMIT: `${3 * S}/1s`,
      EXPEREO_READ_BURST: '50',
      EXPEREO_BUDGET_ALLOWANCE: `${Math.max(1, Math.round(200 / S))}ms`,
      MIRROR_STRATEGY: design === 'per-case' ? 'per-case' : 'recent',
      MIRROR_READ_SHARE: String(READ_SHARE),
      MIRROR_SCAN_EVERY: `${Math.round(2000 / S)}ms`,
      MIRROR_ACTIVE_INTERVAL: `${Math.round(5000 / S)}ms`,
      MIRROR_IDLE_INTERVAL: `${Math.round(300_000 / S)}ms`,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    }),
  );
  const core = createCore(config, sandbox, createLogger(config.logLevel));
  const rx = await receiver();
  const cases = await openCases(sandbox, o.cases);
  for (const caseId of cases) await core.sync.link(caseId, { id: `webhook:bench-${caseId}`, kind: 'webhook', data: { url: rx.url } });

  // Warm-up: the poller's first look at every linked case (not part of the scenario).
  const warmStart = Date.now();
  const mirror = design === 'round-robin' ? undefined : mirrorCapability(core, []);
  const mirroring = mirror ? await startMirroring(core, mirror) : undefined;
  if (mirror) {
    const keys = mirrorKeys(prefix);
    const fetches = createQueue(MIRROR_QUEUES.fetch, core.workerRedis, core.keys);
    for (;;) {
      const p = core.workerRedis.pipeline();
      for (const id of cases) p.hexists(keys.cursor(id), 'status');
      const looked = ((await p.exec()) ?? []).every(([, v]) => v === 1);
      const queued = Object.values(await fetches.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).reduce((a, b) => a + b, 0);
      if (looked && queued === 0) break;
      await sleep(50);
    }
    await fetches.close();
  }
  // Steady state: the burst the warm-up used has been paid back.
  while ((await core.expereo.readBudget.state()).backlogMs > 0) await sleep(20);
  const warmUp = await calls(sandbox);
  const seq0 = Math.max(0, ...warmUp.map((c) => c.seq));
  const rr = design === 'round-robin' ? roundRobin(core, cases, rx.url) : undefined;

  // The scenario: one reply in every `everyMs` slot, at a random moment of it (a fixed beat would
  // lock in phase with the scans and measure only their offset), to a random linked case.
  const sent = new Map<string, number>();
  const started = Date.now();
  const replies = Math.floor((o.seconds * 1000) / o.everyMs);
  for (let i = 0; i < replies; i++) {
    await sleep(Math.max(0, started + ((i + Math.random()) * o.everyMs) / S - Date.now()));
    const caseId = cases[Math.floor(Math.random() * cases.length)]!;
    const text = `bench-${i} for ${caseId}`;
    sent.set(text, Date.now());
    await fetch(`${sandbox.baseUrl}/sandbox/cases/${caseId}/replies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: text }),
    });
  }
  // Drain: until every reply arrived, or two full round-robin cycles passed.
  const cycleMs = (o.cases / (3 * S * READ_SHARE)) * 1000;
  const drainUntil = Date.now() + 2 * cycleMs;
  while (Date.now() < drainUntil && [...sent.keys()].some((t) => !rx.arrived.has(t))) await sleep(20);
  const endedMs = Date.now() - started;
  const made = (await calls(sandbox, seq0)).filter((c) => c.method === 'GET' && c.path.startsWith('/v2/') && c.clientId === sandbox.clientId);
  const all = await calls(sandbox);

  await rr?.stop();
  await mirroring?.close();
  await mirror?.close();
  await core.close();
  await rx.close();
  await sandbox.close();
  await deleteKeys(config.redis.url, prefix);

  const latencies = [...sent]
    .flatMap(([text, t0]) => (rx.arrived.get(text)?.[0] ?? NaN) - t0)
    .filter((ms) => !Number.isNaN(ms))
    .map((ms) => (ms * S) / 1000)
    .sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  const figures = {
    replies: sent.size,
    delivered: latencies.length,
    duplicates: [...rx.arrived.values()].filter((a) => a.length > 1).length,
    p50s: round(percentile(latencies, 50)),
    p95s: round(percentile(latencies, 95)),
    maxs: round(latencies.at(-1) ?? Number.NaN),
    reads: made.length,
    readsPerSecond: round(made.length / ((endedMs * S) / 1000)),
    warmUpReads: warmUp.filter((c) => c.method === 'GET' && c.path.startsWith('/v2/') && c.clientId === sandbox.clientId).length,
    warmUpSeconds: round(((started - warmStart) * S) / 1000),
    status429: all.filter((c) => c.status === 429).length,
  };
  log(`${design}: ${JSON.stringify(figures)}`);
  return figures;
}

export default async function mirrorLatency(args: string[]): Promise<Record<string, unknown>> {
  const o = options(args);
  log(
    `mirror-latency: ${o.cases} cases, a reply every ${o.everyMs} ms for ${o.seconds} s, read budget 3/s (poller share ${READ_SHARE}), time compressed ${o.scale}x`,
  );
  const design = await run('recent', o);
  const baseline = await run('round-robin', o);
  const perCase = o.perCase ? await run('per-case', o) : undefined;
  const p95 = design.p95s as number;
  return {
    timeCompression: `${o.scale}x: budget ${3 * o.scale}/s, intervals /${o.scale}; latencies in real seconds (x${o.scale})`,
    scenario: { cases: o.cases, replyEveryMs: o.everyMs, seconds: o.seconds, readBudgetPerSecond: 3, pollerReadShare: READ_SHARE },
    design,
    roundRobin: baseline,
    ...(perCase ? { perCaseFallback: perCase } : {}),
    p95Improvement: Math.round(((baseline.p95s as number) / p95) * 10) / 10,
    targets: {
      p95AtMost5s: p95 <= 5,
      atLeast20xRoundRobin: (baseline.p95s as number) / p95 >= 20,
      no429: design.status429 === 0,
      everyReplyOnce: design.delivered === design.replies && design.duplicates === 0,
    },
  };
}
