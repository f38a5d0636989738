import { describe, expect, it } from 'vitest';
import { writeRequestSchema, type WriteRequest } from '../../src/writes/catalog.js';
import { nextBatch, renderMessages } from '../../src/writes/coalesce.js';
import { laneOf } from '../../src/writes/lanes.js';

const origin = { kind: 'test' as const, ref: 't' };
const msg = (key: string, text: string, at = '2026-11-30T10:00:00Z', name = 'Ana', human = true): WriteRequest =>
  writeRequestSchema.parse({ kind: 'message', key: `w:${key}`, origin, case: { caseId: 'CS-1' }, author: { name, via: 'Slack' }, text, at, human });
const upd = (key: string, fields: Record<string, string>): WriteRequest =>
  writeRequestSchema.parse({ kind: 'update', key: `w:${key}`, origin, case: { caseId: 'CS-1' }, fields });
const create = (key: string, priority = 'P1', type = 'Incident'): WriteRequest =>
  writeRequestSchema.parse({
    kind: 'create',
    key: `w:${key}`,
    origin,
    body: {
      type,
      subject: type === 'Incident' ? 'ServiceDown' : 'Other',
      priority,
      serviceId: 'S',
      description: 'd',
      startOfIncident: type === 'Incident' ? '2026-11-30T10:00:00Z' : undefined,
    },
  });

describe('nextBatch', () => {
  it('never merges a create, and gives it the key as customerReference', () => {
    const batch = nextBatch([create('c1'), msg('m1', 'a')]);
    expect(batch).toMatchObject({ op: 'create', keys: ['w:c1'], body: { customerReference: 'w:c1' } });
  });

  it('merges a run of messages, each part keeping its author and time', () => {
    const batch = nextBatch([
      msg('m1', 'first', '2026-11-30T10:00:00Z', 'Ana'),
      msg('m2', 'second', '2026-11-30T10:05:00Z', 'Bo'),
      upd('u1', { priority: 'P2' }),
      msg('m3', 'third'),
    ]);
    expect(batch?.op).toBe('message');
    expect(batch?.keys).toEqual(['w:m1', 'w:m2']);
    expect(batch && 'text' in batch ? batch.text : '').toBe('[2026-11-30 10:00 UTC] Ana (Slack):\nfirst\n\n[2026-11-30 10:05 UTC] Bo (Slack):\nsecond');
  });

  it('renders a single message as "Name (via): text"', () => {
    expect(renderMessages([msg('m1', 'hello') as never])).toBe('Ana (Slack): hello');
  });

  it('merges a run of updates into one PATCH with the latest value per field', () => {
    const batch = nextBatch([
      upd('u1', { priority: 'P2', status: 'In Progress' }),
      upd('u2', { priority: 'P4' }),
      msg('m1', 'x'),
      upd('u3', { priority: 'P1' }),
    ]);
    expect(batch).toEqual({ op: 'update', keys: ['w:u1', 'w:u2'], fields: { priority: 'P4', status: 'In Progress' } });
  });

  it('respects the size caps', () => {
    const many = Array.from({ length: 30 }, (_, i) => msg(`m${i}`, `text ${i}`));
    expect(nextBatch(many, { maxItems: 20, maxChars: 1_000_000 })?.keys).toHaveLength(20);
    const long = Array.from({ length: 5 }, (_, i) => msg(`l${i}`, 'x'.repeat(400)));
    expect(nextBatch(long, { maxItems: 20, maxChars: 1000 })?.keys).toHaveLength(2);
    expect(nextBatch([msg('big', 'y'.repeat(5000))], { maxItems: 20, maxChars: 1000 })?.keys).toEqual(['w:big']);
    expect(nextBatch([])).toBeUndefined();
  });
});

describe('laneOf', () => {
  it('puts urgent creates, then people, then other creates, then the rest', () => {
    expect(laneOf(create('a', 'P1'))).toBe(1);
    expect(laneOf(create('a', 'P2'))).toBe(1);
    expect(laneOf(msg('m', 'x'))).toBe(2);
    expect(laneOf(create('a', 'P3'))).toBe(3);
    expect(laneOf(create('a', 'P3', 'General Request'))).toBe(3);
    expect(laneOf(upd('u', { status: 'Closed' }))).toBe(4);
    expect(laneOf(msg('m', 'x', undefined, 'Alertmanager', false))).toBe(4);
  });
});
