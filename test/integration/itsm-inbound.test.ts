import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sandboxCalls, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { FAKE_CREDENTIALS, fixture, startFakeItsm, type FakeItsm, DESK_FIELD_PATHS } from '../helpers/fake-itsm.js';

/**
 * Ticket webhooks of each tool → case writes in the sandbox, through the real app, queue and
 * workers; the case id and the bridge's own comments go back to the fake service desk.
 */
const JIRA_SECRET = 'jira-webhook-secret-01';
const ZD_SECRET = 'zendesk-webhook-secret';
const SN_SECRET = 'servicenow-hmac-secret';
const DESK_TOKEN = 'acme-desk-bearer-token-0001';

let bridge: TestBridge;
let fake: FakeItsm;

beforeAll(async () => {
  fake = await startFakeItsm();
  bridge = await startTestBridge({
    routing: {
      itsm: {
        maxBodyBytes: 64 * 1024,
        connectors: {
          'acme-jira': {
            tool: 'jira',
            auth: { secret: JIRA_SECRET },
            defaults: { serviceId: 'SRV-40000001' },
            servicePath: 'payload.issue.fields.customfield_10050.value',
            outbound: { baseUrl: fake.baseUrl, ...FAKE_CREDENTIALS.jira },
          },
          'acme-zd': {
            tool: 'zendesk',
            auth: { secret: ZD_SECRET },
            defaults: { serviceId: 'SRV-40000001' },
            outbound: { baseUrl: fake.baseUrl, ...FAKE_CREDENTIALS.zendesk },
          },
          'acme-sn': {
            tool: 'servicenow',
            auth: { type: 'hmac', secret: SN_SECRET, header: 'x-sn-signature', encoding: 'base64' },
            servicePath: 'payload.u_expereo_service',
            outbound: { baseUrl: fake.baseUrl, ...FAKE_CREDENTIALS.servicenow },
          },
          'acme-desk': {
            tool: 'generic',
            label: 'AcmeDesk',
            auth: { type: 'bearer', token: DESK_TOKEN },
            defaults: { serviceId: 'SRV-40000001' },
            events: { created: ['ticket_created'], commented: ['note_added'] },
            fieldPaths: DESK_FIELD_PATHS,
            priorityMap: { urgent: 'P1' },
          },
        },
      },
    },
  });
});
afterAll(async () => {
  await bridge?.close();
  await fake?.close();
});

const hmac = (secret: string, ...parts: string[]) => parts.reduce((h, p) => h.update(p), createHmac('sha256', secret));

function jira(payload: Record<string, unknown>, opts: { deliveryId?: string; secret?: string; query?: string; timestamp?: number } = {}) {
  // Jira puts the time of the event in the signed body; the fixtures' times are long past.
  const body = JSON.stringify({ ...payload, timestamp: opts.timestamp ?? Date.now() });
  return bridge.app.inject({
    method: 'POST',
    url: `/webhooks/itsm/jira${opts.query ?? ''}`,
    payload: body,
    headers: {
      'content-type': 'application/json',
      'x-hub-signature': `sha256=${hmac(opts.secret ?? JIRA_SECRET, body).digest('hex')}`,
      'x-atlassian-webhook-identifier': opts.deliveryId ?? randomUUID(),
    },
  });
}

function zendesk(payload: Record<string, unknown>, opts: { timestamp?: string; invocation?: string } = {}) {
  const body = JSON.stringify(payload);
  const timestamp = opts.timestamp ?? new Date().toISOString();
  return bridge.app.inject({
    method: 'POST',
    url: '/webhooks/itsm/zendesk',
    payload: body,
    headers: {
      'content-type': 'application/json',
      'x-zendesk-webhook-signature': hmac(ZD_SECRET, timestamp, body).digest('base64'),
      'x-zendesk-webhook-signature-timestamp': timestamp,
      'x-zendesk-webhook-invocation-id': opts.invocation ?? randomUUID(),
    },
  });
}

async function caseOf(ref: string): Promise<string> {
  return eventually(() => bridge.core.outbox.caseIdForKey(ref));
}

async function caseWrites(caseId?: string) {
  const calls = await sandboxCalls(bridge.sandbox);
  return {
    creates: calls.filter((c) => c.method === 'POST' && c.path === '/v2/cases' && c.status === 201),
    messages: calls.filter((c) => c.method === 'POST' && c.path === `/v2/cases/${caseId}/case-messages` && c.status === 201),
    patches: calls.filter((c) => c.method === 'PATCH' && c.path === `/v2/cases/${caseId}` && c.status === 200),
  };
}

