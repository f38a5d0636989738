import { z } from 'zod';

/** Slack ids: upper-case letters and digits (`T0123ABCD`, `C0123ABCD`, `E…` for Enterprise Grid). */
const slackId = (what: string, example: string) => z.string().regex(/^[A-Z][A-Z0-9]{2,}$/, `expected a Slack ${what} id such as ${example}`);
const accountId = z.string().min(1, 'expected an expereo account id such as ACC-98000001');
const defaultServiceId = z.string().min(1).optional();

export const DEFAULT_CASE_URL_TEMPLATE = 'https://one.expereo.com/cases/{caseId}';

/**
 * The `slack` section of the routing file: which Slack channels (or whole workspaces) act for which
 * expereo account. A channel mapping wins over its workspace's. Example:
 *
 * ```yaml
 * slack:
 *   caseUrlTemplate: https://one.expereo.com/cases/{caseId}
 *   workspaces:
 *     - { teamId: T0123ABCD, accountId: ACC-98000001 }
 *   channels:
 *     - { channel: C0123ABCD, accountId: ACC-98000002, defaultServiceId: SRV-40000004 }
 * ```
 */
export const slackRoutingSchema = z
  .object({
    workspaces: z.array(z.object({ teamId: slackId('workspace', 'T0123ABCD'), accountId, defaultServiceId }).strict()).default([]),
    channels: z.array(z.object({ channel: slackId('channel', 'C0123ABCD'), accountId, defaultServiceId }).strict()).default([]),
    /** Where a case is shown to people; `{caseId}` is replaced by the case id. */
    caseUrlTemplate: z.url().includes('{caseId}', { message: 'must contain {caseId}' }).default(DEFAULT_CASE_URL_TEMPLATE),
  })
  .strict()
  .superRefine((routing, ctx) => {
    const twice = (ids: string[]) => ids.filter((id, i) => ids.indexOf(id) !== i);
    for (const id of new Set(twice(routing.channels.map((c) => c.channel)))) {
      ctx.addIssue({ code: 'custom', path: ['channels'], message: `channel ${id} is mapped more than once` });
    }
    for (const id of new Set(twice(routing.workspaces.map((w) => w.teamId)))) {
      ctx.addIssue({ code: 'custom', path: ['workspaces'], message: `workspace ${id} is mapped more than once` });
    }
  });
export type SlackRouting = z.infer<typeof slackRoutingSchema>;
