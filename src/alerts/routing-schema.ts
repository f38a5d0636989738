import { z } from 'zod';

/** The `alerts` section of the routing file. */
export const alertsRoutingSchema = z.record(z.string(), z.unknown());
export type AlertsRouting = z.infer<typeof alertsRoutingSchema>;
