import { describe, expect, it } from 'vitest';
import { slackLink, slackThreadOf } from '../../src/slack/links.js';

describe('links', () => {
  it('reads Slack links back', () => {
    const link = slackLink('C1', '1.0');
    expect(link).toEqual({ id: 'slack:C1:1.0', kind: 'slack', data: { channel: 'C1', threadTs: '1.0' } });
    expect(slackThreadOf(link)).toEqual({ channel: 'C1', threadTs: '1.0' });
    expect(slackThreadOf({ kind: 'slack', data: { channel: 'C1' } })).toBeUndefined();
    expect(slackThreadOf({ kind: 'itsm', data: { channel: 'C1', threadTs: '1' } })).toBeUndefined();
  });
});
