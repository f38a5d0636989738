import type { Queue } from 'bullmq';
import { alertsCapability, type AlertsCapability } from './alerts/alerts-capability.js';
import type { Core } from './core.js';
import type { Intake } from './intake/intake.js';
import { itsmCapability, type ItsmCapability, type ItsmOptions } from './itsm/itsm-capability.js';
import { mirrorCapability, type MirrorCapability } from './mirror/mirror-capability.js';
import { slackCapability, type SlackCapability } from './slack/slack-capability.js';
import type { OutcomeHandlers } from './writes/catalog.js';

/**
 * What the bridge does beyond the shared core, built once per process: the Slack app, ITSM
 * connectors, alert sources and reply mirroring. Plain handlers and state, no routes and no
 * workers: `webhooks/index.ts` mounts the routes, `workers/index.ts` starts what the worker role runs.
 */
export interface Capabilities {
  /** Absent with Slack off. */
  slack: SlackCapability | undefined;
  itsm: ItsmCapability;
  /** Absent with no alert source configured. */
  alerts: AlertsCapability | undefined;
  mirror: MirrorCapability;
}

export function createCapabilities(core: Core, options: { itsm?: ItsmOptions } = {}): Capabilities {
  const slack = slackCapability(core);
  const itsm = itsmCapability(core, options.itsm);
  const alerts = alertsCapability(core);
  const mirror = mirrorCapability(core, [...(slack?.sinks ?? []), ...itsm.sinks]);
  return { slack, itsm, alerts, mirror };
}

/** Write outcomes, by the kind of origin that asked for the write. */
export function outcomeHandlersOf(c: Partial<Capabilities>): OutcomeHandlers {
  return { ...c.slack?.outcomes, ...c.itsm?.outcomes, ...c.alerts?.outcomes };
}

/** Webhook intakes (admin API: what became of an entry). */
export function intakesOf(c: Capabilities): Intake<unknown>[] {
  return [c.slack?.events?.intake, c.alerts?.intake].filter((i) => i !== undefined) as Intake<unknown>[];
}

/** The capabilities' own queues, shown on the queue dashboard. */
export function queuesOf(c: Capabilities): Queue[] {
  return [...(c.alerts ? [c.alerts.queue] : []), ...Object.values(c.mirror.queues)];
}

/** Idempotent. */
export async function closeCapabilities(c: Capabilities): Promise<void> {
  await Promise.allSettled([c.itsm.close(), c.alerts?.close(), c.mirror.close()]);
}
