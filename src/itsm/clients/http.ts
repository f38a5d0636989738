import { request, type Dispatcher } from 'undici';
import { SinkError } from '../../mirror/sink.js';

/**
 * One HTTP call to a service desk, with the outcome turned into what the delivery queue acts on:
 * a 429 carries the tool's Retry-After, other 4xx (but 408) are permanent, 5xx and network errors
 * may be retried. Error messages name the tool and the status, never the credentials.
 */
export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
}

export interface HttpResult {
  status: number;
  json: unknown;
}

/** Calls to one tool with one connector's time-out and dispatcher. */
export function toolCaller(tool: string, ctx: { timeoutMs: number; dispatcher?: Dispatcher }) {
  return (call: Omit<HttpCall, 'timeoutMs' | 'dispatcher'>): Promise<HttpResult> =>
    callTool(tool, { ...call, timeoutMs: ctx.timeoutMs, dispatcher: ctx.dispatcher });
}

export async function callTool(tool: string, call: HttpCall): Promise<HttpResult> {
  let res: Dispatcher.ResponseData;
  try {
    res = await request(call.url, {
      method: call.method,
      headers: { accept: 'application/json', ...(call.body !== undefined ? { 'content-type': 'application/json' } : {}), ...call.headers },
      body: call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body),
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
      signal: call.signal,
      dispatcher: call.dispatcher,
    });
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).name;
    throw new SinkError('itsm_unreachable', `${tool} did not answer ${call.method} ${pathOf(call.url)} (${code})`, { cause: err });
  }
  const text = await res.body.text().catch(() => '');
  const status = res.statusCode;
  if (status >= 200 && status < 300) return { status, json: parseJson(text) };
  const what = `${tool} answered ${status} to ${call.method} ${pathOf(call.url)}${text ? `: ${text.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`;
  if (status === 429) throw new SinkError('itsm_rate_limited', what, { retryAfterMs: retryAfterMs(res.headers['retry-after']) });
  if (status === 408) throw new SinkError('itsm_timeout', what);
  if (status === 401 || status === 403) throw new SinkError('itsm_unauthorized', what, { permanent: true });
  if (status === 404) throw new SinkError('itsm_ticket_not_found', what, { permanent: true });
  if (status >= 400 && status < 500) throw new SinkError('itsm_rejected', what, { permanent: true });
  throw new SinkError('itsm_unavailable', what);
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The path alone: query strings may carry search terms, never worth a log line. */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(invalid url)';
  }
}
