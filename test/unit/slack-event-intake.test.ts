import { describe, expect, it } from 'vitest';
import type { Intake } from '../../src/intake/intake.js';
import { acceptSlackEvent, orderKeyOf, type SlackEventEntry } from '../../src/slack/event-intake.js';
import { slackKeys } from '../../src/slack/slack-keys.js';

/** Records what would be appended. */
function recordingIntake() {
  const appended: { key: string; json: string; deliveryKey?: string }[] = [];
  const intake = {
    appendJson: async (key: string, json: string) => (appended.push({ key, json }), '1-0'),
    appendOnceJson: async (key: string, json: string, deliveryKey: string) => (appended.push({ key, json, deliveryKey }), '2-0'),
  } as unknown as Intake<SlackEventEntry>;
  return { intake, appended };
}

const body = { type: 'event_callback', team_id: 'T1', event_id: 'Ev1', event: { type: 'message', channel: 'C1', text: 'a "quoted" reply' } };

describe('taking Slack events in', () => {
  it('keeps the request’s own JSON, with the retry fields, as a valid entry', async () => {
    const { intake, appended } = recordingIntake();
    const take = acceptSlackEvent(intake, slackKeys('p'));
    await take(body, { retryNum: 2, retryReason: 'http_timeout' }, JSON.stringify(body));
    await take(body, {}, JSON.stringify(body));
    await take(body, { retryNum: 1 }, undefined);
    expect(appended.map((a) => JSON.parse(a.json) as SlackEventEntry)).toEqual([
      { retryNum: 2, retryReason: 'http_timeout', body },
      { body },
      { retryNum: 1, body },
    ]);
    expect(appended.every((a) => a.key === 'T1:C1' && a.deliveryKey === 'p:slack:evt:Ev1')).toBe(true);
  });

  it('orders by channel, or by team when an event names none', () => {
    expect(orderKeyOf({ team_id: 'T1', event: { item: { channel: 'C2' } } })).toBe('T1:C2');
    expect(orderKeyOf({ team_id: 'T1', event: { channel: 7 } })).toBe('T1');
    expect(orderKeyOf({})).toBe('team');
  });
});
