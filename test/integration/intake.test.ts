import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { IntakeConsumer, type IntakeConsumerOptions, type IntakeEntry, type IntakeOutcome } from '../../workers/intake/intake-consumer.js';
import { INTAKE_GROUP, Intake, type DeadIntakeEntry } from '../../src/intake/intake.js';
import { LOOP_SHARE_DEFAULTS, LoopShare } from '../../workers/loop-share.js';
import { closeRedis, createRedis, waitReady } from '../../src/redis.js';
import { eventually } from '../helpers/bridge.js';
import { dropPrefix, redisUrl, uniquePrefix } from '../helpers/redis.js';

const prefix = uniquePrefix('intake');
const log = pino({ level: 'silent' });
/** The patient connection the worker role hands its readers. */
let redis: Redis;
/** The fail-fast connection the webhooks append with. */
let command: Redis;
const cleanups: (() => Promise<void> | void)[] = [];
let intakes = 0;

beforeAll(async () => {
  redis = createRedis(redisUrl(), 'worker', 'intake-test-worker');
  command = createRedis(redisUrl(), 'command', 'intake-test');
  await Promise.all([waitReady(redis), waitReady(command)]);
});
// Last opened, first closed: a consumer closes before the connection it was given.
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await closeRedis(command);
  await dropPrefix(redis, prefix);
});

/** An intake of its own for each test; the name also tells its reading connection apart in CLIENT LIST. */
function newIntake<T>(): Intake<T> {
  return new Intake<T>(command, `${prefix.slice(-8)}-${++intakes}`, prefix);
}

/** A connection of its own, as a second worker process would have. */
function connection(): Redis {
  const r = redis.duplicate();
  r.on('error', () => undefined);
  cleanups.push(() => closeRedis(r));
  return r;
}

type Options<T> = Pick<IntakeConsumerOptions<T>, 'handle'> & Partial<IntakeConsumerOptions<T>>;

function startConsumer<T>(intake: Intake<T>, options: Options<T>): IntakeConsumer<T> {
  const consumer = new IntakeConsumer<T>({ redis, prefix, name: intake.name, log, permanent: () => false, leaseMs: 1500, blockMs: 200, ...options });
  cleanups.push(() => consumer.close());
  consumer.start();
  return consumer;
}

/** Counts the moments at which more than one consumer says it is reading. */
function watchReaders(...consumers: IntakeConsumer<unknown>[]): () => number {
  let both = 0;
  const timer = setInterval(() => {
    if (consumers.filter((c) => c.reading).length > 1) both++;
  }, 5);
  cleanups.push(() => clearInterval(timer));
  return () => both;
}

/** Entries read by some consumer of the group and not acknowledged yet. */
async function unacknowledged(intake: Intake<unknown>): Promise<number> {
  const [count] = (await redis.xpending(intake.keys.stream, INTAKE_GROUP)) as [number];
  return count;
}

