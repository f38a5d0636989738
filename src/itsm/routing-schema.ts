import { z } from 'zod';

/** The `itsm` section of the routing file. */
export const itsmRoutingSchema = z.record(z.string(), z.unknown());
export type ItsmRouting = z.infer<typeof itsmRoutingSchema>;
