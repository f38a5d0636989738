import type { Dispatcher } from 'undici';

/** One comment the bridge writes on a ticket. */
export interface Post {
  /** Unique per ticket and thing posted: the receiver's idempotency key where it has one. */
  key: string;
  kind: 'reply' | 'status' | 'note';
  /** The full comment text, ending with the bridge's marker line. */
  text: string;
  marker: string;
  caseId?: string;
  author?: string;
  /** When it happened upstream (ISO 8601). */
  at: string;
  status?: { from?: string; to: string; closed: boolean };
}

/** Writing comments on one service desk's tickets. Each call is one attempt; retries are the caller's. */
export interface TicketClient {
  /** Adds a comment; resolves with the tool's id for it when the tool returns one. */
  addComment(ticketId: string, post: Post, signal?: AbortSignal): Promise<{ commentId?: string }>;
  /**
   * Looks for a comment containing `marker` (a post whose answer was lost may have landed).
   * `unsupported` when the tool cannot be asked; the receiver then dedups by the post's key.
   */
  findComment(ticketId: string, marker: string, signal?: AbortSignal): Promise<{ commentId?: string } | undefined | 'unsupported'>;
  /** A person's name by the tool's id for them, where the tool's payloads give only the id (Zendesk). */
  personName?(personId: string, signal?: AbortSignal): Promise<string | undefined>;
}

export interface ClientContext {
  timeoutMs: number;
  dispatcher?: Dispatcher;
}
