import type { Worker } from 'bullmq';
import { outcomeHandlersOf, type Capabilities } from '../src/capabilities.js';
import type { Core } from '../src/core.js';
import type { MirrorCapability } from '../src/mirror/mirror-capability.js';
import { scheduleSweep as scheduleAlertSweep } from '../src/alerts/timer-queue.js';
import type { OutcomeHandlers } from '../src/writes/catalog.js';
import { createAlertIntakeReader } from './alert-intake-worker.js';
import { createAlertTimerWorker } from './alert-timer-worker.js';
import type { IntakeConsumer } from './intake/intake-consumer.js';
import { LoopShare, type LoopSlots } from './loop-share.js';
import { createMirrorWorkers, scheduleMirrorScans } from './mirror-workers.js';
import { createOutcomeWorker } from './outcome-worker.js';
import { createSlackEventReader } from './slack-event-worker.js';
import { createWriteWorker, scheduleSweep as scheduleWriteSweep, type WriteWorkerDeps } from './write-worker.js';

export interface RunningWorkers {
  running(): boolean;
  /** Stops taking jobs and entries and waits for those in flight. Idempotent. */
  close(): Promise<void>;
}

export interface WorkerOptions {
  /** The capabilities whose background work runs here (a test may pass just some). */
  capabilities?: Partial<Capabilities>;
  /** Extra outcome handlers (tests), over the capabilities' own. */
  outcomeHandlers?: OutcomeHandlers;
  onSent?: WriteWorkerDeps['onSent'];
  /**
   * The workers run in the same event loop as the process's requests (`ROLE=all` runs them in a
   * thread of their own instead, see roles/workers-thread.ts): the intake readers and the write
   * sweep share the loop with the requests (see loop-share.ts) instead of running at full parallelism.
   */
  sharesLoopWithRequests?: boolean;
}

/** A group's share of the loop: startWorkers makes one for all its groups when the process shares it. */
interface GroupShare {
  slots?: LoopSlots;
}

/**
 * Everything `ROLE=worker` runs, started here:
 *
 * | worker                | reads                          | does                                              |
 * |-----------------------|--------------------------------|---------------------------------------------------|
 * | write drain           | `writes` queue, outbox         | one upstream write per slot, within the budget    |
 * | outcomes              | `outcomes` queue               | tells the source what became of its write         |
 * | Slack events          | `slack-events` intake          | runs the Bolt listeners (thread replies…)         |
 * | alert notifications   | `alerts` intake                | incident logic: open, inform, resolve cases       |
 * | alert timers          | `alerts` queue                 | hold-downs, flap damping, the sweep               |
 * | mirror scan           | `mirror-scan` queue (a beat)   | finds cases changed upstream                      |
 * | mirror fetch          | `mirror-fetch` queue           | reads one case's thread, queues deliveries        |
 * | mirror deliveries     | `mirror-deliveries` queue      | posts a reply to one linked conversation          |
 */
export async function startWorkers(core: Core, options: WorkerOptions = {}): Promise<RunningWorkers> {
  const c = options.capabilities ?? {};
  // One share for the whole process: together the background groups keep the loop's delay within the target.
  const slots = options.sharesLoopWithRequests ? new LoopShare() : undefined;
  const groups = [
    await startWriteDrain(core, { ...options, slots }),
    await startIntakeWorkers(core, c, { slots }),
    ...(c.mirror ? [await startMirroring(core, c.mirror)] : []),
  ];
  const all = together(groups);
  return {
    running: all.running,
    close: () => {
      slots?.close(); // what waits for a slot goes on, so that each job and round in progress can finish
      return all.close();
    },
  };
}

/** The write drain and the outcome reports. */
export async function startWriteDrain(core: Core, options: WorkerOptions & GroupShare = {}): Promise<RunningWorkers> {
  const workers = [
    createWriteWorker({
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
      slots: options.slots,
      onSent: (event) => {
        core.metrics.writesSent.inc({ op: event.op });
        core.metrics.writesMerged.inc({ op: event.op }, event.writes);
        options.onSent?.(event);
      },
    }),
    createOutcomeWorker({
      connection: core.workerRedis,
      keys: core.keys,
      handlers: { ...outcomeHandlersOf(options.capabilities ?? {}), ...options.outcomeHandlers },
      log: core.log.child({ worker: 'outcomes' }),
    }),
  ];
  await scheduleWriteSweep(core.queues.writes, core.config.writes.sweepEveryMs);
  return runAll(workers);
}

/** The webhook intakes' readers (Slack events, alert notifications) and the alert timers. */
export async function startIntakeWorkers(core: Core, c: Partial<Capabilities>, { slots }: GroupShare = {}): Promise<RunningWorkers> {
  const groups: RunningWorkers[] = [];
  const readers: IntakeConsumer<unknown>[] = [];
  if (c.slack?.events)
    readers.push(
      createSlackEventReader({ redis: core.workerRedis, prefix: core.keys.prefix, slack: c.slack, metrics: core.metrics, slots }) as IntakeConsumer<unknown>,
    );
  if (c.alerts) {
    const log = core.log.child({ component: 'alerts' });
    groups.push(await runAll([createAlertTimerWorker({ connection: core.workerRedis, prefix: core.keys.queuePrefix, processor: c.alerts.processor, log })]));
    await scheduleAlertSweep(c.alerts.queue, core.config.writes.sweepEveryMs);
    readers.push(
      createAlertIntakeReader({
        redis: core.workerRedis,
        prefix: core.keys.prefix,
        alerts: c.alerts,
        metrics: core.metrics,
        log,
        slots,
      }) as IntakeConsumer<unknown>,
    );
  }
  for (const reader of readers) reader.start();
  groups.push({ running: () => true, close: async () => void (await Promise.allSettled(readers.map((r) => r.close()))) });
  return together(groups);
}

/** Reply mirroring: the scan beat, the per-case fetches and the deliveries. */
export async function startMirroring(core: Core, mirror: MirrorCapability): Promise<RunningWorkers> {
  const { workers, ctx } = createMirrorWorkers(core, mirror);
  const running = await runAll(workers);
  await scheduleMirrorScans(ctx);
  return running;
}

async function runAll(workers: Worker[]): Promise<RunningWorkers> {
  for (const w of workers) void w.run();
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  let closing: Promise<void> | undefined;
  return {
    running: () => workers.every((w) => w.isRunning()),
    close: () => (closing ??= Promise.all(workers.map((w) => w.close())).then(() => undefined)),
  };
}

function together(groups: RunningWorkers[]): RunningWorkers {
  let closing: Promise<void> | undefined;
  return {
    running: () => groups.every((g) => g.running()),
    close: () => (closing ??= Promise.allSettled(groups.map((g) => g.close())).then(() => undefined)),
  };
}
