import { Agent, request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { parseRetryAfter } from '../expereo/api-error.js';
import type { Link } from '../writes/catalog.js';
import { SinkError, type Delivery, type ReplySink } from './sink.js';
import { DELIVERY_ID_HEADER, SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './webhook-signature.js';

/**
 * `link.data` of a webhook link: where to POST, and the secret that signs it. The secret lives with
 * the link (set by whoever makes the link); without one the request goes unsigned.
 */
export const webhookLinkDataSchema = z.looseObject({
  url: z.url({ protocol: /^https?$/ }),
  secret: z.string().min(16, 'a webhook secret needs at least 16 characters').optional(),
});

/** What the receiving end gets as the JSON body. */
export interface WebhookPayload {
  type: `case.${Delivery['kind']}`;
  linkId: string;
  delivery: Delivery;
}

export interface WebhookSinkOptions {
  /** Connect, header and body time-out of one POST. */
  timeoutMs?: number;
  now?: () => number;
}

/** The generic outbound webhook: a signed JSON POST of each delivery to the link's URL. */
export function webhookSink(options: WebhookSinkOptions = {}): ReplySink & { close(): Promise<void> } {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const now = options.now ?? Date.now;
  const agent = new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 10_000 });
  let closing: Promise<void> | undefined;

  async function deliver(link: Link, delivery: Delivery, signal?: AbortSignal): Promise<void> {
    const data = webhookLinkDataSchema.safeParse(link.data);
    if (!data.success) {
      throw new SinkError('invalid_link', `webhook link ${link.id}: ${data.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, {
        permanent: true,
      });
    }
    const body = JSON.stringify({ type: `case.${delivery.kind}`, linkId: link.id, delivery } satisfies WebhookPayload);
    const ts = Math.floor(now() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'expereo-bridge',
      [TIMESTAMP_HEADER]: String(ts),
      [DELIVERY_ID_HEADER]: delivery.id,
      ...(data.data.secret ? { [SIGNATURE_HEADER]: signWebhook(data.data.secret, ts, body) } : {}),
    };
    let res: Dispatcher.ResponseData;
    try {
      res = await request(data.data.url, { method: 'POST', headers, body, dispatcher: agent, signal });
      await res.body.dump();
    } catch (err) {
      if (signal?.aborted) throw err;
      const code = (err as { code?: string }).code ?? '';
      const timeout = code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
      throw new SinkError(timeout ? 'timeout' : 'network_error', `webhook ${link.id}: ${timeout ? 'timed out' : 'connection failed'} (${code || 'unknown'})`, {
        cause: err,
      });
    }
    const status = res.statusCode;
    if (status >= 200 && status < 300) return;
    if (status === 429) {
      throw new SinkError('rate_limited', `webhook ${link.id} answered 429`, { retryAfterMs: parseRetryAfter(res.headers, now()) ?? 1000 });
    }
    // Time-outs and server errors pass; any other refusal (bad URL, auth, redirect) will not.
    const retryable = status === 408 || status === 425 || status >= 500;
    throw new SinkError(`http_${status}`, `webhook ${link.id} answered ${status}`, { permanent: !retryable });
  }

  return {
    kind: 'webhook',
    deliver,
    close: () => (closing ??= agent.close()),
  };
}
