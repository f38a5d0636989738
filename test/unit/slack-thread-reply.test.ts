import { describe, expect, it } from 'vitest';
import { slackToPlain, threadReplyOf } from '../../src/slack/thread-reply.js';

describe('thread replies', () => {
  const base = { type: 'message', channel: 'C1', user: 'U1', text: 'hi', ts: '2.0', thread_ts: '1.0' };

  it('takes people’s replies in threads, with files as links', () => {
    expect(threadReplyOf(base)).toEqual({ channel: 'C1', threadTs: '1.0', ts: '2.0', user: 'U1', text: 'hi' });
    const withFile = threadReplyOf({ ...base, subtype: 'file_share', text: '', files: [{ name: 'a.png', permalink: 'https://f/a' }] });
    expect(withFile?.text).toBe('File: a.png https://f/a');
    const named = threadReplyOf({
      ...base,
      subtype: 'file_share',
      text: 'see',
      files: [{ name: 'cpe.jpg', title: 'CPE lights', permalink: 'https://f/c' }, { id: 'F0HIDDEN1', file_access: 'check_file_info' } as never],
    });
    expect(named?.text).toBe('see\nFile: cpe.jpg (CPE lights) https://f/c\nFile: F0HIDDEN1 (shared in the Slack thread)');
    expect(threadReplyOf({ ...base, subtype: 'thread_broadcast' })).toBeDefined();
  });

  it('ignores bots, edits, deletions, thread roots, channel messages and empty ones', () => {
    expect(threadReplyOf({ ...base, bot_id: 'B1' })).toBeUndefined();
    expect(threadReplyOf({ ...base, subtype: 'bot_message' })).toBeUndefined();
    expect(threadReplyOf({ ...base, subtype: 'message_changed' })).toBeUndefined();
    expect(threadReplyOf({ ...base, subtype: 'message_deleted' })).toBeUndefined();
    expect(threadReplyOf({ ...base, thread_ts: '2.0' })).toBeUndefined();
    expect(threadReplyOf({ ...base, thread_ts: undefined })).toBeUndefined();
    expect(threadReplyOf({ ...base, text: '  ' })).toBeUndefined();
    expect(threadReplyOf({ ...base, user: undefined })).toBeUndefined();
  });

  it('reads hostile shapes without throwing: wrong types are ignored, not fatal', () => {
    const odd = (patch: Record<string, unknown>) => threadReplyOf({ ...base, ...patch } as never);
    expect(odd({ text: 42 })).toBeUndefined();
    expect(odd({ text: { a: 1 }, files: [{ permalink: 'https://f/a', title: 7 }] })?.text).toBe('File: attachment https://f/a');
    expect(odd({ files: 'nope' })?.text).toBe('hi');
    expect(odd({ files: [null, 3, { permalink: 5 }] })?.text).toBe('hi');
    expect(odd({ ts: 'not-a-ts' })).toBeUndefined();
    expect(odd({ thread_ts: 12 })).toBeUndefined();
    expect(odd({ channel: ['C1'] })).toBeUndefined();
    expect(odd({ user: { id: 'U1' } })).toBeUndefined();
  });

  it('turns Slack markup into plain text', () => {
    expect(slackToPlain('<@U1> see <#C2|ops> and <https://x.y/z|the doc>, <https://a.b> &lt;3 &amp; <!here>')).toBe(
      '@U1 see #ops and the doc (https://x.y/z), https://a.b <3 & @here',
    );
  });
});
