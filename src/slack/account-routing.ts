import { DEFAULT_CASE_URL_TEMPLATE, type SlackRouting } from './routing-schema.js';

/** The expereo account a Slack conversation acts for. */
export interface SlackRoute {
  accountId: string;
  defaultServiceId: string | undefined;
  /** How the route was found, for the explanation shown to people. */
  via: 'channel' | 'workspace';
}

/** The channel's own mapping, else its workspace's, else none (the channel is not mapped). */
export function resolveRoute(routing: SlackRouting | undefined, where: { teamId?: string; channelId?: string }): SlackRoute | undefined {
  if (!routing) return undefined;
  const channel = where.channelId ? routing.channels.find((c) => c.channel === where.channelId) : undefined;
  if (channel) return { accountId: channel.accountId, defaultServiceId: channel.defaultServiceId, via: 'channel' };
  const workspace = where.teamId ? routing.workspaces.find((w) => w.teamId === where.teamId) : undefined;
  if (workspace) return { accountId: workspace.accountId, defaultServiceId: workspace.defaultServiceId, via: 'workspace' };
  return undefined;
}

export function caseUrl(routing: SlackRouting | undefined, caseId: string): string {
  return (routing?.caseUrlTemplate ?? DEFAULT_CASE_URL_TEMPLATE).replaceAll('{caseId}', encodeURIComponent(caseId));
}
