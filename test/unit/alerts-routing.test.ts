import { describe, expect, it } from 'vitest';
import { incidentHash, incidentKeyOf, MAX_KEY_LENGTH, normaliseKey } from '../../src/alerts/incident-key.js';
import { matchesAll, parseMatcher, type Matcher } from '../../src/alerts/matchers.js';
import type { Notification } from '../../src/alerts/notification.js';
import { resolvePolicy, severityOf } from '../../src/alerts/policy.js';
import { alertsRoutingSchema, type AlertsRouting } from '../../src/alerts/routing-schema.js';
import { parseNotification } from '../../src/alerts/sources/index.js';
import { loadRoutingFile } from '../../src/config/routing-file.js';
import { ConfigError } from '../../src/config/config-error.js';
import { fixture } from '../fixtures/alerts/payloads.js';

function notification(source: 'alertmanager' | 'grafana' | 'events', name: string): Notification {
  const r = parseNotification(source, fixture(name));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.notification;
}

function routing(input: unknown): AlertsRouting {
  return alertsRoutingSchema.parse(input);
}

const TOKEN = 'bearer-token-0123456789';

describe('label matchers', () => {
  it('parses the four Alertmanager operators, quoted or not', () => {
    expect(parseMatcher('team="network"')).toEqual({ name: 'team', op: '=', value: 'network' });
    expect(parseMatcher('severity=~"critical|major"')).toEqual({ name: 'severity', op: '=~', value: 'critical|major' });
    expect(parseMatcher(' env != dev ')).toEqual({ name: 'env', op: '!=', value: 'dev' });
    expect(parseMatcher('site!~"lab-.*"')).toEqual({ name: 'site', op: '!~', value: 'lab-.*' });
    expect(parseMatcher('msg="say \\"hi\\""')).toEqual({ name: 'msg', op: '=', value: 'say "hi"' });
  });

  it('explains what is not a matcher', () => {
    expect(parseMatcher('team')).toHaveProperty('error');
    expect(parseMatcher('9team="x"')).toHaveProperty('error');
    expect((parseMatcher('a=~"("') as { error: string }).error).toContain('invalid regular expression');
  });

  it('matches like Alertmanager: anchored regexes, missing labels are empty', () => {
    const m = (t: string) => parseMatcher(t) as Matcher;
    const labels = { team: 'network', severity: 'critical' };
    expect(matchesAll([m('team="network"'), m('severity=~"crit.*"')], labels)).toBe(true);
    expect(matchesAll([m('severity=~"crit"')], labels)).toBe(false);
    expect(matchesAll([m('env!="prod"')], labels)).toBe(true);
    expect(matchesAll([m('env=""')], labels)).toBe(true);
    expect(matchesAll([m('team!~"net.*"')], labels)).toBe(false);
    expect(matchesAll([], labels)).toBe(true);
  });
});

