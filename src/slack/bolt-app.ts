import { App, type Receiver } from '@slack/bolt';
import { boltLogger } from './bolt-logger.js';
import type { SlackContext } from './slack-context.js';
import { dedupeEvents } from './event-dedupe.js';
import { registerCaseCommand } from './listeners/case-command.js';
import { registerCaseModal } from './listeners/case-modal-submit.js';
import { registerMessageShortcut } from './listeners/message-shortcut.js';
import { registerThreadReplies } from './listeners/thread-replies.js';
import type { SlackSettings } from './web-client.js';

/**
 * The bot's own ids (auth.test), learnt in the background: requests are never held for them, and
 * until they are known the listeners' own bot checks still skip every bot message.
 */
export class BotIdentity {
  private ids: { botId?: string; botUserId?: string } = {};
  private learning: Promise<void> | undefined;
  /** After a failure, requests do not ask again before this time (a bad token fails every time). */
  private quietUntil = 0;

  constructor(private readonly ctx: Pick<SlackContext, 'web' | 'log'>) {}

  get current() {
    return this.ids;
  }

  learn(): Promise<void> {
    if (Date.now() < this.quietUntil) return Promise.resolve();
    return (this.learning ??= this.ctx.web.auth
      .test()
      .then((res) => {
        this.ids = { ...(res.bot_id ? { botId: res.bot_id } : {}), ...(res.user_id ? { botUserId: res.user_id } : {}) };
        this.ctx.log.info({ botUserId: res.user_id, team: res.team }, 'Slack bot identified');
      })
      .catch((err: unknown) => {
        this.learning = undefined;
        this.quietUntil = Date.now() + 60_000;
        this.ctx.log.warn({ err }, 'Slack auth.test failed; is SLACK_BOT_TOKEN valid?');
      }));
  }
}

/** The Bolt app of the bridge on a given receiver (the Fastify route, Socket Mode, or the events intake). */
export function createBoltApp(ctx: SlackContext, settings: SlackSettings, receiver: Receiver, identity: BotIdentity): App {
  const app = new App({
    receiver,
    // A fixed token; no auth.test before answering anyone.
    authorize: async () => {
      if (!identity.current.botId) void identity.learn();
      return { botToken: settings.botToken, ...identity.current };
    },
    logger: boltLogger(ctx.log.child({ slack: 'bolt' })),
    convoStore: false,
    clientOptions: { ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}), rejectRateLimitedCalls: true },
  });
  // A listener's failure rejects `processEvent`, as Bolt's own handler does: from the events intake
  // so that the event is tried again; over HTTP so that a failure before the acknowledgement is
  // answered as an error (Redis away: 503) and not as an empty 200, which would close a submitted
  // modal as if its case were taken. Each receiver logs what it does not answer.
  app.error(async (error) => {
    throw error.original ?? error;
  });
  // Events from the intake were deduplicated as they were taken in (Socket Mode's are not).
  if (!ctx.fromIntake) app.use(dedupeEvents(ctx));
  registerCaseCommand(app, ctx);
  registerCaseModal(app, ctx);
  registerMessageShortcut(app, ctx);
  registerThreadReplies(app, ctx);
  return app;
}
