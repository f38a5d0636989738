import { markerOf } from './comment-text.js';
import type { Post, TicketClient } from './clients/ticket-client.js';
import type { ItsmState } from './itsm-state.js';

/**
 * Posts a comment on a ticket at most once per `postId`, however often it is asked: a post already
 * done is skipped; one that was begun but whose answer was lost is looked for on the ticket (by its
 * marker) before it is posted again. One attempt per call; the caller retries.
 */
export class TicketWriter {
  constructor(
    private readonly state: ItsmState,
    private readonly clientOf: (connector: string) => TicketClient | undefined,
  ) {}

  canPost(connector: string): boolean {
    return this.clientOf(connector) !== undefined;
  }

  async post(
    connector: string,
    ticketId: string,
    postId: string,
    build: (marker: string) => Omit<Post, 'key' | 'marker'>,
    signal?: AbortSignal,
  ): Promise<'posted' | 'found' | 'already'> {
    const client = this.clientOf(connector);
    if (!client) throw new Error(`no outbound client for connector ${connector}`);
    const previous = await this.state.postState(connector, ticketId, postId);
    if (previous === 'done') return 'already';
    const marker = markerOf(connector, ticketId, postId);
    if (previous === 'pending') {
      const found = await client.findComment(ticketId, marker, signal);
      if (found && found !== 'unsupported') {
        await this.state.finishPost(connector, ticketId, postId, found.commentId);
        return 'found';
      }
    }
    const post: Post = { ...build(marker), key: `${connector}:${marker}`, marker };
    await this.state.beginPost(connector, ticketId, postId, marker, post.text);
    const { commentId } = await client.addComment(ticketId, post, signal);
    await this.state.finishPost(connector, ticketId, postId, commentId);
    return 'posted';
  }
}
