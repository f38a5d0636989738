import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { alertsRoutingSchema } from '../alerts/routing-schema.js';
import { itsmRoutingSchema } from '../itsm/routing-schema.js';
import { slackRoutingSchema } from '../slack/routing-schema.js';
import { ConfigError } from './config-error.js';

/**
 * The routing file (`BRIDGE_CONFIG`, YAML or JSON): which Slack channels, alert sources and ITSM
 * connectors map to which expereo accounts and services. Each capability owns one section.
 */
export const routingSchema = z
  .object({
    version: z.literal(1).default(1),
    slack: slackRoutingSchema.optional(),
    alerts: alertsRoutingSchema.optional(),
    itsm: itsmRoutingSchema.optional(),
  })
  .strict();

export type RoutingConfig = z.infer<typeof routingSchema>;

/** Parses and validates routing text; `undefined` gives the empty routing (nothing mapped). */
export function loadRoutingFile(text: string | undefined, path = 'BRIDGE_CONFIG'): RoutingConfig {
  if (text === undefined) return routingSchema.parse({});
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`BRIDGE_CONFIG (${path}): not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`]);
  }
  const parsed = routingSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `BRIDGE_CONFIG (${path}): ${issue.path.join('.') || '(top level)'}: ${issue.message}`));
  }
  return parsed.data;
}
