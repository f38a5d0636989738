import type { Batch } from './coalesce.js';
import type { WriteRequest } from './catalog.js';

/**
 * Which conversations an upstream write speaks for, recorded with the case's sync state when the
 * write is done, so that the reply poller can tell a change the bridge made on behalf of a
 * conversation (a ticket solved in Zendesk, a Slack reply) from an expereo engineer's: the first is
 * not delivered back to the conversations it came from, the second reaches every one.
 *
 * A conversation is named by its origin's `ref`, which is the id of its link to the case (a Slack
 * thread's `slack:<channel>:<ts>`, a ticket's `itsm:<connector>:<ticket>`).
 */
export interface Authorship {
  /** The conversations whose words a written message (or a create's description) carries. */
  origins: string[];
  /** Each field an update wrote: its value, and the conversations that asked for that value. */
  changes: AuthoredChange[];
}

export interface AuthoredChange {
  field: string;
  value: string;
  origins: string[];
}

export function authorshipOf(batch: Batch, requests: readonly WriteRequest[]): Authorship {
  const written = requests.filter((r) => batch.keys.includes(r.key));
  if (batch.op !== 'update') return { origins: unique(written.map((r) => r.origin.ref)), changes: [] };
  // A merged PATCH carries each field's latest value: the writes that asked for that value speak for it.
  const byField = new Map<string, AuthoredChange>();
  for (const r of written) {
    if (r.kind !== 'update') continue;
    for (const [field, raw] of Object.entries(r.fields)) {
      if (raw === undefined || raw === null) continue;
      const value = String(raw);
      const before = byField.get(field);
      const origins = before?.value === value ? unique([...before.origins, r.origin.ref]) : [r.origin.ref];
      byField.set(field, { field, value, origins });
    }
  }
  return { origins: [], changes: [...byField.values()] };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
