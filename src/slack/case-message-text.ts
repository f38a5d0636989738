import { createFailedText, escapeMrkdwn, link, subjectLabel } from './texts.js';

/** What the case's channel message knows (see case-message.ts). `summary` is mrkdwn already. */
export interface CaseMessageState {
  phase: 'queued' | 'created' | 'failed' | 'linked';
  rev: number;
  summary?: string;
  userId?: string;
  caseId?: string;
  url?: string;
  /** The case's subject, for a case linked with `/case link`. */
  subject?: string;
  etaMs?: number;
  reason?: string;
  status?: string;
  closed?: boolean;
}

const THREAD_NOTE = "Replies in this thread go to the case; expereo's replies appear here.";
const CLOSED_NOTE = 'Replies to it are no longer mirrored here.';

/** The message's text for everything known of the case, whatever order it was learnt in. */
export function caseMessageText(s: CaseMessageState): string {
  const summary = s.summary ? `\n${s.summary}` : '';
  if (s.phase === 'failed') return createFailedText({ reason: s.reason ?? 'unknown error', summary: s.summary ?? '' });
  const caseLink = s.caseId ? link(s.url ?? '', s.caseId) : undefined;
  if (!caseLink) {
    const who = s.userId ? ` by <@${s.userId}>` : '';
    const wait = s.etaMs === undefined ? '' : `, about ${Math.max(1, Math.ceil(s.etaMs / 1000))} s`;
    return `:hourglass_flowing_sand: Case requested${who}, queued${wait}${summary}`;
  }
  const status = s.status ? escapeMrkdwn(s.status) : undefined;
  if (s.closed && status) return `:checkered_flag: Case ${caseLink} is *${status}*${summary}\n${CLOSED_NOTE}`;
  const statusLine = status ? `\nStatus: *${status}*` : '';
  if (s.phase === 'linked') {
    const who = s.userId ? `<@${s.userId}> linked case` : 'Linked case';
    const what = s.subject ? ` (${escapeMrkdwn(subjectLabel(s.subject))})` : '';
    return `:link: ${who} ${caseLink}${what} to this thread. ${THREAD_NOTE}${statusLine}`;
  }
  return `:white_check_mark: Case ${caseLink} created with expereo support${summary}${statusLine}\n${THREAD_NOTE}`;
}
