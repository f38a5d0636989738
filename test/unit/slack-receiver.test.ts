import type { App, ReceiverEvent } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { FastifyBoltReceiver } from '../../webhooks/slack/receiver.js';
import { BridgeError } from '../../src/errors.js';

/** A Bolt app stand-in: its processEvent is the listener under test. */
function receiverWith(processEvent: (event: ReceiverEvent) => Promise<void>, ackTimeoutMs = 1000) {
  const receiver = new FastifyBoltReceiver({ log: createLogger('silent'), ackTimeoutMs });
  receiver.init({ processEvent } as unknown as App);
  return receiver;
}

describe('the Bolt receiver behind the Fastify route', () => {
  it('answers with what the listener acknowledges while the listener carries on', async () => {
    let finished = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const receiver = receiverWith(async ({ ack }) => {
      await ack({ response_action: 'clear' });
      await gate;
      finished = true;
    });
    await expect(receiver.dispatch({ type: 'view_submission' }, {})).resolves.toEqual({ response_action: 'clear' });
    expect(finished).toBe(false);
    const stopped = receiver.stop();
    release();
    await stopped;
    expect(finished).toBe(true);
  });

  it('answers empty when the listener ends without acknowledging, or takes too long', async () => {
    await expect(receiverWith(async () => undefined).dispatch({ type: 'x' }, {})).resolves.toBeUndefined();
    let release!: () => void;
    const slow = receiverWith(() => new Promise<void>((r) => (release = r)), 20);
    await expect(slow.dispatch({ type: 'x' }, {})).resolves.toBeUndefined();
    release();
    await slow.stop();
  });

  it('fails the request when the listener fails before acknowledging', async () => {
    // Bolt failing on a shape it cannot read is the request's fault: a 400, not a 500.
    const unreadable = receiverWith(async () => {
      throw new TypeError('boom');
    });
    await expect(unreadable.dispatch({ type: 'x' }, {})).rejects.toMatchObject({ code: 'invalid_request' });
    // The bridge's own errors keep their code (Redis away: 503).
    const unavailable = receiverWith(async () => {
      throw new BridgeError('queue_unavailable', 'no Redis');
    });
    await expect(unavailable.dispatch({ type: 'x' }, {})).rejects.toMatchObject({ code: 'queue_unavailable' });
    // Redis failing under a listener (a modal's claim while the connection is down) is a 503 too.
    const redisAway = receiverWith(async () => {
      throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
    });
    await expect(redisAway.dispatch({ type: 'view_submission' }, {})).rejects.toMatchObject({ code: 'queue_unavailable' });
  });

  it('refuses a second acknowledgement and passes the retry number on', async () => {
    let second: unknown;
    let seen: ReceiverEvent | undefined;
    const receiver = receiverWith(async (event) => {
      seen = event;
      await event.ack();
      second = await event.ack().catch((e: unknown) => e);
    });
    await receiver.dispatch({ type: 'event_callback' }, { retryNum: 2, retryReason: 'http_timeout' });
    await receiver.stop();
    expect((second as { code?: string }).code).toBe('slack_bolt_receiver_ack_multiple_error');
    expect(seen).toMatchObject({ retryNum: 2, retryReason: 'http_timeout' });
  });
});
