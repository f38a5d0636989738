/**
 * Which Slack message events are replies that belong in a case, and their text as expereo should
 * read it (plain text, files as links).
 */
export interface ThreadReply {
  channel: string;
  threadTs: string;
  ts: string;
  user: string;
  text: string;
}

interface MessageEventLike {
  type?: string;
  subtype?: string;
  channel?: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  files?: { id?: string; name?: string; title?: string; permalink?: string; url_private?: string }[];
}

/** A person's message, or one sharing files, or a reply also sent to the channel. Edits, deletes, joins and bots are not. */
const PERSON_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);

/** Slack's message timestamps: seconds and a sequence, `1700000000.000100`. */
const SLACK_TS = /^\d{1,12}\.\d{1,9}$/;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Events come from outside: every field is checked for its type before it is used. */
export function threadReplyOf(event: MessageEventLike): ThreadReply | undefined {
  if (event.type !== 'message' || !PERSON_SUBTYPES.has(event.subtype)) return undefined;
  const user = str(event.user);
  if (event.bot_id || event.app_id || !user) return undefined;
  const channel = str(event.channel);
  const ts = str(event.ts);
  const threadTs = str(event.thread_ts);
  if (!channel || !ts || !threadTs || threadTs === ts || !SLACK_TS.test(ts) || !SLACK_TS.test(threadTs)) return undefined;
  const files = Array.isArray(event.files) ? event.files.filter((f) => !!f && typeof f === 'object') : [];
  const text = replyText(typeof event.text === 'string' ? event.text : '', files);
  return text ? { channel, threadTs, ts, user, text } : undefined;
}

function replyText(text: string, files: NonNullable<MessageEventLike['files']>): string {
  const lines = [slackToPlain(text).trim()];
  // Files reach the case as links with their names (the bridge never uploads or downloads them).
  for (const f of files) {
    const url = str(f.permalink) ?? str(f.url_private);
    const name = str(f.name) ?? str(f.title) ?? 'attachment';
    const title = str(f.title);
    if (url) lines.push(`File: ${name}${title && title !== name ? ` (${title})` : ''} ${url}`);
    // Slack withholds a file's details from apps at times (`file_access: check_file_info`): say a file was shared.
    else if (str(f.id)) lines.push(`File: ${str(f.name) ?? str(f.id)} (shared in the Slack thread)`);
  }
  return lines.filter(Boolean).join('\n');
}

/**
 * Slack's markup to plain text: `<@U1>` → `@U1`, `<#C1|ops>` → `#ops`, `<!here>` → `@here`,
 * `<https://x|label>` → `label (https://x)`, then the three escaped characters.
 */
export function slackToPlain(text: string): string {
  return text
    .replace(/<([^<>]+)>/g, (_, inner: string) => {
      const [target = '', label] = inner.split('|', 2);
      if (target.startsWith('@')) return `@${label ?? target.slice(1)}`;
      if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
      if (target.startsWith('!')) return `@${label ?? target.slice(1).split('^')[0]}`;
      return label && label !== target ? `${label} (${target})` : target;
    })
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}
