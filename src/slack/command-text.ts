/** What `/case …` asks for. Anything not understood is `help` with `unknown` set. */
export type CaseCommand =
  | { kind: 'new' }
  | { kind: 'status'; caseId: string }
  | { kind: 'list' }
  | { kind: 'link'; caseId: string }
  | { kind: 'help'; unknown?: string };

/** Case ids are short tokens; anything with spaces or markup is not one. */
const CASE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export function parseCaseCommand(text: string | undefined): CaseCommand {
  const words = (text ?? '').trim().split(/\s+/).filter(Boolean);
  const [verb = '', arg, extra] = words;
  const sub = verb.toLowerCase();
  if (words.length === 0 || (sub === 'new' && words.length === 1)) return { kind: 'new' };
  if (sub === 'list' && words.length === 1) return { kind: 'list' };
  if (sub === 'help' && words.length === 1) return { kind: 'help' };
  if ((sub === 'status' || sub === 'link') && arg !== undefined && extra === undefined && CASE_ID.test(arg)) {
    return { kind: sub, caseId: arg };
  }
  return { kind: 'help', unknown: words.join(' ') };
}
