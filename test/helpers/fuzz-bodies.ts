import fc from 'fast-check';

/**
 * Request bodies for fuzzing the webhook routes. fast-check generates small recipes (what to send,
 * see fuzz-arbitraries.ts) and `renderBody` turns a recipe into bytes, so a failing case prints as
 * a readable recipe rather than as a few hundred kilobytes of body, and shrinks towards the
 * smallest mutation.
 */

/** A realistic payload of a route: JSON, a plain form (slash commands), or a form whose `payload` field is JSON (Slack interactivity). */
export type Seed = { format: 'json'; value: unknown } | { format: 'form'; value: Record<string, string> } | { format: 'form-payload'; value: unknown };

export type Op =
  | { op: 'delete' }
  | { op: 'wrongType'; pick: number }
  | { op: 'replace'; value: fc.JsonValue }
  | { op: 'huge'; size: number }
  | { op: 'manyItems'; count: number }
  | { op: 'addKey'; key: string; value: fc.JsonValue };

/** One change at the `at`-th path of the payload (modulo the number of paths). */
export type Mutation = Op & { at: number };

/** Raw text spliced in place of one value: a deeply nested JSON value, or bytes that are not UTF-8. */
export type Splice = { kind: 'deep'; depth: number; shape: 'array' | 'object' | 'mixed' } | { kind: 'bytes'; bytes: number[] };

export type BodyRecipe =
  | { kind: 'empty' }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'text'; text: string }
  | { kind: 'json'; value: fc.JsonValue }
  | { kind: 'deepRoot'; depth: number; shape: 'array' | 'object' | 'mixed' }
  | { kind: 'shaped'; seed: number; mutations: Mutation[]; splice?: { at: number; with: Splice } }
  /** A body written out in full (the routes' known hard cases). */
  | { kind: 'literal'; name: string; text: string; format: BodyFormat };

/** The natural content type of the rendered body (what a real sender would declare). */
export type BodyFormat = 'json' | 'form' | 'other';

export interface RenderedBody {
  raw: Buffer;
  format: BodyFormat;
}

/** Values of every JSON type, including ones that are the wrong type for any field. */
export const WRONG_TYPES: readonly fc.JsonValue[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  true,
  false,
  '',
  ' ',
  'null',
  '0',
  '2025-13-45T99:99:99Z',
  [],
  [null],
  {},
  { '': '' },
  ['x', 1],
];

const PLACEHOLDER = 'FUZZSPLICE0';
const MAX_PATH_DEPTH = 12;
/** Enough to reach every field of a real payload; a body made huge by a mutation is not walked further. */
const MAX_PATHS = 5_000;

type Path = (string | number)[];

/** Every path in a JSON value (the root is `[]`), breadth first, so that shallow fields come first. */
export function pathsOf(value: unknown): Path[] {
  const out: Path[] = [[]];
  const values: unknown[] = [value];
  for (let i = 0; i < out.length && out.length < MAX_PATHS; i++) {
    const path = out[i]!;
    const v = values[i];
    if (path.length >= MAX_PATH_DEPTH || v === null || typeof v !== 'object') continue;
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, j) => [j, x]) : Object.entries(v);
    for (const [k, child] of entries) {
      out.push([...path, k]);
      values.push(child);
    }
  }
  return out;
}

function getAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) v = (v as Record<string | number, unknown>)[k];
  return v;
}

/** Sets an own property, even `__proto__` (a plain assignment would change the prototype instead). */
function setOwn(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  setOwn(getAt(root, path.slice(0, -1)) as object, path[path.length - 1]!, value);
  return root;
}

function deleteAt(root: unknown, path: Path): unknown {
  if (path.length === 0) return undefined;
  const parent = getAt(root, path.slice(0, -1));
  const key = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete (parent as Record<string, unknown>)[key];
  return root;
}

/** A string of about `size` characters mixing one-, two- and three-byte UTF-8 characters and an emoji. */
export function hugeString(size: number): string {
  return 'aé中🙂'.repeat(Math.ceil(size / 5)).slice(0, size);
}

/** Applies one mutation to a deep copy's node, returning the (possibly new) root. */
export function mutate(root: unknown, m: Mutation): unknown {
  const paths = pathsOf(root);
  const path = paths[m.at % paths.length]!;
  const current = getAt(root, path);
  switch (m.op) {
    case 'delete':
      return deleteAt(root, path);
    case 'wrongType':
      return setAt(root, path, structuredClone(WRONG_TYPES[m.pick % WRONG_TYPES.length]));
    case 'replace':
      return setAt(root, path, m.value);
    case 'huge':
      return setAt(root, path, hugeString(m.size));
    case 'manyItems': {
      const item = Array.isArray(current) ? (current[0] ?? current) : current;
      return setAt(
        root,
        path,
        Array.from({ length: m.count }, () => structuredClone(item)),
      );
    }
    case 'addKey': {
      const target = current !== null && typeof current === 'object' && !Array.isArray(current) ? current : root;
      if (target === null || typeof target !== 'object' || Array.isArray(target)) return root;
      setOwn(target, m.key, m.value);
      return root;
    }
  }
}

