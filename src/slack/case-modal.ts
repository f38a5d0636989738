import type { types } from '@slack/bolt';
import { CASE_TYPES, type CaseType } from '../expereo/v2-contract.js';
import { subjectLabel } from './texts.js';

/**
 * The "new case" modal. Subject and priority lists depend on the case type, so their block ids carry
 * the type: when the type changes the modal is rebuilt and those two fields start empty, while every
 * other input (same block and action ids) keeps what the person typed.
 */
export const CASE_MODAL_CALLBACK = 'expereo_case_new';

export const ACTION = {
  type: 'case_type',
  subject: 'subject',
  priority: 'priority',
  service: 'service',
  site: 'site',
  description: 'description',
  startOfIncident: 'start_of_incident',
} as const;

const typeSlug = (type: CaseType) => (type === 'Incident' ? 'incident' : 'general');

export const BLOCK = {
  type: 'type',
  subject: (type: CaseType) => `subject_${typeSlug(type)}`,
  priority: (type: CaseType) => `priority_${typeSlug(type)}`,
  service: 'service',
  site: 'site',
  description: 'description',
  startOfIncident: 'start_of_incident',
} as const;

/** Carried by the modal through Slack: where the case was asked for. */
export interface ModalMetadata {
  channel: string;
  teamId: string;
  /** Permalink of the message the case is about (message shortcut). */
  source?: string;
}

export interface ModalPrefill {
  subject?: string;
  priority?: string;
  service?: { id: string; label: string };
  description?: string;
  /** Unix seconds. */
  startOfIncident?: number;
}

/** Slack's limit for a plain-text input's value. */
export const DESCRIPTION_MAX = 3000;

const plain = (text: string): types.PlainTextElement => ({ type: 'plain_text', text, emoji: true });
const option = (value: string, text: string): types.PlainTextOption => ({ text: plain(text.slice(0, 75)), value });

export function caseModal(o: { metadata: ModalMetadata; type: CaseType; prefill?: ModalPrefill; nowMs: number }): types.ModalView {
  const rules = CASE_TYPES[o.type];
  const prefill = o.prefill ?? {};
  const subjects = rules.subjects.map((s) => option(s, subjectLabel(s)));
  const priorities = rules.priorities.map((p) => option(p, p));
  const initialSubject = subjects.find((s) => s.value === prefill.subject);
  const initialPriority = priorities.find((p) => p.value === (prefill.priority ?? 'P3')) ?? priorities.find((p) => p.value === 'P3');
  const typeOptions = (Object.keys(CASE_TYPES) as CaseType[]).map((t) => option(t, t));

  const blocks: types.KnownBlock[] = [
    {
      type: 'input',
      block_id: BLOCK.type,
      dispatch_action: true,
      label: plain('Type'),
      element: { type: 'static_select', action_id: ACTION.type, options: typeOptions, initial_option: typeOptions.find((t) => t.value === o.type) },
    },
    {
      type: 'input',
      block_id: BLOCK.subject(o.type),
      label: plain('Subject'),
      element: { type: 'static_select', action_id: ACTION.subject, options: subjects, ...(initialSubject ? { initial_option: initialSubject } : {}) },
    },
    {
      type: 'input',
      block_id: BLOCK.priority(o.type),
      label: plain('Priority'),
      hint: plain(o.type === 'Incident' ? 'P1 is the most urgent.' : 'General requests are P3 to P5.'),
      element: { type: 'static_select', action_id: ACTION.priority, options: priorities, ...(initialPriority ? { initial_option: initialPriority } : {}) },
    },
    {
      type: 'input',
      block_id: BLOCK.service,
      label: plain('Service'),
      hint: plain('Type to search the services of this channel’s account.'),
      element: {
        type: 'external_select',
        action_id: ACTION.service,
        min_query_length: 0,
        placeholder: plain('Search by service id, name or site'),
        ...(prefill.service ? { initial_option: option(prefill.service.id, prefill.service.label) } : {}),
      },
    },
    {
      type: 'input',
      block_id: BLOCK.site,
      optional: true,
      label: plain('Site'),
      element: { type: 'external_select', action_id: ACTION.site, min_query_length: 0, placeholder: plain('Search by site name or city') },
    },
    {
      type: 'input',
      block_id: BLOCK.description,
      label: plain('Description'),
      element: {
        type: 'plain_text_input',
        action_id: ACTION.description,
        multiline: true,
        max_length: DESCRIPTION_MAX,
        ...(prefill.description ? { initial_value: prefill.description.slice(0, DESCRIPTION_MAX) } : {}),
      },
    },
  ];
  if (o.type === 'Incident') {
    blocks.push({
      type: 'input',
      block_id: BLOCK.startOfIncident,
      label: plain('Start of incident'),
      element: {
        type: 'datetimepicker',
        action_id: ACTION.startOfIncident,
        initial_date_time: prefill.startOfIncident ?? Math.floor(o.nowMs / 60_000) * 60,
      },
    });
  }
  return {
    type: 'modal',
    callback_id: CASE_MODAL_CALLBACK,
    private_metadata: JSON.stringify(o.metadata),
    title: plain('New expereo case'),
    submit: plain('Open case'),
    close: plain('Cancel'),
    blocks,
  };
}

export function readMetadata(raw: string | undefined): ModalMetadata | undefined {
  try {
    const m = JSON.parse(raw ?? '') as Partial<ModalMetadata>;
    if (typeof m.channel !== 'string' || typeof m.teamId !== 'string') return undefined;
    return { channel: m.channel, teamId: m.teamId, ...(typeof m.source === 'string' ? { source: m.source } : {}) };
  } catch {
    return undefined;
  }
}

export function isCaseType(value: unknown): value is CaseType {
  return typeof value === 'string' && Object.hasOwn(CASE_TYPES, value);
}
