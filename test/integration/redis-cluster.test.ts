import { createHmac, randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackLink } from '../../src/slack/links.js';
import { alertsRouting, circuitIncident, createKeyOf, createsWithReference, messagesOf, postAlert } from '../fixtures/alerts/bridge-routing.js';
import { alertmanagerGroup } from '../fixtures/alerts/payloads.js';
import { eventually, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { FAKE_CREDENTIALS, fixture, startFakeItsm, type FakeItsm } from '../helpers/fake-itsm.js';
import { messageEvent, SIGNING_SECRET, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { engineerReply } from '../helpers/mirror-harness.js';
import { OwnRedisCluster } from '../helpers/redis-cluster.js';
import { cli } from '../helpers/redis-server.js';

/**
 * The whole bridge on a Redis Cluster of three primaries (REDIS_CLUSTER_NODES): an alert becomes a
 * case, a Slack thread reply reaches the case and an engineer's reply reaches the thread, a Jira
 * ticket becomes a case and an engineer's reply becomes a comment on it. Every key the bridge and
 * BullMQ write is under the prefix's one hash tag, so the scripts and transactions that span keys
 * run in one slot.
 */
const JIRA_SECRET = 'jira-webhook-secret-cluster';
const CHANNEL = 'C0CLUSTER1';
const THREAD = '1700500000.000100';

let cluster: OwnRedisCluster;
let slack: FakeSlack;
let tool: FakeItsm;
let bridge: TestBridge;

beforeAll(async () => {
  cluster = await OwnRedisCluster.start(3);
  slack = await startFakeSlack();
  slack.users.set('UPERSON01', { name: 'ana', realName: 'Ana Silva' });
  tool = await startFakeItsm();
  const { events: _events, ...sources } = alertsRouting.sources;
  bridge = await startTestBridge({
    // The shared Redis is not used: the cluster is the bridge's only Redis.
    redisUrl: 'redis://127.0.0.1:1',
    env: {
      REDIS_CLUSTER_NODES: cluster.nodes,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_API_URL: slack.apiUrl,
      MIRROR_SCAN_EVERY: '200ms',
      MIRROR_ACTIVE_INTERVAL: '200ms',
    },
    routing: {
      alerts: { ...alertsRouting, sources },
      slack: { channels: [{ channel: CHANNEL, accountId: 'ACC-98000001' }] },
      itsm: {
        connectors: {
          ops: {
            tool: 'jira',
            auth: { secret: JIRA_SECRET },
            defaults: { serviceId: 'SRV-40000001' },
            outbound: { baseUrl: tool.baseUrl, ...FAKE_CREDENTIALS.jira },
          },
        },
      },
    },
  });
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  await slack?.close();
  await tool?.close();
  await cluster?.close();
});

function jira(payload: Record<string, unknown>) {
  const body = JSON.stringify({ ...payload, timestamp: Date.now() });
  return bridge.app.inject({
    method: 'POST',
    url: '/webhooks/itsm/jira',
    payload: body,
    headers: {
      'content-type': 'application/json',
      'x-hub-signature': `sha256=${createHmac('sha256', JIRA_SECRET).update(body).digest('hex')}`,
      'x-atlassian-webhook-identifier': randomUUID(),
    },
  });
}

describe('on a Redis Cluster', () => {
  it('runs on the cluster connection, under one hash tag', () => {
    expect(bridge.core.redis).toBeInstanceOf(Cluster);
    expect(bridge.core.workerRedis).toBeInstanceOf(Cluster);
    expect(bridge.prefix).toMatch(/^\{test-bridge-[0-9a-f]+\}$/);
  });

  it('an alert becomes one case', async () => {
    const circuit = 'CIR-C1001';
    const res = await postAlert(bridge, 'alertmanager', alertmanagerGroup(circuit, [{ name: 'CircuitDown', fingerprint: 'fcc1' }], { team: 'network' }));
    expect(res.statusCode).toBe(202);
    const caseId = await eventually(() => bridge.core.outbox.caseIdForKey(createKeyOf(circuitIncident(circuit))));
    expect(caseId).toMatch(/\S/);
    expect(await createsWithReference(bridge, circuitIncident(circuit))).toHaveLength(1);
  });

  it('a Slack thread reply reaches the case, and an engineer’s reply reaches the thread', async () => {
    const kase = await bridge.core.expereo.createCase({
      type: 'Incident',
      subject: 'ServiceDown',
      priority: 'P3',
      serviceId: 'SRV-40000001',
      description: 'cluster run',
      startOfIncident: new Date().toISOString(),
    });
    await bridge.core.sync.link(kase.caseId, slackLink(CHANNEL, THREAD));
    const text = 'The office router in Leeds is dark since 09:12.';
    const res = await bridge.app.inject(messageEvent({ channel: CHANNEL, text, ts: '1700500100.000200', threadTs: THREAD, eventId: 'Ev0CLUSTER1' }));
    expect(res.statusCode).toBe(200);
    await eventually(async () => (await messagesOf(bridge, kase.caseId)).some((m) => m.includes(text)));

    await engineerReply(bridge.sandbox, kase.caseId, 'A technician is on the way to Leeds.', 'Ravi Menon (expereo NOC)');
    const posted = await eventually(async () =>
      slack.calls('chat.postMessage').find((c) => c.params.thread_ts === THREAD && String(c.params.text).includes('technician is on the way')),
    );
    expect(posted.params.channel).toBe(CHANNEL);
  });

  it('a Jira ticket becomes a case, and an engineer’s reply becomes one comment on it', async () => {
    const created = fixture('jira-issue-created');
    created.issue.key = 'CLU-7';
    expect((await jira(created)).statusCode).toBe(202);
    const caseId = await eventually(() => bridge.core.outbox.caseIdForKey('itsm:ops:CLU-7'));
    const before = tool.comments('jira', 'CLU-7').length;
    await engineerReply(bridge.sandbox, caseId, 'The carrier confirmed a fibre cut near Leeds.', 'Ravi Menon (expereo NOC)');
    await eventually(async () => tool.comments('jira', 'CLU-7').some((c) => c.text.includes('fibre cut near Leeds')));
    expect(tool.comments('jira', 'CLU-7').filter((c) => c.text.includes('fibre cut near Leeds'))).toHaveLength(1);
    expect(tool.comments('jira', 'CLU-7').length).toBe(before + 1);
  });

  it('wrote every key in the slot of its hash tag, none outside the prefix', async () => {
    const home = await cluster.portOf(bridge.prefix);
    for (const port of cluster.ports) {
      const keys = (await cli(port, '--scan')).split('\n').filter(Boolean);
      if (port === home) {
        expect(keys.length).toBeGreaterThan(0);
        expect(keys.filter((k) => !k.startsWith(`${bridge.prefix}:`))).toEqual([]);
        expect(keys.some((k) => k.startsWith(`${bridge.prefix}:q:writes:`))).toBe(true);
      } else {
        expect(keys).toEqual([]);
      }
    }
  });
});
