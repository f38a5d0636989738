import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Core } from '../core.js';
import type { SlackKeys } from './keys.js';
import type { SlackLookups } from './lookups.js';
import type { SlackReadBudget } from './read-budget.js';
import type { SlackRouting } from './routing-schema.js';
import type { WebClient } from './web-client.js';

/** What the Slack listeners share (request side: fail-fast Redis, quick Web API client). */
export interface SlackContext {
  core: Core;
  routing: SlackRouting | undefined;
  web: WebClient;
  redis: Redis;
  keys: SlackKeys;
  lookups: SlackLookups;
  /** The budget of `conversations.history` and `replies` calls every process shares. */
  reads: SlackReadBudget;
  log: Logger;
  now: () => number;
  /**
   * Set in the worker that reads the events intake: events were deduplicated as they were taken
   * in, and a listener's passing failure is thrown (the intake tries the event again) instead of
   * being told in the thread.
   */
  fromIntake?: boolean;
}