describe('Jira', () => {
  it('created → one case; the same delivery twice → still one case; a comment → a case message', async () => {
    const created = fixture('jira-issue-created');
    const deliveryId = randomUUID();
    const first = await jira(created, { deliveryId });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({
      status: 'queued',
      connector: 'acme-jira',
      ticketId: 'OPS-42',
      writes: [{ key: 'itsm:acme-jira:OPS-42', kind: 'create', status: 'queued' }],
    });

    const again = await jira(created, { deliveryId });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ status: 'duplicate', deliveryId });
    // Another delivery of the same ticket creation (Jira's webhook registered twice): the key dedups.
    const twin = await jira(created);
    expect(twin.json()).toMatchObject({ status: 'queued', writes: [{ status: 'duplicate' }] });

    const caseId = await caseOf('itsm:acme-jira:OPS-42');
    const { creates } = await caseWrites();
    const ours = creates.filter((c) => (c.body as { customerReference?: string }).customerReference === 'itsm:acme-jira:OPS-42');
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toMatchObject({ type: 'Incident', priority: 'P2', serviceId: 'SRV-40000001', startOfIncident: '2024-05-01T08:00:00.000Z' });
    expect(await bridge.core.sync.caseForLink('itsm:acme-jira:OPS-42')).toBe(caseId);

    const comment = await jira(fixture('jira-comment-created'));
    expect(comment.json()).toMatchObject({ status: 'queued', writes: [{ key: 'itsm:acme-jira:OPS-42:comment:10201', kind: 'message' }] });
    await eventually(async () => (await caseWrites(caseId)).messages.length === 1);
    const [message] = (await caseWrites(caseId)).messages;
    expect(message!.body).toEqual({ message: 'Mia Krystof (Jira): We rebooted the router at 10:15; the link is still down.' });
  });

  it('writes the case id back on the ticket once, and ignores that comment when Jira sends it back', async () => {
    const caseId = await caseOf('itsm:acme-jira:OPS-42');
    const note = await eventually(async () => fake.comments('jira', 'OPS-42').find((c) => c.text.includes(`expereo case ${caseId} was opened`)));
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/rest/api/3/issue/OPS-42/comment')).toHaveLength(1);

    const echo = fixture('jira-comment-created');
    echo.comment.id = note.id;
    echo.comment.body = note.text;
    const res = await jira(echo);
    expect(res.json()).toMatchObject({ status: 'ignored', reason: 'the comment was written by the bridge' });
    // Jira may render the bridge's comment differently (wiki markup, another id): the marker still tells.
    const rerendered = fixture('jira-comment-created');
    rerendered.comment.id = '99999';
    rerendered.comment.body = `*${note.text.replace(/\n+/g, ' ')}*`;
    expect((await jira(rerendered)).json()).toMatchObject({ status: 'ignored' });
  });

  it('updates the mapped fields of the case', async () => {
    const caseId = await caseOf('itsm:acme-jira:OPS-42');
    const res = await jira(fixture('jira-issue-updated'));
    expect(res.json()).toMatchObject({ status: 'queued', writes: [{ key: 'itsm:acme-jira:OPS-42:update:10300', kind: 'update' }] });
    await eventually(async () => (await caseWrites(caseId)).patches.length === 1);
    expect((await caseWrites(caseId)).patches[0]!.body).toEqual({ priority: 'P1' });
  });

  it('ignores a comment on a ticket that has no case', async () => {
    const orphan = fixture('jira-comment-created');
    orphan.issue.key = 'OPS-404';
    const res = await jira(orphan);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'ignored', reason: 'no expereo case for this ticket' });
  });
});

describe('Zendesk, ServiceNow and a generic tool', () => {
  it('Zendesk: created → case, comment → message, priority change → update', async () => {
    expect((await zendesk(fixture('zendesk-ticket-created'))).json()).toMatchObject({ status: 'queued', ticketId: '5158' });
    const caseId = await caseOf('itsm:acme-zd:5158');
    expect((await zendesk(fixture('zendesk-comment-added'))).json()).toMatchObject({
      status: 'queued',
      writes: [{ key: 'itsm:acme-zd:5158:comment:9876543210' }],
    });
    expect((await zendesk(fixture('zendesk-priority-changed'))).json()).toMatchObject({ status: 'queued', writes: [{ kind: 'update' }] });
    await eventually(async () => {
      const w = await caseWrites(caseId);
      return w.messages.length === 1 && w.patches.length === 1;
    });
    const w = await caseWrites(caseId);
    expect(w.messages[0]!.body).toEqual({ message: 'Jonas Weber (Zendesk): The backup 4G router took over at 08:20; bandwidth is limited.' });
    expect(w.patches[0]!.body).toEqual({ priority: 'P2' });
    await eventually(async () => fake.comments('zendesk', '5158').some((c) => c.text.includes(`expereo case ${caseId} was opened`)));
  });

  it('ServiceNow: HMAC in a configured header, service from a ticket field', async () => {
    const body = JSON.stringify(fixture('servicenow-incident-created'));
    const res = await bridge.app.inject({
      method: 'POST',
      url: '/webhooks/itsm/servicenow',
      payload: body,
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-sn-signature': hmac(SN_SECRET, body).digest('base64') },
    });
    expect(res.statusCode).toBe(202);
    const caseId = await caseOf('itsm:acme-sn:46d44a5fa9fe1981003c3b4e3a1e7f5a');
    const { creates } = await caseWrites();
    expect(
      creates.find((c) => (c.body as { customerReference?: string }).customerReference === 'itsm:acme-sn:46d44a5fa9fe1981003c3b4e3a1e7f5a')?.body,
    ).toMatchObject({ priority: 'P2', serviceId: 'SRV-40000001' });
    const note = await eventually(async () => fake.comments('servicenow', '46d44a5fa9fe1981003c3b4e3a1e7f5a')[0]);
    expect(note.text).toContain(`expereo case ${caseId} was opened`);
    expect(note.detail).toEqual({ element: 'work_notes', table: 'incident' });
  });

  it('a generic tool, mapped by field paths alone', async () => {
    const send = (payload: unknown) =>
      bridge.app.inject({
        method: 'POST',
        url: '/webhooks/itsm/generic/acme-desk',
        payload: payload as object,
        headers: { authorization: `Bearer ${DESK_TOKEN}` },
      });
    expect((await send(fixture('generic-ticket-created'))).json()).toMatchObject({ status: 'queued', ticketId: '7781' });
    const caseId = await caseOf('itsm:acme-desk:7781');
    expect((await send(fixture('generic-note-added'))).json()).toMatchObject({ status: 'queued', writes: [{ key: 'itsm:acme-desk:7781:comment:55012' }] });
    await eventually(async () => (await caseWrites(caseId)).messages.length === 1);
    expect((await caseWrites(caseId)).messages[0]!.body).toEqual({ message: 'Lena Hoffmann (AcmeDesk): The carrier opened ticket TT-99812 on their side.' });
    const { creates } = await caseWrites();
    expect(creates.find((c) => (c.body as { customerReference?: string }).customerReference === 'itsm:acme-desk:7781')?.body).toMatchObject({ priority: 'P1' });
  });
});

