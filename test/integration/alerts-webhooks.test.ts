import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { withRedisDown } from '../helpers/redis.js';
import {
  AM_TOKEN,
  alertsRouting,
  circuitIncident,
  createKeyOf,
  GRAFANA_HEADER,
  grafanaSignature,
  postAlert,
  postAndHandle,
} from '../fixtures/alerts/bridge-routing.js';
import { alertmanagerGroup, fixture } from '../fixtures/alerts/payloads.js';
import { ALERTS_INTAKE } from '../../src/alerts/alerts-capability.js';

let bridge: TestBridge;
beforeAll(async () => {
  const { events: _events, ...sources } = alertsRouting.sources;
  bridge = await startTestBridge({ routing: { alerts: { ...alertsRouting, sources } } });
});
afterAll(async () => bridge?.close());

const amHeaders = { 'content-type': 'application/json', authorization: `Bearer ${AM_TOKEN}` };

describe('alert webhooks: what they refuse', () => {
  it('401 for a missing or wrong credential', async () => {
    const body = JSON.stringify(fixture('alertmanager-firing.json'));
    const none = await bridge.app.inject({
      method: 'POST',
      url: '/webhooks/alerts/alertmanager',
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: 'unauthorized', message: 'invalid credentials' });
    const wrong = await bridge.app.inject({
      method: 'POST',
      url: '/webhooks/alerts/alertmanager',
      headers: { ...amHeaders, authorization: 'Bearer nope-nope-nope-nope-nope' },
      payload: body,
    });
    expect(wrong.statusCode).toBe(401);
    const forged = await bridge.app.inject({
      method: 'POST',
      url: '/webhooks/alerts/grafana',
      headers: { 'content-type': 'application/json', [GRAFANA_HEADER]: grafanaSignature(`${body} `) },
      payload: body,
    });
    expect(forged.statusCode).toBe(401);
  });

  it('400 with the validation issues for a malformed body', async () => {
    const notJson = await bridge.app.inject({ method: 'POST', url: '/webhooks/alerts/alertmanager', headers: amHeaders, payload: '{"version":' });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toMatchObject({ error: 'invalid_request', message: 'the body is not valid JSON', issues: [{ path: '' }] });

    const wrongShape = await postAlert(bridge, 'alertmanager', { ...fixture('alertmanager-firing.json'), groupKey: '', alerts: [{ status: 'firing' }] });
    expect(wrongShape.statusCode).toBe(400);
    expect(wrongShape.json()).toMatchObject({ error: 'invalid_request', message: 'not a valid alertmanager notification' });
    expect(wrongShape.json().issues).toEqual(
      expect.arrayContaining([{ path: 'groupKey', message: 'must not be empty' }, expect.objectContaining({ path: 'alerts.0.labels' })]),
    );
  });

  it('400 when the matching rule cannot name the expereo service', async () => {
    const payload = alertmanagerGroup('CIR-5001', [{ name: 'CircuitDown', fingerprint: 'ff01' }]);
    for (const a of payload.alerts) delete (a.labels as Record<string, string>).expereo_service;
    delete (payload.commonLabels as Record<string, string>).expereo_service;
    const res = await postAlert(bridge, 'alertmanager', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().issues).toEqual([{ path: 'labels.expereo_service', message: expect.stringContaining('rule "network"') }]);
  });

  it('takes the service label from the alerts when the common labels lack it', async () => {
    const payload = alertmanagerGroup('CIR-5005', [{ name: 'CircuitDown', fingerprint: 'ff05' }]);
    delete (payload.commonLabels as Record<string, string>).expereo_service;
    const res = await postAndHandle(bridge, 'alertmanager', payload);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'accepted', writes: 1 });
  });

  it('202 "ignored" when no rule matches', async () => {
    const payload = alertmanagerGroup('CIR-5002', [{ name: 'DiskFull', fingerprint: 'ff02' }], { team: 'storage' });
    const res = await postAndHandle(bridge, 'alertmanager', payload);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'ignored', writes: 0, reason: 'no alert rule matches this notification' });
  });

  it('answers 202 with the intake entry id; the admin API tells what became of it', async () => {
    const payload = alertmanagerGroup('CIR-5004', [{ name: 'CircuitDown', fingerprint: 'ff04' }]);
    const res = await postAlert(bridge, 'alertmanager', payload);
    expect(res.statusCode).toBe(202);
    const { status, id } = res.json() as { status: string; id: string };
    expect(status).toBe('queued');
    const admin = { authorization: `Bearer ${bridge.core.config.adminToken}` };
    const handled = await eventually(async () => {
      const r = await bridge.app.inject({ method: 'GET', url: `/admin/intake/alerts/${id}`, headers: admin });
      return r.json().status === 'handled' ? r.json() : undefined;
    });
    expect(handled).toEqual({ id, status: 'handled', result: { status: 'accepted', incident: circuitIncident('CIR-5004'), writes: 1 } });
    const bad = await bridge.app.inject({ method: 'GET', url: '/admin/intake/alerts/not-an-id', headers: admin });
    expect(bad.statusCode).toBe(400);
    const unknown = await bridge.app.inject({ method: 'GET', url: '/admin/intake/nope/1-0', headers: admin });
    expect(unknown.statusCode).toBe(404);
    const overview = await bridge.app.inject({ method: 'GET', url: '/admin/intake', headers: admin });
    expect(overview.json().intakes).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'alerts' })]));
  });

  it('413 for an oversize body, 415 for another content type, 404 for a source not configured', async () => {
    const big = JSON.stringify({ ...fixture('alertmanager-firing.json'), padding: 'x'.repeat(70 * 1024) });
    const tooBig = await bridge.app.inject({ method: 'POST', url: '/webhooks/alerts/alertmanager', headers: amHeaders, payload: big });
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json()).toMatchObject({ error: 'payload_too_large' });

    const form = await bridge.app.inject({
      method: 'POST',
      url: '/webhooks/alerts/alertmanager',
      headers: { ...amHeaders, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=b',
    });
    expect(form.statusCode).toBe(415);
    expect(form.json()).toMatchObject({ error: 'unsupported_media_type' });

    const events = await bridge.app.inject({
      method: 'POST',
      url: '/webhooks/alerts/events',
      headers: amHeaders,
      payload: JSON.stringify(fixture('events-trigger.json')),
    });
    expect(events.statusCode).toBe(404);
    expect(events.json()).toEqual({ error: 'not_found', message: 'alert source events is not configured' });
  });
});

