import { describe, expect, it } from 'vitest';
import { attributeValue, CLOCK_ALLOWANCE_MS } from '../../src/mirror/echo.js';
import { authorshipOf } from '../../src/writes/authorship.js';
import type { WriteRequest } from '../../src/writes/catalog.js';

const update = (key: string, ref: string, fields: Record<string, string>): WriteRequest =>
  ({ kind: 'update', key, origin: { kind: 'itsm', ref }, case: { caseId: 'CS-1' }, fields }) as WriteRequest;
const message = (key: string, ref: string): WriteRequest =>
  ({
    kind: 'message',
    key,
    origin: { kind: 'slack', ref },
    case: { caseId: 'CS-1' },
    author: { name: 'A', via: 'Slack' },
    text: 't',
    at: '2026-01-01T00:00:00Z',
    human: true,
  }) as WriteRequest;

describe('authorship of a write', () => {
  it('a merged PATCH speaks, per field, for the writes that asked for its final value', () => {
    const writes = [
      update('a', 'itsm:jira:NET-1', { status: 'Resolved', priority: 'P2' }),
      update('b', 'itsm:zd:5', { status: 'Resolved' }),
      update('c', 'itsm:zd:5', { priority: 'P3' }),
    ];
    const got = authorshipOf({ op: 'update', keys: ['a', 'b', 'c'], fields: { status: 'Resolved', priority: 'P3' } }, writes);
    expect(got.origins).toEqual([]);
    expect(got.changes).toEqual([
      { field: 'status', value: 'Resolved', origins: ['itsm:jira:NET-1', 'itsm:zd:5'] },
      { field: 'priority', value: 'P3', origins: ['itsm:zd:5'] },
    ]);
  });

  it('a merged message speaks for every conversation it carries; writes outside the batch do not count', () => {
    const writes = [message('a', 'slack:C1:1.0'), message('b', 'itsm:zd:5'), message('c', 'slack:C1:1.0'), message('d', 'itsm:jira:NET-1')];
    expect(authorshipOf({ op: 'message', keys: ['a', 'b', 'c'], text: 'x' }, writes)).toEqual({ origins: ['slack:C1:1.0', 'itsm:zd:5'], changes: [] });
  });
});

describe('who set the value a look sees', () => {
  const rec = (value: string, origins: string[], at: number, seen?: boolean) => {
    const change = { field: 'status', value, origins, at, ...(seen ? { seen } : {}) };
    return { raw: JSON.stringify(change), change };
  };

  it('the value the bridge wrote is attributed to its conversations and marked seen', () => {
    const r = rec('Resolved', ['itsm:zd:5'], 1_000);
    expect(attributeValue([r], 'status', 'Resolved', 2_000)).toEqual({ origins: ['itsm:zd:5'], seen: [r.raw], forget: [] });
  });

  it("another value is someone else's; the bridge's record is kept while the look may predate its write", () => {
    const r = rec('Resolved', ['itsm:zd:5'], 1_000);
    expect(attributeValue([r], 'status', 'In Progress', 1_000 + CLOCK_ALLOWANCE_MS)).toEqual({ origins: [], seen: [], forget: [] });
    expect(attributeValue([r], 'status', 'In Progress', undefined)).toEqual({ origins: [], seen: [], forget: [] });
  });

  it('a record overwritten since (seen before, or done well before the look) is forgotten', () => {
    const seen = rec('Resolved', ['itsm:zd:5'], 1_000, true);
    const old = rec('Pending', ['itsm:jira:NET-1'], 1_000);
    expect(attributeValue([seen, old], 'status', 'In Progress', 1_001 + CLOCK_ALLOWANCE_MS)).toEqual({ origins: [], seen: [], forget: [seen.raw, old.raw] });
    expect(attributeValue([seen], 'priority', 'P1', 5_000_000)).toEqual({ origins: [], seen: [], forget: [] });
  });
});
