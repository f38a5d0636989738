import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItsmState } from '../../src/itsm/itsm-state.js';
import { SinkError, type Delivery, type ReplySink } from '../../src/mirror/sink.js';
import type { Link } from '../../src/writes/catalog.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { FAKE_CREDENTIALS, startFakeItsm, type FakeItsm } from '../helpers/fake-itsm.js';

/** The reply sink against fake Jira, ServiceNow, Zendesk and callback servers over real HTTP. */
const CALLBACK_SECRET = 'callback-signing-secret';

let bridge: TestBridge;
let fake: FakeItsm;
let sink: ReplySink;

beforeAll(async () => {
  fake = await startFakeItsm();
  const inbound = { type: 'bearer', token: 'inbound-token-00000001' };
  bridge = await startTestBridge({
    workers: false,
    routing: {
      itsm: {
        connectors: {
          jira: { tool: 'jira', auth: { secret: 'jira-secret-0001' }, outbound: { baseUrl: fake.baseUrl, ...FAKE_CREDENTIALS.jira } },
          'jira-bad': {
            tool: 'jira',
            auth: { secret: 'jira-secret-0001' },
            outbound: { baseUrl: fake.baseUrl, email: FAKE_CREDENTIALS.jira.email, apiToken: 'wrong-token-secret' },
          },
          sn: { tool: 'servicenow', auth: inbound, outbound: { baseUrl: fake.baseUrl, ...FAKE_CREDENTIALS.servicenow } },
          'sn-public': {
            tool: 'servicenow',
            auth: inbound,
            outbound: { baseUrl: fake.baseUrl, ...FAKE_CREDENTIALS.servicenow, mode: 'comments', table: 'sn_customerservice_case' },
          },
          zd: { tool: 'zendesk', auth: { secret: 'zendesk-secret-01' }, outbound: { baseUrl: fake.baseUrl, ...FAKE_CREDENTIALS.zendesk, public: true } },
          desk: {
            tool: 'generic',
            auth: inbound,
            outbound: { callbackUrl: `${fake.baseUrl}/callback`, secret: CALLBACK_SECRET, headers: { 'x-tenant': 'acme' } },
          },
          silent: { tool: 'jira', auth: { secret: 'jira-secret-0001' } },
        },
      },
    },
  });
  sink = bridge.capabilities.itsm.sinks.find((s) => s.kind === 'itsm')!;
});
afterAll(async () => {
  await bridge?.close();
  await fake?.close();
});

const link = (connector: string, ticketId: string): Link => ({ id: `itsm:${connector}:${ticketId}`, kind: 'itsm', data: { connector, ticketId } });
let seq = 0;
const reply = (text: string, extra: Partial<Delivery> = {}): Delivery => ({
  id: `m-${++seq}`,
  caseId: '500123',
  kind: 'message',
  author: 'Ana Lopes',
  text,
  at: '2024-05-01T09:00:00.000Z',
  ...extra,
});
const posts = (path: string) => fake.requests.filter((r) => r.method !== 'GET' && r.path === path);

async function sinkError(p: Promise<unknown>): Promise<SinkError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SinkError);
  return err as SinkError;
}

