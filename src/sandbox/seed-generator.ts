// Generated bulk cases (seed.extraCases) for paging and load tests: deterministic for a given seed,
// spread over all accounts and services, with varied statuses and modification times.
import { CASE_STATUSES, CASE_TYPES, type CaseType } from './case-rules.js';
import type { SeededCase } from './seed-cases.js';
import { SERVICES } from './seed-data.js';

/** mulberry32: a small, fast, seedable PRNG; plenty for demo data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const PROBLEMS = [
  'Packet loss reported by monitoring on the WAN interface.',
  'Users report slow access to cloud applications.',
  'Link flapping seen in the router logs.',
  'Latency above threshold towards the data centre.',
  'Please provide information about the current service configuration.',
  'Request to change the contact details for this service.',
];
const ORIGINS = ['API', 'Portal', 'Email', 'Phone'];
const BASE = Date.parse('2024-06-03T06:00:00Z');
const SPAN_MS = 270 * 24 * 3_600_000;

export function generateCases(count: number, seed: number): SeededCase[] {
  const rand = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const out: SeededCase[] = [];
  for (let i = 0; i < count; i += 1) {
    // Round-robin over services so every account and service gets cases; the rest is random.
    const service = SERVICES[i % SERVICES.length]!;
    const type: CaseType = rand() < 0.7 ? 'Incident' : 'General Request';
    const rules = CASE_TYPES[type];
    const created = BASE + Math.floor(rand() * SPAN_MS);
    // Whole-second offsets plus the index keep modification times distinct.
    const modified = created + Math.floor(rand() * 20 * 86_400) * 1000 + i;
    const description = `${pick(PROBLEMS)} (generated case ${i + 1})`;
    const createdDate = new Date(created).toISOString();
    out.push({
      kase: {
        caseId: '',
        accountId: service.accountId,
        subject: pick(rules.subjects),
        type,
        priority: pick(rules.priorities),
        status: pick(CASE_STATUSES),
        serviceId: service.serviceId,
        siteId: service.siteId,
        customerReference: rand() < 0.5 ? `GEN-${String(i + 1).padStart(6, '0')}` : null,
        origin: pick(ORIGINS),
        startOfIncident: type === 'Incident' ? new Date(created - Math.floor(rand() * 3_600) * 1000).toISOString() : null,
        description,
        createdDate,
        lastModifiedDate: new Date(modified).toISOString(),
      },
      messages: [{ message: description, type: 'Customer', sentBy: 'Customer Portal User', timestamp: createdDate }],
    });
  }
  return out;
}
