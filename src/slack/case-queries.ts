import { slackLink } from './links.js';
import { caseBelongsTo, findAccountCase, INTERACTIVE_READ_WAIT_MS, isClosed } from './case-access.js';
import type { SlackContext } from './slack-context.js';
import { caseUrl, type SlackRoute } from './account-routing.js';
import { caseListText, caseStatusText, linkedRootText, notFoundText } from './texts.js';

/** `/case status <id>`: the answer to show the person. */
export async function caseStatus(ctx: SlackContext, route: SlackRoute, caseId: string): Promise<string> {
  const c = await findAccountCase(ctx, route.accountId, caseId);
  return c ? caseStatusText(c, caseUrl(ctx.routing, c.caseId)) : notFoundText(caseId);
}

const LIST_MAX = 50;

/** `/case list`: the account's open cases, most recently changed first. */
export async function openCases(ctx: SlackContext, route: SlackRoute): Promise<string> {
  const page = await ctx.expereo.casesPage({ filter: { accountId: route.accountId }, sort: ['-lastModifiedDate'], limit: LIST_MAX }, undefined, {
    maxWaitMs: INTERACTIVE_READ_WAIT_MS,
  });
  const needServices = page.items.some((c) => !c.accountId);
  const services = needServices ? await ctx.lookups.services(route.accountId, { maxWaitMs: INTERACTIVE_READ_WAIT_MS }) : undefined;
  const serviceIds = services && new Set(services.map((s) => s.id));
  const closed = ctx.closedStatuses;
  const open = page.items.filter((c) => caseBelongsTo(c, route.accountId, serviceIds) && !isClosed(c.status, closed));
  return caseListText(
    open.map((c) => ({ c, url: caseUrl(ctx.routing, c.caseId) })),
    route.accountId,
    page.hasMore,
  );
}

export type LinkResult = { linked: true; caseId: string; threadTs: string } | { linked: false; text: string };

/** `/case link <id>`: a new thread in the channel, linked to the case (replies flow both ways). */
export async function linkCase(ctx: SlackContext, route: SlackRoute, o: { caseId: string; channel: string; userId: string }): Promise<LinkResult> {
  const c = await findAccountCase(ctx, route.accountId, o.caseId);
  if (!c) return { linked: false, text: notFoundText(o.caseId) };
  const root = await ctx.web.chat.postMessage({
    channel: o.channel,
    text: linkedRootText({ caseId: c.caseId, url: caseUrl(ctx.routing, c.caseId), userId: o.userId, subject: c.subject }),
    unfurl_links: false,
  });
  if (!root.ts) throw new Error('chat.postMessage answered without a ts');
  await ctx.sync.link(c.caseId, slackLink(o.channel, root.ts));
  return { linked: true, caseId: c.caseId, threadTs: root.ts };
}
