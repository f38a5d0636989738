import { BridgeError } from '../errors.js';

/**
 * How long a request waits for Redis before it is answered 503. A stalled Redis (a long script, a
 * failover, a full disk) does not fail commands, it holds them; a sender that gives up first sees a
 * timeout, which Grafana never retries and Slack counts against the app from 3 s on.
 */
export const ANSWER_DEADLINE_MS = 2000;

/**
 * `work()`, or a `queue_unavailable` error (503) if it has not settled within `ms`. The work goes
 * on: what it had sent may still land after the answer, so every route takes the sender's retry of
 * such a request as a duplicate (delivery ids, event ids, idempotent write keys).
 */
export async function withinDeadline<T>(work: () => Promise<T>, ms = ANSWER_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BridgeError('queue_unavailable', `Redis did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
