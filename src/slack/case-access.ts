import { ExpereoApiError } from '../expereo/api-error.js';
import type { Case } from '../expereo/v2-contract.js';
import type { SlackContext } from './slack-context.js';

/**
 * Does a case belong to the account? By its `accountId` when expereo gives one; otherwise by its
 * service being one of the account's. Unknown means no: nobody sees a case they cannot be shown to.
 */
export function caseBelongsTo(c: Pick<Case, 'accountId' | 'serviceId'>, accountId: string, accountServiceIds: ReadonlySet<string> | undefined): boolean {
  if (c.accountId) return c.accountId === accountId;
  return Boolean(c.serviceId && accountServiceIds?.has(c.serviceId));
}

/** Reads per interactive request wait at most this long for the shared read budget. */
export const INTERACTIVE_READ_WAIT_MS = 10_000;

/** The case if it exists and belongs to the account; undefined for both "no such case" and "not yours". */
export async function findAccountCase(ctx: SlackContext, accountId: string, caseId: string): Promise<Case | undefined> {
  let c: Case;
  try {
    c = await ctx.expereo.getCase(caseId, { maxWaitMs: INTERACTIVE_READ_WAIT_MS });
  } catch (err) {
    if (err instanceof ExpereoApiError && (err.code === 'not_found' || err.code === 'forbidden')) return undefined;
    throw err;
  }
  const services = c.accountId ? undefined : await ctx.lookups.services(accountId, { maxWaitMs: INTERACTIVE_READ_WAIT_MS });
  return caseBelongsTo(c, accountId, services && new Set(services.map((s) => s.id))) ? c : undefined;
}

export function isClosed(status: string | null | undefined, closedStatuses: readonly string[]): boolean {
  if (!status) return false;
  const s = status.toLowerCase();
  return closedStatuses.some((c) => c.toLowerCase() === s);
}
