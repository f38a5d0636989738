import { SocketModeReceiver } from '@slack/bolt';
import fp from 'fastify-plugin';
import { BotIdentity, createBoltApp } from '../../src/slack/bolt-app.js';
import { boltLogger } from '../../src/slack/bolt-logger.js';
import type { SlackCapability } from '../../src/slack/slack-capability.js';
import { slackEventsRoute } from './events-route.js';
import { FastifyBoltReceiver } from './receiver.js';

/** Slack expects an answer within 3 s; an unacknowledged request is answered empty just before. */
const ACK_TIMEOUT_MS = 2500;

/**
 * The Slack app in the API role. Over HTTP: `POST /slack/events` on the bridge's own server, Events
 * API deliveries going to the events intake (`takeEvent`) and the rest to Bolt in the request. With
 * SLACK_APP_TOKEN: Socket Mode instead (no public URL needed); the connection opens when the server
 * is ready and closes with it, in every process of the API role (Slack spreads events over them).
 */
export const slackPlugin = fp<{ slack: SlackCapability | undefined }>(
  async (parent, { slack }) => {
    if (!slack) return;
    const { settings, requests: ctx } = slack;
    const takeEvent = slack.events?.accept;
    // Bolt's receiver and the route's raw body parsers stay in a scope of their own.
    await parent.register(async (app) => {
      const identity = new BotIdentity(ctx);
      if (settings.appToken) {
        const receiver = new SocketModeReceiver({
          appToken: settings.appToken,
          logger: boltLogger(ctx.log.child({ slack: 'socket-mode' })),
          installerOptions: { clientOptions: settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {} },
          // Events were acknowledged before their listeners ran; an interaction left unacknowledged
          // shows the person an error, which is what a failed one should do.
          processEventErrorHandler: async ({ error, event }) => {
            ctx.log.error({ err: error, type: (event.body as { type?: unknown }).type }, 'Slack listener failed');
            return false;
          },
        });
        createBoltApp(ctx, settings, receiver, identity);
        let started: Promise<unknown> | undefined;
        app.addHook('onReady', async () => {
          void identity.learn();
          started = receiver.start().then(
            () => ctx.log.info('Slack connected in Socket Mode'),
            (err: unknown) => ctx.log.error({ err }, 'Slack Socket Mode could not connect; is SLACK_APP_TOKEN valid?'),
          );
        });
        app.addHook('onClose', async () => {
          await started;
          await receiver.stop().catch(() => undefined);
        });
        return;
      }

      const signingSecret = settings.signingSecret;
      if (!signingSecret) throw new Error('Slack over HTTP needs SLACK_SIGNING_SECRET'); // the configuration guarantees it
      const receiver = new FastifyBoltReceiver({ log: ctx.log, ackTimeoutMs: ACK_TIMEOUT_MS });
      createBoltApp(ctx, settings, receiver, identity);
      await app.register(slackEventsRoute, { receiver, signingSecret, ...(takeEvent ? { takeEvent } : {}) });
      app.addHook('onReady', async () => {
        void identity.learn();
      });
      app.addHook('onClose', async () => receiver.stop());
    });
  },
  { name: 'slack-webhooks', dependencies: ['error-handler', 'metrics'] },
);
