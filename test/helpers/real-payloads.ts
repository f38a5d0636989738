import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The corpus of payloads exactly as real tools send them, beside the checkout
 * (`../shared/real-payloads`, see its SOURCES.md): read from there, never copied into the project.
 * A clone of a local checkout made elsewhere (`git clone . /tmp/x`) finds it beside the checkout
 * it was cloned from.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const besideOf = (checkout: string) => resolve(checkout, '..', 'shared', 'real-payloads', 'payloads');
export const CORPUS_DIR = [besideOf(ROOT), ...localOrigin().map(besideOf)].find((dir) => existsSync(dir)) ?? besideOf(ROOT);

/** The checkout this one was cloned from, when that is a folder on this machine. */
function localOrigin(): string[] {
  try {
    const url = execFileSync('git', ['-C', ROOT, 'config', '--get', 'remote.origin.url'], { encoding: 'utf8' }).trim();
    const path = url.startsWith('file://') ? fileURLToPath(url) : url;
    return isAbsolute(path) && existsSync(path) ? [path] : [];
  } catch {
    return [];
  }
}

export interface RealPayload {
  file: string;
  target: string;
  encoding: string;
  auth?: string;
  headers: Record<string, string>;
  expect: string;
  body: unknown;
  bodyText?: string;
}

export function corpusFiles(): string[] {
  if (!existsSync(CORPUS_DIR)) {
    throw new Error(`the real-payload corpus is missing: expected it at ${CORPUS_DIR} (../shared/real-payloads beside the checkout)`);
  }
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function realPayload(prefix: string): RealPayload {
  const file = corpusFiles().find((f) => f.startsWith(prefix));
  if (!file) throw new Error(`no payload ${prefix}* in ${CORPUS_DIR}`);
  const stored = JSON.parse(readFileSync(join(CORPUS_DIR, file), 'utf8')) as Omit<RealPayload, 'file'>;
  return { ...stored, file, headers: stored.headers ?? {} };
}

/** The body's bytes as the tool writes them: Go's encoders escape <, > and & (and U+2028/9); `exact` is given verbatim. */
export function bodyBytes(p: RealPayload, body: unknown = p.body): string {
  if (p.bodyText !== undefined) return p.bodyText;
  if (p.encoding === 'python-json') return pythonJson(body);
  if (p.encoding === 'slack-form') return `payload=${pythonQuote(pythonJson(body))}`;
  if (p.encoding === 'form') return new URLSearchParams(body as Record<string, string>).toString();
  const json = JSON.stringify(body);
  if (p.encoding === 'go-marshal' || p.encoding === 'go-encoder') {
    const escaped = json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    return p.encoding === 'go-encoder' ? `${escaped}\n` : escaped;
  }
  return json;
}

/** Zendesk's signing: base64 HMAC-SHA256 of timestamp + body, with its delivery headers. */
export function zendeskHeaders(secret: string, body: string, invocationId: string, now = new Date()): Record<string, string> {
  const ts = now.toISOString();
  return {
    'content-type': 'application/json',
    'x-zendesk-webhook-signature': createHmac('sha256', secret)
      .update(ts + body)
      .digest('base64'),
    'x-zendesk-webhook-signature-timestamp': ts,
    'x-zendesk-webhook-id': '01GK8E6BKWMJZD2T8Y5AXJQMG5',
    'x-zendesk-webhook-invocation-id': invocationId,
  };
}

/** Grafana's signing: hex HMAC-SHA256 of "<unix ts>:" + body, the time in its own header. */
export function grafanaHeaders(secret: string, header: string, timestampHeader: string, body: string, now = Date.now()): Record<string, string> {
  const ts = String(Math.floor(now / 1000));
  return { 'content-type': 'application/json', [header]: createHmac('sha256', secret).update(`${ts}:${body}`).digest('hex'), [timestampHeader]: ts };
}

/** Python's json.dumps with its default separators and ensure_ascii (Bolt for Python's tests). */
export function pythonJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`)
    .join(', ')}}`;
}

/** Python's urllib.parse.quote (safe "/"). */
export function pythonQuote(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/');
}
