import type { Case, CreateCaseBody } from '../expereo/v2-contract.js';

/** Slack mrkdwn control characters: text from people or expereo must not turn into links or mentions. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** `ServiceDown` → `Service down`, `RfoRequest` → `RFO request`. */
export function subjectLabel(subject: string): string {
  const words = subject.replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(' ');
  return words.map((w, i) => (w === 'Rfo' ? 'RFO' : i === 0 ? w : w.toLowerCase())).join(' ');
}

export function link(url: string, label: string): string {
  return `<${url}|${escapeMrkdwn(label)}>`;
}

export function summary(body: Pick<CreateCaseBody, 'type' | 'subject' | 'priority' | 'serviceId'>): string {
  return `${body.priority} ${body.type} · ${subjectLabel(body.subject)} · ${escapeMrkdwn(body.serviceId)}`;
}

export const HELP_TEXT = [
  '*expereo cases from Slack*',
  '`/case` or `/case new`: open a case with expereo support (a form opens)',
  '`/case status <case id>`: show a case of this channel’s account',
  '`/case list`: open cases of this channel’s account',
  '`/case link <case id>`: mirror an existing case into a new thread here',
  '`/case help`: this help',
  'Replies in a case’s thread are sent to expereo; expereo’s replies appear in the thread.',
  'To open a case about a message, use its ⋯ menu: *Open expereo case*.',
].join('\n');

export function helpText(unknown?: string): string {
  return unknown ? `I did not understand \`/case ${escapeMrkdwn(unknown)}\`.\n\n${HELP_TEXT}` : HELP_TEXT;
}

export function unmappedText(channelId: string): string {
  return (
    `This channel (<#${channelId}>) is not mapped to an expereo account, so cases cannot be opened or shown here. ` +
    `Ask the bridge's administrator to add it to the \`slack.channels\` section of the routing file (BRIDGE_CONFIG), ` +
    `with the expereo account id it acts for.`
  );
}

export function submitUnavailableText(): string {
  return 'The bridge cannot reach its queue right now. Please submit again in a moment.';
}

export function submitBusyText(): string {
  return 'This case request is still being handled. If it does not appear in the channel, submit again in a few seconds.';
}

/** `etaMs` undefined: the queue could not say how long (the request is posted all the same). */
export function queuedText(o: { userId: string; body: CreateCaseBody; etaMs: number | undefined }): string {
  const wait = o.etaMs === undefined ? '' : `, about ${Math.max(1, Math.ceil(o.etaMs / 1000))} s`;
  return `:hourglass_flowing_sand: Case requested by <@${o.userId}>, queued${wait}\n${summary(o.body)}`;
}

export function createdText(o: { caseId: string; url: string; summary: string }): string {
  return (
    `:white_check_mark: Case ${link(o.url, o.caseId)} created with expereo support\n${o.summary}\n` +
    `Replies in this thread go to the case; expereo's replies appear here.`
  );
}

export function createFailedText(o: { reason: string; summary: string }): string {
  return `:x: The case could not be created: ${escapeMrkdwn(o.reason)}\n${o.summary}`;
}

export function messageFailedText(reason: string): string {
  return `:warning: This reply could not be sent to expereo: ${escapeMrkdwn(reason)}`;
}

export function caseLine(c: Case, url: string): string {
  const parts = [c.priority, c.type, c.subject ? subjectLabel(c.subject) : undefined].filter(Boolean).map((p) => escapeMrkdwn(String(p)));
  if (c.status) parts.push(`*${escapeMrkdwn(c.status)}*`);
  return `${link(url, c.caseId)} ${parts.join(' · ')}`;
}

export function caseStatusText(c: Case, url: string): string {
  const lines = [
    `*Case ${link(url, c.caseId)}*`,
    `Status: *${escapeMrkdwn(c.status ?? 'unknown')}*`,
    [c.priority, c.type, c.subject ? subjectLabel(c.subject) : undefined]
      .filter(Boolean)
      .map((p) => escapeMrkdwn(String(p)))
      .join(' · ') || undefined,
    c.serviceId ? `Service: ${escapeMrkdwn(c.serviceId)}${c.siteId ? ` · site ${escapeMrkdwn(c.siteId)}` : ''}` : undefined,
    c.lastModifiedDate ? `Last changed: ${escapeMrkdwn(c.lastModifiedDate)}` : undefined,
  ];
  return lines.filter(Boolean).join('\n');
}

export function caseListText(cases: { c: Case; url: string }[], accountId: string, more: boolean): string {
  if (cases.length === 0) return `No open cases for account ${escapeMrkdwn(accountId)}.`;
  const lines = cases.map(({ c, url }) => `• ${caseLine(c, url)}`);
  return [`*Open cases of ${escapeMrkdwn(accountId)}* (${cases.length}${more ? '+' : ''})`, ...lines].join('\n');
}

export function notFoundText(caseId: string): string {
  return `No case ${escapeMrkdwn(caseId)} was found for this channel's expereo account.`;
}

export function linkedRootText(o: { caseId: string; url: string; userId: string; subject: string | null | undefined }): string {
  const what = o.subject ? ` (${escapeMrkdwn(subjectLabel(o.subject))})` : '';
  return (
    `:link: <@${o.userId}> linked case ${link(o.url, o.caseId)}${what} to this thread. ` +
    `Replies in this thread go to the case; expereo's replies appear here.`
  );
}

export function readFailedText(what: string): string {
  return `expereo could not be reached to ${what} just now; please try again in a minute.`;
}
