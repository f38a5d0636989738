// Deterministic demo cases and their message threads, in varied types, priorities and statuses.
import { SERVICES } from './seed-data.js';
import type { Case, CaseMessage } from './types.js';

type Line = [from: 'C' | 'S', sentBy: string, minutesAfterCreated: number, text: string];

interface SeedCase {
  service: number;
  type: 'Incident' | 'General Request';
  subject: string;
  priority: string;
  status: string;
  ref: string | null;
  origin: string;
  created: string;
  incidentStart?: string;
  description: string;
  thread: Line[];
}

const ANA = 'Ana Lopes (expereo NOC)';
const RAVI = 'Ravi Menon (expereo NOC)';
const JULIA = 'Julia Becker (expereo Service Desk)';
const TOM = 'Tom Visser (expereo Provisioning)';

// biome-ignore format: one demo case a few lines, as a table reads
const SEED: SeedCase[] = [
  { service: 1, type: 'Incident', subject: 'ServiceDown', priority: 'P1', status: 'In Progress', ref: 'INC0041233', origin: 'API', created: '03-03 07:42', incidentStart: '03-03 07:31',
    description: 'Amsterdam office internet down since 07:31 UTC, all users affected. CPE shows no light on the WAN port.',
    thread: [['S', ANA, 6, 'Acknowledged. We see loss of signal on the access circuit and have opened a ticket with the local carrier.'],
      ['S', ANA, 48, 'Carrier reports a fibre cut near the building. Field engineer dispatched, ETA 10:30 UTC.']] },
  { service: 3, type: 'Incident', subject: 'ServiceDegradation', priority: 'P2', status: 'Awaiting Customer', ref: 'INC0041187', origin: 'Portal', created: '03-01 14:05', incidentStart: '03-01 13:40',
    description: 'London office broadband throughput dropped to about 40 Mbps during business hours.',
    thread: [['S', RAVI, 30, 'Line tests are clean. Could you run a speed test wired to the router and send us the result?']] },
  { service: 4, type: 'Incident', subject: 'ServiceIntermittent', priority: 'P3', status: 'Resolved', ref: null, origin: 'Email', created: '02-24 09:12', incidentStart: '02-24 08:50',
    description: 'SD-WAN tunnel in New York flaps every few minutes since this morning.',
    thread: [['S', RAVI, 25, 'We see BGP session resets on the underlay. Investigating with the carrier.'],
      ['C', 'Mark Jansen', 90, 'Still flapping, users complain about dropped Teams calls.'],
      ['S', RAVI, 210, 'Carrier replaced a faulty line card. The tunnel has been stable for two hours; resolving.']] },
  { service: 1, type: 'General Request', subject: 'InformationRequest', priority: 'P4', status: 'Closed', ref: 'REQ-2025-0007', origin: 'Portal', created: '01-15 10:00',
    description: 'Please confirm the public IPv4 block assigned to the Amsterdam DIA circuit.',
    thread: [['S', JULIA, 120, 'The assigned block is 203.0.113.0/29; gateway 203.0.113.1.']] },
  { service: 6, type: 'Incident', subject: 'ServiceDown', priority: 'P1', status: 'Resolved', ref: 'NW-OPS-5512', origin: 'Phone', created: '02-18 02:14', incidentStart: '02-18 01:58',
    description: 'Rotterdam DC lost all connectivity, warehouse scanners offline.',
    thread: [['S', ANA, 4, 'P1 acknowledged, bridge call opened.'], ['S', ANA, 95, 'Power restored at the carrier PoP; service back since 03:41 UTC.'],
      ['C', 'Eva de Vries', 120, 'Confirmed, all systems up. Please send an RFO.']] },
  { service: 6, type: 'Incident', subject: 'RfoRequest', priority: 'P3', status: 'In Progress', ref: 'NW-OPS-5519', origin: 'Portal', created: '02-19 09:30', incidentStart: '02-18 01:58',
    description: 'Requesting the reason for outage report for the Rotterdam outage of 18 February.',
    thread: [['S', JULIA, 60, 'RFO requested from the carrier; expected within five working days.']] },
  { service: 7, type: 'General Request', subject: 'ChangeRequest', priority: 'P4', status: 'New', ref: 'NW-CHG-0311', origin: 'API', created: '03-04 11:20',
    description: 'Please upgrade the Hamburg EPL from 100 Mbps to 200 Mbps from 1 April.', thread: [] },
  { service: 9, type: 'Incident', subject: 'ServiceIntermittent', priority: 'P2', status: 'In Progress', ref: 'NW-OPS-5530', origin: 'API', created: '03-04 05:50', incidentStart: '03-04 05:10',
    description: 'Singapore hub sees packet loss of 5-10% towards Europe.',
    thread: [['S', RAVI, 20, 'Confirmed loss on the upstream transit path. Rerouting traffic.']] },
  { service: 10, type: 'Incident', subject: 'ServiceDegradation', priority: 'P3', status: 'New', ref: null, origin: 'Email', created: '03-04 12:02', incidentStart: '03-04 11:30',
    description: 'Berlin store card terminals are slow; latency above 200 ms.', thread: [] },
  { service: 11, type: 'General Request', subject: 'EngineerDispatch', priority: 'P3', status: 'Awaiting Customer', ref: 'HRG-7781', origin: 'Portal', created: '02-27 08:15',
    description: 'Please send an engineer to relocate the 4G backup router in the Berlin store.',
    thread: [['S', TOM, 240, 'Engineer available on 6 or 7 March. Which date suits the store, and who is the site contact?']] },
  { service: 12, type: 'General Request', subject: 'SoftwareUpdate', priority: 'P5', status: 'Closed', ref: null, origin: 'Portal', created: '01-20 13:45',
    description: 'Schedule the SD-WAN edge firmware update in Munich outside opening hours.',
    thread: [['S', TOM, 300, 'Scheduled for 22 January 22:00 CET.'], ['S', TOM, 3200, 'Firmware updated to 9.2.4; closing the request.']] },
  { service: 13, type: 'Incident', subject: 'ServiceDown', priority: 'P2', status: 'Cancelled', ref: 'HRG-7702', origin: 'Phone', created: '02-10 16:20', incidentStart: '02-10 16:05',
    description: 'Vienna store offline.',
    thread: [['C', 'Lena Huber', 15, 'Sorry, the store had a power cut; the service is back. Please cancel.']] },
  { service: 15, type: 'General Request', subject: 'UtilizationReport', priority: 'P5', status: 'Resolved', ref: 'HRG-7750', origin: 'Email', created: '02-20 09:00',
    description: 'Please send the bandwidth utilisation report for the Zurich EPL for January.',
    thread: [['S', JULIA, 180, 'Report attached in the portal: 95th percentile 61 Mbps.']] },
  { service: 16, type: 'Incident', subject: 'ServiceDegradation', priority: 'P2', status: 'In Progress', ref: 'KB-INC-2201', origin: 'API', created: '03-03 15:10', incidentStart: '03-03 14:55',
    description: 'Cambridge campus sees high latency to AWS eu-west-2.',
    thread: [['S', ANA, 12, 'Investigating; traceroutes show congestion at an IX. Raising with the upstream.'],
      ['C', 'Demo Bridge', 40, 'Monitoring still shows 180 ms p95 latency.'], ['S', ANA, 75, 'Traffic moved to an alternate path; please confirm.']] },
  { service: 17, type: 'Incident', subject: 'ServiceIntermittent', priority: 'P4', status: 'Awaiting Customer', ref: null, origin: 'Portal', created: '02-28 10:40', incidentStart: '02-27 18:00',
    description: 'Cambridge 4G backup drops when primary fails over.',
    thread: [['S', RAVI, 90, 'SIM signal is weak at the current position. Can the antenna be moved closer to a window?']] },
  { service: 18, type: 'General Request', subject: 'ActivationSupport', priority: 'P3', status: 'In Progress', ref: 'KB-REQ-0412', origin: 'Portal', created: '03-02 08:00',
    description: 'Need help activating the new broadband line in the Boston laboratory.',
    thread: [['S', TOM, 45, 'Activation scheduled with the carrier for 5 March between 09:00 and 13:00 local time.']] },
  { service: 19, type: 'General Request', subject: 'InformationRequest', priority: 'P4', status: 'New', ref: 'KB-REQ-0419', origin: 'API', created: '03-04 09:25',
    description: 'What is the planned delivery date for the Dublin SD-WAN service?', thread: [] },
  { service: 2, type: 'General Request', subject: 'Other', priority: 'P5', status: 'Closed', ref: null, origin: 'Email', created: '01-08 11:11',
    description: 'Please update the billing contact for the Amsterdam site to finance@acme.example.',
    thread: [['S', JULIA, 60, 'Billing contact updated.']] },
  { service: 8, type: 'Incident', subject: 'ServiceDown', priority: 'P5', status: 'Closed', ref: null, origin: 'Portal', created: '01-30 07:00', incidentStart: '01-30 06:45',
    description: 'Hamburg 4G backup unreachable (no customer impact, primary up).',
    thread: [['S', RAVI, 200, 'SIM was suspended by the mobile operator; reactivated.']] },
  { service: 5, type: 'Incident', subject: 'ServiceIntermittent', priority: 'P3', status: 'New', ref: 'INC0041240', origin: 'API', created: '03-04 13:37', incidentStart: '03-04 13:20',
    description: 'New York 4G backup link shows intermittent packet loss during the monthly failover test.', thread: [] },
];

