import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Intake } from '../../src/intake/intake.js';
import { SLACK_EVENTS_INTAKE, type SlackEventEntry } from '../../src/slack/event-intake.js';
import { slackLink } from '../../src/slack/links.js';
import { eventually, sandboxCalls, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { FAKE_BOT, messageEvent, SIGNING_SECRET, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { openRedis, withRedisDown } from '../helpers/redis.js';

const CHANNEL = 'C0INTAKE01';
const PERSON = 'UPERSON01';
let slack: FakeSlack;
let bridge: TestBridge;

beforeAll(async () => {
  slack = await startFakeSlack();
  slack.users.set(PERSON, { name: 'ana', realName: 'Ana Silva' });
  bridge = await startTestBridge({
    env: { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: slack.apiUrl },
    routing: { slack: { channels: [{ channel: CHANNEL, accountId: 'ACC-1001' }] } },
  });
});
afterAll(async () => {
  await bridge?.close();
  await slack?.close();
});

/** A case in the sandbox linked to a new thread of the channel. */
async function linkedThread(threadTs: string) {
  const kase = await bridge.core.expereo.createCase({
    type: 'Incident',
    subject: 'ServiceDown',
    priority: 'P3',
    serviceId: 'SRV-40000001',
    description: 'intake test',
    startOfIncident: new Date().toISOString(),
  });
  await bridge.core.sync.link(kase.caseId, slackLink(CHANNEL, threadTs));
  return kase.caseId;
}

async function caseMessages(caseId: string): Promise<string> {
  return (await sandboxCalls(bridge.sandbox))
    .filter((c) => c.method === 'POST' && c.path === `/v2/cases/${caseId}/case-messages` && c.status === 201)
    .map((c) => (c.body as { message: string }).message)
    .join('\n');
}

const reply = (threadTs: string, n: number, text: string) =>
  messageEvent({
    channel: CHANNEL,
    user: PERSON,
    text,
    ts: `${1700300000 + Number(threadTs.slice(-2)) * 100 + n}.000100`,
    threadTs,
    eventId: `Ev0INT${threadTs.slice(-4)}${n}`,
  });

describe('Slack events through the events intake', () => {
  it('answers at once and sends a thread’s replies to the case in the order they were written', async () => {
    const threadTs = '1700200000.000001';
    const caseId = await linkedThread(threadTs);
    for (let n = 1; n <= 12; n++) {
      const res = await bridge.app.inject(reply(threadTs, n, `Reply number ${n}.`));
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('');
    }
    const text = await eventually(async () => {
      const t = await caseMessages(caseId);
      return t.includes('Reply number 12.') ? t : undefined;
    });
    const order = [...text.matchAll(/Reply number (\d+)\./g)].map((m) => Number(m[1]));
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('takes a redelivered event in once', async () => {
    const threadTs = '1700200000.000002';
    const caseId = await linkedThread(threadTs);
    const first = reply(threadTs, 1, 'Only once, please.');
    expect((await bridge.app.inject(first)).statusCode).toBe(200);
    expect((await bridge.app.inject(reply(threadTs, 1, 'Only once, please.'))).statusCode).toBe(200);
    await bridge.app.inject(reply(threadTs, 2, 'Marker.'));
    const text = await eventually(async () => {
      const t = await caseMessages(caseId);
      return t.includes('Marker.') ? t : undefined;
    });
    expect(text.split('Only once, please.').length - 1).toBe(1);
  });

  it('answers 503 while Redis is away and takes the redelivery in', async () => {
    const threadTs = '1700200000.000003';
    const caseId = await linkedThread(threadTs);
    const down = await withRedisDown(bridge.core.redis, () => bridge.app.inject(reply(threadTs, 1, 'Sent while Redis was away.')));
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ error: 'queue_unavailable' });
    // Slack delivers it again; nothing was marked as seen by the failed attempt.
    expect((await bridge.app.inject(reply(threadTs, 1, 'Sent while Redis was away.'))).statusCode).toBe(200);
    await eventually(async () => (await caseMessages(caseId)).includes('Sent while Redis was away.'));
  });

  it('tries an event again when its listener fails for a passing reason', async () => {
    const threadTs = '1700200000.000004';
    const caseId = await linkedThread(threadTs);
    const other = await openRedis('slack-intake-test');
    try {
      const intake = new Intake<SlackEventEntry>(other, SLACK_EVENTS_INTAKE, bridge.core.keys.prefix);
      const body = JSON.parse(reply(threadTs, 1, 'Queued while the listener could not reach Redis.').payload as string);
      // The listeners' own connection is down when the worker first reads the entry.
      const id = await withRedisDown(bridge.core.redis, async () => {
        const entryId = await intake.append(`${FAKE_BOT.teamId}:${CHANNEL}`, { body });
        await eventually(async () =>
          (await bridge.core.metrics.intakeEntries.get()).values.some((v) => v.labels.intake === SLACK_EVENTS_INTAKE && v.labels.outcome === 'retry')
            ? true
            : undefined,
        );
        return entryId;
      });
      await eventually(async () => ((await intake.status(id)).status === 'handled' ? true : undefined));
      await eventually(async () => (await caseMessages(caseId)).includes('Queued while the listener could not reach Redis.'));
    } finally {
      other.disconnect();
    }
  });
});
