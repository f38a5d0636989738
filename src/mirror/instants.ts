/**
 * Upstream times are ISO strings of unknown precision and offset style: compare them as instants
 * where they parse, and as text otherwise (an unparsable value still changes when the case does).
 */
export function toMs(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function sameInstant(a: string | null | undefined, b: string | null | undefined): boolean {
  const [ma, mb] = [toMs(a), toMs(b)];
  if (ma !== undefined && mb !== undefined) return ma === mb;
  return (a ?? '') === (b ?? '');
}

/** True only when both parse and `a` is earlier: an unparsable time is never "older". */
export function isBefore(a: string | null | undefined, b: string | null | undefined): boolean {
  const [ma, mb] = [toMs(a), toMs(b)];
  return ma !== undefined && mb !== undefined && ma < mb;
}
