import type { Core } from '../core.js';
import { caseSlot } from '../writes/slots.js';

/**
 * Is a write of the bridge to this case on its way upstream right now? Between the moment expereo
 * stores a message and the moment the write worker records it as the bridge's own (and for as long
 * as an attempt's outcome is unknown), the poller could see it and take it for an engineer's reply.
 * The poller waits for such writes to settle before deciding what is new.
 */
export async function writeInFlight(core: Pick<Core, 'workerRedis' | 'keys' | 'outbox'>, caseId: string): Promise<boolean> {
  const slots = [caseSlot(caseId)];
  const created = await core.workerRedis.get(core.keys.caseSlot(caseId));
  if (created) slots.push(created);
  for (const slot of slots) {
    const [head] = await core.outbox.head(slot, 1);
    if (head?.status === 'sending') return true;
  }
  return false;
}
