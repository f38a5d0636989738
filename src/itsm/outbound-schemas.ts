import { z } from 'zod';
import { baseUrl, secret } from './connector-fields.js';

/** Where and how each tool's connector writes comments back on its tickets. Credentials live here only. */

const text = z.string().min(1);
/** Jira's and Zendesk's API credentials: an account's email with an API token, or a bearer token. */
const emailTokenOrBearer = { email: text.optional(), apiToken: text.optional(), bearerToken: text.optional() };
const hasEmailTokenOrBearer = (o: { email?: string; apiToken?: string; bearerToken?: string }) => Boolean((o.email && o.apiToken) || o.bearerToken);
const EMAIL_TOKEN_OR_BEARER = 'give email and apiToken, or bearerToken';

export const jiraOutbound = z
  .object({
    baseUrl,
    ...emailTokenOrBearer,
    /** Jira Service Management: post replies as internal comments. */
    internal: z.boolean().default(false),
  })
  .strict()
  .refine(hasEmailTokenOrBearer, EMAIL_TOKEN_OR_BEARER);

export const serviceNowOutbound = z
  .object({
    baseUrl,
    username: text.optional(),
    password: text.optional(),
    bearerToken: text.optional(),
    table: z
      .string()
      .regex(/^[a-z0-9_]+$/)
      .default('incident'),
    /** `work_notes` are seen by agents only; `comments` also by the caller. */
    mode: z.enum(['work_notes', 'comments']).default('work_notes'),
  })
  .strict()
  .refine((o) => Boolean((o.username && o.password) || o.bearerToken), 'give username and password, or bearerToken');

export const zendeskOutbound = z
  .object({
    baseUrl,
    ...emailTokenOrBearer,
    /** Public replies are seen by the requester; private ones only by agents. */
    public: z.boolean().default(false),
  })
  .strict()
  .refine(hasEmailTokenOrBearer, EMAIL_TOKEN_OR_BEARER);

export const genericOutbound = z
  .object({
    callbackUrl: z.url({ protocol: /^https?$/ }),
    /** Signs each callback: `x-bridge-signature: sha256=<hex HMAC(secret, "<timestamp>.<body>")>`. */
    secret,
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();
