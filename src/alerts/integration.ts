import type { Worker } from 'bullmq';
import type { Core } from '../core.js';
import { BridgeError } from '../errors.js';
import { IntakeConsumer } from '../intake/consumer.js';
import type { Integration } from '../integration.js';
import { alertWebhookRoutes } from '../../webhooks/alerts/routes.js';
import type { AlertSource } from './routing-schema.js';
import { parseNotification } from './sources/index.js';
import { AlertProcessor } from './processor.js';
import { slackPoster } from './slack-announce.js';
import { IncidentStore } from './store.js';
import { createAlertQueue, createAlertWorker, scheduleSweep, scheduleTimer } from './timer-queue.js';

export const ALERTS_INTAKE = 'alerts';

/** An accepted notification as the alerts intake keeps it: the source and the request's own JSON. */
export interface AlertIntakeEntry {
  source: AlertSource;
  body: unknown;
}

/**
 * Alert-to-case escalation: Alertmanager, Grafana and Events API webhooks open and inform expereo
 * cases. A request is verified, parsed and appended to the alerts intake on the fail-fast Redis
 * connection (Redis down → 503), then answered 202 with the entry id. The worker role reads the
 * intake, each alert group's notifications in order, and runs the incident logic; timers, the
 * sweep and outcomes run there too, on the patient worker connection. What became of a
 * notification is kept for a day (`GET /admin/intake/alerts/<id>`).
 */
export function alertsIntegration(core: Core): Integration {
  const routing = core.config.routing.alerts;
  const log = core.log.child({ component: 'alerts' });
  const routes = alertWebhookRoutes({
    routing,
    accept: async () => ({ status: 'ignored', writes: 0, reason: 'alerts are not configured' }),
  });
  if (!routing || Object.keys(routing.sources).length === 0) return { name: 'alerts', routes };

  const queue = createAlertQueue(core.redis, core.keys.queuePrefix);
  queue.on('error', (err) => log.error({ err }, 'alerts queue error'));
  const slack = core.config.slack ? slackPoster(core.config.slack) : undefined;
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
  let worker: Worker | undefined;
  let reader: IntakeConsumer<AlertIntakeEntry> | undefined;
  let closing: Promise<void> | undefined;

  return {
    name: 'alerts',
    queues: [queue],
    intakes: [intake],
    routes: alertWebhookRoutes({
      routing,
      accept: async (head, notification, text) => {
        const refusal = await requests.refusal(head, notification);
        if (refusal) throw refusal;
        // One alert group's notifications are handled in the order they came. The request's own
        // JSON is kept (spliced in, not serialised again) and parsed again by the worker.
        const entry = `{"source":${JSON.stringify(head.source)},"body":${text}}`;
        return { status: 'queued', id: await intake.appendJson(head.origin, entry) };
      },
    }),
    outcomes: { alert: (outcome) => background.outcome(outcome) },
    async startWorkers() {
      worker = createAlertWorker({ connection: core.workerRedis, prefix: core.keys.queuePrefix, processor: background, log });
      void worker.run();
      await worker.waitUntilReady();
      await scheduleSweep(queue, core.config.writes.sweepEveryMs);
      reader = new IntakeConsumer<AlertIntakeEntry>({
        redis: core.workerRedis,
        prefix: core.keys.prefix,
        name: ALERTS_INTAKE,
        log,
        handle: async ({ id, payload }) => {
          const source = routing.sources[payload.source];
          if (!source) throw new BridgeError('invalid_request', `alert source ${payload.source} is no longer configured`);
          const parsed = parseNotification(payload.source, payload.body, source.author);
          if (!parsed.ok) throw Object.assign(new BridgeError('invalid_request', `not a valid ${payload.source} notification`), { issues: parsed.issues });
          const result = await background.notify(parsed.notification);
          log.info({ id, source: payload.source, incident: result.incident, status: result.status, writes: result.writes, staleCopies: result.staleCopies }, 'alert notification');
          core.journal.alertArrived(id, payload.source, result.incident, parsed.notification.alerts, result.status);
          return result;
        },
        // A notification that can never be taken (no expereo service, and none known) is kept in the dead list.
        permanent: (err) => err instanceof BridgeError && err.code === 'invalid_request',
        onOutcome: (outcome) => core.metrics.intakeEntries.inc({ intake: ALERTS_INTAKE, outcome }),
      });
      reader.start();
    },
    close: () =>
      (closing ??= (async () => {
        await reader?.close();
        await worker?.close();
        await queue.close();
      })()),
  };
}
