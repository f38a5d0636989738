import type { Worker } from 'bullmq';
import type { Core } from '../core.js';
import type { Integration } from '../integration.js';
import { alertWebhookRoutes } from '../../webhooks/alerts/routes.js';
import { AlertProcessor } from './processor.js';
import { slackPoster } from './slack-announce.js';
import { IncidentStore } from './store.js';
import { createAlertQueue, createAlertWorker, scheduleSweep, scheduleTimer } from './timer-queue.js';

/**
 * Alert-to-case escalation: Alertmanager, Grafana and Events API webhooks open and inform expereo
 * cases. Request handlers use the fail-fast Redis connection (Redis down → 503); timers, the sweep
 * and outcomes run on the patient worker connection.
 */
export function alertsIntegration(core: Core): Integration {
  const routing = core.config.routing.alerts;
  const log = core.log.child({ component: 'alerts' });
  const routes = alertWebhookRoutes({ routing, notify: async () => ({ status: 'ignored', writes: 0, reason: 'alerts are not configured' }) });
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
    });
  const requests = processorOn(core.redis);
  const background = processorOn(core.workerRedis);
  let worker: Worker | undefined;
  let closing: Promise<void> | undefined;

  return {
    name: 'alerts',
    queues: [queue],
    routes: alertWebhookRoutes({ routing, notify: (n) => requests.notify(n) }),
    outcomes: { alert: (outcome) => background.outcome(outcome) },
    async startWorkers() {
      worker = createAlertWorker({ connection: core.workerRedis, prefix: core.keys.queuePrefix, processor: background, log });
      void worker.run();
      await worker.waitUntilReady();
      await scheduleSweep(queue, core.config.writes.sweepEveryMs);
    },
    close: () =>
      (closing ??= (async () => {
        await worker?.close();
        await queue.close();
      })()),
  };
}
