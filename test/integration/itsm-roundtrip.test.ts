import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sandboxCalls, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { FAKE_CREDENTIALS, fixture, startFakeItsm, type FakeItsm } from '../helpers/fake-itsm.js';

/**
 * Both directions through the whole bridge: a Jira ticket becomes a case, an expereo engineer's
 * reply (sandbox hook → reply poller → ITSM sink) becomes one comment on the ticket, and neither
 * side's own writes come back as echoes.
 */
const SECRET = 'jira-webhook-secret-02';
let bridge: TestBridge;
let fake: FakeItsm;

beforeAll(async () => {
  fake = await startFakeItsm();
  bridge = await startTestBridge({
    env: { MIRROR_SCAN_EVERY: '200ms', MIRROR_ACTIVE_INTERVAL: '200ms' },
    routing: {
      itsm: {
        connectors: {
          ops: {
            tool: 'jira',
            auth: { secret: SECRET },
            servicePath: 'payload.issue.fields.customfield_10050.value',
            outbound: { baseUrl: fake.baseUrl, ...FAKE_CREDENTIALS.jira },
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

function jira(payload: Record<string, unknown>) {
  const body = JSON.stringify({ ...payload, timestamp: Date.now() });
  return bridge.app.inject({
    method: 'POST',
    url: '/webhooks/itsm/jira',
    payload: body,
    headers: {
      'content-type': 'application/json',
      'x-hub-signature': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
      'x-atlassian-webhook-identifier': randomUUID(),
    },
  });
}

/** Lets the poller run a few more scans: a late or repeated delivery would show by then. */
async function settle(): Promise<void> {
  const scans = async () => (await sandboxCalls(bridge.sandbox)).filter((c) => c.method === 'GET' && c.path.startsWith('/v2/cases')).length;
  const before = await scans();
  await eventually(async () => (await scans()) >= before + 4);
}

describe('Jira ⇄ expereo', () => {
  it("an engineer's reply becomes one comment on the ticket; nothing echoes back", async () => {
    const created = fixture('jira-issue-created');
    created.issue.key = 'NET-5';
    expect((await jira(created)).statusCode).toBe(202);
    const caseId = await eventually(() => bridge.core.outbox.caseIdForKey('itsm:ops:NET-5'));
    await eventually(async () => fake.comments('jira', 'NET-5').length === 1);

    // A person comments on the ticket: it reaches the case, and must not be mirrored back to the ticket.
    const comment = fixture('jira-comment-created');
    comment.issue.key = 'NET-5';
    expect((await jira(comment)).json()).toMatchObject({ status: 'queued' });
    await eventually(async () => (await bridge.core.outbox.entry('itsm:ops:NET-5:comment:10201'))?.status === 'done');

    const res = await fetch(`${bridge.sandbox.baseUrl}/sandbox/cases/${caseId}/replies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Our field engineer is on site and splicing the fibre.', sentBy: 'Ravi Menon (expereo NOC)' }),
    });
    expect(res.status).toBe(201);
    const posted = await eventually(async () => fake.comments('jira', 'NET-5').find((c) => c.text.includes('splicing the fibre')));
    expect(posted.text).toContain(`Ravi Menon (expereo NOC) replied on expereo case ${caseId}:`);

    await settle();
    const texts = fake.comments('jira', 'NET-5').map((c) => c.text);
    expect(texts).toHaveLength(2);
    expect(texts.filter((t) => t.includes('splicing the fibre'))).toHaveLength(1);
    expect(texts.some((t) => t.includes('We rebooted the router'))).toBe(false);

    // Jira tells the bridge about the comment it just wrote: no case message comes of it.
    const echo = fixture('jira-comment-created');
    echo.issue.key = 'NET-5';
    echo.comment.id = posted.id;
    echo.comment.body = posted.text;
    expect((await jira(echo)).json()).toMatchObject({ status: 'ignored', reason: 'the comment was written by the bridge' });
    const messages = (await sandboxCalls(bridge.sandbox)).filter((c) => c.method === 'POST' && c.path === `/v2/cases/${caseId}/case-messages`);
    expect(messages).toHaveLength(1);

    // The case's timeline in the journal tells the same story, joined by the ticket and the case.
    const { meta, events } = await eventually(async () => {
      const t = await bridge.core.journal.store.timeline(`c:${caseId}`);
      return t.events.some((e) => e.type === 'delivered') ? t : undefined;
    });
    expect(meta).toMatchObject({ caseId, ticket: 'NET-5', connector: 'ops', tool: 'jira', status: 'open' });
    expect(events.map((e) => e.type)).toEqual(['queued', 'sent', 'queued', 'sent', 'reply', 'delivered']);
    const story = events.map((e) => e.text);
    expect(story[0]).toMatch(/^case create .* from jira ticket NET-5 queued in lane/);
    expect(story[1]).toMatch(new RegExp(`sent upstream as create \\(201\\): case ${caseId}$`));
    expect(story[3]).toMatch(/^message by .* via Jira sent upstream as message/);
    expect(story[4]).toBe('engineer reply by Ravi Menon (expereo NOC) found; to itsm:ops:NET-5');
    expect(story[5]).toBe('reply delivered to itsm:ops:NET-5');
  });

  it('a create expereo refuses is reported on the ticket, once', async () => {
    const created = fixture('jira-issue-created');
    created.issue.key = 'NET-6';
    created.issue.fields.customfield_10050.value = 'SRV-99999999';
    expect((await jira(created)).json()).toMatchObject({ status: 'queued' });
    const note = await eventually(async () => fake.comments('jira', 'NET-6')[0]);
    expect(note.text).toContain('The bridge could not open an expereo case for this ticket:');
    expect(note.text).toContain('serviceId');
    await eventually(async () => (await bridge.core.outbox.entry('itsm:ops:NET-6'))?.status === 'dead');
    await settle();
    expect(fake.comments('jira', 'NET-6')).toHaveLength(1);
  });
});
