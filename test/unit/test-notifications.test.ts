import { describe, expect, it } from 'vitest';
import { parseTicketEvent } from '../../src/itsm/inbound.js';
import { itsmRoutingSchema } from '../../src/itsm/routing-schema.js';
import { isAlertTest, isZendeskTest, testNotice } from '../../src/test-notifications.js';

const head = (source: 'grafana' | 'alertmanager', groupKey: string, labels: Record<string, string>) => ({
  source,
  origin: `${source}:${groupKey}`,
  labels,
  firing: true,
});

describe('test notifications', () => {
  it("Grafana's contact-point test, and nothing that merely looks like it", () => {
    expect(isAlertTest(head('grafana', 'expereo-bridge-57c6d9296de2ad39-1796160000', { alertname: 'TestAlert', instance: 'Grafana' }))).toBe(true);
    // A real group key has no press time; Alertmanager has no test send (a TestAlert of its own is an alert).
    expect(isAlertTest(head('grafana', '{}:{alertname="TestAlert"}', { alertname: 'TestAlert', instance: 'Grafana' }))).toBe(false);
    expect(isAlertTest(head('alertmanager', 'x-57c6d9296de2ad39-1796160000', { alertname: 'TestAlert', instance: 'Grafana' }))).toBe(false);
    expect(isAlertTest(head('grafana', 'expereo-bridge-57c6d9296de2ad39-1796160000', { alertname: 'TestAlert', instance: 'db-1' }))).toBe(false);
  });

  it('is told in the tests channel by its source and group', () => {
    expect(testNotice('grafana:expereo-bridge-57c6d9296de2ad39-1796160000')).toBe(
      'Test notification received from grafana (group expereo-bridge-57c6d9296de2ad39-1796160000): test received, no case opened at expereo.',
    );
  });

  it("Zendesk's webhook test body, not a body that happens to have a name", () => {
    expect(isZendeskTest({ name: 'test webhook' })).toBe(true);
    expect(isZendeskTest({ name: 'x', ticketId: '1' })).toBe(false);
    expect(isZendeskTest([{ name: 'x' }])).toBe(false);
  });

  it('a ServiceNow or generic body whose event is "test"', () => {
    const { connectors } = itsmRoutingSchema.parse({
      connectors: {
        sn: { tool: 'servicenow', auth: { type: 'bearer', token: 'servicenow-token-0123456789' } },
        zd: { tool: 'zendesk', auth: { secret: 'zendesk-secret-0123456789' } },
      },
    });
    expect(parseTicketEvent(connectors.sn!, { event: 'Test', sys_id: '' })).toEqual({ kind: 'test', reason: 'event test' });
    expect(parseTicketEvent(connectors.zd!, { name: 'test webhook' })).toMatchObject({ kind: 'test' });
    expect(parseTicketEvent(connectors.sn!, { event: 'created', sys_id: 'abc' }).kind).not.toBe('test');
  });
});
