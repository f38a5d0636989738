import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { FAKE_BOT, interactive, signed, SIGNING_SECRET, slashCommand, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';

const CHANNEL = 'C0CASES01';
const UNMAPPED = 'C0NOWHERE1';
const ACCOUNT = 'ACC-98000001';

let slack: FakeSlack;
let bridge: TestBridge;

beforeAll(async () => {
  slack = await startFakeSlack();
  bridge = await startTestBridge({
    workers: false,
    env: { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: slack.apiUrl },
    routing: { slack: { channels: [{ channel: CHANNEL, accountId: ACCOUNT, defaultServiceId: 'SRV-40000001' }] } },
  });
});
afterAll(async () => {
  await bridge?.close();
  await slack?.close();
});
beforeEach(() => slack.clear());

type Block = {
  block_id: string;
  type: string;
  element: { type: string; action_id: string; options?: { value: string }[]; initial_option?: { value: string }; initial_value?: string };
};

describe('Slack transport', () => {
  it('refuses a bad signature with 401', async () => {
    const req = slashCommand({ text: '', channel: CHANNEL, responseUrl: slack.responseUrl('bad') });
    const res = await bridge.app.inject({ ...req, headers: { ...req.headers, 'x-slack-signature': `v0=${'0'.repeat(64)}` } });
    expect(res.statusCode).toBe(401);
    expect(slack.calls('views.open')).toHaveLength(0);
  });

  it('refuses a body signed with another secret, or changed after signing', async () => {
    const other = signed({ form: { command: '/case', text: '' } }, { secret: 'another-secret' });
    expect((await bridge.app.inject(other)).statusCode).toBe(401);
    const req = slashCommand({ text: 'help', channel: CHANNEL, responseUrl: slack.responseUrl('x') });
    expect((await bridge.app.inject({ ...req, payload: req.payload.replace('help', 'list') })).statusCode).toBe(401);
  });

  it('refuses a stale timestamp with 401, even when correctly signed', async () => {
    const stale = signed({ form: { command: '/case', text: 'help' } }, { timestampS: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect((await bridge.app.inject(stale)).statusCode).toBe(401);
    const future = signed({ form: { command: '/case', text: 'help' } }, { timestampS: Math.floor(Date.now() / 1000) + 6 * 60 });
    expect((await bridge.app.inject(future)).statusCode).toBe(401);
  });

  it('refuses a request without signature headers', async () => {
    const res = await bridge.app.inject({ method: 'POST', url: '/slack/events', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(res.statusCode).toBe(401);
  });

  it('answers the URL verification handshake', async () => {
    const res = await bridge.app.inject(signed({ json: { type: 'url_verification', token: 't', challenge: 'abc123' } }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ challenge: 'abc123' });
  });

  it('refuses other content types with 415', async () => {
    const req = signed({ json: { type: 'event_callback' } });
    const res = await bridge.app.inject({ ...req, headers: { ...req.headers, 'content-type': 'text/plain' } });
    expect(res.statusCode).toBe(415);
  });
});

describe('/case', () => {
  it('opens the case modal with the right blocks', async () => {
    const res = await bridge.app.inject(slashCommand({ text: '', channel: CHANNEL, responseUrl: slack.responseUrl('new'), triggerId: 'trig-new' }));
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    const open = await eventually(async () => slack.calls('views.open')[0]);
    expect(open.params.trigger_id).toBe('trig-new');
    const view = open.params.view as { callback_id: string; private_metadata: string; blocks: Block[] };
    expect(view.callback_id).toBe('expereo_case_new');
    expect(JSON.parse(view.private_metadata)).toEqual({ channel: CHANNEL, teamId: FAKE_BOT.teamId });
    const byId = Object.fromEntries(view.blocks.map((b) => [b.block_id, b]));
    expect(Object.keys(byId)).toEqual(['type', 'subject_incident', 'priority_incident', 'service', 'site', 'description', 'start_of_incident']);
    expect(byId.type!.element.initial_option?.value).toBe('Incident');
    expect(byId.subject_incident!.element.options?.map((o) => o.value)).toEqual(['RfoRequest', 'ServiceDegradation', 'ServiceIntermittent', 'ServiceDown']);
    expect(byId.priority_incident!.element.options?.map((o) => o.value)).toEqual(['P1', 'P2', 'P3', 'P4', 'P5']);
    expect(byId.service!.element.type).toBe('external_select');
    expect(byId.service!.element.initial_option?.value).toBe('SRV-40000001');
    expect(byId.start_of_incident!.element.type).toBe('datetimepicker');
  });

  it('explains, ephemerally, that an unmapped channel cannot open cases', async () => {
    const res = await bridge.app.inject(slashCommand({ text: 'new', channel: UNMAPPED, responseUrl: slack.responseUrl('unmapped') }));
    expect(res.statusCode).toBe(200);
    const body = res.json() as { response_type: string; text: string };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('not mapped to an expereo account');
    expect(body.text).toContain(UNMAPPED);
    expect(slack.calls('views.open')).toHaveLength(0);
  });

  it('answers help, and anything else, with the help text', async () => {
    for (const text of ['help', 'frobnicate now']) {
      const res = await bridge.app.inject(slashCommand({ text, channel: CHANNEL, responseUrl: slack.responseUrl('help') }));
      const body = res.json() as { response_type: string; text: string };
      expect(body.response_type).toBe('ephemeral');
      expect(body.text).toContain('/case status <case id>');
    }
  });

  it('redraws the modal for General Request when the type changes', async () => {
    const view = {
      id: 'V0TYPE0001',
      hash: 'h1',
      private_metadata: JSON.stringify({ channel: CHANNEL, teamId: FAKE_BOT.teamId }),
      callback_id: 'expereo_case_new',
      type: 'modal',
      state: { values: {} },
    };
    const res = await bridge.app.inject(
      interactive({
        type: 'block_actions',
        team: { id: FAKE_BOT.teamId },
        user: { id: 'UPERSON01', name: 'ana', team_id: FAKE_BOT.teamId },
        api_app_id: 'A0TEST01',
        trigger_id: 'trig-type',
        view,
        actions: [
          {
            type: 'static_select',
            action_id: 'case_type',
            block_id: 'type',
            selected_option: { value: 'General Request', text: { type: 'plain_text', text: 'General Request' } },
            action_ts: '1',
          },
        ],
      }),
    );
    expect(res.statusCode).toBe(200);
    const update = await eventually(async () => slack.calls('views.update')[0]);
    expect(update.params).toMatchObject({ view_id: 'V0TYPE0001', hash: 'h1' });
    const blocks = (update.params.view as { blocks: Block[] }).blocks;
    expect(blocks.map((b) => b.block_id)).toEqual(['type', 'subject_general', 'priority_general', 'service', 'site', 'description']);
    expect(blocks[2]!.element.options?.map((o) => o.value)).toEqual(['P3', 'P4', 'P5']);
  });

  it('serves the service picker with the channel account’s services only', async () => {
    const res = await bridge.app.inject(
      interactive({
        type: 'block_suggestion',
        action_id: 'service',
        block_id: 'service',
        value: '',
        team: { id: FAKE_BOT.teamId },
        user: { id: 'UPERSON01', name: 'ana', team_id: FAKE_BOT.teamId },
        api_app_id: 'A0TEST01',
        view: {
          id: 'V0OPTS0001',
          type: 'modal',
          callback_id: 'expereo_case_new',
          private_metadata: JSON.stringify({ channel: CHANNEL, teamId: FAKE_BOT.teamId }),
        },
      }),
    );
    expect(res.statusCode).toBe(200);
    const values = (res.json() as { options: { value: string }[] }).options.map((o) => o.value);
    expect(values).toEqual(['SRV-40000001', 'SRV-40000002', 'SRV-40000003', 'SRV-40000004', 'SRV-40000005']);

    // A search narrows it, and is answered from the cache: no further read reaches expereo.
    const before = (await fetch(`${bridge.sandbox.baseUrl}/sandbox/calls`).then((r) => r.json())) as { calls: unknown[] };
    const search = await bridge.app.inject(
      interactive({
        type: 'block_suggestion',
        action_id: 'service',
        block_id: 'service',
        value: 'backup',
        team: { id: FAKE_BOT.teamId },
        user: { id: 'UPERSON01', name: 'ana', team_id: FAKE_BOT.teamId },
        view: {
          id: 'V0OPTS0001',
          type: 'modal',
          callback_id: 'expereo_case_new',
          private_metadata: JSON.stringify({ channel: CHANNEL, teamId: FAKE_BOT.teamId }),
        },
      }),
    );
    expect((search.json() as { options: { value: string }[] }).options.map((o) => o.value)).toEqual(['SRV-40000002', 'SRV-40000005']);
    const after = (await fetch(`${bridge.sandbox.baseUrl}/sandbox/calls`).then((r) => r.json())) as { calls: unknown[] };
    expect(after.calls.length).toBe(before.calls.length);
  });
});
