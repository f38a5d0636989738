import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { sandboxToken } from '../helpers/pipeline.js';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors: { field: string; message: string }[];
}
type CaseBody = Record<string, string | null>;

let sb: RunningSandbox;
let bearer: string;

beforeAll(async () => {
  // Writes are limited to 3 in a burst by default; this file is about validation, not limits.
  sb = await startSandbox({ writeLimit: { limit: 1000, periodMs: 1000, burst: 1000 } });
  bearer = await sandboxToken(sb, sb.clientId, sb.clientSecret);
});
afterAll(async () => {
  await sb.close();
});

async function send(method: string, path: string, body?: unknown, raw?: string): Promise<{ status: number; type: string; json: any }> {
  const res = await fetch(`${sb.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: await res.json() };
}

const incident = {
  type: 'Incident',
  subject: 'ServiceDown',
  priority: 'P1',
  serviceId: 'SRV-40000003',
  description: 'London office offline since 09:00 UTC.',
  startOfIncident: '2025-03-05T09:00:00Z',
  customerReference: 'BRIDGE-42',
};

describe('POST /v2/cases', () => {
  it('creates a New case from the service, with the description as its first message', async () => {
    const before = Date.now();
    const res = await send('POST', '/v2/cases', incident);
    expect(res.status).toBe(201);
    const kase = res.json.data as CaseBody;
    expect(kase).toMatchObject({
      caseId: expect.stringMatching(/^CS-\d{8}$/),
      accountId: 'ACC-98000001',
      siteId: 'SITE-100102',
      status: 'New',
      type: 'Incident',
      subject: 'ServiceDown',
      priority: 'P1',
      customerReference: 'BRIDGE-42',
      origin: 'API',
      startOfIncident: '2025-03-05T09:00:00.000Z',
    });
    expect(Date.parse(kase.createdDate ?? '')).toBeGreaterThanOrEqual(before - 5);
    expect(kase.lastModifiedDate).toBe(kase.createdDate);
    const read = await send('GET', `/v2/cases/${kase.caseId}`);
    expect(read.json.data).toEqual(kase);
    const messages = await send('GET', `/v2/cases/${kase.caseId}/case-messages`);
    expect(messages.json.data).toEqual([
      { caseMessageId: expect.any(String), message: incident.description, type: 'Customer', sentBy: 'Demo Bridge', timestamp: kase.createdDate },
    ]);
  });

  it.each([
    ['malformed JSON', undefined, '{"type":'],
    ['a body that is not an object', undefined, '["x"]'],
    ['a wrong type', { ...incident, priority: 1 }, undefined],
    ['an unknown field', { ...incident, colour: 'red' }, undefined],
    ['a missing field', { type: 'Incident' }, undefined],
    ['no body', undefined, undefined],
  ])('answers 400 problem+json for %s', async (_what, body, raw) => {
    const { state: before } = await state();
    const res = await send('POST', '/v2/cases', body, raw);
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(res.json).toMatchObject({ status: 400, title: 'Bad Request', type: expect.any(String), detail: expect.any(String) });
    expect((await state()).state.cases).toBe(before.cases);
  });

  it('names the offending fields in a 400', async () => {
    const res = await send('POST', '/v2/cases', { ...incident, priority: 1, colour: 'red' });
    expect((res.json as Problem).errors.map((e) => e.field).sort()).toEqual(['colour', 'priority']);
  });

  it.each([
    [{ serviceId: 'SRV-00000000' }, ['serviceId']],
    [{ type: 'Complaint' }, ['type']],
    [{ subject: 'ChangeRequest' }, ['subject']],
    [{ type: 'General Request', subject: 'ChangeRequest', priority: 'P1', startOfIncident: null }, ['priority']],
    [{ startOfIncident: null }, ['startOfIncident']],
    [{ startOfIncident: '5 March 2025' }, ['startOfIncident']],
    [{ startOfIncident: '2025-03-05' }, ['startOfIncident']],
    [{ description: '  ' }, ['description']],
    [{ siteId: 'SITE-nope' }, ['siteId']],
    [{ subject: 'Other', priority: 'P9' }, ['priority', 'subject']],
  ])('answers 422 with field errors for %o', async (change, fields) => {
    const { state: before } = await state();
    const res = await send('POST', '/v2/cases', { ...incident, ...change });
    expect(res.status).toBe(422);
    expect(res.type).toMatch(/^application\/problem\+json/);
    const problem = res.json as Problem;
    expect(problem).toMatchObject({ status: 422, title: 'Unprocessable Entity' });
    expect(problem.errors.map((e) => e.field).sort()).toEqual(fields);
    expect(problem.errors.every((e) => e.message.length > 0)).toBe(true);
    expect((await state()).state.cases).toBe(before.cases);
  });

  it('creates a general request without startOfIncident', async () => {
    const res = await send('POST', '/v2/cases', {
      type: 'General Request',
      subject: 'InformationRequest',
      priority: 'P4',
      serviceId: 'SRV-40000010',
      siteId: 'SITE-100107',
      description: 'Which IP block?',
    });
    expect(res.status).toBe(201);
    expect(res.json.data).toMatchObject({ startOfIncident: null, customerReference: null, siteId: 'SITE-100107', accountId: 'ACC-98000003' });
  });
});

describe('PATCH /v2/cases/{id} and case messages', () => {
  it('updates fields and moves lastModifiedDate forward on every write', async () => {
    const created = (await send('POST', '/v2/cases', incident)).json.data as CaseBody;
    const patched = await send('PATCH', `/v2/cases/${created.caseId}`, { priority: 'P2', status: 'In Progress', customerReference: 'BRIDGE-43' });
    expect(patched.status).toBe(200);
    expect(patched.json.data).toMatchObject({ caseId: created.caseId, priority: 'P2', status: 'In Progress', customerReference: 'BRIDGE-43' });
    expect((patched.json.data as CaseBody).lastModifiedDate! > created.lastModifiedDate!).toBe(true);

    const msg = await send('POST', `/v2/cases/${created.caseId}/case-messages`, { message: 'Router rebooted, still down.' });
    expect(msg.status).toBe(201);
    expect(msg.json.data).toEqual({
      caseMessageId: expect.any(String),
      message: 'Router rebooted, still down.',
      type: 'Customer',
      sentBy: 'Demo Bridge',
      timestamp: expect.any(String),
    });
    const after = (await send('GET', `/v2/cases/${created.caseId}`)).json.data as CaseBody;
    expect(after.lastModifiedDate).toBe(msg.json.data.timestamp);
    expect(after.lastModifiedDate! > (patched.json.data as CaseBody).lastModifiedDate!).toBe(true);
    const found = await send('GET', `/v2/cases?filter[CustomerReference]=BRIDGE-43`);
    expect(found.json.data.map((c: CaseBody) => c.caseId)).toEqual([created.caseId]);
  });

  it('validates patches and messages', async () => {
    const id = 'CS-00001002';
    expect((await send('PATCH', '/v2/cases/CS-99999999', { priority: 'P3' })).status).toBe(404);
    expect((await send('PATCH', `/v2/cases/${id}`, {})).status).toBe(400);
    expect((await send('PATCH', `/v2/cases/${id}`, { caseId: 'CS-1' })).status).toBe(400);
    const bad = await send('PATCH', `/v2/cases/${id}`, { status: 'Sleeping', priority: 'P0' });
    expect(bad.status).toBe(422);
    expect((bad.json as Problem).errors.map((e) => e.field).sort()).toEqual(['priority', 'status']);
    const empty = await send('POST', `/v2/cases/${id}/case-messages`, { message: ' ' });
    expect(empty.status).toBe(422);
    expect((empty.json as Problem).errors).toEqual([{ field: 'message', message: expect.any(String) }]);
    expect((await send('POST', `/v2/cases/${id}/case-messages`, { message: 'x', extra: 1 })).status).toBe(400);
    expect((await send('POST', '/v2/cases/CS-99999999/case-messages', { message: 'x' })).status).toBe(404);
  });
});

async function state(): Promise<{ state: { cases: number; messages: number } }> {
  const res = await fetch(`${sb.baseUrl}/sandbox/state`);
  return { state: (await res.json()) as { cases: number; messages: number } };
}