describe('routing file: alerts section', () => {
  it('applies defaults', () => {
    const r = routing({ sources: { alertmanager: { auth: { bearer: TOKEN } } }, rules: [{ name: 'all', service: 'SRV-1' }] });
    expect(r.maxBodyBytes).toBe(1024 * 1024);
    expect(r.correlation).toEqual([]);
    expect(r.rules[0]!.matchers).toEqual([]);
    expect(r.defaults).toEqual({});
  });

  it('names each problem with its path through BRIDGE_CONFIG', () => {
    const text = JSON.stringify({
      alerts: {
        sources: { alertmanager: { auth: { bearer: 'short' } }, grafana: { auth: {} }, nagios: {} },
        rules: [
          { name: 'a', service: 'SRV-1', matchers: ['team'], severities: [{ when: 'critical', subject: 'ServiceDown', priority: 'P9' }] },
          { name: 'c', service: 'SRV-1', flap: { maxToggles: 0, windowSeconds: 60 }, announce: { slackChannel: 'general' } },
          { name: 'b', service: 'SRV-1', severities: [{ when: 'info', type: 'General Request', subject: 'ServiceDown', priority: 'P1' }] },
        ],
      },
    });
    let problems: string[] = [];
    try {
      loadRoutingFile(text, 'routing.json');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      problems = (err as ConfigError).problems;
    }
    const joined = problems.join('\n');
    expect(joined).toContain('alerts.sources.alertmanager.auth.bearer: must be at least 16 characters long');
    expect(joined).toContain('alerts.sources.grafana.auth: give exactly one of bearer, basic or hmac');
    expect(joined).toContain('alerts.sources: Unrecognized key: "nagios"');
    expect(joined).toContain('alerts.rules.0.matchers.0: "team" is not a matcher');
    expect(joined).toContain('alerts.rules.0.severities.0.priority');
    expect(joined).toContain('alerts.rules.1.flap');
    expect(joined).toContain('alerts.rules.1.announce.slackChannel: must be a Slack channel id');
    expect(joined).toContain('alerts.rules.2.severities.0.subject: must be one of ActivationSupport');
    expect(joined).toContain('alerts.rules.2.severities.0.priority: must be one of P3, P4, P5 for General Request');
  });

  it('refuses two rules of the same name', () => {
    const r = alertsRoutingSchema.safeParse({
      rules: [
        { name: 'a', service: 'S' },
        { name: 'a', service: 'T' },
      ],
    });
    expect(r.error?.issues).toEqual([expect.objectContaining({ path: ['rules', 1, 'name'], message: 'duplicate rule name "a"' })]);
  });

  it('lower-cases HMAC header names and defaults the tolerance', () => {
    const r = routing({ sources: { alertmanager: { auth: { hmac: { secret: 's'.repeat(20), header: 'X-Hub-Signature-256', timestampHeader: 'X-TS' } } } } });
    expect(r.sources.alertmanager!.auth.hmac).toEqual({
      secret: 's'.repeat(20),
      header: 'x-hub-signature-256',
      timestampHeader: 'x-ts',
      timestampRequired: true,
      toleranceSeconds: 300,
    });
  });

  it("gives Grafana Grafana's own header names, the timestamp checked when sent", () => {
    const r = routing({ sources: { grafana: { auth: { hmac: { secret: 's'.repeat(20) } } } } });
    expect(r.sources.grafana!.auth.hmac).toEqual({
      secret: 's'.repeat(20),
      header: 'x-grafana-alerting-signature',
      timestampHeader: 'x-grafana-alerting-timestamp',
      timestampRequired: false,
      toleranceSeconds: 300,
    });
  });

  it('checks routing keys: their form, their names and the rules they name', () => {
    const key = 'A0123456789abcdef0123456789abcde';
    const ok = routing({ sources: { events: { routingKeys: [{ name: 'network', key, rules: ['r1'] }] } }, rules: [{ name: 'r1', service: 'SRV-40000001' }] });
    expect(ok.sources.events!.routingKeys).toEqual([{ name: 'network', key, rules: ['r1'] }]);
    const bad = () =>
      loadRoutingFile(
        JSON.stringify({
          alerts: {
            sources: {
              events: {
                routingKeys: [
                  { name: 'a', key: 'short' },
                  { name: 'b', key, rules: ['nope'] },
                  { name: 'b', key },
                ],
              },
            },
            rules: [{ name: 'r1', service: 'SRV-40000001' }],
          },
        }),
        'routing.json',
      );
    expect(bad).toThrow(/routingKeys\.0\.key: must be 32 letters or digits/);
    let message = '';
    try {
      bad();
    } catch (err) {
      message = String((err as Error).message);
    }
    expect(message).toMatch(/duplicate routing key name "b"/);
    expect(message).toMatch(/the same routing key is given twice/);
    expect(message).toMatch(/routingKeys\.1\.rules\.0: no rule is named "nope"/);
    expect(() => routing({ sources: { events: {} } })).toThrow(/give auth, routingKeys or both/);
  });
});

