import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { createWrite } from '../helpers/pipeline.js';
import { withRedisDown } from '../helpers/redis.js';

let bridge: TestBridge;
beforeAll(async () => {
  bridge = await startTestBridge();
});
afterAll(async () => bridge?.close());

describe('operations endpoints', () => {
  it('answers /healthz and /readyz with each check', async () => {
    expect((await bridge.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await bridge.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { redis: 'ok', upstreamToken: 'ok', workers: 'ok' } });
  });

  it('exposes Prometheus metrics for requests, upstream calls, queues and budgets', async () => {
    await bridge.core.producer.enqueue(createWrite('test:metrics-1'));
    await bridge.core.expereo.account('ACC-98000001');
    await bridge.app.inject({ url: '/healthz' });
    const res = await bridge.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    const text = res.body;
    expect(text).toMatch(/bridge_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(text).toMatch(/bridge_http_request_duration_seconds_bucket/);
    expect(text).toMatch(/bridge_write_queue_depth\{lane="create"\} \d+/);
    expect(text).toMatch(/bridge_write_budget_remaining \d+/);
    expect(text).toMatch(/bridge_read_budget_used \d+/);
    expect(text).toMatch(/bridge_dead_letters 0/);
    expect(text).toMatch(/bridge_upstream_calls_total\{kind="read",method="GET",status="200"\} \d+/);
    expect(text).toMatch(/bridge_reply_delivery_lag_seconds/);
  });

  it('serves the queue dashboard only with the admin token', async () => {
    const anonymous = await bridge.app.inject({ url: '/admin/queues' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic/);
    const basic = `Basic ${Buffer.from('ops:test-admin-token-0123456789').toString('base64')}`;
    const page = await bridge.app.inject({ url: '/admin/queues', headers: { authorization: basic } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/html/);
    const api = await bridge.app.inject({ url: '/admin/queues/api/queues', headers: { authorization: 'Bearer test-admin-token-0123456789' } });
    expect(api.statusCode).toBe(200);
    const names = (api.json() as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(['deliveries', 'mirror-fetch', 'mirror-scan', 'outcomes', 'writes']); // no alert sources configured here
  });

  it('answers the budget view 503 instead of hanging while Redis is away', async () => {
    const admin = { authorization: `Bearer ${bridge.core.config.adminToken}` };
    const down = await withRedisDown(bridge.core.workerRedis, () => bridge.app.inject({ method: 'GET', url: '/admin/budget', headers: admin }));
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ error: 'queue_unavailable' });
    const back = await bridge.app.inject({ method: 'GET', url: '/admin/budget', headers: admin });
    expect(back.statusCode).toBe(200);
    expect(back.json()).toHaveProperty('write.remaining');
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await bridge.app.inject({ url: '/nowhere' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not_found' });
  });
});
