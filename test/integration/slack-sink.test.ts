import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { SinkError, type Delivery } from '../../src/mirror/sink.js';
import { recordCaseMessage, type CaseMessageUpdate } from '../../src/slack/case-message.js';
import { caseMessageText } from '../../src/slack/case-message-text.js';
import { slackKeys } from '../../src/slack/slack-keys.js';
import { slackLink } from '../../src/slack/links.js';
import { slackOutcomes } from '../../src/slack/outcomes.js';
import { SlackReadBudget } from '../../src/slack/read-budget.js';
import { POSSIBLY_REPEATED, slackSink } from '../../src/slack/thread-sink.js';
import { createWebClient } from '../../src/slack/web-client.js';
import type { Outcome } from '../../src/writes/catalog.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { dropPrefix, openRedis, uniquePrefix } from '../helpers/redis.js';

let slack: FakeSlack;
let redis: Redis;
/** A second connection, as another process of the bridge has. */
let otherRedis: Redis;
const prefix = uniquePrefix('slack-sink');
const keys = slackKeys(prefix);
const log = createLogger('silent');

beforeAll(async () => {
  slack = await startFakeSlack();
  redis = await openRedis('slack-sink');
  otherRedis = await openRedis('slack-sink-other');
});
afterAll(async () => {
  await otherRedis.quit();
  await dropPrefix(redis, prefix);
  await slack.close();
});
beforeEach(async () => {
  slack.clear({ messages: true });
  await redis.del(keys.readBudget('conversations.replies'));
});

const web = () => createWebClient({ signingSecret: 's', botToken: 'xoxb-test', appToken: undefined, apiUrl: slack.apiUrl }, log, 'worker');
const sink = (conn: Redis = redis) =>
  slackSink({
    web: web(),
    redis: conn,
    keys,
    budget: new SlackReadBudget({ redis: conn, key: keys.readBudget }),
    caseUrl: (id) => `https://one.example/cases/${id}`,
  });
const link = slackLink('C0SINK0001', '1700000000.000100');
const reply = (id: string): Delivery => ({
  id,
  caseId: 'CASE-1',
  kind: 'message',
  author: 'Ana Lopes (expereo NOC)',
  text: 'Carrier found a <fibre> cut',
  at: '2025-03-04T10:00:00Z',
});
const status = (to: string, at: string, closed = false): Delivery => ({
  id: `status:${to}:${at}`,
  caseId: 'CASE-42',
  kind: 'status',
  text: `Case CASE-42 status changed to ${to}.`,
  at,
  status: { to, closed },
});
/** What a process that stopped right after Slack's answer leaves behind: the attempt, no mark. */
const forgetMark = (id: string, l = link) => redis.del(keys.delivered(l.id, id));
const postsOf = (id: string) => slack.calls('chat.postMessage').filter((c) => c.params.metadata?.event_payload?.delivery === id);

async function failure(p: Promise<unknown>): Promise<SinkError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SinkError);
  return err as SinkError;
}

