import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sandboxCalls, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { casesByReference, caseOf, createWrite, messagesOf, messageWrite, updateWrite } from '../helpers/pipeline.js';

let bridge: TestBridge;
beforeAll(async () => {
  bridge = await startTestBridge();
});
afterAll(async () => bridge?.close());

const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };

describe('write pipeline', () => {
  it('lands 120 writes for 10 cases: each once, in order per case, coalesced', async () => {
    const since = (await sandboxCalls(bridge.sandbox)).at(-1)?.seq ?? 0;
    const producer = bridge.core.producer;
    const cases = Array.from({ length: 10 }, (_, i) => `test:order-${i}`);
    for (const key of cases) expect((await producer.enqueue(createWrite(key))).status).toBe('queued');
    const priorities = ['P2', 'P4', 'P5'] as const;
    for (let n = 0; n < 11; n++) {
      for (const [c, key] of cases.entries()) {
        const write = n % 4 === 3 ? updateWrite(`${key}:u${n}`, key, priorities[(n + c) % 3]!) : messageWrite(`${key}:m${n}`, key, `update ${n} for ${key}`);
        await producer.enqueue(write);
      }
    }
    await eventually(async () => Object.values(await bridge.core.outbox.pendingByLane()).every((n) => n === 0), 60_000, 200);

    let upstreamWrites = 0;
    for (const [c, key] of cases.entries()) {
      const found = await casesByReference(bridge.sandbox, key);
      expect(found, key).toHaveLength(1);
      const caseId = found[0]!.caseId;
      const text = (await messagesOf(bridge.sandbox, caseId)).map((m) => m.message).join('\n');
      const seen = [...text.matchAll(new RegExp(`update (\\d+) for ${key}(?!\\d)`, 'g'))].map((m) => Number(m[1]));
      const expected = Array.from({ length: 11 }, (_, n) => n).filter((n) => n % 4 !== 3);
      expect(seen, key).toEqual(expected); // every message once, in the order written
      expect((await caseOf(bridge.sandbox, caseId)).priority).toBe(priorities[(7 + c) % 3]); // the last update wins
    }
    const calls = (await sandboxCalls(bridge.sandbox)).filter((x) => x.seq > since && x.method !== 'GET' && x.status < 300);
    upstreamWrites = calls.length;
    expect(upstreamWrites).toBeLessThan(120);
    expect(calls.filter((x) => x.status === 429)).toHaveLength(0);
  });

  it('acknowledges a key seen before without a second effect', async () => {
    const first = await bridge.core.producer.enqueue(createWrite('test:dup-1'));
    const second = await bridge.core.producer.enqueue(createWrite('test:dup-1'));
    expect(first.status).toBe('queued');
    expect(second.status).toBe('duplicate');
    await eventually(() => bridge.core.outbox.caseIdForKey('test:dup-1'));
    const third = await bridge.core.producer.enqueue(createWrite('test:dup-1'));
    expect(third).toMatchObject({ status: 'duplicate', previousStatus: 'done' });
    expect(await casesByReference(bridge.sandbox, 'test:dup-1')).toHaveLength(1);
  });

  it('refuses a malformed write and one for a create never accepted', async () => {
    await expect(bridge.core.producer.enqueue({ kind: 'create', key: 'bad key', origin: { kind: 'test', ref: 'x' } } as never)).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(bridge.core.producer.enqueue(messageWrite('test:orphan-m', 'test:never-created', 'hi'))).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('sends an urgent create ahead of a backlog of background writes, and quotes the wait', async () => {
    const since = (await sandboxCalls(bridge.sandbox)).at(-1)?.seq ?? 0;
    await bridge.core.queues.writes.pause(); // the backlog builds up as it would under a storm
    const backlog = [];
    for (let i = 0; i < 40; i++) {
      backlog.push(
        await bridge.core.producer.enqueue({
          kind: 'update',
          key: `test:bg-${i}`,
          origin: { kind: 'test', ref: 'bg' },
          case: { caseId: `CS-000010${String((i % 20) + 1).padStart(2, '0')}` },
          fields: { status: 'In Progress' },
        }),
      );
    }
    expect(backlog.at(-1)!.position).toBeGreaterThan(backlog[0]!.position);
    expect(backlog.at(-1)!.etaMs).toBeGreaterThan(0);
    const urgent = await bridge.core.producer.enqueue(createWrite('test:urgent-1', { priority: 'P1' }));
    expect(urgent.lane).toBe(1);
    expect(urgent.position).toBeLessThan(backlog.at(-1)!.position);
    await bridge.core.queues.writes.resume();
    await eventually(async () => Object.values(await bridge.core.outbox.pendingByLane()).every((n) => n === 0), 60_000, 200);
    const writes = (await sandboxCalls(bridge.sandbox)).filter((x) => x.seq > since && x.method !== 'GET' && x.status < 300);
    const urgentAt = writes.findIndex((x) => x.method === 'POST' && x.path === '/v2/cases');
    expect(urgentAt).toBe(0);
    expect(writes.length).toBeGreaterThan(10);
  });

  it("lets a person's message through a running backlog of automated writes", async () => {
    const since = (await sandboxCalls(bridge.sandbox)).at(-1)?.seq ?? 0;
    for (let i = 0; i < 42; i++) {
      const caseId = `CS-000010${String((i % 14) + 1).padStart(2, '0')}`;
      await bridge.core.producer.enqueue({
        kind: 'message',
        key: `test:auto-${i}`,
        origin: { kind: 'test', ref: 'auto' },
        case: { caseId },
        author: { name: 'Alertmanager', via: 'alert' },
        text: `automated ${i}`,
        at: new Date().toISOString(),
        human: false,
      });
    }
    await eventually(async () => (await sandboxCalls(bridge.sandbox)).filter((c) => c.seq > since && c.method === 'POST').length >= 3);
    const acceptedAt = (await sandboxCalls(bridge.sandbox)).at(-1)!.seq;
    const person = await bridge.core.producer.enqueue({
      kind: 'message',
      key: 'test:person-1',
      origin: { kind: 'test', ref: 'p' },
      case: { caseId: 'CS-00001018' },
      author: { name: 'Ana Ruiz', via: 'Slack' },
      text: 'a person asks',
      at: new Date().toISOString(),
      human: true,
    });
    expect(person.lane).toBe(2);
    await eventually(async () => Object.values(await bridge.core.outbox.pendingByLane()).every((n) => n === 0), 60_000, 200);
    const writes = (await sandboxCalls(bridge.sandbox)).filter((c) => c.seq > acceptedAt && c.method === 'POST' && c.status < 300);
    const at = writes.findIndex((c) => c.path === '/v2/cases/CS-00001018/case-messages');
    expect(at).toBeGreaterThanOrEqual(0);
    // Behind at most what was already booked, one pace ahead per flush in flight; not behind the backlog.
    expect(at).toBeLessThanOrEqual(bridge.config.writes.concurrency + 1);
    expect(writes.length - at).toBeGreaterThan(3);
  });

  it('shows state, budget and dead letters on the admin API, behind its token', async () => {
    expect((await bridge.app.inject({ method: 'GET', url: '/admin/budget' })).statusCode).toBe(401);
    expect((await bridge.app.inject({ method: 'GET', url: '/admin/budget', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    const budget = await bridge.app.inject({ method: 'GET', url: '/admin/budget', headers: ADMIN });
    expect(budget.statusCode).toBe(200);
    expect(budget.json()).toMatchObject({ write: { perMinute: expect.any(Number) }, read: { remaining: expect.any(Number) }, reserve: 5 });
    const caseId = (await casesByReference(bridge.sandbox, 'test:order-0'))[0]!.caseId;
    const state = await bridge.app.inject({ method: 'GET', url: `/admin/cases/${caseId}`, headers: ADMIN });
    expect(state.json()).toMatchObject({ caseId, slot: 'k:test:order-0', pending: [] });
    const dead = await bridge.app.inject({ method: 'GET', url: '/admin/dead-letters', headers: ADMIN });
    expect(dead.json()).toMatchObject({ total: 0, deadLetters: [] });
    const replay = await bridge.app.inject({ method: 'POST', url: '/admin/dead-letters/test%3Anone/replay', headers: ADMIN });
    expect(replay.statusCode).toBe(404);
  });
});
