import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { alertsRouting, circuitIncident, createKeyOf, postAndHandle } from '../fixtures/alerts/bridge-routing.js';
import { alertmanagerGroup } from '../fixtures/alerts/payloads.js';

const CHANNEL = 'C0ALERTS1';
let slack: FakeSlack;
let bridge: TestBridge;

beforeAll(async () => {
  slack = await startFakeSlack();
  bridge = await startTestBridge({
    env: { SLACK_SIGNING_SECRET: 'slack-signing-secret-0123', SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: slack.apiUrl },
    routing: {
      alerts: {
        ...alertsRouting,
        rules: [{ name: 'announced', matchers: ['team="network"'], service: { label: 'expereo_service' }, announce: { slackChannel: CHANNEL } }],
      },
    },
  });
});
afterAll(async () => {
  await bridge?.close();
  await slack?.close();
});

const caseOf = (incident: string) => eventually(() => bridge.core.outbox.caseIdForKey(createKeyOf(incident)));

describe('escalations announced in Slack', () => {
  it('posts once in the mapped channel and links the case to that thread', async () => {
    const payload = alertmanagerGroup('CIR-6001', [{ name: 'CircuitDown', fingerprint: 'ab01' }]);
    const answers = await Promise.all([postAndHandle(bridge, 'alertmanager', payload), postAndHandle(bridge, 'alertmanager', payload)]);
    expect(answers.map((a) => a.statusCode)).toEqual([202, 202]);

    const posts = slack.calls('chat.postMessage').filter((c) => String(c.params.text).includes('CIR-6001'));
    expect(posts).toHaveLength(1);
    expect(posts[0]!.params).toMatchObject({ channel: CHANNEL });
    expect(posts[0]!.params.text).toContain('CircuitDown on circuit CIR-6001 — escalating to expereo (priority P1, service SRV-40000001');

    const caseId = await caseOf(circuitIncident('CIR-6001'));
    const links = await bridge.core.sync.links(caseId);
    const thread = links.find((l) => l.kind === 'slack');
    expect(thread).toMatchObject({
      id: `slack:${CHANNEL}:${thread?.data.threadTs as string}`,
      data: { channel: CHANNEL, threadTs: expect.stringMatching(/^\d+\.\d+$/) },
    });
    expect(links.map((l) => l.kind).sort()).toEqual(['alert', 'slack']);
  });

  it('still opens the case when Slack refuses the announcement', async () => {
    slack.failNext('chat.postMessage', { error: 'channel_not_found' });
    await postAndHandle(bridge, 'alertmanager', alertmanagerGroup('CIR-6002', [{ name: 'CircuitDown', fingerprint: 'ab02' }]));
    const caseId = await caseOf(circuitIncident('CIR-6002'));
    expect((await bridge.core.sync.links(caseId)).map((l) => l.kind)).toEqual(['alert']);
  });
});
