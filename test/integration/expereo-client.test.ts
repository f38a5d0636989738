import { spawn } from 'node:child_process';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BudgetWaitError } from '../../src/budget/redis-budget.js';
import { loadConfig } from '../../src/config/config.js';
import { ExpereoApiError } from '../../src/expereo/api-error.js';
import { ExpereoClient } from '../../src/expereo/client.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { stateKeys } from '../../src/state/keys.js';
import { eventually, sandboxCalls } from '../helpers/bridge.js';
import { deleteKeys } from '../helpers/env.js';
import { dropPrefix, openRedis, redisUrl, uniquePrefix } from '../helpers/redis.js';

let sandbox: RunningSandbox;
let redis: Redis;
let prefix: string;
const clients: ExpereoClient[] = [];

const prefixes = new Set<string>();

function client(env: Record<string, string> = {}, sb = sandbox, p = prefix): ExpereoClient {
  prefixes.add(p);
  const config = loadConfig({ EXPEREO_READ_LIMIT: '50/1s', EXPEREO_WRITE_LIMIT: '30/3s', ...env });
  const c = new ExpereoClient({
    ...config.expereo,
    baseUrl: sb.baseUrl,
    tokenUrl: sb.tokenUrl,
    clientId: sb.clientId,
    clientSecret: sb.clientSecret,
    redis,
    keys: stateKeys(p),
  });
  clients.push(c);
  return c;
}

