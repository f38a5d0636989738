import { Agent, request, type Dispatcher } from 'undici';
import { ExpereoApiError } from './api-error.js';

export interface TransportOptions {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
}

/** One connection pool per upstream, with connect, header and body time-outs. */
export function createAgent(options: TransportOptions): Agent {
  return new Agent({
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
    keepAliveTimeout: 10_000,
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

const NOT_SENT = new Set(['UND_ERR_CONNECT_TIMEOUT', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Sends one HTTP request and reads the whole answer. Never retries: whether a write may be sent
 * again is the write queue's decision, not the transport's.
 */
export async function send(
  dispatcher: Dispatcher,
  init: { method: Dispatcher.HttpMethod; url: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
): Promise<RawResponse> {
  try {
    const res = await request(init.url, {
      dispatcher,
      method: init.method,
      headers: init.headers,
      body: init.body,
      signal: init.signal,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  } catch (err) {
    if (init.signal?.aborted) throw err;
    const code = errorCode(err);
    const timeout = TIMEOUTS.has(code);
    return Promise.reject(
      new ExpereoApiError({
        code: timeout ? 'timeout' : 'network_error',
        message: `${init.method} ${new URL(init.url).pathname}: ${timeout ? 'timed out' : 'connection failed'} (${code || 'unknown'})`,
        outcomeUnknown: init.method !== 'GET' && !NOT_SENT.has(code),
        cause: err,
      }),
    );
  }
}

function errorCode(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return '';
}
