import type { Link } from '../writes/catalog.js';

/**
 * A Slack thread as a linked conversation (the format shared with mirroring and alerts):
 * `{ id: 'slack:<channel>:<threadTs>', kind: 'slack', data: { channel, threadTs } }`.
 */
export function slackLinkId(channel: string, threadTs: string): string {
  return `slack:${channel}:${threadTs}`;
}

export function slackLink(channel: string, threadTs: string): Link {
  return { id: slackLinkId(channel, threadTs), kind: 'slack', data: { channel, threadTs } };
}

/** The thread a Slack link points at, or undefined when the link is not a usable Slack link. */
export function slackThreadOf(link: Pick<Link, 'kind' | 'data'>): { channel: string; threadTs: string } | undefined {
  if (link.kind !== 'slack') return undefined;
  const { channel, threadTs } = link.data as { channel?: unknown; threadTs?: unknown };
  return typeof channel === 'string' && channel && typeof threadTs === 'string' && threadTs ? { channel, threadTs } : undefined;
}
