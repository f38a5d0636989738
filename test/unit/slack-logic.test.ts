import { describe, expect, it } from 'vitest';
import { slackRoutingSchema } from '../../src/slack/routing-schema.js';
import { caseBelongsTo, isClosed } from '../../src/slack/case-access.js';
import { parseCaseCommand } from '../../src/slack/command-text.js';
import { slackLink, slackThreadOf } from '../../src/slack/links.js';
import { failureReason } from '../../src/slack/outcomes.js';
import { serviceOptions, siteOptions } from '../../src/slack/picker-options.js';
import { caseUrl, resolveRoute } from '../../src/slack/account-routing.js';
import { deliveryText } from '../../src/slack/thread-sink.js';
import { escapeMrkdwn, queuedText, subjectLabel } from '../../src/slack/texts.js';
import { slackToPlain, threadReplyOf } from '../../src/slack/thread-reply.js';

describe('/case text', () => {
  it('understands the subcommands', () => {
    expect(parseCaseCommand('')).toEqual({ kind: 'new' });
    expect(parseCaseCommand('  NEW ')).toEqual({ kind: 'new' });
    expect(parseCaseCommand('status CASE-00001234')).toEqual({ kind: 'status', caseId: 'CASE-00001234' });
    expect(parseCaseCommand('list')).toEqual({ kind: 'list' });
    expect(parseCaseCommand('link 5001')).toEqual({ kind: 'link', caseId: '5001' });
    expect(parseCaseCommand('help')).toEqual({ kind: 'help' });
  });

  it('answers anything else with help', () => {
    for (const text of ['status', 'status a b', 'link <script>', 'new thing', 'delete 1', 'list all']) {
      expect(parseCaseCommand(text), text).toEqual({ kind: 'help', unknown: text });
    }
  });
});

describe('routing', () => {
  const routing = slackRoutingSchema.parse({
    workspaces: [{ teamId: 'T0A', accountId: 'ACC-1', defaultServiceId: 'SRV-W' }],
    channels: [{ channel: 'C0X', accountId: 'ACC-2' }],
  });

  it('prefers the channel’s mapping to its workspace’s', () => {
    expect(resolveRoute(routing, { teamId: 'T0A', channelId: 'C0X' })).toEqual({ accountId: 'ACC-2', defaultServiceId: undefined, via: 'channel' });
    expect(resolveRoute(routing, { teamId: 'T0A', channelId: 'C0Y' })).toEqual({ accountId: 'ACC-1', defaultServiceId: 'SRV-W', via: 'workspace' });
    expect(resolveRoute(routing, { teamId: 'T0B', channelId: 'C0Y' })).toBeUndefined();
    expect(resolveRoute(undefined, { teamId: 'T0A', channelId: 'C0X' })).toBeUndefined();
  });

  it('refuses a channel mapped twice, a bad id and a URL template without {caseId}', () => {
    expect(
      slackRoutingSchema.safeParse({
        channels: [
          { channel: 'C0X', accountId: 'A' },
          { channel: 'C0X', accountId: 'B' },
        ],
      }).success,
    ).toBe(false);
    expect(slackRoutingSchema.safeParse({ channels: [{ channel: '#ops', accountId: 'A' }] }).success).toBe(false);
    expect(slackRoutingSchema.safeParse({ caseUrlTemplate: 'https://x/cases' }).success).toBe(false);
    expect(slackRoutingSchema.safeParse({ channels: [{ channel: 'C0X', accountId: 'A', extra: 1 }] }).success).toBe(false);
  });

  it('builds case URLs from the template', () => {
    expect(caseUrl(routing, 'CASE 1')).toBe('https://one.expereo.com/cases/CASE%201');
    expect(caseUrl(slackRoutingSchema.parse({ caseUrlTemplate: 'https://p/x?id={caseId}' }), 'C1')).toBe('https://p/x?id=C1');
  });
});

describe('case access', () => {
  it('goes by the case’s account, else by its service being the account’s; unknown is no', () => {
    expect(caseBelongsTo({ accountId: 'A', serviceId: 'S1' }, 'A', undefined)).toBe(true);
    expect(caseBelongsTo({ accountId: 'B', serviceId: 'S1' }, 'A', new Set(['S1']))).toBe(false);
    expect(caseBelongsTo({ accountId: null, serviceId: 'S1' }, 'A', new Set(['S1']))).toBe(true);
    expect(caseBelongsTo({ accountId: null, serviceId: 'S2' }, 'A', new Set(['S1']))).toBe(false);
    expect(caseBelongsTo({ accountId: null, serviceId: 'S1' }, 'A', undefined)).toBe(false);
    expect(caseBelongsTo({ accountId: null, serviceId: null }, 'A', new Set(['S1']))).toBe(false);
  });

  it('compares closed statuses without regard to case', () => {
    expect(isClosed('resolved', ['Closed', 'Resolved'])).toBe(true);
    expect(isClosed('In Progress', ['Closed', 'Resolved'])).toBe(false);
    expect(isClosed(null, ['Closed'])).toBe(false);
  });
});

