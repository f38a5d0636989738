import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkNotification } from '../../src/alerts/sources/index.js';
import { dedupKeyOf, eventsPayloadSchema } from '../../src/alerts/sources/events.js';
import { BridgeError } from '../../src/errors.js';
import { withinDeadline } from '../../src/http/deadline.js';
import { parseJsonBody } from '../../src/http/json-body.js';
import type { AlertsPluginOptions } from './alerts-plugin.js';
import { eventsCredential, withoutRoutingKey } from './events-credential.js';

/** PagerDuty's limit on one event (developer.pagerduty.com, Events API v2: "512 KB"). */
export const EVENT_BODY_LIMIT = 512 * 1024;

/** PagerDuty's answer to a malformed event; senders (Alertmanager among them) log `message: errors`. */
function invalidEvent(reply: FastifyReply, errors: string[]) {
  return reply.code(400).send({ status: 'invalid event', message: 'Event object is invalid', errors });
}

/**
 * `POST /v2/enqueue`: PagerDuty's Events API v2 endpoint, for every tool that can send to PagerDuty
 * and let its URL be changed. The same body and answers as PagerDuty's: 202 `success` with the
 * event's `dedup_key`, 400 `invalid event` with its errors (an unknown routing key among them),
 * 503 when Redis does not take it in time (Alertmanager retries a 5xx and a 429, not a 400).
 * The routing key in the body is the credential; the source's header credential works too.
 */
export function registerEnqueueRoute(app: FastifyInstance, options: AlertsPluginOptions): void {
  app.post('/v2/enqueue', { bodyLimit: EVENT_BODY_LIMIT }, async (request: FastifyRequest, reply) => {
    const config = options.routing?.sources.events;
    const accept = options.accept;
    if (!config || !accept) throw new BridgeError('not_found', 'the events source is not configured');
    if (!Buffer.isBuffer(request.body)) throw new BridgeError('unsupported_media_type', 'send the event as application/json');
    const raw = request.body;
    let body: unknown;
    try {
      const who = eventsCredential(config, request.headers, raw, () => (body = parseJsonBody(raw)));
      if (!who.ok && who.refusal === 'unauthorized') {
        request.log.warn({ source: 'events', reason: who.reason }, 'alert webhook refused');
        throw new BridgeError('unauthorized', 'invalid credentials');
      }
      if (!who.ok) {
        request.log.warn({ source: 'events', reason: who.reason }, 'event refused');
        return invalidEvent(reply, ['Invalid routing key']);
      }
      body ??= parseJsonBody(raw);
      const checked = checkNotification('events', body, config.author, who.integration);
      if (!checked.ok)
        return invalidEvent(
          reply,
          checked.issues.map((i) => (i.path ? `'${i.path}' ${i.message}` : i.message)),
        );
      const event = eventsPayloadSchema.parse(body);
      const text = who.integration ? withoutRoutingKey(body as Record<string, unknown>, who.integration) : raw.toString('utf8');
      await withinDeadline(() => accept(checked.head, checked.notification, text, who.integration?.name));
      return reply.code(202).send({ status: 'success', message: 'Event processed', dedup_key: dedupKeyOf(event) });
    } catch (err) {
      // A body that is no JSON, or an event no rule can take: PagerDuty's 400 and its reasons.
      if (err instanceof BridgeError && err.code === 'invalid_request') {
        const issues = (err as { issues?: { path: string; message: string }[] }).issues ?? [];
        return invalidEvent(reply, [err.message, ...issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message))]);
      }
      throw err;
    }
  });
}
