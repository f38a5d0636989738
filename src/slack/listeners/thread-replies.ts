import type { App } from '@slack/bolt';
import type { CaseRef } from '../../writes/catalog.js';
import { InvalidWriteError } from '../../writes/producer.js';
import type { SlackContext } from '../slack-context.js';
import { slackLinkId } from '../links.js';
import { messageFailedText } from '../texts.js';
import { threadReplyOf } from '../thread-reply.js';

/**
 * A person's reply in a case thread becomes a case message. Its key is Slack's own id for the message
 * (`slack:<team>:<channel>:<ts>`), so a repeated event is the same write, answered `duplicate`.
 */
export function registerThreadReplies(app: App, ctx: SlackContext): void {
  app.event('message', async ({ event, body, context }) => {
    const reply = threadReplyOf(event as Parameters<typeof threadReplyOf>[0]);
    if (!reply) return;
    const linkId = slackLinkId(reply.channel, reply.threadTs);
    const caseRef = await caseRefOf(ctx, linkId, reply.channel, reply.threadTs);
    if (!caseRef) return; // not a case thread
    const teamId = (body as { team_id?: string }).team_id ?? context.teamId ?? 'unknown-team';
    const name = await ctx.lookups.userName(ctx.web, teamId, reply.user);
    const key = `slack:${teamId}:${reply.channel}:${reply.ts}`;
    let result;
    try {
      result = await ctx.producer.enqueue({
        kind: 'message',
        key,
        origin: { kind: 'slack', ref: linkId, data: { channel: reply.channel, threadTs: reply.threadTs, messageTs: reply.ts } },
        case: caseRef,
        author: { name, via: 'Slack' },
        text: reply.text,
        at: new Date(Number(reply.ts) * 1000).toISOString(),
        human: true,
      });
    } catch (err) {
      // From the events intake, a passing failure means: try the event again later.
      if (ctx.fromIntake && !(err instanceof InvalidWriteError)) throw err;
      // Otherwise the event is already acknowledged: the thread is the only place to say it did not go through.
      ctx.log.warn({ err, key }, 'thread reply could not be queued');
      const reason =
        err instanceof InvalidWriteError ? err.issues.map((i) => i.message).join('; ') : 'the bridge’s queue is unavailable; please post it again in a minute';
      await ctx.web.chat.postMessage({ channel: reply.channel, thread_ts: reply.threadTs, text: messageFailedText(reason) }).catch(() => undefined);
      return;
    }
    ctx.log.debug({ key, status: result.status }, 'thread reply queued for the case');
  });
}

/** The linked case, or the create still queued for this thread. */
async function caseRefOf(ctx: SlackContext, linkId: string, channel: string, threadTs: string): Promise<CaseRef | undefined> {
  const caseId = await ctx.sync.caseForLink(linkId);
  if (caseId) return { caseId };
  const createKey = await ctx.redis.get(ctx.keys.pendingThread(channel, threadTs));
  return createKey ? { createKey } : undefined;
}
