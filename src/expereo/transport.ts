import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
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
 * A call that would have left after the end of its budget slot (a slow connection, a busy event
 * loop): it was not sent, so it may take a new slot and go, whatever its method.
 */
export class SlotMissedError extends ExpereoApiError {
  constructor(
    readonly method: string,
    readonly lateMs: number,
  ) {
    super({ code: 'slot_missed', message: `${method} not sent: it would have left ${Math.ceil(lateMs)} ms after its slot allowed` });
  }
}

type Handler = Dispatcher.DispatchHandler;
type Controller = Dispatcher.DispatchController;

/**
 * Lets a request onto its connection only until `sendBy` (performance.now()). undici starts the
 * request once its connection is ready, just before writing it; an error thrown there fails the
 * request unsent and keeps the connection for the next one (aborting would close it, and a retry
 * after a slow connect would have to connect again).
 */
class SendByHandler implements Handler {
  constructor(
    private readonly inner: Handler,
    private readonly sendBy: number,
    private readonly method: string,
  ) {}

  onRequestStart(controller: Controller, context: unknown): void {
    const late = performance.now() - this.sendBy;
    if (late > 0) throw new SlotMissedError(this.method, late);
    this.inner.onRequestStart?.(controller, context);
  }
  onRequestUpgrade(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    this.inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }
  onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    this.inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }
  onResponseData(controller: Controller, chunk: Buffer): void {
    this.inner.onResponseData?.(controller, chunk);
  }
  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    this.inner.onResponseEnd?.(controller, trailers);
  }
  onResponseError(controller: Controller, error: Error): void {
    this.inner.onResponseError?.(controller, error);
  }
}

/**
 * Sends one HTTP request and reads the whole answer. Never retries: whether a write may be sent
 * again is the write queue's decision, not the transport's. With `sendBy`, a request not on its
 * connection by then fails with SlotMissedError, unsent.
 */
export async function send(
  dispatcher: Dispatcher,
  init: { method: Dispatcher.HttpMethod; url: string; headers: Record<string, string>; body?: string; signal?: AbortSignal; sendBy?: number },
): Promise<RawResponse> {
  const { sendBy } = init;
  const guarded =
    sendBy === undefined ? dispatcher : dispatcher.compose((dispatch) => (opts, handler) => dispatch(opts, new SendByHandler(handler, sendBy, init.method)));
  try {
    const res = await request(init.url, {
      dispatcher: guarded,
      method: init.method,
      headers: init.headers,
      body: init.body,
      signal: init.signal,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  } catch (err) {
    if (init.signal?.aborted || err instanceof SlotMissedError) throw err;
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
