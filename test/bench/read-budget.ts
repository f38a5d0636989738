/**
 * The read budget shared by 1 and then 3 processes (compiled, with production's node flags)
 * against each of the sandbox's limiters
 * (token-bucket, sliding-window, fixed-window), each run from a cold start: a fresh Redis prefix
 * and new processes, no token, no connection. Every process reads as fast as its ExpereoClient
 * allows for the whole run, with 20 reads waiting at once.
 *
 * Utilisation = reads the sandbox answered / the most that limiter lets through in the same time
 * from a full start (rate-limiter.ts defines each): token-bucket burst + rate × time; sliding-window
 * C per window W, a full C at the start of each window the run reaches; fixed-window C per clock
 * window the run touches (edge doubling included, which a client that does not know the phase
 * cannot use). The default limit is expereo's 3/1s with bursts of 50 compressed ten times (30/1s,
 * a window of 1.67 s instead of 16.7 s), and the budget's allowance with it (30 ms for 300 ms).
 * Args: [limit=30/1s] [burst=50] [seconds=60] [allowance=30ms].
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { parseRateSpec } from '../../src/config/rate-spec.js';
import { LIMITER_KINDS, limitWindow, startSandbox, type LimiterKind, type SandboxLimit } from '../../src/sandbox/index.js';
import { deleteKeys } from '../helpers/env.js';
import { compileScripts } from '../helpers/ingest-build.js';
import { productionNodeFlags } from '../helpers/processes.js';

const run = promisify(execFile);

interface ChildCounts {
  ok: number;
  rateLimited: number;
  errors: number;
  slotsMissed: number;
}

/** The most reads `kind` lets through in [startAt, endAt) from a full start. */
export function readsAllowed(kind: LimiterKind, limit: SandboxLimit, startAt: number, endAt: number): number {
  const { capacity, windowMs } = limitWindow(limit);
  switch (kind) {
    case 'token-bucket':
      return limit.burst + Math.floor(((endAt - startAt) * limit.limit) / limit.periodMs);
    case 'sliding-window':
      return capacity * Math.ceil((endAt - startAt) / windowMs);
    case 'fixed-window':
      return capacity * (Math.floor((endAt - 1) / windowMs) - Math.floor(startAt / windowMs) + 1);
  }
}

async function measure(
  kind: LimiterKind,
  processes: number,
  limit: SandboxLimit,
  limitText: string,
  seconds: number,
  allowance: string,
  redisUrl: string,
  child: string,
): Promise<Record<string, unknown>> {
  const prefix = `bench-read-${randomBytes(4).toString('hex')}`;
  const sandbox = await startSandbox({ readLimit: limit, limiter: kind });
  try {
    // Time for the processes to start; each waits for startAt, then reads with no token yet.
    const startAt = Date.now() + 5000;
    const endAt = startAt + seconds * 1000;
    const children = await Promise.all(
      Array.from({ length: processes }, async () => {
        const { stdout } = await run(
          process.execPath,
          [
            ...productionNodeFlags(),
            child,
            sandbox.baseUrl,
            sandbox.tokenUrl,
            sandbox.clientId,
            sandbox.clientSecret,
            redisUrl,
            prefix,
            limitText,
            String(limit.burst),
            allowance,
            String(startAt),
            String(endAt),
          ],
          { timeout: (seconds + 60) * 1000 },
        );
        return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildCounts;
      }),
    );
    const res = await fetch(`${sandbox.baseUrl}/sandbox/calls`);
    const calls = ((await res.json()) as { calls: { path: string; status: number; at: string }[] }).calls.filter((c) => {
      const at = Date.parse(c.at);
      return c.path.startsWith('/v2/') && at >= startAt && at < endAt;
    });
    const answered = calls.filter((c) => c.status === 200).length;
    const allowed = readsAllowed(kind, limit, startAt, endAt);
    return {
      processes,
      readsAnswered: answered,
      readsAllowed: allowed,
      utilisation: Number((answered / allowed).toFixed(4)),
      upstream429: calls.filter((c) => c.status === 429).length,
      slotsMissed: children.reduce((n, c) => n + c.slotsMissed, 0),
      perProcess: children,
    };
  } finally {
    await sandbox.close();
    await deleteKeys(redisUrl, prefix);
  }
}

export default async function readBudget(args: string[]): Promise<Record<string, unknown>> {
  const limitText = args[0] ?? '30/1s';
  const burst = Number(args[1] ?? 50);
  const seconds = Number(args[2] ?? 60);
  const allowance = args[3] ?? '30ms';
  const spec = parseRateSpec(limitText);
  if (!spec) throw new Error(`bad limit ${limitText}`);
  const limit = { ...spec, burst };
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  process.stderr.write(`read-budget: ${limitText} burst ${burst}, ${seconds} s per run, allowance ${allowance}, cold starts\n`);
  const limiters: Record<string, { oneProcess: Record<string, unknown>; threeProcesses: Record<string, unknown> }> = {};
  // The processes run compiled, with production's node flags, as the bridge does.
  const build = await compileScripts('read-budget', ['test/bench/_read-budget-child.ts']);
  try {
    for (const kind of LIMITER_KINDS) {
      const oneProcess = await measure(kind, 1, limit, limitText, seconds, allowance, redisUrl, build.scripts[0]!);
      process.stderr.write(`${kind}, 1 process: ${JSON.stringify(oneProcess)}\n`);
      const threeProcesses = await measure(kind, 3, limit, limitText, seconds, allowance, redisUrl, build.scripts[0]!);
      process.stderr.write(`${kind}, 3 processes: ${JSON.stringify(threeProcesses)}\n`);
      limiters[kind] = { oneProcess, threeProcesses };
    }
  } finally {
    await build.remove();
  }
  const runs = Object.values(limiters).flatMap((l) => [l.oneProcess, l.threeProcesses]);
  return {
    limit: limitText,
    burst,
    seconds,
    allowance,
    limiters,
    lowestUtilisation: Math.min(...runs.map((r) => r.utilisation as number)),
    upstream429: runs.reduce((n, r) => n + (r.upstream429 as number), 0),
  };
}
