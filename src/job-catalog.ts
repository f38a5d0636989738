import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import { deliveryJobSchema, fetchJobSchema } from './mirror/jobs.js';
import { outcomeSchema } from './writes/catalog.js';

/**
 * Every queue's jobs: queue → job name → the schema of its data and its job options. A job's data
 * is validated when it is added (`jobData`) and again when a worker takes it (`readJob`), so a job
 * that does not fit its schema never runs. A flush's attempts and backoff come from the
 * configuration (WRITE_ATTEMPTS, WRITE_BACKOFF; see writes/queues.ts), the rest from here.
 */

const none = z.object({});

/** An alert timer: the incident and the sequence number it was planned for. */
export const timerDataSchema = z.object({ hash: z.string().regex(/^[0-9a-f]{8,64}$/), seq: z.number().int().min(0) });

const TIMER_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
};
const SCHEDULED_OPTIONS: JobsOptions = { removeOnComplete: true, removeOnFail: { count: 100 } };
const DELIVERY_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
  removeOnComplete: true,
  // Kept failed jobs hold their ids, so a re-scan cannot queue a dead delivery again.
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
};

export const JOB_CATALOG = {
  writes: {
    /** Drain the pending writes of one case, in order. */
    flush: { schema: z.object({ slot: z.string().min(3) }), options: { removeOnComplete: true, removeOnFail: { count: 1000 } } },
    /** Make sure every case with pending writes has a flush on the way (repair after crashes). */
    sweep: { schema: none, options: SCHEDULED_OPTIONS },
  },
  outcomes: {
    /** A write's result or failure, told back to where it came from. */
    outcome: {
      schema: outcomeSchema,
      options: { attempts: 5, backoff: { type: 'exponential', delay: 2000, jitter: 0.5 }, removeOnComplete: true, removeOnFail: { count: 1000 } },
    },
  },
  alerts: {
    /** Hold-down over: open the case if the incident is still firing. */
    hold: { schema: timerDataSchema, options: TIMER_OPTIONS },
    /** Flap damping over: post the summary once quiet. */
    settle: { schema: timerDataSchema, options: TIMER_OPTIONS },
    /** Finish incident plans a crash left half done. */
    sweep: { schema: none, options: SCHEDULED_OPTIONS },
  },
  'mirror-scan': {
    /** One beat of the poller. */
    tick: { schema: none, options: SCHEDULED_OPTIONS },
  },
  'mirror-fetch': {
    /** Look at one case: read its thread if it changed, queue the deliveries. */
    fetch: {
      schema: fetchJobSchema,
      // A kept failed job would hold its id and block every later fetch of the case.
      options: { attempts: 5, backoff: { type: 'exponential', delay: 1000, jitter: 0.5 }, removeOnComplete: true, removeOnFail: true },
    },
  },
  deliveries: {
    /** An engineer's reply, to one linked conversation. */
    message: { schema: deliveryJobSchema, options: DELIVERY_OPTIONS },
    /** A status change, as a note to one linked conversation. */
    status: { schema: deliveryJobSchema, options: DELIVERY_OPTIONS },
  },
} as const satisfies Record<string, Record<string, { schema: z.ZodType; options: JobsOptions }>>;

type Catalog = typeof JOB_CATALOG;
export type QueueName = keyof Catalog;
export type JobName<Q extends QueueName> = keyof Catalog[Q] & string;
type Schema<Q extends QueueName, N extends JobName<Q>> = Catalog[Q][N] extends { schema: infer S extends z.ZodType } ? S : never;

/** The data of a job about to be added, validated (defaults applied). Throws on data that does not fit. */
export function jobData<Q extends QueueName, N extends JobName<Q>>(queue: Q, name: N, data: z.input<Schema<Q, N>>): z.output<Schema<Q, N>> {
  return entry(queue, name).schema.parse(data) as z.output<Schema<Q, N>>;
}

/** The catalog's options for a job of `name` on `queue`. */
export function jobOptions<Q extends QueueName>(queue: Q, name: JobName<Q>): JobsOptions {
  return entry(queue, name).options;
}

/** A job's data as a worker takes it, validated against its name's schema. Throws for an unknown name or data that does not fit. */
export function readJob<Q extends QueueName, N extends JobName<Q>>(queue: Q, name: N, data: unknown): z.output<Schema<Q, N>> {
  return entry(queue, name).schema.parse(data) as z.output<Schema<Q, N>>;
}

function entry(queue: QueueName, name: string): { schema: z.ZodType; options: JobsOptions } {
  const jobs = JOB_CATALOG[queue] as Record<string, { schema: z.ZodType; options: JobsOptions }>;
  const found = Object.hasOwn(jobs, name) ? jobs[name] : undefined;
  if (!found) throw new Error(`no job named ${name} on the ${queue} queue`);
  return found;
}
