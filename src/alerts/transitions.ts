import type { Outcome, WriteRequestInput } from '../writes/catalog.js';
import { createWrite, messageWrite, statusWrite } from './case-writes.js';
import { applyAlerts, asInfo, count, firingAlerts, pastHorizonMs, prunePast, refs, stableJson } from './alert-set.js';
import { initialState, type IncidentState } from './incident-state.js';
import type { Notification } from './notification.js';
import type { Policy } from './policy.js';
import { changeMessage, flapMessage, reopenMessage, resolvedMessage, headline } from './render.js';

/**
 * The incident state machine: given what the bridge knew and what just happened (a notification,
 * a hold-down or flap timer, the outcome of the create), the new state and the writes and timers
 * it asks for. Pure: the caller stores the state atomically and then carries out the plan.
 */

export interface Timer {
  name: 'hold' | 'settle';
  /** Deterministic: scheduling it twice is harmless. */
  jobId: string;
  runAt: number;
  data: { hash: string; seq: number };
}

export interface Announce {
  slackChannel: string;
  text: string;
}

type Planned = { kind: 'write'; write: WriteRequestInput; announce?: Announce } | { kind: 'timer'; timer: Timer };
/** A write or timer in the order it must be carried out. */
export type PlannedItem = Planned & { order: number };

export interface Decision {
  state: IncidentState;
  items: PlannedItem[];
  /** False: nothing to store. */
  changed: boolean;
  /** A timer that fired too early asks to run again at this time. */
  retryAt?: number;
  /** Alerts of the notification that were copies of instances already over. */
  stale?: number;
}

export function onNotification(prev: IncidentState | undefined, n: Notification, key: string, policy: Policy, now: number): Decision {
  const s = prev ? structuredClone(prev) : initialState(key, policy);
  s.policy = policy;
  if (s.phase === 'idle' || s.phase === 'holding') {
    s.context = { author: n.author, ...(n.title ? { title: n.title } : {}), ...(n.externalURL ? { externalURL: n.externalURL } : {}) };
  }
  const wasFiring = count(s.firing) > 0;
  const { firing, ended, changed, past, stale } = applyAlerts(s.firing, s.past, n, now);
  s.firing = firing;
  s.past = prunePast(past, now, pastHorizonMs(policy));
  if (wasFiring !== count(firing) > 0) recordToggle(s, now);
  const items = step(s, now, ended);
  if (s.damped) {
    for (const a of changed) s.damped.seen[a.id] = `${a.name} [${a.fingerprint}]`;
  }
  if (!prev && s.phase === 'idle' && items.length === 0) return { state: s, items: [], changed: false, stale };
  return { ...finish(prev, s, items), stale };
}

/** The hold-down of episode attempt `seq` has passed: open the case if the incident still fires. */
export function onHoldExpired(prev: IncidentState | undefined, seq: number, now: number): Decision {
  if (!prev || prev.phase !== 'holding' || prev.holdSeq !== seq) return unchanged(prev);
  const s = structuredClone(prev);
  s.holdUntil = undefined;
  if (count(s.firing) > 0) return finish(prev, s, openCase(s, now));
  s.phase = 'idle';
  return finish(prev, s, []);
}

/** Flap damping `seq` may have settled: post one summary once the incident was quiet long enough. */
export function onSettle(prev: IncidentState | undefined, seq: number, now: number): Decision {
  const d = prev?.damped;
  if (!prev || !d || d.seq !== seq || !prev.policy.flap) return unchanged(prev);
  const lastToggleAt = Math.max(prev.lastToggleAt ?? d.since, d.since);
  const quietUntil = lastToggleAt + prev.policy.flap.quietMs;
  if (now < quietUntil) return { ...unchanged(prev), retryAt: quietUntil };

  const s = structuredClone(prev);
  const firing = firingAlerts(s);
  const wasReported = count(s.reported) > 0;
  const text = flapMessage({ key: s.key, toggles: d.toggles, since: d.since, lastToggleAt, firing, seen: Object.values(d.seen) }, s.policy.maxTextChars);
  const items: Planned[] = [{ kind: 'write', write: messageWrite(s, text, now) }];
  const status = firing.length === 0 ? (wasReported ? s.policy.resolve.status : undefined) : !wasReported ? s.policy.reopen.status : undefined;
  if (status) items.push({ kind: 'write', write: statusWrite(s, status) });
  s.phase = firing.length > 0 ? 'open' : 'resolved';
  // The reopen window runs from when it last went quiet, not from when the summary was posted.
  s.resolvedAt = firing.length > 0 ? undefined : lastToggleAt;
  s.reported = refs(firing);
  s.damped = undefined;
  s.toggles = [];
  return finish(prev, s, items);
}

/** The create's outcome: remember the case id, or after a failure let the next firing try again. */
export function onCreateOutcome(prev: IncidentState | undefined, outcome: Pick<Outcome, 'type' | 'key' | 'caseId'>): Decision {
  if (!prev || outcome.key !== prev.createKey) return unchanged(prev);
  const s = structuredClone(prev);
  if (outcome.type === 'done') {
    if (!outcome.caseId || prev.caseId === outcome.caseId) return unchanged(prev);
    s.caseId = outcome.caseId;
  } else {
    s.phase = 'idle';
    s.createKey = undefined;
    s.caseId = undefined;
    s.reported = {};
    s.damped = undefined;
  }
  return finish(prev, s, []);
}

// ---- the steps ---------------------------------------------------------------------------------

