import type { Queue } from 'bullmq';
import type { Core } from '../core.js';
import { createQueue } from '../writes/queues.js';
import { MIRROR_QUEUES } from './jobs.js';
import type { ReplySink } from './sink.js';
import { webhookSink } from './webhook-sink.js';

/**
 * Reply mirroring: polls expereo for what engineers wrote on linked cases, within a share of the
 * read budget, and delivers each new message and status change once to every linked conversation
 * through the sink of its kind (Slack thread, ITSM ticket, outbound webhook). The worker role runs
 * it (`workers/mirror-workers.ts`); the queues are here so that the dashboard shows them in every role.
 */
export interface MirrorCapability {
  queues: { scan: Queue; fetch: Queue; deliveries: Queue };
  /** Every sink, by link kind: the capabilities' own and the outbound webhook. */
  sinks: ReadonlyMap<string, ReplySink>;
  /** Idempotent: closes the queues and the webhook sink. */
  close(): Promise<void>;
}

export function mirrorCapability(core: Core, sinks: ReplySink[]): MirrorCapability {
  const webhook = webhookSink();
  const byKind = new Map<string, ReplySink>([[webhook.kind, webhook]]);
  for (const sink of sinks) byKind.set(sink.kind, sink);
  const queues = {
    scan: createQueue(MIRROR_QUEUES.scan, core.workerRedis, core.keys),
    fetch: createQueue(MIRROR_QUEUES.fetch, core.workerRedis, core.keys),
    deliveries: createQueue(MIRROR_QUEUES.deliveries, core.workerRedis, core.keys),
  };
  for (const queue of Object.values(queues)) core.redisOutage.errors(queue, core.log.child({ queue: queue.name }), 'mirror queue error');
  let closing: Promise<void> | undefined;
  return {
    queues,
    sinks: byKind,
    close: () =>
      (closing ??= (async () => {
        await Promise.allSettled(Object.values(queues).map((q) => q.close()));
        await webhook.close();
      })()),
  };
}
