import type { IncidentState } from '../alerts/incident-state.js';
import type { Link, Origin, WriteRequest } from '../writes/catalog.js';
import { LANE_NAMES, type Lane } from '../writes/lanes.js';
import type { CallActivity } from './activity.js';
import type { Journal, JoinIds, MetaFields, RecordInput } from './journal.js';

/**
 * The journal's vocabulary: one method per thing that happens to a case, each called in one line
 * where it happens. Every method returns at once (the event is recorded in the background).
 */

export const caseSubject = (caseId: string) => `c:${caseId}`;
export const createSubject = (key: string) => `k:${key}`;
export const originSubject = (o: Pick<Origin, 'kind' | 'ref'>) => `o:${o.kind}:${o.ref}`;

/** The ids and console fields an origin gives (a ticket, a Slack thread, an alert incident). */
export function originFields(o: Origin): MetaFields & JoinIds {
  const d = (o.data ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const fields: MetaFields & JoinIds = { origin: o.kind, ref: o.ref };
  if (o.kind === 'alert') fields.incident = o.ref;
  if (o.kind === 'itsm') Object.assign(fields, { ticket: str(d.ticketId), connector: str(d.connector), tool: str(d.tool) });
  if (o.kind === 'slack') Object.assign(fields, { channel: str(d.channel), threadTs: str(d.threadTs) ?? str(d.messageTs) });
  return fields;
}

/** The Slack thread a create will be linked to (an alert announced in a channel), for the case list. */
function linkFields(w: WriteRequest): MetaFields {
  if (w.kind !== 'create') return {};
  const slack = w.links.find((l) => l.kind === 'slack')?.data as { channel?: unknown; threadTs?: unknown } | undefined;
  return typeof slack?.channel === 'string' ? { channel: slack.channel, threadTs: typeof slack.threadTs === 'string' ? slack.threadTs : undefined } : {};
}

/** Where a write came from, as people say it: a Slack channel, a Jira ticket, an alert incident. */
function from(o: Origin): string {
  const f = originFields(o);
  if (o.kind === 'slack') return f.channel ? `Slack (channel ${f.channel})` : 'Slack';
  if (o.kind === 'itsm') return `${f.tool ?? 'ITSM'} ticket ${f.ticket ?? o.ref}`;
  if (o.kind === 'alert') return `alert incident ${o.ref}`;
  return o.kind;
}

/** Where a write's events go: its case (or its create), taking its origin's timeline in. */
function writeSubjects(w: WriteRequest, caseId?: string): string[] {
  const own = caseId
    ? caseSubject(caseId)
    : w.kind === 'create'
      ? createSubject(w.key)
      : 'caseId' in w.case
        ? caseSubject(w.case.caseId)
        : createSubject(w.case.createKey);
  const create = w.kind === 'create' ? [createSubject(w.key)] : [];
  return [own, ...create, originSubject(w.origin)];
}

function ids(w: WriteRequest, caseId?: string): JoinIds & { source: string } {
  const { incident, ticket, channel } = originFields(w.origin);
  const known = caseId ?? (w.kind !== 'create' && 'caseId' in w.case ? w.case.caseId : undefined);
  return { caseId: known, writeKey: w.key, incident, ticket, channel, source: w.origin.kind };
}

function what(w: WriteRequest): string {
  if (w.kind === 'create') return `case create "${w.body.subject}"`;
  if (w.kind === 'update') return `update (${Object.keys(w.fields).join(', ')})`;
  return `${w.human ? `message by ${w.author.name}` : 'automated message'} via ${w.author.via}`;
}

const seconds = (ms: number) => (ms < 1000 ? 'now' : `in ~${Math.round(ms / 1000)} s`);

/** A stored write as the write queue knows it. */
export interface WriteEntry {
  key: string;
  request: WriteRequest | undefined;
  attempts: number;
}

/** An incident's state as operators name it: held (hold-down), firing, flapping (damped), resolved, idle. */
export function incidentState(s: Pick<IncidentState, 'phase' | 'damped'>): string {
  if (s.damped) return 'flapping';
  return { idle: 'idle', holding: 'held', open: 'firing', resolved: 'resolved' }[s.phase];
}

export class CaseJournal {
  constructor(
    readonly store: Journal,
    readonly activity: CallActivity,
    private readonly now: () => number = Date.now,
  ) {}

  private add(input: RecordInput): void {
    void this.store.record(input);
  }

  /** A write accepted by the queue (a duplicate adds nothing: same event id). */
  queued(w: WriteRequest, res: { lane: Lane; etaMs: number; position: number; caseId?: string }): void {
    const caseId = ids(w).caseId;
    const title = w.kind === 'create' ? w.body.subject : undefined;
    this.add({
      event: {
        id: `queued:${w.key}`,
        at: this.now(),
        type: 'queued',
        lane: LANE_NAMES[res.lane],
        etaMs: res.etaMs,
        ...ids(w, caseId),
        text: `${what(w)} from ${from(w.origin)} queued in lane ${LANE_NAMES[res.lane]}, number ${res.position} in line, to be sent ${seconds(res.etaMs)}`,
      },
      subjects: writeSubjects(w, caseId),
      meta: { ...linkFields(w), ...originFields(w.origin), caseId, title, ...(w.kind === 'create' ? { createKey: w.key, status: 'creating' } : {}) },
    });
  }

  /** One upstream write made of `entries` (more than one: they were merged). */
  sent(entries: WriteEntry[], op: string, caseId: string, recovered: boolean): void {
    const at = this.now();
    for (const e of entries) {
      if (!e.request) continue;
      const merged = entries.length > 1 ? `, merged with ${entries.length - 1} other write${entries.length > 2 ? 's' : ''}` : '';
      const status = op === 'create' ? (recovered ? 'found (already created)' : '201') : recovered ? 'found (already sent)' : '2xx';
      const statusField =
        op === 'create' ? 'open' : e.request.kind === 'update' && typeof e.request.fields.status === 'string' ? e.request.fields.status : undefined;
      this.add({
        event: {
          id: `sent:${e.key}`,
          at,
          type: e === entries[0] ? 'sent' : 'merged',
          op,
          status,
          ...ids(e.request, caseId),
          text: `${what(e.request)} sent upstream as ${op} (${status})${merged}${op === 'create' ? `: case ${caseId}` : ''}`,
        },
        subjects: writeSubjects(e.request, caseId),
        meta: { caseId, status: statusField },
      });
    }
  }

  retried(entries: WriteEntry[], attempt: number, reason: string): void {
    const at = this.now();
    for (const e of entries) {
      if (!e.request) continue;
      this.add({
        event: {
          id: `retry:${e.key}:${attempt}`,
          at,
          type: 'retried',
          attempt,
          reason,
          ...ids(e.request),
          text: `${what(e.request)} failed (attempt ${attempt}): ${reason}; will retry`,
        },
        subjects: writeSubjects(e.request),
      });
    }
  }

  dead(entries: WriteEntry[], error: { code: string; message: string }): void {
    const at = this.now();
    for (const e of entries) {
      if (!e.request) continue;
      const reason = `${error.code}: ${error.message}`;
      this.add({
        event: { id: `dead:${e.key}:${e.attempts}`, at, type: 'dead', reason, ...ids(e.request), text: `${what(e.request)} dead-lettered: ${reason}` },
        subjects: writeSubjects(e.request),
        meta: e.request.kind === 'create' ? { status: 'create failed' } : {},
      });
    }
  }

  replayed(e: WriteEntry): void {
    if (!e.request) return;
    this.add({
      event: {
        id: `replay:${e.key}:${e.attempts}`,
        at: this.now(),
        type: 'replayed',
        ...ids(e.request),
        text: `${what(e.request)} put back in line by an operator`,
      },
      subjects: writeSubjects(e.request),
      meta: e.request.kind === 'create' ? { status: 'creating' } : {},
    });
  }

  /** An alert notification taken from the intake (`id`: its entry id, whose time is when it arrived). */
  alertArrived(id: string, source: string, incident: string | undefined, alerts: readonly { status: string }[], outcome: string): void {
    if (!incident) return;
    const firing = alerts.filter((a) => a.status === 'firing').length;
    const counts = { firing, resolved: alerts.length - firing };
    const at = Number(id.split('-')[0]) || this.now();
    this.add({
      event: {
        id: `arrived:alerts:${id}`,
        at,
        type: 'arrived',
        source,
        incident,
        text: `${source} notification: ${counts.firing} firing, ${counts.resolved} resolved (${outcome})`,
      },
      subjects: [originSubject({ kind: 'alert', ref: incident })],
      meta: { origin: 'alert', ref: incident, incident },
    });
  }

  /** An incident's stored state moved on (`version`: the one it replaced). */
  incidentChanged(prev: IncidentState | undefined, next: IncidentState, version: string): void {
    const [was, now] = [prev && incidentState(prev), incidentState(next)];
    if (was === now && prev?.caseId === next.caseId) return;
    const incident = next.key;
    const own = originSubject({ kind: 'alert', ref: incident });
    const subjects = [next.caseId && caseSubject(next.caseId), next.createKey && createSubject(next.createKey), own].filter((s): s is string => !!s);
    const change = was === now ? `case ${next.caseId} recorded` : `${was ?? 'new'} → ${now}`;
    this.add({
      event: {
        id: `incident:${next.hash}:${version}`,
        at: this.now(),
        type: 'incident',
        incident,
        caseId: next.caseId,
        writeKey: next.createKey,
        status: now,
        text: `incident ${change} (episode ${next.episode})`,
      },
      subjects,
      detach: next.phase === 'holding',
      meta: { origin: 'alert', ref: incident, incident, phase: now, caseId: next.caseId, createKey: next.createKey },
    });
  }

  /** New replies or a status change read from expereo, to go to the case's conversations. */
  repliesFound(
    caseId: string,
    deliveries: { id: string; kind: string; author?: string; at: string; status?: { to: string } }[],
    links: Pick<Link, 'id'>[],
  ): void {
    for (const d of deliveries) {
      const found = d.kind === 'status' ? `status changed to ${d.status?.to}` : `engineer reply${d.author ? ` by ${d.author}` : ''}`;
      this.add({
        event: {
          id: `reply:${d.id}`,
          at: Date.parse(d.at) || this.now(),
          type: 'reply',
          caseId,
          status: d.status?.to,
          text: `${found} found; to ${links.length ? links.map((l) => l.id).join(', ') : 'no linked conversation'}`,
        },
        subjects: [caseSubject(caseId)],
        meta: d.status ? { status: d.status.to } : {},
      });
    }
  }

  delivered(caseId: string, link: Pick<Link, 'id' | 'kind'>, delivery: { id: string; kind: string }): void {
    this.add({
      event: {
        id: `delivered:${delivery.id}:${link.id}`,
        at: this.now(),
        type: 'delivered',
        caseId,
        sink: link.kind,
        text: `${delivery.kind === 'status' ? 'status change' : 'reply'} delivered to ${link.id}`,
      },
      subjects: [caseSubject(caseId)],
    });
  }

  undelivered(caseId: string, linkId: string, delivery: { id: string; kind: string }, reason: string, sink?: string): void {
    this.add({
      event: {
        id: `undelivered:${delivery.id}:${linkId}`,
        at: this.now(),
        type: 'undelivered',
        caseId,
        sink,
        reason,
        text: `${delivery.kind === 'status' ? 'status change' : 'reply'} not delivered to ${linkId}: ${reason}`,
      },
      subjects: [caseSubject(caseId)],
    });
    if (sink) this.sinkFailed(sink, reason);
  }

  /** A delivery attempt that failed (it may be tried again): counted among the sink errors. */
  sinkFailed(sink: string, reason: string): void {
    this.activity.sinkError(sink, reason);
  }
}
