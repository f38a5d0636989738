import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';

let sb: RunningSandbox;

beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
});

async function tokenRequest(form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(sb.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function token(clientId = 'demo-client', clientSecret = 'demo-secret', scope?: string): Promise<string> {
  const { status, body } = await tokenRequest({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
    ...(scope ? { scope } : {}),
  });
  expect(status).toBe(200);
  return body.access_token as string;
}

async function get(path: string, bearer?: string): Promise<Response> {
  return fetch(`${sb.baseUrl}${path}`, { headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` } });
}

describe('token endpoint', () => {
  it('issues an opaque bearer token for valid client credentials', async () => {
    const { status, body } = await tokenRequest({ grant_type: 'client_credentials', client_id: sb.clientId, client_secret: sb.clientSecret });
    expect(status).toBe(200);
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    expect((body.access_token as string).length).toBeGreaterThanOrEqual(32);
    expect(sb.clientId).toBe('demo-client');
    expect(sb.tokenUrl).toBe(`${sb.baseUrl}/oauth2/token`);
    expect(sb.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('accepts the client id and secret as HTTP Basic auth', async () => {
    const basic = Buffer.from('demo-readonly:demo-readonly-secret').toString('base64');
    const { status, body } = await tokenRequest({ grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` });
    expect(status).toBe(200);
    const res = await get('/v2/accounts', body.access_token as string);
    expect(res.status).toBe(200);
  });

  it.each([
    [{ grant_type: 'client_credentials', client_id: 'demo-client', client_secret: 'wrong' }, 'invalid_client'],
    [{ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'demo-secret' }, 'invalid_client'],
    [{ grant_type: 'client_credentials', client_id: 'demo-client' }, 'invalid_request'],
    [{ client_id: 'demo-client', client_secret: 'demo-secret' }, 'invalid_request'],
    [{ grant_type: 'password', client_id: 'demo-client', client_secret: 'demo-secret' }, 'unsupported_grant_type'],
    [
      { grant_type: 'client_credentials', client_id: 'demo-readonly', client_secret: 'demo-readonly-secret', scope: 'customerapi/support.read-write' },
      'invalid_scope',
    ],
  ])('answers 400 %o with %s', async (form, error) => {
    const res = await tokenRequest(form);
    expect(res).toEqual({ status: 400, body: { error } });
  });

  it('rejects a wrong Basic secret with invalid_client, not 401', async () => {
    const basic = Buffer.from('demo-client:nope').toString('base64');
    expect(await tokenRequest({ grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` })).toEqual({
      status: 400,
      body: { error: 'invalid_client' },
    });
  });

  it('grants only the requested scopes', async () => {
    const basicOnly = await token('demo-client', 'demo-secret', 'customerapi/basic.read');
    expect((await get('/v2/accounts', basicOnly)).status).toBe(200);
    const res = await get('/v2/cases', basicOnly);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('bearer authentication', () => {
  it('answers 401 with a JSON body without a token or with an unknown one', async () => {
    for (const bearer of [undefined, 'not-a-token']) {
      const res = await get('/v2/accounts', bearer);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await res.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
    }
  });

  it('answers 401 once a token outlived its lifetime', async () => {
    const short = await startSandbox({ tokenLifetimeSeconds: 1 });
    try {
      const res = await fetch(short.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=${short.clientId}&client_secret=${short.clientSecret}`,
      });
      const body = (await res.json()) as { access_token: string; expires_in: number };
      expect(body.expires_in).toBe(1);
      const call = (): Promise<Response> => fetch(`${short.baseUrl}/v2/accounts`, { headers: { authorization: `Bearer ${body.access_token}` } });
      expect((await call()).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      const expired = await call();
      expect(expired.status).toBe(401);
      expect(await expired.json()).toMatchObject({ detail: 'The access token has expired' });
    } finally {
      await short.close();
    }
  });

  it('checks scopes per resource: read-only may read cases but not write them or read invoices', async () => {
    const ro = await token('demo-readonly', 'demo-readonly-secret');
    expect((await get('/v2/cases', ro)).status).toBe(200);
    expect((await get('/v2/invoices', ro)).status).toBe(403);
    const write = await fetch(`${sb.baseUrl}/v2/cases/CS-00001001/case-messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ro}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hello' }),
    });
    expect(write.status).toBe(403);
    expect(write.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await write.json()).toMatchObject({ status: 403, title: 'Forbidden' });
    const full = await token();
    expect((await get('/v2/invoices', full)).status).toBe(200);
    const inventory = await token('demo-inventory', 'demo-inventory-secret');
    expect((await get('/v2/cases', inventory)).status).toBe(403);
  });

  it('close() can be called twice', async () => {
    const other = await startSandbox();
    await Promise.all([other.close(), other.close()]);
    await other.close();
  });
});
