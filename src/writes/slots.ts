/**
 * The one module that knows how an outbox slot is named. A slot is one case's queue of writes:
 * `k:<create key>` for a case the bridge creates (its messages can be queued before the case
 * exists, and stay in line behind the create), `c:<case id>` for any other case.
 */

/** The slot of the case the bridge creates with the write keyed `createKey`. */
export function createSlot(createKey: string): string {
  return `k:${createKey}`;
}

/** The slot of a case known by its id (when the bridge did not create it). */
export function caseSlot(caseId: string): string {
  return `c:${caseId}`;
}

/** What a slot names: a case id, or the key of the create that makes the case. */
export function parseSlot(slot: string): { caseId: string } | { createKey: string } {
  return slot.startsWith('c:') ? { caseId: slot.slice(2) } : { createKey: slot.slice(2) };
}
