import { describe, expect, it } from 'vitest';
import { serviceOptions, siteOptions } from '../../src/slack/picker-options.js';

describe('pickers', () => {
  const services = [
    { id: 'SRV-1', name: 'DIA 1 Gbps', siteId: 'SITE-1', status: 'Active' },
    { id: 'SRV-2', name: '4G Backup', siteId: 'SITE-1', status: 'Cancelled' },
    { id: 'SRV-3', name: 'Broadband', siteId: 'SITE-2', status: 'Active' },
  ];

  it('matches every word of the search, active services first', () => {
    expect(serviceOptions(services, '').map((o) => o.value)).toEqual(['SRV-1', 'SRV-3', 'SRV-2']);
    expect(serviceOptions(services, 'site-1 gbps').map((o) => o.value)).toEqual(['SRV-1']);
    expect(serviceOptions(services, 'backup')[0]?.text.text).toBe('SRV-2 · 4G Backup (Cancelled)');
    expect(
      serviceOptions(
        Array.from({ length: 300 }, (_, i) => ({ id: `S${i}`, name: 'x' })),
        undefined,
      ),
    ).toHaveLength(100);
    expect(siteOptions([{ id: 'SITE-1', name: 'Berlin Store', place: 'Berlin, Germany' }], 'germany')[0]?.text.text).toBe('Berlin Store (Berlin, Germany)');
  });
});
