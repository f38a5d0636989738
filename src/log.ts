import type { FastifyBaseLogger } from 'fastify';
import { pino, type Bindings, type ChildLoggerOptions, type Logger } from 'pino';

/**
 * Paths never written to the log: credentials, tokens and signatures, wherever they appear in a
 * logged object (request headers, config, errors).
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
  'req.headers["x-hub-signature"]',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-zendesk-webhook-signature"]',
  'req.headers["x-signature"]',
  'headers.authorization',
  '*.authorization',
  '*.clientSecret',
  '*.client_secret',
  '*.accessToken',
  '*.access_token',
  '*.token',
  '*.secret',
  '*.signature',
  '*.password',
  'clientSecret',
  'accessToken',
  'access_token',
  'token',
  'secret',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'expereo-bridge' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination as pino.DestinationStream | undefined,
  );
}

/** The log methods a per-request logger forwards to its pino child. */
const LOG_METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Fastify's per-request logger (`childLoggerFactory`), made the first time the request logs. A
 * pino child of a redacting logger passes its bindings through the redaction, which costs more
 * than the rest of a webhook's own work, and a request that succeeds logs nothing.
 */
export function lazyChildLogger(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(parent, bindings, options);
}

// The log methods are added to the prototype below, one forwarder each.
// biome-ignore lint/correctness/noUnusedVariables: merged with the class of the same name
interface LazyChildLogger extends Pick<FastifyBaseLogger, (typeof LOG_METHODS)[number]> {}

class LazyChildLogger implements FastifyBaseLogger {
  #made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** The pino child, made on first use. */
  real(): FastifyBaseLogger {
    return (this.#made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.#made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }
}

for (const method of LOG_METHODS) {
  LazyChildLogger.prototype[method] = function (this: LazyChildLogger, ...args: unknown[]) {
    (this.real()[method] as (...a: unknown[]) => void)(...args);
  };
}
