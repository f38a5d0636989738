/**
 * `npm run bench -- mirror-latency [--scenario=steady|bursts|both] [--scale=10] [--cases=N] [--seconds=N]
 *   [--every=2000] [--per-case] [--in-process-only]`
 *
 * Scenario `steady`: 500 linked cases; an engineer replies to a random one every 2 s (at a random
 * moment of each 2-s slot) for 2 min. Scenario `bursts`: 5,000 linked cases; a quiet minute, then
 * 20 replies within one second, three times. Read budget 3/s (bursts of 50), 70 % for the poller.
 * For the bridge's poller (recent-first scan on a beat set by the read budget, then fetch only what
 * changed) and for plain round-robin polling at the same read allowance (steady only), reports
 * latency from reply to delivery at a webhook receiver, the reads used and the 429s the API
 * answered. The poller runs twice: in this process (`inProcess`) and as deployed (`deployed`: the
 * compiled entry point, production's node flags, `ROLE=worker` in a process of its own, apart from
 * the sandbox and the receiver, which stay here). `--per-case` adds the per-case fallback.
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
import { compileScripts } from '../helpers/ingest-build.js';
import { spawnBridge } from '../helpers/processes.js';

type Design = 'recent' | 'round-robin' | 'per-case';
type Where = 'in-process' | 'deployed';
type Scenario = 'steady' | 'bursts';
interface Options {
  scenario: Scenario;
  scale: number;
  cases: number;
  seconds: number;
  everyMs: number;
  /** Bursts: replies per burst, within one second, after `quietMs` of silence. */
  burst: number;
  quietMs: number;
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

