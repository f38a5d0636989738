import { describe, expect, it } from 'vitest';
import { awaitingFirstLook, isRecentFirst, nextPage, planScan, type CursorView, type ScanItem } from '../../src/mirror/scan-plan.js';

const CLOSED = ['Closed', 'Resolved', 'Cancelled'];
const NOW = 1_741_082_400_000;
const cursor = (c: Partial<CursorView> = {}): CursorView => ({
  exists: true,
  status: 'In Progress',
  modified: '2025-03-04T10:00:00.000Z',
  closedChecks: 0,
  stale: false,
  initAt: 0,
  ...c,
});
const item = (caseId: string, modified: string, status = 'In Progress'): ScanItem => ({ caseId, info: { modified, status, descriptionFp: null } });

describe('isRecentFirst', () => {
  it('accepts most recently modified first, ties included', () => {
    expect(isRecentFirst([])).toBe(true);
    expect(
      isRecentFirst([
        { lastModifiedDate: '2025-03-04T10:00:02Z' },
        { lastModifiedDate: '2025-03-04T10:00:02.000Z' },
        { lastModifiedDate: '2025-03-04T09:00:00Z' },
      ]),
    ).toBe(true);
  });

  it('refuses a page in another order or without the field', () => {
    expect(isRecentFirst([{ lastModifiedDate: '2025-03-04T09:00:00Z' }, { lastModifiedDate: '2025-03-04T10:00:00Z' }])).toBe(false);
    expect(isRecentFirst([{ lastModifiedDate: '2025-03-04T09:00:00Z' }, { lastModifiedDate: null }])).toBe(false);
    expect(isRecentFirst([{ lastModifiedDate: 'yesterday' }])).toBe(false);
  });
});

describe('nextPage', () => {
  const base = {
    hasNext: true,
    watermark: '2025-03-04T10:00:00Z',
    slackMs: 60_000,
    missing: 0,
    itemsRead: 200,
    total: 1000,
    pagesRead: 1,
    maxPages: 10,
    pageSize: 200,
  };

  it('stops once the page reaches below the watermark (less the slack)', () => {
    expect(nextPage({ ...base, oldest: '2025-03-04T09:58:59Z' })).toEqual({ more: false, covered: true });
    expect(nextPage({ ...base, oldest: '2025-03-04T09:59:30Z' })).toEqual({ more: true, covered: false });
  });

  it('is covered at the last page, and gives up uncovered at the page cap', () => {
    expect(nextPage({ ...base, hasNext: false, oldest: '2025-03-04T10:30:00Z' })).toEqual({ more: false, covered: true });
    expect(nextPage({ ...base, pagesRead: 10, oldest: '2025-03-04T10:30:00Z' })).toEqual({ more: false, covered: false });
  });

  it('reads on for missing baselines only while pages cost fewer reads than one read per case', () => {
    const covered = { ...base, oldest: '2025-03-04T09:00:00Z' };
    expect(nextPage({ ...covered, missing: 4 }).more).toBe(true); // 4 pages left for 4 cases
    expect(nextPage({ ...covered, missing: 3 }).more).toBe(false);
    expect(nextPage({ ...covered, total: null, missing: 3 }).more).toBe(true);
    expect(nextPage({ ...covered, total: null, missing: 2 }).more).toBe(false);
  });

  it('reads on from the top when there is no watermark yet', () => {
    expect(nextPage({ ...base, watermark: undefined, oldest: '2025-03-04T09:00:00Z' })).toEqual({ more: true, covered: false });
  });
});

describe('planScan', () => {
  const plan = (over: Partial<Parameters<typeof planScan>[0]>) =>
    planScan({
      linked: [],
      cursors: new Map(),
      items: [],
      covered: true,
      hasWatermark: true,
      closedStatuses: CLOSED,
      nowMs: NOW,
      firstLookTimeoutMs: 60_000,
      ...over,
    });

  it('fetches only linked cases whose time or status moved, with what the list said', () => {
    const p = plan({
      linked: ['A', 'B', 'C'],
      cursors: new Map([
        ['A', cursor()],
        ['B', cursor()],
        ['C', cursor()],
      ]),
      items: [
        item('A', '2025-03-04T10:00:05Z'),
        item('B', '2025-03-04T10:00:00Z'),
        item('X', '2025-03-04T10:00:09Z'),
        item('C', '2025-03-04T10:00:00.000Z', 'Resolved'),
      ],
    });
    expect(p.fetch).toEqual([
      { caseId: 'A', info: { modified: '2025-03-04T10:00:05Z', status: 'In Progress', descriptionFp: null } },
      { caseId: 'C', info: { modified: '2025-03-04T10:00:00.000Z', status: 'Resolved', descriptionFp: null } },
    ]);
    expect(p).toMatchObject({ init: [], drop: [] });
  });

  it('starts new cases and sends cases never looked at (or stale) for a baseline', () => {
    const p = plan({
      linked: ['NEW', 'SEEN', 'STALE', 'QUIET'],
      cursors: new Map([
        ['SEEN', cursor({ status: undefined })],
        ['STALE', cursor({ stale: true })],
        ['QUIET', cursor()],
      ]),
      items: [item('SEEN', '2025-03-04T10:00:00.000Z')],
    });
    expect(p.init).toEqual(['NEW']);
    expect(p.fetch).toEqual([
      { caseId: 'NEW' },
      { caseId: 'SEEN', info: { modified: '2025-03-04T10:00:00.000Z', status: 'In Progress', descriptionFp: null } },
      { caseId: 'STALE' },
    ]);
  });

  it('does not queue a first look again while one is queued, unless it is overdue', () => {
    const queued = cursor({ status: undefined, initAt: NOW - 1000 });
    const overdue = cursor({ status: undefined, initAt: NOW - 61_000 });
    const p = plan({
      linked: ['Q', 'O'],
      cursors: new Map([
        ['Q', queued],
        ['O', overdue],
      ]),
      items: [item('Q', '2025-03-04T10:00:00Z')],
    });
    expect(p.fetch).toEqual([{ caseId: 'O' }]);
    expect(awaitingFirstLook(queued, NOW, 60_000)).toBe(true);
    expect(awaitingFirstLook({ ...queued, stale: true }, NOW, 60_000)).toBe(false);
    expect(awaitingFirstLook(cursor(), NOW, 60_000)).toBe(false);
  });

  it('looks at every case outside the pages when the watermark is lost', () => {
    const p = plan({ linked: ['A'], cursors: new Map([['A', cursor()]]), hasWatermark: false });
    expect(p.fetch).toEqual([{ caseId: 'A' }]);
  });

  it('drops a closed case checked once more and unchanged, but only from complete pages', () => {
    const lingering = cursor({ status: 'Resolved', closedChecks: 1 });
    const cursors = new Map([
      ['A', lingering],
      ['B', lingering],
      ['C', cursor({ status: 'Resolved', closedChecks: 0 })],
    ]);
    expect(plan({ linked: ['A', 'B', 'C'], cursors, items: [item('A', '2025-03-04T10:00:00Z', 'Resolved')] }).drop).toEqual(['A', 'B']);
    expect(plan({ linked: ['A', 'B'], cursors, items: [item('A', '2025-03-04T10:00:00Z', 'Resolved')], covered: false }).drop).toEqual(['A']);
    expect(plan({ linked: ['A'], cursors, items: [item('A', '2025-03-04T10:00:07Z', 'Resolved')] }).fetch).toHaveLength(1);
  });
});
