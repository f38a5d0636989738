// Case rules from the expereoOne documentation: types with their subjects and priorities,
// known statuses, and the value checks a case write must pass (answered with 422).
import { CASE_TYPES } from '../expereo/v2-contract.js';
import type { FieldError } from './problem.js';

// The documented types, as the bridge's V2 contract lists them: the sandbox answers by the same documentation.
export { CASE_TYPES };

export type CaseType = keyof typeof CASE_TYPES;

export const CASE_STATUSES = ['New', 'In Progress', 'Awaiting Customer', 'Resolved', 'Closed', 'Cancelled'] as const;

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Returns the instant in canonical ISO form, or undefined when the text is not an ISO 8601 date-time. */
export function parseIsoDateTime(text: string): string | undefined {
  if (!ISO_DATE_TIME.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const isCaseType = (t: string): t is CaseType => Object.hasOwn(CASE_TYPES, t);

export interface NewCaseInput {
  type: string;
  subject: string;
  priority: string;
  serviceId: string;
  siteId?: string | null | undefined;
  description: string;
  startOfIncident?: string | null | undefined;
  customerReference?: string | null | undefined;
  origin?: string | undefined;
}

export interface Lookups {
  serviceExists(id: string): boolean;
  siteExists(id: string): boolean;
}

function typeChecks(type: CaseType, subject: string | undefined, priority: string | undefined): FieldError[] {
  const rules = CASE_TYPES[type];
  const errors: FieldError[] = [];
  if (subject !== undefined && !(rules.subjects as readonly string[]).includes(subject)) {
    errors.push({ field: 'subject', message: `must be one of ${rules.subjects.join(', ')} for type ${type}` });
  }
  if (priority !== undefined && !(rules.priorities as readonly string[]).includes(priority)) {
    errors.push({ field: 'priority', message: `must be one of ${rules.priorities.join(', ')} for type ${type}` });
  }
  return errors;
}

export function checkNewCase(input: NewCaseInput, lookups: Lookups): FieldError[] {
  const errors: FieldError[] = [];
  if (!isCaseType(input.type)) {
    errors.push({ field: 'type', message: `must be one of ${Object.keys(CASE_TYPES).join(', ')}` });
  } else {
    errors.push(...typeChecks(input.type, input.subject, input.priority));
  }
  if (!lookups.serviceExists(input.serviceId)) {
    errors.push({ field: 'serviceId', message: `unknown service '${input.serviceId}'` });
  }
  if (input.siteId != null && !lookups.siteExists(input.siteId)) {
    errors.push({ field: 'siteId', message: `unknown site '${input.siteId}'` });
  }
  if (input.description.trim() === '') errors.push({ field: 'description', message: 'must not be empty' });
  const start = input.startOfIncident;
  if (start == null || start === '') {
    if (input.type === 'Incident') errors.push({ field: 'startOfIncident', message: 'is required for an incident' });
  } else if (parseIsoDateTime(start) === undefined) {
    errors.push({ field: 'startOfIncident', message: 'must be an ISO 8601 date-time with a time zone' });
  }
  return errors;
}

export interface CasePatch {
  priority?: string | undefined;
  status?: string | undefined;
  subject?: string | undefined;
  description?: string | undefined;
  siteId?: string | null | undefined;
  customerReference?: string | null | undefined;
}

export function checkCasePatch(caseType: string, patch: CasePatch, lookups: Lookups): FieldError[] {
  const errors = isCaseType(caseType) ? typeChecks(caseType, patch.subject, patch.priority) : [];
  if (patch.status !== undefined && !(CASE_STATUSES as readonly string[]).includes(patch.status)) {
    errors.push({ field: 'status', message: `must be one of ${CASE_STATUSES.join(', ')}` });
  }
  if (patch.description !== undefined && patch.description.trim() === '') {
    errors.push({ field: 'description', message: 'must not be empty' });
  }
  if (patch.siteId != null && !lookups.siteExists(patch.siteId)) {
    errors.push({ field: 'siteId', message: `unknown site '${patch.siteId}'` });
  }
  return errors;
}

export function checkMessage(message: string): FieldError[] {
  return message.trim() === '' ? [{ field: 'message', message: 'must not be empty' }] : [];
}
