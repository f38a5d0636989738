import { createHash } from 'node:crypto';

/**
 * Redis keys of the Slack app, all under `<p>:slack:` (`<p>` is REDIS_PREFIX). The shared state
 * (links, outbox, budgets) is in `src/state/state-keys.ts`.
 *
 * | key | type | holds |
 * |---|---|---|
 * | `<p>:slack:services:<accountId>` | string (JSON) | the account's services, for the service picker and access checks; 10 min |
 * | `<p>:slack:sites:<accountId>` | string (JSON) | the account's sites, for the site picker; 10 min |
 * | `<p>:slack:user:<teamId>:<userId>` | string | a person's display name (users.info); 1 day; the user id for 10 min after Slack refused to say, or for a 429's Retry-After |
 * | `<p>:slack:evt:<eventId>` | string | an Events API delivery already taken (Slack's retries); 1 h |
 * | `<p>:slack:view:<viewId>` | string | a case modal already submitted: when (ms); 1 day |
 * | `<p>:slack:pending:<channel>:<threadTs>` | string | a case thread whose create is still queued → the create's key; 7 days |
 * | `<p>:slack:dlv:<hash>` | string | a mirrored delivery already posted to a thread (hash of link id and delivery id); 7 days |
 * | `<p>:slack:dlv-try:<hash>` | string | when the first attempt to post that delivery began (ms); 7 days |
 */
export function slackKeys(prefix: string) {
  const p = `${prefix}:slack`;
  return {
    services: (accountId: string) => `${p}:services:${accountId}`,
    sites: (accountId: string) => `${p}:sites:${accountId}`,
    userName: (teamId: string, userId: string) => `${p}:user:${teamId}:${userId}`,
    event: (eventId: string) => `${p}:evt:${eventId}`,
    view: (viewId: string) => `${p}:view:${viewId}`,
    pendingThread: (channel: string, threadTs: string) => `${p}:pending:${channel}:${threadTs}`,
    delivered: (linkId: string, deliveryId: string) => `${p}:dlv:${deliveryHash(linkId, deliveryId)}`,
    deliveryAttempt: (linkId: string, deliveryId: string) => `${p}:dlv-try:${deliveryHash(linkId, deliveryId)}`,
  };
}
export type SlackKeys = ReturnType<typeof slackKeys>;

function deliveryHash(linkId: string, deliveryId: string): string {
  return createHash('sha256').update(`${linkId}\n${deliveryId}`).digest('hex').slice(0, 32);
}

export const TTL_S = {
  lookups: 10 * 60,
  userName: 24 * 3600,
  userNameRefused: 10 * 60,
  event: 3600,
  view: 24 * 3600,
  pendingThread: 7 * 24 * 3600,
  delivered: 7 * 24 * 3600,
} as const;
