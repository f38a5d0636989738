import { z } from 'zod';
import { addMessageBodySchema, createCaseBodySchema, updateCaseBodySchema } from '../expereo/v2-contract.js';

/**
 * The typed catalog of case writes: every source (Slack, ITSM tools, alerts, admin) asks for one of
 * these, validated here when it is enqueued and again when a worker takes it.
 */

/** Idempotency key: the source and the source's own event id, e.g. `slack:T01:1700000000.123`. */
export const writeKeySchema = z
  .string()
  .min(3)
  .max(200)
  .regex(/^[A-Za-z0-9][\x21-\x7e]*$/, 'printable ASCII without spaces, starting with a letter or digit');

/** Who asked for a write, so that its result or failure can be reported back there. */
export const originSchema = z.object({
  kind: z.enum(['slack', 'itsm', 'alert', 'webhook', 'admin', 'test']),
  /** The conversation within the source: a Slack thread, an ITSM ticket, an alert incident. */
  ref: z.string().min(1).max(500),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type Origin = z.infer<typeof originSchema>;

/**
 * A conversation linked to a case: replies from expereo are delivered there. `id` is unique per
 * conversation (e.g. `slack:T01:C02:1700000000.123`).
 */
export const linkSchema = z.object({
  id: z.string().min(1).max(500),
  kind: z.enum(['slack', 'itsm', 'alert', 'webhook']),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type Link = z.infer<typeof linkSchema>;

/** A case that exists (`caseId`) or one whose create is still queued (`createKey`). */
export const caseRefSchema = z.union([z.object({ caseId: z.string().min(1).max(100) }).strict(), z.object({ createKey: writeKeySchema }).strict()]);
export type CaseRef = z.infer<typeof caseRefSchema>;

const common = { key: writeKeySchema, origin: originSchema };

export const createWriteSchema = z.object({
  kind: z.literal('create'),
  ...common,
  body: createCaseBodySchema,
  /** Conversations to link to the case once it exists. */
  links: z.array(linkSchema).max(10).default([]),
});

export const updateWriteSchema = z.object({
  kind: z.literal('update'),
  ...common,
  case: caseRefSchema,
  fields: updateCaseBodySchema,
});

export const messageWriteSchema = z.object({
  kind: z.literal('message'),
  ...common,
  case: caseRefSchema,
  author: z.object({ name: z.string().min(1).max(200), via: z.string().min(1).max(50) }),
  text: addMessageBodySchema.shape.message.max(30_000),
  /** When the author wrote it (ISO 8601). */
  at: z.iso.datetime({ offset: true }),
  /** Written by a person (Slack, an ITSM agent) rather than by automation: a higher lane. */
  human: z.boolean(),
});

export const writeRequestSchema = z.discriminatedUnion('kind', [createWriteSchema, updateWriteSchema, messageWriteSchema]);

export type CreateWrite = z.infer<typeof createWriteSchema>;
export type UpdateWrite = z.infer<typeof updateWriteSchema>;
export type MessageWrite = z.infer<typeof messageWriteSchema>;
export type WriteRequest = z.infer<typeof writeRequestSchema>;
/** What callers pass in (defaults not yet applied). */
export type WriteRequestInput = z.input<typeof writeRequestSchema>;

/** Jobs on the outcome queue: results and failures told back to where a write came from. */
export const outcomeSchema = z.object({
  type: z.enum(['done', 'failed']),
  key: writeKeySchema,
  kind: z.enum(['create', 'update', 'message']),
  origin: originSchema,
  caseId: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string(), fieldErrors: z.array(z.object({ field: z.string(), message: z.string() })) }).optional(),
});
export type Outcome = z.infer<typeof outcomeSchema>;

/** Tells a source what became of its write (Slack updates its message, an ITSM ticket gets a note…). */
export type OutcomeHandler = (outcome: Outcome) => Promise<void>;
export type OutcomeHandlers = Partial<Record<Origin['kind'], OutcomeHandler>>;