async function handledResult(intake: Intake<unknown>, id: string): Promise<unknown> {
  const status = await intake.status(id);
  return status.status === 'handled' ? { result: status.result } : undefined;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a webhook intake', () => {
  it('sends the appends of one moment together, in order, a redelivery among them taken once', async () => {
    const intake = newIntake<{ n: number }>();
    const sent = vi.spyOn(command, 'evalsha');
    cleanups.push(() => sent.mockRestore());
    const plain = Array.from({ length: 300 }, (_, n) => intake.append(`k${n % 7}`, { n }));
    const once = [
      intake.appendOnce('s', { n: 1000 }, `${prefix}:d:1`, 60),
      intake.appendOnce('s', { n: 1001 }, `${prefix}:d:1`, 60),
      intake.appendOnce('s', { n: 1002 }, `${prefix}:d:2`, 60),
    ];
    const ids = await Promise.all(plain);
    const [first, repeat, other] = await Promise.all(once);
    // 300 plain appends: a full batch of 256 sent at once, the rest with the redeliveries' batch.
    expect(sent.mock.calls.length).toBeLessThanOrEqual(3);
    expect(new Set(ids).size).toBe(300);
    expect(repeat).toBeUndefined();
    expect(first).toEqual(expect.any(String));
    expect(other).toEqual(expect.any(String));
    const stream = await redis.xrange(intake.keys.stream, '-', '+');
    const plainPayloads = stream.filter(([, f]) => f[1] !== 's').map(([id, f]) => ({ id, n: (JSON.parse(f[3]!) as { n: number }).n }));
    expect(plainPayloads).toEqual(ids.map((id, n) => ({ id, n })));
    expect(stream.filter(([, f]) => f[1] === 's').map(([id]) => id)).toEqual([first, other]);
  });

  it('answers every append of a batch with a 503-mapped error while Redis is away', async () => {
    const away = createRedis('redis://127.0.0.1:1', 'command', 'intake-test-away');
    cleanups.push(() => closeRedis(away));
    const intake = new Intake<{ n: number }>(away, 'away', prefix);
    const results = await Promise.allSettled([
      intake.append('a', { n: 1 }),
      intake.appendOnce('a', { n: 2 }, `${prefix}:d:away`, 60),
      intake.append('b', { n: 3 }),
    ]);
    for (const r of results) expect(r).toMatchObject({ status: 'rejected', reason: { code: 'queue_unavailable' } });
  });

  it('keeps an entry until a consumer handles it once, then keeps its result', async () => {
    const intake = newIntake<{ n: number }>();
    const id = await intake.append('group-1', { n: 7 });
    expect(await intake.status(id)).toEqual({ status: 'waiting' });
    expect(await intake.backlog()).toBe(1);

    const seen: IntakeEntry<{ n: number }>[] = [];
    const outcomes: IntakeOutcome[] = [];
    const consumer = startConsumer(intake, {
      onOutcome: (o) => outcomes.push(o),
      handle: async (entry) => {
        seen.push(entry);
        return { doubled: entry.payload.n * 2 };
      },
    });
    expect(await eventually(() => handledResult(intake, id))).toEqual({ result: { doubled: 14 } });
    expect(await intake.status(id)).toEqual({ status: 'handled', result: { doubled: 14 } });
    expect(await intake.backlog()).toBe(0);

    await consumer.close();
    expect(seen).toEqual([{ id, key: 'group-1', payload: { n: 7 }, attempt: 1 }]);
    expect(outcomes).toEqual(['handled']);
    expect(await unacknowledged(intake)).toBe(0);
    expect(await intake.deadCount()).toBe(0);
    expect(await redis.ttl(intake.keys.result(id))).toBeGreaterThan(0);
    expect(await intake.status('1-1')).toEqual({ status: 'unknown' });
  });

  it("handles each key's entries in append order, and different keys at the same time", async () => {
    type Item = { key: string; seq: number };
    const intake = newIntake<Item>();
    const handled: (Item & { id: string })[] = [];
    const inFlight = new Map<string, number>();
    let mostKeysAtOnce = 0;
    let sameKeyAtOnce = 0;
    startConsumer(intake, {
      handle: async ({ id, key, payload }) => {
        const running = (inFlight.get(key) ?? 0) + 1;
        inFlight.set(key, running);
        if (running > 1) sameKeyAtOnce++;
        mostKeysAtOnce = Math.max(mostKeysAtOnce, [...inFlight.values()].filter((n) => n > 0).length);
        await pause(1 + Math.floor(Math.random() * 8));
        handled.push({ id, ...payload });
        inFlight.set(key, inFlight.get(key)! - 1);
      },
    });

    const keys = ['alpha', 'bravo', 'charlie', 'delta'];
    const next = new Map(keys.map((k) => [k, 0]));
    const items: Item[] = [];
    for (let i = 0; i < 80; i++) {
      const key = keys[Math.floor(Math.random() * keys.length)]!;
      items.push({ key, seq: next.get(key)! });
      next.set(key, next.get(key)! + 1);
    }
    // All at once on one connection: they reach Redis in this order.
    const ids = await Promise.all(items.map((item) => intake.append(item.key, item)));
    await eventually(async () => handled.length >= items.length && (await intake.backlog()) === 0);

    expect(new Set(handled.map((h) => h.id)).size).toBe(items.length);
    expect([...handled].sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id))).toEqual(items.map((item, i) => ({ id: ids[i], ...item })));
    for (const key of keys) {
      const seqs = handled.filter((h) => h.key === key).map((h) => h.seq);
      expect(seqs, key).toEqual(Array.from({ length: next.get(key)! }, (_, i) => i));
    }
    expect(sameKeyAtOnce).toBe(0);
    expect(mostKeysAtOnce).toBeGreaterThanOrEqual(2);
    expect(handled).toHaveLength(items.length);
  });

  it('sharing the loop (ROLE=all), handles no more entries at once than the share allows, every key in order, the slots given back', async () => {
    type Item = { key: string; seq: number };
    const intake = newIntake<Item>();
    // Allowance 2 (a quarter of 8) for the whole test: no window passes.
    const share = new LoopShare({ ...LOOP_SHARE_DEFAULTS, maxAllowance: 8, windowMs: 60_000 });
    cleanups.push(() => share.close());
    const handled: Item[] = [];
    let running = 0;
    let mostAtOnce = 0;
    startConsumer(intake, {
      slots: share,
      handle: async ({ payload }) => {
        mostAtOnce = Math.max(mostAtOnce, ++running);
        await pause(2);
        handled.push(payload);
        running--;
      },
    });
    const keys = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
    const items = Array.from({ length: 60 }, (_, i) => ({ key: keys[i % keys.length]!, seq: Math.floor(i / keys.length) }));
    await Promise.all(items.map((item) => intake.append(item.key, item)));
    await eventually(async () => handled.length >= items.length && (await intake.backlog()) === 0);

    expect(mostAtOnce).toBe(2);
    for (const key of keys)
      expect(
        handled.filter((h) => h.key === key).map((h) => h.seq),
        key,
      ).toEqual([...Array(10).keys()]);
    // Every slot taken was given back: the share has room for its whole allowance again.
    const both = Promise.all([share.take(), share.take()]).then(() => 'taken');
    expect(await Promise.race([both, pause(500).then(() => 'still busy')])).toBe('taken');
  });

  it('tries a failing entry again while its key waits behind it and other keys go on', async () => {
    const intake = newIntake<{ name: string }>();
    const events: string[] = [];
    const outcomes: IntakeOutcome[] = [];
    let statusWhileFailing: unknown;
    startConsumer(intake, {
      onOutcome: (o) => outcomes.push(o),
      handle: async ({ id, payload, attempt }) => {
        if (payload.name === 'a0' && attempt <= 2) {
          events.push(`a0 failed #${attempt}`);
          // Entries of another key arrive while a0 is failing.
          if (attempt === 1) for (const name of ['b0', 'b1', 'b2']) await intake.append('b', { name });
          else statusWhileFailing = await intake.status(id);
          throw new Error(`a0 is not ready (try ${attempt})`);
        }
        events.push(attempt === 1 ? payload.name : `${payload.name} #${attempt}`);
        return { name: payload.name, attempt };
      },
    });
    const a0 = await intake.append('a', { name: 'a0' });
    await intake.append('a', { name: 'a1' });
    await intake.append('a', { name: 'a2' });
    await eventually(async () => events.length >= 8 && (await intake.backlog()) === 0);

    expect(events.filter((e) => e.startsWith('a'))).toEqual(['a0 failed #1', 'a0 failed #2', 'a0 #3', 'a1', 'a2']);
    expect(events.filter((e) => e.startsWith('b'))).toEqual(['b0', 'b1', 'b2']);
    // b's entries were not held up by a0's retries.
    expect(events.indexOf('b2')).toBeLessThan(events.indexOf('a0 #3'));
    expect(statusWhileFailing).toEqual({ status: 'waiting' });
    expect(await intake.status(a0)).toEqual({ status: 'handled', result: { name: 'a0', attempt: 3 } });
    expect(outcomes.filter((o) => o === 'retry')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'handled')).toHaveLength(6);
    expect(await intake.deadCount()).toBe(0);
  });

  it('moves an entry to the dead list on a permanent error or after too many tries, and goes on with its key', async () => {
    class Refused extends Error {}
    const intake = newIntake<{ name: string }>();
    const events: string[] = [];
    const outcomes: IntakeOutcome[] = [];
    startConsumer(intake, {
      maxAttempts: 3,
      permanent: (err) => err instanceof Refused,
      onOutcome: (o) => outcomes.push(o),
      handle: async ({ payload, attempt }) => {
        events.push(`${payload.name} #${attempt}`);
        if (payload.name === 'p0') throw new Refused('p0 can never be taken');
        if (payload.name === 'm0') throw new Error(`m0 failed (try ${attempt})`);
        return payload.name;
      },
    });
    const p0 = await intake.append('p', { name: 'p0' });
    const p1 = await intake.append('p', { name: 'p1' });
    const m0 = await intake.append('m', { name: 'm0' });
    const m1 = await intake.append('m', { name: 'm1' });
    await eventually(async () => (await intake.backlog()) === 0 && (await intake.deadCount()) === 2);

    expect(events.filter((e) => e.startsWith('p'))).toEqual(['p0 #1', 'p1 #1']);
    expect(events.filter((e) => e.startsWith('m'))).toEqual(['m0 #1', 'm0 #2', 'm0 #3', 'm1 #1']);
    expect(await intake.status(p0)).toEqual({ status: 'dead', error: 'p0 can never be taken' });
    expect(await intake.status(m0)).toEqual({ status: 'dead', error: 'm0 failed (try 3)' });
    expect(await intake.status(p1)).toEqual({ status: 'handled', result: 'p1' });
    expect(await intake.status(m1)).toEqual({ status: 'handled', result: 'm1' });

    const dead = new Map((await intake.dead()).map((d) => [d.id, d]));
    expect(dead.get(p0)).toEqual<DeadIntakeEntry>({
      id: p0,
      key: 'p',
      payload: { name: 'p0' },
      error: 'p0 can never be taken',
      attempts: 1,
      at: expect.any(String),
    });
    expect(dead.get(m0)).toEqual<DeadIntakeEntry>({
      id: m0,
      key: 'm',
      payload: { name: 'm0' },
      error: 'm0 failed (try 3)',
      attempts: 3,
      at: expect.any(String),
    });
    expect([...outcomes].sort()).toEqual(['dead', 'dead', 'handled', 'handled', 'retry', 'retry']);
  });

  it('is read by one consumer at a time; closing the reader hands the rest to the other, each entry handled once', async () => {
    type Item = { key: string; seq: number };
    const intake = newIntake<Item>();
    const handled: (Item & { id: string; by: string })[] = [];
    const consumers: Record<string, IntakeConsumer<Item>> = {};
    let readerMismatch = 0;
    let closingFirst: Promise<void> | undefined;
    const start = (by: string, other: string) =>
      (consumers[by] = startConsumer(intake, {
        redis: connection(),
        batch: 4,
        handle: async ({ id, payload }) => {
          if (!consumers[by]!.reading || consumers[other]?.reading) readerMismatch++;
          await pause(1 + Math.floor(Math.random() * 5));
          handled.push({ id, by, ...payload });
          // The first reader is closed partway through the backlog.
          if (by === 'first' && handled.length === 10) closingFirst = consumers.first!.close();
        },
      }));
    const first = start('first', 'second');
    await eventually(async () => first.reading);
    const second = start('second', 'first');
    const bothReading = watchReaders(first, second);

    const items: Item[] = [];
    for (let seq = 0; seq < 10; seq++) for (const key of ['k1', 'k2', 'k3', 'k4']) items.push({ key, seq });
    const ids = await Promise.all(items.map((item) => intake.append(item.key, item)));
    expect(second.reading).toBe(false);

    await eventually(async () => closingFirst !== undefined);
    await closingFirst;
    expect(first.reading).toBe(false);
    await eventually(async () => second.reading);
    await eventually(async () => handled.length >= items.length && (await intake.backlog()) === 0);

    expect(handled.map((h) => h.id).sort()).toEqual([...ids].sort());
    const byFirst = handled.filter((h) => h.by === 'first').length;
    expect(byFirst).toBeGreaterThanOrEqual(10);
    expect(handled.length - byFirst).toBeGreaterThan(0);
    for (const key of ['k1', 'k2', 'k3', 'k4']) {
      expect(
        handled.filter((h) => h.key === key).map((h) => h.seq),
        key,
      ).toEqual(Array.from({ length: 10 }, (_, i) => i));
    }
    expect(readerMismatch).toBe(0);
    expect(bothReading()).toBe(0);
    expect(await unacknowledged(intake)).toBe(0);
    expect(handled).toHaveLength(items.length);
  });

  it('hands what a lost reader had taken but not acknowledged to the next reader once its lease lapses', async () => {
    const intake = newIntake<{ name: string }>();
    const events: string[] = [];
    let abandoned = false;
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const h0 = await intake.append('h', { name: 'h0' });
    const h1 = await intake.append('h', { name: 'h1' });
    const k0 = await intake.append('k', { name: 'k0' });

    const lostConnection = connection();
    const lost = startConsumer(intake, {
      redis: lostConnection,
      handle: async ({ payload }) => {
        if (abandoned) return undefined;
        events.push(`lost:${payload.name}`);
        if (payload.name === 'h0') await stuck;
        return { by: 'lost' };
      },
    });
    // Runs before the consumers are closed: lets the stuck handler end.
    cleanups.push(() => {
      abandoned = true;
      release();
    });
    await eventually(async () => events.includes('lost:h0') && events.includes('lost:k0'));
    const next = startConsumer(intake, {
      redis: connection(),
      handle: async ({ payload }) => {
        events.push(`next:${payload.name}`);
        return { by: 'next' };
      },
    });
    const bothReading = watchReaders(lost, next);
    // k0 was handled but is acknowledged only with the rest of its round.
    expect(await intake.status(k0)).toEqual({ status: 'waiting' });
    expect(lost.reading).toBe(true);
    expect(next.reading).toBe(false);

    // The process is gone: its connection drops without a word.
    lostConnection.disconnect();
    await eventually(async () => !lost.reading);
    await eventually(async () => next.reading);
    await eventually(async () => (await intake.backlog()) === 0);

    expect(await intake.status(h0)).toEqual({ status: 'handled', result: { by: 'next' } });
    expect(await intake.status(h1)).toEqual({ status: 'handled', result: { by: 'next' } });
    expect(await intake.status(k0)).toEqual({ status: 'handled', result: { by: 'next' } });
    expect(events.filter((e) => e.startsWith('lost:')).sort()).toEqual(['lost:h0', 'lost:k0']);
    expect(events.filter((e) => e.startsWith('next:h'))).toEqual(['next:h0', 'next:h1']);
    expect(events.filter((e) => e === 'next:k0')).toHaveLength(1);
    expect(bothReading()).toBe(0);
    expect(await unacknowledged(intake)).toBe(0);
  });

  it('moves a malformed entry to the dead list without holding up the entries after it', async () => {
    const intake = newIntake<{ name: string }>();
    const noPayload = await redis.xadd(intake.keys.stream, '*', 'k', 'm', 'x', '1');
    const notJson = await redis.xadd(intake.keys.stream, '*', 'k', 'm', 'p', '{"name": m0');
    const m1 = await intake.append('m', { name: 'm1' });
    const n0 = await intake.append('n', { name: 'n0' });
    const events: string[] = [];
    startConsumer(intake, {
      handle: async ({ payload }) => {
        events.push(payload.name);
        return payload.name;
      },
    });
    await eventually(async () => (await intake.backlog()) === 0 && (await intake.deadCount()) === 2);

    expect(events.sort()).toEqual(['m1', 'n0']);
    expect(await intake.status(m1)).toEqual({ status: 'handled', result: 'm1' });
    expect(await intake.status(n0)).toEqual({ status: 'handled', result: 'n0' });
    expect(await intake.status(noPayload!)).toEqual({ status: 'dead', error: 'entry has no payload' });
    expect(await intake.status(notJson!)).toEqual({ status: 'dead', error: 'entry payload is not JSON' });
    const dead = new Map((await intake.dead()).map((d) => [d.id, d]));
    expect(dead.get(noPayload!)).toEqual({ id: noPayload, key: 'm', error: 'entry has no payload', attempts: 1, at: expect.any(String) });
    expect(dead.get(notJson!)).toEqual({
      id: notJson,
      key: 'm',
      payload: '{"name": m0',
      error: 'entry payload is not JSON',
      attempts: 1,
      at: expect.any(String),
    });
    expect(await unacknowledged(intake)).toBe(0);
  });

  it('close() while waiting for entries ends the wait and gives the lease up for the next reader', async () => {
    const intake = newIntake<{ name: string }>();
    const events: string[] = [];
    // A wait for new entries far longer than this test may take: close() must cut it short.
    const idle = { leaseMs: 60_000, blockMs: 120_000 };
    const first = startConsumer(intake, { ...idle, handle: async ({ payload }) => void events.push(`first:${payload.name}`) });
    await intake.append('k', { name: 'one' });
    await eventually(async () => events.includes('first:one') && (await intake.backlog()) === 0);
    // Idle: its reading connection is blocked in XREADGROUP.
    await eventually(async () => {
      const clients = (await redis.client('LIST')) as string;
      return clients
        .split('\n')
        .some((line) => line.includes(` name=bridge-intake-${intake.name} `) && / flags=\S*b/.test(line) && line.includes(' cmd=xreadgroup'));
    });

    await first.close();
    expect(first.reading).toBe(false);
    expect(await redis.exists(intake.keys.lease)).toBe(0);

    // With the lease given up, the next reader takes it on its first try instead of waiting for it to lapse.
    const next = startConsumer(intake, { ...idle, handle: async ({ payload }) => void events.push(`next:${payload.name}`) });
    await eventually(async () => next.reading);
    await intake.append('k', { name: 'two' });
    await eventually(async () => events.includes('next:two'));
    expect(events).toEqual(['first:one', 'next:two']);
  }, 40_000);
});
