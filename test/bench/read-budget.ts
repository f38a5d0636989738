/**
 * Read budget shared by three bridge processes: each reads as fast as it may for the whole run.
 * Utilisation = reads the sandbox answered / reads the vendor's limit allows in the same window
 * (burst + rate × time). Args: [limit=3/1s] [burst=50] [seconds=60].
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { parseRateSpec } from '../../src/config/rate-spec.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { deleteKeys } from '../helpers/env.js';

const run = promisify(execFile);

export default async function readBudget(args: string[]): Promise<Record<string, unknown>> {
  const limitText = args[0] ?? '3/1s';
  const burst = Number(args[1] ?? 50);
  const seconds = Number(args[2] ?? 60);
  const spec = parseRateSpec(limitText);
  if (!spec) throw new Error(`bad limit ${limitText}`);
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `bench-read-${randomBytes(4).toString('hex')}`;
  const sandbox = await startSandbox({ readLimit: { ...spec, burst } });
  try {
    const startAt = Date.now() + 3000;
    const endAt = startAt + seconds * 1000;
    process.stderr.write(`read-budget: 3 processes, ${limitText} burst ${burst}, ${seconds} s\n`);
    const children = await Promise.all(
      [0, 1, 2].map(async () => {
        const { stdout } = await run(
          process.execPath,
          ['--import', 'tsx', 'test/bench/_read-budget-child.ts', sandbox.baseUrl, sandbox.tokenUrl, sandbox.clientId, sandbox.clientSecret, redisUrl, prefix, limitText, String(burst), String(startAt), String(endAt)],
          { timeout: (seconds + 60) * 1000 },
        );
        return JSON.parse(stdout.trim().split('\n').at(-1)!) as { ok: number; rateLimited: number; errors: number };
      }),
    );
    const res = await fetch(`${sandbox.baseUrl}/sandbox/calls`);
    const calls = ((await res.json()) as { calls: { path: string; status: number; at: string }[] }).calls.filter(
      (c) => c.path.startsWith('/v2/') && Date.parse(c.at) >= startAt - 50,
    );
    const answered = calls.filter((c) => c.status === 200).length;
    const rejected = calls.filter((c) => c.status === 429).length;
    const allowed = burst + (spec.limit * seconds * 1000) / spec.periodMs;
    return {
      processes: 3,
      limit: limitText,
      burst,
      seconds,
      readsAnswered: answered,
      readsAllowed: allowed,
      utilisation: Number((answered / allowed).toFixed(4)),
      upstream429: rejected,
      perProcess: children,
    };
  } finally {
    await sandbox.close();
    await deleteKeys(redisUrl, prefix);
  }
}