function step(s: IncidentState, now: number, ended: Record<string, string | undefined>): Planned[] {
  const isFiring = count(s.firing) > 0;
  switch (s.phase) {
    case 'idle':
      return isFiring ? startEpisode(s, now) : [];
    case 'holding':
      if (!isFiring) {
        s.phase = 'idle';
        s.holdUntil = undefined;
      }
      return [];
    case 'open':
      if (s.damped) return [];
      if (!isFiring) return shouldDamp(s) ? enterDamping(s, now) : resolveCase(s, now, ended);
      return reportChanges(s, now, ended);
    case 'resolved':
      if (!isFiring || s.damped) return [];
      if (now - (s.resolvedAt ?? 0) > s.policy.reopen.windowMs) {
        s.phase = 'idle';
        s.toggles = [now];
        return startEpisode(s, now);
      }
      return shouldDamp(s) ? enterDamping(s, now) : reopenCase(s, now);
  }
}

function startEpisode(s: IncidentState, now: number): Planned[] {
  if (s.policy.holdDownMs <= 0) return openCase(s, now);
  s.phase = 'holding';
  s.holdSeq += 1;
  s.holdUntil = now + s.policy.holdDownMs;
  return [{ kind: 'timer', timer: { name: 'hold', jobId: `hold-${s.hash}-${s.holdSeq}`, runAt: s.holdUntil, data: { hash: s.hash, seq: s.holdSeq } } }];
}

function openCase(s: IncidentState, now: number): Planned[] {
  const firing = firingAlerts(s);
  s.episode += 1;
  s.seq = 0;
  s.phase = 'open';
  s.caseId = undefined;
  s.reported = refs(firing);
  s.resolvedAt = undefined;
  s.holdUntil = undefined;
  s.damped = undefined;
  const write = createWrite(s, firing, now);
  s.createKey = write.key;
  const announce = s.policy.announce
    ? {
        slackChannel: s.policy.announce.slackChannel,
        text: `${headline({ key: s.key, ...s.context }, firing)} — escalating to expereo (priority ${write.body.priority}, service ${write.body.serviceId}, incident ${s.key})`,
      }
    : undefined;
  return [{ kind: 'write', write, ...(announce ? { announce } : {}) }];
}

function reportChanges(s: IncidentState, now: number, ended: Record<string, string | undefined>): Planned[] {
  const newly = firingAlerts(s).filter((a) => !(a.id in s.reported));
  const gone = Object.entries(s.reported)
    .filter(([id]) => !(id in s.firing))
    .map(([id, ref]) => asInfo(id, ref, ended[id]));
  if (newly.length === 0 && gone.length === 0) return [];
  const text = changeMessage(s.key, newly, gone, count(s.firing), s.policy.maxTextChars);
  s.reported = refs(firingAlerts(s));
  return [{ kind: 'write', write: messageWrite(s, text, now) }];
}

function resolveCase(s: IncidentState, now: number, ended: Record<string, string | undefined>): Planned[] {
  const gone = Object.entries(s.reported).map(([id, ref]) => asInfo(id, ref, ended[id]));
  const items: Planned[] = [];
  if (s.policy.resolve.message) items.push({ kind: 'write', write: messageWrite(s, resolvedMessage(s.key, gone, s.policy.maxTextChars), now) });
  if (s.policy.resolve.status) items.push({ kind: 'write', write: statusWrite(s, s.policy.resolve.status) });
  s.phase = 'resolved';
  s.resolvedAt = now;
  s.reported = {};
  return items;
}

function reopenCase(s: IncidentState, now: number): Planned[] {
  const firing = firingAlerts(s);
  const items: Planned[] = [{ kind: 'write', write: messageWrite(s, reopenMessage(s.key, firing, s.resolvedAt ?? now, now, s.policy.maxTextChars), now) }];
  if (s.policy.reopen.status) items.push({ kind: 'write', write: statusWrite(s, s.policy.reopen.status) });
  s.phase = 'open';
  s.resolvedAt = undefined;
  s.reported = refs(firing);
  return items;
}

function shouldDamp(s: IncidentState): boolean {
  return s.policy.flap !== undefined && !s.damped && s.toggles.length > s.policy.flap.maxToggles;
}

function enterDamping(s: IncidentState, now: number): Planned[] {
  s.flapSeq += 1;
  s.damped = { seq: s.flapSeq, since: now, toggles: 1, seen: {} };
  const runAt = now + (s.policy.flap?.quietMs ?? 0);
  return [{ kind: 'timer', timer: { name: 'settle', jobId: `settle-${s.hash}-${s.flapSeq}`, runAt, data: { hash: s.hash, seq: s.flapSeq } } }];
}

function recordToggle(s: IncidentState, now: number): void {
  const windowMs = s.policy.flap?.windowMs ?? 0;
  s.toggles = [...s.toggles, now].filter((t) => now - t < windowMs).slice(-1000);
  s.lastToggleAt = now;
  if (s.damped) s.damped.toggles += 1;
}

function unchanged(prev: IncidentState | undefined): Decision {
  return { state: prev as IncidentState, items: [], changed: false };
}

function finish(prev: IncidentState | undefined, s: IncidentState, planned: Planned[]): Decision {
  const base = s.order;
  s.order = base + planned.length;
  const items: PlannedItem[] = planned.map((p, i) => ({ ...p, order: base + i + 1 }));
  const changed = items.length > 0 || stableJson(prev) !== stableJson(s);
  return { state: s, items, changed };
}
