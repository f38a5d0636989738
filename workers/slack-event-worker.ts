import type { Redis } from 'ioredis';
import type { Metrics } from '../src/metrics.js';
import { BotIdentity, createBoltApp } from '../src/slack/bolt-app.js';
import { IntakeBoltReceiver, SLACK_EVENTS_INTAKE, type SlackEventEntry } from '../src/slack/event-intake.js';
import type { SlackCapability } from '../src/slack/slack-capability.js';
import { IntakeConsumer } from './intake/intake-consumer.js';
import { sharedReading, type LoopSlots } from './loop-share.js';

/**
 * Reads the Slack events intake into the worker's own Bolt app, one channel's events in order; a
 * listener's failure leaves the event in the intake for another try.
 */
export function createSlackEventReader(deps: {
  redis: Redis;
  prefix: string;
  slack: SlackCapability;
  metrics: Metrics;
  slots?: LoopSlots;
}): IntakeConsumer<SlackEventEntry> {
  const ctx = deps.slack.background;
  const receiver = new IntakeBoltReceiver();
  const identity = new BotIdentity(ctx);
  createBoltApp(ctx, deps.slack.settings, receiver, identity);
  void identity.learn();
  return new IntakeConsumer<SlackEventEntry>({
    redis: deps.redis,
    prefix: deps.prefix,
    name: SLACK_EVENTS_INTAKE,
    log: ctx.log,
    handle: ({ payload }) => receiver.handle(payload),
    permanent: () => false,
    onOutcome: (outcome) => deps.metrics.intakeEntries.inc({ intake: SLACK_EVENTS_INTAKE, outcome }),
    ...sharedReading(deps.slots),
  });
}
