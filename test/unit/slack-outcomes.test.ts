import { describe, expect, it } from 'vitest';
import { failureReason } from '../../src/slack/outcomes.js';

describe('outcomes', () => {
  it('explains failures with their field errors', () => {
    expect(failureReason({ code: 'x', message: 'refused', fieldErrors: [{ field: 'serviceId', message: 'unknown' }] })).toBe('refused (serviceId: unknown)');
    expect(failureReason(undefined)).toBe('unknown error');
  });
});