function options(args: string[], scenario: Scenario): Options {
  const get = (name: string, fallback: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
  const bursts = scenario === 'bursts';
  return {
    scenario,
    scale: get('scale', 10),
    cases: get('cases', bursts ? 5000 : 500),
    seconds: get('seconds', bursts ? 183 : 120),
    everyMs: get('every', 2000),
    burst: 20,
    quietMs: 60_000,
    perCase: args.includes('--per-case'),
  };
}

/** When each reply is sent (ms of scenario time from the start), and how many there are. */
function replyTimes(o: Options): number[] {
  if (o.scenario === 'steady') {
    // One reply in every `everyMs` slot, at a random moment of it (a fixed beat would lock in phase
    // with the scans and measure only their offset).
    return Array.from({ length: Math.floor((o.seconds * 1000) / o.everyMs) }, (_, i) => (i + Math.random()) * o.everyMs);
  }
  const times: number[] = [];
  for (let start = o.quietMs; start + 1000 <= o.seconds * 1000; start += o.quietMs + 1000) {
    for (let i = 0; i < o.burst; i++) times.push(start + Math.random() * 1000);
  }
  return times.sort((a, b) => a - b);
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

/** The poller as deployed: the compiled entry point with ROLE=worker, in a process of its own. */
async function deployedWorker(env: Record<string, string>, script: string): Promise<{ stop(): Promise<void> }> {
  const child = spawnBridge({ ...env, ROLE: 'worker', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' }, script);
  await child.waitFor(/reply mirroring started/, 60_000);
  return {
    stop: async () => {
      const code = await child.stop();
      if (code !== 0) log(`worker process exited ${code}:\n${child.output().slice(-2000)}`);
    },
  };
}

async function run(design: Design, where: Where, o: Options, script: string | undefined): Promise<Record<string, unknown>> {
  const S = o.scale;
  const sandbox = await startSandbox({
    readLimit: { limit: 3 * S, periodMs: 1000, burst: 50 },
    writeLimit: { limit: 30 * S, periodMs: 60_000, burst: 3 },
    seed: { extraCases: Math.ceil(o.cases * 2.4) },
  });
  const prefix = `bench-mirror-${design}-${process.pid}-${Date.now().toString(36)}`;
  const env = bridgeEnv(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix, sandbox, {
    EXPEREO_READ_LIMIT: `${3 * S}/1s`,
    EXPEREO_READ_BURST: '50',
    EXPEREO_BUDGET_ALLOWANCE: `${Math.max(1, Math.round(200 / S))}ms`,
    MIRROR_STRATEGY: design === 'per-case' ? 'per-case' : 'recent',
    MIRROR_READ_SHARE: String(READ_SHARE),
    MIRROR_SCAN_EVERY: `${Math.round(2000 / S)}ms`,
    MIRROR_SCAN_FLOOR: `${Math.round(500 / S)}ms`,
    MIRROR_ACTIVE_INTERVAL: `${Math.round(5000 / S)}ms`,
    MIRROR_IDLE_INTERVAL: `${Math.round(300_000 / S)}ms`,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
  });
  const config = loadConfig(env);
  const core = createCore(config, sandbox, createLogger(config.logLevel));
  const rx = await receiver();
  const cases = await openCases(sandbox, o.cases);
  for (let i = 0; i < cases.length; i += 500) {
    await Promise.all(
      cases.slice(i, i + 500).map((caseId) => core.sync.link(caseId, { id: `webhook:bench-${caseId}`, kind: 'webhook', data: { url: rx.url } })),
    );
  }

  // Warm-up: the poller's first look at every linked case (not part of the scenario).
  const warmStart = Date.now();
  const polls = design !== 'round-robin';
  const mirror = polls && where === 'in-process' ? mirrorCapability(core, []) : undefined;
  const mirroring = mirror ? await startMirroring(core, mirror) : undefined;
  const worker = polls && where === 'deployed' ? await deployedWorker(env, script!) : undefined;
  if (polls) {
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

  // The scenario, to random linked cases.
  const sent = new Map<string, number>();
  const started = Date.now();
  for (const [i, at] of replyTimes(o).entries()) {
    await sleep(Math.max(0, started + at / S - Date.now()));
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
  await worker?.stop();
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
  log(`${o.scenario} ${design} ${polls ? where : ''}: ${JSON.stringify(figures)}`);
  return figures;
}

type Figures = Record<string, unknown> & { p50s: number; p95s: number; status429: number; delivered: number; replies: number; duplicates: number };

async function scenario(o: Options, script: string | undefined): Promise<Record<string, unknown>> {
  log(
    `mirror-latency ${o.scenario}: ${o.cases} cases, ${replyTimes(o).length} replies in ${o.seconds} s, read budget 3/s (poller share ${READ_SHARE}), time compressed ${o.scale}x`,
  );
  const inProcess = (await run('recent', 'in-process', o, script)) as Figures;
  const deployed = script ? ((await run('recent', 'deployed', o, script)) as Figures) : undefined;
  const baseline = o.scenario === 'steady' ? ((await run('round-robin', 'in-process', o, script)) as Figures) : undefined;
  const perCase = o.perCase ? await run('per-case', 'in-process', o, script) : undefined;
  const met = (f: Figures) => ({
    p95AtMost1_5s: f.p95s <= 1.5,
    p50AtMost0_8s: f.p50s <= 0.8,
    no429: f.status429 === 0,
    everyReplyOnce: f.delivered === f.replies && f.duplicates === 0,
    ...(baseline ? { atLeast50xRoundRobin: baseline.p95s / f.p95s >= 50 } : {}),
  });
  return {
    scenario: { name: o.scenario, cases: o.cases, replies: replyTimes(o).length, seconds: o.seconds, readBudgetPerSecond: 3, pollerReadShare: READ_SHARE },
    inProcess,
    ...(deployed ? { deployed } : {}),
    ...(baseline ? { roundRobin: baseline, p95Improvement: Math.round((baseline.p95s / inProcess.p95s) * 10) / 10 } : {}),
    ...(perCase ? { perCaseFallback: perCase } : {}),
    targets: { inProcess: met(inProcess), ...(deployed ? { deployed: met(deployed) } : {}) },
  };
}

export default async function mirrorLatency(args: string[]): Promise<Record<string, unknown>> {
  const which = args.find((a) => a.startsWith('--scenario='))?.split('=')[1] ?? 'both';
  const scenarios: Scenario[] = which === 'both' ? ['steady', 'bursts'] : [which as Scenario];
  const build = args.includes('--in-process-only') ? undefined : await compileScripts('mirror-bench', ['roles/main.ts']);
  try {
    const scale = options(args, 'steady').scale;
    const out: Record<string, unknown> = { timeCompression: `${scale}x: budget ${3 * scale}/s, intervals /${scale}; latencies in real seconds (x${scale})` };
    for (const name of scenarios) out[name] = await scenario(options(args, name), build?.scripts[0]);
    return out;
  } finally {
    await build?.remove();
  }
}
