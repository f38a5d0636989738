import { createHash } from 'node:crypto';
import type { Delivery } from '../mirror/sink.js';

/**
 * The text the bridge writes on a ticket. Each comment ends with a marker line,
 * `expereo-ref:<12 hex>`, unique to what was posted: it lets a retried post find the first one, and
 * lets the bridge recognise its own comment when the tool sends it back as a webhook. The marker
 * is plain letters, digits and a colon so that wiki markup, Markdown and HTML keep it intact.
 */
const MARKER = /expereo-ref:([0-9a-f]{12})/g;

export function markerOf(connector: string, ticketId: string, postId: string): string {
  return createHash('sha256').update(`${connector}\u0000${ticketId}\u0000${postId}`).digest('hex').slice(0, 12);
}

export function markersIn(text: string): string[] {
  return [...text.matchAll(MARKER)].map((m) => m[1]!);
}

function withMarker(body: string, marker: string): string {
  return `${body.trim()}\n\nexpereo-ref:${marker}`;
}

/** An engineer's reply or a status change on the expereo case, as a ticket comment. */
export function replyComment(delivery: Delivery, marker: string): string {
  if (delivery.kind === 'status') return withMarker(`expereo case ${delivery.caseId}: ${delivery.text}`, marker);
  return withMarker(`${delivery.author ?? 'expereo'} replied on expereo case ${delivery.caseId}:\n\n${delivery.text}`, marker);
}

export function caseOpenedComment(caseId: string, marker: string): string {
  return withMarker(`expereo case ${caseId} was opened for this ticket. Replies from expereo will appear here.`, marker);
}

const WHAT: Record<'create' | 'update' | 'message', string> = {
  create: 'open an expereo case for this ticket',
  update: 'update the expereo case',
  message: 'add a comment to the expereo case',
};

export function writeFailedComment(kind: 'create' | 'update' | 'message', reason: string, caseId: string | undefined, marker: string): string {
  const onCase = caseId && kind !== 'create' ? ` ${caseId}` : '';
  return withMarker(`The bridge could not ${WHAT[kind]}${onCase}: ${reason}`, marker);
}
