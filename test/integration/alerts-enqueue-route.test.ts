import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERTS_INTAKE } from '../../src/alerts/alerts-capability.js';
import { eventually, sandboxCalls, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { withRedisDown } from '../helpers/redis.js';
import { createsWithReference, writesFor } from '../fixtures/alerts/bridge-routing.js';

/**
 * `POST /v2/enqueue` as a PagerDuty Events API v2 sender sees it: the routing key in the body is
 * the credential and picks the team's rules, dedup is per routing key, and the answers are
 * PagerDuty's own. The bridge runs with its workers, a real Redis and the sandbox over HTTP.
 */
const NETWORK_KEY = 'N0123456789abcdef0123456789abcde';
const VOICE_KEY = 'V0123456789abcdef0123456789abcde';
const SHORT_KEY = 'S0123456789abcdef0123456789abcde';
const EVENTS_TOKEN = 'events-token-0123456789abcd';

const routing = {
  alerts: {
    sources: {
      events: {
        auth: { bearer: EVENTS_TOKEN },
        routingKeys: [
          { name: 'network', key: NETWORK_KEY, rules: ['pd-network'] },
          { name: 'voice', key: VOICE_KEY, rules: ['pd-voice'] },
          { name: 'short', key: SHORT_KEY, rules: ['pd-short'] },
        ],
      },
    },
    defaults: { holdDownSeconds: 0, resolve: { status: 'Resolved' }, reopen: { windowSeconds: 600 } },
    rules: [
      // First in the file, so header-credential events (which any rule may take) use it; the routing keys name their own.
      { name: 'pd-header', sources: ['events'], service: 'SRV-40000003' },
      { name: 'pd-network', service: 'SRV-40000001' },
      { name: 'pd-voice', service: 'SRV-40000002' },
      { name: 'pd-short', service: 'SRV-40000004', reopen: { windowSeconds: 1 } },
    ],
  },
};

function trigger(routingKey: string, dedupKey: string | undefined, summary = `Circuit down ${dedupKey ?? 'no key'}`) {
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    ...(dedupKey === undefined ? {} : { dedup_key: dedupKey }),
    payload: { summary, source: 'probe-01.example.net', severity: 'critical' },
  };
}

const action = (routingKey: string, dedupKey: string, event_action: 'acknowledge' | 'resolve') => ({
  routing_key: routingKey,
  dedup_key: dedupKey,
  event_action,
});

