import { z } from 'zod';

/**
 * Everything the bridge assumes about expereoOne API V2 beyond the vendor's onboarding guide, in one
 * place, so that the real OpenAPI document can correct it here and nowhere else. Schemas keep fields
 * they do not know (the vendor says new fields will appear) and require only what the bridge uses.
 */

const text = z.string().nullish();

export const accountSchema = z.looseObject({ accountId: z.string(), name: text, legalName: text });
export const siteSchema = z.looseObject({ siteId: z.string(), accountId: text, name: text, city: text, country: text });
export const serviceSchema = z.looseObject({
  serviceId: z.string(),
  accountId: text,
  siteId: text,
  serviceName: text,
  status: text,
  plannedDeliveryDate: text,
  readyForServiceDate: text,
});
export const apiClientSchema = z.looseObject({ apiClientId: z.string(), name: text });
export const invoiceSchema = z.looseObject({ invoiceId: z.string(), accountId: text, invoiceDate: text, status: text });
export const invoiceLineSchema = z.looseObject({});

/** Assumed V2 case fields (V1's, renamed): status is an open string; "closed" is configured. */
export const caseSchema = z.looseObject({
  caseId: z.string(),
  accountId: text,
  subject: text,
  type: text,
  priority: text,
  status: text,
  serviceId: text,
  siteId: text,
  customerReference: text,
  origin: text,
  startOfIncident: text,
  description: text,
  createdDate: text,
  lastModifiedDate: text,
});

export const caseMessageSchema = z.looseObject({
  caseMessageId: z.string(),
  message: z
    .string()
    .nullish()
    .transform((m) => m ?? ''),
  type: text,
  sentBy: text,
  timestamp: text,
});

export type Account = z.infer<typeof accountSchema>;
export type Site = z.infer<typeof siteSchema>;
export type Service = z.infer<typeof serviceSchema>;
export type ApiClient = z.infer<typeof apiClientSchema>;
export type Invoice = z.infer<typeof invoiceSchema>;
export type InvoiceLine = z.infer<typeof invoiceLineSchema>;
export type Case = z.infer<typeof caseSchema>;
export type CaseMessage = z.infer<typeof caseMessageSchema>;

/** Case types, subjects and priorities (from V1's documentation). */
export const CASE_TYPES = {
  Incident: {
    subjects: ['RfoRequest', 'ServiceDegradation', 'ServiceIntermittent', 'ServiceDown'],
    priorities: ['P1', 'P2', 'P3', 'P4', 'P5'],
  },
  'General Request': {
    subjects: ['ActivationSupport', 'ChangeRequest', 'EngineerDispatch', 'InformationRequest', 'Other', 'SoftwareUpdate', 'UtilizationReport'],
    priorities: ['P3', 'P4', 'P5'],
  },
} as const;

export type CaseType = keyof typeof CASE_TYPES;
export const caseTypeSchema = z.enum(['Incident', 'General Request']);
export const prioritySchema = z.enum(['P1', 'P2', 'P3', 'P4', 'P5']);

/** Adds an issue for a subject or priority that the case type does not allow. */
export function checkCaseType(c: { type: keyof typeof CASE_TYPES; subject: string; priority: string }, ctx: z.RefinementCtx): void {
  const rules = CASE_TYPES[c.type];
  if (!(rules.subjects as readonly string[]).includes(c.subject)) {
    ctx.addIssue({ code: 'custom', path: ['subject'], message: `must be one of ${rules.subjects.join(', ')} for ${c.type}` });
  }
  if (!(rules.priorities as readonly string[]).includes(c.priority)) {
    ctx.addIssue({ code: 'custom', path: ['priority'], message: `must be one of ${rules.priorities.join(', ')} for ${c.type}` });
  }
}

/** Body of `POST /v2/cases`: V1's creation fields; the first message travels as `description`. */
export const createCaseBodySchema = z
  .object({
    type: caseTypeSchema,
    subject: z.string().min(1),
    priority: prioritySchema,
    serviceId: z.string().min(1),
    siteId: z.string().min(1).optional(),
    description: z.string().min(1),
    startOfIncident: z.iso.datetime({ offset: true }).optional(),
    customerReference: z.string().min(1).max(255).optional(),
    origin: z.string().optional(),
  })
  .superRefine((body, ctx) => {
    checkCaseType(body, ctx);
    if (body.type === 'Incident' && !body.startOfIncident) {
      ctx.addIssue({ code: 'custom', path: ['startOfIncident'], message: 'is required for an incident' });
    }
  });
export type CreateCaseBody = z.infer<typeof createCaseBodySchema>;

/** Body of `PATCH /v2/cases/{id}`: the fields a customer may change. */
export const updateCaseBodySchema = z
  .object({
    priority: prioritySchema.optional(),
    status: z.string().min(1).optional(),
    subject: z.string().min(1).optional(),
    description: z.string().min(1).optional(),
    siteId: z.string().min(1).optional(),
    customerReference: z.string().min(1).max(255).optional(),
  })
  .refine((body) => Object.values(body).some((v) => v !== undefined), 'an update needs at least one field');
export type UpdateCaseBody = z.infer<typeof updateCaseBodySchema>;

/** Body of `POST /v2/cases/{id}/case-messages`. */
export const addMessageBodySchema = z.object({ message: z.string().min(1) });
export type AddMessageBody = z.infer<typeof addMessageBodySchema>;

/** Single resources may come bare or wrapped as `{ data: … }`; accept both. */
export function unwrapSingle(body: unknown): unknown {
  if (body && typeof body === 'object' && 'data' in body) {
    const data = (body as { data: unknown }).data;
    if (data && typeof data === 'object' && !Array.isArray(data)) return data;
  }
  return body;
}

/** List envelope from the guide. `total` may be null. */
export const listEnvelopeSchema = z.looseObject({
  data: z.array(z.unknown()),
  metadata: z
    .looseObject({
      offset: z.number().nullish(),
      limit: z.number().nullish(),
      hasMore: z.boolean().nullish(),
      total: z.number().nullish(),
    })
    .nullish(),
  links: z.looseObject({ self: z.string().nullish(), next: z.string().nullish(), previous: z.string().nullish() }).nullish(),
});

/** Field names in `sort` and `filter[...]` are PascalCase: `lastModifiedDate` → `LastModifiedDate`. */
export function queryFieldName(field: string): string {
  return field.charAt(0).toUpperCase() + field.slice(1);
}

/** `sort=-LastModifiedDate` lists most recently changed cases first (a V1 capability, assumed). */
export const RECENTLY_MODIFIED_SORT = `-${queryFieldName('lastModifiedDate')}`;

export const MAX_PAGE_LIMIT = 200;
