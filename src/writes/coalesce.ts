import type { CreateCaseBody, UpdateCaseBody } from '../expereo/v2-contract.js';
import type { MessageWrite, UpdateWrite, WriteRequest } from './catalog.js';

/** One upstream write made of one or more queued writes of the same case. */
export type Batch =
  | { op: 'create'; keys: [string]; body: CreateCaseBody }
  | { op: 'update'; keys: string[]; fields: UpdateCaseBody }
  | { op: 'message'; keys: string[]; text: string };

export interface CoalesceLimits {
  /** Most queued writes merged into one upstream write. */
  maxItems: number;
  /** Longest merged message text. */
  maxChars: number;
}

export const DEFAULT_COALESCE_LIMITS: CoalesceLimits = { maxItems: 20, maxChars: 20_000 };

/**
 * The next upstream write for one case, from its pending writes in arrival order. Only a run of the
 * same kind at the head merges (so per-case order holds): messages become one message in which each
 * part keeps its author and time; updates become one PATCH with the latest value of each field.
 * A create never merges.
 */
export function nextBatch(pending: WriteRequest[], limits: CoalesceLimits = DEFAULT_COALESCE_LIMITS): Batch | undefined {
  const head = pending[0];
  if (!head) return undefined;
  if (head.kind === 'create') return { op: 'create', keys: [head.key], body: { ...head.body, customerReference: head.body.customerReference ?? head.key } };

  if (head.kind === 'update') {
    const run: UpdateWrite[] = [];
    for (const w of pending) {
      if (w.kind !== 'update' || run.length >= limits.maxItems) break;
      run.push(w);
    }
    const fields: UpdateCaseBody = {};
    for (const w of run) Object.assign(fields, definedOnly(w.fields));
    return { op: 'update', keys: run.map((w) => w.key), fields };
  }

  const run: MessageWrite[] = [head];
  let text = renderMessages(run);
  for (const w of pending.slice(1)) {
    if (w.kind !== 'message' || run.length >= limits.maxItems) break;
    const candidate = renderMessages([...run, w]);
    if (candidate.length > limits.maxChars) break;
    run.push(w);
    text = candidate;
  }
  return { op: 'message', keys: run.map((w) => w.key), text };
}

/** `Name (Slack): text` for one message; a dated line per part when several are merged. */
export function renderMessages(messages: MessageWrite[]): string {
  if (messages.length === 1) {
    const m = messages[0]!;
    return `${m.author.name} (${m.author.via}): ${m.text}`;
  }
  return messages.map((m) => `[${formatTime(m.at)}] ${m.author.name} (${m.author.via}):\n${m.text}`).join('\n\n');
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
