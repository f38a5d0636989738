import type { Core } from '../core.js';
import type { Intake } from '../intake/intake.js';
import type { ReplySink } from '../mirror/sink.js';
import type { OutcomeHandlers } from '../writes/catalog.js';
import type { SlackContext } from './slack-context.js';
import { acceptSlackEvent, SLACK_EVENTS_INTAKE, type SlackEventEntry } from './event-intake.js';
import { slackKeys } from './slack-keys.js';
import { SlackLookups } from './lookups.js';
import { slackOutcomes } from './outcomes.js';
import { slackSink } from './thread-sink.js';
import { createWebClient, type SlackSettings } from './web-client.js';

/**
 * The Slack app's parts, built once per process: `/case`, the case modal, the "Open expereo case"
 * message shortcut and two-way case threads. `webhooks/slack/` mounts the request route (or Socket
 * Mode) with `requests`; `workers/slack-event-worker.ts` runs the events intake with `background`;
 * write outcomes are reported in the channel and mirrored replies posted to case threads.
 */
export interface SlackCapability {
  settings: SlackSettings;
  /** The listeners' context in a request (fail-fast Redis, the interactive Web API client). */
  requests: SlackContext;
  /** The same in the worker role (its own Web API client, events read from the intake). */
  background: SlackContext;
  /** Events API deliveries over HTTP; absent in Socket Mode, where events are handled on arrival. */
  events?: { intake: Intake<SlackEventEntry>; accept: ReturnType<typeof acceptSlackEvent> };
  outcomes: OutcomeHandlers;
  sinks: ReplySink[];
}

export function slackCapability(core: Core): SlackCapability | undefined {
  const log = core.log.child({ integration: 'slack' });
  const settings = core.config.slack;
  if (!settings) {
    log.info('Slack is off: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN to turn it on');
    return undefined;
  }
  const routing = core.config.routing.slack;
  if (!routing || (routing.channels.length === 0 && routing.workspaces.length === 0)) {
    log.warn('Slack is on, but the routing file (BRIDGE_CONFIG) maps no Slack channel or workspace: /case will be refused everywhere');
  }
  const keys = slackKeys(core.keys.prefix);
  const requests: SlackContext = {
    expereo: core.expereo,
    producer: core.producer,
    outbox: core.outbox,
    sync: core.sync,
    closedStatuses: core.config.expereo.closedStatuses,
    routing,
    web: createWebClient(settings, log, 'interactive'),
    redis: core.redis,
    keys,
    lookups: new SlackLookups({ redis: core.redis, keys, expereo: core.expereo, log }),
    log,
    now: Date.now,
  };
  const workerWeb = createWebClient(settings, log, 'worker');
  // The worker's listeners: a failure leaves the event in the intake for another try.
  const background: SlackContext = { ...requests, web: workerWeb, fromIntake: true };
  const intake = settings.appToken ? undefined : core.intake<SlackEventEntry>(SLACK_EVENTS_INTAKE);
  return {
    settings,
    requests,
    background,
    ...(intake ? { events: { intake, accept: acceptSlackEvent(intake, keys) } } : {}),
    outcomes: { slack: slackOutcomes({ web: workerWeb, routing, log }) },
    sinks: [slackSink({ web: workerWeb, redis: core.workerRedis, keys })],
  };
}
