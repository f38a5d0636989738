import { describe, expect, it } from 'vitest';
import { BudgetWaitError } from '../../src/budget/redis-budget.js';
import { ExpereoApiError } from '../../src/expereo/api-error.js';
import { classifyWriteFailure } from '../../src/writes/failure-policy.js';

const upstream = (code: string, extra: Partial<ConstructorParameters<typeof ExpereoApiError>[0]> = {}) =>
  new ExpereoApiError({ code, message: `expereo: ${code}`, ...extra });
const first = { redisConnected: true, attemptsMade: 0, attempts: 8 };
const last = { redisConnected: true, attemptsMade: 7, attempts: 8 };

describe('the write-failure policy', () => {
  it('waits for Redis, spending no attempt, when the outbox lost its connection and expereo did not answer', () => {
    expect(classifyWriteFailure(new Error('Connection is closed.'), { ...first, redisConnected: false })).toEqual({ kind: 'redis-away' });
    expect(classifyWriteFailure(new Error('Connection is closed.'), { ...last, redisConnected: false })).toEqual({ kind: 'redis-away' });
  });

  it("delays the flush for the budget's next slot, at most a minute", () => {
    expect(classifyWriteFailure(new BudgetWaitError('write', 1500), first)).toEqual({ kind: 'delay', ms: 1500 });
    expect(classifyWriteFailure(new BudgetWaitError('write', 600_000), { ...last, redisConnected: false })).toEqual({ kind: 'delay', ms: 60_000 });
  });

  it('pauses the whole queue on a 429, for its Retry-After (1 s without one, 100 ms at least)', () => {
    expect(classifyWriteFailure(upstream('rate_limited', { retryAfterMs: 7000 }), first)).toEqual({ kind: 'pause', ms: 7000 });
    expect(classifyWriteFailure(upstream('rate_limited'), last)).toEqual({ kind: 'pause', ms: 1000 });
    expect(classifyWriteFailure(upstream('rate_limited', { retryAfterMs: 5 }), first)).toEqual({ kind: 'pause', ms: 100 });
  });

  it('retries passing failures, token and authorisation failures among them, while attempts are left', () => {
    for (const code of ['upstream_error', 'timeout', 'network_error', 'unauthorized', 'token_invalid_client']) {
      expect(classifyWriteFailure(upstream(code), first), code).toEqual({ kind: 'retry' });
    }
    expect(classifyWriteFailure(new Error('bug'), first)).toEqual({ kind: 'retry' });
  });

  it('dead-letters a permanent refusal at once, with its code and field errors', () => {
    const fieldErrors = [{ field: 'subject', message: 'unknown subject' }];
    expect(classifyWriteFailure(upstream('validation_failed', { status: 400, fieldErrors }), first)).toEqual({
      kind: 'dead',
      error: { code: 'validation_failed', message: 'expereo: validation_failed', fieldErrors },
    });
  });

  it('dead-letters any failure on the last attempt', () => {
    expect(classifyWriteFailure(upstream('upstream_error'), last)).toEqual({
      kind: 'dead',
      error: { code: 'upstream_error', message: 'expereo: upstream_error', fieldErrors: [] },
    });
    expect(classifyWriteFailure(new Error('bug'), last)).toEqual({ kind: 'dead', error: { code: 'internal_error', message: 'bug', fieldErrors: [] } });
  });
});
