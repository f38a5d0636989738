import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { SinkError, type Delivery } from '../../src/mirror/sink.js';
import { slackKeys } from '../../src/slack/slack-keys.js';
import { slackLink } from '../../src/slack/links.js';
import { slackOutcomes } from '../../src/slack/outcomes.js';
import { slackSink } from '../../src/slack/thread-sink.js';
import { createWebClient } from '../../src/slack/web-client.js';
import type { Outcome } from '../../src/writes/catalog.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { dropPrefix, openRedis, uniquePrefix } from '../helpers/redis.js';

let slack: FakeSlack;
let redis: Redis;
const prefix = uniquePrefix('slack-sink');
const log = createLogger('silent');

beforeAll(async () => {
  slack = await startFakeSlack();
  redis = await openRedis('slack-sink');
});
afterAll(async () => {
  await dropPrefix(redis, prefix);
  await slack.close();
});
beforeEach(() => slack.clear());

const web = () => createWebClient({ signingSecret: 's', botToken: 'xoxb-test', appToken: undefined, apiUrl: slack.apiUrl }, log, 'worker');
const sink = () => slackSink({ web: web(), redis, keys: slackKeys(prefix) });
const link = slackLink('C0SINK0001', '1700000000.000100');
const reply = (id: string): Delivery => ({
  id,
  caseId: 'CASE-1',
  kind: 'message',
  author: 'Ana Lopes (expereo NOC)',
  text: 'Carrier found a <fibre> cut',
  at: '2025-03-04T10:00:00Z',
});

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

  it('does not post twice when a process stopped between Slack’s answer and its mark', async () => {
    const keys = slackKeys(prefix);
    await sink().deliver(link, reply('m-crash'));
    const posted = slack.calls('chat.postMessage')[0]!.params;
    expect(posted.metadata).toEqual({ event_type: 'expereo_delivery', event_payload: { delivery: 'm-crash' } });
    // What a process that stopped right after Slack's answer leaves behind: the attempt, no mark.
    await redis.del(keys.delivered(link.id, 'm-crash'));
    await sink().deliver(link, reply('m-crash'));
    expect(slack.calls('chat.postMessage')).toHaveLength(1);
    expect(slack.calls('conversations.replies')[0]!.params).toMatchObject({ channel: 'C0SINK0001', ts: '1700000000.000100', include_all_metadata: 'true' });
    expect(await redis.exists(keys.delivered(link.id, 'm-crash'))).toBe(1);
  });

  it('posts after an attempt that failed, once it finds nothing of it in the thread, reading every page', async () => {
    const s = sink();
    for (let i = 0; i < 205; i++) await s.deliver(link, reply(`m-page-${i}`));
    slack.failNext('chat.postMessage', { status: 503 });
    await failure(s.deliver(link, reply('m-after-503')));
    await s.deliver(link, reply('m-after-503'));
    const replies = slack.calls('conversations.replies');
    expect(replies).toHaveLength(2);
    expect(replies[1]!.params.cursor).toBe('200');
    expect(slack.calls('chat.postMessage').filter((c) => c.params.metadata?.event_payload?.delivery === 'm-after-503')).toHaveLength(2);
  });

  it('retries later when the thread cannot be read for now, and posts when it cannot be read at all', async () => {
    const keys = slackKeys(prefix);
    await redis.set(keys.deliveryAttempt(link.id, 'm-unread'), String(Date.now()));
    slack.failNext('conversations.replies', { status: 429, retryAfterSeconds: 2 });
    expect((await failure(sink().deliver(link, reply('m-unread')))).code).toBe('rate_limited');
    expect(slack.calls('chat.postMessage')).toHaveLength(0);
    slack.failNext('conversations.replies', { error: 'missing_scope' });
    await sink().deliver(link, reply('m-unread'));
    expect(slack.calls('chat.postMessage')).toHaveLength(1);
  });

  it('posts a status change as a note', async () => {
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

describe('Slack write outcomes', () => {
  const handler = () => slackOutcomes({ web: web(), routing: undefined, log });
  const origin = {
    kind: 'slack' as const,
    ref: link.id,
    data: { channel: 'C0SINK0001', messageTs: '1700000000.000100', summary: 'P1 Incident · Service down · SRV-1' },
  };
  const created: Outcome = { type: 'done', key: 'slack:T1:view:V1', kind: 'create', origin, caseId: 'CASE-42' };

  it('edits the channel message with the new case’s id and link', async () => {
    await handler()(created);
    const update = slack.calls('chat.update')[0]!.params;
    expect(update).toMatchObject({ channel: 'C0SINK0001', ts: '1700000000.000100' });
    expect(update.text).toContain('<https://one.expereo.com/cases/CASE-42|CASE-42>');
    expect(update.text).toContain('P1 Incident · Service down · SRV-1');
  });

  it('edits the channel message with the reason a create failed', async () => {
    await handler()({
      type: 'failed',
      key: 'slack:T1:view:V2',
      kind: 'create',
      origin,
      error: { code: 'validation_failed', message: 'expereo refused the case', fieldErrors: [{ field: 'serviceId', message: 'unknown service' }] },
    });
    expect(slack.calls('chat.update')[0]!.params.text).toContain('could not be created: expereo refused the case (serviceId: unknown service)');
  });

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
