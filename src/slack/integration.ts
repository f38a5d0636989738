import type { Core } from '../core.js';
import type { Integration } from '../integration.js';
import type { SlackContext } from './context.js';
import { slackKeys } from './keys.js';
import { SlackLookups } from './lookups.js';
import { slackOutcomes } from './outcomes.js';
import { slackRoutes } from './routes.js';
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
  const ctx: SlackContext = {
    core,
    routing,
    web: createWebClient(settings, log, 'interactive'),
    redis: core.redis,
    keys,
    lookups: new SlackLookups({ redis: core.redis, keys, expereo: core.expereo, log }),
    log,
    now: Date.now,
  };
  const workerWeb = createWebClient(settings, log, 'worker');
  return {
    name: 'slack',
    routes: slackRoutes(ctx, settings),
    outcomes: { slack: slackOutcomes({ web: workerWeb, routing, log }) },
    sinks: [slackSink({ web: workerWeb, redis: core.workerRedis, keys })],
  };
}