describe('rules → policy', () => {
  const base = {
    sources: { alertmanager: { auth: { bearer: TOKEN } } },
    defaults: { holdDownSeconds: 30, resolve: { status: 'Resolved' }, reopen: { windowSeconds: 600 } },
    rules: [
      { name: 'lab', matchers: ['env="lab"'], service: 'SRV-LAB' },
      { name: 'network', matchers: ['team="network"'], service: { label: 'expereo_service' }, site: 'SITE-100101', flap: false, holdDownSeconds: 0 },
      { name: 'grafana', sources: ['grafana'], service: { label: 'circuit_id', map: { 'CIR-2002': 'SRV-40000002' } } },
    ],
  };

  it('takes the first matching rule, merged over the defaults', () => {
    const res = resolvePolicy(routing(base), notification('alertmanager', 'alertmanager-firing.json'));
    if (!('policy' in res)) throw new Error(JSON.stringify(res));
    expect(res.policy).toMatchObject({
      rule: 'network',
      serviceId: 'SRV-40000001',
      siteId: 'SITE-100101',
      holdDownMs: 0,
      resolve: { message: true, status: 'Resolved' },
      reopen: { windowMs: 600_000 },
      author: 'Alertmanager',
      maxTextChars: 6000,
    });
    expect(res.policy.flap).toBeUndefined();
  });

  it('maps a label value to a service and limits rules to sources', () => {
    // The first matching rule decides, even when it cannot name the service: no silent fall-through.
    expect(resolvePolicy(routing(base), notification('grafana', 'grafana-firing.json'))).toHaveProperty('invalid');
    const onlyGrafana = routing({ ...base, rules: [base.rules[2]] });
    const g = resolvePolicy(onlyGrafana, notification('grafana', 'grafana-firing.json'));
    expect(g).toMatchObject({
      policy: { rule: 'grafana', serviceId: 'SRV-40000002', holdDownMs: 30_000, flap: { maxToggles: 4, windowMs: 900_000, quietMs: 900_000 } },
    });
    expect(resolvePolicy(onlyGrafana, notification('alertmanager', 'alertmanager-firing.json'))).toEqual({
      ignored: 'no alert rule matches this notification',
    });
  });

  it('says which label is missing when the service comes from one', () => {
    const n = notification('events', 'events-trigger.json');
    const res = resolvePolicy(routing({ rules: [{ name: 'x', service: { label: 'expereo_service' } }] }), n);
    expect(res).toEqual({
      invalid: [{ path: 'labels.expereo_service', message: expect.stringContaining('rule "x": service comes from label "expereo_service"') }],
    });
    const unmapped = resolvePolicy(routing({ rules: [{ name: 'x', service: { label: 'circuit_id', map: { 'CIR-1': 'SRV-1' } } }] }), n);
    expect(unmapped).toEqual({ invalid: [{ path: 'labels.circuit_id', message: 'rule "x": service: no mapping for circuit_id="CIR-3003"' }] });
  });

  it('picks the most severe mapping any alert falls under', () => {
    const policy = { severityLabel: 'severity', severities: routing({ rules: [{ name: 'x', service: 'S' }] }).rules[0]!.severities ?? [] };
    const res = resolvePolicy(routing({ rules: [{ name: 'x', service: 'S' }] }), notification('alertmanager', 'alertmanager-firing.json'));
    if (!('policy' in res)) throw new Error('no policy');
    const alert = (severity: string) => ({ id: severity, fingerprint: severity, name: severity, labels: { severity }, annotations: {}, links: [] });
    expect(severityOf(res.policy, [alert('warning'), alert('critical')])).toMatchObject({ subject: 'ServiceDown', priority: 'P1' });
    expect(severityOf(res.policy, [alert('warning')])).toMatchObject({ subject: 'ServiceDegradation', priority: 'P3' });
    expect(severityOf(res.policy, [alert('info')])).toMatchObject({ subject: 'ServiceIntermittent', priority: 'P4' });
    expect(severityOf(res.policy, [alert('bizarre')])).toMatchObject({ subject: 'ServiceDegradation', priority: 'P3' });
    expect(severityOf({ ...policy, severities: [{ when: ['page'], type: 'Incident', subject: 'ServiceDown', priority: 'P2' }] }, [alert('x')])).toMatchObject({
      priority: 'P3',
    });
  });
});

describe('incident keys', () => {
  it('normalises white space and control characters, and bounds the length', () => {
    expect(normaliseKey('  {}:{alertname="Test",  job="x"}\n')).toBe('{}:{alertname="Test", job="x"}');
    expect(normaliseKey('a\u0000\tb')).toBe('a b');
    const long = normaliseKey('k'.repeat(500));
    expect(long.length).toBe(MAX_KEY_LENGTH);
    expect(long).not.toBe(normaliseKey(`${'k'.repeat(499)}j`));
    expect(normaliseKey('{}/{team="network"}:{circuit_id="CIR-1", site="AMS 1"}')).toBe('{}/{team="network"}:{circuit_id="CIR-1", site="AMS 1"}');
    expect(normaliseKey(' a b')).toBe('a b');
    expect(normaliseKey('a b ')).toBe('a b');
    expect(normaliseKey('ｋｅｙ')).toBe('key');
  });

  it('namespaces keys by source unless a correlation rule names the incident', () => {
    const am = notification('alertmanager', 'alertmanager-firing.json');
    expect(incidentKeyOf(am, [])).toEqual({ key: 'alertmanager:{}/{team="network"}:{circuit_id="CIR-1001"}', correlated: false });
    const ev = notification('events', 'events-trigger.json');
    expect(incidentKeyOf(ev, []).key).toBe('events:probe/cir-3003/icmp');
    const correlation = [{ name: 'circuit', labels: ['circuit_id'] }];
    expect(incidentKeyOf(am, correlation)).toEqual({ key: 'corr:circuit:circuit_id=cir-1001', correlated: true });
    const sameCircuit = { ...ev, labels: { ...ev.labels, circuit_id: ' cir-1001 ' } };
    expect(incidentKeyOf(sameCircuit, correlation).key).toBe('corr:circuit:circuit_id=cir-1001');
    expect(incidentKeyOf(ev, [{ name: 'c', labels: ['circuit_id'], sources: ['grafana'] }]).correlated).toBe(false);
    expect(incidentHash('corr:circuit:circuit_id=cir-1001')).toMatch(/^[0-9a-f]{24}$/);
  });
});
