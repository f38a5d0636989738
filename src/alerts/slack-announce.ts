import { BridgeError } from '../errors.js';
import { slackErrorCode, type WebClient } from '../slack/web-client.js';
import type { Link } from '../writes/catalog.js';

/** Posts escalation announcements to Slack (`chat.postMessage` with the bot token). */
export interface SlackPoster {
  post(channel: string, text: string): Promise<{ channel: string; ts: string }>;
}

/** Announcements through the bridge's Slack Web API client (see src/slack/web-client.ts). */
export function slackPoster(web: WebClient): SlackPoster {
  return {
    async post(channel, text) {
      let answer: { channel?: string; ts?: string };
      try {
        answer = await web.chat.postMessage({ channel, text, unfurl_links: false, unfurl_media: false });
      } catch (err) {
        const code = slackErrorCode(err);
        // Slack's own refusal (channel_not_found, …) against no answer, a 429 or a 5xx.
        if (code === 'internal_error' || code === 'rate_limited' || code === 'network_error' || code.startsWith('http_')) {
          throw new BridgeError('slack_unavailable', `chat.postMessage failed: ${(err as Error).message}`, { cause: err });
        }
        throw new BridgeError('slack_error', `chat.postMessage answered ${code}`, { cause: err });
      }
      if (!answer.ts) throw new BridgeError('slack_error', 'chat.postMessage answered without a ts');
      return { channel: answer.channel ?? channel, ts: answer.ts };
    },
  };
}

/** The Slack thread of an announcement, in the link format every capability shares. */
export function slackThreadLink(posted: { channel: string; ts: string }): Link {
  return { id: `slack:${posted.channel}:${posted.ts}`, kind: 'slack', data: { channel: posted.channel, threadTs: posted.ts } };
}
