import type { App, Receiver } from '@slack/bolt';
import type { Intake } from '../intake/intake.js';
import type { SlackKeys } from './slack-keys.js';
import { TTL_S } from './slack-keys.js';

/**
 * Slack's Events API deliveries over HTTP are answered once they are in the Slack events intake
 * (src/intake): the worker role hands them to its own Bolt app, one channel's events in order.
 * Commands, shortcuts, modals and options stay in the request: Slack expects their answers.
 */
/** A Slack request body, parsed (JSON, or the fields of a form). */
export type SlackBody = Record<string, unknown>;

export const SLACK_EVENTS_INTAKE = 'slack-events';

export interface SlackEventEntry {
  body: SlackBody;
  retryNum?: number;
  retryReason?: string;
}

/** Events of one channel (a thread's replies among them) are handled in the order Slack sent them. */
export function orderKeyOf(body: SlackBody): string {
  const event = body.event as { channel?: unknown; item?: { channel?: unknown } } | undefined;
  const channel = typeof event?.channel === 'string' ? event.channel : typeof event?.item?.channel === 'string' ? event.item.channel : undefined;
  const team = typeof body.team_id === 'string' ? body.team_id : 'team';
  return channel ? `${team}:${channel}` : team;
}

/**
 * Takes an event in: appended once per event id (Slack redelivers an event it thinks went
 * unanswered; the repeat is acknowledged and dropped, atomically with the first one's append).
 */
export function acceptSlackEvent(intake: Intake<SlackEventEntry>, keys: SlackKeys) {
  return async (body: SlackBody, retry: { retryNum?: number; retryReason?: string }, json?: string): Promise<{ id?: string; repeat: boolean }> => {
    const entry = entryJson(body, retry, json);
    const eventId = body.event_id;
    if (typeof eventId !== 'string' || eventId === '') return { id: await intake.appendJson(orderKeyOf(body), entry), repeat: false };
    const id = await intake.appendOnceJson(orderKeyOf(body), entry, keys.event(eventId), TTL_S.event);
    return { id, repeat: id === undefined };
  };
}

/** A `SlackEventEntry` as JSON, splicing in the request's own JSON text when given (it parsed into `body`). */
function entryJson(body: SlackBody, retry: { retryNum?: number; retryReason?: string }, json: string | undefined): string {
  if (json === undefined) return JSON.stringify({ body, ...retry } satisfies SlackEventEntry);
  const head = JSON.stringify({ ...retry }).slice(0, -1);
  return `${head}${head.length > 1 ? ',' : ''}"body":${json}}`;
}

/**
 * The worker's Bolt receiver: entries from the intake instead of HTTP requests. Events need no
 * answer (they were acknowledged on arrival), so `ack` does nothing; a listener's failure rejects,
 * so that the intake tries the event again.
 */
export class IntakeBoltReceiver implements Receiver {
  private app: App | undefined;

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {
    // Fed by the intake consumer; nothing to start.
  }

  async stop(): Promise<void> {
    // The intake consumer finishes its round before it closes.
  }

  async handle(entry: SlackEventEntry): Promise<void> {
    if (!this.app) throw new Error('the Slack intake receiver has no app');
    await this.app.processEvent({ body: entry.body, retryNum: entry.retryNum, retryReason: entry.retryReason, ack: async () => undefined });
  }
}
