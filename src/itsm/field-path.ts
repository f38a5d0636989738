/**
 * Declarative field paths into a JSON payload, so that a tool the bridge does not know can be
 * connected by configuration alone: `ticket.fields.priority.name`, `comments[0].body`,
 * `items.2.id`, `fields["customfield.10050"]`. A small parser and a reader of own properties only:
 * no code is evaluated and nothing is read from prototypes.
 */
export type PathSegment = string | number;

const IDENT = /[^.[\]]/;

export function parsePath(path: string): PathSegment[] | undefined {
  const segments: PathSegment[] = [];
  let i = 0;
  const n = path.length;
  if (n === 0 || n > 500) return undefined;
  while (i < n) {
    const ch = path[i]!;
    if (ch === '[') {
      const close = path[i + 1] === '"' ? path.indexOf('"]', i + 2) : path.indexOf(']', i + 1);
      if (close < 0) return undefined;
      if (path[i + 1] === '"') {
        const key = path.slice(i + 2, close);
        if (key.includes('"')) return undefined;
        segments.push(key);
        i = close + 2;
      } else {
        const index = path.slice(i + 1, close);
        if (!/^\d{1,9}$/.test(index)) return undefined;
        segments.push(Number(index));
        i = close + 1;
      }
    } else if (IDENT.test(ch)) {
      let j = i;
      while (j < n && IDENT.test(path[j]!)) j++;
      segments.push(path.slice(i, j));
      i = j;
    } else {
      return undefined;
    }
    if (i < n) {
      if (path[i] === '.') {
        i++;
        if (i >= n || path[i] === '.' || path[i] === '[') return undefined;
      } else if (path[i] !== '[') {
        return undefined;
      }
    }
  }
  return segments;
}

/** The value at `path`, or undefined. A numeric segment indexes arrays; other segments read own keys. */
export function getPath(root: unknown, path: string | PathSegment[]): unknown {
  const segments = typeof path === 'string' ? parsePath(path) : path;
  if (!segments) return undefined;
  let current: unknown = root;
  for (const segment of segments) {
    if (Array.isArray(current)) {
      const index = typeof segment === 'number' ? segment : /^\d+$/.test(segment) ? Number(segment) : NaN;
      current = Number.isInteger(index) ? current[index] : undefined;
    } else if (current !== null && typeof current === 'object') {
      const key = String(segment);
      current = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined;
    } else {
      return undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}

/** A scalar at `path` as trimmed text; undefined for objects, arrays, null and empty text. */
export function textAt(root: unknown, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  return scalarText(getPath(root, path));
}

/** Every scalar at `path` as text: the elements of an array, or the one value. */
export function textsAt(root: unknown, path: string | undefined): string[] {
  if (path === undefined) return [];
  const value = getPath(root, path);
  const list = Array.isArray(value) ? value : [value];
  return list.map(scalarText).filter((t): t is string => t !== undefined);
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}
