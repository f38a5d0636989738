import type { CallOptions, ExpereoClient } from '../src/expereo/client.js';
import { messageFingerprint } from '../src/state/fingerprint.js';
import type { Batch } from '../src/writes/coalesce.js';

export interface SentBatch {
  caseId: string;
  messageId?: string;
  fingerprint?: string;
  /** The first try had reached expereo: this run only recorded it. */
  recovered: boolean;
}

/**
 * Sends one batch upstream, safe to run twice: when an earlier attempt may have reached expereo
 * (`retried`), a create first looks its case up by customerReference, and a message first looks for
 * itself among the case's messages, so neither is written a second time. A PATCH repeats harmlessly.
 */
export async function sendBatch(client: ExpereoClient, batch: Batch, caseId: string | undefined, retried: boolean, opts: CallOptions = {}): Promise<SentBatch> {
  switch (batch.op) {
    case 'create': {
      const reference = batch.body.customerReference!;
      // The description becomes the case's first message: remember it as the bridge's own.
      const fingerprint = messageFingerprint(batch.body.description);
      if (retried) {
        const existing = await client.findCaseByReference(reference, opts);
        if (existing) return { caseId: existing.caseId, fingerprint, recovered: true };
      }
      const created = await client.createCase(batch.body, opts);
      return { caseId: created.caseId, fingerprint, recovered: false };
    }
    case 'update': {
      await client.updateCase(caseId!, batch.fields, opts);
      return { caseId: caseId!, recovered: false };
    }
    case 'message': {
      const fingerprint = messageFingerprint(batch.text);
      if (retried) {
        for await (const m of client.caseMessages(caseId!, { limit: 200 }, opts)) {
          if (messageFingerprint(m.message) === fingerprint) return { caseId: caseId!, messageId: m.caseMessageId, fingerprint, recovered: true };
        }
      }
      const sent = await client.addCaseMessage(caseId!, { message: batch.text }, opts);
      return { caseId: caseId!, messageId: sent?.caseMessageId, fingerprint, recovered: false };
    }
  }
}
