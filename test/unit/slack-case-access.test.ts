import { describe, expect, it } from 'vitest';
import { caseBelongsTo, isClosed } from '../../src/slack/case-access.js';

describe('case access', () => {
  it('goes by the case’s account, else by its service being the account’s; unknown is no', () => {
    expect(caseBelongsTo({ accountId: 'A', serviceId: 'S1' }, 'A', undefined)).toBe(true);
    expect(caseBelongsTo({ accountId: 'B', serviceId: 'S1' }, 'A', new Set(['S1']))).toBe(false);
    expect(caseBelongsTo({ accountId: null, serviceId: 'S1' }, 'A', new Set(['S1']))).toBe(true);
    expect(caseBelongsTo({ accountId: null, serviceId: 'S2' }, 'A', new Set(['S1']))).toBe(false);
    expect(caseBelongsTo({ accountId: null, serviceId: 'S1' }, 'A', undefined)).toBe(false);
    expect(caseBelongsTo({ accountId: null, serviceId: null }, 'A', new Set(['S1']))).toBe(false);
  });

  it('compares closed statuses without regard to case', () => {
    expect(isClosed('resolved', ['Closed', 'Resolved'])).toBe(true);
    expect(isClosed('In Progress', ['Closed', 'Resolved'])).toBe(false);
    expect(isClosed(null, ['Closed'])).toBe(false);
  });
});
