import fc from 'fast-check';
import type { BodyRecipe, Mutation, Op, Splice } from './fuzz-bodies.js';

/**
 * The fast-check arbitraries of fuzz bodies: any bytes, text or JSON, nesting tens of thousands of
 * levels deep, and (most often) a route's real payload with a few fields deleted, retyped, replaced,
 * made huge or multiplied, odd keys added, and a deeply nested value or non-UTF-8 bytes spliced in.
 */

/** Keys that have a meaning to JavaScript objects, or that are otherwise odd. */
const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', ' ', '.', 'a.b', '0', '-1', 'ü', '\u0000'];

const jsonValue = fc.jsonValue({ maxDepth: 3 });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ op: 'delete' as const }) },
  { weight: 3, arbitrary: fc.nat().map((pick) => ({ op: 'wrongType' as const, pick })) },
  { weight: 2, arbitrary: jsonValue.map((value) => ({ op: 'replace' as const, value })) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 300_000 }).map((size) => ({ op: 'huge' as const, size })) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 500 }).map((count) => ({ op: 'manyItems' as const, count })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ key: fc.oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 8 })), value: jsonValue })
      .map((r) => ({ op: 'addKey' as const, ...r })),
  },
);

const mutationArb: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(), opArb).map(([at, op]) => ({ ...op, at }));

const shapeArb = fc.constantFrom('array' as const, 'object' as const, 'mixed' as const);

/** Byte sequences that are not UTF-8: stray continuation bytes, overlong forms, surrogates, cut-off sequences. */
const INVALID_UTF8: readonly number[][] = [
  [0xff],
  [0xfe, 0xff],
  [0x80],
  [0xc0, 0xaf],
  [0xc3],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
];

const spliceArb: fc.Arbitrary<Splice> = fc.oneof(
  fc.record({
    kind: fc.constant('deep' as const),
    depth: fc.oneof(fc.integer({ min: 50, max: 2_000 }), fc.integer({ min: 2_000, max: 100_000 })),
    shape: shapeArb,
  }),
  fc.record({ kind: fc.constant('bytes' as const), bytes: fc.constantFrom(...INVALID_UTF8) }),
);

/** Every kind of body, weighted towards payloads shaped like the route's real ones. */
export const bodyRecipeArb: fc.Arbitrary<BodyRecipe> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 512 }).map((bytes) => ({ kind: 'bytes' as const, bytes })) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 64 }).map((text) => ({ kind: 'text' as const, text })) },
  { weight: 2, arbitrary: jsonValue.map((value) => ({ kind: 'json' as const, value })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deepRoot' as const), depth: fc.integer({ min: 100, max: 100_000 }), shape: shapeArb }) },
  {
    weight: 10,
    arbitrary: fc.record(
      {
        kind: fc.constant('shaped' as const),
        seed: fc.nat(),
        mutations: fc.array(mutationArb, { maxLength: 4 }),
        splice: fc.record({ at: fc.nat(), with: spliceArb }),
      },
      { requiredKeys: ['kind', 'seed', 'mutations'] },
    ),
  },
);
