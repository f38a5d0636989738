/**
 * Alertmanager-style label matchers (`team="network"`, `severity=~"critical|major"`, `env!="dev"`,
 * `site!~"lab-.*"`), so that routing rules read like the Alertmanager routes operators already write.
 * As in Alertmanager, a missing label matches as the empty string and regexes are anchored.
 */

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"]*))\s*$/;

/** Parses one matcher; a string that is not one gives the reason. */
export function parseMatcher(text: string): Matcher | { error: string } {
  const m = MATCHER.exec(text);
  if (!m) return { error: `"${text}" is not a matcher such as team="network" or severity=~"critical|major"` };
  const op = m[2] as MatchOp;
  const value = m[3] !== undefined ? unescape(m[3]) : (m[4] ?? '');
  if (op === '=~' || op === '!~') {
    try {
      new RegExp(value);
    } catch (err) {
      return { error: `"${text}": invalid regular expression (${(err as Error).message})` };
    }
  }
  return { name: m[1]!, op, value };
}

function unescape(quoted: string): string {
  return quoted.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

const compiled = new Map<string, RegExp>();

function anchored(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`);
    compiled.set(pattern, re);
  }
  return re;
}

export function matches(matcher: Matcher, labels: Readonly<Record<string, string>>): boolean {
  const actual = labels[matcher.name] ?? '';
  switch (matcher.op) {
    case '=':
      return actual === matcher.value;
    case '!=':
      return actual !== matcher.value;
    case '=~':
      return anchored(matcher.value).test(actual);
    case '!~':
      return !anchored(matcher.value).test(actual);
  }
}

export function matchesAll(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => matches(m, labels));
}
