import type { TicketEvent } from './ticket-event.js';

/** How long a delivery waits for the tool to name a ticket's requester before the id stands in. */
export const NAME_LOOKUP_MS = 2000;

export type PersonName = (connector: string, personId: string, signal: AbortSignal) => Promise<string | undefined>;

/**
 * Zendesk's ticket events name the requester by id only (`requester_id`): with outbound settings the
 * bridge asks Zendesk for the name, so that the case says who raised the ticket. Within a short
 * time, and never at the cost of the delivery: when Zendesk does not answer, the id stays.
 */
export async function nameRequester(
  event: TicketEvent,
  connector: string,
  personName: PersonName | undefined,
  log: { info(obj: object, msg: string): void },
): Promise<void> {
  const reporter = event.fields.reporter;
  if (!personName || event.action !== 'created' || !reporter || !/^\d+$/.test(reporter)) return;
  try {
    const name = await personName(connector, reporter, AbortSignal.timeout(NAME_LOOKUP_MS));
    if (name) event.fields.reporter = name;
  } catch (err) {
    log.info({ connector, ticketId: event.ticketId, reason: (err as Error).message }, 'requester name not found: the id stands in');
  }
}