describe('Slack reply sink', () => {
  it('posts an engineer’s reply in the linked thread with the engineer’s name', async () => {
    await sink().deliver(link, reply('m-1'));
    expect(slack.calls('chat.postMessage').map((c) => c.params)).toEqual([
      expect.objectContaining({
        channel: 'C0SINK0001',
        thread_ts: '1700000000.000100',
        text: '*Ana Lopes (expereo NOC)* (expereo): Carrier found a &lt;fibre&gt; cut',
      }),
    ]);
  });

  it('posts a delivery once per thread, however often it is delivered', async () => {
    const s = sink();
    await s.deliver(link, reply('m-2'));
    await s.deliver(link, reply('m-2'));
    await s.deliver(slackLink('C0SINK0002', '1700000000.000200'), reply('m-2'));
    expect(slack.calls('chat.postMessage').map((c) => c.params.channel)).toEqual(['C0SINK0001', 'C0SINK0002']);
  });

  it('does not post twice when a process stopped between Slack’s answer and its mark, reading 15 messages at most', async () => {
    await sink().deliver(link, reply('m-crash'));
    expect(postsOf('m-crash')[0]!.params.metadata).toEqual({ event_type: 'expereo_delivery', event_payload: { delivery: 'm-crash' } });
    await forgetMark('m-crash');
    await sink().deliver(link, reply('m-crash'));
    expect(slack.calls('chat.postMessage')).toHaveLength(1);
    expect(slack.calls('conversations.replies').map((c) => c.params)).toEqual([
      expect.objectContaining({ channel: 'C0SINK0001', ts: '1700000000.000100', include_all_metadata: 'true', limit: '15' }),
    ]);
    expect(await redis.exists(keys.delivered(link.id, 'm-crash'))).toBe(1);
  });

  it('posts after an attempt that failed once the one page read shows nothing of it, unmarked', async () => {
    slack.failNext('chat.postMessage', { status: 503 });
    await failure(sink().deliver(link, reply('m-after-503')));
    await sink().deliver(link, reply('m-after-503'));
    expect(slack.calls('conversations.replies')).toHaveLength(1);
    expect(postsOf('m-after-503').map((c) => c.params.text)).toEqual([
      expect.not.stringContaining('possibly repeated'),
      expect.not.stringContaining('possibly repeated'),
    ]);
  });

  it('posts marked as possibly repeated when the page read does not reach back to the attempt', async () => {
    const s = sink();
    for (let i = 0; i < 20; i++) await s.deliver(link, reply(`m-busy-${i}`));
    slack.failNext('chat.postMessage', { status: 503 });
    await failure(s.deliver(link, reply('m-busy-after')));
    await s.deliver(link, reply('m-busy-after'));
    expect(slack.calls('conversations.replies')).toHaveLength(1);
    expect(postsOf('m-busy-after').at(-1)!.params.text).toBe(`*Ana Lopes (expereo NOC)* (expereo): Carrier found a &lt;fibre&gt; cut\n${POSSIBLY_REPEATED}`);
  });

  it('reads threads once a minute for every process together; past that it posts, marked, without reading', async () => {
    for (const id of ['m-r1', 'm-r2', 'm-r3']) {
      await redis.set(keys.deliveryAttempt(link.id, id), String(Date.now()));
    }
    await sink(redis).deliver(link, reply('m-r1'));
    await sink(otherRedis).deliver(link, reply('m-r2'));
    await sink(redis).deliver(link, reply('m-r3'));
    // Slack's lower tier (the fake answers 429 to a second call within the minute) was never exceeded.
    expect(slack.calls('conversations.replies')).toHaveLength(1);
    expect(postsOf('m-r1')[0]!.params.text).not.toContain('possibly repeated');
    expect(postsOf('m-r2')[0]!.params.text).toContain(POSSIBLY_REPEATED);
    expect(postsOf('m-r3')[0]!.params.text).toContain(POSSIBLY_REPEATED);
    const ttl = await redis.pttl(keys.readBudget('conversations.replies'));
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(61_000);
  });

  it('takes Slack’s 429 on a thread read as the budget’s no for its Retry-After, and a thread it cannot read at all likewise', async () => {
    await redis.set(keys.deliveryAttempt(link.id, 'm-unread'), String(Date.now()));
    slack.failNext('conversations.replies', { status: 429, retryAfterSeconds: 120 });
    await sink().deliver(link, reply('m-unread'));
    expect(postsOf('m-unread')[0]!.params.text).toContain(POSSIBLY_REPEATED);
    expect(await redis.pttl(keys.readBudget('conversations.replies'))).toBeGreaterThan(61_000);

    await redis.del(keys.readBudget('conversations.replies'));
    slack.clear({ messages: true });
    await redis.set(keys.deliveryAttempt(link.id, 'm-noscope'), String(Date.now()));
    slack.failNext('conversations.replies', { error: 'missing_scope' });
    await sink().deliver(link, reply('m-noscope'));
    expect(postsOf('m-noscope')[0]!.params.text).toContain(POSSIBLY_REPEATED);
  });

  it('tries again later when Slack has trouble answering the thread read', async () => {
    await redis.set(keys.deliveryAttempt(link.id, 'm-read-503'), String(Date.now()));
    slack.failNext('conversations.replies', { status: 503 });
    expect((await failure(sink().deliver(link, reply('m-read-503')))).permanent).toBe(false);
    expect(slack.calls('chat.postMessage')).toHaveLength(0);
  });

  it('posts a status change as a note in a thread that is not a case message of the bridge (an alert’s announcement)', async () => {
    await sink().deliver(link, {
      id: 's-1',
      caseId: 'CASE-1',
      kind: 'status',
      text: 'Status changed from In Progress to Resolved',
      at: '2025-03-04T11:00:00Z',
      status: { from: 'In Progress', to: 'Resolved', closed: true },
    });
    expect(slack.calls('chat.postMessage')[0]?.params.text).toBe(':information_source: Status changed from In Progress to Resolved');
  });

  it('turns Slack’s 429 into a retry after its Retry-After, and posts on the retry', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 7 });
    const err = await failure(sink().deliver(link, reply('m-3')));
    expect(err.code).toBe('rate_limited');
    expect(err.retryAfterMs).toBe(7000);
    expect(err.permanent).toBe(false);
    await sink().deliver(link, reply('m-3'));
    expect(slack.calls('chat.postMessage')).toHaveLength(2);
  });

  it('gives up for good on a channel that is gone, archived or without the app', async () => {
    for (const error of ['channel_not_found', 'not_in_channel', 'is_archived']) {
      slack.failNext('chat.postMessage', { error });
      const err = await failure(sink().deliver(link, reply(`m-${error}`)));
      expect(err.permanent, error).toBe(true);
      expect(err.code).toBe(`slack_${error}`);
    }
  });

  it('retries later when Slack has trouble, and refuses a link that is not a Slack thread', async () => {
    slack.failNext('chat.postMessage', { status: 503 });
    expect((await failure(sink().deliver(link, reply('m-503')))).permanent).toBe(false);
    const bad = await failure(sink().deliver({ id: 'itsm:x', kind: 'itsm', data: {} }, reply('m-bad')));
    expect(bad.permanent).toBe(true);
    expect(slack.calls('chat.postMessage')).toHaveLength(1);
  });
});

