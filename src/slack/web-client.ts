import { webApi } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { SinkError } from '../mirror/sink.js';
import { boltLogger } from './bolt-logger.js';

export type SlackSettings = NonNullable<Config['slack']>;
export type WebClient = webApi.WebClient;

/** How long a call may take, by use. */
const TIMEOUT_MS = { interactive: 5000, worker: 15_000, announce: 3000 } as const;

/**
 * The bridge's Slack Web API client. `interactive`: used while a person waits (modals, answers),
 * one quick retry. `worker`: outcomes and mirrored replies, no retry of its own (the queue retries
 * with backoff). `announce`: alert escalations, posted while an incident's plan runs, a short wait
 * and no retry (the plan's job retries). A 429 always rejects at once with Slack's Retry-After
 * instead of sleeping inside the client.
 */
export function createWebClient(settings: SlackSettings, log: Logger, use: keyof typeof TIMEOUT_MS): WebClient {
  return new webApi.WebClient(settings.botToken, {
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
    logger: boltLogger(log.child({ slack: `web-${use}` })),
    rejectRateLimitedCalls: true,
    timeout: TIMEOUT_MS[use],
    retryConfig: use === 'interactive' ? { retries: 1, minTimeout: 200, maxTimeout: 500 } : { retries: 0 },
  });
}

/** Slack's own error code (`channel_not_found`, …), `rate_limited`, `http_<status>` or `network_error`. */
export function slackErrorCode(err: unknown): string {
  const e = err as { code?: string; data?: { error?: string }; statusCode?: number };
  switch (e?.code) {
    case webApi.ErrorCode.PlatformError:
      return e.data?.error ?? 'platform_error';
    case webApi.ErrorCode.RateLimitedError:
      return 'rate_limited';
    case webApi.ErrorCode.HTTPError:
      return `http_${e.statusCode ?? 0}`;
    case webApi.ErrorCode.RequestError:
      return 'network_error';
    default:
      return 'internal_error';
  }
}

/** Answers that will not change by trying again: the thread can no longer be written to. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'msg_too_long',
  'no_text',
  'restricted_action',
  'cannot_reply_to_message',
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
]);

export function isPermanentSlackError(err: unknown): boolean {
  return PERMANENT.has(slackErrorCode(err));
}

/** Failures that say nothing about the request itself: a 429, Slack's 5xx, or no answer. */
export function isTransientSlackError(err: unknown): boolean {
  const code = slackErrorCode(err);
  return code === 'rate_limited' || code === 'network_error' || code.startsWith('http_');
}

export function sinkErrorOf(err: unknown): SinkError {
  const code = slackErrorCode(err);
  if (code === 'rate_limited') {
    const seconds = (err as { retryAfter?: number }).retryAfter ?? 1;
    return new SinkError('rate_limited', `Slack answered 429, retry after ${seconds} s`, { retryAfterMs: seconds * 1000, cause: err });
  }
  return new SinkError(`slack_${code}`, `Slack refused the post: ${code}`, { permanent: PERMANENT.has(code), cause: err });
}
