import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually, sandboxCalls, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { FAKE_BOT, interactive, messageEvent, SIGNING_SECRET, slashCommand, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';

const CHANNEL = 'C0CASES01';
const ACCOUNT = 'ACC-98000001';
const OTHER_ACCOUNT = 'ACC-98000002';
const PERSON = 'UPERSON01';

let slack: FakeSlack;
let bridge: TestBridge;

beforeAll(async () => {
  slack = await startFakeSlack();
  slack.users.set(PERSON, { name: 'ana', realName: 'Ana Silva' });
  bridge = await startTestBridge({
    env: {
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_API_URL: slack.apiUrl,
      MIRROR_SCAN_EVERY: '200ms',
      MIRROR_ACTIVE_INTERVAL: '200ms',
    },
    routing: { slack: { channels: [{ channel: CHANNEL, accountId: ACCOUNT }], caseUrlTemplate: 'https://portal.example/cases/{caseId}' } },
  });
});
afterAll(async () => {
  await bridge?.close();
  await slack?.close();
});
beforeEach(() => slack.clear());

/** Posts at channel level (mirrored replies go to threads, and may arrive at any time). */
const channelPosts = () => slack.calls('chat.postMessage').filter((c) => !c.params.thread_ts);

const metadata = JSON.stringify({ channel: CHANNEL, teamId: FAKE_BOT.teamId });

function submission(viewId: string, values: Record<string, Record<string, unknown>>) {
  return interactive({
    type: 'view_submission',
    team: { id: FAKE_BOT.teamId, domain: 'test' },
    user: { id: PERSON, username: 'ana', name: 'ana', team_id: FAKE_BOT.teamId },
    api_app_id: 'A0TEST01',
    trigger_id: 'trig-submit',
    view: { id: viewId, hash: `hash-${viewId}`, type: 'modal', callback_id: 'expereo_case_new', private_metadata: metadata, state: { values } },
  });
}

const startedAt = Math.floor(Date.now() / 1000) - 600;
const incident = (description: string) => ({
  type: { case_type: { type: 'static_select', selected_option: { value: 'Incident' } } },
  subject_incident: { subject: { type: 'static_select', selected_option: { value: 'ServiceDown' } } },
  priority_incident: { priority: { type: 'static_select', selected_option: { value: 'P2' } } },
  service: { service: { type: 'external_select', selected_option: { value: 'SRV-40000003' } } },
  site: { site: { type: 'external_select', selected_option: null } },
  description: { description: { type: 'plain_text_input', value: description } },
  start_of_incident: { start_of_incident: { type: 'datetimepicker', selected_date_time: startedAt } },
});

async function caseMessagesPosted(caseId: string): Promise<string[]> {
  return (await sandboxCalls(bridge.sandbox))
    .filter((c) => c.method === 'POST' && c.path === `/v2/cases/${caseId}/case-messages` && c.status === 201)
    .map((c) => (c.body as { message: string }).message);
}

/** A case opened through the modal: its id and its Slack thread. */
let opened: { caseId: string; threadTs: string } | undefined;

describe('opening a case from the modal', () => {
  it('creates the case with the submitted fields and updates the channel message with its id', async () => {
    const res = await bridge.app.inject(submission('V0CASE0001', incident('London office offline since the power cut')));
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');

    const posted = await eventually(async () => channelPosts()[0]);
    expect(posted.params.channel).toBe(CHANNEL);
    expect(posted.params.text).toMatch(/Case requested by <@UPERSON01>, queued, about \d+ s/);
    const update = await eventually(async () => slack.calls('chat.update').find((c) => /created/.test(c.params.text)));
    const threadTs = update.params.ts as string;

    const create = (await sandboxCalls(bridge.sandbox)).find((c) => c.method === 'POST' && c.path === '/v2/cases');
    expect(create?.status).toBe(201);
    const body = create!.body as Record<string, string>;
    expect(body).toMatchObject({
      type: 'Incident',
      subject: 'ServiceDown',
      priority: 'P2',
      serviceId: 'SRV-40000003',
      startOfIncident: new Date(startedAt * 1000).toISOString(),
    });
    expect(body.description).toContain('London office offline since the power cut');
    expect(body.siteId).toBeUndefined();

    const caseId = await bridge.core.sync.caseForLink(`slack:${CHANNEL}:${threadTs}`);
    expect(caseId).toBeTruthy();
    expect(update.params.channel).toBe(CHANNEL);
    expect(update.params.text).toContain(`<https://portal.example/cases/${caseId}|${caseId}>`);
    opened = { caseId: caseId!, threadTs };
  });

  it('tells the person directly when the app is not in the channel, and queues nothing', async () => {
    slack.failNext('chat.postMessage', { error: 'not_in_channel' });
    const res = await bridge.app.inject(submission('V0NOTIN001', incident('Cannot post here')));
    expect(res.statusCode).toBe(200);
    const dm = await eventually(async () => slack.calls('chat.postMessage').find((c) => c.params.channel === PERSON));
    expect(dm.params.text).toContain('Your case was not opened');
    expect(dm.params.text).toContain('/invite @expereo');
    expect(await bridge.core.outbox.entry(`slack:${FAKE_BOT.teamId}:view:V0NOTIN001`)).toBeUndefined();
  });

  it('shows invalid input next to its field and queues nothing', async () => {
    const values = {
      ...incident('x'),
      priority_incident: { priority: { type: 'static_select', selected_option: { value: 'P9' } } },
      start_of_incident: { start_of_incident: { type: 'datetimepicker', selected_date_time: Math.floor(Date.now() / 1000) + 3600 } },
      description: { description: { type: 'plain_text_input', value: '   ' } },
    };
    const res = await bridge.app.inject(submission('V0BAD00001', values));
    expect(res.statusCode).toBe(200);
    const body = res.json() as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors).sort()).toEqual(['description', 'priority_incident', 'start_of_incident']);
    expect(channelPosts()).toHaveLength(0);
  });

  it('refuses a service of another account when the account’s services are known', async () => {
    await bridge.core.redis.set(`${bridge.prefix}:slack:services:${ACCOUNT}`, JSON.stringify([{ id: 'SRV-40000003', name: 'Broadband' }]));
    const values = { ...incident('wrong service'), service: { service: { type: 'external_select', selected_option: { value: 'SRV-40000006' } } } };
    const res = await bridge.app.inject(submission('V0FOREIGN1', values));
    expect((res.json() as { errors: Record<string, string> }).errors).toHaveProperty('service');
  });

  it('makes one case of a submission delivered twice', async () => {
    const first = await bridge.app.inject(submission('V0TWICE001', incident('Submitted twice')));
    const second = await bridge.app.inject(submission('V0TWICE001', incident('Submitted twice')));
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    await eventually(async () => slack.calls('chat.update').find((c) => /created/.test(c.params.text)));
    expect(channelPosts()).toHaveLength(1);
    const creates = (await sandboxCalls(bridge.sandbox)).filter(
      (c) => c.method === 'POST' && c.path === '/v2/cases' && String((c.body as { description?: string }).description).includes('Submitted twice'),
    );
    expect(creates).toHaveLength(1);
  });
});

