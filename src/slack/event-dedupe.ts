import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { SlackContext } from './slack-context.js';
import { TTL_S } from './slack-keys.js';

/**
 * Slack redelivers an Events API event it thinks was not answered in time (`X-Slack-Retry-Num`
 * over HTTP, `retry_attempt` in Socket Mode). The first delivery takes the event id; repeats stop
 * here, whatever the transport. Should Redis fail, the event goes on: the write keys still keep a
 * second effect out.
 */
export function dedupeEvents(ctx: Pick<SlackContext, 'redis' | 'keys' | 'log'>): Middleware<AnyMiddlewareArgs> {
  return async ({ body, context, next }) => {
    const { type, event_id: eventId } = body as { type?: string; event_id?: unknown };
    if (type === 'event_callback' && typeof eventId === 'string') {
      const first = await ctx.redis.set(ctx.keys.event(eventId), String(context.retryNum ?? 0), 'EX', TTL_S.event, 'NX').catch(() => 'OK');
      if (first === null) {
        ctx.log.info({ eventId, retryNum: context.retryNum, retryReason: context.retryReason }, 'repeated Slack event delivery ignored');
        return;
      }
    }
    await next();
  };
}
