import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SinkError, type Delivery } from '../../src/mirror/sink.js';
import { webhookSink } from '../../src/mirror/webhook-sink.js';
import { verifyWebhook } from '../../src/mirror/webhook-signature.js';
import type { Link } from '../../src/writes/catalog.js';
import { startReceiver, type Receiver } from '../helpers/mirror-harness.js';

const SECRET = 'receiver-secret-0123456789abcdef';
const NOW = Date.parse('2025-03-04T10:00:00Z');
const delivery: Delivery = {
  id: 'message:CM-00000042',
  caseId: 'CS-00001001',
  kind: 'message',
  author: 'Ana Lopes (expereo NOC)',
  text: 'Carrier confirms the repair.',
  at: '2025-03-04T09:59:58.000Z',
};

let receiver: Receiver;
const sink = webhookSink({ timeoutMs: 300, now: () => NOW });
const link = (data: Record<string, unknown>): Link => ({ id: 'webhook:sink-test', kind: 'webhook', data });

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await sink.close();
  await receiver?.close();
});

async function failure(l: Link): Promise<SinkError> {
  const err = await sink.deliver(l, delivery).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SinkError);
  return err as SinkError;
}

describe('outbound webhook sink', () => {
  it('POSTs the delivery as JSON, signed over timestamp and body', async () => {
    receiver.answer = () => ({ status: 204 });
    await sink.deliver(link({ url: receiver.url, secret: SECRET }), delivery);
    const got = receiver.requests.at(-1)!;
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-bridge-delivery']).toBe('message:CM-00000042');
    expect(got.headers['x-bridge-timestamp']).toBe(String(NOW / 1000));
    expect(got.body).toEqual({ type: 'case.message', linkId: 'webhook:sink-test', delivery });
    const signed = {
      secret: SECRET,
      signature: got.headers['x-bridge-signature'] as string,
      timestamp: got.headers['x-bridge-timestamp'] as string,
      nowMs: NOW,
    };
    expect(verifyWebhook({ ...signed, body: got.raw })).toBe(true);
    expect(verifyWebhook({ ...signed, body: got.raw.replace('repair', 'repairs') })).toBe(false);
    expect(verifyWebhook({ ...signed, secret: 'another-secret-0123456789', body: got.raw })).toBe(false);
  });

  it('sends no signature header for a link without a secret', async () => {
    receiver.answer = () => ({ status: 200 });
    await sink.deliver(link({ url: receiver.url }), delivery);
    expect(receiver.requests.at(-1)!.headers['x-bridge-signature']).toBeUndefined();
  });

  it("turns a 429 into a retry after the receiver's Retry-After", async () => {
    receiver.answer = () => ({ status: 429, headers: { 'retry-after': '7' } });
    const err = await failure(link({ url: receiver.url }));
    expect(err).toMatchObject({ code: 'rate_limited', retryAfterMs: 7000, permanent: false });
  });

  it('treats a refusal as permanent and a server error or time-out as worth retrying', async () => {
    receiver.answer = () => ({ status: 404 });
    expect(await failure(link({ url: receiver.url }))).toMatchObject({ code: 'http_404', permanent: true });
    receiver.answer = () => ({ status: 502 });
    expect(await failure(link({ url: receiver.url }))).toMatchObject({ code: 'http_502', permanent: false });
    receiver.answer = () => 'hang';
    expect(await failure(link({ url: receiver.url }))).toMatchObject({ code: 'timeout', permanent: false });
  });

  it('refuses a link with no usable URL or a short secret for good', async () => {
    expect(await failure(link({}))).toMatchObject({ code: 'invalid_link', permanent: true });
    expect(await failure(link({ url: 'ftp://example.com/x' }))).toMatchObject({ code: 'invalid_link', permanent: true });
    expect(await failure(link({ url: receiver.url, secret: 'short' }))).toMatchObject({ code: 'invalid_link', permanent: true });
  });

  it('reports a refused connection as a network error', async () => {
    const closed = await startReceiver();
    const url = closed.url;
    await closed.close();
    expect(await failure(link({ url }))).toMatchObject({ code: 'network_error', permanent: false });
  });
});
