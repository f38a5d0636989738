import type { App, BlockButtonAction } from '@slack/bolt';
import type { SlackContext } from '../slack-context.js';
import { TTL_S } from '../slack-keys.js';
import { messagePrefill, type MessagePrefill } from '../message-prefill.js';
import { openCaseModal } from '../open-modal.js';
import { resolveRoute } from '../account-routing.js';
import { escapeMrkdwn, unmappedText } from '../texts.js';
import { isPermanentSlackError } from '../web-client.js';

export const OPEN_FROM_REACTION = 'open_case_from_reaction';

/** Slack's message timestamps and channel ids, as a button's value must carry them. */
const SLACK_TS = /^\d{1,12}\.\d{1,9}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

interface ReactionAdded {
  type?: string;
  user?: unknown;
  reaction?: unknown;
  event_ts?: unknown;
  item?: { type?: unknown; channel?: unknown; ts?: unknown };
}

/** What the reaction's case form is prefilled with, and whether the person was already asked (the same event handled twice asks once). */
interface Asked extends MessagePrefill {
  eventTs: string;
  asked?: boolean;
}

/**
 * The configured emoji (`slack.caseReaction`, `:expereo:` by default) added to a message offers
 * the person a case form about it. `reaction_added` carries no trigger id, and a modal can only be
 * opened with one, so the bridge answers with an ephemeral message, seen by that person only, whose
 * button (an interaction, with a trigger id) opens the form prefilled from the message as the
 * message shortcut does. The event runs in the worker role (events intake), where the message's
 * text is read within the thread read budget; the button runs in the request and only reads Redis,
 * as a trigger id expires in 3 s.
 */
export function registerReactionCase(app: App, ctx: SlackContext): void {
  const emoji = ctx.routing?.caseReaction ?? 'expereo';
  if (emoji === false) return;

  app.event('reaction_added', async ({ event, body }) => {
    const e = event as ReactionAdded;
    // A skin tone is part of the name Slack sends (`raised_hand::skin-tone-2`).
    if (typeof e.reaction !== 'string' || e.reaction.split('::')[0] !== emoji) return;
    const user = typeof e.user === 'string' ? e.user : undefined;
    const channel = typeof e.item?.channel === 'string' && CHANNEL_ID.test(e.item.channel) ? e.item.channel : undefined;
    const ts = typeof e.item?.ts === 'string' && SLACK_TS.test(e.item.ts) ? e.item.ts : undefined;
    if (e.item?.type !== 'message' || !user || !channel || !ts) return;
    const teamId = (body as { team_id?: string }).team_id ?? '';
    const eventTs = typeof e.event_ts === 'string' ? e.event_ts : ts;
    try {
      if (!resolveRoute(ctx.routing, { teamId, channelId: channel })) {
        await ctx.web.chat.postEphemeral({ channel, user, text: unmappedText(channel) });
        return;
      }
      const key = ctx.keys.reactionPrefill(channel, ts, user);
      const before = readAsked(await ctx.redis.get(key));
      if (before?.eventTs === eventTs && before.asked) return;
      const prefill = before?.eventTs === eventTs ? before : { eventTs, ...(await messagePrefill(ctx, channel, ts)) };
      await ctx.redis.set(key, JSON.stringify(prefill), 'EX', TTL_S.reactionPrefill);
      await ctx.web.chat.postEphemeral({
        channel,
        user,
        text: 'Open an expereo case about this message?',
        blocks: askBlocks(emoji, channel, ts, prefill.source),
      });
      await ctx.redis.set(key, JSON.stringify({ ...prefill, asked: true } satisfies Asked), 'EX', TTL_S.reactionPrefill);
    } catch (err) {
      // Not in the channel any more, or the channel is gone: there is nobody to ask.
      if (isPermanentSlackError(err)) return ctx.log.warn({ err, channel }, 'could not offer a case form for a reaction');
      throw err;
    }
  });

  app.action<BlockButtonAction>({ action_id: OPEN_FROM_REACTION }, async ({ ack, body, action, respond }) => {
    await ack();
    const target = readTarget(action.value);
    if (!target) return ctx.log.warn({ value: action.value }, 'case form button with an unreadable value ignored');
    const teamId = body.team?.id ?? body.user.team_id ?? '';
    const route = resolveRoute(ctx.routing, { teamId, channelId: target.channel });
    if (!route) {
      await respond({ response_type: 'ephemeral', replace_original: true, text: unmappedText(target.channel) });
      return;
    }
    const stored = readAsked(await ctx.redis.get(ctx.keys.reactionPrefill(target.channel, target.ts, body.user.id)).catch(() => null));
    // The trigger id lasts 3 s: without the stored prefill, a link to the message and no read.
    const prefill = stored ?? (await messagePrefill(ctx, target.channel, target.ts, ''));
    try {
      await openCaseModal(ctx, {
        triggerId: body.trigger_id,
        route,
        metadata: { channel: target.channel, teamId, ...(prefill.source ? { source: prefill.source } : {}) },
        ...(prefill.description ? { description: prefill.description } : {}),
      });
      await respond({ delete_original: true }).catch(() => undefined);
    } catch (err) {
      ctx.log.warn({ err }, 'could not open the case modal from a reaction');
      await respond({ response_type: 'ephemeral', replace_original: true, text: 'The case form could not be opened; please try again.' }).catch(
        () => undefined,
      );
    }
  });
}

function askBlocks(emoji: string, channel: string, ts: string, permalink: string | undefined) {
  const what = permalink ? `<${permalink}|this message>` : 'this message';
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `:${escapeMrkdwn(emoji)}: Open an expereo case about ${what}?` } },
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: OPEN_FROM_REACTION,
          style: 'primary',
          text: { type: 'plain_text', text: 'Open case form' },
          value: JSON.stringify({ channel, ts }),
        },
      ],
    },
  ];
}

function readTarget(value: string | undefined): { channel: string; ts: string } | undefined {
  try {
    const v = JSON.parse(value ?? '') as { channel?: unknown; ts?: unknown };
    return typeof v.channel === 'string' && CHANNEL_ID.test(v.channel) && typeof v.ts === 'string' && SLACK_TS.test(v.ts)
      ? { channel: v.channel, ts: v.ts }
      : undefined;
  } catch {
    return undefined;
  }
}

function readAsked(raw: string | null): Asked | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    if (typeof v.eventTs !== 'string') return undefined;
    const text = (k: string) => (typeof v[k] === 'string' ? { [k]: v[k] as string } : {});
    return { eventTs: v.eventTs, ...text('source'), ...text('description'), ...(v.asked === true ? { asked: true } : {}) };
  } catch {
    return undefined;
  }
}
