import { messageFingerprint } from '../state/fingerprint.js';
import type { CaseRef, Link, Origin, WriteRequestInput } from '../writes/catalog.js';
import type { ConnectorConfig } from './routing-schema.js';
import { accepted, classify, fitPriority, mapPriority, mapStatus, serviceOf, siteOf, viewOf } from './rules.js';
import { keyPart, ticketRef, type Issue, type TicketEvent } from './ticket-event.js';

/**
 * A ticket event → the case writes it asks for. Created → one create (the ticket's ref is its
 * idempotency key, and the ticket is linked to the new case); updated → an update of the mapped
 * fields; a comment → a case message written by a person. Pure: the caller says whether the ticket
 * already has a case (`caseRef`).
 */

export const TOOL_LABELS: Record<Exclude<ConnectorConfig['tool'], 'generic'>, string> = { jira: 'Jira', servicenow: 'ServiceNow', zendesk: 'Zendesk' };

/** How the tool is named to expereo's engineers: the configured label, the tool, or the connector. */
export function toolLabel(name: string, connector: ConnectorConfig): string {
  return connector.label ?? (connector.tool === 'generic' ? name : TOOL_LABELS[connector.tool]);
}

export type Plan =
  | { kind: 'writes'; writes: WriteRequestInput[]; skipped: string[] }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; issues: Issue[] };

export interface PlanInput {
  connectorName: string;
  connector: ConnectorConfig;
  event: TicketEvent;
  /** The ticket's case when it has one (or a create still queued); undefined otherwise. */
  caseRef: CaseRef | undefined;
  /** Stands in for the event's own id when the tool gives none. */
  deliveryId: string;
  now: Date;
}

const MAX_TEXT = 30_000;

export function planWrites(input: PlanInput): Plan {
  const { connector, connectorName, event } = input;
  const ref = ticketRef(connectorName, event.ticketId);
  const origin: Origin = { kind: 'itsm', ref, data: { connector: connectorName, tool: connector.tool, ticketId: event.ticketId } };
  const view = viewOf(event);

  if (event.action === 'created') {
    if (!accepted(connector, view)) return { kind: 'ignored', reason: 'the ticket does not match the connector accept conditions' };
    return planCreate(input, ref, origin, view);
  }
  if (!input.caseRef) return { kind: 'ignored', reason: 'no expereo case for this ticket' };
  const caseRef = input.caseRef;
  const writes: WriteRequestInput[] = [];
  const skipped: string[] = [];

  if (event.action === 'updated') {
    const fields = updatedFields(connector, event, view);
    if (Object.keys(fields).length > 0) {
      const eventKey = keyPart(event.eventId ?? input.deliveryId, 48);
      writes.push({ kind: 'update', key: `${ref}:update:${eventKey}`, origin, case: caseRef, fields });
    } else if (!event.comment) {
      return { kind: 'ignored', reason: 'no mapped field changed' };
    }
  }

  if (event.comment) {
    const c = event.comment;
    const why = commentSkipReason(connector, event);
    if (why) {
      if (writes.length === 0) return { kind: 'ignored', reason: why };
      skipped.push(why);
    } else {
      writes.push({
        kind: 'message',
        key: `${ref}:comment:${keyPart(c.id, 48)}`,
        origin,
        case: caseRef,
        author: { name: clip(c.author, 200), via: clip(toolLabel(connectorName, connector), 50) },
        text: clip(c.text, MAX_TEXT),
        at: c.at ?? event.at ?? input.now.toISOString(),
        human: true,
      });
    }
  }
  return writes.length > 0 ? { kind: 'writes', writes, skipped } : { kind: 'ignored', reason: skipped[0] ?? 'nothing to write' };
}

function planCreate(input: PlanInput, ref: string, origin: Origin, view: unknown): Plan {
  const { connector, connectorName, event } = input;
  const serviceId = serviceOf(connector, view);
  if (!serviceId) {
    const where = connector.servicePath ? `${connector.servicePath} has no value and ` : '';
    return { kind: 'invalid', issues: [{ path: 'serviceId', message: `${where}the connector has no defaults.serviceId: no expereo service for this ticket` }] };
  }
  const { type, subject, priority } = classify(connector, event, view);
  const siteId = siteOf(connector, view);
  const url = event.fields.url ?? ticketUrl(connector, event.ticketId);
  const link: Link = {
    id: ref,
    kind: 'itsm',
    data: {
      connector: connectorName,
      tool: connector.tool,
      ticketId: event.ticketId,
      ...(event.ticketNumber ? { ticketNumber: event.ticketNumber } : {}),
      ...(url ? { url } : {}),
      ...(connector.account ? { account: connector.account } : {}),
    },
  };
  const write: WriteRequestInput = {
    kind: 'create',
    key: ref,
    origin,
    body: {
      type,
      subject,
      priority,
      serviceId,
      ...(siteId ? { siteId } : {}),
      description: describe(toolLabel(connectorName, connector), event, url),
      ...(type === 'Incident' ? { startOfIncident: event.fields.createdAt ?? event.at ?? input.now.toISOString() } : {}),
    },
    links: [link],
  };
  return { kind: 'writes', writes: [write], skipped: [] };
}

function updatedFields(connector: ConnectorConfig, event: TicketEvent, view: unknown): { priority?: 'P1' | 'P2' | 'P3' | 'P4' | 'P5'; status?: string } {
  const wants = (f: 'priority' | 'status') => event.changed === undefined || event.changed.includes(f);
  const fields: { priority?: 'P1' | 'P2' | 'P3' | 'P4' | 'P5'; status?: string } = {};
  if (wants('priority')) {
    const p = mapPriority(connector, event.fields.priority);
    if (p) fields.priority = fitPriority(classify(connector, event, view).type, p);
  }
  if (wants('status')) {
    const s = mapStatus(connector, event.fields.status);
    if (s) fields.status = s;
  }
  return fields;
}

function commentSkipReason(connector: ConnectorConfig, event: TicketEvent): string | undefined {
  const c = event.comment!;
  if (connector.comments === 'public' && c.public === false) return 'internal comments are not sent to expereo';
  // Some tools raise the ticket's opening text as its first comment: the case already has it.
  if (event.fields.description && messageFingerprint(event.fields.description) === messageFingerprint(c.text)) {
    return 'the comment repeats the ticket description';
  }
  return undefined;
}

function describe(label: string, event: TicketEvent, url: string | undefined): string {
  const f = event.fields;
  const name = `${label} ticket ${event.ticketNumber ?? event.ticketId}`;
  const parts = [f.title ?? name, f.description, [`Raised in ${name}`, f.reporter ? ` by ${f.reporter}` : '', url ? `: ${url}` : '', '.'].join('')].filter(
    (p): p is string => Boolean(p && p.trim()),
  );
  return clip(parts.join('\n\n'), MAX_TEXT);
}

export function ticketUrl(connector: ConnectorConfig, ticketId: string): string | undefined {
  if (!connector.outbound) return undefined;
  switch (connector.tool) {
    case 'jira':
      return `${connector.outbound.baseUrl}/browse/${encodeURIComponent(ticketId)}`;
    case 'zendesk':
      return `${connector.outbound.baseUrl}/agent/tickets/${encodeURIComponent(ticketId)}`;
    case 'servicenow':
      return `${connector.outbound.baseUrl}/nav_to.do?uri=${encodeURIComponent(`${connector.outbound.table}.do?sys_id=${ticketId}`)}`;
    case 'generic':
      return undefined;
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
