import { CASE_TYPES, createCaseBodySchema, type CaseType, type CreateCaseBody } from '../expereo/v2-contract.js';
import { ACTION, BLOCK, DESCRIPTION_MAX, isCaseType, type ModalMetadata } from './case-modal.js';

/** `view.state.values` of a submitted modal: block id → action id → the element's state. */
export type ViewValues = Record<string, Record<string, ElementState | undefined> | undefined>;
interface ElementState {
  type?: string;
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_date_time?: number | null;
}

export type CaseForm = { ok: true; body: CreateCaseBody } | { ok: false; errors: Record<string, string> };

/** An incident may start a little in the future by the clocks of the person's device, not more. */
const FUTURE_SLACK_MS = 5 * 60_000;

/**
 * Reads and checks a submitted case modal. Errors are keyed by block id, as Slack shows them next to
 * the field (`response_action: 'errors'`). Rules are those of `CASE_TYPES`; the same body is checked
 * again by the write catalog when queued.
 */
export function readCaseForm(values: ViewValues, o: { metadata: ModalMetadata; author: string; nowMs: number }): CaseForm {
  const errors: Record<string, string> = {};
  const selected = (block: string, action: string) => values[block]?.[action]?.selected_option?.value ?? undefined;

  const type = selected(BLOCK.type, ACTION.type);
  if (!isCaseType(type)) return { ok: false, errors: { [BLOCK.type]: 'Choose Incident or General Request.' } };
  const rules = CASE_TYPES[type];

  const subjectBlock = BLOCK.subject(type);
  const priorityBlock = BLOCK.priority(type);
  if (!values[subjectBlock] || !values[priorityBlock]) {
    // The type changed but the form has not been redrawn for it yet.
    return { ok: false, errors: { [BLOCK.type]: `The form is being updated for ${type}; check the fields and submit again.` } };
  }
  const subject = selected(subjectBlock, ACTION.subject);
  if (!subject || !(rules.subjects as readonly string[]).includes(subject)) errors[subjectBlock] = `Choose a subject for ${type}.`;
  const priority = selected(priorityBlock, ACTION.priority);
  if (!priority || !(rules.priorities as readonly string[]).includes(priority)) {
    errors[priorityBlock] = `${type} priorities are ${rules.priorities[0]} to ${rules.priorities.at(-1)}.`;
  }
  const serviceId = selected(BLOCK.service, ACTION.service);
  if (!serviceId) errors[BLOCK.service] = 'Choose the service the case is about.';
  const siteId = selected(BLOCK.site, ACTION.site);

  const written = (values[BLOCK.description]?.[ACTION.description]?.value ?? '').trim();
  if (!written) errors[BLOCK.description] = 'Describe the problem or the request.';
  const description = describe(written, o.metadata.source, o.author);

  let startOfIncident: string | undefined;
  if (type === 'Incident') {
    const seconds = values[BLOCK.startOfIncident]?.[ACTION.startOfIncident]?.selected_date_time;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds)) errors[BLOCK.startOfIncident] = 'When did the incident start?';
    else if (seconds * 1000 > o.nowMs + FUTURE_SLACK_MS) errors[BLOCK.startOfIncident] = 'The start of an incident cannot be in the future.';
    else startOfIncident = new Date(seconds * 1000).toISOString();
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const parsed = createCaseBodySchema.safeParse({
    type,
    subject,
    priority,
    serviceId,
    ...(siteId ? { siteId } : {}),
    description,
    ...(startOfIncident ? { startOfIncident } : {}),
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const block = blockOf(String(issue.path[0] ?? ''), type);
      errors[block] ??= issue.message;
    }
    return { ok: false, errors };
  }
  return { ok: true, body: parsed.data };
}

/** The case description: what the person wrote, the Slack message it is about, who opened it. */
function describe(written: string, source: string | undefined, author: string): string {
  const parts = [written];
  if (source && !written.includes(source)) parts.push(`Slack message: ${source}`);
  parts.push(`(Opened from Slack by ${author})`);
  // The write catalog allows far more; keep the whole description readable in expereo's portal.
  return parts.join('\n\n').slice(0, DESCRIPTION_MAX + 1000);
}

function blockOf(field: string, type: CaseType): string {
  switch (field) {
    case 'subject':
      return BLOCK.subject(type);
    case 'priority':
      return BLOCK.priority(type);
    case 'serviceId':
      return BLOCK.service;
    case 'siteId':
      return BLOCK.site;
    case 'startOfIncident':
      return BLOCK.startOfIncident;
    case 'description':
      return BLOCK.description;
    default:
      return BLOCK.type;
  }
}
