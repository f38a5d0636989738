import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { BridgeError, isStoreUnavailable } from '../src/errors.js';

/**
 * HTTP status for each bridge error code that reaches a request handler.
 *
 * Senders retry on different answers: Alertmanager only on a 5xx, Grafana's webhook never, Jira on
 * 408/409/425/429/5xx, Slack on anything but a 2xx. So whatever passes (Redis away, slow or full,
 * an upstream budget) is a 503 with Retry-After, which every retrying sender retries, and a 4xx
 * means the request itself can never succeed. `conflict` is for the admin API only: an operator's
 * request that does not fit the state of a write.
 */
const STATUS_BY_CODE: Record<string, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  queue_unavailable: 503,
  budget_wait_exceeded: 503,
};

/** Seconds a caller should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * One mapping from errors to HTTP answers: always a JSON body `{ error, message, issues? }`;
 * 5xx bodies never show internals. Redis failing underneath any handler is a 503, whichever code
 * path met it.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | BridgeError | Error, request, reply) => {
    const bridge =
      err instanceof BridgeError ? err : isStoreUnavailable(err) ? new BridgeError('queue_unavailable', 'Redis is unavailable', { cause: err }) : undefined;
    const fastifyStatus = (err as FastifyError).statusCode;
    const status = bridge ? (STATUS_BY_CODE[bridge.code] ?? 500) : fastifyStatus && fastifyStatus >= 400 ? fastifyStatus : 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      if (status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      const code = bridge?.code ?? 'internal_error';
      return reply.status(status).send({ error: code, message: status === 503 ? 'temporarily unavailable, retry later' : 'internal error' });
    }
    const code = bridge?.code ?? fastifyCode(status, err as FastifyError);
    const issues = (err as { issues?: unknown }).issues;
    return reply
      .status(status)
      .send({ error: code, message: bridge ? err.message : fastifyMessage(status, err as FastifyError, request), ...(issues ? { issues } : {}) });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
}

function fastifyCode(status: number, err: FastifyError): string {
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 400 && err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'invalid_json';
  if (status === 400) return 'invalid_request';
  if (status === 401) return 'unauthorized';
  if (status === 404) return 'not_found';
  return `http_${status}`;
}

const ACCEPTED_TYPES = ['application/json', 'application/x-www-form-urlencoded'];

/** Fastify's own refusals, said so that the sender's operator knows what to change. */
function fastifyMessage(status: number, err: FastifyError, request: FastifyRequest): string {
  if (status === 413) {
    const limit = request.routeOptions.bodyLimit;
    return limit ? `the body is larger than this route's limit of ${limit} bytes` : err.message;
  }
  if (status === 415) {
    const accepted = ACCEPTED_TYPES.filter((t) => request.server.hasContentTypeParser(t)).join(' or ') || 'another content type';
    const type = request.headers['content-type']?.split(';')[0]!.trim();
    return type ? `the content type ${type} is not accepted here: send ${accepted}` : `the request has a body but no content type: send ${accepted}`;
  }
  return err.message;
}

/** The error handler as a plugin of the root scope, so that every source plugin can depend on it. */
export const errorHandlerPlugin = fp(async (app) => installErrorHandler(app), { name: 'error-handler' });
