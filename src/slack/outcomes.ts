import type { Logger } from 'pino';
import type { OutcomeHandler } from '../writes/catalog.js';
import type { SlackRouting } from './routing-schema.js';
import type { Outcome } from '../writes/catalog.js';
import { caseUrl } from './account-routing.js';
import { createdText, createFailedText, messageFailedText } from './texts.js';
import { isPermanentSlackError, type WebClient } from './web-client.js';

/** Why a write failed, in words a person can act on. */
export function failureReason(error: Outcome['error']): string {
  if (!error) return 'unknown error';
  const fields = error.fieldErrors.map((f) => `${f.field}: ${f.message}`).join('; ');
  return fields ? `${error.message} (${fields})` : error.message;
}

/**
 * What became of writes asked for from Slack: a created case edits the "Case requested" message with
 * its id and link (or the reason it failed); a thread reply that failed gets a short note in the
 * thread. Slack refusing for good (channel gone, message deleted) ends it; anything else is retried
 * by the outcome queue.
 */
export function slackOutcomes(o: { web: WebClient; routing: SlackRouting | undefined; log: Logger }): OutcomeHandler {
  return async (outcome) => {
    const data = (outcome.origin.data ?? {}) as { channel?: string; messageTs?: string; threadTs?: string; summary?: string };
    if (!data.channel) return;
    try {
      if (outcome.kind === 'create' && data.messageTs) {
        const about = data.summary ?? '';
        const text =
          outcome.type === 'done' && outcome.caseId
            ? createdText({ caseId: outcome.caseId, url: caseUrl(o.routing, outcome.caseId), summary: about })
            : createFailedText({ reason: failureReason(outcome.error), summary: about });
        await o.web.chat.update({ channel: data.channel, ts: data.messageTs, text });
      } else if (outcome.kind === 'message' && outcome.type === 'failed' && data.threadTs) {
        await o.web.chat.postMessage({ channel: data.channel, thread_ts: data.threadTs, text: messageFailedText(failureReason(outcome.error)) });
      }
    } catch (err) {
      if (isPermanentSlackError(err)) {
        o.log.warn({ err, key: outcome.key }, 'Slack refused the outcome report; dropping it');
        return;
      }
      throw err;
    }
  };
}
