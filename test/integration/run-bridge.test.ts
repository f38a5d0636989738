import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBridge } from '../helpers/processes.js';
import { redisUrl } from '../helpers/redis.js';

/** The entry point refuses a port already taken in one line that says what to change. */
let taken: Server;
let port: number;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  port = (taken.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => taken.close(() => r())));

const env = (extra: Record<string, string>) => ({
  REDIS_URL: redisUrl(),
  REDIS_PREFIX: `test-run-bridge-${process.pid}`,
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  ...extra,
});

describe('start-up on a port already in use', () => {
  it.each([
    ['the built-in sandbox', { PORT: '0', SANDBOX_PORT: 'PORT' }],
    ['the bridge', { PORT: 'PORT', SANDBOX_PORT: '0' }],
  ])('%s: exits 1 with one line naming the address and what to set, no stack', async (_what, ports) => {
    const bridge = spawnBridge(env(Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, v === 'PORT' ? String(port) : v]))));
    expect(await new Promise((r) => bridge.child.once('exit', (code) => r(code)))).toBe(1);
    const out = bridge.output();
    expect(out).toContain(`expereo-bridge: failed to start: 127.0.0.1:${port} is already in use`);
    expect(out).toContain('SANDBOX_PORT=0');
    expect(out).not.toMatch(/\n\s+at /);
  });
});
