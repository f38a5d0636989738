/**
 * Drains 300 writes for 50 cases through 1 and then 3 worker processes (the real entry point,
 * ROLE=worker, compiled and run as `npm start` runs it) against the sandbox counting the write limit each of its three ways (token-bucket,
 * sliding-window, fixed-window; rate-limiter.ts), each drain from a cold start: a fresh Redis
 * prefix, no token, new processes. Reports per limiter the budget utilisation over the drain
 * (writes the sandbox accepted / one at the start plus one per pace interval of the published
 * limit: the workers pace evenly, EXPEREO_WRITE_BURST=1), upstream 429s, and upstream writes per
 * accepted write. The limit is compressed ten times (30/6s for 30/1m), and the budget's allowance
 * with it (40 ms for 400 ms). Args: [limit=30/6s] [allowance=40ms].
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/config.js';
import { parseRateSpec } from '../../src/config/rate-spec.js';
import { createCore } from '../../src/core.js';
import { createLogger } from '../../src/log.js';
import { LIMITER_KINDS, startSandbox, type LimiterKind, type RunningSandbox } from '../../src/sandbox/index.js';
import { bridgeEnv, deleteKeys } from '../helpers/env.js';
import { createWrite, messageWrite, updateWrite } from '../helpers/pipeline.js';
import { compileScripts } from '../helpers/ingest-build.js';
import { spawnBridge } from '../helpers/processes.js';

interface Call {
  method: string;
  path: string;
  status: number;
  at: string;
}

async function drain(
  kind: LimiterKind,
  workers: number,
  limitText: string,
  allowance: string,
  redisUrl: string,
  script: string,
): Promise<Record<string, number>> {
  const spec = parseRateSpec(limitText)!;
  const sandbox: RunningSandbox = await startSandbox({ writeLimit: { ...spec, burst: 3 }, readLimit: { limit: 30, periodMs: 1000, burst: 50 }, limiter: kind });
  const prefix = `bench-drain-${randomBytes(4).toString('hex')}`;
  const env = bridgeEnv(redisUrl, prefix, sandbox, {
    EXPEREO_WRITE_LIMIT: limitText,
    EXPEREO_READ_LIMIT: '30/1s',
    EXPEREO_BUDGET_ALLOWANCE: allowance,
    LOG_LEVEL: 'warn',
    PORT: '0',
    HOST: '127.0.0.1',
  });
  const core = createCore(loadConfig(env), sandbox, createLogger('warn'));
  await core.ready();
  try {
    // 50 cases; per case one create, then messages (people's and automated) and updates: 300 writes.
    const keys = Array.from({ length: 50 }, (_, i) => `bench:case-${i}`);
    let accepted = 0;
    for (const key of keys) accepted += Number((await core.producer.enqueue(createWrite(key))).status === 'queued');
    for (let n = 0; n < 5; n++) {
      for (const key of keys) {
        const write = n === 2 ? updateWrite(`${key}:u${n}`, key, 'P2') : messageWrite(`${key}:m${n}`, key, `note ${n} for ${key}`, n % 2 === 0);
        accepted += Number((await core.producer.enqueue(write)).status === 'queued');
      }
    }
    const procs = Array.from({ length: workers }, () => spawnBridge({ ...env, ROLE: 'worker', LOG_LEVEL: 'info' }, script));
    await Promise.all(procs.map((p) => p.waitFor(/expereo-bridge listening/)));
    const deadline = Date.now() + 600_000;
    while (Object.values(await core.outbox.pendingByLane()).some((n) => n > 0)) {
      if (Date.now() > deadline) throw new Error('drain did not finish in 10 minutes');
      await new Promise((r) => setTimeout(r, 200));
    }
    const slotsMissed = (await Promise.all(procs.map((p) => missedSlots(p.output())))).reduce((a, b) => a + b, 0);
    await Promise.all(procs.map((p) => p.stop()));

    const calls = ((await (await fetch(`${sandbox.baseUrl}/sandbox/calls`)).json()) as { calls: Call[] }).calls.filter(
      (c) => c.path.startsWith('/v2/') && c.method !== 'GET',
    );
    const ok = calls.filter((c) => c.status >= 200 && c.status < 300);
    const times = ok.map((c) => Date.parse(c.at)).sort((a, b) => a - b);
    const windowMs = times.at(-1)! - times[0]!;
    // Slots the budget offered over the drain: one at its start, then one per pace interval.
    const offered = 1 + (windowMs * spec.limit) / spec.periodMs;
    return {
      workers,
      accepted,
      upstreamWrites: ok.length,
      upstreamPerAccepted: Number((ok.length / accepted).toFixed(3)),
      drainSeconds: Number((windowMs / 1000).toFixed(2)),
      utilisation: Number((ok.length / offered).toFixed(4)),
      upstream429: calls.filter((c) => c.status === 429).length,
      slotsMissed,
      deadLetters: await core.outbox.deadCount(),
    };
  } finally {
    await core.close();
    await sandbox.close();
    await deleteKeys(redisUrl, prefix);
  }
}

/** Writes a worker did not send because they could not leave within their slot (each booked again), from its metrics. */
async function missedSlots(log: string): Promise<number> {
  const address = /"address":"(http:\/\/[^"]+)"/.exec(log)?.[1];
  if (address === undefined) throw new Error('a worker did not say where it listens');
  const metrics = await (await fetch(`${address}/metrics`)).text();
  const line = /^bridge_upstream_slots_missed_total\{kind="write"\} (\d+)/m.exec(metrics);
  return Number(line?.[1] ?? 0);
}

export default async function writeDrain(args: string[]): Promise<Record<string, unknown>> {
  const limit = args[0] ?? '30/6s';
  const allowance = args[1] ?? '40ms';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  process.stderr.write(`write-drain: 300 writes, 50 cases, budget ${limit}, allowance ${allowance}, cold starts\n`);
  const limiters: Record<string, { oneWorker: Record<string, number>; threeWorkers: Record<string, number> }> = {};
  const build = await compileScripts('write-drain', ['roles/main.ts']);
  try {
    for (const kind of LIMITER_KINDS) {
      const oneWorker = await drain(kind, 1, limit, allowance, redisUrl, build.scripts[0]!);
      process.stderr.write(`${kind}, 1 worker: ${JSON.stringify(oneWorker)}\n`);
      const threeWorkers = await drain(kind, 3, limit, allowance, redisUrl, build.scripts[0]!);
      process.stderr.write(`${kind}, 3 workers: ${JSON.stringify(threeWorkers)}\n`);
      limiters[kind] = { oneWorker, threeWorkers };
    }
  } finally {
    await build.remove();
  }
  const runs = Object.values(limiters).flatMap((l) => [l.oneWorker, l.threeWorkers]);
  return {
    limit,
    allowance,
    limiters,
    lowestUtilisation: Math.min(...runs.map((r) => r.utilisation!)),
    upstream429: runs.reduce((n, r) => n + r.upstream429!, 0),
  };
}
