import { describe, expect, it } from 'vitest';
import type { CaseMessage } from '../../src/expereo/v2-contract.js';
import { messageFingerprint } from '../../src/state/fingerprint.js';
import { caseInfo, latestMessage, messageDelivery, splitThread, statusDelivery } from '../../src/mirror/thread.js';

const SINCE = Date.parse('2025-03-04T10:00:00Z');
const msg = (id: string, timestamp: string | null, message = `text ${id}`, sentBy = 'Ana'): CaseMessage => ({
  caseMessageId: id,
  message,
  type: 'Support',
  sentBy,
  timestamp,
});
const split = (messages: CaseMessage[], o: Partial<Parameters<typeof splitThread>[1]> = {}) =>
  splitThread(messages, { seen: new Set(), sinceMs: SINCE, descriptionFp: null, firstLook: false, ...o });
const ids = (ms: CaseMessage[]) => ms.map((m) => m.caseMessageId);

describe('splitThread', () => {
  it('keeps unseen messages from after the link, in time order', () => {
    const s = split([msg('3', '2025-03-04T10:00:03Z'), msg('1', '2025-03-04T09:00:00Z'), msg('2', '2025-03-04T10:00:01Z'), msg('4', '2025-03-04T10:00:09Z')], {
      seen: new Set(['4']),
    });
    expect(ids(s.fresh)).toEqual(['2', '3']);
    expect(ids(s.history)).toEqual(['1']);
  });

  it('keeps messages of equal time apart by id, in thread order', () => {
    const s = split([msg('b', '2025-03-04T10:00:01Z'), msg('a', '2025-03-04T10:00:01Z')], { seen: new Set(['b']) });
    expect(ids(s.fresh)).toEqual(['a']);
  });

  it("treats the case's opening description as history", () => {
    const s = split([msg('1', '2025-03-04T10:00:01Z', 'Circuit  down\nsince 07:31'), msg('2', '2025-03-04T10:00:02Z')], {
      descriptionFp: messageFingerprint('Circuit down since 07:31'),
    });
    expect(ids(s.fresh)).toEqual(['2']);
    expect(ids(s.history)).toEqual(['1']);
  });

  it('finds the latest message by time, then thread order', () => {
    expect(latestMessage([msg('2', '2025-03-04T10:00:02Z'), msg('1', '2025-03-04T10:00:01Z'), msg('3', '2025-03-04T10:00:02Z')])?.caseMessageId).toBe('3');
    expect(latestMessage([])).toBeUndefined();
  });

  it('counts undated messages as history on the first look only', () => {
    expect(ids(split([msg('1', null)], { firstLook: true }).history)).toEqual(['1']);
    expect(ids(split([msg('1', null)]).fresh)).toEqual(['1']);
  });
});

describe('deliveries', () => {
  it('carries author and time of a message', () => {
    expect(messageDelivery('CS-1', msg('CM-9', '2025-03-04T10:00:01Z', 'hello', 'Ravi'), 'x')).toEqual({
      id: 'message:CM-9',
      caseId: 'CS-1',
      kind: 'message',
      author: 'Ravi',
      text: 'hello',
      at: '2025-03-04T10:00:01Z',
    });
    expect(messageDelivery('CS-1', { caseMessageId: 'CM-9', message: 'hi' }, '2025-03-04T11:00:00Z')).toEqual({
      id: 'message:CM-9',
      caseId: 'CS-1',
      kind: 'message',
      text: 'hi',
      at: '2025-03-04T11:00:00Z',
    });
  });

  it('names a status change so that the same change is one delivery', () => {
    const a = statusDelivery('CS-1', { from: 'In Progress', to: 'Resolved', at: '2025-03-04T10:00:00Z', closed: true });
    expect(a).toMatchObject({ id: 'status:Resolved:2025-03-04T10:00:00Z', kind: 'status', status: { from: 'In Progress', to: 'Resolved', closed: true } });
    expect(a.text).toContain('no longer mirrored');
    expect(statusDelivery('CS-1', { from: '', to: 'New', at: 't', closed: false })).toMatchObject({
      text: 'Case CS-1 status changed from unknown to New.',
      status: { to: 'New', closed: false },
    });
  });

  it('reads what the poller needs from a case', () => {
    expect(caseInfo({ caseId: 'CS-1', status: 'New', lastModifiedDate: 't', description: 'Down' })).toEqual({
      modified: 't',
      status: 'New',
      descriptionFp: messageFingerprint('Down'),
    });
    expect(caseInfo({ caseId: 'CS-1' })).toEqual({ modified: null, status: null, descriptionFp: null });
  });
});
