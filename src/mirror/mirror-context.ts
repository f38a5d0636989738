import type { CaseJournal } from '../journal/case-journal.js';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Redis } from 'ioredis';
import type { SyncState } from '../state/sync-state.js';
import type { CursorStore } from './cursor-store.js';
import type { PollSchedule } from './poll-schedule.js';
import type { MirrorReads } from './reads.js';

export interface MirrorSettings {
  strategy: Config['mirror']['strategy'];
  /** The slow beat: a scheduled scan this often. */
  scanEveryMs: number;
  /** The fast beat: further scans within a beat while the budget is spare, no closer than this. */
  scanFloorMs: number;
  /** The poller's own pace: its share of the read rate. */
  readsPerMs: number;
  activeIntervalMs: number;
  idleIntervalMs: number;
  closedStatuses: readonly string[];
  /**
   * How far before a case is first tracked its messages still count as new: a reply that lands
   * between the link and the poller's first look is delivered, older history is not.
   */
  lookbackMs: number;
  /** A scan reads down to this much below the last watermark (upstream commit lag, clock skew). */
  watermarkSlackMs: number;
  /** Most list pages one scan reads. */
  maxScanPages: number;
  /** How long "auto" polls per case after the sort was refused before trying it again. */
  fallbackMs: number;
  /** How long a look at a case waits for the bridge's own write to it to settle. */
  maxWriteWaitMs: number;
  /** A first look queued this long ago and still not done is queued again (a lost job). */
  firstLookTimeoutMs: number;
}

export function mirrorSettings(config: Readonly<Config>): MirrorSettings {
  const m = config.mirror;
  return {
    strategy: m.strategy,
    scanEveryMs: m.scanEveryMs,
    scanFloorMs: m.scanFloorMs,
    readsPerMs: (config.expereo.readBudget.limit * m.readShare) / config.expereo.readBudget.periodMs,
    activeIntervalMs: m.activeIntervalMs,
    idleIntervalMs: m.idleIntervalMs,
    closedStatuses: config.expereo.closedStatuses,
    lookbackMs: Math.max(60_000, 10 * m.scanEveryMs, 2 * m.activeIntervalMs),
    watermarkSlackMs: 60_000,
    maxScanPages: 10,
    fallbackMs: 30 * 60_000,
    maxWriteWaitMs: 2 * 60_000,
    firstLookTimeoutMs: 5 * 60_000,
  };
}

/** Everything the poller's jobs share. */
export interface MirrorContext {
  /** Linked cases and conversations, the bridge's own messages and changes (who each spoke for). */
  sync: Pick<SyncState, 'linkedCases' | 'links' | 'untrack' | 'messageOrigins' | 'authoredChanges' | 'settleChanges'>;
  /** The patient worker connection, and the queues' key prefix (for the mirror's workers). */
  connection: Redis;
  queuePrefix: string;
  /** Is a write of the bridge to this case on its way upstream right now? (own-writes.ts) */
  writeInFlight(caseId: string): Promise<boolean>;
  reads: MirrorReads;
  cursors: CursorStore;
  schedule: PollSchedule;
  queues: { scan: Queue; fetch: Queue; deliveries: Queue };
  /** Link kinds that have a sink; links of other kinds get nothing queued. */
  sinkKinds: ReadonlySet<string>;
  settings: MirrorSettings;
  log: Logger;
  /** Tells each case's timeline what was found upstream. */
  journal: Pick<CaseJournal, 'repliesFound'>;
  now(): number;
}
