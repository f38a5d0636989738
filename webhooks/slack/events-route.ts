import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { BridgeError } from '../../src/errors.js';
import { withinDeadline } from '../../src/http/deadline.js';
import { parseSlackBody, retryNumOf, type SlackBody } from './parse-body.js';
import type { AckResponse, FastifyBoltReceiver } from './receiver.js';
import { checkSlackSignature, header as headerOf } from '../../src/http/signatures.js';

export interface SlackEventsRouteOptions {
  receiver: FastifyBoltReceiver;
  signingSecret: string;
  now?: () => number;
  /** Slack's requests are small; a modal submission with a long description is the largest. */
  bodyLimit?: number;
  /**
   * Events API deliveries (`event_callback`): taken in durably and answered at once, the listeners
   * running later in the worker role. Without it, they go to Bolt in the request like the rest.
   */
  takeEvent?: (body: SlackBody, retry: { retryNum?: number; retryReason?: string }, json: string | undefined) => Promise<unknown>;
}

const CONTENT_TYPES = ['application/json', 'application/x-www-form-urlencoded'];

/**
 * `POST /slack/events`: the one Request URL for events, slash commands, interactivity and options.
 * Verify (on the raw body) → parse → answer Slack's handshakes → hand to Bolt, answering with what
 * the listener acknowledges. Registered as its own encapsulated plugin: its body parsers keep the
 * raw bytes and affect no other route.
 */
export const slackEventsRoute: FastifyPluginAsync<SlackEventsRouteOptions> = async (app, o) => {
  const now = o.now ?? Date.now;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(CONTENT_TYPES, { parseAs: 'buffer', bodyLimit: o.bodyLimit ?? 1024 * 1024 }, (_req, body, done) => done(null, body));

  app.post('/slack/events', async (request, reply) => {
    const raw = (request.body as Buffer | undefined)?.toString('utf8') ?? '';
    const header = (name: string) => headerOf(request.headers, name);
    const check = checkSlackSignature({
      signingSecret: o.signingSecret,
      timestamp: header('x-slack-request-timestamp'),
      signature: header('x-slack-signature'),
      rawBody: raw,
      nowMs: now(),
    });
    if (!check.ok) {
      request.log.warn({ reason: check.reason }, 'Slack request refused');
      throw new BridgeError('unauthorized', `invalid Slack signature (${check.reason})`);
    }
    const body = parseSlackBody(raw, header('content-type'));

    if (body.ssl_check !== undefined) return reply.code(200).send();
    if (body.type === 'url_verification') return reply.code(200).send({ challenge: body.challenge });

    const retry = { retryNum: retryNumOf(request.headers['x-slack-retry-num']), retryReason: header('x-slack-retry-reason') };
    const take = o.takeEvent;
    if (take && body.type === 'event_callback') {
      // The request's JSON text, when that is what `body` was parsed from.
      const json = (header('content-type') ?? '').toLowerCase().startsWith('application/json') ? raw : undefined;
      // Within Slack's 3 s: a 503 has Slack deliver it again, and the event id makes that one a repeat
      // should this append land after all.
      await withinDeadline(() => take(body, retry, json));
      return reply.code(200).send();
    }
    const response = await o.receiver.dispatch(body, retry);
    return send(reply, response);
  });
};

function send(reply: FastifyReply, response: AckResponse): FastifyReply {
  if (response === undefined || response === '') return reply.code(200).send();
  if (typeof response === 'string') return reply.code(200).type('text/plain; charset=utf-8').send(response);
  return reply.code(200).send(response);
}
