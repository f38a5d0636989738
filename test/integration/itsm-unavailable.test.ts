import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { ItsmState } from '../../src/itsm/itsm-state.js';
import { itsmRoutingSchema } from '../../src/itsm/routing-schema.js';
import { closeRedis } from '../../src/redis.js';
import { receiveDelivery } from '../../webhooks/itsm/receive-delivery.js';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { fixture } from '../helpers/fake-itsm.js';
import { openRedis, withRedisDown } from '../helpers/redis.js';

/** While Redis cannot be reached a delivery is not acknowledged, and its retry later takes effect. */
const SECRET = 'jira-webhook-secret-03';
let bridge: TestBridge;

beforeAll(async () => {
  bridge = await startTestBridge({
    workers: false,
    routing: { itsm: { connectors: { ops: { tool: 'jira', auth: { secret: SECRET }, defaults: { serviceId: 'SRV-40000001' } } } } },
  });
});
afterAll(async () => bridge?.close());

function signed(body: string, deliveryId: string) {
  return {
    'content-type': 'application/json',
    'x-hub-signature': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    'x-atlassian-webhook-identifier': deliveryId,
  };
}

function jira(body: string, deliveryId: string) {
  return bridge.app.inject({ method: 'POST', url: '/webhooks/itsm/jira', payload: body, headers: signed(body, deliveryId) });
}

describe('Redis unreachable', () => {
  it('answers 503 with Retry-After, and the retried delivery is then queued, not taken for a repeat', async () => {
    const body = JSON.stringify({ ...fixture('jira-issue-created'), timestamp: Date.now() });
    const deliveryId = randomUUID();
    const down = await withRedisDown(bridge.core.redis, () => jira(body, deliveryId));
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBeDefined();
    expect(down.json()).toEqual({ error: 'queue_unavailable', message: 'temporarily unavailable, retry later' });
    const retried = await jira(body, deliveryId);
    expect(retried.statusCode).toBe(202);
    expect(retried.json()).toMatchObject({ status: 'queued', writes: [{ key: 'itsm:ops:OPS-42', status: 'queued' }] });
    expect((await jira(body, deliveryId)).json()).toMatchObject({ status: 'duplicate' });
    expect(await bridge.core.outbox.entry('itsm:ops:OPS-42')).toMatchObject({ status: 'queued' });
  });

  it('remembers a delivery only once its writes are queued, even when the delivery store itself answered', async () => {
    // The delivery store on a live connection, the write queue on the one that is down.
    const live: Redis = await openRedis('itsm-live');
    try {
      const state = new ItsmState(live, bridge.prefix);
      const connector = itsmRoutingSchema.parse({ connectors: { ops: { tool: 'jira', auth: { secret: SECRET }, defaults: { serviceId: 'SRV-40000001' } } } })
        .connectors.ops!;
      const payload = fixture('jira-issue-created');
      payload.issue.key = 'OPS-43';
      const body = JSON.stringify({ ...payload, timestamp: Date.now() });
      const deps = {
        state,
        producer: bridge.core.producer,
        outbox: bridge.core.outbox,
        sync: bridge.core.sync,
        deliveryTtlSeconds: 60,
        now: Date.now,
        log: { info: () => undefined },
      };
      const attempt = () => receiveDelivery(deps, 'ops', connector, Buffer.from(body), signed(body, 'delivery-43'));
      await expect(withRedisDown(bridge.core.redis, attempt)).rejects.toMatchObject({ code: 'queue_unavailable' });
      expect(await state.deliverySeen('ops', 'delivery-43')).toBe(false);
      expect(await attempt()).toMatchObject({ status: 'queued', writes: [{ key: 'itsm:ops:OPS-43', status: 'queued' }] });
      expect(await state.deliverySeen('ops', 'delivery-43')).toBe(true);
    } finally {
      await closeRedis(live);
    }
  });
});
