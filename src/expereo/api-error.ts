import { BridgeError } from '../errors.js';

export interface FieldError {
  field: string;
  message: string;
}

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  422: 'validation_failed',
  429: 'rate_limited',
};

/**
 * Anything expereoOne (or the way to it) answered other than success. `code` is stable:
 * an HTTP-derived code (`validation_failed`, `rate_limited`, `upstream_error`, …), `timeout`,
 * `network_error`, or `token_<oauth error>` from the token endpoint.
 */
export class ExpereoApiError extends BridgeError {
  readonly status: number | undefined;
  readonly fieldErrors: FieldError[];
  readonly retryAfterMs: number | undefined;
  /** True when a write may have reached expereo even though no answer came back. */
  readonly outcomeUnknown: boolean;

  constructor(init: {
    code: string;
    message: string;
    status?: number;
    fieldErrors?: FieldError[];
    retryAfterMs?: number;
    outcomeUnknown?: boolean;
    cause?: unknown;
  }) {
    super(init.code, init.message, { cause: init.cause });
    this.status = init.status;
    this.fieldErrors = init.fieldErrors ?? [];
    this.retryAfterMs = init.retryAfterMs;
    this.outcomeUnknown = init.outcomeUnknown ?? false;
  }

  /** Worth trying again later: rate limits, server errors, time-outs and broken connections. */
  get retryable(): boolean {
    return this.code === 'rate_limited' || this.code === 'upstream_error' || this.code === 'timeout' || this.code === 'network_error';
  }
}

export function codeForStatus(status: number): string {
  return STATUS_CODES[status] ?? (status >= 500 ? 'upstream_error' : `http_${status}`);
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds; a `Retry-After-Ms` header wins. */
export function parseRetryAfter(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const precise = first(headers['retry-after-ms']);
  if (precise !== undefined && /^\d+(\.\d+)?$/.test(precise.trim())) return Math.ceil(Number(precise));
  const value = first(headers['retry-after'])?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Builds the error for a non-success answer. Error bodies are not documented for V2, so this reads
 * RFC 9457 problem+json (`title`, `detail`, `errors`), JSON:API `errors[]`, OAuth `error`, and
 * falls back to the raw text (trimmed; never more than 500 characters).
 */
export function errorFromResponse(status: number, headers: Record<string, string | string[] | undefined>, bodyText: string, now = Date.now()): ExpereoApiError {
  const parsed = parseErrorBody(bodyText);
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(headers, now) : undefined;
  return new ExpereoApiError({
    code: codeForStatus(status),
    status,
    message: parsed.message || `HTTP ${status}`,
    fieldErrors: parsed.fieldErrors,
    retryAfterMs,
  });
}

export function parseErrorBody(bodyText: string): { message: string; fieldErrors: FieldError[] } {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return { message: bodyText.trim().slice(0, 500), fieldErrors: [] };
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { message: bodyText.trim().slice(0, 500), fieldErrors: [] };
  }
  const b = body as Record<string, unknown>;
  const fieldErrors = fieldErrorsFrom(b.errors);
  const title = str(b.title);
  const detail = str(b.detail);
  const oauth = str(b.error) ? [str(b.error), str(b.error_description)].filter(Boolean).join(': ') : '';
  const firstJsonApi = Array.isArray(b.errors) && b.errors[0] && typeof b.errors[0] === 'object' ? (b.errors[0] as Record<string, unknown>) : undefined;
  const jsonApi = firstJsonApi ? str(firstJsonApi.detail) || str(firstJsonApi.title) : '';
  const message = (title && detail ? `${title}: ${detail}` : title || detail) || str(b.message) || oauth || jsonApi;
  return { message: message.slice(0, 500), fieldErrors };
}

function fieldErrorsFrom(errors: unknown): FieldError[] {
  if (Array.isArray(errors)) {
    return errors.flatMap((e): FieldError[] => {
      if (!e || typeof e !== 'object') return typeof e === 'string' ? [{ field: '', message: e }] : [];
      const r = e as Record<string, unknown>;
      const source = r.source && typeof r.source === 'object' ? (r.source as Record<string, unknown>) : undefined;
      const pointer = str(source?.pointer) || str(source?.parameter);
      const field = str(r.field) || str(r.name) || str(r.property) || pointer.replace(/^\/(data\/attributes\/)?/, '').replaceAll('/', '.');
      const message = str(r.message) || str(r.detail) || str(r.title) || str(r.reason);
      return message || field ? [{ field, message }] : [];
    });
  }
  // ASP.NET-style validation problems: { errors: { Field: ["message", …] } }
  if (errors && typeof errors === 'object') {
    return Object.entries(errors as Record<string, unknown>).flatMap(([field, msgs]) =>
      (Array.isArray(msgs) ? msgs : [msgs]).map((m) => ({ field, message: String(m) })),
    );
  }
  return [];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
