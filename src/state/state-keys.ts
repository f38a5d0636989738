import { createHash } from 'node:crypto';

/**
 * Every Redis key the bridge writes, in one place, all under `REDIS_PREFIX` (`<p>` below). BullMQ's
 * own keys live under `<p>:q:<queue name>:…`. In cluster mode `<p>` is a hash tag (`{bridge}`),
 * so every key below is in one slot (src/config/redis-settings.ts).
 *
 * | key | type | holds |
 * |---|---|---|
 * | `<p>:token:<client>` | hash | the OAuth access token, its expiry and issue time; expires with it |
 * | `<p>:token:<client>:lock` | string | who is fetching a new token right now (PX 15 s) |
 * | `<p>:budget:<client>:<read, write, bulk or mirror>` | string | GCRA theoretical arrival time, µs since epoch |
 * | `<p>:budget:<client>:<…>:log` | sorted set | booked slots (score: slot time, µs) from a window or period ago on, future ones included |
 * | `<p>:budget:<client>:<…>:pause` | string | no slot before this time (µs), after a 429 |
 * | `<p>:w:e:<key>` | hash | one accepted write: request, slot, lane, status, case id, attempts, error |
 * | `<p>:w:o:<slot>` | list | keys of the writes waiting for one case, in arrival order |
 * | `<p>:w:slots` | set | slots with writes waiting |
 * | `<p>:w:lock:<slot>` | string | a worker is flushing this slot |
 * | `<p>:w:pending` | hash | writes waiting, per lane |
 * | `<p>:w:dead` | sorted set | dead-lettered write keys, by time |
 * | `<p>:ref:<key>` | string | idempotency key of a create → the case id it made |
 * | `<p>:case:<caseId>:slot` | string | the outbox slot of a case the bridge created (`k:<create key>`) |
 * | `<p>:case:<caseId>:links` | hash | link id → linked conversation (JSON) |
 * | `<p>:case:<caseId>:sent` | set | message ids and fingerprints the bridge itself wrote (no echo) |
 * | `<p>:case:<caseId>:origins` | hash | `id:<message id>` / `fp:<fingerprint>` of a message the bridge wrote → the conversations it spoke for (JSON list) |
 * | `<p>:case:<caseId>:changes` | list | fields the bridge's updates set: `{field, value, origins, at}` (JSON), oldest first; see src/mirror/echo.ts |
 * | `<p>:link:<linkId>` | string | linked conversation → case id |
 * | `<p>:cases:linked` | set | case ids with at least one linked conversation |
 *
 * A slot names one case's queue of writes: `k:<create key>` for a case the bridge creates (its
 * messages can be queued before the case exists), `c:<case id>` for any other case (src/writes/slots.ts
 * makes and reads these names). A slot's flush
 * on the way is its BullMQ job, deduplicated by the slot (`<p>:q:writes:de:<slot>` names it).
 * Each capability keeps its own state under `<p>:<capability>:…`, documented at the top of the
 * module that owns it: `<p>:mirror:` (src/mirror/mirror-keys.ts: cursors, poll schedule, delivery
 * markers), `<p>:alerts:` (src/alerts/incident-store.ts: incident state), `<p>:slack:` (src/slack/slack-keys.ts:
 * caches, event dedupe), `<p>:itsm:` (src/itsm/itsm-state.ts: delivery ids, posted comments).
 *
 * `<client>` is a short hash of the expereo client id: budgets and tokens are shared by every
 * process that uses the same client id, and the id itself never appears in Redis.
 */
export function clientKey(clientId: string): string {
  return createHash('sha256').update(clientId).digest('hex').slice(0, 16);
}

export function stateKeys(prefix: string) {
  return {
    prefix,
    queuePrefix: `${prefix}:q`,
    token: (clientId: string) => `${prefix}:token:${clientKey(clientId)}`,
    tokenLock: (clientId: string) => `${prefix}:token:${clientKey(clientId)}:lock`,
    budget: (clientId: string, kind: 'read' | 'write' | 'bulk' | 'mirror') => `${prefix}:budget:${clientKey(clientId)}:${kind}`,
    entry: (key: string) => `${prefix}:w:e:${key}`,
    outbox: (slot: string) => `${prefix}:w:o:${slot}`,
    slots: `${prefix}:w:slots`,
    slotLock: (slot: string) => `${prefix}:w:lock:${slot}`,
    pending: `${prefix}:w:pending`,
    dead: `${prefix}:w:dead`,
    ref: (key: string) => `${prefix}:ref:${key}`,
    caseSlot: (caseId: string) => `${prefix}:case:${caseId}:slot`,
    caseLinks: (caseId: string) => `${prefix}:case:${caseId}:links`,
    caseSent: (caseId: string) => `${prefix}:case:${caseId}:sent`,
    caseOrigins: (caseId: string) => `${prefix}:case:${caseId}:origins`,
    caseChanges: (caseId: string) => `${prefix}:case:${caseId}:changes`,
    link: (linkId: string) => `${prefix}:link:${linkId}`,
    linkedCases: `${prefix}:cases:linked`,
  };
}

export type StateKeys = ReturnType<typeof stateKeys>;
