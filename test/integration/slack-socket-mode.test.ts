import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { FAKE_BOT, SIGNING_SECRET, slashCommand, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';

const CHANNEL = 'C0SOCKET01';

let slack: FakeSlack;
let bridge: TestBridge;

beforeAll(async () => {
  slack = await startFakeSlack();
  bridge = await startTestBridge({
    workers: false,
    env: { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_APP_TOKEN: 'xapp-test-token', SLACK_API_URL: slack.apiUrl },
    routing: { slack: { channels: [{ channel: CHANNEL, accountId: 'ACC-98000001' }] } },
  });
});
afterAll(async () => {
  await bridge?.close();
  await slack?.close();
});

const command = (text: string, channel: string) => ({
  command: '/case',
  text,
  channel_id: channel,
  team_id: FAKE_BOT.teamId,
  user_id: 'UPERSON01',
  user_name: 'ana',
  trigger_id: `trig-${channel}`,
  response_url: slack.responseUrl('socket'),
  api_app_id: 'A0TEST01',
});

describe('Socket Mode', () => {
  it('connects with the app token when the server is ready', async () => {
    await eventually(async () => slack.socket.connections() === 1);
    expect(slack.calls('apps.connections.open')).toHaveLength(1);
  });

  it('takes /case over the socket: acknowledged by envelope, then the modal opens', async () => {
    slack.socket.send({ envelope_id: 'env-new', type: 'slash_commands', accepts_response_payload: true, payload: command('', CHANNEL) });
    await eventually(async () => slack.socket.acks().find((a) => a.envelope_id === 'env-new'));
    const open = await eventually(async () => slack.calls('views.open').find((c) => c.params.trigger_id === `trig-${CHANNEL}`));
    expect(JSON.parse((open.params.view as { private_metadata: string }).private_metadata)).toEqual({ channel: CHANNEL, teamId: FAKE_BOT.teamId });
  });

  it('answers an unmapped channel in the acknowledgement', async () => {
    slack.socket.send({ envelope_id: 'env-unmapped', type: 'slash_commands', accepts_response_payload: true, payload: command('', 'C0ELSEWHERE') });
    const ack = await eventually(async () => slack.socket.acks().find((a) => a.envelope_id === 'env-unmapped'));
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral' });
    expect(ack.payload?.text).toContain('not mapped to an expereo account');
  });

  it('has no HTTP Request URL', async () => {
    const res = await bridge.app.inject(slashCommand({ text: '', channel: CHANNEL, responseUrl: slack.responseUrl('http') }));
    expect(res.statusCode).toBe(404);
  });
});
