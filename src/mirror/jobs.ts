import { z } from 'zod';
import { hashId } from './mirror-keys.js';

/** Reply mirroring's queues and the data of their jobs (their options are in src/job-catalog.ts). */
export const MIRROR_QUEUES = { scan: 'mirror-scan', fetch: 'mirror-fetch', deliveries: 'deliveries' } as const;

/** What a recent-first scan already knows about a case, so that the fetch need not read it again. */
export const caseInfoSchema = z.object({
  modified: z.string().nullable(),
  status: z.string().nullable(),
  /** Fingerprint of the case's description: the thread's opening message, never mirrored. */
  descriptionFp: z.string().nullable(),
});
export type CaseInfo = z.infer<typeof caseInfoSchema>;

export const fetchJobSchema = z.object({
  caseId: z.string().min(1),
  info: caseInfoSchema.optional(),
  /** When this look first waited for a write of the bridge to the case to settle (ms). */
  waitingSince: z.number().optional(),
});
export type FetchJob = z.infer<typeof fetchJobSchema>;

export const deliverySchema = z.object({
  id: z.string().min(1),
  caseId: z.string().min(1),
  kind: z.enum(['message', 'status']),
  author: z.string().optional(),
  text: z.string(),
  at: z.string(),
  status: z.object({ from: z.string().optional(), to: z.string(), closed: z.boolean() }).optional(),
});

export const deliveryJobSchema = z.object({
  caseId: z.string().min(1),
  linkId: z.string().min(1),
  delivery: deliverySchema,
  /** Times the other side asked us to come back later (429); bounded so it cannot loop forever. */
  deferrals: z.number().int().min(0).default(0),
});
export type DeliveryJob = z.infer<typeof deliveryJobSchema>;

/** Most Retry-After deferrals before a delivery counts its waits as failed attempts. */
export const MAX_DEFERRALS = 20;

/** One job per case: a second change seen while the first fetch waits is covered by it. */
export function fetchJobId(caseId: string): string {
  return hashId('f', caseId);
}

/** One job per (conversation, thing delivered): queueing it twice has no second effect. */
export function deliveryJobId(caseId: string, linkId: string, deliveryId: string): string {
  return hashId('d', caseId, linkId, deliveryId);
}
