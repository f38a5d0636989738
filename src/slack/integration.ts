import type { Core } from '../core.js';
import { IntakeConsumer } from '../intake/consumer.js';
import type { Integration } from '../integration.js';
import { BotIdentity, createBoltApp } from './bolt-app.js';
import type { SlackContext } from './context.js';
import { acceptSlackEvent, IntakeBoltReceiver, SLACK_EVENTS_INTAKE, type SlackEventEntry } from './event-intake.js';
import { slackKeys } from './keys.js';
import { SlackLookups } from './lookups.js';
import { slackOutcomes } from './outcomes.js';
import { SlackReadBudget } from './read-budget.js';
import { slackRoutes } from './routes.js';
import { caseUrl } from './routing.js';
import { slackSink } from './sink.js';
import { createWebClient } from './web-client.js';

/**
 * The Slack app: `/case`, the case modal, the "Open expereo case" message shortcut and two-way case
 * threads. API role: the Slack request route (or Socket Mode). Worker role: write outcomes reported
 * in the channel, and mirrored replies posted to case threads.
 */
export function slackIntegration(core: Core): Integration {
  const log = core.log.child({ integration: 'slack' });
  const settings = core.config.slack;
  if (!settings) {
    log.info('Slack is off: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN to turn it on');
    return { name: 'slack' };
  }
  const routing = core.config.routing.slack;
  if (!routing || (routing.channels.length === 0 && routing.workspaces.length === 0)) {
    log.warn('Slack is on, but the routing file (BRIDGE_CONFIG) maps no Slack channel or workspace: /case will be refused everywhere');
  }
  const keys = slackKeys(core.keys.prefix);
  const readBudget = (redis: typeof core.redis) => new SlackReadBudget({ redis, key: keys.readBudget });
  const ctx: SlackContext = {
    core,
    routing,
    web: createWebClient(settings, log, 'interactive'),
    redis: core.redis,
    keys,
    lookups: new SlackLookups({ redis: core.redis, keys, expereo: core.expereo, log }),
    reads: readBudget(core.redis),
    log,
    now: Date.now,
  };
  const workerWeb = createWebClient(settings, log, 'worker');
  const base = {
    name: 'slack',
    outcomes: { slack: slackOutcomes({ web: workerWeb, redis: core.workerRedis, keys, routing, log }) },
    sinks: [slackSink({ web: workerWeb, redis: core.workerRedis, keys, budget: readBudget(core.workerRedis), caseUrl: (id) => caseUrl(routing, id) })],
  };
  // Socket Mode: events arrive on the API role's own connection and are handled there.
  if (settings.appToken) return { ...base, routes: slackRoutes(ctx, settings) };

  const intake = core.intake<SlackEventEntry>(SLACK_EVENTS_INTAKE);
  let reader: IntakeConsumer<SlackEventEntry> | undefined;
  return {
    ...base,
    intakes: [intake],
    routes: slackRoutes(ctx, settings, acceptSlackEvent(intake, keys)),
    async startWorkers() {
      // The worker's own Bolt app runs the event listeners; a failure leaves the event in the intake for another try.
      const workerCtx: SlackContext = { ...ctx, web: workerWeb, fromIntake: true };
      const receiver = new IntakeBoltReceiver();
      const identity = new BotIdentity(workerCtx);
      createBoltApp(workerCtx, settings, receiver, identity);
      void identity.learn();
      reader = new IntakeConsumer<SlackEventEntry>({
        redis: core.workerRedis,
        prefix: core.keys.prefix,
        name: SLACK_EVENTS_INTAKE,
        log,
        handle: ({ payload }) => receiver.handle(payload),
        permanent: () => false,
        onOutcome: (outcome) => core.metrics.intakeEntries.inc({ intake: SLACK_EVENTS_INTAKE, outcome }),
      });
      reader.start();
    },
    close: async () => {
      await reader?.close();
    },
  };
}