describe('bad input', () => {
  it('401 for a bad or missing signature, and for a stale delivery', async () => {
    expect((await jira(fixture('jira-issue-created'), { secret: 'not-the-secret-000' })).statusCode).toBe(401);
    const unsigned = await bridge.app.inject({ method: 'POST', url: '/webhooks/itsm/jira', payload: fixture('jira-issue-created') });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json()).toMatchObject({ error: 'unauthorized', message: 'delivery refused: missing signature' });
    const old = await jira(fixture('jira-issue-created'), { timestamp: Date.now() - 2 * 3600_000 });
    expect(old.json()).toMatchObject({ error: 'unauthorized', message: 'delivery refused: stale' });
    const staleZd = await zendesk(fixture('zendesk-ticket-created'), { timestamp: new Date(Date.now() - 10 * 60_000).toISOString() });
    expect(staleZd.statusCode).toBe(401);
    const wrongToken = await bridge.app.inject({
      method: 'POST',
      url: '/webhooks/itsm/generic/acme-desk',
      payload: {},
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrongToken.statusCode).toBe(401);
  });

  it('404 for an unknown connector', async () => {
    expect((await bridge.app.inject({ method: 'POST', url: '/webhooks/itsm/generic/nope', payload: {} })).statusCode).toBe(404);
    expect((await bridge.app.inject({ method: 'POST', url: '/webhooks/itsm/generic/acme-jira', payload: {} })).statusCode).toBe(404);
    const named = await jira(fixture('jira-issue-created'), { query: '?connector=acme-zd' });
    expect(named.statusCode).toBe(404);
    expect(named.json()).toMatchObject({ error: 'not_found', message: 'no jira connector named acme-zd' });
    expect((await jira(fixture('jira-comment-created'), { query: '?connector=acme-jira' })).statusCode).toBe(202);
  });

  it('400 with the validation issues as JSON', async () => {
    const payload = fixture('jira-issue-created');
    payload.issue.key = 'not a key';
    const res = await jira(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', issues: [{ path: 'issue.key', message: 'expected an issue key such as OPS-12' }] });

    const noService = fixture('servicenow-incident-created');
    delete noService.u_expereo_service;
    const body = JSON.stringify(noService);
    const sn = await bridge.app.inject({
      method: 'POST',
      url: '/webhooks/itsm/servicenow',
      payload: body,
      headers: { 'content-type': 'application/json', 'x-sn-signature': hmac(SN_SECRET, body).digest('base64') },
    });
    expect(sn.statusCode).toBe(400);
    expect(sn.json().issues).toEqual([{ path: 'serviceId', message: expect.stringContaining('no expereo service for this ticket') }]);

    const notJson = 'not json at all';
    const bad = await bridge.app.inject({
      method: 'POST',
      url: '/webhooks/itsm/jira',
      payload: notJson,
      headers: { 'content-type': 'application/json', 'x-hub-signature': `sha256=${hmac(JIRA_SECRET, notJson).digest('hex')}` },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ issues: [{ path: '(body)', message: 'not valid JSON' }] });
  });

  it('413 for an oversize body, 415 for one that is not JSON', async () => {
    const big = JSON.stringify({ webhookEvent: 'jira:issue_created', padding: 'x'.repeat(70 * 1024) });
    const res = await bridge.app.inject({ method: 'POST', url: '/webhooks/itsm/jira', payload: big, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'payload_too_large' });
    const form = await bridge.app.inject({
      method: 'POST',
      url: '/webhooks/itsm/jira',
      payload: 'a=b',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.statusCode).toBe(415);
  });
});
