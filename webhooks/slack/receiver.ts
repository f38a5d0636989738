import { ReceiverMultipleAckError, type App, type Receiver, type ReceiverEvent } from '@slack/bolt';
import type { Logger } from 'pino';
import type { SlackBody } from './parse-body.js';
import { BridgeError, isStoreUnavailable } from '../../src/errors.js';

/** What to answer Slack: nothing (empty 200), text, or JSON (modal errors, options, ephemeral replies). */
export type AckResponse = string | Record<string, unknown> | undefined;

/**
 * Bolt's side of the Fastify route: hands a verified, parsed request to the Bolt app and resolves
 * with the listener's `ack()` as soon as it is called, while the listener goes on with its work.
 * Fastify owns the server, so start and stop only concern the work still in flight.
 */
export class FastifyBoltReceiver implements Receiver {
  private app: App | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: { log: Logger; ackTimeoutMs: number }) {}

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {
    // Fastify listens; nothing to start.
  }

  /** Waits for listeners still working after their acknowledgement. Idempotent. */
  async stop(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  dispatch(body: SlackBody, retry: { retryNum?: number; retryReason?: string }): Promise<AckResponse> {
    const app = this.app;
    if (!app) return Promise.reject(new Error('the Slack receiver has no app'));
    return new Promise<AckResponse>((resolve, reject) => {
      let answered = false;
      let acked = false;
      const answer = (fn: () => void) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        fn();
      };
      // A listener that never acknowledges must not make Slack time out and retry.
      const timer = setTimeout(() => {
        this.o.log.warn({ type: body.type }, 'Slack request not acknowledged in time; answering empty');
        answer(() => resolve(undefined));
      }, this.o.ackTimeoutMs);
      const event: ReceiverEvent = {
        body,
        retryNum: retry.retryNum,
        retryReason: retry.retryReason,
        ack: async (response?: AckResponse) => {
          if (acked) throw new ReceiverMultipleAckError();
          acked = true;
          answer(() => resolve(response));
          // Let the route write the answer before the listener carries on with its slower work.
          await new Promise<void>((r) => setImmediate(r));
        },
      };
      const work = app.processEvent(event).then(
        () => answer(() => resolve(undefined)),
        (err: unknown) => {
          if (answered) this.o.log.error({ err }, 'Slack listener failed after acknowledging');
          // Failing before any acknowledgement: our own errors keep their code, Redis failing is a
          // 503 (the person can submit again); anything else is Bolt or a listener refusing a
          // request whose shape it cannot read.
          answer(() => {
            if (err instanceof BridgeError) return reject(err);
            if (isStoreUnavailable(err)) return reject(new BridgeError('queue_unavailable', 'Redis is unavailable', { cause: err }));
            this.o.log.warn({ err, type: body.type }, 'Slack request could not be dispatched');
            reject(new BridgeError('invalid_request', 'the Slack request has a shape that cannot be handled'));
          });
        },
      );
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    });
  }
}
