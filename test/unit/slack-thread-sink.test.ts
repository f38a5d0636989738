import { describe, expect, it } from 'vitest';
import { deliveryText } from '../../src/slack/thread-sink.js';

describe('mirrored replies in a thread', () => {
  it('shows mirrored replies with the engineer’s name, escaped', () => {
    expect(deliveryText({ id: '1', caseId: 'C', kind: 'message', author: 'Ana <NOC>', text: 'a & b', at: '' })).toBe('*Ana &lt;NOC&gt;* (expereo): a &amp; b');
    expect(deliveryText({ id: '1', caseId: 'C', kind: 'message', text: 'x', at: '' })).toBe('*expereo support* (expereo): x');
  });
});
