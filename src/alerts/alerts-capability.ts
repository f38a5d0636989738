import type { Queue } from 'bullmq';
import type { Core } from '../core.js';
import { BridgeError } from '../errors.js';
import type { Intake } from '../intake/intake.js';
import type { OutcomeHandlers } from '../writes/catalog.js';
import type { Notification, NotificationHead } from './notification.js';
import { AlertProcessor, type NotifyResult } from './processor.js';
import type { AlertSource, AlertsRouting } from './routing-schema.js';
import { createWebClient } from '../slack/web-client.js';
import { slackPoster } from './slack-announce.js';
import { parseNotification } from './sources/index.js';
import { IncidentStore } from './incident-store.js';
import { createAlertQueue, scheduleTimer } from './timer-queue.js';
import { isAlertTest, TEST_ANSWER, testNotice } from '../test-notifications.js';

export const ALERTS_INTAKE = 'alerts';

/** An accepted notification as the alerts intake keeps it: the source and the request's own JSON. */
export interface AlertIntakeEntry {
  source: AlertSource;
  /** The routing key's name an Events v2 event came through (its key is not kept: the name stands in the body's `routing_key`). */
  integration?: string;
  body: unknown;
}

/**
 * Takes a verified, valid notification in (or refuses it); resolves once it is safe in Redis.
 * `integration`: the routing key's name an Events v2 event came through.
 */
export type AcceptNotification = (head: NotificationHead, notification: () => Notification, text: string, integration?: string) => Promise<object>;

/**
 * Alert-to-case escalation: Alertmanager, Grafana and Events API webhooks open and inform expereo
 * cases. A request (`webhooks/alerts/`) is verified, parsed and `accept`ed: appended to the alerts
 * intake on the fail-fast Redis connection (Redis down → 503), then answered 202 with the entry id.
 * The worker role reads the intake (`handle`), each alert group's notifications in order, and runs
 * the incident logic; timers, the sweep and outcomes run there too, on the patient worker
 * connection. What became of a notification is kept for a day (`GET /admin/intake/alerts/<id>`).
 */
export interface AlertsCapability {
  routing: AlertsRouting;
  queue: Queue;
  intake: Intake<AlertIntakeEntry>;
  accept: AcceptNotification;
  /** The worker side's incident logic (timers, sweep, outcomes). */
  processor: AlertProcessor;
  /** One intake entry: parsed again and run through the incident logic. */
  handle(entry: { id: string; payload: AlertIntakeEntry }): Promise<NotifyResult>;
  outcomes: OutcomeHandlers;
  close(): Promise<void>;
}

/** Undefined when no alert source is configured (the routes then answer 404 for every source). */
export function alertsCapability(core: Core): AlertsCapability | undefined {
  const routing = core.config.routing.alerts;
  if (!routing || Object.keys(routing.sources).length === 0) return undefined;
  const log = core.log.child({ component: 'alerts' });

  const queue = createAlertQueue(core.redis, core.keys.queuePrefix);
  core.redisOutage.errors(queue, log, 'alerts queue error');
  const slack = core.config.slack ? slackPoster(createWebClient(core.config.slack, log, 'announce')) : undefined;
  const processorOn = (redis: typeof core.redis) =>
    new AlertProcessor({
      routing,
      store: new IncidentStore(redis, core.keys.prefix),
      producer: core.producer,
      schedule: (timer) => scheduleTimer(queue, timer),
      slack,
      log,
      journal: core.journal,
    });
  const requests = processorOn(core.redis);
  const background = processorOn(core.workerRedis);
  const intake = core.intake<AlertIntakeEntry>(ALERTS_INTAKE);
  /** A test notification told in the configured channel; its failure does not fail the test's answer. */
  const tellTest = async (channel: string, group: string) => {
    if (!slack) return log.warn({ channel }, 'alerts.tests.slackChannel is set but Slack is not configured');
    await slack.post(channel, testNotice(group)).catch((err: unknown) => log.warn({ err, channel }, 'could not tell the test notification in Slack'));
  };

  return {
    routing,
    queue,
    intake,
    processor: background,
    accept: async (head, notification, text, integration) => {
      if (isAlertTest(head)) {
        log.info({ source: head.source, group: head.origin }, TEST_ANSWER);
        const channel = routing.tests?.slackChannel;
        if (channel) await tellTest(channel, head.origin);
        return { status: 'test', message: TEST_ANSWER };
      }
      const refusal = await requests.refusal(head, notification);
      if (refusal) throw refusal;
      // One alert group's notifications are handled in the order they came. The request's own
      // JSON is kept (spliced in, not serialised again) and parsed again by the worker.
      const via = integration ? `"integration":${JSON.stringify(integration)},` : '';
      const entry = `{"source":${JSON.stringify(head.source)},${via}"body":${text}}`;
      return { status: 'queued', id: await intake.appendJson(head.origin, entry) };
    },
    handle: async ({ id, payload }) => {
      const source = routing.sources[payload.source];
      if (!source) throw new BridgeError('invalid_request', `alert source ${payload.source} is no longer configured`);
      const integration = payload.integration === undefined ? undefined : routingKeyNamed(routing, payload.integration);
      if (integration === null) throw new BridgeError('invalid_request', `routing key ${payload.integration} is no longer configured`);
      const parsed = parseNotification(payload.source, payload.body, source.author, integration);
      if (!parsed.ok) throw Object.assign(new BridgeError('invalid_request', `not a valid ${payload.source} notification`), { issues: parsed.issues });
      const result = await background.notify(parsed.notification);
      log.info(
        {
          id,
          source: payload.source,
          reason: parsed.notification.reason,
          incident: result.incident,
          status: result.status,
          writes: result.writes,
          staleCopies: result.staleCopies,
        },
        'alert notification',
      );
      core.journal.alertArrived(id, payload.source, result.incident, parsed.notification.alerts, result.status);
      return result;
    },
    outcomes: { alert: (outcome) => background.outcome(outcome) },
    close: () => queue.close(),
  };
}

/** The routing key of that name (its name and rules), null when the file no longer has it. */
function routingKeyNamed(routing: AlertsRouting, name: string): { name: string; rules?: readonly string[] } | null {
  const key = routing.sources.events?.routingKeys?.find((k) => k.name === name);
  return key ? { name: key.name, ...(key.rules ? { rules: key.rules } : {}) } : null;
}

/** A notification that can never be taken (no expereo service, and none known) is kept in the dead list. */
export function isPermanentAlertError(err: unknown): boolean {
  return err instanceof BridgeError && err.code === 'invalid_request';
}
