import { describe, expect, it } from 'vitest';
import { caseSlot, createSlot, parseSlot } from '../../src/writes/slots.js';

describe('outbox slot names', () => {
  it('name a case by its id, or by the key of the create that makes it', () => {
    expect(caseSlot('CASE-000123')).toBe('c:CASE-000123');
    expect(createSlot('alert:abc:1')).toBe('k:alert:abc:1');
  });

  it('read back what they name, colons in the key included', () => {
    expect(parseSlot(caseSlot('CASE-000123'))).toEqual({ caseId: 'CASE-000123' });
    expect(parseSlot(createSlot('slack:T1:view:V2'))).toEqual({ createKey: 'slack:T1:view:V2' });
  });
});
