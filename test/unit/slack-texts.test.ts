import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, subjectLabel } from '../../src/slack/texts.js';

describe('texts', () => {
  it('escapes mrkdwn control characters only', () => {
    expect(escapeMrkdwn('a <b> & *c*')).toBe('a &lt;b&gt; &amp; *c*');
  });

  it('labels subjects for people', () => {
    expect(subjectLabel('ServiceDown')).toBe('Service down');
    expect(subjectLabel('RfoRequest')).toBe('RFO request');
    expect(subjectLabel('Other')).toBe('Other');
  });
});
