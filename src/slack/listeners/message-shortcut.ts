import type { App, MessageShortcut } from '@slack/bolt';
import type { SlackContext } from '../slack-context.js';
import { openCaseModal } from '../open-modal.js';
import { resolveRoute } from '../account-routing.js';
import { unmappedText } from '../texts.js';
import { slackToPlain } from '../thread-reply.js';

export const OPEN_CASE_SHORTCUT = 'open_expereo_case';

/** "Open expereo case" on a message: the modal, its description prefilled with the message and a permalink to it. */
export function registerMessageShortcut(app: App, ctx: SlackContext): void {
  app.shortcut<MessageShortcut>({ callback_id: OPEN_CASE_SHORTCUT, type: 'message_action' }, async ({ ack, shortcut, respond }) => {
    await ack();
    const channel = typeof shortcut.channel?.id === 'string' ? shortcut.channel.id : undefined;
    if (!channel) {
      ctx.log.warn({ callbackId: shortcut.callback_id }, 'message shortcut without a channel ignored');
      return;
    }
    const teamId = shortcut.team?.id ?? shortcut.user.team_id ?? '';
    const route = resolveRoute(ctx.routing, { teamId, channelId: channel });
    if (!route) {
      await respond({ response_type: 'ephemeral', text: unmappedText(channel) });
      return;
    }
    let permalink: string | undefined;
    try {
      permalink = (await ctx.web.chat.getPermalink({ channel, message_ts: String(shortcut.message?.ts ?? '') })).permalink;
    } catch (err) {
      ctx.log.warn({ err }, 'chat.getPermalink failed; the case will not link to the message');
    }
    const quoted = slackToPlain(typeof shortcut.message?.text === 'string' ? shortcut.message.text : '').trim();
    const description = [quoted, permalink ? `Slack message: ${permalink}` : undefined].filter(Boolean).join('\n\n');
    try {
      await openCaseModal(ctx, {
        triggerId: shortcut.trigger_id,
        route,
        metadata: { channel, teamId, ...(permalink ? { source: permalink } : {}) },
        ...(description ? { description } : {}),
      });
    } catch (err) {
      ctx.log.warn({ err }, 'could not open the case modal from a message');
      await respond({ response_type: 'ephemeral', text: 'The case form could not be opened; please try again.' }).catch(() => undefined);
    }
  });
}
