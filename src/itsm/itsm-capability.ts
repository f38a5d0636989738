import { Agent } from 'undici';
import type { Core } from '../core.js';
import type { ReplySink } from '../mirror/sink.js';
import type { OutcomeHandlers } from '../writes/catalog.js';
import { clientFor } from './clients/client-for.js';
import type { TicketClient } from './clients/ticket-client.js';
import { ItsmState } from './itsm-state.js';
import { itsmOutcomeNotes, itsmReplySink } from './reply-sink.js';
import { itsmRoutingSchema, type ItsmRouting } from './routing-schema.js';
import { TicketWriter } from './ticket-writer.js';

export interface ItsmOptions {
  /** The clock signatures and timestamps are checked against (tests). */
  now?: () => number;
}

/**
 * Service desks (Jira, ServiceNow, Zendesk, any tool by configuration) in both directions: their
 * ticket webhooks (`webhooks/itsm/`) become case writes; expereo's replies and write outcomes
 * become ticket comments, posted by the worker role through `sinks` and `outcomes`.
 */
export interface ItsmCapability {
  routing: ItsmRouting;
  /** Request side: deliveries seen, on the fail-fast connection. */
  state: ItsmState;
  now: () => number;
  sinks: ReplySink[];
  outcomes: OutcomeHandlers;
  /** Idempotent: closes the connections to the tools. */
  close(): Promise<void>;
}

export function itsmCapability(core: Core, options: ItsmOptions = {}): ItsmCapability {
  const routing = core.config.routing.itsm ?? itsmRoutingSchema.parse({});
  const connectors = routing.connectors;
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
    routing,
    state: new ItsmState(core.redis, core.keys.prefix),
    now: options.now ?? Date.now,
    sinks: [itsmReplySink(writer, connectors)],
    outcomes: { itsm: itsmOutcomeNotes(writer, connectors, core.log.child({ integration: 'itsm' })) },
    close: () => (closing ??= agent.close()),
  };
}
