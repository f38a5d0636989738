import { ALERTS_INTAKE, isPermanentAlertError, type AlertIntakeEntry, type AlertsCapability } from '../src/alerts/alerts-capability.js';
import type { Metrics } from '../src/metrics.js';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { IntakeConsumer } from './intake/intake-consumer.js';
import { sharedReading, type LoopSlots } from './loop-share.js';

/** Reads the alerts intake: each alert group's notifications in order, through the incident logic. */
export function createAlertIntakeReader(deps: {
  redis: Redis;
  prefix: string;
  alerts: AlertsCapability;
  metrics: Metrics;
  log: Logger;
  slots?: LoopSlots;
}): IntakeConsumer<AlertIntakeEntry> {
  return new IntakeConsumer<AlertIntakeEntry>({
    redis: deps.redis,
    prefix: deps.prefix,
    name: ALERTS_INTAKE,
    log: deps.log,
    handle: (entry) => deps.alerts.handle(entry),
    permanent: isPermanentAlertError,
    onOutcome: (outcome) => deps.metrics.intakeEntries.inc({ intake: ALERTS_INTAKE, outcome }),
    ...sharedReading(deps.slots),
  });
}
