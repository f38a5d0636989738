import type { Queue } from 'bullmq';
import type { FastifyPluginAsync } from 'fastify';
import type { OutcomeHandlers } from '../workers/outcome-worker.js';
import type { Intake } from './intake/intake.js';
import type { ReplySink } from './mirror/sink.js';

/**
 * One capability of the bridge (Slack, ITSM connectors, alert sources, mirroring): its HTTP routes,
 * how it hears about write outcomes, where it delivers mirrored replies, and background work.
 */
export interface Integration {
  name: string;
  /** Registered as an encapsulated Fastify plugin by the API role. */
  routes?: FastifyPluginAsync;
  /** Write outcomes for origins of these kinds (worker role). */
  outcomes?: OutcomeHandlers;
  /** Sinks for mirrored replies, by link kind (worker role). */
  sinks?: ReplySink[];
  /** Webhook intakes it reads in the worker role (admin API: what became of an entry). */
  intakes?: Intake<unknown>[];
  /** Queues of its own, shown on the queue dashboard. */
  queues?: Queue[];
  /** Started with the worker role (pollers, schedulers). */
  startWorkers?(): Promise<void>;
  /** Idempotent. */
  close?(): Promise<void>;
}
