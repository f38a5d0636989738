import { describe, expect, it } from 'vitest';
import { readCaseForm, type ViewValues } from '../../src/slack/case-form.js';
import { caseModal, readMetadata } from '../../src/slack/case-modal.js';

const now = Date.parse('2025-03-04T12:00:00Z');
const metadata = { channel: 'C0CASES01', teamId: 'T0TEST01' };
const opts = { metadata, author: 'ana', nowMs: now };
const pick = (value: string | undefined) => ({ selected_option: value === undefined ? null : { value } });

function values(
  type: string,
  o: { subject?: string; priority?: string; service?: string; site?: string; description?: string; start?: number | null } = {},
): ViewValues {
  const slug = type === 'Incident' ? 'incident' : 'general';
  return {
    type: { case_type: pick(type) },
    [`subject_${slug}`]: { subject: pick(o.subject) },
    [`priority_${slug}`]: { priority: pick(o.priority) },
    service: { service: pick(o.service) },
    site: { site: pick(o.site) },
    description: { description: { value: o.description ?? null } },
    ...(type === 'Incident' ? { start_of_incident: { start_of_incident: { selected_date_time: o.start ?? null } } } : {}),
  };
}

describe('reading the case modal', () => {
  it('builds an incident with its start time and the author in the description', () => {
    const form = readCaseForm(
      values('Incident', { subject: 'ServiceDown', priority: 'P1', service: 'SRV-1', site: 'SITE-1', description: ' Down ', start: now / 1000 - 60 }),
      opts,
    );
    expect(form).toEqual({
      ok: true,
      body: {
        type: 'Incident',
        subject: 'ServiceDown',
        priority: 'P1',
        serviceId: 'SRV-1',
        siteId: 'SITE-1',
        description: 'Down\n\n(Opened from Slack by ana)',
        startOfIncident: '2025-03-04T11:59:00.000Z',
      },
    });
  });

  it('builds a general request without a start time', () => {
    const form = readCaseForm(values('General Request', { subject: 'ChangeRequest', priority: 'P4', service: 'SRV-1', description: 'Raise bandwidth' }), opts);
    expect(form.ok && form.body).toMatchObject({ type: 'General Request', subject: 'ChangeRequest', priority: 'P4' });
    expect(form.ok && form.body.startOfIncident).toBeUndefined();
  });

  it('shows each problem next to its field', () => {
    const form = readCaseForm(values('Incident', { subject: 'ChangeRequest', priority: 'P7', description: '  ', start: now / 1000 + 3600 }), opts);
    expect(form.ok).toBe(false);
    expect(!form.ok && Object.keys(form.errors).sort()).toEqual(['description', 'priority_incident', 'service', 'start_of_incident', 'subject_incident']);
  });

  it('keeps general requests to P3–P5 and asks incidents for a start time', () => {
    const general = readCaseForm(values('General Request', { subject: 'Other', priority: 'P1', service: 'S', description: 'd' }), opts);
    expect(!general.ok && general.errors).toEqual({ priority_general: 'General Request priorities are P3 to P5.' });
    const incident = readCaseForm(values('Incident', { subject: 'ServiceDown', priority: 'P2', service: 'S', description: 'd', start: null }), opts);
    expect(!incident.ok && Object.keys(incident.errors)).toEqual(['start_of_incident']);
  });

  it('asks to submit again when the type changed but the form was not yet redrawn', () => {
    const stale = {
      ...values('Incident', { subject: 'ServiceDown', priority: 'P1', service: 'S', description: 'd', start: 1 }),
      type: { case_type: pick('General Request') },
    };
    const form = readCaseForm(stale, opts);
    expect(!form.ok && Object.keys(form.errors)).toEqual(['type']);
  });

  it('adds the Slack message’s permalink when the person removed it', () => {
    const source = 'https://test.slack.com/archives/C1/p1';
    const form = readCaseForm(values('General Request', { subject: 'Other', priority: 'P5', service: 'S', description: 'About this' }), {
      ...opts,
      metadata: { ...metadata, source },
    });
    expect(form.ok && form.body.description).toBe(`About this\n\nSlack message: ${source}\n\n(Opened from Slack by ana)`);
    const kept = readCaseForm(values('General Request', { subject: 'Other', priority: 'P5', service: 'S', description: `See ${source}` }), {
      ...opts,
      metadata: { ...metadata, source },
    });
    expect(kept.ok && kept.body.description.split(source).length).toBe(2);
  });
});

describe('the case modal', () => {
  it('carries where it was opened from, and nothing else', () => {
    const view = caseModal({ metadata: { ...metadata, source: 'https://x' }, type: 'General Request', nowMs: now });
    expect(readMetadata(view.private_metadata)).toEqual({ ...metadata, source: 'https://x' });
    expect(readMetadata('not json')).toBeUndefined();
    expect(readMetadata('{"channel":1}')).toBeUndefined();
  });

  it('asks incidents when they started, defaulting to now', () => {
    const view = caseModal({ metadata, type: 'Incident', nowMs: now + 42_000 });
    const start = view.blocks.find((b) => b.block_id === 'start_of_incident') as { element: { initial_date_time: number } };
    expect(start.element.initial_date_time).toBe(now / 1000);
    expect(caseModal({ metadata, type: 'General Request', nowMs: now }).blocks.some((b) => b.block_id === 'start_of_incident')).toBe(false);
  });

  it('prefills the service and the description within Slack’s limits', () => {
    const view = caseModal({
      metadata,
      type: 'Incident',
      nowMs: now,
      prefill: { service: { id: 'SRV-1', label: 'x'.repeat(100) }, description: 'y'.repeat(5000) },
    });
    const service = view.blocks.find((b) => b.block_id === 'service') as { element: { initial_option: { value: string; text: { text: string } } } };
    expect(service.element.initial_option.value).toBe('SRV-1');
    expect(service.element.initial_option.text.text.length).toBeLessThanOrEqual(75);
    const description = view.blocks.find((b) => b.block_id === 'description') as { element: { initial_value: string } };
    expect(description.element.initial_value.length).toBe(3000);
  });
});