const iso = (mmddhhmm: string): string => {
  const [md = '', hm = ''] = mmddhhmm.split(' ');
  return new Date(`2025-${md}T${hm}:00Z`).toISOString();
};
const plusMinutes = (isoDate: string, minutes: number): string => new Date(Date.parse(isoDate) + minutes * 60_000).toISOString();

export interface SeededCase {
  kase: Case;
  messages: Omit<CaseMessage, 'caseMessageId'>[];
}

export function seedCases(): SeededCase[] {
  return SEED.map((row, i) => {
    const service = SERVICES[row.service - 1];
    if (service === undefined) throw new Error(`seed case ${i} names an unknown service`);
    const createdDate = iso(row.created);
    const messages: Omit<CaseMessage, 'caseMessageId'>[] = [
      { message: row.description, type: 'Customer', sentBy: row.origin === 'API' ? 'Demo Bridge' : 'Customer Portal User', timestamp: createdDate },
      ...row.thread.map(([from, sentBy, minutes, text]) => ({
        message: text,
        type: from === 'S' ? ('Support' as const) : ('Customer' as const),
        sentBy,
        timestamp: plusMinutes(createdDate, minutes),
      })),
    ];
    const kase: Case = {
      caseId: '',
      accountId: service.accountId,
      subject: row.subject,
      type: row.type,
      priority: row.priority,
      status: row.status,
      serviceId: service.serviceId,
      siteId: service.siteId,
      customerReference: row.ref,
      origin: row.origin,
      startOfIncident: row.incidentStart === undefined ? null : iso(row.incidentStart),
      description: row.description,
      createdDate,
      lastModifiedDate: messages[messages.length - 1]?.timestamp ?? createdDate,
    };
    return { kase, messages };
  });
}
