import { describe, expect, it } from 'vitest';
import { caseUrl, resolveRoute } from '../../src/slack/account-routing.js';
import { slackRoutingSchema } from '../../src/slack/routing-schema.js';

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

  it('reads the case reaction with or without colons, :expereo: by default, false for none', () => {
    expect(slackRoutingSchema.parse({}).caseReaction).toBe('expereo');
    expect(slackRoutingSchema.parse({ caseReaction: ':rotating_light:' }).caseReaction).toBe('rotating_light');
    expect(slackRoutingSchema.parse({ caseReaction: false }).caseReaction).toBe(false);
    expect(slackRoutingSchema.safeParse({ caseReaction: 'Not An Emoji' }).success).toBe(false);
  });

  it('builds case URLs from the template', () => {
    expect(caseUrl(routing, 'CASE 1')).toBe('https://one.expereo.com/cases/CASE%201');
    expect(caseUrl(slackRoutingSchema.parse({ caseUrlTemplate: 'https://p/x?id={caseId}' }), 'C1')).toBe('https://p/x?id=C1');
  });
});
