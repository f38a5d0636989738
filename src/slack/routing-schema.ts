import { z } from 'zod';

/** The `slack` section of the routing file. */
export const slackRoutingSchema = z.record(z.string(), z.unknown());
export type SlackRouting = z.infer<typeof slackRoutingSchema>;
