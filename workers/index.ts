import type { Worker } from 'bullmq';
import type { Core } from '../src/core.js';
import type { Integration } from '../src/integration.js';
import { outcomeHandlersOf } from '../src/integrations.js';
import { createOutcomeWorker, type OutcomeHandlers } from './outcome-worker.js';
import { createWriteWorker, scheduleSweep, type WriteWorkerDeps } from './write-worker.js';

export interface RunningWorkers {
  running(): boolean;
  /** Stops taking jobs and waits for those in flight. Idempotent. */
  close(): Promise<void>;
}

export interface WorkerOptions {
  /** Capabilities whose outcome handlers and background work run here. */
  integrations?: Integration[];
  /** Extra outcome handlers (tests), over the integrations' own. */
  outcomeHandlers?: OutcomeHandlers;
  onSent?: WriteWorkerDeps['onSent'];
}

/** Starts every worker of this process: the write drain and the outcome reports. */
export async function startWorkers(core: Core, options: WorkerOptions = {}): Promise<RunningWorkers> {
  const writes = createWriteWorker({
    connection: core.workerRedis,
    keys: core.keys,
    outbox: core.outbox,
    client: core.expereo,
    writes: core.queues.writes,
    outcomes: core.queues.outcomes,
    bulkBudget: core.bulkBudget,
    settings: core.config.writes,
    log: core.log.child({ worker: 'writes' }),
    journal: core.journal,
    onSent: (event) => {
      core.metrics.writesSent.inc({ op: event.op });
      core.metrics.writesMerged.inc({ op: event.op }, event.writes);
      options.onSent?.(event);
    },
  });
  const outcomes = createOutcomeWorker({
    connection: core.workerRedis,
    keys: core.keys,
    handlers: { ...outcomeHandlersOf(options.integrations ?? []), ...options.outcomeHandlers },
    log: core.log.child({ worker: 'outcomes' }),
  });
  const workers: Worker[] = [writes, outcomes];
  await scheduleSweep(core.queues.writes, core.config.writes.sweepEveryMs);
  for (const w of workers) void w.run();
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  for (const integration of options.integrations ?? []) await integration.startWorkers?.();

  let closing: Promise<void> | undefined;
  return {
    running: () => workers.every((w) => w.isRunning()),
    close: () => (closing ??= Promise.all(workers.map((w) => w.close())).then(() => undefined)),
  };
}
