import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { dedupeEvents } from '../../src/slack/event-dedupe.js';
import { slackKeys } from '../../src/slack/slack-keys.js';
import { dropPrefix, openRedis, uniquePrefix } from '../helpers/redis.js';

let redis: Redis;
const prefix = uniquePrefix('slack-dedupe');

beforeAll(async () => {
  redis = await openRedis('slack-dedupe');
});
afterAll(async () => dropPrefix(redis, prefix));

describe('repeated Slack event deliveries', () => {
  it('let the first delivery of an event through and stop its retries, over any transport', async () => {
    const middleware = dedupeEvents({ redis, keys: slackKeys(prefix), log: createLogger('silent') });
    const passed: string[] = [];
    const deliver = (eventId: string, retryNum?: number) =>
      middleware({
        body: { type: 'event_callback', event_id: eventId },
        context: { retryNum },
        next: async () => void passed.push(`${eventId}#${retryNum ?? 0}`),
      } as never);

    await deliver('Ev1');
    await deliver('Ev1', 1);
    await deliver('Ev1', 2);
    await deliver('Ev2', 1); // a retry whose first delivery never arrived still acts once
    await deliver('Ev2', 2);
    expect(passed).toEqual(['Ev1#0', 'Ev2#1']);
    expect(await redis.ttl(`${prefix}:slack:evt:Ev1`)).toBeGreaterThan(0);
  });

  it('never holds back commands and interactions', async () => {
    const middleware = dedupeEvents({ redis, keys: slackKeys(prefix), log: createLogger('silent') });
    let passed = 0;
    for (let i = 0; i < 2; i++) {
      await middleware({ body: { command: '/case', text: '' }, context: {}, next: async () => void passed++ } as never);
    }
    expect(passed).toBe(2);
  });
});
