import type { Link, Origin, WriteRequestInput } from '../writes/catalog.js';
import type { AlertInfo } from './notification.js';
import { severityOf } from './policy.js';
import { caseDescription } from './render.js';
import type { IncidentState } from './incident-state.js';

/**
 * The case writes an incident asks for. Keys are made only of the incident, the episode (which
 * case) and the number of the state change within it, so that replaying a planned write after a
 * crash finds the same key and the producer answers `duplicate`.
 */

export const AUTHOR_VIA = 'alert';

export function writeKey(s: Pick<IncidentState, 'hash' | 'episode'>, suffix: string): string {
  return `alert:${s.hash}:e${s.episode}:${suffix}`;
}

function origin(s: IncidentState): Origin {
  return { kind: 'alert', ref: s.key, data: { hash: s.hash, episode: s.episode } };
}

/** Episode 1 carries the incident key itself; later cases of the same incident add `#n`. */
export function customerReference(s: Pick<IncidentState, 'key' | 'episode'>): string {
  return s.episode <= 1 ? s.key : `${s.key} #${s.episode}`;
}

export function alertLink(s: IncidentState): Link {
  return { id: `alert:${s.key}`, kind: 'alert', data: { incident: s.key, episode: s.episode, rule: s.policy.rule } };
}

export function createWrite(s: IncidentState, firing: readonly AlertInfo[], now: number): WriteRequestInput & { kind: 'create' } {
  const severity = severityOf(s.policy, firing);
  const starts = firing.map((a) => (a.startsAt ? Date.parse(a.startsAt) : NaN)).filter((t) => !Number.isNaN(t));
  const startOfIncident = new Date(starts.length ? Math.min(...starts) : now).toISOString();
  return {
    kind: 'create',
    key: writeKey(s, 'create'),
    origin: origin(s),
    body: {
      type: severity.type,
      subject: severity.subject,
      priority: severity.priority,
      serviceId: s.policy.serviceId,
      ...(s.policy.siteId ? { siteId: s.policy.siteId } : {}),
      description: caseDescription({ key: s.key, ...s.context }, firing, s.policy.maxTextChars),
      ...(severity.type === 'Incident' ? { startOfIncident } : {}),
      customerReference: customerReference(s),
    },
    links: [alertLink(s)],
  };
}

function caseRef(s: IncidentState): { caseId: string } | { createKey: string } {
  return s.caseId ? { caseId: s.caseId } : { createKey: s.createKey! };
}

export function messageWrite(s: IncidentState, text: string, now: number): WriteRequestInput {
  s.seq += 1;
  return {
    kind: 'message',
    key: writeKey(s, `m${s.seq}`),
    origin: origin(s),
    case: caseRef(s),
    author: { name: s.policy.author, via: AUTHOR_VIA },
    text,
    at: new Date(now).toISOString(),
    human: false,
  };
}

export function statusWrite(s: IncidentState, status: string): WriteRequestInput {
  s.seq += 1;
  return { kind: 'update', key: writeKey(s, `u${s.seq}`), origin: origin(s), case: caseRef(s), fields: { status } };
}
