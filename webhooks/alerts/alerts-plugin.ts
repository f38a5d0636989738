import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { AcceptNotification } from '../../src/alerts/alerts-capability.js';
import { ALERT_SOURCES, type AlertSource, type AlertsRouting } from '../../src/alerts/routing-schema.js';
import { checkNotification } from '../../src/alerts/sources/index.js';
import { BridgeError } from '../../src/errors.js';
import { withinDeadline } from '../../src/http/deadline.js';
import { parseJsonBody } from '../../src/http/json-body.js';
import { verifySourceAuth } from '../../src/http/signatures.js';
import { eventsCredential, withoutRoutingKey } from './events-credential.js';
import { registerEnqueueRoute } from './enqueue-route.js';

export interface AlertsPluginOptions {
  routing: AlertsRouting | undefined;
  /**
   * Takes a verified, valid notification in (or refuses it); resolves once it is safe in Redis.
   * `text` is the request's JSON, whose head is `head`; `notification` builds the whole of it.
   * Absent when no source is configured (every source is then a 404).
   */
  accept: AcceptNotification | undefined;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

function invalid(message: string, issues: { path: string; message: string }[]): BridgeError {
  return Object.assign(new BridgeError('invalid_request', message), { issues });
}

/**
 * `POST /webhooks/alerts/{alertmanager,grafana,events}` (and `PUT` for grafana): verify the credential on the raw body,
 * parse, hand the notification over, answer 202 once it is in Redis (the incident logic runs in the
 * worker role, see src/alerts/alerts-capability.ts), 503 when Redis does not take it in time: Alertmanager
 * retries only a 5xx, and every 4xx here is a request that would fail again.
 * `POST /v2/enqueue` (enqueue-route.ts) takes the same events as PagerDuty's Events API v2 does.
 * The plugin keeps JSON bodies raw (an HMAC is over the exact bytes) and refuses other types.
 */
export const alertsPlugin = fp<AlertsPluginOptions>(
  async (parent, options) => {
    const bodyLimit = options.routing?.maxBodyBytes ?? DEFAULT_BODY_LIMIT;
    await parent.register(async (app) => {
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));

      for (const source of ALERT_SOURCES) {
        // Grafana's webhook contact point offers POST or PUT (its HTTP method setting).
        const method = source === 'grafana' ? ['POST', 'PUT'] : 'POST';
        app.route({
          method,
          url: `/webhooks/alerts/${source}`,
          bodyLimit,
          handler: async (request, reply) => {
            const config = options.routing?.sources[source as AlertSource];
            const accept = options.accept;
            if (!config || !accept) throw new BridgeError('not_found', `alert source ${source} is not configured`);
            const raw = rawBody(request);
            let body: unknown;
            let text: string | undefined;
            let integration: { name: string; rules?: readonly string[] } | undefined;
            if (source === 'events') {
              const who = eventsCredential(options.routing!.sources.events!, request.headers, raw, () => (body = parseJsonBody(raw)));
              if (!who.ok) refuse(request, source, who.reason);
              body ??= parseJsonBody(raw);
              integration = who.integration;
              if (integration && isObject(body)) text = withoutRoutingKey(body, integration);
            } else {
              const verdict = verifySourceAuth(config.auth!, request.headers, raw);
              if (!verdict.ok) refuse(request, source, verdict.reason);
              body = parseJsonBody(raw);
            }
            const checked = checkNotification(source, body, config.author, integration);
            if (!checked.ok) throw invalid(`not a valid ${source} notification`, checked.issues);
            const kept = text ?? raw.toString('utf8');
            return reply.code(202).send(await withinDeadline(() => accept(checked.head, checked.notification, kept, integration?.name)));
          },
        });
      }

      registerEnqueueRoute(app, options);
    });
  },
  { name: 'alerts-webhooks', dependencies: ['error-handler', 'metrics'] },
);

function rawBody(request: FastifyRequest): Buffer {
  if (!Buffer.isBuffer(request.body)) throw new BridgeError('unsupported_media_type', 'send the notification as application/json');
  return request.body;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function refuse(request: FastifyRequest, source: string, reason: string): never {
  request.log.warn({ source, reason }, 'alert webhook refused');
  throw new BridgeError('unauthorized', 'invalid credentials');
}