describe('the case message, edited in place', () => {
  const handler = () => slackOutcomes({ web: web(), redis, keys, routing: undefined, log });
  const summary = 'P1 Incident · Service down · SRV-1';

  /** A case message as the modal's submission leaves it: posted, recorded as queued. */
  async function queuedMessage(): Promise<{ channel: string; ts: string; origin: Outcome['origin'] }> {
    const channel = 'C0SINK0009';
    const { ts } = await web().chat.postMessage({ channel, text: 'queued' });
    await recordCaseMessage({ redis, keys }, channel, ts!, { base: { summary, userId: 'U1' }, phase: { phase: 'queued' } });
    return { channel, ts: ts!, origin: { kind: 'slack', ref: `slack:${channel}:${ts}`, data: { channel, messageTs: ts, summary, userId: 'U1' } } };
  }
  const textOf = (m: { channel: string; ts: string }) => slack.messages(m.channel).find((x) => x.ts === m.ts)?.text;

  it('moves from queued to opened, through status changes to resolved, whatever order and however often the updates come', async () => {
    const m = await queuedMessage();
    const thread = slackLink(m.channel, m.ts);
    const created: Outcome = { type: 'done', key: 'slack:T1:view:V1', kind: 'create', origin: m.origin, caseId: 'CASE-42' };
    await handler()(created);
    expect(textOf(m)).toBe(
      ":white_check_mark: Case <https://one.expereo.com/cases/CASE-42|CASE-42> created with expereo support\nP1 Incident · Service down · SRV-1\nReplies in this thread go to the case; expereo's replies appear here.",
    );
    await sink().deliver(thread, status('In Progress', '2025-03-04T10:05:00Z'));
    expect(textOf(m)).toContain('\nStatus: *In Progress*\n');
    await sink().deliver(thread, status('Resolved', '2025-03-04T11:00:00Z', true));
    const resolved =
      ':checkered_flag: Case <https://one.expereo.com/cases/CASE-42|CASE-42> is *Resolved*\nP1 Incident · Service down · SRV-1\nReplies to it are no longer mirrored here.';
    expect(textOf(m)).toBe(resolved);
    // Late and repeated: an older status, the create's outcome again, the same change again.
    await sink().deliver(thread, status('Pending', '2025-03-04T10:30:00Z'));
    await handler()(created);
    await forgetMark('status:Resolved:2025-03-04T11:00:00Z', thread);
    await sink().deliver(thread, status('Resolved', '2025-03-04T11:00:00Z', true));
    expect(textOf(m)).toBe(resolved);
    // The thread carries the conversation only: no status post in it, and no second channel message.
    expect(slack.calls('chat.postMessage').filter((c) => c.params.thread_ts)).toHaveLength(0);
    expect(slack.messages(m.channel)).toHaveLength(1);
  });

  it('ends with the same text for any order of the updates, each applied any number of times (property)', async () => {
    const updates: CaseMessageUpdate[] = [
      { base: { summary, userId: 'U1' }, phase: { phase: 'queued' } },
      { base: { summary, userId: 'U1', caseId: 'CASE-9', url: 'https://one.example/cases/CASE-9' }, phase: { phase: 'created', caseId: 'CASE-9' } },
      { base: { caseId: 'CASE-9', url: 'https://one.example/cases/CASE-9' }, status: { status: 'New', closed: false, atMs: 1000 } },
      { base: { caseId: 'CASE-9', url: 'https://one.example/cases/CASE-9' }, status: { status: 'In Progress', closed: false, atMs: 2000 } },
      { base: { caseId: 'CASE-9', url: 'https://one.example/cases/CASE-9' }, status: { status: 'Resolved', closed: true, atMs: 3000 } },
    ];
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5 }),
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
        async (order, again) => {
          const ts = `1700000000.${String(++run).padStart(6, '0')}`;
          for (const i of [...order, ...again]) await recordCaseMessage({ redis, keys }, 'C0PROP0001', ts, updates[i]!);
          const state = (await recordCaseMessage({ redis, keys }, 'C0PROP0001', ts, {}))!;
          expect(caseMessageText(state)).toBe(
            ':checkered_flag: Case <https://one.example/cases/CASE-9|CASE-9> is *Resolved*\nP1 Incident · Service down · SRV-1\nReplies to it are no longer mirrored here.',
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it('shows a status learnt before the create’s outcome, and keeps it when the outcome comes', async () => {
    const m = await queuedMessage();
    await sink().deliver(slackLink(m.channel, m.ts), status('New', '2025-03-04T10:01:00Z'));
    expect(textOf(m)).toMatch(/^:white_check_mark: Case <https:\/\/one\.example\/cases\/CASE-42\|CASE-42> created/);
    await handler()({ type: 'done', key: 'slack:T1:view:V3', kind: 'create', origin: m.origin, caseId: 'CASE-42' });
    expect(textOf(m)).toContain('Status: *New*');
  });

  it('notes a status change in the thread when the case message was deleted', async () => {
    const m = await queuedMessage();
    slack.failNext('chat.update', { error: 'message_not_found' });
    await sink().deliver(slackLink(m.channel, m.ts), status('In Progress', '2025-03-04T10:05:00Z'));
    expect(
      slack
        .calls('chat.postMessage')
        .filter((c) => c.params.thread_ts === m.ts)
        .map((c) => c.params.text),
    ).toEqual([':information_source: Case CASE-42 status changed to In Progress.']);
  });

  it('edits the channel message with the reason a create failed', async () => {
    const m = await queuedMessage();
    await handler()({
      type: 'failed',
      key: 'slack:T1:view:V2',
      kind: 'create',
      origin: m.origin,
      error: { code: 'validation_failed', message: 'expereo refused the case', fieldErrors: [{ field: 'serviceId', message: 'unknown service' }] },
    });
    expect(textOf(m)).toContain('could not be created: expereo refused the case (serviceId: unknown service)');
  });
});

describe('Slack write outcomes', () => {
  const handler = () => slackOutcomes({ web: web(), redis, keys, routing: undefined, log });
  const origin = {
    kind: 'slack' as const,
    ref: link.id,
    data: { channel: 'C0SINK0001', messageTs: '1700000000.000100', summary: 'P1 Incident · Service down · SRV-1' },
  };
  const created: Outcome = { type: 'done', key: 'slack:T1:view:V1', kind: 'create', origin, caseId: 'CASE-42' };

  it('notes a failed thread reply in its thread, and says nothing of one that went through', async () => {
    const replyOrigin = {
      kind: 'slack' as const,
      ref: link.id,
      data: { channel: 'C0SINK0001', threadTs: '1700000000.000100', messageTs: '1700000001.000100' },
    };
    await handler()({ type: 'done', key: 'slack:T1:C0SINK0001:1700000001.000100', kind: 'message', origin: replyOrigin, caseId: 'CASE-42' });
    expect(slack.calls()).toHaveLength(0);
    await handler()({
      type: 'failed',
      key: 'slack:T1:C0SINK0001:1700000001.000100',
      kind: 'message',
      origin: replyOrigin,
      error: { code: 'case_unknown', message: 'the case was never created', fieldErrors: [] },
    });
    expect(slack.calls('chat.postMessage')[0]!.params).toMatchObject({ channel: 'C0SINK0001', thread_ts: '1700000000.000100' });
    expect(slack.calls('chat.postMessage')[0]!.params.text).toContain('could not be sent to expereo: the case was never created');
  });

  it('drops a report Slack refuses for good, and retries one it refuses for now', async () => {
    slack.failNext('chat.update', { error: 'channel_not_found' });
    await expect(handler()(created)).resolves.toBeUndefined();
    slack.failNext('chat.update', { status: 429, retryAfterSeconds: 1 });
    await expect(handler()(created)).rejects.toThrow();
  });
});
