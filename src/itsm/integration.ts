import { Agent } from 'undici';
import { itsmRoutes } from '../../webhooks/itsm/itsm-routes.js';
import type { Core } from '../core.js';
import type { Integration } from '../integration.js';
import { clientFor } from './clients/client-for.js';
import type { TicketClient } from './clients/ticket-client.js';
import { ItsmState } from './itsm-state.js';
import { itsmOutcomeNotes, itsmReplySink } from './reply-sink.js';
import { itsmRoutingSchema } from './routing-schema.js';
import { TicketWriter } from './ticket-writer.js';

export interface ItsmOptions {
  /** The clock signatures and timestamps are checked against (tests). */
  now?: () => number;
}

/**
 * Service desks (Jira, ServiceNow, Zendesk, any tool by configuration) in both directions: their
 * ticket webhooks become case writes; expereo's replies and write outcomes become ticket comments.
 */
export function itsmIntegration(core: Core, options: ItsmOptions = {}): Integration {
  const routing = core.config.routing.itsm ?? itsmRoutingSchema.parse({});
  const connectors = routing.connectors;
  const now = options.now ?? Date.now;
  const agent = new Agent({ connect: { timeout: 10_000 }, keepAliveTimeout: 10_000 });

  const clients = new Map<string, TicketClient>();
  for (const [name, connector] of Object.entries(connectors)) {
    const client = clientFor(name, connector, { dispatcher: agent });
    if (client) clients.set(name, client);
  }
  // Workers post comments over the patient connection; request handlers use the fail-fast one.
  const writer = new TicketWriter(new ItsmState(core.workerRedis, core.keys.prefix), (name) => clients.get(name));

  let closing: Promise<void> | undefined;
  return {
    name: 'itsm',
    routes: itsmRoutes({
      connectors,
      maxBodyBytes: routing.maxBodyBytes,
      deliveryTtlSeconds: routing.deliveryTtlSeconds,
      state: new ItsmState(core.redis, core.keys.prefix),
      producer: core.producer,
      outbox: core.outbox,
      sync: core.sync,
      personName: async (name, personId, signal) => clients.get(name)?.personName?.(personId, signal),
      now,
      log: core.log,
    }),
    sinks: [itsmReplySink(writer, connectors)],
    outcomes: { itsm: itsmOutcomeNotes(writer, connectors, core.log.child({ integration: 'itsm' })) },
    close: () => (closing ??= agent.close()),
  };
}
