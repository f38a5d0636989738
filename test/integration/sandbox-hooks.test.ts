import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CallRecord as Call } from '../../src/sandbox/call-log.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';

let sb: RunningSandbox;
let bearer: string;

const limits = { limit: 1000, periodMs: 1000, burst: 1000 };

async function getToken(target: RunningSandbox = sb): Promise<string> {
  const res = await fetch(target.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=client_credentials&client_id=${target.clientId}&client_secret=${target.clientSecret}`,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  sb = await startSandbox({ readLimit: limits, writeLimit: limits });
  bearer = await getToken();
});
afterAll(async () => {
  await sb.close();
});
beforeEach(async () => {
  await hook('DELETE', '/sandbox/faults');
});

async function hook(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${sb.baseUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

async function api(method: string, path: string, body?: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sb.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    ...init,
  });
}

const newCase = { type: 'General Request', subject: 'Other', priority: 'P5', serviceId: 'SRV-40000001', description: 'Hook test' };
const state = async (): Promise<{ cases: number; messages: number; tokensIssued: number; liveTokens: number }> => (await hook('GET', '/sandbox/state')).json;
const body = async (res: Response): Promise<any> => res.json();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('engineer replies and status changes', () => {
  it('adds a Support message and moves lastModifiedDate', async () => {
    const before = (await body(await api('GET', '/v2/cases/CS-00001002'))).data;
    const res = await hook('POST', '/sandbox/cases/CS-00001002/replies', { message: 'Speed test received, thanks.' });
    expect(res.status).toBe(201);
    expect(res.json.data).toMatchObject({ message: 'Speed test received, thanks.', type: 'Support', sentBy: 'Ana Lopes (expereo NOC)' });
    const named = await hook('POST', '/sandbox/cases/CS-00001002/replies', { message: 'Escalated.', sentBy: 'Ravi Menon (expereo NOC)' });
    expect(named.json.data.sentBy).toBe('Ravi Menon (expereo NOC)');
    const after = (await body(await api('GET', '/v2/cases/CS-00001002'))).data;
    expect(after.lastModifiedDate).toBe(named.json.data.timestamp);
    expect(after.lastModifiedDate > before.lastModifiedDate).toBe(true);
    const thread = (await body(await api('GET', '/v2/cases/CS-00001002/case-messages'))).data;
    expect(thread.slice(-2).map((m: { message: string }) => m.message)).toEqual(['Speed test received, thanks.', 'Escalated.']);
    expect((await hook('POST', '/sandbox/cases/CS-99999999/replies', { message: 'x' })).status).toBe(404);
    expect((await hook('POST', '/sandbox/cases/CS-00001002/replies', { message: '' })).status).toBe(400);
  });

  it('changes the status, including statuses the API does not know', async () => {
    const res = await hook('POST', '/sandbox/cases/CS-00001007/status', { status: 'Resolved' });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ caseId: 'CS-00001007', status: 'Resolved' });
    const read = (await body(await api('GET', '/v2/cases/CS-00001007'))).data;
    expect(read.status).toBe('Resolved');
    expect(read.lastModifiedDate).toBe(res.json.data.lastModifiedDate);
    expect((await hook('POST', '/sandbox/cases/CS-00001007/status', { status: 'Pending Vendor' })).json.data.status).toBe('Pending Vendor');
  });
});

describe('faults', () => {
  it('fails the next N matching calls with no effect, then recovers', async () => {
    const { cases } = await state();
    const added = await hook('POST', '/sandbox/faults', { kind: 'status', status: 500, count: 2, methods: ['POST'] });
    expect(added.status).toBe(201);
    expect((await api('GET', '/v2/accounts')).status).toBe(200);
    for (let i = 0; i < 2; i += 1) {
      const res = await api('POST', '/v2/cases', newCase);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await state()).cases).toBe(cases);
    expect((await api('POST', '/v2/cases', newCase)).status).toBe(201);
    expect((await state()).cases).toBe(cases + 1);
  });

  it('sends Retry-After, honours pathPrefix and leaves the token endpoint alone unless named', async () => {
    await hook('POST', '/sandbox/faults', { kind: 'status', status: 503, count: 1, retryAfterSeconds: 7, pathPrefix: '/v2/cases' });
    await hook('POST', '/sandbox/faults', { kind: 'status', status: 429, count: 5 });
    expect((await api('GET', '/v2/accounts')).status).toBe(429);
    const res = await api('GET', '/v2/cases');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
    await getToken();
    await hook('DELETE', '/sandbox/faults');
    expect((await api('GET', '/v2/accounts')).status).toBe(200);

    await hook('POST', '/sandbox/faults', { kind: 'status', status: 503, count: 1, pathPrefix: '/oauth2' });
    const { tokensIssued } = await state();
    const token = await fetch(sb.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${sb.clientId}&client_secret=${sb.clientSecret}`,
    });
    expect(token.status).toBe(503);
    expect((await state()).tokensIssued).toBe(tokensIssued);
    expect(await getToken()).toBeTypeOf('string');
  });

  it('rejects malformed fault specs', async () => {
    expect((await hook('POST', '/sandbox/faults', { kind: 'status', status: 200, count: 1 })).status).toBe(400);
    expect((await hook('POST', '/sandbox/faults', { kind: 'explode', count: 1 })).status).toBe(400);
  });

  it('holds a hung call until the client gives up, with no effect', async () => {
    const { cases } = await state();
    await hook('POST', '/sandbox/faults', { kind: 'hang', count: 1, methods: ['POST'] });
    const started = Date.now();
    await expect(api('POST', '/v2/cases', newCase, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await sleep(50);
    expect((await state()).cases).toBe(cases);
    const calls = (await hook('GET', '/sandbox/calls')).json.calls as Call[];
    expect(calls.at(-1)).toMatchObject({ method: 'POST', path: '/v2/cases', fault: 'hang', status: 0 });
    expect((await api('POST', '/v2/cases', newCase)).status).toBe(201);
  });

  it('answers a delayed call normally after delayMs', async () => {
    await hook('POST', '/sandbox/faults', { kind: 'hang', count: 1, delayMs: 250 });
    const started = Date.now();
    const res = await api('GET', '/v2/accounts');
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(245);
  });

  it('closes promptly while a call hangs', async () => {
    const other = await startSandbox();
    const token = await getToken(other);
    await fetch(`${other.baseUrl}/sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'hang', count: 1 }),
    });
    const pending = fetch(`${other.baseUrl}/v2/accounts`, { headers: { authorization: `Bearer ${token}` } }).catch((err: unknown) => err);
    await sleep(100);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('tokens', () => {
  it('expires every token after everyMs when asked, until cleared', async () => {
    expect((await hook('POST', '/sandbox/faults/token-expiry', { everyMs: 200 })).json).toEqual({ everyMs: 200 });
    const short = await getToken();
    const call = (t: string): Promise<Response> => fetch(`${sb.baseUrl}/v2/accounts`, { headers: { authorization: `Bearer ${t}` } });
    expect((await call(short)).status).toBe(200);
    await sleep(250);
    const expired = await call(short);
    expect(expired.status).toBe(401);
    expect((await body(expired)).detail).toMatch(/expired/);
    await hook('DELETE', '/sandbox/faults/token-expiry');
    bearer = await getToken();
    await sleep(250);
    expect((await call(bearer)).status).toBe(200);
  });

  it('revokes every live token at once', async () => {
    const a = await getToken();
    const res = await hook('POST', '/sandbox/tokens/revoke');
    expect(res.json.revoked).toBeGreaterThanOrEqual(2);
    expect((await state()).liveTokens).toBe(0);
    const call = await fetch(`${sb.baseUrl}/v2/accounts`, { headers: { authorization: `Bearer ${a}` } });
    expect(call.status).toBe(401);
    bearer = await getToken();
    expect((await api('GET', '/v2/accounts')).status).toBe(200);
  });
});

describe('call log', () => {
  it('records API and token calls, write bodies, faults and 429s, never secrets or tokens', async () => {
    expect((await hook('DELETE', '/sandbox/calls')).status).toBe(200);
    const limited = await startSandbox({ readLimit: { limit: 1, periodMs: 60_000, burst: 1 } });
    try {
      const t = await getToken(limited);
      const get = (): Promise<Response> => fetch(`${limited.baseUrl}/v2/accounts?page[limit]=2`, { headers: { authorization: `Bearer ${t}` } });
      expect((await get()).status).toBe(200);
      expect((await get()).status).toBe(429);
      const log = (await (await fetch(`${limited.baseUrl}/sandbox/calls`)).json()) as { calls: Call[] };
      expect(log.calls.map((c) => [c.method, c.path, c.status])).toEqual([
        ['POST', '/oauth2/token', 200],
        ['GET', '/v2/accounts', 200],
        ['GET', '/v2/accounts', 429],
      ]);
      expect(log.calls[1]).toMatchObject({ clientId: 'demo-client', query: { 'page[limit]': '2' } });
      expect(JSON.stringify(log)).not.toContain(t);
      expect(JSON.stringify(log)).not.toContain(limited.clientSecret);
    } finally {
      await limited.close();
    }

    await hook('POST', '/sandbox/faults', { kind: 'status', status: 500, count: 1 });
    await api('GET', '/v2/sites');
    const created = await api('POST', '/v2/cases', newCase);
    expect(created.status).toBe(201);
    await hook('POST', '/sandbox/cases/CS-00001001/replies', { message: 'not logged' });
    const { calls } = (await hook('GET', '/sandbox/calls')).json as { calls: Call[] };
    expect(calls.map((c) => [c.method, c.path, c.status, c.fault])).toEqual([
      ['GET', '/v2/sites', 500, 'status'],
      ['POST', '/v2/cases', 201, undefined],
    ]);
    const [first, second] = calls as [Call, Call];
    expect(second.seq).toBeGreaterThan(first.seq);
    expect(second.body).toEqual(newCase);
    expect(first.body).toBeUndefined();
    expect(Number.isNaN(Date.parse(second.at))).toBe(false);
    expect(second.durationMs).toBeGreaterThanOrEqual(0);
    const since = (await hook('GET', `/sandbox/calls?since=${first.seq}`)).json.calls as Call[];
    expect(since.map((c) => c.seq)).toEqual([second.seq]);
  });

  it('reports counts in /sandbox/state', async () => {
    const before = await state();
    expect(before.cases).toBeGreaterThanOrEqual(20);
    expect(before.messages).toBeGreaterThan(before.cases);
    await api('POST', '/v2/cases/CS-00001003/case-messages', { message: 'counted' });
    const after = await state();
    expect(after.messages).toBe(before.messages + 1);
    expect(after.tokensIssued).toBeGreaterThan(0);
  });
});
