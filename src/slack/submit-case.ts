import { etaMs } from '../budget/gcra.js';
import type { CreateCaseBody } from '../expereo/v2-contract.js';
import { BridgeError } from '../errors.js';
import { runScript } from '../redis.js';
import { laneOf } from '../writes/lanes.js';
import { InvalidWriteError } from '../writes/producer.js';
import type { SlackContext } from './slack-context.js';
import { TTL_S } from './slack-keys.js';
import { slackLink } from './links.js';
import { createFailedText, queuedText, summary } from './texts.js';
import { slackErrorCode } from './web-client.js';

export interface CaseRequest {
  teamId: string;
  channel: string;
  userId: string;
  /** The submitted modal; its id makes the create's key, so a repeated submission is one case. */
  viewId: string;
  body: CreateCaseBody;
}

/** Create key of a case asked for in a Slack modal. */
export function createKeyOf(teamId: string, viewId: string): string {
  return `slack:${teamId}:view:${viewId}`;
}

/** This submission goes ahead, an earlier one already queued the case, or an earlier one may still be at it. */
export type Claim = 'claimed' | 'done' | 'busy';

/**
 * A claim holds the time it was taken. Past this, a claim whose case create is not queued belongs
 * to a submission that failed before it was acknowledged (Redis went away after taking the claim,
 * the person saw an error and submitted again): the new submission takes it over.
 */
const CLAIM_HOLD_MS = 3000;

/** Takes the claim KEYS[1] over (ARGV[2], EX ARGV[3]) if it still holds ARGV[1]. */
const TAKE_OVER = `if (redis.call('GET', KEYS[1]) or '') == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 end return 0`;

/**
 * The first submission of a modal takes it; a repeated one (Slack retrying, a double click) does
 * nothing. Made before acknowledging so the answer already reflects it.
 */
export async function claimSubmission(ctx: SlackContext, viewId: string, createKey: string): Promise<Claim> {
  const key = ctx.keys.view(viewId);
  const now = ctx.now();
  if ((await ctx.redis.set(key, String(now), 'EX', TTL_S.view, 'NX')) !== null) return 'claimed';
  if (await ctx.outbox.entry(createKey)) return 'done';
  const taken = await ctx.redis.get(key);
  if (taken !== null && now - Number(taken) < CLAIM_HOLD_MS) return 'busy';
  return (await runScript(ctx.redis, TAKE_OVER, 1, key, taken ?? '', String(now), TTL_S.view)) === 1 ? 'claimed' : 'busy';
}

/**
 * After the modal closed: posts "Case requested, queued, about N s" in the channel (its thread
 * becomes the case thread), then queues the create with that thread as the case's link. The outcome
 * worker later edits the message with the case id, or the reason it failed.
 */
export async function submitCase(ctx: SlackContext, req: CaseRequest): Promise<void> {
  const key = createKeyOf(req.teamId, req.viewId);
  const about = summary(req.body);

  let ts: string;
  try {
    const eta = await estimateEtaMs(ctx, req.body).catch(() => undefined);
    const posted = await ctx.web.chat.postMessage({
      channel: req.channel,
      text: queuedText({ userId: req.userId, body: req.body, etaMs: eta }),
      unfurl_links: false,
    });
    if (!posted.ts) throw new Error('chat.postMessage answered without a ts');
    ts = posted.ts;
  } catch (err) {
    await ctx.redis.del(ctx.keys.view(req.viewId)).catch(() => undefined);
    await tellPerson(ctx, req, err);
    return;
  }

  const link = slackLink(req.channel, ts);
  try {
    // Replies in the thread before the case exists are queued behind its create.
    await ctx.redis.set(ctx.keys.pendingThread(req.channel, ts), key, 'EX', TTL_S.pendingThread);
    await ctx.producer.enqueue({
      kind: 'create',
      key,
      origin: { kind: 'slack', ref: link.id, data: { channel: req.channel, messageTs: ts, summary: about, userId: req.userId } },
      body: req.body,
      links: [link],
    });
  } catch (err) {
    ctx.log.error({ err, key }, 'case create could not be queued');
    const reason =
      err instanceof InvalidWriteError
        ? err.issues.map((i) => `${i.path}: ${i.message}`).join('; ')
        : err instanceof BridgeError && err.code === 'queue_unavailable'
          ? 'the bridge’s queue is unavailable; please try again in a minute'
          : 'an internal error';
    await ctx.web.chat.update({ channel: req.channel, ts, text: createFailedText({ reason, summary: about }) });
  }
}

/** Writes ahead of this create in its lane or more urgent ones, at the write budget's pace. */
async function estimateEtaMs(ctx: SlackContext, body: CreateCaseBody): Promise<number> {
  const lane = laneOf({ kind: 'create', key: 'estimate', origin: { kind: 'slack', ref: 'estimate' }, body, links: [] });
  const budget = ctx.expereo.writeBudget;
  const [pending, state] = await Promise.all([ctx.outbox.pendingByLane(), budget.state()]);
  const ahead = Object.entries(pending).reduce((n, [l, count]) => (Number(l) <= lane ? n + count : n), 0);
  return etaMs(budget.params, state, ahead + 1);
}

/** The channel message could not be posted: say so to the person directly. */
async function tellPerson(ctx: SlackContext, req: CaseRequest, err: unknown): Promise<void> {
  const code = slackErrorCode(err);
  ctx.log.warn({ err, channel: req.channel, code }, 'could not post the case request in the channel');
  const why =
    code === 'not_in_channel' || code === 'channel_not_found'
      ? `I am not a member of <#${req.channel}>: invite me there (\`/invite @expereo\`) and open the case again.`
      : `Slack did not accept my message in <#${req.channel}> (${code}). Please open the case again.`;
  await ctx.web.chat
    .postMessage({ channel: req.userId, text: `:x: Your case was not opened. ${why}` })
    .catch((dmErr: unknown) => ctx.log.warn({ err: dmErr }, 'could not tell the person either'));
}
