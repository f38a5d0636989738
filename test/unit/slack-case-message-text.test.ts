import { describe, expect, it } from 'vitest';
import { caseMessageText } from '../../src/slack/case-message-text.js';

describe('the case message', () => {
  it('rounds the wait up to whole seconds, at least one', () => {
    const queued = (etaMs: number | undefined) =>
      caseMessageText({ phase: 'queued', rev: 0, userId: 'U1', summary: 'P1 Incident · Service down · S', ...(etaMs === undefined ? {} : { etaMs }) });
    expect(queued(0)).toContain('queued, about 1 s');
    expect(queued(4001)).toContain('queued, about 5 s');
    expect(queued(undefined)).toMatch(/queued\n/);
  });

  it('shows the case message for each step of the case, the latest status and the end', () => {
    const base = { rev: 1, userId: 'U1', summary: 'P1 Incident · Service down · S', caseId: 'CASE-7', url: 'https://x/cases/CASE-7' } as const;
    expect(caseMessageText({ ...base, phase: 'created' })).toBe(
      ":white_check_mark: Case <https://x/cases/CASE-7|CASE-7> created with expereo support\nP1 Incident · Service down · S\nReplies in this thread go to the case; expereo's replies appear here.",
    );
    expect(caseMessageText({ ...base, phase: 'created', status: 'In <Progress>', closed: false })).toContain('\nStatus: *In &lt;Progress&gt;*\n');
    expect(caseMessageText({ ...base, phase: 'created', status: 'Resolved', closed: true })).toBe(
      ':checkered_flag: Case <https://x/cases/CASE-7|CASE-7> is *Resolved*\nP1 Incident · Service down · S\nReplies to it are no longer mirrored here.',
    );
    // A status learnt before the create's outcome: the case exists, so it shows as opened.
    expect(caseMessageText({ ...base, phase: 'queued', status: 'New', closed: false })).toMatch(/^:white_check_mark: Case .*Status: \*New\*/s);
    expect(caseMessageText({ ...base, phase: 'linked', subject: 'ServiceDown', status: 'Pending', closed: false })).toBe(
      ":link: <@U1> linked case <https://x/cases/CASE-7|CASE-7> (Service down) to this thread. Replies in this thread go to the case; expereo's replies appear here.\nStatus: *Pending*",
    );
    expect(caseMessageText({ phase: 'failed', rev: 1, summary: 'P1', reason: 'no <service>' })).toBe(
      ':x: The case could not be created: no &lt;service&gt;\nP1',
    );
  });
});
