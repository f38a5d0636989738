import { describe, expect, it } from 'vitest';
import { jsonDepth, MAX_JSON_DEPTH, parseJsonBody } from '../../src/http/json-body.js';

describe('parseJsonBody', () => {
  it('parses ordinary JSON and measures its depth', () => {
    expect(parseJsonBody(Buffer.from('{"a":[1,{"b":2}]}'))).toEqual({ a: [1, { b: 2 }] });
    expect(jsonDepth({ a: [1, { b: 2 }] })).toBe(3);
    expect(jsonDepth('x')).toBe(0);
  });

  it('refuses malformed and hostile bodies with a 400-coded error', () => {
    expect(() => parseJsonBody('{nope')).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(() => parseJsonBody(deep)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(jsonDepth(JSON.parse(deep), 10)).toBe(11);
    expect(jsonDepth(JSON.parse(`{"a":${'{"b":'.repeat(100_000)}1${'}'.repeat(100_001)}`))).toBe(MAX_JSON_DEPTH + 1);
    const justDeepEnough = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(jsonDepth(parseJsonBody(justDeepEnough))).toBe(MAX_JSON_DEPTH);
  });
});