async function enqueue(bridge: TestBridge, body: unknown, headers: Record<string, string> = {}) {
  return bridge.app.inject({
    method: 'POST',
    url: '/v2/enqueue',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The case opened for an incident key (its first create), once the write drain has sent it. */
async function caseOf(bridge: TestBridge, reference: string): Promise<{ caseId: string; serviceId: string }> {
  await eventually(async () => (await createsWithReference(bridge, reference)).length > 0);
  const found = await bridge.core.expereo.findCaseByReference(reference);
  return { caseId: found!.caseId, serviceId: String(found!.serviceId) };
}

async function settled(bridge: TestBridge): Promise<boolean> {
  if ((await bridge.core.intake(ALERTS_INTAKE).backlog()) > 0) return false;
  const pending = await bridge.core.outbox.pendingByLane();
  return Object.values(pending).every((n) => n === 0);
}

describe('POST /v2/enqueue', () => {
  let bridge: TestBridge;
  beforeAll(async () => {
    bridge = await startTestBridge({ routing });
  }, 30_000);
  afterAll(async () => bridge?.close());

  it("answers a trigger as PagerDuty does, and the routing key's rules open the case", async () => {
    const res = await enqueue(bridge, trigger(NETWORK_KEY, 'cir-7001/icmp'));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'cir-7001/icmp' });
    const opened = await caseOf(bridge, 'events:network/cir-7001/icmp');
    expect(opened.serviceId).toBe('SRV-40000001');
  });

  it('dedups per routing key: the same dedup_key through two keys is two incidents, each of its own team', async () => {
    const shared = 'host-42/disk';
    expect((await enqueue(bridge, trigger(NETWORK_KEY, shared))).statusCode).toBe(202);
    expect((await enqueue(bridge, trigger(VOICE_KEY, shared))).statusCode).toBe(202);
    // The same event again through the network key: nothing new.
    expect((await enqueue(bridge, trigger(NETWORK_KEY, shared))).statusCode).toBe(202);
    const network = await caseOf(bridge, `events:network/${shared}`);
    const voice = await caseOf(bridge, `events:voice/${shared}`);
    expect(network.caseId).not.toBe(voice.caseId);
    expect([network.serviceId, voice.serviceId]).toEqual(['SRV-40000001', 'SRV-40000002']);
    await eventually(() => settled(bridge));
    expect(await createsWithReference(bridge, `events:network/${shared}`)).toHaveLength(1);
  });

  it('a trigger without a dedup_key is answered with the one the bridge gave it, which resolves it', async () => {
    const res = await enqueue(bridge, trigger(NETWORK_KEY, undefined, 'Packet loss on CIR-7002'));
    expect(res.statusCode).toBe(202);
    const dedup = res.json().dedup_key as string;
    expect(dedup).toMatch(/^auto-[0-9a-f]{20}$/);
    const { caseId } = await caseOf(bridge, `events:network/${dedup}`);
    expect((await enqueue(bridge, action(NETWORK_KEY, dedup, 'resolve'))).json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: dedup });
    await eventually(async () => (await writesFor(bridge, caseId)).some((c) => (c.body as { status?: string }).status === 'Resolved'));
  });

  it('acknowledge and resolve of an unknown key, or of a resolved one, are acknowledged and dropped', async () => {
    const upstreamWrites = async () => (await sandboxCalls(bridge.sandbox)).filter((c) => c.method !== 'GET').length;
    await eventually(() => settled(bridge));
    const before = await upstreamWrites();
    for (const a of ['acknowledge', 'resolve'] as const) {
      const res = await enqueue(bridge, action(VOICE_KEY, 'never-triggered', a));
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'never-triggered' });
    }
    await eventually(() => settled(bridge));
    expect(await upstreamWrites()).toBe(before);
    // cir-7001 of the first test, resolved twice: the second changes nothing.
    expect((await enqueue(bridge, action(NETWORK_KEY, 'cir-7001/icmp', 'resolve'))).statusCode).toBe(202);
    const { caseId } = await caseOf(bridge, 'events:network/cir-7001/icmp');
    await eventually(async () => (await writesFor(bridge, caseId)).some((c) => (c.body as { status?: string }).status === 'Resolved'));
    await eventually(() => settled(bridge));
    const afterFirst = await upstreamWrites();
    expect((await enqueue(bridge, action(NETWORK_KEY, 'cir-7001/icmp', 'resolve'))).statusCode).toBe(202);
    expect((await enqueue(bridge, action(NETWORK_KEY, 'cir-7001/icmp', 'acknowledge'))).statusCode).toBe(202);
    await eventually(() => settled(bridge));
    expect(await upstreamWrites()).toBe(afterFirst);
  });

  it('a trigger after a resolve reopens the case within the window, and opens a new one after it', async () => {
    // Within the window (600 s): a reopen message on the same case.
    expect((await enqueue(bridge, trigger(VOICE_KEY, 'pbx-1/sip'))).statusCode).toBe(202);
    const first = await caseOf(bridge, 'events:voice/pbx-1/sip');
    expect((await enqueue(bridge, action(VOICE_KEY, 'pbx-1/sip', 'resolve'))).statusCode).toBe(202);
    await eventually(async () => (await writesFor(bridge, first.caseId)).some((c) => (c.body as { status?: string }).status === 'Resolved'));
    expect((await enqueue(bridge, trigger(VOICE_KEY, 'pbx-1/sip'))).statusCode).toBe(202);
    await eventually(async () => (await writesFor(bridge, first.caseId)).some((c) => /reopen|again/i.test(String((c.body as { message?: string }).message))));
    expect(await createsWithReference(bridge, 'events:voice/pbx-1/sip #2')).toHaveLength(0);

    // Past the window (1 s for the short key's rule): a new case.
    expect((await enqueue(bridge, trigger(SHORT_KEY, 'edge-9'))).statusCode).toBe(202);
    await caseOf(bridge, 'events:short/edge-9');
    expect((await enqueue(bridge, action(SHORT_KEY, 'edge-9', 'resolve'))).statusCode).toBe(202);
    await eventually(() => settled(bridge));
    await new Promise((r) => setTimeout(r, 1100));
    expect((await enqueue(bridge, trigger(SHORT_KEY, 'edge-9'))).statusCode).toBe(202);
    await caseOf(bridge, 'events:short/edge-9 #2');
  });

  it('refuses an unknown routing key as PagerDuty does, and queues nothing', async () => {
    await eventually(() => settled(bridge));
    const intake = bridge.core.intake(ALERTS_INTAKE);
    const invalidKey = { status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key'] };
    for (const key of ['X0123456789abcdef0123456789abcde', 'samplekeyhere', '']) {
      const res = await enqueue(bridge, trigger(key, 'k-1'));
      expect(res.statusCode, key).toBe(400);
      expect(res.json()).toEqual(invalidKey);
    }
    const { routing_key: _gone, ...noKey } = trigger(NETWORK_KEY, 'k-1');
    expect((await enqueue(bridge, noKey)).json()).toEqual(invalidKey);
    expect(await intake.backlog()).toBe(0);
  });

  it('answers a malformed event with PagerDuty’s 400 and says what is wrong', async () => {
    const notJson = await enqueue(bridge, '{"routing_key":');
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toMatchObject({
      status: 'invalid event',
      message: 'Event object is invalid',
      errors: expect.arrayContaining([expect.stringContaining('not valid JSON')]),
    });

    const noPayload = await enqueue(bridge, { routing_key: NETWORK_KEY, event_action: 'trigger', dedup_key: 'x' });
    expect(noPayload.statusCode).toBe(400);
    expect(noPayload.json().errors).toEqual(["'payload' is required for a trigger"]);

    const badAction = await enqueue(bridge, { ...trigger(NETWORK_KEY, 'x'), event_action: 'escalate' });
    expect(badAction.statusCode).toBe(400);
    expect(badAction.json().errors).toEqual([expect.stringMatching(/^'event_action' /)]);

    const longKey = await enqueue(bridge, trigger(NETWORK_KEY, 'k'.repeat(256)));
    expect(longKey.statusCode).toBe(400);
    expect(longKey.json().errors).toEqual([expect.stringMatching(/^'dedup_key' .*255/)]);
    expect((await enqueue(bridge, trigger(NETWORK_KEY, 'k'.repeat(255)))).statusCode).toBe(202);

    const noResolveKey = await enqueue(bridge, { routing_key: NETWORK_KEY, event_action: 'resolve' });
    expect(noResolveKey.json().errors).toEqual(["'dedup_key' is required for resolve"]);
  });

  it('takes events up to 512 KB and refuses larger ones', async () => {
    const big = (bytes: number) => {
      const event = { ...trigger(NETWORK_KEY, `big-${bytes}`), payload: { ...trigger(NETWORK_KEY, 'x').payload, custom_details: { log: '' } } };
      const base = JSON.stringify(event).length;
      event.payload.custom_details.log = 'x'.repeat(bytes - base);
      return JSON.stringify(event);
    };
    expect((await enqueue(bridge, big(512 * 1024))).statusCode).toBe(202);
    expect((await enqueue(bridge, big(512 * 1024 + 1))).statusCode).toBe(413);
  });

  it('keeps the header credential: a bearer instead of a known routing key, a wrong one refused', async () => {
    const res = await enqueue(bridge, trigger('any-key-the-script-has', 'script-1'), { authorization: `Bearer ${EVENTS_TOKEN}` });
    expect(res.statusCode).toBe(202);
    expect(res.json().dedup_key).toBe('script-1');
    expect((await caseOf(bridge, 'events:script-1')).serviceId).toBe('SRV-40000003');
    const wrong = await enqueue(bridge, trigger(NETWORK_KEY, 'script-2'), { authorization: 'Bearer wrong-token-0123456789' });
    expect(wrong.statusCode).toBe(401);
    // The same events on /webhooks/alerts/events: the routing key there too, with the bridge's answers.
    const viaEvents = await bridge.app.inject({
      method: 'POST',
      url: '/webhooks/alerts/events',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(trigger(VOICE_KEY, 'events-route-1')),
    });
    expect(viaEvents.statusCode).toBe(202);
    expect(viaEvents.json()).toMatchObject({ status: 'queued' });
    await caseOf(bridge, 'events:voice/events-route-1');
  });
});

describe('POST /v2/enqueue: nothing acknowledged is lost, no credential kept', () => {
  let bridge: TestBridge;
  beforeAll(async () => {
    bridge = await startTestBridge({ routing, workers: false });
  }, 30_000);
  afterAll(async () => bridge?.close());

  it('a 202 means the event is in the intake, its routing key replaced by the key’s name', async () => {
    const res = await enqueue(bridge, trigger(NETWORK_KEY, 'kept-1'));
    expect(res.statusCode).toBe(202);
    const intake = bridge.core.intake(ALERTS_INTAKE);
    expect(await intake.backlog()).toBe(1);
    const entries = await bridge.core.redis.xrange(intake.keys.stream, '-', '+');
    const stored = entries.map(([, fields]) => fields.join(' ')).join('\n');
    expect(stored).toContain('"integration":"network"');
    expect(stored).toContain('"routing_key":"network"');
    expect(stored).not.toContain(NETWORK_KEY);
  });

  it('503 when Redis does not take it, so that the sender retries', async () => {
    await withRedisDown(bridge.core.redis, async () => {
      const res = await enqueue(bridge, trigger(NETWORK_KEY, 'kept-2'));
      expect(res.statusCode).toBe(503);
    });
  });
});