describe('one comment per reply, per tool', () => {
  it('Jira: REST v3 comment with an ADF body, written once however often it is delivered', async () => {
    const d = reply('We see the loss on our side.\nA field engineer is on the way.');
    await sink.deliver(link('jira', 'OPS-7'), d);
    await sink.deliver(link('jira', 'OPS-7'), d);
    const [req, ...more] = posts('/rest/api/3/issue/OPS-7/comment');
    expect(more).toHaveLength(0);
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from(`${FAKE_CREDENTIALS.jira.email}:${FAKE_CREDENTIALS.jira.apiToken}`).toString('base64')}`);
    const body = req!.body as { body: { type: string; content: { type: string; content: { type: string; text?: string }[] }[] } };
    expect(body.body.type).toBe('doc');
    expect(body.body.content[0]!.content[0]).toEqual({ type: 'text', text: 'Ana Lopes replied on expereo case 500123:' });
    expect(body.body.content[1]!.content.map((n) => n.type)).toEqual(['text', 'hardBreak', 'text']);
    const [stored] = fake.comments('jira', 'OPS-7');
    expect(stored!.text).toMatch(/A field engineer is on the way\.\n\nexpereo-ref:[0-9a-f]{12}\n\n$/);

    await sink.deliver(link('jira', 'OPS-7'), reply('second reply'));
    expect(fake.comments('jira', 'OPS-7')).toHaveLength(2);
  });

  it('ServiceNow: Table API PATCH of work_notes, or comments when configured', async () => {
    const sysId = '46d44a5fa9fe1981003c3b4e3a1e7f5a';
    await sink.deliver(link('sn', sysId), reply('Work note please'));
    await sink.deliver(link('sn-public', sysId), reply('Visible to the caller'));
    const [notes] = posts(`/api/now/table/incident/${sysId}`);
    expect(notes!.method).toBe('PATCH');
    expect(notes!.query.get('sysparm_fields')).toBe('sys_id');
    expect(Object.keys(notes!.body as object)).toEqual(['work_notes']);
    const [comments] = posts(`/api/now/table/sn_customerservice_case/${sysId}`);
    expect(Object.keys(comments!.body as object)).toEqual(['comments']);
    expect((comments!.body as { comments: string }).comments).toContain('Visible to the caller');
  });

  it('Zendesk: a public ticket comment, whose id marks it as the bridge’s own', async () => {
    await sink.deliver(link('zd', '5158'), reply('Carrier confirmed the fault.'));
    const [req] = posts('/api/v2/tickets/5158.json');
    expect(req!.method).toBe('PUT');
    expect((req!.body as { ticket: { comment: { public: boolean; body: string } } }).ticket.comment).toMatchObject({
      public: true,
      body: expect.stringContaining('Carrier confirmed the fault.'),
    });
    const [stored] = fake.comments('zendesk', '5158');
    const state = new ItsmState(bridge.core.redis, bridge.core.keys.prefix);
    expect(await state.isEcho('zd', '5158', { id: stored!.id, text: 'rewritten by the tool' })).toBe(true);
    expect(await state.isEcho('zd', '5158', { id: '1', text: 'a person wrote this' })).toBe(false);
  });

  it('generic: a signed POST to the callback URL, with a stable idempotency key', async () => {
    const d = reply('Generic reply', { kind: 'status', text: 'status changed to Resolved', status: { from: 'In Progress', to: 'Resolved', closed: true } });
    fake.failNext({ status: 503 });
    const err = await sinkError(sink.deliver(link('desk', 'T-9'), d));
    expect(err.permanent).toBe(false);
    await sink.deliver(link('desk', 'T-9'), d);
    const [first, second] = posts('/callback');
    expect(first!.headers['idempotency-key']).toBe(second!.headers['idempotency-key']);
    expect(second!.headers['x-tenant']).toBe('acme');
    const ts = String(second!.headers['x-bridge-timestamp']);
    const expected = `sha256=${createHmac('sha256', CALLBACK_SECRET).update(`${ts}.${second!.raw}`).digest('hex')}`;
    expect(second!.headers['x-bridge-signature']).toBe(expected);
    expect(second!.body).toMatchObject({ type: 'status', connector: 'desk', ticketId: 'T-9', caseId: '500123', status: { to: 'Resolved', closed: true } });
    expect((second!.body as { text: string }).text).toMatch(/^expereo case 500123: status changed to Resolved\n\nexpereo-ref:/);
  });
});

describe('failures the delivery queue acts on', () => {
  it('429 carries Retry-After; 5xx may be retried; other 4xx are permanent', async () => {
    fake.failNext({ status: 429, retryAfter: '7' });
    const limited = await sinkError(sink.deliver(link('jira', 'OPS-8'), reply('a')));
    expect(limited).toMatchObject({ code: 'itsm_rate_limited', retryAfterMs: 7000, permanent: false });
    fake.failNext({ status: 500 });
    expect(await sinkError(sink.deliver(link('jira', 'OPS-8'), reply('b')))).toMatchObject({ code: 'itsm_unavailable', permanent: false });
    fake.failNext({ status: 408 });
    expect(await sinkError(sink.deliver(link('jira', 'OPS-8'), reply('c')))).toMatchObject({ permanent: false });
    fake.failNext({ status: 404 });
    expect(await sinkError(sink.deliver(link('jira', 'OPS-8'), reply('d')))).toMatchObject({ code: 'itsm_ticket_not_found', permanent: true });
    fake.failNext({ status: 400 });
    expect(await sinkError(sink.deliver(link('jira', 'OPS-8'), reply('e')))).toMatchObject({ code: 'itsm_rejected', permanent: true });
  });

  it('refused credentials are permanent and never appear in the error', async () => {
    const err = await sinkError(sink.deliver(link('jira-bad', 'OPS-9'), reply('x')));
    expect(err).toMatchObject({ code: 'itsm_unauthorized', permanent: true });
    expect(err.message).not.toContain('wrong-token-secret');
    expect(err.message).not.toContain(Buffer.from(`${FAKE_CREDENTIALS.jira.email}:wrong-token-secret`).toString('base64'));
  });

  it('a link to an unknown connector, or one without outbound settings, is permanent', async () => {
    expect(await sinkError(sink.deliver(link('gone', 'X-1'), reply('x')))).toMatchObject({ code: 'itsm_connector_unknown', permanent: true });
    expect(await sinkError(sink.deliver(link('silent', 'X-1'), reply('x')))).toMatchObject({ code: 'itsm_outbound_not_configured', permanent: true });
    expect(await sinkError(sink.deliver({ id: 'itsm:x', kind: 'itsm', data: {} }, reply('x')))).toMatchObject({ code: 'itsm_bad_link', permanent: true });
  });

  it.each([
    ['jira', 'OPS-10', '/rest/api/3/issue/OPS-10/comment', 'jira'],
    ['zd', '6001', '/api/v2/tickets/6001.json', 'zendesk'],
    ['sn', 'aa11bb22cc33dd44ee55ff6677889900', '/api/now/table/incident/aa11bb22cc33dd44ee55ff6677889900', 'servicenow'],
  ])('%s: a post whose answer was lost is found on the ticket, not written twice', async (connector, ticket, path, tool) => {
    const d = reply(`lost answer on ${connector}`);
    fake.failNext({ status: 502, afterEffect: true });
    expect(await sinkError(sink.deliver(link(connector, ticket), d))).toMatchObject({ permanent: false });
    expect(fake.comments(tool, ticket)).toHaveLength(1);
    await sink.deliver(link(connector, ticket), d);
    await sink.deliver(link(connector, ticket), d);
    expect(fake.comments(tool, ticket)).toHaveLength(1);
    expect(posts(path)).toHaveLength(1);
  });
});