/** JSON text nested `depth` levels deep (`[[[…]]]`, `{"a":{"a":…}}` or both alternating). */
export function deepJson(depth: number, shape: 'array' | 'object' | 'mixed'): string {
  const open = (i: number) => (shape === 'array' || (shape === 'mixed' && i % 2 === 0) ? '[' : '{"a":');
  const close = (i: number) => (shape === 'array' || (shape === 'mixed' && i % 2 === 0) ? ']' : '}');
  let head = '';
  let tail = '';
  for (let i = 0; i < depth; i++) {
    head += open(i);
    tail = close(i) + tail;
  }
  return `${head}1${tail}`;
}

function serialise(seed: Seed, value: unknown): string {
  if (seed.format === 'json') return JSON.stringify(value) ?? '';
  if (seed.format === 'form-payload') return new URLSearchParams({ payload: JSON.stringify(value) ?? '' }).toString();
  const form = new URLSearchParams();
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
  } else {
    form.append('value', JSON.stringify(value) ?? '');
  }
  return form.toString();
}

/** Replaces the placeholder value by raw text or bytes, keeping a form's encoding intact. */
function spliceInto(text: string, seed: Seed, splice: Splice): Buffer {
  const quoted = seed.format === 'json' ? `"${PLACEHOLDER}"` : seed.format === 'form-payload' ? `%22${PLACEHOLDER}%22` : PLACEHOLDER;
  const at = text.indexOf(quoted);
  if (at < 0) return Buffer.from(text, 'utf8');
  const before = Buffer.from(text.slice(0, at), 'utf8');
  const after = Buffer.from(text.slice(at + quoted.length), 'utf8');
  if (splice.kind === 'deep') {
    const deep = deepJson(splice.depth, splice.shape);
    return Buffer.concat([before, Buffer.from(seed.format === 'json' ? deep : encodeURIComponent(deep), 'utf8'), after]);
  }
  const quote = Buffer.from(seed.format === 'json' ? '"' : seed.format === 'form-payload' ? '%22' : '', 'utf8');
  return Buffer.concat([before, quote, Buffer.from(splice.bytes), quote, after]);
}

/** A body written out in full, printed by name in a failure report (the text may be long). */
export function literal(name: string, text: string, format: BodyFormat): BodyRecipe {
  return Object.assign({ kind: 'literal' as const, name, text, format }, { [fc.toStringMethod]: () => `literal(${JSON.stringify(name)})` });
}

/** A JSON body in which the string `"DEEP"` stands for an array nested `depth` levels deep. */
export function literalWithDeep(name: string, value: unknown, depth: number): BodyRecipe {
  return literal(name, JSON.stringify(value).replaceAll('"DEEP"', deepJson(depth, 'array')), 'json');
}

/** A Slack interactivity form whose JSON `payload` field is `value`. */
export function literalForm(name: string, value: unknown): BodyRecipe {
  return literal(name, new URLSearchParams({ payload: JSON.stringify(value) }).toString(), 'form');
}

const FORMAT_OF: Record<Seed['format'], BodyFormat> = { json: 'json', form: 'form', 'form-payload': 'form' };

/** The bytes of a recipe, given the route's seed payloads. */
export function renderBody(recipe: BodyRecipe, seeds: readonly Seed[]): RenderedBody {
  switch (recipe.kind) {
    case 'empty':
      return { raw: Buffer.alloc(0), format: 'other' };
    case 'bytes':
      return { raw: Buffer.from(recipe.bytes), format: 'other' };
    case 'text':
      return { raw: Buffer.from(recipe.text, 'utf8'), format: 'other' };
    case 'json':
      return { raw: Buffer.from(JSON.stringify(recipe.value), 'utf8'), format: 'json' };
    case 'deepRoot':
      return { raw: Buffer.from(deepJson(recipe.depth, recipe.shape), 'utf8'), format: 'json' };
    case 'literal':
      return { raw: Buffer.from(recipe.text, 'utf8'), format: recipe.format };
    case 'shaped': {
      const seed = seeds[recipe.seed % seeds.length]!;
      let value: unknown = structuredClone(seed.value);
      for (const m of recipe.mutations) value = mutate(value, m);
      if (!recipe.splice) return { raw: Buffer.from(serialise(seed, value), 'utf8'), format: FORMAT_OF[seed.format] };
      value = mutate(value, { op: 'replace', value: PLACEHOLDER, at: recipe.splice.at });
      return { raw: spliceInto(serialise(seed, value), seed, recipe.splice.with), format: FORMAT_OF[seed.format] };
    }
  }
}

/** Nesting deep enough to exhaust the stack of any recursive walk (JSON.stringify, serialisers). */
export const DEEP = 20_000;

export const jsonSeed = (value: unknown): Seed => ({ format: 'json', value });

/** A fresh copy of the `i`-th seed's payload, to change for an example. */
export const seedValue = (seeds: readonly Seed[], i: number) => structuredClone(seeds[i]!.value) as Record<string, any>;

/** `value` with `patch` merged into the object at `path`. */
export function patched(value: Record<string, any>, path: string[], patch: Record<string, unknown>): Record<string, any> {
  let node = value;
  for (const k of path) node = node[k] as Record<string, any>;
  Object.assign(node, patch);
  return value;
}
