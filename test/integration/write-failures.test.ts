import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/writes/catalog.js';
import { eventually, sandboxCalls, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { casesByReference, createWrite, messagesOf, messageWrite } from '../helpers/pipeline.js';

let bridge: TestBridge;
const outcomes: Outcome[] = [];
const ADMIN = { authorization: 'Bearer test-admin-token-0123456789' };

async function fault(body: unknown): Promise<void> {
  await fetch(`${bridge.sandbox.baseUrl}/sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

const drained = () => eventually(async () => Object.values(await bridge.core.outbox.pendingByLane()).every((n) => n === 0), 60_000, 100);

beforeAll(async () => {
  bridge = await startTestBridge({ env: { WRITE_ATTEMPTS: '4' }, workers: { outcomeHandlers: { test: async (o) => void outcomes.push(o) } } });
});
afterAll(async () => bridge?.close());

describe('write failures', () => {
  it('dead-letters a 422 with its reason, holds the writes behind it, and replays once the cause is fixed', async () => {
    await fault({ kind: 'status', status: 422, count: 1, methods: ['POST'], pathPrefix: '/v2/cases' });
    await bridge.core.producer.enqueue(createWrite('test:dl-1'));
    await bridge.core.producer.enqueue(messageWrite('test:dl-1:m1', 'test:dl-1', 'first words'));
    const dead = await eventually(async () => {
      const res = await bridge.app.inject({ method: 'GET', url: '/admin/dead-letters', headers: ADMIN });
      const body = res.json() as { total: number; deadLetters: { key: string; error: { code: string } }[] };
      return body.total === 1 ? body : undefined;
    });
    expect(dead.deadLetters[0]).toMatchObject({ key: 'test:dl-1', kind: 'create', error: { code: 'validation_failed' } });
    await eventually(async () => outcomes.find((o) => o.key === 'test:dl-1' && o.type === 'failed'));
    expect((await bridge.core.outbox.entry('test:dl-1:m1'))?.status).toBe('queued');
    expect(await casesByReference(bridge.sandbox, 'test:dl-1')).toHaveLength(0);

    const replay = await bridge.app.inject({ method: 'POST', url: `/admin/dead-letters/${encodeURIComponent('test:dl-1')}/replay`, headers: ADMIN });
    expect(replay.statusCode).toBe(202);
    const again = await bridge.app.inject({ method: 'POST', url: `/admin/dead-letters/${encodeURIComponent('test:dl-1')}/replay`, headers: ADMIN });
    expect(again.statusCode).toBe(409);
    await drained();
    const [kase] = await casesByReference(bridge.sandbox, 'test:dl-1');
    expect(kase).toBeDefined();
    expect((await messagesOf(bridge.sandbox, kase!.caseId)).some((m) => m.message.includes('first words'))).toBe(true);
    expect(
      outcomes.find((o) => o.key === 'test:dl-1:m1' && o.type === 'done')?.caseId ??
        (await eventually(async () => outcomes.find((o) => o.key === 'test:dl-1:m1' && o.type === 'done'))),
    ).toBeTruthy();
  });

  it('waits out a storm of 429s: every write lands once, none lost', async () => {
    const since = (await sandboxCalls(bridge.sandbox)).at(-1)?.seq ?? 0;
    await fault({ kind: 'status', status: 429, count: 6, retryAfterSeconds: 1, methods: ['POST', 'PATCH'] });
    for (let i = 0; i < 6; i++) await bridge.core.producer.enqueue(createWrite(`test:storm-${i}`));
    await drained();
    for (let i = 0; i < 6; i++) expect(await casesByReference(bridge.sandbox, `test:storm-${i}`)).toHaveLength(1);
    const calls = (await sandboxCalls(bridge.sandbox)).filter((x) => x.seq > since && x.method === 'POST');
    expect(calls.filter((x) => x.status === 429)).toHaveLength(6);
    expect(calls.filter((x) => x.status === 201)).toHaveLength(6);
  });

  it('retries server errors with backoff and dead-letters after the last attempt', async () => {
    await fault({ kind: 'status', status: 500, count: 2, methods: ['POST'] });
    await bridge.core.producer.enqueue(createWrite('test:flaky-1'));
    await drained();
    expect(await casesByReference(bridge.sandbox, 'test:flaky-1')).toHaveLength(1);

    await fault({ kind: 'status', status: 503, count: 4, methods: ['POST'] });
    await bridge.core.producer.enqueue(createWrite('test:down-1'));
    const entry = await eventually(async () => {
      const e = await bridge.core.outbox.entry('test:down-1');
      return e?.status === 'dead' ? e : undefined;
    });
    expect(entry.error?.code).toBe('upstream_error');
  });

  it('writes neither a case nor a message twice when the answer to a write is lost', async () => {
    const since = (await sandboxCalls(bridge.sandbox)).at(-1)?.seq ?? 0;
    await fault({ kind: 'lose-answer', count: 1, methods: ['POST'], pathPrefix: '/v2/cases' });
    await bridge.core.producer.enqueue(createWrite('test:lost-1'));
    await drained();
    const [kase, ...others] = await casesByReference(bridge.sandbox, 'test:lost-1');
    expect(others).toHaveLength(0);
    expect(await bridge.core.outbox.caseIdForKey('test:lost-1')).toBe(kase!.caseId);

    await fault({ kind: 'lose-answer', count: 1, methods: ['POST'], pathPrefix: `/v2/cases/${kase!.caseId}/case-messages` });
    await bridge.core.producer.enqueue(messageWrite('test:lost-1:m1', 'test:lost-1', 'said only once'));
    await drained();
    const said = (await messagesOf(bridge.sandbox, kase!.caseId)).filter((m) => m.message.includes('said only once'));
    expect(said).toHaveLength(1);
    const lost = (await sandboxCalls(bridge.sandbox)).filter((x) => x.seq > since && (x as { fault?: string }).fault === 'lose-answer');
    expect(lost).toHaveLength(2);
  });
});
