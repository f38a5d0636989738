import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ExpereoClient } from '../expereo/client.js';
import type { SyncState } from '../state/sync-state.js';
import type { Outbox } from '../writes/outbox.js';
import type { WriteProducer } from '../writes/producer.js';
import type { SlackKeys } from './slack-keys.js';
import type { SlackLookups } from './lookups.js';
import type { SlackRouting } from './routing-schema.js';
import type { WebClient } from './web-client.js';

/** What the Slack listeners share (request side: fail-fast Redis, quick Web API client). */
export interface SlackContext {
  /** Case reads while a person waits (on the interactive read budget) and the write budget's state. */
  expereo: ExpereoClient;
  /** Case writes: the one way in. */
  producer: Pick<WriteProducer, 'enqueue'>;
  /** Whether a create is already in, and the queue's depth by lane (the modal's answer). */
  outbox: Pick<Outbox, 'entry' | 'pendingByLane'>;
  /** Threads linked to cases. */
  sync: Pick<SyncState, 'link' | 'caseForLink'>;
  /** Case statuses that count as closed (the case picker leaves them out). */
  closedStatuses: readonly string[];
  routing: SlackRouting | undefined;
  web: WebClient;
  redis: Redis;
  keys: SlackKeys;
  lookups: SlackLookups;
  log: Logger;
  now: () => number;
  /**
   * Set in the worker that reads the events intake: events were deduplicated as they were taken
   * in, and a listener's passing failure is thrown (the intake tries the event again) instead of
   * being told in the thread.
   */
  fromIntake?: boolean;
}
