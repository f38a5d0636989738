import { pino, type Logger } from 'pino';

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
