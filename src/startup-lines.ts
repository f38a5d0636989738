import type { Config } from './config/config.js';

export interface StartupLine {
  fields: Record<string, unknown>;
  msg: string;
}

export interface StartupFacts {
  config: Pick<Config, 'routing' | 'routingPath' | 'adminToken' | 'slack' | 'role'>;
  /** Where the bridge listens, as Fastify says it (`http://0.0.0.0:3000`). */
  address: string;
  /** The built-in sandbox, when the bridge uses it. */
  sandbox?: { baseUrl: string; clientId: string; clientSecret: string };
}

/** A listening address people can open: 0.0.0.0 and :: become localhost. */
export function openableUrl(address: string): string {
  const url = new URL(address);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = 'localhost';
  return url.origin;
}

/**
 * The start-up story, one line each: what the routing file turns on, where the admin API and the
 * console are, the sandbox in use and its demo credentials, and what to try next.
 */
export function startupLines(facts: StartupFacts): StartupLine[] {
  const { config } = facts;
  const base = openableUrl(facts.address);
  const r = config.routing;
  const sources = Object.keys(r.alerts?.sources ?? {});
  const rules = (r.alerts?.rules ?? []).map((rule) => rule.name);
  const connectors = Object.entries(r.itsm?.connectors ?? {}).map(([name, c]) => `${name} (${c.tool})`);
  const channels = (r.slack?.channels ?? []).map((c) => c.channel);
  const routing = {
    routingFile: config.routingPath ?? null,
    sources,
    rules,
    connectors,
    channels,
    slack: config.slack ? 'on' : 'off',
  };
  const lines: StartupLine[] = [
    {
      fields: routing,
      msg: config.routingPath
        ? `routing file ${config.routingPath} loaded: ${count(sources, 'alert source')}, ${count(rules, 'alert rule')}, ${count(connectors, 'ITSM connector')}, ${count(channels, 'Slack channel')}`
        : 'no routing file (BRIDGE_CONFIG is not set): no alert source, ITSM connector or Slack channel is routed',
    },
  ];
  if (config.role === 'worker') return lines;
  lines.push(
    config.adminToken
      ? {
          fields: { adminApi: `${base}/admin/`, console: `${base}/console/`, queues: `${base}/admin/queues` },
          msg: `console at ${base}/console/ (sign in with ADMIN_TOKEN)`,
        }
      : { fields: { adminApi: null, console: null }, msg: 'admin API and console are off: set ADMIN_TOKEN (16 characters or more) to turn them on' },
  );
  if (facts.sandbox) {
    const s = facts.sandbox;
    lines.push({
      fields: { sandbox: s.baseUrl, sandboxPage: new URL('/sandbox/', s.baseUrl).href, demoClientId: s.clientId, demoClientSecret: s.clientSecret },
      msg: `built-in sandbox at ${s.baseUrl}, its cases and messages at ${new URL('/sandbox/', s.baseUrl).href} (demo credentials ${s.clientId} / ${s.clientSecret}; GET /v2/cases with a token from /oauth2/token)`,
    });
  }
  lines.push({ fields: { next: nextSteps(base, facts) }, msg: `try next: ${nextSteps(base, facts)}` });
  return lines;
}

function nextSteps(base: string, facts: StartupFacts): string {
  const r = facts.config.routing;
  const steps: string[] = [];
  if (Object.keys(r.alerts?.sources ?? {}).length > 0) steps.push(`POST an Alertmanager notification to ${base}/webhooks/alerts/alertmanager`);
  if (Object.keys(r.itsm?.connectors ?? {}).length > 0) steps.push(`POST a ticket to ${base}/webhooks/itsm/<tool>?connector=<name>`);
  if (steps.length === 0) steps.push('set BRIDGE_CONFIG to a routing file such as examples/demo.yaml (or run npm run demo)');
  if (facts.config.adminToken) steps.push(`watch its case at ${base}/console/`);
  return steps.join('; then ');
}

function count(names: string[], what: string): string {
  const n = names.length;
  return `${n} ${what}${n === 1 ? '' : 's'}${n > 0 ? ` (${names.join(', ')})` : ''}`;
}
