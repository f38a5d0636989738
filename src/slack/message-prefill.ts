import type { SlackContext } from './slack-context.js';
import { slackToPlain } from './thread-reply.js';
import { slackErrorCode } from './web-client.js';

/** A case form about a Slack message: its text and a link to it in the description. */
export interface MessagePrefill {
  /** Permalink of the message. */
  source?: string;
  description?: string;
}

/**
 * The prefill of a case about the message at `channel`/`ts`. Its text is given (a shortcut carries
 * the message) or read: one `conversations.history` call within the read budget every process
 * shares; when the budget says no, or the message is a thread reply that call cannot see, the form
 * has the link to the message alone.
 */
export async function messagePrefill(ctx: Pick<SlackContext, 'web' | 'log' | 'reads'>, channel: string, ts: string, text?: string): Promise<MessagePrefill> {
  let permalink: string | undefined;
  try {
    permalink = (await ctx.web.chat.getPermalink({ channel, message_ts: ts })).permalink;
  } catch (err) {
    ctx.log.warn({ err }, 'chat.getPermalink failed; the case will not link to the message');
  }
  const written = text ?? (await readMessage(ctx, channel, ts));
  const quoted = slackToPlain(written ?? '').trim();
  const description = [quoted, permalink ? `Slack message: ${permalink}` : undefined].filter(Boolean).join('\n\n');
  return { ...(permalink ? { source: permalink } : {}), ...(description ? { description } : {}) };
}

async function readMessage(ctx: Pick<SlackContext, 'web' | 'log' | 'reads'>, channel: string, ts: string): Promise<string | undefined> {
  if (!(await ctx.reads.take('conversations.history'))) {
    ctx.log.info({ channel, ts }, 'thread read budget spent; the case form links to the message without its text');
    return undefined;
  }
  try {
    const res = await ctx.web.conversations.history({ channel, latest: ts, inclusive: true, limit: 1 });
    const m = res.messages?.[0];
    return m?.ts === ts && typeof m.text === 'string' ? m.text : undefined;
  } catch (err) {
    if (slackErrorCode(err) === 'rate_limited') await ctx.reads.hold('conversations.history', ((err as { retryAfter?: number }).retryAfter ?? 60) * 1000);
    ctx.log.warn({ err, channel }, 'conversations.history failed; the case form links to the message without its text');
    return undefined;
  }
}
