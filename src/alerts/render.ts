import type { AlertInfo } from './notification.js';

/**
 * The texts alerts put on a case. Each starts with the list of alerts by name and fingerprint and
 * puts details (labels, annotations, links) after it, so that when a text is cut to fit, the
 * engineer still sees which alerts it is about, and the note says that something was cut.
 */

export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = (n: number) => `\n[… truncated: ${n} more characters not shown]`;
  const keep = Math.max(0, max - note(text.length).length);
  return text.slice(0, keep) + note(text.length - keep);
}

export function formatTime(iso: string | number | undefined): string {
  if (iso === undefined) return 'unknown time';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

function summaryOf(a: AlertInfo): string | undefined {
  return a.annotations.summary ?? a.annotations.description ?? a.annotations.message;
}

function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function alertLine(a: AlertInfo, when: 'since' | 'ended' = 'since'): string {
  const time = when === 'since' ? (a.startsAt ? ` since ${formatTime(a.startsAt)}` : '') : a.endsAt ? ` at ${formatTime(a.endsAt)}` : '';
  const summary = summaryOf(a);
  return `- ${a.name} [${a.fingerprint}]${time}${summary && summary !== a.name ? ` — ${oneLine(summary)}` : ''}`;
}

export function alertDetails(a: AlertInfo): string {
  const lines = [`${a.name} [${a.fingerprint}]`];
  if (a.startsAt) lines.push(`  startsAt: ${a.startsAt}`);
  const labels = Object.entries(a.labels).map(([k, v]) => `${k}=${v}`);
  if (labels.length) lines.push(`  labels: ${labels.join(', ')}`);
  const annotations = Object.entries(a.annotations);
  if (annotations.length) {
    lines.push('  annotations:');
    for (const [k, v] of annotations) lines.push(`    ${k}: ${v.replace(/\n/g, '\n      ')}`);
  }
  if (a.values) lines.push(`  values: ${a.values}`);
  if (a.generatorURL) lines.push(`  source: ${a.generatorURL}`);
  for (const link of a.links) lines.push(`  ${link.title}: ${link.url}`);
  return lines.join('\n');
}

function list(title: string, alerts: readonly AlertInfo[], when: 'since' | 'ended' = 'since'): string {
  return `${title} (${alerts.length}):\n${alerts.map((a) => alertLine(a, when)).join('\n')}`;
}

function details(alerts: readonly AlertInfo[]): string {
  return alerts.length ? `\n\nDetails:\n${alerts.map(alertDetails).join('\n\n')}` : '';
}

export interface CaseContext {
  key: string;
  author: string;
  title?: string;
  externalURL?: string;
}

export function headline(ctx: CaseContext, firing: readonly AlertInfo[]): string {
  const first = firing[0];
  const base = ctx.title ?? (first ? (summaryOf(first) ?? `${first.name} firing`) : 'Alert firing');
  const more = firing.length > 1 && !ctx.title ? ` (and ${firing.length - 1} more alert${firing.length > 2 ? 's' : ''})` : '';
  return oneLine(`${base}${more}`, 300);
}

export function caseDescription(ctx: CaseContext, firing: readonly AlertInfo[], max: number): string {
  const text = [
    headline(ctx, firing),
    '',
    `Opened automatically from ${ctx.author} for incident ${ctx.key}.`,
    ...(ctx.externalURL ? [`Monitoring: ${ctx.externalURL}`] : []),
    '',
    list('Firing alerts', firing),
  ].join('\n');
  return truncate(text + details(firing), max);
}

export function changeMessage(key: string, newlyFiring: readonly AlertInfo[], resolved: readonly AlertInfo[], stillFiring: number, max: number): string {
  const parts = [`Alert update for incident ${key}:`];
  if (newlyFiring.length) parts.push(list('Newly firing', newlyFiring));
  if (resolved.length) parts.push(list('Resolved', resolved, 'ended'));
  parts.push(`Firing now: ${stillFiring} alert${stillFiring === 1 ? '' : 's'}.`);
  return truncate(parts.join('\n') + details(newlyFiring), max);
}

export function resolvedMessage(key: string, resolved: readonly AlertInfo[], max: number): string {
  return truncate(`All alerts of incident ${key} have resolved.\n${list('Resolved', resolved, 'ended')}`, max);
}

export function reopenMessage(key: string, firing: readonly AlertInfo[], resolvedAt: number, now: number, max: number): string {
  const head = `Incident ${key} is firing again, ${formatDuration(now - resolvedAt)} after it resolved (${formatTime(resolvedAt)}).`;
  return truncate(`${head}\n${list('Firing alerts', firing)}${details(firing)}`, max);
}

export interface FlapSummary {
  key: string;
  toggles: number;
  since: number;
  lastToggleAt: number;
  firing: readonly AlertInfo[];
  /** Alerts that changed state while updates were held back ("name [fingerprint]" lines). */
  seen: readonly string[];
}

export function flapMessage(s: FlapSummary, max: number): string {
  const parts = [
    `Incident ${s.key} was flapping: ${s.toggles} changes between firing and resolved from ${formatTime(s.since)} to ${formatTime(s.lastToggleAt)}. ` +
      'Updates were summarised here instead of being posted one by one.',
    s.firing.length ? `Now: firing.\n${list('Firing alerts', s.firing)}` : 'Now: resolved.',
  ];
  if (s.seen.length) parts.push(`Alerts that changed state while flapping (${s.seen.length}):\n${s.seen.map((l) => `- ${l}`).join('\n')}`);
  return truncate(parts.join('\n'), max);
}
