import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileScripts, type CompiledScripts } from '../helpers/ingest-build.js';
import { spawnBridge, type BridgeProcess } from '../helpers/processes.js';
import { eventually } from '../helpers/bridge.js';
import { dropPrefix, openRedis, redisUrl } from '../helpers/redis.js';

/**
 * The bridge as production runs it: compiled by `tsc`, under plain `node` with the production node
 * flags (node-options.env), `ROLE=all`, so that its workers thread starts from compiled JavaScript
 * with the process's heap flags, as in the image.
 */
let build: CompiledScripts;
let bridge: BridgeProcess | undefined;
const prefix = `test-compiled-${process.pid}`;

beforeAll(async () => {
  build = await compileScripts('compiled-bridge', ['roles/main.ts', 'roles/workers-thread-entry.ts']);
}, 120_000);
afterAll(async () => {
  await bridge?.stop('SIGKILL');
  await build?.remove();
  await dropPrefix(await openRedis(), prefix);
});

describe('the compiled bridge, ROLE=all', () => {
  it('runs its workers in their thread, ready with them, and stops on SIGTERM with exit code 0', async () => {
    bridge = spawnBridge(
      { REDIS_URL: redisUrl(), REDIS_PREFIX: prefix, HOST: '127.0.0.1', PORT: '0', SANDBOX_PORT: '0', LOG_LEVEL: 'info', ROLE: 'all' },
      build.scripts[0],
    );
    await bridge.waitFor(/"thread":"workers".*"msg":"workers started"/, 30_000);
    const address = /"address":"(http:\/\/[^"]+)"/.exec(bridge.output())![1]!;
    const ready = await eventually(async () => {
      const res = await fetch(`${address}/readyz`);
      return res.status === 200 ? ((await res.json()) as { checks: Record<string, string> }) : undefined;
    });
    expect(ready.checks).toMatchObject({ redis: 'ok', workers: 'ok' });
    const metrics = await (await fetch(`${address}/metrics`)).text();
    expect(metrics).toMatch(/^bridge_process_resident_memory_bytes \d+/m);

    expect(await bridge.stop('SIGTERM')).toBe(0);
    expect(bridge.output()).not.toMatch(/"level":(50|60)/);
  });
});