describe('thread replies', () => {
  const base = { type: 'message', channel: 'C1', user: 'U1', text: 'hi', ts: '2.0', thread_ts: '1.0' };

  it('takes people’s replies in threads, with files as links', () => {
    expect(threadReplyOf(base)).toEqual({ channel: 'C1', threadTs: '1.0', ts: '2.0', user: 'U1', text: 'hi' });
    const withFile = threadReplyOf({ ...base, subtype: 'file_share', text: '', files: [{ name: 'a.png', permalink: 'https://f/a' }] });
    expect(withFile?.text).toBe('File: a.png https://f/a');
    expect(threadReplyOf({ ...base, subtype: 'thread_broadcast' })).toBeDefined();
  });

  it('ignores bots, edits, deletions, thread roots, channel messages and empty ones', () => {
    expect(threadReplyOf({ ...base, bot_id: 'B1' })).toBeUndefined();
    expect(threadReplyOf({ ...base, subtype: 'bot_message' })).toBeUndefined();
    expect(threadReplyOf({ ...base, subtype: 'message_changed' })).toBeUndefined();
    expect(threadReplyOf({ ...base, subtype: 'message_deleted' })).toBeUndefined();
    expect(threadReplyOf({ ...base, thread_ts: '2.0' })).toBeUndefined();
    expect(threadReplyOf({ ...base, thread_ts: undefined })).toBeUndefined();
    expect(threadReplyOf({ ...base, text: '  ' })).toBeUndefined();
    expect(threadReplyOf({ ...base, user: undefined })).toBeUndefined();
  });

  it('reads hostile shapes without throwing: wrong types are ignored, not fatal', () => {
    const odd = (patch: Record<string, unknown>) => threadReplyOf({ ...base, ...patch } as never);
    expect(odd({ text: 42 })).toBeUndefined();
    expect(odd({ text: { a: 1 }, files: [{ permalink: 'https://f/a', title: 7 }] })?.text).toBe('File: attachment https://f/a');
    expect(odd({ files: 'nope' })?.text).toBe('hi');
    expect(odd({ files: [null, 3, { permalink: 5 }] })?.text).toBe('hi');
    expect(odd({ ts: 'not-a-ts' })).toBeUndefined();
    expect(odd({ thread_ts: 12 })).toBeUndefined();
    expect(odd({ channel: ['C1'] })).toBeUndefined();
    expect(odd({ user: { id: 'U1' } })).toBeUndefined();
  });

  it('turns Slack markup into plain text', () => {
    expect(slackToPlain('<@U1> see <#C2|ops> and <https://x.y/z|the doc>, <https://a.b> &lt;3 &amp; <!here>')).toBe(
      '@U1 see #ops and the doc (https://x.y/z), https://a.b <3 & @here',
    );
  });
});

describe('texts', () => {
  it('escapes mrkdwn control characters only', () => {
    expect(escapeMrkdwn('a <b> & *c*')).toBe('a &lt;b&gt; &amp; *c*');
  });

  it('labels subjects for people', () => {
    expect(subjectLabel('ServiceDown')).toBe('Service down');
    expect(subjectLabel('RfoRequest')).toBe('RFO request');
    expect(subjectLabel('Other')).toBe('Other');
  });

  it('rounds the wait up to whole seconds, at least one', () => {
    const body = { type: 'Incident', subject: 'ServiceDown', priority: 'P1', serviceId: 'S', description: 'd' } as const;
    expect(queuedText({ userId: 'U1', body, etaMs: 0 })).toContain('queued, about 1 s');
    expect(queuedText({ userId: 'U1', body, etaMs: 4001 })).toContain('queued, about 5 s');
    expect(queuedText({ userId: 'U1', body, etaMs: undefined })).toMatch(/queued\n/);
  });

  it('shows mirrored replies with the engineer’s name, escaped', () => {
    expect(deliveryText({ id: '1', caseId: 'C', kind: 'message', author: 'Ana <NOC>', text: 'a & b', at: '' })).toBe('*Ana &lt;NOC&gt;* (expereo): a &amp; b');
    expect(deliveryText({ id: '1', caseId: 'C', kind: 'message', text: 'x', at: '' })).toBe('*expereo support* (expereo): x');
  });

  it('explains failures with their field errors', () => {
    expect(failureReason({ code: 'x', message: 'refused', fieldErrors: [{ field: 'serviceId', message: 'unknown' }] })).toBe('refused (serviceId: unknown)');
    expect(failureReason(undefined)).toBe('unknown error');
  });
});

describe('pickers and links', () => {
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

  it('reads Slack links back', () => {
    const link = slackLink('C1', '1.0');
    expect(link).toEqual({ id: 'slack:C1:1.0', kind: 'slack', data: { channel: 'C1', threadTs: '1.0' } });
    expect(slackThreadOf(link)).toEqual({ channel: 'C1', threadTs: '1.0' });
    expect(slackThreadOf({ kind: 'slack', data: { channel: 'C1' } })).toBeUndefined();
    expect(slackThreadOf({ kind: 'itsm', data: { channel: 'C1', threadTs: '1' } })).toBeUndefined();
  });
});
