import type { Logger } from 'pino';
import type { OutcomeHandler } from '../writes/catalog.js';
import { SinkError, type ReplySink } from '../mirror/sink.js';
import type { Link, Outcome } from '../writes/catalog.js';
import { caseOpenedComment, replyComment, writeFailedComment } from './comment-text.js';
import type { ConnectorConfig } from './routing-schema.js';
import type { TicketWriter } from './ticket-writer.js';

/** Where a link or an origin points: a connector and one of its tickets. */
export function ticketTarget(data: Record<string, unknown> | undefined): { connector: string; ticketId: string } | undefined {
  const connector = data?.connector;
  const ticketId = data?.ticketId;
  return typeof connector === 'string' && typeof ticketId === 'string' && connector && ticketId ? { connector, ticketId } : undefined;
}

/** Replies mirrored from expereo, written on the linked ticket by the connector's client. */
export function itsmReplySink(writer: TicketWriter, connectors: Record<string, ConnectorConfig>): ReplySink {
  return {
    kind: 'itsm',
    async deliver(link: Link, delivery, signal) {
      const target = ticketTarget(link.data);
      if (!target) throw new SinkError('itsm_bad_link', `link ${link.id} names no connector and ticket`, { permanent: true });
      if (!connectors[target.connector]) throw new SinkError('itsm_connector_unknown', `no ITSM connector named ${target.connector}`, { permanent: true });
      if (!writer.canPost(target.connector)) {
        throw new SinkError('itsm_outbound_not_configured', `connector ${target.connector} has no outbound settings`, { permanent: true });
      }
      await writer.post(
        target.connector,
        target.ticketId,
        `d:${delivery.caseId}:${delivery.id}`,
        (marker) => ({
          kind: delivery.kind === 'status' ? 'status' : 'reply',
          text: replyComment(delivery, marker),
          caseId: delivery.caseId,
          author: delivery.author,
          at: delivery.at,
          ...(delivery.status ? { status: delivery.status } : {}),
        }),
        signal,
      );
    },
  };
}

/**
 * Tells the ticket what became of its writes: a note with the case id once the case is opened, and
 * a note with the reason when a write failed. Each note is written once per write.
 */
export function itsmOutcomeNotes(writer: TicketWriter, connectors: Record<string, ConnectorConfig>, log: Logger): OutcomeHandler {
  return async (outcome: Outcome) => {
    const target = ticketTarget(outcome.origin.data);
    const connector = target ? connectors[target.connector] : undefined;
    if (!target || !connector || !writer.canPost(target.connector)) return;
    const at = new Date().toISOString();
    let postId: string;
    let build: (marker: string) => { kind: 'note'; text: string; caseId?: string; at: string };
    if (outcome.type === 'done' && outcome.kind === 'create' && outcome.caseId && connector.notify.created) {
      const caseId = outcome.caseId;
      postId = `o:opened:${outcome.key}`;
      build = (marker) => ({ kind: 'note', text: caseOpenedComment(caseId, marker), caseId, at });
    } else if (outcome.type === 'failed' && connector.notify.failed) {
      const fieldErrors = outcome.error?.fieldErrors.map((f) => `${f.field}: ${f.message}`).join('; ');
      const reason = [outcome.error?.message ?? 'unknown error', fieldErrors].filter(Boolean).join(' (') + (fieldErrors ? ')' : '');
      postId = `o:failed:${outcome.key}`;
      build = (marker) => ({ kind: 'note', text: writeFailedComment(outcome.kind, reason, outcome.caseId, marker), caseId: outcome.caseId, at });
    } else {
      return;
    }
    try {
      await writer.post(target.connector, target.ticketId, postId, build);
    } catch (err) {
      // A ticket that is gone or credentials that are refused will not get better with retries.
      if (err instanceof SinkError && err.permanent) {
        log.warn({ err, connector: target.connector, key: outcome.key }, 'could not write the outcome note on the ticket');
        return;
      }
      throw err;
    }
  };
}
