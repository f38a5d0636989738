import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { FAKE_BOT, interactive, signed, SIGNING_SECRET, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';

const CHANNEL = 'C0REACT001';
const PERSON = 'UPERSON01';
const OTHER = 'UPERSON02';
const MESSAGE_TS = '1700400000.000100';
let slack: FakeSlack;
let bridge: TestBridge;

beforeAll(async () => {
  slack = await startFakeSlack();
  slack.seedMessage({ channel: CHANNEL, ts: MESSAGE_TS, user: 'UWRITER01', text: 'Paris link is flapping &amp; dropping <!here> calls' });
  bridge = await startTestBridge({
    env: { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: slack.apiUrl },
    routing: { slack: { channels: [{ channel: CHANNEL, accountId: 'ACC-98000001' }] } },
  });
});
afterAll(async () => {
  await bridge?.close();
  await slack?.close();
});

/** `reaction_added` as the Events API delivers it (docs.slack.dev, reaction_added). */
function reaction(o: { eventId: string; user: string; reaction: string; channel?: string; eventTs: string }, sign?: Parameters<typeof signed>[1]) {
  return signed(
    {
      json: {
        token: 'legacy-token',
        team_id: FAKE_BOT.teamId,
        api_app_id: 'A0TEST01',
        type: 'event_callback',
        event_id: o.eventId,
        event_time: Math.floor(Number(o.eventTs)),
        event: {
          type: 'reaction_added',
          user: o.user,
          reaction: o.reaction,
          item_user: 'UWRITER01',
          item: { type: 'message', channel: o.channel ?? CHANNEL, ts: MESSAGE_TS },
          event_ts: o.eventTs,
        },
      },
    },
    sign,
  );
}

/** The button of the ephemeral message, pressed (block_actions from an ephemeral message). */
function press(value: string, user: string, responseId: string) {
  return interactive({
    type: 'block_actions',
    user: { id: user, username: 'ana', name: 'ana', team_id: FAKE_BOT.teamId },
    api_app_id: 'A0TEST01',
    container: { type: 'message', message_ts: '1700400001.000200', channel_id: CHANNEL, is_ephemeral: true },
    trigger_id: `trig-${responseId}`,
    team: { id: FAKE_BOT.teamId, domain: 'test' },
    channel: { id: CHANNEL, name: 'ops' },
    response_url: slack.responseUrl(responseId),
    actions: [
      {
        action_id: 'open_case_from_reaction',
        block_id: 'b',
        type: 'button',
        value,
        text: { type: 'plain_text', text: 'Open case form' },
        action_ts: '1700400002.000300',
      },
    ],
  });
}

const ephemeralFor = (user: string) => slack.calls('chat.postEphemeral').filter((c) => c.params.user === user);
const buttonOf = (call: { params: Record<string, any> }) =>
  (call.params.blocks as { type: string; elements?: { value: string }[] }[]).find((b) => b.type === 'actions')!.elements![0]!;
const permalink = `https://test.slack.com/archives/${CHANNEL}/p${MESSAGE_TS.replace('.', '')}`;
const descriptionOf = (open: { params: Record<string, any> }) =>
  (open.params.view.blocks as { block_id: string; element: { initial_value?: string } }[]).find((b) => b.block_id === 'description')!.element.initial_value;

describe('a reaction opens a case', () => {
  it('offers the person who added :expereo: a case form prefilled from the message, once per event', async () => {
    const first = reaction({ eventId: 'Ev0REACT01', user: PERSON, reaction: 'expereo', eventTs: '1700400001.000100' });
    expect((await bridge.app.inject(first)).statusCode).toBe(200);
    // Slack's retry of the same delivery.
    expect(
      (await bridge.app.inject(reaction({ eventId: 'Ev0REACT01', user: PERSON, reaction: 'expereo', eventTs: '1700400001.000100' }, { retryNum: 1 })))
        .statusCode,
    ).toBe(200);
    const asked = await eventually(async () => ephemeralFor(PERSON)[0]);
    expect(asked.params).toMatchObject({ channel: CHANNEL, user: PERSON });
    expect(JSON.stringify(asked.params.blocks)).toContain(`<${permalink}|this message>`);
    expect(slack.calls('conversations.history').map((c) => c.params)).toEqual([
      expect.objectContaining({ channel: CHANNEL, latest: MESSAGE_TS, inclusive: 'true', limit: '1' }),
    ]);

    const button = buttonOf(asked);
    expect((await bridge.app.inject(press(button.value, PERSON, 'press-1'))).statusCode).toBe(200);
    const open = await eventually(async () => slack.calls('views.open').find((c) => c.params.trigger_id === 'trig-press-1'));
    expect(descriptionOf(open)).toBe(`Paris link is flapping & dropping @here calls\n\nSlack message: ${permalink}`);
    expect(JSON.parse(open.params.view.private_metadata as string)).toEqual({ channel: CHANNEL, teamId: FAKE_BOT.teamId, source: permalink });
    // The prompt goes away once the form is open.
    await eventually(async () => slack.responses().find((r) => r.id === 'press-1' && r.body.delete_original === true));
    await new Promise((r) => setTimeout(r, 300));
    expect(ephemeralFor(PERSON)).toHaveLength(1);
  });

  it('prefills with the link alone when the minute’s message read is spent, never passing Slack’s limit', async () => {
    expect(
      (await bridge.app.inject(reaction({ eventId: 'Ev0REACT02', user: OTHER, reaction: 'expereo::skin-tone-3', eventTs: '1700400005.000100' }))).statusCode,
    ).toBe(200);
    const asked = await eventually(async () => ephemeralFor(OTHER)[0]);
    expect(slack.calls('conversations.history')).toHaveLength(1);
    expect((await bridge.app.inject(press(buttonOf(asked).value, OTHER, 'press-2'))).statusCode).toBe(200);
    const open = await eventually(async () => slack.calls('views.open').find((c) => c.params.trigger_id === 'trig-press-2'));
    expect(descriptionOf(open)).toBe(`Slack message: ${permalink}`);
  });

  it('ignores other emoji, and tells the person when the channel is not mapped', async () => {
    await bridge.app.inject(reaction({ eventId: 'Ev0REACT03', user: 'UPERSON03', reaction: 'thumbsup', eventTs: '1700400006.000100' }));
    await bridge.app.inject(reaction({ eventId: 'Ev0REACT04', user: 'UPERSON04', reaction: 'expereo', channel: 'C0NOWHERE1', eventTs: '1700400007.000100' }));
    const unmapped = await eventually(async () => ephemeralFor('UPERSON04')[0]);
    expect(unmapped.params.text).toContain('not mapped to an expereo account');
    expect(ephemeralFor('UPERSON03')).toHaveLength(0);
  });

  it('acknowledges the event and the button before their listeners have heard back from Slack', async () => {
    // The event is answered once it is in the events intake: its listener's first call to Slack is still waiting.
    const permalinkCall = slack.holdNext('chat.getPermalink');
    const answer = await bridge.app.inject(reaction({ eventId: 'Ev0REACT05', user: 'UPERSON05', reaction: 'expereo', eventTs: '1700400008.000100' }));
    expect(answer.statusCode).toBe(200);
    await permalinkCall.arrived;
    expect(ephemeralFor('UPERSON05')).toHaveLength(0);
    permalinkCall.release();
    const asked = await eventually(async () => ephemeralFor('UPERSON05')[0]);
    // The button is acknowledged (Bolt's ack) while the form is still being opened.
    const opening = slack.holdNext('views.open');
    const pressed = bridge.app.inject(press(buttonOf(asked).value, 'UPERSON05', 'press-5'));
    await opening.arrived;
    expect((await pressed).statusCode).toBe(200);
    opening.release();
    await eventually(async () => slack.responses().find((r) => r.id === 'press-5' && r.body.delete_original === true));
  });

  it('refuses a button whose value was tampered with, opening nothing', async () => {
    expect((await bridge.app.inject(press('{"channel":"#ops","ts":"x"}', PERSON, 'press-bad'))).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.calls('views.open').find((c) => c.params.trigger_id === 'trig-press-bad')).toBeUndefined();
  });
});