describe('the case thread', () => {
  it('sends a reply in the thread to the case as "Name (Slack): text", files as links', async () => {
    const { caseId, threadTs } = opened!;
    const res = await bridge.app.inject(
      messageEvent({
        channel: CHANNEL,
        user: PERSON,
        text: 'Still down, see <https://status.example/x|our status page> &amp; the photo',
        ts: '1700100000.000100',
        threadTs,
        eventId: 'Ev0REPLY01',
        extra: { subtype: 'file_share', files: [{ name: 'cpe.jpg', title: 'CPE lights', permalink: 'https://test.slack.com/files/U1/F1/cpe.jpg' }] },
      }),
    );
    expect(res.statusCode).toBe(200);
    const messages = await eventually(async () => {
      const m = await caseMessagesPosted(caseId);
      return m.length > 0 ? m : undefined;
    });
    expect(messages).toEqual([
      'Ana Silva (Slack): Still down, see our status page (https://status.example/x) & the photo\nFile: CPE lights https://test.slack.com/files/U1/F1/cpe.jpg',
    ]);
  });

  it('makes one case message of a retried delivery, and of the same message under a new event id', async () => {
    const { caseId, threadTs } = opened!;
    const reply = { channel: CHANNEL, user: PERSON, text: 'Retried reply', ts: '1700100001.000100', threadTs };
    expect((await bridge.app.inject(messageEvent({ ...reply, eventId: 'Ev0RETRY01' }))).statusCode).toBe(200);
    expect((await bridge.app.inject(messageEvent({ ...reply, eventId: 'Ev0RETRY01' }, { retryNum: 1 }))).statusCode).toBe(200);
    expect((await bridge.app.inject(messageEvent({ ...reply, eventId: 'Ev0RETRY02' }))).statusCode).toBe(200);
    await eventually(async () => (await caseMessagesPosted(caseId)).some((m) => m.includes('Retried reply')));
    // A later reply of the same thread goes out after anything queued before it.
    await bridge.app.inject(messageEvent({ channel: CHANNEL, user: PERSON, text: 'Marker', ts: '1700100002.000100', threadTs, eventId: 'Ev0MARKER1' }));
    const all = await eventually(async () => {
      const m = await caseMessagesPosted(caseId);
      return m.some((x) => x.includes('Marker')) ? m : undefined;
    });
    expect(all.join('\n').split('Retried reply').length - 1).toBe(1);
  });

  it('names a person Slack will not tell about by their user id, and does not ask again for each reply', async () => {
    const { caseId, threadTs } = opened!;
    const stranger = 'USTRANGER1';
    for (const [i, text] of ['First from a stranger', 'Second from a stranger'].entries()) {
      await bridge.app.inject(messageEvent({ channel: CHANNEL, user: stranger, text, ts: `1700100010.00010${i}`, threadTs, eventId: `Ev0STRANGE${i}` }));
      await eventually(async () => (await caseMessagesPosted(caseId)).some((m) => m === `${stranger} (Slack): ${text}`));
    }
    expect(slack.calls('users.info').filter((c) => c.params.user === stranger)).toHaveLength(1);
  });

  it('posts an expereo engineer’s reply in the thread with the engineer’s name', async () => {
    const { caseId, threadTs } = opened!;
    const res = await fetch(`${bridge.sandbox.baseUrl}/sandbox/cases/${caseId}/replies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'We see the outage <on our side>, engineer dispatched.', sentBy: 'Ravi Menon (expereo NOC)' }),
    });
    expect(res.status).toBe(201);
    const post = await eventually(async () =>
      slack.calls('chat.postMessage').find((c) => c.params.thread_ts === threadTs && String(c.params.text).includes('engineer dispatched')),
    );
    expect(post.params.channel).toBe(CHANNEL);
    expect(post.params.text).toBe('*Ravi Menon (expereo NOC)* (expereo): We see the outage &lt;on our side&gt;, engineer dispatched.');
    // The bridge's own messages to the case (the replies sent from Slack) are not mirrored back.
    const echoed = slack
      .calls('chat.postMessage')
      .filter((c) => c.params.thread_ts === threadTs && /Retried reply|Marker|Still down/.test(String(c.params.text)));
    expect(echoed).toEqual([]);
  });

  it('ignores the bot’s own posts, edits, and messages outside case threads', async () => {
    const { caseId, threadTs } = opened!;
    const before = (await caseMessagesPosted(caseId)).length;
    await bridge.app.inject(
      messageEvent({
        channel: CHANNEL,
        user: FAKE_BOT.userId,
        text: 'bot post',
        ts: '1700100003.000100',
        threadTs,
        eventId: 'Ev0BOT0001',
        extra: { bot_id: FAKE_BOT.botId },
      }),
    );
    await bridge.app.inject(
      messageEvent({ channel: CHANNEL, text: 'edited', ts: '1700100004.000100', threadTs, eventId: 'Ev0EDIT001', extra: { subtype: 'message_changed' } }),
    );
    await bridge.app.inject(
      messageEvent({ channel: CHANNEL, text: 'not a case thread', ts: '1700100005.000100', threadTs: '1600000000.000100', eventId: 'Ev0OTHER01' }),
    );
    await bridge.app.inject(messageEvent({ channel: CHANNEL, text: 'Marker two', ts: '1700100006.000100', threadTs, eventId: 'Ev0MARKER2' }));
    const all = await eventually(async () => {
      const m = await caseMessagesPosted(caseId);
      return m.some((x) => x.includes('Marker two')) ? m : undefined;
    });
    expect(all.slice(before).join('\n')).not.toMatch(/bot post|edited|not a case thread/);
    expect(await bridge.core.outbox.entry(`slack:${FAKE_BOT.teamId}:${CHANNEL}:1700100005.000100`)).toBeUndefined();
  });
});

describe('status, list and link', () => {
  async function someCase(accountId: string, open: boolean) {
    const page = await bridge.core.expereo.casesPage({ filter: { accountId }, limit: 100 });
    const closed = new Set(['Closed', 'Resolved', 'Cancelled']);
    return page.items.find((c) => closed.has(String(c.status)) !== open)!;
  }
  async function command(text: string, id: string) {
    const res = await bridge.app.inject(slashCommand({ text, channel: CHANNEL, user: PERSON, responseUrl: slack.responseUrl(id) }));
    expect(res.statusCode).toBe(200);
    return eventually(async () => slack.responses().find((r) => r.id === id)?.body as { response_type: string; text: string } | undefined);
  }

  it('shows the status of a case of the channel’s account, and not of another account', async () => {
    const mine = await someCase(ACCOUNT, true);
    const answer = await command(`status ${mine.caseId}`, 'status-mine');
    expect(answer.response_type).toBe('ephemeral');
    expect(answer.text).toContain(mine.caseId);
    expect(answer.text).toContain(String(mine.status));

    const theirs = await someCase(OTHER_ACCOUNT, true);
    const refused = await command(`status ${theirs.caseId}`, 'status-theirs');
    expect(refused.text).toContain('No case');
    expect(refused.text).not.toContain(String(theirs.subject));
  });

  it('lists the open cases of the channel’s account only', async () => {
    const answer = await command('list', 'list');
    const mine = await bridge.core.expereo.casesPage({ filter: { accountId: ACCOUNT }, limit: 100 });
    const theirs = await bridge.core.expereo.casesPage({ filter: { accountId: OTHER_ACCOUNT }, limit: 100 });
    for (const c of mine.items) {
      const shown = answer.text.includes(`|${c.caseId}>`);
      expect(shown, `${c.caseId} ${c.status}`).toBe(!['Closed', 'Resolved', 'Cancelled'].includes(String(c.status)));
    }
    for (const c of theirs.items) expect(answer.text).not.toContain(`|${c.caseId}>`);
  });

  it('links an existing case to a new thread; replies there reach the case', async () => {
    const mine = await someCase(ACCOUNT, true);
    const res = await bridge.app.inject(slashCommand({ text: `link ${mine.caseId}`, channel: CHANNEL, user: PERSON, responseUrl: slack.responseUrl('link') }));
    expect(res.statusCode).toBe(200);
    const root = await eventually(async () => channelPosts().find((c) => String(c.params.text).includes('linked case')));
    const threadTs = await eventually(async () => {
      const links = await bridge.core.sync.links(mine.caseId);
      return links.find((l) => l.kind === 'slack' && (l.data as { channel: string }).channel === CHANNEL)?.data.threadTs as string | undefined;
    });
    expect(root.params.channel).toBe(CHANNEL);

    await bridge.app.inject(
      messageEvent({ channel: CHANNEL, user: PERSON, text: 'Hello from the linked thread', ts: '1700200000.000100', threadTs, eventId: 'Ev0LINKED1' }),
    );
    await eventually(async () => (await caseMessagesPosted(mine.caseId)).includes('Ana Silva (Slack): Hello from the linked thread'));
  });

  it('does not link a case of another account', async () => {
    const theirs = await someCase(OTHER_ACCOUNT, true);
    const answer = await command(`link ${theirs.caseId}`, 'link-theirs');
    expect(answer.text).toContain('No case');
    expect(await bridge.core.sync.links(theirs.caseId)).toEqual([]);
    expect(channelPosts()).toHaveLength(0);
  });
});

describe('message shortcut', () => {
  const shortcut = (channel: string, responseId: string) =>
    interactive({
      type: 'message_action',
      callback_id: 'open_expereo_case',
      trigger_id: 'trig-shortcut',
      team: { id: FAKE_BOT.teamId, domain: 'test' },
      user: { id: PERSON, name: 'ana', team_id: FAKE_BOT.teamId },
      channel: { id: channel, name: 'ops' },
      message: { type: 'message', user: 'UOTHER001', ts: '1700300000.000100', text: 'Paris link is flapping &amp; dropping calls' },
      response_url: slack.responseUrl(responseId),
      message_ts: '1700300000.000100',
      action_ts: '1700300001.000000',
    });

  it('explains, ephemerally, that an unmapped channel cannot open cases', async () => {
    expect((await bridge.app.inject(shortcut('C0NOWHERE1', 'shortcut-unmapped'))).statusCode).toBe(200);
    const answer = await eventually(async () => slack.responses().find((r) => r.id === 'shortcut-unmapped')?.body);
    expect(answer).toMatchObject({ response_type: 'ephemeral' });
    expect(answer.text).toContain('not mapped to an expereo account');
    expect(slack.calls('views.open')).toHaveLength(0);
  });

  it('opens the modal prefilled with the message and a permalink to it', async () => {
    const res = await bridge.app.inject(shortcut(CHANNEL, 'shortcut'));
    expect(res.statusCode).toBe(200);
    const open = await eventually(async () => slack.calls('views.open')[0]);
    expect(open.params.trigger_id).toBe('trig-shortcut');
    const view = open.params.view as { private_metadata: string; blocks: { block_id: string; element: { initial_value?: string } }[] };
    const permalink = `https://test.slack.com/archives/${CHANNEL}/p1700300000000100`;
    expect(JSON.parse(view.private_metadata)).toEqual({ channel: CHANNEL, teamId: FAKE_BOT.teamId, source: permalink });
    const description = view.blocks.find((b) => b.block_id === 'description')!.element.initial_value;
    expect(description).toBe(`Paris link is flapping & dropping calls\n\nSlack message: ${permalink}`);
  });
});
