import type { ServiceItem, SiteItem } from './lookups.js';

export interface PickerOption {
  text: { type: 'plain_text'; text: string };
  value: string;
}

/** Slack shows at most 100 options and 75 characters of each. */
const MAX_OPTIONS = 100;
const MAX_TEXT = 75;

function opt(value: string, text: string): PickerOption {
  return { text: { type: 'plain_text', text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text }, value };
}

/** Every word of the query must appear in the item's searchable text, in any case. */
function matcher(query: string | undefined): (haystack: string) => boolean {
  const words = (query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  return (haystack) => {
    const h = haystack.toLowerCase();
    return words.every((w) => h.includes(w));
  };
}

export function serviceLabel(s: ServiceItem): string {
  const status = s.status && s.status !== 'Active' ? ` (${s.status})` : '';
  return `${s.id} · ${s.name}${status}`;
}

/** Active services first, then the rest, each in the order expereo lists them. */
export function serviceOptions(items: ServiceItem[], query: string | undefined): PickerOption[] {
  const matches = matcher(query);
  const found = items.filter((s) => matches(`${s.id} ${s.name} ${s.siteId ?? ''} ${s.status ?? ''}`));
  const active = (s: ServiceItem) => !s.status || s.status === 'Active';
  return [...found.filter(active), ...found.filter((s) => !active(s))].slice(0, MAX_OPTIONS).map((s) => opt(s.id, serviceLabel(s)));
}

export function siteOptions(items: SiteItem[], query: string | undefined): PickerOption[] {
  const matches = matcher(query);
  return items
    .filter((s) => matches(`${s.id} ${s.name} ${s.place ?? ''}`))
    .slice(0, MAX_OPTIONS)
    .map((s) => opt(s.id, `${s.name}${s.place ? ` (${s.place})` : ''}`));
}
