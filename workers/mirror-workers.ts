import type { Worker } from 'bullmq';
import type { Core } from '../src/core.js';
import { mirrorSettings, type MirrorContext } from '../src/mirror/mirror-context.js';
import { CursorStore } from '../src/mirror/cursor-store.js';
import { mirrorKeys } from '../src/mirror/mirror-keys.js';
import type { MirrorCapability } from '../src/mirror/mirror-capability.js';
import { writeInFlight } from '../src/mirror/own-writes.js';
import { PollSchedule } from '../src/mirror/poll-schedule.js';
import { MirrorReads, mirrorBudget, mirrorHoldBackUs } from '../src/mirror/reads.js';
import { createMirrorDeliveryWorker } from './mirror-delivery-worker.js';
import { createMirrorFetchWorker } from './mirror-fetch-worker.js';
import { createMirrorScanWorker, scheduleScans } from './mirror-scan-worker.js';

/**
 * Reply mirroring's workers: the scan beat (one across every process), the per-case fetches and
 * the deliveries to each linked conversation. Returns them not yet running; `scheduleMirrorScans`
 * starts the beat once they are.
 */
export function createMirrorWorkers(core: Core, mirror: MirrorCapability): { workers: Worker[]; ctx: MirrorContext } {
  const keys = mirrorKeys(core.keys.prefix);
  const ctx: MirrorContext = {
    sync: core.sync,
    connection: core.workerRedis,
    queuePrefix: core.keys.queuePrefix,
    writeInFlight: (caseId) => writeInFlight(core, caseId),
    reads: new MirrorReads(core, mirrorBudget(core), mirrorHoldBackUs(core)),
    cursors: new CursorStore(core.workerRedis, keys),
    schedule: new PollSchedule(core.workerRedis, keys),
    queues: mirror.queues,
    sinkKinds: new Set(mirror.sinks.keys()),
    settings: mirrorSettings(core.config),
    log: core.log.child({ integration: 'mirror' }),
    journal: core.journal,
    now: Date.now,
  };
  const workers = [
    createMirrorScanWorker(ctx),
    createMirrorFetchWorker(ctx),
    createMirrorDeliveryWorker({
      connection: core.workerRedis,
      keys: core.keys,
      mirrorKeys: keys,
      sync: core.sync,
      sinks: mirror.sinks,
      log: ctx.log,
      journal: core.journal,
      onDelivered: (sink, lagSeconds) => core.metrics.replyLag.observe({ sink }, lagSeconds),
    }),
  ];
  return { workers, ctx };
}

export async function scheduleMirrorScans(ctx: MirrorContext): Promise<void> {
  await scheduleScans(ctx);
  ctx.log.info({ strategy: ctx.settings.strategy, scanEveryMs: ctx.settings.scanEveryMs, sinks: [...ctx.sinkKinds] }, 'reply mirroring started');
}
