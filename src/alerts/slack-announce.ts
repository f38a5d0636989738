import { request } from 'undici';
import { BridgeError } from '../errors.js';
import type { Link } from '../writes/catalog.js';

/** Posts escalation announcements to Slack (`chat.postMessage` with the bot token). */
export interface SlackPoster {
  post(channel: string, text: string): Promise<{ channel: string; ts: string }>;
}

export const SLACK_API_URL = 'https://slack.com/api';

export function slackPoster(slack: { botToken: string; apiUrl: string | undefined }, timeoutMs = 3000): SlackPoster {
  const url = `${(slack.apiUrl ?? SLACK_API_URL).replace(/\/+$/, '')}/chat.postMessage`;
  return {
    async post(channel, text) {
      let body: { ok?: boolean; channel?: string; ts?: string; error?: string };
      try {
        const res = await request(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${slack.botToken}`, 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify({ channel, text, unfurl_links: false, unfurl_media: false }),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        body = (await res.body.json()) as typeof body;
      } catch (err) {
        throw new BridgeError('slack_unavailable', `chat.postMessage failed: ${(err as Error).message}`, { cause: err });
      }
      if (!body.ok || !body.ts) throw new BridgeError('slack_error', `chat.postMessage answered ${body.error ?? 'without a ts'}`);
      return { channel: body.channel ?? channel, ts: body.ts };
    },
  };
}

/** The Slack thread of an announcement, in the link format every capability shares. */
export function slackThreadLink(posted: { channel: string; ts: string }): Link {
  return { id: `slack:${posted.channel}:${posted.ts}`, kind: 'slack', data: { channel: posted.channel, threadTs: posted.ts } };
}
