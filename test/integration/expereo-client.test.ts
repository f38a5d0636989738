import { spawn } from 'node:child_process';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BudgetWaitError } from '../../src/budget/redis-budget.js';
import { loadConfig } from '../../src/config/config.js';
import { ExpereoApiError } from '../../src/expereo/api-error.js';
import { ExpereoClient } from '../../src/expereo/client.js';
import { createAgent, send, SlotMissedError } from '../../src/expereo/transport.js';
import { LIMITER_KINDS, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { stateKeys } from '../../src/state/state-keys.js';
import { eventually, sandboxCalls } from '../helpers/bridge.js';
import { deleteKeysOf } from '../helpers/env.js';
import { dropPrefix, openRedis, redisUrl, uniquePrefix } from '../helpers/redis.js';
import { startSlowTlsProxy } from '../helpers/slow-tls-proxy.js';

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
  const res = await fetch(`${sb.baseUrl}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.json();
}

async function state(sb = sandbox): Promise<{ tokensIssued: number }> {
  return (await hook(sb, '/sandbox/state', undefined, 'GET')) as { tokensIssued: number };
}

beforeAll(async () => {
  sandbox = await startSandbox({
    readLimit: { limit: 50, periodMs: 1000, burst: 50 },
    writeLimit: { limit: 30, periodMs: 3000, burst: 3 },
    seed: { extraCases: 1000 },
  });
  redis = await openRedis('client-test');
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await hook(sandbox, '/sandbox/faults', undefined, 'DELETE');
});

afterAll(async () => {
  await sandbox?.close();
  await deleteKeysOf(redisUrl(), prefixes);
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

  it.each(LIMITER_KINDS)('keeps three processes firing 100 reads each within a %s vendor', async (kind) => {
    const sb = await startSandbox({ limiter: kind, readLimit: { limit: 50, periodMs: 1000, burst: 50 } });
    try {
      prefix = uniquePrefix('client');
      prefixes.add(prefix);
      const args = [sb.baseUrl, sb.tokenUrl, sb.clientId, sb.clientSecret, redisUrl(), prefix, '50/1s', '50', '100', '200ms'];
      const children = [0, 1, 2].map(() =>
        spawn(process.execPath, ['--import', 'tsx', 'test/helpers/read-burst-child.ts', ...args], { stdio: ['ignore', 'pipe', 'inherit'] }),
      );
      const outputs = children.map((child) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        return { child, text: () => out, done: new Promise((r) => child.once('exit', r)) };
      });
      // Start all three at once, when each is warm and their first reads have left both windows.
      await eventually(async () => outputs.every((o) => o.text().includes('ready')), 30_000);
      await new Promise((r) => setTimeout(r, 1300));
      const since = (await sandboxCalls(sb)).at(-1)?.seq ?? 0;
      await redis.set(`${prefix}:go`, '1');
      await Promise.all(outputs.map((o) => o.done));
      const results = outputs.map(
        (o) => JSON.parse(o.text().trim().split('\n').at(-1)!) as { ok: number; rateLimited: number; otherErrors: number; started: number; finished: number },
      );
      expect(results, JSON.stringify(results)).toMatchObject([{ ok: 100 }, { ok: 100 }, { ok: 100 }]);
      expect(results.reduce((n, r) => n + r.rateLimited + r.otherErrors, 0)).toBe(0);
      const calls = (await sandboxCalls(sb)).filter((x) => x.seq > since && x.path.startsWith('/v2/'));
      expect(calls.filter((x) => x.status === 429)).toHaveLength(0);
      // The vendor's window is 50 reads in any 1 s; the budget's 1 s × 1.001 + 200 ms, less up to
      // 200 ms of lateness: the 251st read comes five of them after the first. (How close to the
      // limit the budget gets is the read-budget benchmark's business.)
      const times = calls.map((x) => Date.parse(x.at)).sort((a, b) => a - b);
      expect(tightestSpan(times, 50)).toBeGreaterThanOrEqual(1000);
      expect(times[250]! - times[0]!).toBeGreaterThanOrEqual(5 * (1001 + 200) - 200);
    } finally {
      await sb.close();
    }
  });

  it("sends a cold start's writes within their slots while the token is slow to come", async () => {
    const sw = await startSandbox({ limiter: 'sliding-window', writeLimit: { limit: 30, periodMs: 3000, burst: 3 } });
    try {
      prefix = uniquePrefix('client');
      await hook(sw, '/sandbox/faults', { kind: 'hang', delayMs: 300, count: 1, pathPrefix: '/oauth2' });
      const c = client({}, sw);
      const results = await Promise.allSettled(Array.from({ length: 36 }, (_, i) => c.addCaseMessage('CS-00001001', { message: `cold ${i}` })));
      const writes = (await sandboxCalls(sw)).filter((x) => x.method === 'POST' && x.path.startsWith('/v2/'));
      expect(writes.filter((x) => x.status === 429)).toHaveLength(0);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(36);
      expect(c.tokens.fetches).toBe(1);
      // The vendor counts 30 in any 3 s: every 31 writes it saw span at least that.
      expect(
        tightestSpan(
          writes.map((x) => Date.parse(x.at)).sort((a, b) => a - b),
          30,
        ),
      ).toBeGreaterThanOrEqual(3000);
    } finally {
      await sw.close();
    }
  });

  it('does not send a write whose connection opened after its slot, and sends it on that connection later', async () => {
    const sw = await startSandbox({ limiter: 'sliding-window', writeLimit: { limit: 30, periodMs: 3000, burst: 3 } });
    const proxy = await startSlowTlsProxy({ host: '127.0.0.1', port: Number(new URL(sw.baseUrl).port) }, 400);
    try {
      prefix = uniquePrefix('client');
      prefixes.add(prefix);
      // The API far away over TLS (every handshake 400 ms), the token endpoint near: as in production,
      // fetching the token does not open the API's connection.
      const args = [proxy.origin, sw.tokenUrl, sw.clientId, sw.clientSecret, redisUrl(), prefix, '30/3s', '200ms', '36', 'CS-00001001'];
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/write-burst-child.ts', ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, NODE_EXTRA_CA_CERTS: proxy.certFile },
      });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise((r) => child.once('exit', r));
      const result = JSON.parse(out.trim().split('\n').at(-1)!) as { ok: number; rateLimited: number; otherErrors: number; slotsMissed: number };
      expect(result, out).toMatchObject({ ok: 36, rateLimited: 0, otherErrors: 0 });
      // The first writes waited for their connections past their slots and booked again.
      expect(result.slotsMissed).toBeGreaterThan(0);
      expect(proxy.handshakes()).toBeLessThanOrEqual(result.slotsMissed + 1);
      const writes = (await sandboxCalls(sw)).filter((x) => x.method === 'POST' && x.path.startsWith('/v2/'));
      expect(writes.filter((x) => x.status === 429)).toHaveLength(0);
      expect(writes).toHaveLength(36);
      expect(
        tightestSpan(
          writes.map((x) => Date.parse(x.at)).sort((a, b) => a - b),
          30,
        ),
      ).toBeGreaterThanOrEqual(3000);
    } finally {
      await proxy.close();
      await sw.close();
    }
  });

  it('fails a request unsent once its slot has passed, and keeps the connection', async () => {
    const agent = createAgent({ connectTimeoutMs: 5000, requestTimeoutMs: 5000 });
    const before = (await sandboxCalls(sandbox)).at(-1)?.seq ?? 0;
    let connections = 0;
    const count = (): void => void connections++;
    sandbox.app.server.on('connection', count);
    try {
      const url = `${sandbox.baseUrl}/v2/cases/CS-00001001/case-messages`;
      const init = { method: 'POST' as const, url, headers: { 'content-type': 'application/json' }, body: '{"message":"late"}' };
      // A first request opens the connection; the late one finds it idle and is refused before writing.
      expect((await send(agent, { ...init, method: 'GET', url: `${sandbox.baseUrl}/v2/accounts`, body: undefined })).status).toBe(401);
      // (A moment between requests: undici opens a second connection for one sent while the last answer settles.)
      await new Promise((r) => setTimeout(r, 20));
      const missed = await send(agent, { ...init, sendBy: performance.now() - 1 }).catch((e: unknown) => e);
      expect(missed).toBeInstanceOf(SlotMissedError);
      expect((missed as SlotMissedError).outcomeUnknown).toBe(false);
      await new Promise((r) => setTimeout(r, 20));
      expect((await send(agent, { ...init, sendBy: performance.now() + 1000 })).status).toBe(401);
      expect(connections).toBe(1);
    } finally {
      sandbox.app.server.off('connection', count);
      await agent.close();
    }
    const calls = (await sandboxCalls(sandbox)).filter((x) => x.seq > before);
    expect(calls.map((x) => `${x.method} ${x.path}`)).toEqual(['GET /v2/accounts', 'POST /v2/cases/CS-00001001/case-messages']);
  });
});

/** The shortest time any `capacity + 1` successive calls took (Infinity when there are not so many). */
function tightestSpan(times: number[], capacity: number): number {
  let tightest = Number.POSITIVE_INFINITY;
  for (let i = 0; i + capacity < times.length; i++) tightest = Math.min(tightest, times[i + capacity]! - times[i]!);
  return tightest;
}
