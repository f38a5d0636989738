import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { sandboxToken } from '../helpers/pipeline.js';

interface Envelope<T = Record<string, unknown>> {
  data: T[];
  metadata: { offset: number; limit: number; hasMore: boolean; total: number | null; sort: string[] };
  links: { self: string; next: string | null; previous: string | null };
}

let sb: RunningSandbox;
let bearer: string;

beforeAll(async () => {
  // Generous read limit: this file is about lists, not about rate limits.
  sb = await startSandbox({ seed: { extraCases: 1000 }, readLimit: { limit: 1000, periodMs: 1000, burst: 1000 } });
  bearer = await sandboxToken(sb, sb.clientId, sb.clientSecret);
});
afterAll(async () => {
  await sb.close();
});

async function get(pathOrUrl: string): Promise<Response> {
  const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${sb.baseUrl}${pathOrUrl}`;
  return fetch(url, { headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' } });
}

async function list<T = Record<string, unknown>>(pathOrUrl: string): Promise<Envelope<T>> {
  const res = await get(pathOrUrl);
  expect(res.status).toBe(200);
  return (await res.json()) as Envelope<T>;
}

describe('list envelope', () => {
  it('matches the onboarding guide, links included', async () => {
    const body = await list('/v2/accounts?sort=AccountId,-Name&filter[Name]=ACME%20Corporation%20HQ');
    expect(body).toEqual({
      data: [{ accountId: 'ACC-98000001', name: 'ACME Corporation HQ', legalName: 'ACME Corporation HQ' }],
      metadata: { offset: 0, limit: 25, hasMore: false, total: 1, sort: ['AccountId', '-Name'] },
      links: {
        self: `${sb.baseUrl}/v2/accounts?page%5Boffset%5D=0&page%5Blimit%5D=25&sort=AccountId%2C-Name&filter%5BName%5D=ACME%20Corporation%20HQ`,
        next: null,
        previous: null,
      },
    });
  });

  it('pages through more than 1,000 cases by following links.next', async () => {
    const seen = new Set<string>();
    let url: string | null = '/v2/cases?page[limit]=200';
    let pages = 0;
    let total: number | null = null;
    while (url !== null) {
      const page: Envelope<{ caseId: string }> = await list(url);
      for (const c of page.data) seen.add(c.caseId);
      expect(page.data.length).toBeLessThanOrEqual(200);
      total = page.metadata.total;
      expect(page.metadata.hasMore).toBe(page.links.next !== null);
      if (pages > 0) expect(page.links.previous).toContain('page%5Boffset%5D=');
      url = page.links.next;
      pages += 1;
    }
    expect(total).toBe(1020);
    expect(seen.size).toBe(1020);
    expect(pages).toBe(6);
  });

  it('builds next and previous links that keep sort and filters', async () => {
    const first = await list('/v2/cases?page[limit]=10&sort=-LastModifiedDate&filter[AccountId]=ACC-98000002');
    expect(first.links.previous).toBeNull();
    expect(first.links.next).toBe(`${sb.baseUrl}/v2/cases?page%5Boffset%5D=10&page%5Blimit%5D=10&sort=-LastModifiedDate&filter%5BAccountId%5D=ACC-98000002`);
    const second = await list(first.links.next ?? '');
    expect(second.metadata).toMatchObject({ offset: 10, limit: 10, sort: ['-LastModifiedDate'] });
    expect(second.links.previous).toBe(
      `${sb.baseUrl}/v2/cases?page%5Boffset%5D=0&page%5Blimit%5D=10&sort=-LastModifiedDate&filter%5BAccountId%5D=ACC-98000002`,
    );
    expect([...first.data, ...second.data].every((c) => c.accountId === 'ACC-98000002')).toBe(true);
  });
});

describe('sort and filter', () => {
  it('sorts descending by a PascalCase field, then by a second key', async () => {
    const body = await list<{ lastModifiedDate: string }>('/v2/cases?sort=-LastModifiedDate&page[limit]=200');
    const dates = body.data.map((c) => c.lastModifiedDate);
    expect(dates).toEqual([...dates].sort().reverse());
    const sites = await list<{ country: string; city: string }>('/v2/sites?sort=Country,-City&page[limit]=200');
    const keys = sites.data.map((s) => `${s.country}|${s.city}`);
    const expected = [...sites.data]
      .sort((a, b) => (a.country === b.country ? (a.city < b.city ? 1 : -1) : a.country < b.country ? -1 : 1))
      .map((s) => `${s.country}|${s.city}`);
    expect(keys).toEqual(expected);
  });

  it('filters with exact matches, several filters combined', async () => {
    const body = await list<{ status: string; type: string }>('/v2/cases?filter[Status]=New&filter[Type]=Incident&page[limit]=200');
    expect(body.data.length).toBeGreaterThan(0);
    expect(body.data.every((c) => c.status === 'New' && c.type === 'Incident')).toBe(true);
    expect(body.metadata.total).toBe(body.data.length);
    const ref = await list('/v2/cases?filter[CustomerReference]=INC0041233');
    expect(ref.data).toHaveLength(1);
    expect(ref.data[0]).toMatchObject({ caseId: 'CS-00001001', status: 'In Progress' });
  });

  it.each([
    ['/v2/cases?sort=Nope', 'sort'],
    ['/v2/cases?filter[Nope]=x', 'filter[Nope]'],
    ['/v2/cases?page[limit]=201', 'page[limit]'],
    ['/v2/cases?page[limit]=0', 'page[limit]'],
    ['/v2/cases?page[offset]=-1', 'page[offset]'],
    ['/v2/cases?page[offset]=abc', 'page[offset]'],
  ])('answers 400 problem+json for %s', async (path, field) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as { errors: { field: string }[] };
    expect(body).toMatchObject({ status: 400, title: 'Bad Request' });
    expect(body.errors.map((e) => e.field)).toContain(field);
  });

  it('accepts page[limit]=200 and returns an empty page past the end', async () => {
    expect((await list('/v2/cases?page[limit]=200')).data).toHaveLength(200);
    const past = await list('/v2/accounts?page[offset]=50');
    expect(past.data).toEqual([]);
    expect(past.metadata).toMatchObject({ offset: 50, hasMore: false, total: 4 });
  });
});

describe('resources', () => {
  it('wraps single resources in data and answers 404 problem+json for unknown ids', async () => {
    const res = await get('/v2/cases/CS-00001001');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Record<string, unknown> };
    expect(Object.keys(body.data).sort()).toEqual(
      [
        'accountId',
        'caseId',
        'createdDate',
        'customerReference',
        'description',
        'lastModifiedDate',
        'origin',
        'priority',
        'serviceId',
        'siteId',
        'startOfIncident',
        'status',
        'subject',
        'type',
      ].sort(),
    );
    for (const path of ['/v2/cases/CS-99999999', '/v2/accounts/ACC-0', '/v2/sites/x/services', '/v2/invoices/x/invoice-line-details', '/v2/nothing']) {
      const missing = await get(path);
      expect(missing.status, path).toBe(404);
      expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('serves every documented collection and nested list', async () => {
    const accounts = await list<{ accountId: string }>('/v2/accounts');
    expect(accounts.data.length).toBeGreaterThanOrEqual(3);
    const accountId = accounts.data[0]?.accountId ?? '';
    const sites = await list<{ siteId: string; accountId: string }>(`/v2/accounts/${accountId}/sites`);
    expect(sites.data.length).toBeGreaterThan(0);
    expect(sites.data.every((s) => s.accountId === accountId)).toBe(true);
    const services = await list<{ accountId: string }>(`/v2/accounts/${accountId}/services`);
    expect(services.data.every((s) => s.accountId === accountId)).toBe(true);
    const siteServices = await list<{ siteId: string }>(`/v2/sites/${sites.data[0]?.siteId ?? ''}/services`);
    expect(siteServices.data.length).toBeGreaterThan(0);
    const messages = await list<{ timestamp: string; type: string }>('/v2/cases/CS-00001001/case-messages');
    expect(messages.data.length).toBeGreaterThanOrEqual(2);
    const stamps = messages.data.map((m) => m.timestamp);
    expect(stamps).toEqual([...stamps].sort());
    expect(messages.data.some((m) => m.type === 'Support')).toBe(true);
    const invoices = await list<{ invoiceId: string; totalAmount: number }>('/v2/invoices');
    const first = invoices.data[0];
    const lines = await list<{ amount: number }>(`/v2/invoices/${first?.invoiceId ?? ''}/invoice-line-details`);
    expect(lines.data.reduce((sum, l) => sum + l.amount, 0)).toBeCloseTo(first?.totalAmount ?? -1);
    const clients = await list<{ apiClientId: string }>('/v2/api-clients');
    expect(clients.data.map((c) => c.apiClientId)).toContain('demo-client');
    expect(JSON.stringify(clients.data)).not.toContain('secret');
  });

  it('seeds the same data on every start', async () => {
    const again = await startSandbox({ seed: { extraCases: 1000 } });
    try {
      const res = await fetch(again.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=${again.clientId}&client_secret=${again.clientSecret}`,
      });
      const token = ((await res.json()) as { access_token: string }).access_token;
      const page = async (base: string, auth: string): Promise<unknown> =>
        ((await (await fetch(`${base}/v2/cases?page[offset]=500&page[limit]=50`, { headers: { authorization: `Bearer ${auth}` } })).json()) as Envelope).data;
      expect(await page(again.baseUrl, token)).toEqual(await page(sb.baseUrl, bearer));
    } finally {
      await again.close();
    }
  });
});
