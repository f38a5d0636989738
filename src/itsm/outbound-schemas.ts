import { z } from 'zod';
import { baseUrl, secret } from './connector-fields.js';

/** Where and how each tool's connector writes comments back on its tickets. Credentials live here only. */

export const jiraOutbound = z
  .object({
    baseUrl,
    email: z.string().min(1).optional(),
    apiToken: z.string().min(1).optional(),
    bearerToken: z.string().min(1).optional(),
    /** Jira Service Management: post replies as internal comments. */
    internal: z.boolean().default(false),
  })
  .strict()
  .refine((o) => Boolean((o.email && o.apiToken) || o.bearerToken), 'give email and apiToken, or bearerToken');

export const serviceNowOutbound = z
  .object({
    baseUrl,
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    bearerToken: z.string().min(1).optional(),
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
    email: z.string().min(1).optional(),
    apiToken: z.string().min(1).optional(),
    bearerToken: z.string().min(1).optional(),
    /** Public replies are seen by the requester; private ones only by agents. */
    public: z.boolean().default(false),
  })
  .strict()
  .refine((o) => Boolean((o.email && o.apiToken) || o.bearerToken), 'give email and apiToken, or bearerToken');

export const genericOutbound = z
  .object({
    callbackUrl: z.url({ protocol: /^https?$/ }),
    /** Signs each callback: `x-bridge-signature: sha256=<hex HMAC(secret, "<timestamp>.<body>")>`. */
    secret,
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();
