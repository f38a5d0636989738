import { BridgeError } from '../errors.js';

/** Deeper JSON than any webhook payload we accept; deeper nesting is refused before anything walks it. */
export const MAX_JSON_DEPTH = 64;

/** How deep a parsed JSON value nests (iteratively: a hostile body cannot overflow the stack here). */
export function jsonDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    for (const child of Object.values(v as object)) stack.push([child, here]);
  }
  return deepest;
}

/** Parses a webhook's raw JSON body; malformed or too deeply nested bodies are a 400. */
export function parseJsonBody(raw: Buffer | string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err) {
    throw Object.assign(new BridgeError('invalid_request', 'the body is not valid JSON'), { issues: [{ path: '', message: (err as Error).message }] });
  }
  if (jsonDepth(json, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw Object.assign(new BridgeError('invalid_request', `the body nests deeper than ${MAX_JSON_DEPTH} levels`), {
      issues: [{ path: '', message: `nesting deeper than ${MAX_JSON_DEPTH}` }],
    });
  }
  return json;
}
