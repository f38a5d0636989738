import type { App } from '@slack/bolt';
import { parseCaseCommand } from '../command-text.js';
import { caseStatus, linkCase, openCases } from '../case-queries.js';
import type { SlackContext } from '../slack-context.js';
import { openCaseModal } from '../open-modal.js';
import { resolveRoute } from '../account-routing.js';
import { helpText, readFailedText, unmappedText } from '../texts.js';
import { slackErrorCode } from '../web-client.js';

export const CASE_COMMAND = '/case';

/**
 * `/case [new|status <id>|list|link <id>|help]`. Everything is acknowledged first; answers that need
 * expereo or Slack come after, ephemerally, through the command's response URL.
 */
export function registerCaseCommand(app: App, ctx: SlackContext): void {
  app.command(CASE_COMMAND, async ({ command, ack, respond }) => {
    const parsed = parseCaseCommand(command.text);
    if (parsed.kind === 'help') return ack({ response_type: 'ephemeral', text: helpText(parsed.unknown) });
    const route = resolveRoute(ctx.routing, { teamId: command.team_id, channelId: command.channel_id });
    if (!route) return ack({ response_type: 'ephemeral', text: unmappedText(command.channel_id) });
    await ack();

    const say = (text: string) => respond({ response_type: 'ephemeral', text });
    try {
      switch (parsed.kind) {
        case 'new':
          await openCaseModal(ctx, { triggerId: command.trigger_id, route, metadata: { channel: command.channel_id, teamId: command.team_id } });
          return;
        case 'status':
          await say(await caseStatus(ctx, route, parsed.caseId));
          return;
        case 'list':
          await say(await openCases(ctx, route));
          return;
        case 'link': {
          const result = await linkCase(ctx, route, { caseId: parsed.caseId, channel: command.channel_id, userId: command.user_id });
          if (!result.linked) await say(result.text);
          return;
        }
      }
    } catch (err) {
      ctx.log.warn({ err, command: parsed.kind }, '/case failed');
      const code = slackErrorCode(err);
      const text =
        code === 'not_in_channel' || code === 'channel_not_found'
          ? 'I am not a member of this channel: invite me first (`/invite @expereo`).'
          : code === 'internal_error'
            ? readFailedText(parsed.kind === 'new' ? 'open the form' : 'answer')
            : `Slack refused the request (${code}); please try again.`;
      await say(text).catch(() => undefined);
    }
  });
}
