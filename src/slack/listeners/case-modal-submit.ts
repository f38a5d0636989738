import type { App, BlockStaticSelectAction, ViewSubmitAction } from '@slack/bolt';
import { readCaseForm, type ViewValues } from '../case-form.js';
import { ACTION, BLOCK, CASE_MODAL_CALLBACK, isCaseType, readMetadata } from '../case-modal.js';
import type { SlackContext } from '../slack-context.js';
import { routeModal } from '../open-modal.js';
import { serviceOptions, siteOptions } from '../picker-options.js';
import { resolveRoute } from '../account-routing.js';
import { claimSubmission, createKeyOf, submitCase, type Claim } from '../submit-case.js';
import { submitBusyText, submitUnavailableText } from '../texts.js';

/** An options request must be answered within 3 s; leave room for the answer to travel. */
const OPTIONS_DEADLINE_MS = 2500;

export function registerCaseModal(app: App, ctx: SlackContext): void {
  app.view<ViewSubmitAction>(CASE_MODAL_CALLBACK, async ({ ack, view, body }) => {
    const metadata = readMetadata(view.private_metadata);
    const route = metadata && resolveRoute(ctx.routing, { teamId: metadata.teamId, channelId: metadata.channel });
    if (!metadata || !route) {
      return ack({ response_action: 'errors', errors: { [BLOCK.type]: 'This channel is not mapped to an expereo account (any more).' } });
    }
    const form = readCaseForm(view.state.values as ViewValues, { metadata, author: body.user.name, nowMs: ctx.now() });
    if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
    // The picker only offers the account's services; refuse any other when the list is at hand.
    const services = await ctx.lookups.cachedServices(route.accountId).catch(() => undefined);
    if (services && !services.some((s) => s.id === form.body.serviceId)) {
      return ack({ response_action: 'errors', errors: { [BLOCK.service]: 'This service is not one of this channel’s account.' } });
    }
    let claim: Claim;
    try {
      claim = await claimSubmission(ctx, view.id, createKeyOf(metadata.teamId, view.id));
    } catch (err) {
      // Not acknowledged: the modal stays open with the reason, and the person can submit again.
      ctx.log.warn({ err, viewId: view.id }, 'case modal submission could not be taken');
      return ack({ response_action: 'errors', errors: { [BLOCK.type]: submitUnavailableText() } });
    }
    if (claim === 'busy') return ack({ response_action: 'errors', errors: { [BLOCK.type]: submitBusyText() } });
    if (claim === 'done') {
      ctx.log.info({ viewId: view.id }, 'case modal submitted again; already taken');
      return ack();
    }
    await ack();
    await submitCase(ctx, { teamId: metadata.teamId, channel: metadata.channel, userId: body.user.id, viewId: view.id, body: form.body });
  });

  // The type decides the subjects, priorities and whether a start time is asked: redraw the modal.
  app.action<BlockStaticSelectAction>({ action_id: ACTION.type }, async ({ ack, action, body }) => {
    await ack();
    const type = action.selected_option?.value;
    const view = body.view;
    const metadata = readMetadata(view?.private_metadata);
    const route = metadata && resolveRoute(ctx.routing, { teamId: metadata.teamId, channelId: metadata.channel });
    if (!view || !metadata || !route || !isCaseType(type)) return;
    try {
      await ctx.web.views.update({ view_id: view.id, hash: view.hash, view: await routeModal(ctx, { route, metadata, type }) });
    } catch (err) {
      // hash_conflict: the person changed something meanwhile; their next change redraws it.
      ctx.log.warn({ err }, 'could not redraw the case modal');
    }
  });

  app.options<'block_suggestion'>({ action_id: ACTION.service }, async ({ ack, body }) => {
    const route = routeOfOptions(ctx, body.view?.private_metadata);
    const services =
      route && (await ctx.lookups.services(route.accountId, { maxWaitMs: OPTIONS_DEADLINE_MS - 500, signal: AbortSignal.timeout(OPTIONS_DEADLINE_MS) }));
    await ack({ options: serviceOptions(services ?? [], body.value) });
  });

  app.options<'block_suggestion'>({ action_id: ACTION.site }, async ({ ack, body }) => {
    const route = routeOfOptions(ctx, body.view?.private_metadata);
    const sites =
      route && (await ctx.lookups.sites(route.accountId, { maxWaitMs: OPTIONS_DEADLINE_MS - 500, signal: AbortSignal.timeout(OPTIONS_DEADLINE_MS) }));
    await ack({ options: siteOptions(sites ?? [], body.value) });
  });
}

function routeOfOptions(ctx: SlackContext, privateMetadata: string | undefined) {
  const metadata = readMetadata(privateMetadata);
  return metadata && resolveRoute(ctx.routing, { teamId: metadata.teamId, channelId: metadata.channel });
}