describe('alert webhooks: Grafana 12.4', () => {
  const grafanaHeaders = (body: string) => ({ 'content-type': 'application/json', [GRAFANA_HEADER]: grafanaSignature(body) });

  it('takes its default body signed, by PUT as by POST; the case names the version, the rule and the enrichments', async () => {
    const body = JSON.stringify(fixture('grafana/grafana-12.4.json'));
    const put = await bridge.app.inject({ method: 'PUT', url: '/webhooks/alerts/grafana', headers: grafanaHeaders(body), payload: body });
    expect(put.statusCode).toBe(202);
    const { id } = put.json() as { id: string };
    const handled = await eventually(async () => {
      const s = await bridge.core.intake(ALERTS_INTAKE).status(id);
      return s.status === 'handled' || s.status === 'dead' ? s : undefined;
    });
    expect(handled).toMatchObject({ status: 'handled', result: { status: 'accepted', incident: 'grafana:alertname', writes: 1 } });

    const caseId = await eventually(() => bridge.core.outbox.caseIdForKey(createKeyOf('grafana:alertname')));
    const kase = await bridge.core.expereo.getCase(caseId);
    expect(kase).toMatchObject({ serviceId: 'SRV-40000003', siteId: 'SITE-100101', customerReference: 'grafana:alertname' });
    expect(kase.description).toContain('Opened automatically from Grafana 12.4.3 for incident grafana:alertname.');
    expect(kase.description).toContain('alert1 [c2bd4acabd0c7346]');
    expect(kase.description).toContain('  rule test-rule-uid: http://localhost/alerting/grafana/test-rule-uid/view?orgId=1');
    expect(kase.description).toContain('    enrichments: {"customField":"customValue1","priority":"high"}');

    // The same notification by POST is the same incident, unchanged.
    const again = await postAndHandle(bridge, 'grafana', JSON.parse(body));
    expect(again.json()).toMatchObject({ status: 'unchanged', incident: 'grafana:alertname', writes: 0 });
    const forged = await bridge.app.inject({ method: 'PUT', url: '/webhooks/alerts/grafana', headers: grafanaHeaders(`${body} `), payload: body });
    expect(forged.statusCode).toBe(401);
    const putElsewhere = await bridge.app.inject({ method: 'PUT', url: '/webhooks/alerts/alertmanager', headers: amHeaders, payload: '{}' });
    expect(putElsewhere.statusCode).toBe(404);
  });

  it("400 naming what is missing when the contact point sends a custom payload template's body", async () => {
    const body = JSON.stringify({ var1: 'val1', var2: 'val2' });
    const res = await bridge.app.inject({ method: 'POST', url: '/webhooks/alerts/grafana', headers: grafanaHeaders(body), payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request', message: 'not a valid grafana notification' });
    expect(res.json().issues).toContainEqual({
      path: 'alerts',
      message: 'is required: "alerts" is part of Grafana\'s default webhook body (leave the contact point\'s custom payload template empty)',
    });
  });
});

describe('alert webhooks: Redis unreachable', () => {
  it('503 with Retry-After, never 202; the retry is then accepted', async () => {
    const payload = alertmanagerGroup('CIR-5003', [{ name: 'CircuitDown', fingerprint: 'ff03' }]);
    const down = await withRedisDown(bridge.core.redis, () => postAlert(bridge, 'alertmanager', payload));
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(down.json()).toEqual({ error: 'queue_unavailable', message: 'temporarily unavailable, retry later' });
    const retried = await postAndHandle(bridge, 'alertmanager', payload);
    expect(retried.json()).toMatchObject({ status: 'accepted', writes: 1 });
    expect(await bridge.core.outbox.entry(createKeyOf(circuitIncident('CIR-5003')))).toBeDefined();
  });
});
