import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallActivity } from '../../src/journal/activity.js';
import { Journal, type JournalEvent } from '../../src/journal/journal.js';
import { createLogger } from '../../src/log.js';
import { dropPrefix, openRedis, uniquePrefix } from '../helpers/redis.js';

let redis: Redis;
const prefix = uniquePrefix('journal');
beforeAll(async () => {
  redis = await openRedis('journal-test');
});
afterAll(async () => dropPrefix(redis, prefix));

/** A journal of its own per test, under the file's prefix. */
const journal = (name: string, limits = { ttlSeconds: 60, eventsPerCase: 5, cases: 3 }) =>
  new Journal(redis, `${prefix}:${name}`, createLogger('silent'), limits);
const event = (id: string, at: number, extra: Partial<JournalEvent> = {}): JournalEvent => ({ id, at, type: 'queued', text: id, ...extra });

describe('case journal in Redis', () => {
  it('records an event once however often it is recorded, and keeps the latest events of a timeline', async () => {
    const j = journal('bounded');
    for (let i = 1; i <= 8; i++) await j.record({ event: event(`e${i}`, 1000 + i), subjects: ['c:1'] });
    await j.record({ event: event('e8', 1008), subjects: ['c:1'] });
    const { events, meta } = await j.timeline('c:1');
    expect(events.map((e) => e.id)).toEqual(['e4', 'e5', 'e6', 'e7', 'e8']);
    expect(meta).toMatchObject({ subject: 'c:1', lastAt: 1008, last: 'e8' });
    expect(await redis.ttl(`${prefix}:bounded:journal:t:c:1`)).toBeGreaterThan(0);
  });

  it('keeps the timelines with the latest activity, and deletes the ones pushed out', async () => {
    const j = journal('capped');
    for (let i = 1; i <= 4; i++) await j.record({ event: event(`e${i}`, 100 * i), subjects: [`c:${i}`] });
    // An event from long ago on a new case does not push that case out at once.
    await j.record({ event: event('old', 1), subjects: ['c:5'] });
    expect((await j.recent(10)).map((m) => m.subject)).toEqual(['c:4', 'c:3', 'c:5']);
    expect(await redis.exists(`${prefix}:capped:journal:t:c:1`, `${prefix}:capped:journal:e:c:2`, `${prefix}:capped:journal:m:c:2`)).toBe(0);
    expect((await j.timeline('c:5')).events.map((e) => e.id)).toEqual(['old']);
  });

  it('takes an origin and a create into the case once it exists, and an incident episode starts afresh', async () => {
    const j = journal('linked', { ttlSeconds: 60, eventsPerCase: 50, cases: 10 });
    await j.record({ event: event('held', 10), subjects: ['o:alert:i1'], detach: true, meta: { incident: 'i1', phase: 'held' } });
    await j.record({ event: event('queued', 20), subjects: ['k:create1', 'o:alert:i1'], meta: { title: 'Circuit down' } });
    await j.record({ event: event('arrived', 5), subjects: ['o:alert:i1'] });
    await j.record({ event: event('sent', 30), subjects: ['c:9', 'k:create1', 'o:alert:i1'], meta: { caseId: '9' } });
    // Later events of the create and of the incident land in the case's timeline.
    await j.record({ event: event('resolved', 40), subjects: ['o:alert:i1'] });
    const { events, meta } = await j.timeline('k:create1');
    expect(events.map((e) => e.id)).toEqual(['arrived', 'held', 'queued', 'sent', 'resolved']);
    expect(meta).toMatchObject({ subject: 'c:9', caseId: '9', incident: 'i1', title: 'Circuit down', lastAt: 40 });
    expect((await j.recent(10)).map((m) => m.subject)).toEqual(['c:9']);

    // The incident's next episode is held afresh: its own timeline again, the case keeps its story.
    await j.record({ event: event('held again', 50), subjects: ['o:alert:i1'], detach: true });
    expect((await j.timeline('o:alert:i1')).events.map((e) => e.id)).toEqual(['held again']);
    expect((await j.timeline('c:9')).events).toHaveLength(5);
    expect((await j.recent(10)).map((m) => m.subject)).toEqual(['o:alert:i1', 'c:9']);
  });

  it('counts upstream calls per minute and keeps the errors among them', async () => {
    const a = new CallActivity(redis, `${prefix}:calls`);
    const now = Date.UTC(2026, 0, 1, 12, 30);
    a.upstreamCall('write', 'POST', 201, now - 60_000);
    a.upstreamCall('write', 'POST', 429, now);
    await a.flush();
    a.upstreamCall('write', 'PATCH', 'error', now);
    a.sinkError('slack', 'channel_not_found', now);
    await a.close();
    expect(await a.callsPerMinute('write', 3, now)).toEqual([0, 1, 2]);
    expect((await a.errorsSince(now - 1000)).map((e) => `${e.where} ${e.status}`)).toEqual(['sink failed', 'upstream error', 'upstream 429']);
  });
});
