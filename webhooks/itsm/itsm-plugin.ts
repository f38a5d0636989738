import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { BridgeError } from '../../src/errors.js';
import type { ConnectorConfig, Tool } from '../../src/itsm/routing-schema.js';
import { receiveDelivery, type ReceiveDeps } from './receive-delivery.js';

/**
 * `POST /webhooks/itsm/{jira,servicenow,zendesk}` and `POST /webhooks/itsm/generic/:name`.
 *
 * A tool's path selects the one connector of that tool; with several, the webhook URL names one
 * with `?connector=<name>`. `generic/:name` selects by name. Unknown → 404. Bodies are kept raw
 * (signatures are over the exact bytes) and must be JSON (else 415: a body of another type would
 * otherwise reach the signature check empty and be refused as forged) within `maxBodyBytes` (else 413).
 */
export interface ItsmPluginOptions extends ReceiveDeps {
  connectors: Record<string, ConnectorConfig>;
  maxBodyBytes: number;
}

export const itsmPlugin = fp<ItsmPluginOptions>(
  async (parent, options) => {
    await parent.register(async (app) => {
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (_req, body, done) => done(null, body));

      const handle = async (request: FastifyRequest, reply: FastifyReply, name: string) => {
        const connector = options.connectors[name]!;
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const answer = await receiveDelivery({ ...options, log: request.log }, name, connector, raw, request.headers);
        return reply.code(202).send(answer);
      };

      for (const tool of ['jira', 'servicenow', 'zendesk'] as const) {
        app.post(`/webhooks/itsm/${tool}`, { bodyLimit: options.maxBodyBytes }, (request, reply) =>
          handle(request, reply, connectorForTool(options.connectors, tool, (request.query as { connector?: unknown }).connector)),
        );
      }
      app.post('/webhooks/itsm/generic/:name', { bodyLimit: options.maxBodyBytes }, (request, reply) => {
        const { name } = request.params as { name: string };
        if (!Object.hasOwn(options.connectors, name) || options.connectors[name]!.tool !== 'generic') throw unknown(`no generic connector named ${name}`);
        return handle(request, reply, name);
      });
    });
  },
  { name: 'itsm-webhooks', dependencies: ['error-handler', 'metrics'] },
);

export function connectorForTool(connectors: Record<string, ConnectorConfig>, tool: Tool, wanted: unknown): string {
  if (typeof wanted === 'string' && wanted !== '') {
    if (Object.hasOwn(connectors, wanted) && connectors[wanted]!.tool === tool) return wanted;
    throw unknown(`no ${tool} connector named ${wanted}`);
  }
  const names = Object.keys(connectors).filter((n) => connectors[n]!.tool === tool);
  if (names.length === 1) return names[0]!;
  if (names.length === 0) throw unknown(`no ${tool} connector is configured`);
  throw unknown(`several ${tool} connectors are configured: add ?connector=<name> to the webhook URL`);
}

function unknown(message: string): BridgeError {
  return new BridgeError('not_found', message);
}
