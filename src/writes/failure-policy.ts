import { BudgetWaitError } from '../budget/redis-budget.js';
import { ExpereoApiError } from '../expereo/api-error.js';
import type { Entry } from './outbox.js';

export type WriteFailure = NonNullable<Entry['error']>;

/** What the write drain does about a flush that failed. */
export type FailureDecision =
  /** Redis went away (the batch may or may not have gone out): try again once it is back, no attempt spent. */
  | { kind: 'redis-away' }
  /** Waiting for the write budget is not a failure: the flush runs again in `ms`, no attempt spent. */
  | { kind: 'delay'; ms: number }
  /** expereo answered 429: the limit is per client, so the whole write queue pauses for `ms`. */
  | { kind: 'pause'; ms: number }
  /** A passing failure with attempts left: the job's retry, after its backoff, carries on for the case. */
  | { kind: 'retry' }
  /** Permanent, or the last attempt: the case's waiting writes go to the dead-letter list with `error`. */
  | { kind: 'dead'; error: WriteFailure };

/**
 * The write-failure policy. `redisConnected` is whether the outbox's connection is up;
 * `attemptsMade` counts the job's earlier attempts, out of `attempts`.
 */
export function classifyWriteFailure(err: unknown, o: { redisConnected: boolean; attemptsMade: number; attempts: number }): FailureDecision {
  if (!(err instanceof ExpereoApiError) && !(err instanceof BudgetWaitError) && !o.redisConnected) return { kind: 'redis-away' };
  if (err instanceof BudgetWaitError) return { kind: 'delay', ms: Math.min(err.waitMs, 60_000) };
  if (err instanceof ExpereoApiError && err.code === 'rate_limited') return { kind: 'pause', ms: Math.max(err.retryAfterMs ?? 1000, 100) };
  // An expired or refused token is fixed by a new one (or an operator): it is retried like a passing failure.
  const permanent = err instanceof ExpereoApiError && !err.retryable && err.code !== 'unauthorized' && !err.code.startsWith('token_');
  const lastAttempt = o.attemptsMade + 1 >= o.attempts;
  if (!permanent && !lastAttempt) return { kind: 'retry' };
  const error: WriteFailure =
    err instanceof ExpereoApiError
      ? { code: err.code, message: err.message, fieldErrors: err.fieldErrors }
      : { code: 'internal_error', message: (err as Error).message ?? String(err), fieldErrors: [] };
  return { kind: 'dead', error };
}
