import { z } from 'zod';
import { caseTypeSchema, prioritySchema } from '../expereo/v2-contract.js';
import { parsePath } from './field-path.js';

/** The parts of a connector's routing entry that say how its tickets are read and mapped. */

const lower = (s: string) => s.toLowerCase();
export const baseUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
export const secret = z.string().min(8, 'must be at least 8 characters long');
export const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name')
  .transform(lower);

const pathString = z.string().superRefine((p, ctx) => {
  if (!parsePath(p)) ctx.addIssue({ code: 'custom', message: `not a field path: "${p}" (use dots and [index], e.g. a.b[0].c)` });
});
const viewPath = pathString.superRefine((p, ctx) => {
  if (!/^(ticket|payload)(\.|\[|$)/.test(p)) ctx.addIssue({ code: 'custom', message: 'must start with ticket. or payload.' });
});

const conditionSchema = z
  .object({
    path: viewPath,
    equals: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    matches: z
      .string()
      .superRefine((re, ctx) => {
        try {
          new RegExp(re, 'i');
        } catch {
          ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${re}` });
        }
      })
      .optional(),
    present: z.boolean().optional(),
  })
  .strict()
  .refine((c) => [c.equals, c.matches, c.present].filter((v) => v !== undefined).length === 1, 'give exactly one of equals, matches, present');
export type Condition = z.infer<typeof conditionSchema>;

const ruleSchema = z
  .object({
    when: z.union([conditionSchema, z.array(conditionSchema).min(1)]).transform((w) => (Array.isArray(w) ? w : [w])),
    type: caseTypeSchema.optional(),
    subject: z.string().min(1).optional(),
    priority: prioritySchema.optional(),
  })
  .strict();
export type Rule = z.infer<typeof ruleSchema>;

const defaultsSchema = z
  .object({
    type: caseTypeSchema.default('Incident'),
    subject: z.string().min(1).default('ServiceDegradation'),
    priority: prioritySchema.default('P3'),
    serviceId: z.string().min(1).optional(),
    siteId: z.string().min(1).optional(),
  })
  .strict();

/** What every connector shares: how tickets become cases, and when the ticket is told back. */
export const mappingShape = {
  /** The expereo account these tickets belong to (kept on the link, for operators). */
  account: z.string().min(1).optional(),
  /** Shown as the message author's `via` (default: the tool's name). */
  label: z.string().min(1).max(50).optional(),
  defaults: defaultsSchema.default({ type: 'Incident', subject: 'ServiceDegradation', priority: 'P3' }),
  priorityMap: z
    .record(z.string(), prioritySchema)
    .default({})
    .transform((m) => lowerKeys(m)),
  statusMap: z
    .record(z.string(), z.string().min(1))
    .default({})
    .transform((m) => lowerKeys(m)),
  rules: z.array(ruleSchema).default([]),
  /** A created ticket becomes a case only if all of these hold (others: 202, ignored). */
  accept: z.array(conditionSchema).default([]),
  servicePath: viewPath.optional(),
  sitePath: viewPath.optional(),
  /** `public`: internal notes on the ticket stay in the service desk. */
  comments: z.enum(['all', 'public']).default('all'),
  /** Write a note on the ticket when its case is opened, and when a write to expereo failed. */
  notify: z
    .object({ created: z.boolean().default(true), failed: z.boolean().default(true) })
    .strict()
    .default({ created: true, failed: true }),
  /** Deliveries whose own timestamp is older than this are refused (401). */
  maxAgeSeconds: z
    .number()
    .int()
    .min(10)
    .max(7 * 86_400)
    .optional(),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
};

/** Signature by HMAC-SHA256 of the raw body in a header, or a shared bearer token. */
const hmacAuth = z
  .object({
    type: z.literal('hmac'),
    secret,
    header: headerName.default('x-signature'),
    encoding: z.enum(['hex', 'base64']).default('hex'),
    /** Text before the digest in the header, e.g. `sha256=`. */
    prefix: z.string().default(''),
    /** When set, the signed text is `<timestamp>.<body>` and old timestamps are refused. */
    timestampHeader: headerName.optional(),
  })
  .strict();
const bearerAuth = z.object({ type: z.literal('bearer'), token: z.string().min(16, 'must be at least 16 characters long') }).strict();
const headerAuth = z.discriminatedUnion('type', [hmacAuth, bearerAuth]);
export type HeaderAuth = z.infer<typeof headerAuth>;

/** Where each part of a customer-defined payload is (ServiceNow business rule, generic JSON). */
export const fieldPathsSchema = z
  .object({
    event: pathString,
    ticketId: pathString,
    ticketNumber: pathString,
    title: pathString,
    description: pathString,
    priority: pathString,
    type: pathString,
    status: pathString,
    createdAt: pathString,
    reporter: pathString,
    url: pathString,
    labels: pathString,
    changed: pathString,
    eventId: pathString,
    deliveryId: pathString,
    timestamp: pathString,
    commentId: pathString,
    commentText: pathString,
    commentAuthor: pathString,
    commentAt: pathString,
    commentPublic: pathString,
  })
  .partial()
  .strict();
export type FieldPaths = z.infer<typeof fieldPathsSchema>;

const eventNames = z
  .object({ created: z.array(z.string()).optional(), updated: z.array(z.string()).optional(), commented: z.array(z.string()).optional() })
  .strict()
  .default({});

export const declarativeShape = {
  auth: headerAuth,
  fieldPaths: fieldPathsSchema.default({}),
  /** Event names (any case) meaning created / updated / commented, added to the defaults. */
  events: eventNames,
  /** Header carrying a unique id per delivery (else `fieldPaths.deliveryId`, else a hash of the body). */
  deliveryIdHeader: headerName.optional(),
};

function lowerKeys<V>(m: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k.trim().toLowerCase(), v]));
}
