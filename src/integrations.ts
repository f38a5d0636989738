import { alertsIntegration } from './alerts/integration.js';
import type { Core } from './core.js';
import type { Integration } from './integration.js';
import { itsmIntegration } from './itsm/integration.js';
import { mirrorIntegration } from './mirror/integration.js';
import { slackIntegration } from './slack/integration.js';
import type { OutcomeHandlers } from '../workers/outcome-worker.js';

/** Every capability of the bridge, built once per process from the shared core. */
export function createIntegrations(core: Core): Integration[] {
  const sources = [slackIntegration(core), itsmIntegration(core), alertsIntegration(core)];
  const mirror = mirrorIntegration(core, sources.flatMap((i) => i.sinks ?? []));
  return [...sources, mirror];
}

export function outcomeHandlersOf(integrations: Integration[]): OutcomeHandlers {
  return Object.assign({}, ...integrations.map((i) => i.outcomes ?? {})) as OutcomeHandlers;
}

export async function closeIntegrations(integrations: Integration[]): Promise<void> {
  await Promise.allSettled(integrations.map((i) => i.close?.()));
}
