import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox, type SandboxOptions } from '../../src/sandbox/index.js';

const running: RunningSandbox[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function setup(
  opts: SandboxOptions,
): Promise<{ sb: RunningSandbox; call: (method?: string, bearer?: string) => Promise<Response>; token: (id?: string, secret?: string) => Promise<string> }> {
  const sb = await startSandbox(opts);
  running.push(sb);
  const token = async (id = sb.clientId, secret = sb.clientSecret): Promise<string> => {
    const res = await fetch(sb.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${id}&client_secret=${secret}`,
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const defaultBearer = await token();
  const call = (method = 'GET', bearer = defaultBearer): Promise<Response> =>
    method === 'GET'
      ? fetch(`${sb.baseUrl}/v2/accounts`, { headers: { authorization: `Bearer ${bearer}` } })
      : fetch(`${sb.baseUrl}/v2/cases/CS-00001001/case-messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
          body: JSON.stringify({ message: 'update' }),
        });
  return { sb, call, token };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('rate limits', () => {
  it('answers 429 problem+json with Retry-After once the read burst is spent', async () => {
    const { call } = await setup({ readLimit: { limit: 1, periodMs: 2500, burst: 3 } });
    for (let i = 0; i < 3; i += 1) expect((await call()).status).toBe(200);
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const ms = Number(limited.headers.get('retry-after-ms'));
    expect(ms).toBeGreaterThan(1500);
    expect(ms).toBeLessThanOrEqual(2500);
    expect(limited.headers.get('retry-after')).toBe(String(Math.ceil(ms / 1000)));
    expect(await limited.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });
  });

  it('lets paced calls through and does not count rejected calls', async () => {
    const { call } = await setup({ readLimit: { limit: 10, periodMs: 1000, burst: 1 } });
    for (let i = 0; i < 6; i += 1) {
      expect((await call()).status).toBe(200);
      await sleep(110);
    }
    // Hammer while limited: every rejection must leave the bucket as it was.
    let rejected = 0;
    for (let i = 0; i < 20; i += 1) if ((await call()).status === 429) rejected += 1;
    expect(rejected).toBeGreaterThan(0);
    await sleep(110);
    expect((await call()).status).toBe(200);
  });

  it('honours Retry-After-Ms exactly enough to get through', async () => {
    const { call } = await setup({ readLimit: { limit: 2, periodMs: 1000, burst: 1 } });
    expect((await call()).status).toBe(200);
    const limited = await call();
    expect(limited.status).toBe(429);
    await sleep(Number(limited.headers.get('retry-after-ms')) + 5);
    expect((await call()).status).toBe(200);
  });

  it('limits writes apart from reads, per client', async () => {
    const { call, token } = await setup({ writeLimit: { limit: 30, periodMs: 60_000, burst: 3 } });
    for (let i = 0; i < 3; i += 1) expect((await call('POST')).status).toBe(201);
    const limited = await call('POST');
    expect(limited.status).toBe(429);
    const ms = Number(limited.headers.get('retry-after-ms'));
    expect(ms).toBeGreaterThan(1000);
    expect(ms).toBeLessThanOrEqual(2000);
    expect(limited.headers.get('retry-after')).toBe(String(Math.ceil(ms / 1000)));
    expect((await call('GET')).status).toBe(200);
    const other = await token('demo-readonly', 'demo-readonly-secret');
    expect((await call('GET', other)).status).toBe(200);
  });

  it('counts in a sliding window when told to, and says when the oldest call leaves it', async () => {
    const { sb, call } = await setup({ limiter: 'sliding-window', readLimit: { limit: 3, periodMs: 1500, burst: 1 } });
    const started = Date.now();
    for (let i = 0; i < 3; i += 1) expect((await call()).status).toBe(200);
    const limited = await call();
    expect(limited.status).toBe(429);
    const ms = Number(limited.headers.get('retry-after-ms'));
    expect(ms).toBeGreaterThan(1500 - (Date.now() - started) - 5);
    expect(ms).toBeLessThanOrEqual(1500);
    await sleep(ms + 5);
    expect((await call()).status).toBe(200);
    expect(((await (await fetch(`${sb.baseUrl}/sandbox/state`)).json()) as { limiter: string }).limiter).toBe('sliding-window');
  });

  it('counts in windows aligned to the clock when told to', async () => {
    const { call } = await setup({ limiter: 'fixed-window', readLimit: { limit: 3, periodMs: 1000, burst: 1 } });
    // Start just after a second begins, so that the three calls share its window.
    await sleep(1000 - (Date.now() % 1000) + 10);
    for (let i = 0; i < 3; i += 1) expect((await call()).status).toBe(200);
    const limited = await call();
    expect(limited.status).toBe(429);
    const ms = Number(limited.headers.get('retry-after-ms'));
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThan(1000);
    await sleep(ms + 5);
    for (let i = 0; i < 3; i += 1) expect((await call()).status).toBe(200);
  });

  it('does not limit the token endpoint', async () => {
    const { token } = await setup({ readLimit: { limit: 1, periodMs: 60_000, burst: 1 }, writeLimit: { limit: 1, periodMs: 60_000, burst: 1 } });
    for (let i = 0; i < 10; i += 1) await token();
  });
});
