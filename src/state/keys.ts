import { createHash } from 'node:crypto';

/**
 * Every Redis key the bridge writes, in one place, all under `REDIS_PREFIX`. BullMQ's own keys
 * live under `<prefix>:q:<queue name>:…`.
 *
 * | key | type | holds |
 * |---|---|---|
 * | `<p>:token:<client>` | string (JSON) | the OAuth access token and its expiry, PX = lifetime |
 * | `<p>:token:<client>:lock` | string | who is fetching a new token right now (PX 15 s) |
 * | `<p>:budget:<client>:<read or write>` | string | GCRA theoretical arrival time, µs since epoch |
 * | `<p>:budget:<client>:<read or write>:log` | sorted set | grants of the last period (for "used") |
 *
 * `<client>` is a short hash of the expereo client id: budgets are shared by every process that
 * uses the same client id, and the id itself never appears in Redis.
 */
export function clientKey(clientId: string): string {
  return createHash('sha256').update(clientId).digest('hex').slice(0, 16);
}

export function stateKeys(prefix: string) {
  return {
    queuePrefix: `${prefix}:q`,
    token: (clientId: string) => `${prefix}:token:${clientKey(clientId)}`,
    tokenLock: (clientId: string) => `${prefix}:token:${clientKey(clientId)}:lock`,
    budget: (clientId: string, kind: 'read' | 'write') => `${prefix}:budget:${clientKey(clientId)}:${kind}`,
  };
}

export type StateKeys = ReturnType<typeof stateKeys>;
