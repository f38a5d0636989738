import { BridgeError } from '../../src/errors.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../../src/http/json-body.js';

import type { SlackBody } from '../../src/slack/event-intake.js';

export type { SlackBody };

/**
 * The request as Bolt expects it: Events API deliveries are JSON; slash commands are form fields;
 * interactivity (shortcuts, modals, options) is a form with one JSON `payload` field.
 */
export function parseSlackBody(raw: string, contentType: string | undefined): SlackBody {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  try {
    if (type === 'application/x-www-form-urlencoded') {
      const form = new URLSearchParams(raw);
      const payload = form.get('payload');
      return payload === null ? Object.fromEntries(form) : asObject(JSON.parse(payload));
    }
    return asObject(JSON.parse(raw));
  } catch (err) {
    if (err instanceof BridgeError) throw err;
    throw new BridgeError('invalid_request', 'the Slack request body could not be read');
  }
}

function asObject(value: unknown): SlackBody {
  if (!isObject(value)) throw new BridgeError('invalid_request', 'the Slack request body is not an object');
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new BridgeError('invalid_request', 'the Slack request body nests too deeply');
  if (value.type === 'event_callback' && !(isObject(value.event) && typeof value.event.type === 'string')) {
    throw new BridgeError('invalid_request', 'an event_callback needs an event object with a type');
  }
  return value;
}

function isObject(value: unknown): value is SlackBody {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** Retry header as a number (`X-Slack-Retry-Num`), undefined on a first delivery. */
export function retryNumOf(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}
