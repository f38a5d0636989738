// Deterministic demo inventory: accounts, sites, services and invoices with their lines.
import type { Account, Invoice, InvoiceLine, Service, Site } from './types.js';

export const ACCOUNTS: readonly Account[] = [
  { accountId: 'ACC-98000001', name: 'ACME Corporation HQ', legalName: 'ACME Corporation HQ' },
  { accountId: 'ACC-98000002', name: 'Northwind Logistics', legalName: 'Northwind Logistics B.V.' },
  { accountId: 'ACC-98000003', name: 'Helios Retail Group', legalName: 'Helios Retail Group GmbH' },
  { accountId: 'ACC-98000004', name: 'Kestrel Biotech', legalName: 'Kestrel Biotech Ltd' },
];

// [account index, site name, city, country]
const SITE_ROWS: readonly [number, string, string, string][] = [
  [0, 'ACME Amsterdam Office', 'Amsterdam', 'Netherlands'],
  [0, 'ACME London Office', 'London', 'United Kingdom'],
  [0, 'ACME New York Office', 'New York', 'United States'],
  [1, 'Rotterdam Distribution Centre', 'Rotterdam', 'Netherlands'],
  [1, 'Hamburg Port Warehouse', 'Hamburg', 'Germany'],
  [1, 'Singapore Hub', 'Singapore', 'Singapore'],
  [2, 'Berlin Flagship Store', 'Berlin', 'Germany'],
  [2, 'Munich Store', 'Munich', 'Germany'],
  [2, 'Vienna Store', 'Vienna', 'Austria'],
  [2, 'Zurich Store', 'Zurich', 'Switzerland'],
  [3, 'Cambridge Research Campus', 'Cambridge', 'United Kingdom'],
  [3, 'Boston Laboratory', 'Boston', 'United States'],
  [3, 'Dublin Manufacturing Plant', 'Dublin', 'Ireland'],
];

export const SITES: readonly Site[] = SITE_ROWS.map(([acc, name, city, country], i) => ({
  siteId: `SITE-${String(100101 + i).padStart(6, '0')}`,
  accountId: ACCOUNTS[acc]!.accountId,
  name,
  city,
  country,
}));

// [product name, monthly fee]
const PRIMARY: readonly [string, number][] = [
  ['Dedicated Internet Access 1 Gbps', 1450],
  ['Broadband 500/50 Mbps', 189],
  ['SD-WAN Edge Managed Service', 320],
  ['Dedicated Internet Access 10 Gbps', 4900],
  ['Ethernet Private Line 100 Mbps', 870],
];
const BACKUP: [string, number] = ['4G/5G Wireless Backup', 65];

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const FEES = new Map<string, number>();

function buildServices(): Service[] {
  const services: Service[] = [];
  const add = (site: Site, [serviceName, fee]: [string, number], status: string, planned: string, rfs: string | null): void => {
    const serviceId = `SRV-${40000001 + services.length}`;
    FEES.set(serviceId, fee);
    services.push({ serviceId, accountId: site.accountId, siteId: site.siteId, serviceName, status, plannedDeliveryDate: planned, readyForServiceDate: rfs });
  };
  SITES.forEach((site, i) => {
    const planned = addDays('2023-02-06', i * 37);
    const inDelivery = i === SITES.length - 1;
    add(
      site,
      PRIMARY[i % PRIMARY.length]!,
      inDelivery ? 'In Delivery' : 'Active',
      inDelivery ? '2025-06-16' : planned,
      inDelivery ? null : addDays(planned, 3 + (i % 5)),
    );
    if (i % 2 === 0 && !inDelivery) {
      const cancelled = i === 8;
      add(site, BACKUP, cancelled ? 'Cancelled' : 'Active', addDays(planned, 14), cancelled ? null : addDays(planned, 16));
    }
  });
  return services;
}

export const SERVICES: readonly Service[] = buildServices();

const CURRENCY = ['EUR', 'EUR', 'EUR', 'GBP'] as const;
const MONTHS = ['2025-01', '2025-02', '2025-03'] as const;

function buildInvoices(): { invoices: Invoice[]; lines: InvoiceLine[] } {
  const invoices: Invoice[] = [];
  const lines: InvoiceLine[] = [];
  ACCOUNTS.forEach((account, a) => {
    MONTHS.forEach((month, m) => {
      const invoiceId = `INV-2025-${String(101 + invoices.length).padStart(6, '0')}`;
      const periodStart = `${month}-01`;
      const periodEnd = addDays(m + 1 < MONTHS.length ? `${MONTHS[m + 1]}-01` : '2025-04-01', -1);
      let total = 0;
      for (const s of SERVICES) {
        if (s.accountId !== account.accountId || s.status !== 'Active') continue;
        const fee = FEES.get(s.serviceId) ?? 0;
        total += fee;
        lines.push({
          invoiceLineId: `ILD-${String(lines.length + 1).padStart(7, '0')}`,
          invoiceId,
          serviceId: s.serviceId,
          description: `${s.serviceName}: monthly recurring charge`,
          quantity: 1,
          unitPrice: fee,
          amount: fee,
          periodStart,
          periodEnd,
        });
      }
      const status = m === MONTHS.length - 1 ? 'Open' : m === 1 && a === 2 ? 'Overdue' : 'Paid';
      invoices.push({
        invoiceId,
        accountId: account.accountId,
        invoiceDate: periodStart,
        dueDate: addDays(periodStart, 30),
        currency: CURRENCY[a] ?? 'EUR',
        totalAmount: Math.round(total * 100) / 100,
        status,
      });
    });
  });
  return { invoices, lines };
}

const built = buildInvoices();
export const INVOICES: readonly Invoice[] = built.invoices;
export const INVOICE_LINES: readonly InvoiceLine[] = built.lines;
