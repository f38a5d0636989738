import type { CaseType } from '../expereo/v2-contract.js';
import { caseModal, type ModalMetadata } from './case-modal.js';
import type { SlackContext } from './slack-context.js';
import { serviceLabel } from './picker-options.js';
import type { SlackRoute } from './account-routing.js';

/** Builds the modal for a route: the channel's default service preselected (named if cached). */
export async function routeModal(ctx: SlackContext, o: { route: SlackRoute; metadata: ModalMetadata; type: CaseType; description?: string }) {
  let service: { id: string; label: string } | undefined;
  if (o.route.defaultServiceId) {
    const cached = await ctx.lookups.cachedServices(o.route.accountId).catch(() => undefined);
    const known = cached?.find((s) => s.id === o.route.defaultServiceId);
    service = { id: o.route.defaultServiceId, label: known ? serviceLabel(known) : o.route.defaultServiceId };
  }
  return caseModal({
    metadata: o.metadata,
    type: o.type,
    nowMs: ctx.now(),
    prefill: { ...(service ? { service } : {}), ...(o.description ? { description: o.description } : {}) },
  });
}

/**
 * Opens the modal, then fills the pickers' cache while the person reads it, so that searching
 * services answers from Redis.
 */
export async function openCaseModal(
  ctx: SlackContext,
  o: { triggerId: string; route: SlackRoute; metadata: ModalMetadata; description?: string },
): Promise<void> {
  const view = await routeModal(ctx, { ...o, type: 'Incident' });
  await ctx.web.views.open({ trigger_id: o.triggerId, view });
  await Promise.all([ctx.lookups.services(o.route.accountId), ctx.lookups.sites(o.route.accountId)]);
}
