import { FAKE_BOT } from './fake-slack.js';
import { DEEP, jsonSeed as json, literal, literalForm, literalWithDeep, seedValue, type BodyRecipe, type Seed } from './fuzz-bodies.js';

/**
 * The Slack side of the webhook fuzzing: realistic requests to `/slack/events` (replies in a linked
 * and an unlinked thread, `/case`, the message shortcut, a modal submission, a picker's options, the
 * URL verification) and the hard cases every run tries first.
 */

export const FUZZ_CHANNEL = 'C0FUZZ0001';
/** A thread linked to a case before fuzzing, so that replies in it reach the write queue. */
export const LINKED_THREAD = { caseId: 'CS-FUZZ-0001', threadTs: '1700000000.000100' };

export function slackSeeds(responseUrl: string): Seed[] {
  const team = FAKE_BOT.teamId;
  const message = (threadTs: string, n: number): Seed =>
    json({
      token: 'legacy-token',
      team_id: team,
      api_app_id: 'A0TEST01',
      type: 'event_callback',
      event_id: `EvFUZZ${n}`,
      event_time: 1_700_000_100,
      authorizations: [{ team_id: team, user_id: FAKE_BOT.userId, is_bot: true }],
      event: {
        type: 'message',
        channel: FUZZ_CHANNEL,
        channel_type: 'channel',
        user: 'UPERSON01',
        text: 'Still down <@U1> &amp; <https://x.example|x>',
        ts: `1700000100.00020${n}`,
        thread_ts: threadTs,
      },
    });
  return [
    message(LINKED_THREAD.threadTs, 1),
    message('1700000000.999999', 2),
    {
      format: 'form',
      value: {
        token: 'legacy-token',
        team_id: team,
        team_domain: 'test',
        channel_id: FUZZ_CHANNEL,
        channel_name: 'ops',
        user_id: 'UPERSON01',
        user_name: 'ana',
        command: '/case',
        text: 'help',
        api_app_id: 'A0TEST01',
        response_url: responseUrl,
        trigger_id: 'trigger-fuzz',
      },
    },
    {
      format: 'form-payload',
      value: {
        type: 'message_action',
        callback_id: 'open_expereo_case',
        trigger_id: 'trig-fuzz',
        team: { id: team, domain: 'test' },
        user: { id: 'UPERSON01', name: 'ana', team_id: team },
        channel: { id: FUZZ_CHANNEL, name: 'ops' },
        message: { type: 'message', user: 'UOTHER001', ts: '1700300000.000100', text: 'Paris link is flapping' },
        response_url: responseUrl,
        message_ts: '1700300000.000100',
        action_ts: '1700300001.000000',
      },
    },
    {
      format: 'form-payload',
      value: {
        type: 'view_submission',
        team: { id: team, domain: 'test' },
        user: { id: 'UPERSON01', username: 'ana', name: 'ana', team_id: team },
        api_app_id: 'A0TEST01',
        trigger_id: 'trig-submit',
        view: {
          id: 'V0FUZZ0001',
          hash: 'hash-fuzz',
          type: 'modal',
          callback_id: 'expereo_case_new',
          private_metadata: JSON.stringify({ channel: FUZZ_CHANNEL, teamId: team }),
          state: {
            values: {
              type: { case_type: { type: 'static_select', selected_option: { value: 'Incident' } } },
              subject_incident: { subject: { type: 'static_select', selected_option: { value: 'ServiceDown' } } },
              priority_incident: { priority: { type: 'static_select', selected_option: { value: 'P2' } } },
              service: { service: { type: 'external_select', selected_option: { value: 'SRV-40000001' } } },
              site: { site: { type: 'external_select', selected_option: null } },
              description: { description: { type: 'plain_text_input', value: 'Fuzzed outage' } },
              start_of_incident: { start_of_incident: { type: 'datetimepicker', selected_date_time: 1_700_000_000 } },
            },
          },
        },
      },
    },
    {
      format: 'form-payload',
      value: {
        type: 'block_suggestion',
        action_id: 'service',
        block_id: 'service',
        value: 'SRV',
        team: { id: team },
        user: { id: 'UPERSON01' },
        view: { id: 'V0FUZZ0001', private_metadata: JSON.stringify({ channel: FUZZ_CHANNEL, teamId: team }) },
      },
    },
    json({ type: 'url_verification', token: 'legacy-token', challenge: 'fuzz-challenge' }),
  ];
}

/**
 * Slack: authenticated bodies whose fields have the wrong type where Bolt reads them before any
 * listener runs (the event, its channel and user, the authorizations, the user of an interaction,
 * the team id it keys its clients by), and a URL verification whose challenge is deeply nested.
 */
export function slackExamples(seeds: Seed[]): BodyRecipe[] {
  const event = seedValue(seeds, 0);
  const asJson = (name: string, value: unknown): BodyRecipe => literal(name, JSON.stringify(value), 'json');
  const shortcut = seedValue(seeds, 3);
  const submission = seedValue(seeds, 4);
  return [
    asJson('event_callback whose event is a string', { ...event, event: 'message' }),
    asJson('event_callback whose event is null', { ...event, event: null }),
    asJson('message event with channel null', { ...event, event: { ...event.event, channel: null } }),
    asJson('message event with user null', { ...event, event: { ...event.event, user: null } }),
    asJson('event_callback with authorizations [null]', { ...event, authorizations: [null] }),
    literalForm('message shortcut with user null', { ...shortcut, user: null }),
    literalForm('view submission with user null', { ...submission, user: null }),
    literalWithDeep('url_verification whose challenge is nested 20,000 deep', { type: 'url_verification', token: 'legacy-token', challenge: 'DEEP' }, DEEP),
    literalWithDeep('message whose text is nested 20,000 deep', { ...event, event: { ...event.event, text: 'DEEP' } }, DEEP),
    literalWithDeep(
      'event_callback whose team ids are nested 20,000 deep',
      { ...event, team_id: 'DEEP', authorizations: [{ ...event.authorizations[0], team_id: 'DEEP' }] },
      DEEP,
    ),
  ];
}
