import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getPath, parsePath, textAt, textsAt } from '../../src/itsm/field-path.js';

describe('field paths', () => {
  const doc = {
    ticket: { id: 7781, fields: { 'customfield.10050': { value: 'SRV-1' } }, labels: ['a', 'b'] },
    comments: [{ body: 'first' }, { body: 'second' }],
    flag: false,
  };
  it('parses dots, [index] and ["quoted key"]', () => {
    expect(parsePath('a.b[0].c')).toEqual(['a', 'b', 0, 'c']);
    expect(parsePath('fields["customfield.10050"].value')).toEqual(['fields', 'customfield.10050', 'value']);
    expect(parsePath('items.2.id')).toEqual(['items', '2', 'id']);
  });
  it('rejects malformed paths', () => {
    for (const bad of ['', 'a..b', 'a.', '.a', 'a[x]', 'a[0', 'a[0]b', 'a["b]']) expect(parsePath(bad), bad).toBeUndefined();
  });
  it('reads values, array elements and numbers as text', () => {
    expect(textAt(doc, 'ticket.id')).toBe('7781');
    expect(textAt(doc, 'comments[1].body')).toBe('second');
    expect(textAt(doc, 'comments.0.body')).toBe('first');
    expect(textAt(doc, 'ticket.fields["customfield.10050"].value')).toBe('SRV-1');
    expect(textAt(doc, 'flag')).toBe('false');
    expect(textsAt(doc, 'ticket.labels')).toEqual(['a', 'b']);
    expect(textAt(doc, 'ticket.missing.deeper')).toBeUndefined();
    expect(textAt(doc, 'ticket')).toBeUndefined();
  });
  it('never reads inherited properties', () => {
    expect(getPath(doc, 'ticket.constructor')).toBeUndefined();
    expect(getPath(doc, '__proto__')).toBeUndefined();
    expect(getPath(doc, 'comments.length')).toBeUndefined();
    expect(getPath({}, 'toString')).toBeUndefined();
  });
  it('reads back any value stored under any plain key path (property)', () => {
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,10}$/);
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 5 }), fc.string({ minLength: 1 }), (keys, value) => {
        fc.pre(!keys.includes('__proto__'));
        const root: Record<string, unknown> = {};
        let cur = root;
        keys.forEach((k, i) => {
          cur[k] = i === keys.length - 1 ? value : {};
          cur = cur[k] as Record<string, unknown>;
        });
        return getPath(root, keys.join('.')) === value;
      }),
    );
  });
});
