import { BridgeError } from '../errors.js';
import type { Link } from '../writes/catalog.js';

/** One thing to show in a linked conversation: an engineer's reply or a status change. */
export interface Delivery {
  /** Unique per case and thing delivered; sinks may use it to make a repeated delivery harmless. */
  id: string;
  caseId: string;
  kind: 'message' | 'status';
  /** Who wrote it (the engineer's name), for messages. */
  author?: string;
  /** The message text, or a note describing the status change. */
  text: string;
  /** When it happened upstream (ISO 8601). */
  at: string;
  status?: { from?: string; to: string; closed: boolean };
}

/** Where mirrored replies go, one per link kind: Slack thread, ITSM ticket, outbound webhook. */
export interface ReplySink {
  kind: Link['kind'];
  deliver(link: Link, delivery: Delivery, signal?: AbortSignal): Promise<void>;
}

/** A delivery that failed. `retryAfterMs` when the other side said when (Slack's 429). */
export class SinkError extends BridgeError {
  readonly retryAfterMs: number | undefined;
  readonly permanent: boolean;

  constructor(code: string, message: string, opts: { retryAfterMs?: number; permanent?: boolean; cause?: unknown } = {}) {
    super(code, message, { cause: opts.cause });
    this.retryAfterMs = opts.retryAfterMs;
    this.permanent = opts.permanent ?? false;
  }
}
