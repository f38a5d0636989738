import { z } from 'zod';
import { policySchema, type Policy } from './policy.js';
import { incidentHash } from './incident-key.js';

/**
 * What the bridge remembers of one incident between notifications (one JSON value in Redis):
 *
 * - `phase`: `idle` (no case for now), `holding` (firing, waiting out the hold-down), `open` (the case
 *   was told it fires), `resolved` (the case was told it resolved; the reopen window runs).
 * - `episode`: how many cases this incident has opened; a fire after the reopen window opens the next.
 * - `firing`: the alerts firing now, by id; `reported`: the alerts the case was last told are firing.
 *   Writes are made from the difference, so a repeated notification writes nothing.
 * - `past`: the last instance of each alert that ended (its `startsAt` and `endsAt`), for as long as a
 *   late copy of it could reopen the case or count as a flap (`pastHorizonMs`); a copy of an instance
 *   remembered here changes nothing.
 * - `toggles`: times the incident went firing⇄resolved inside the flap window; `damped` while
 *   updates are held back for one summary.
 * - `order`: counter for the planned writes and timers, which keeps them in order in Redis.
 */

const labels = z.record(z.string(), z.string());

export const alertInfoSchema = z.object({
  id: z.string(),
  fingerprint: z.string(),
  name: z.string(),
  labels,
  annotations: labels,
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  links: z.array(z.object({ title: z.string(), url: z.string() })),
  values: z.string().optional(),
});

/** Enough of an alert to name it on the case after it is gone. */
export const alertRefSchema = z.object({ name: z.string(), fingerprint: z.string(), startsAt: z.string().optional() });
export type AlertRef = z.infer<typeof alertRefSchema>;

/** An alert instance that ended: its times as the source gave them, and when the bridge learnt of it. */
export const pastInstanceSchema = z.object({ startsAt: z.string(), endsAt: z.string().optional(), at: z.number() });
export type PastInstance = z.infer<typeof pastInstanceSchema>;

export const incidentStateSchema = z.object({
  key: z.string(),
  hash: z.string(),
  phase: z.enum(['idle', 'holding', 'open', 'resolved']),
  episode: z.number().int().min(0),
  createKey: z.string().optional(),
  caseId: z.string().optional(),
  /** Writes planned in this episode: numbers message and update keys. */
  seq: z.number().int().min(0),
  firing: z.record(z.string(), alertInfoSchema),
  reported: z.record(z.string(), alertRefSchema),
  /** Absent from states stored before instances were remembered. */
  past: z.record(z.string(), pastInstanceSchema).default({}),
  holdSeq: z.number().int().min(0),
  holdUntil: z.number().optional(),
  toggles: z.array(z.number()),
  lastToggleAt: z.number().optional(),
  flapSeq: z.number().int().min(0),
  damped: z.object({ seq: z.number().int(), since: z.number(), toggles: z.number().int(), seen: z.record(z.string(), z.string()) }).optional(),
  resolvedAt: z.number().optional(),
  order: z.number().int().min(0),
  /** Shown on the case when it is opened (possibly later, when the hold-down ends). */
  context: z.object({ author: z.string(), title: z.string().optional(), externalURL: z.string().optional() }),
  policy: policySchema,
});
export type IncidentState = z.infer<typeof incidentStateSchema>;

export function initialState(key: string, policy: Policy): IncidentState {
  return {
    key,
    hash: incidentHash(key),
    phase: 'idle',
    episode: 0,
    seq: 0,
    firing: {},
    reported: {},
    past: {},
    holdSeq: 0,
    toggles: [],
    flapSeq: 0,
    order: 0,
    context: { author: policy.author },
    policy,
  };
}
