import type { CaseType } from '../expereo/v2-contract.js';
import { CASE_TYPES } from '../expereo/v2-contract.js';
import { textAt, textsAt } from './field-path.js';
import type { Condition, ConnectorConfig } from './routing-schema.js';
import type { TicketEvent } from './ticket-event.js';

/**
 * How a ticket's values become a case's type, subject, priority and service: configured rules first,
 * then the tool's priority map, then the connector's defaults.
 */
export type Priority = 'P1' | 'P2' | 'P3' | 'P4' | 'P5';

/** Each tool's own priority names, used when the routing file does not map a value. */
const TOOL_PRIORITIES: Record<ConnectorConfig['tool'], Record<string, Priority>> = {
  jira: { highest: 'P1', blocker: 'P1', critical: 'P1', high: 'P2', major: 'P2', medium: 'P3', low: 'P4', minor: 'P4', lowest: 'P5', trivial: 'P5' },
  zendesk: { urgent: 'P1', high: 'P2', normal: 'P3', low: 'P4' },
  servicenow: {
    '1': 'P1',
    '2': 'P2',
    '3': 'P3',
    '4': 'P4',
    '5': 'P5',
    '1 - critical': 'P1',
    '2 - high': 'P2',
    '3 - moderate': 'P3',
    '4 - low': 'P4',
    '5 - planning': 'P5',
  },
  generic: {},
};

/** What conditions and configured paths read: the normalised ticket and the tool's own payload. */
export function viewOf(event: TicketEvent): unknown {
  return {
    ticket: { id: event.ticketId, number: event.ticketNumber ?? event.ticketId, ...event.fields },
    payload: event.payload,
  };
}

const regexCache = new Map<string, RegExp>();

export function matches(condition: Condition, view: unknown): boolean {
  const values = textsAt(view, condition.path).map((v) => v.toLowerCase());
  if (condition.present !== undefined) return values.length > 0 === condition.present;
  if (condition.equals !== undefined) {
    const wanted = (Array.isArray(condition.equals) ? condition.equals : [condition.equals]).map((w) => w.toLowerCase());
    return values.some((v) => wanted.includes(v));
  }
  const source = condition.matches ?? '';
  let re = regexCache.get(source);
  if (!re) {
    re = new RegExp(source, 'i');
    regexCache.set(source, re);
  }
  return values.some((v) => re.test(v));
}

export function accepted(connector: ConnectorConfig, view: unknown): boolean {
  return connector.accept.every((c) => matches(c, view));
}

export interface Classification {
  type: CaseType;
  subject: string;
  priority: Priority;
}

export function classify(connector: ConnectorConfig, event: TicketEvent, view: unknown): Classification {
  const rule = connector.rules.find((r) => r.when.every((c) => matches(c, view)));
  const type = rule?.type ?? connector.defaults.type;
  const subject = rule?.subject ?? connector.defaults.subject;
  const priority = rule?.priority ?? mapPriority(connector, event.fields.priority) ?? connector.defaults.priority;
  return { type, subject, priority: fitPriority(type, priority) };
}

export function mapPriority(connector: ConnectorConfig, value: string | undefined): Priority | undefined {
  if (value === undefined) return undefined;
  const key = value.trim().toLowerCase();
  return connector.priorityMap[key] ?? TOOL_PRIORITIES[connector.tool][key];
}

/** A general request cannot be P1 or P2: the most urgent it may be is the type's first priority. */
export function fitPriority(type: CaseType, priority: Priority): Priority {
  const allowed = CASE_TYPES[type].priorities as readonly Priority[];
  return allowed.includes(priority) ? priority : allowed[0]!;
}

export function mapStatus(connector: ConnectorConfig, value: string | undefined): string | undefined {
  return value === undefined ? undefined : connector.statusMap[value.trim().toLowerCase()];
}

export function serviceOf(connector: ConnectorConfig, view: unknown): string | undefined {
  return textAt(view, connector.servicePath) ?? connector.defaults.serviceId;
}

export function siteOf(connector: ConnectorConfig, view: unknown): string | undefined {
  return textAt(view, connector.sitePath) ?? connector.defaults.siteId;
}