async function hook(sb: RunningSandbox, path: string, body?: unknown, method = 'POST'): Promise<unknown> {
  const res = await fetch(`${sb.baseUrl}${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return res.json();
}

async function state(sb = sandbox): Promise<{ tokensIssued: number }> {
  return (await hook(sb, '/sandbox/state', undefined, 'GET')) as { tokensIssued: number };
}

beforeAll(async () => {
  sandbox = await startSandbox({ readLimit: { limit: 50, periodMs: 1000, burst: 50 }, writeLimit: { limit: 30, periodMs: 3000, burst: 3 }, seed: { extraCases: 1000 } });
  redis = await openRedis('client-test');
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await hook(sandbox, '/sandbox/faults', undefined, 'DELETE');
});

afterAll(async () => {
  await sandbox?.close();
  for (const used of prefixes) await deleteKeys(redisUrl(), used);
  await dropPrefix(redis, prefix);
});

describe('ExpereoClient against the sandbox', () => {
  it('shares one token between two clients', async () => {
    prefix = uniquePrefix('client');
    const before = (await state()).tokensIssued;
    const [a, b] = [client(), client()];
    const [ra, rb] = await Promise.all([a.account('ACC-98000001'), b.account('ACC-98000002')]);
    expect(ra.accountId).toBe('ACC-98000001');
    expect(rb.name).toBe('Northwind Logistics');
    expect((await state()).tokensIssued - before).toBe(1);
    expect(a.tokens.fetches + b.tokens.fetches).toBe(1);
  });

  it('refreshes a token before it expires', async () => {
    const short = await startSandbox({ tokenLifetimeSeconds: 2, readLimit: { limit: 100, periodMs: 1000, burst: 50 } });
    try {
      prefix = uniquePrefix('client');
      const c = client({}, short);
      await c.account('ACC-98000001');
      await new Promise((r) => setTimeout(r, 1200));
      await c.account('ACC-98000001');
      expect(c.tokens.fetches).toBe(2);
      const calls = await sandboxCalls(short);
      expect(calls.filter((x) => x.status === 401)).toHaveLength(0);
    } finally {
      await short.close();
    }
  });

  it('recovers from a 401 by refreshing once and retrying once', async () => {
    prefix = uniquePrefix('client');
    const c = client();
    await c.account('ACC-98000001');
    await hook(sandbox, '/sandbox/tokens/revoke', {});
    const since = (await sandboxCalls(sandbox)).at(-1)?.seq ?? 0;
    const acc = await c.account('ACC-98000003');
    expect(acc.accountId).toBe('ACC-98000003');
    const calls = (await sandboxCalls(sandbox)).filter((x) => x.seq > since && x.path.startsWith('/v2/'));
    expect(calls.map((x) => x.status)).toEqual([401, 200]);
    expect(c.tokens.fetches).toBe(2);
  });

  it('pages through more than 1,000 cases by following links.next', async () => {
    prefix = uniquePrefix('client');
    const c = client();
    const since = (await sandboxCalls(sandbox)).at(-1)?.seq ?? 0;
    const ids = new Set<string>();
    for await (const kase of c.cases({ limit: 200, sort: ['caseId'] })) ids.add(kase.caseId);
    expect(ids.size).toBe(1020);
    const pages = (await sandboxCalls(sandbox)).filter((x) => x.seq > since && x.path === '/v2/cases');
    expect(pages).toHaveLength(6);
  });

  it('surfaces a 429 with its delay and does not retry writes', async () => {
    prefix = uniquePrefix('client');
    const c = client();
    await hook(sandbox, '/sandbox/faults', { kind: 'status', status: 429, count: 1, retryAfterSeconds: 7 });
    const err = await c.account('ACC-98000001').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExpereoApiError);
    expect((err as ExpereoApiError).code).toBe('rate_limited');
    expect((err as ExpereoApiError).retryAfterMs).toBe(7000);

    await hook(sandbox, '/sandbox/faults', { kind: 'status', status: 500, count: 1, methods: ['POST'] });
    const since = (await sandboxCalls(sandbox)).at(-1)?.seq ?? 0;
    const failed = await c.addCaseMessage('CS-00001001', { message: 'hello' }).catch((e: unknown) => e);
    expect((failed as ExpereoApiError).code).toBe('upstream_error');
    const posts = (await sandboxCalls(sandbox)).filter((x) => x.seq > since && x.method === 'POST');
    expect(posts).toHaveLength(1);
  });

  it('times out a hanging call and flags a write whose outcome is unknown', async () => {
    prefix = uniquePrefix('client');
    const c = client({ EXPEREO_REQUEST_TIMEOUT: '300ms' });
    await c.account('ACC-98000001');
    await hook(sandbox, '/sandbox/faults', { kind: 'hang', count: 1, methods: ['POST'] });
    const err = (await c.addCaseMessage('CS-00001001', { message: 'hello' }).catch((e: unknown) => e)) as ExpereoApiError;
    expect(err.code).toBe('timeout');
    expect(err.outcomeUnknown).toBe(true);
    expect(err.retryable).toBe(true);
  });

  it('refuses a write that breaks the V2 contract before spending a slot', async () => {
    prefix = uniquePrefix('client');
    const c = client();
    const err = (await c
      .createCase({ type: 'General Request', subject: 'ServiceDown', priority: 'P1', serviceId: 'SRV-40000001', description: 'x' })
      .catch((e: unknown) => e)) as ExpereoApiError;
    expect(err.code).toBe('invalid_request');
    expect(err.fieldErrors.map((f) => f.field).sort()).toEqual(['priority', 'subject']);
    expect((await c.writeBudget.state()).used).toBe(0);
  });

  it('bounds the wait for a slot and gives an abandoned slot back', async () => {
    prefix = uniquePrefix('client');
    const c = client({ EXPEREO_WRITE_LIMIT: '1/10s' });
    await c.writeBudget.acquire({ maxWaitMs: 0 });
    await expect(c.writeBudget.acquire({ maxWaitMs: 1000 })).rejects.toBeInstanceOf(BudgetWaitError);
    const before = await c.writeBudget.state();
    const controller = new AbortController();
    const waiting = c.writeBudget.acquire({ maxWaitMs: 60_000, signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toThrow();
    const after = await c.writeBudget.state();
    expect(after.backlogMs).toBeLessThanOrEqual(before.backlogMs);
  });

  it('keeps three processes firing 200 reads each within the shared budget', async () => {
    prefix = uniquePrefix('client');
    const since = (await sandboxCalls(sandbox)).at(-1)?.seq ?? 0;
    
    const args = [sandbox.baseUrl, sandbox.tokenUrl, sandbox.clientId, sandbox.clientSecret, redisUrl(), prefix, '50/1s', '50', '200'];
    const children = [0, 1, 2].map(() => spawn(process.execPath, ['--import', 'tsx', 'test/helpers/read-burst-child.ts', ...args], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const outputs = children.map((child) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      return { child, text: () => out, done: new Promise((r) => child.once('exit', r)) };
    });
    // Start all three at once, when each is warm, and with the sandbox's bucket full again.
    await eventually(async () => outputs.every((o) => o.text().includes('ready')), 30_000);
    await new Promise((r) => setTimeout(r, 1100));
    await redis.set(`${prefix}:go`, '1');
    await Promise.all(outputs.map((o) => o.done));
    const results = outputs.map((o) => JSON.parse(o.text().trim().split('\n').at(-1)!) as { ok: number; rateLimited: number; otherErrors: number; started: number; finished: number });
    expect(results, JSON.stringify(results)).toMatchObject([{ ok: 200 }, { ok: 200 }, { ok: 200 }]);
    expect(results.reduce((n, r) => n + r.rateLimited + r.otherErrors, 0)).toBe(0);
    const calls = (await sandboxCalls(sandbox)).filter((x) => x.seq > since && x.path.startsWith('/v2/'));
    expect(calls.filter((x) => x.status === 429)).toHaveLength(0);
    // 600 reads, 35 at once (50 less what 300 ms of pace brings), then one every 20.2 ms.
    const elapsed = Math.max(...results.map((r) => r.finished)) - Math.min(...results.map((r) => r.started));
    const allowed = (600 - 35) * 20.2;
    expect(elapsed).toBeGreaterThan(allowed * 0.9);
    expect(elapsed).toBeLessThan(allowed * 1.1);
  });
});
