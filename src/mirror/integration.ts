import type { Queue, Worker } from 'bullmq';
import { createMirrorDeliveryWorker } from '../../workers/mirror-delivery-worker.js';
import { createMirrorFetchWorker } from '../../workers/mirror-fetch-worker.js';
import { createMirrorScanWorker, scheduleScans } from '../../workers/mirror-scan-worker.js';
import type { Core } from '../core.js';
import type { Integration } from '../integration.js';
import { createQueue } from '../writes/queues.js';
import { mirrorSettings, type MirrorContext } from './context.js';
import { CursorStore } from './cursor-store.js';
import { MIRROR_QUEUES } from './jobs.js';
import { mirrorKeys } from './keys.js';
import { PollSchedule } from './poll-schedule.js';
import { MirrorReads, mirrorBudget, mirrorHoldBackUs } from './reads.js';
import type { ReplySink } from './sink.js';
import { webhookSink } from './webhook-sink.js';

/**
 * Reply mirroring: polls expereo for what engineers wrote on linked cases, within a share of the
 * read budget, and delivers each new message and status change once to every linked conversation
 * through the sink of its kind (Slack thread, ITSM ticket, outbound webhook).
 */
export function mirrorIntegration(core: Core, sinks: ReplySink[]): Integration {
  const webhook = webhookSink();
  const byKind = new Map<string, ReplySink>([[webhook.kind, webhook]]);
  for (const sink of sinks) byKind.set(sink.kind, sink);
  const log = core.log.child({ integration: 'mirror' });

  let running: { workers: Worker[] } | undefined;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;

  // Created up front so that the queue dashboard shows them in every role.
  const queues = {
    scan: createQueue(MIRROR_QUEUES.scan, core.workerRedis, core.keys),
    fetch: createQueue(MIRROR_QUEUES.fetch, core.workerRedis, core.keys),
    deliveries: createQueue(MIRROR_QUEUES.deliveries, core.workerRedis, core.keys),
  };

  async function start(): Promise<void> {
    const keys = mirrorKeys(core.keys.prefix);
    const opened: { workers: Worker[] } = { workers: [] };
    running = opened;
    const ctx: MirrorContext = {
      core,
      reads: new MirrorReads(core, mirrorBudget(core), mirrorHoldBackUs(core)),
      cursors: new CursorStore(core.workerRedis, keys),
      schedule: new PollSchedule(core.workerRedis, keys),
      queues,
      sinkKinds: new Set(byKind.keys()),
      settings: mirrorSettings(core.config),
      log,
      now: Date.now,
    };
    opened.workers.push(
      createMirrorScanWorker(ctx),
      createMirrorFetchWorker(ctx),
      createMirrorDeliveryWorker({
        connection: core.workerRedis,
        keys: core.keys,
        mirrorKeys: keys,
        sync: core.sync,
        sinks: byKind,
        log,
        journal: core.journal,
        onDelivered: (sink, lagSeconds) => core.metrics.replyLag.observe({ sink }, lagSeconds),
      }),
    );
    for (const w of opened.workers) void w.run();
    await Promise.all(opened.workers.map((w) => w.waitUntilReady()));
    await scheduleScans(ctx);
    log.info({ strategy: ctx.settings.strategy, scanEveryMs: ctx.settings.scanEveryMs, sinks: [...byKind.keys()] }, 'reply mirroring started');
  }

  return {
    name: 'mirror',
    sinks: [webhook],
    queues: Object.values(queues),
    startWorkers: () => (starting ??= start()),
    close: () =>
      (closing ??= (async () => {
        await starting?.catch(() => undefined);
        if (running) await Promise.allSettled(running.workers.map((w) => w.close()));
        await Promise.allSettled(Object.values(queues).map((q) => q.close()));
        await webhook.close();
      })()),
  };
}
