import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/config.js';
import { Intake } from '../../src/intake/intake.js';
import type { Core } from '../../src/core.js';
import { createLogger } from '../../src/log.js';
import { slackCapability } from '../../src/slack/slack-capability.js';
import { CASE_COMMAND } from '../../src/slack/listeners/case-command.js';
import { OPEN_CASE_SHORTCUT } from '../../src/slack/listeners/message-shortcut.js';
import { stateKeys } from '../../src/state/state-keys.js';

/** Just what building the capability reads: it opens nothing until its routes or workers start. */
function coreWith(env: Record<string, string>, routing?: unknown) {
  const lines: { msg: string; level: number }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { msg: string; level: number });
      done();
    },
  });
  const config = loadConfig({ ...env, ...(routing ? { BRIDGE_CONFIG: '/routing.json' } : {}) }, () => JSON.stringify(routing));
  // An intake touches Redis only when something is appended.
  const intake = (name: string) => new Intake(undefined as unknown as Redis, name, 'test');
  const core = { config, log: createLogger('info', sink), keys: stateKeys('test'), intake } as unknown as Core;
  return { core, lines };
}

const slackEnv = { SLACK_SIGNING_SECRET: 'secret-0123456789', SLACK_BOT_TOKEN: 'xoxb-1' };

describe('the Slack capability', () => {
  it('runs with Slack off, and says so, without Slack settings', () => {
    const { core, lines } = coreWith({});
    const slack = slackCapability(core);
    expect(slack).toBeUndefined();
    expect(lines.map((l) => l.msg)).toEqual(['Slack is off: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN to turn it on']);
  });

  it('refuses to start with half the Slack settings', () => {
    for (const env of [{ SLACK_BOT_TOKEN: 'xoxb-1' }, { SLACK_SIGNING_SECRET: 'secret-0123456789' }] as Record<string, string>[]) {
      expect(() => coreWith(env)).toThrow(/SLACK_/);
    }
  });

  it('serves Slack, reports outcomes and delivers to threads when configured', () => {
    const { core, lines } = coreWith(slackEnv, { slack: { channels: [{ channel: 'C0X', accountId: 'ACC-1' }] } });
    const slack = slackCapability(core)!;
    expect(slack.events?.accept).toBeTypeOf('function');
    expect(Object.keys(slack.outcomes)).toEqual(['slack']);
    expect(slack.sinks.map((s) => s.kind)).toEqual(['slack']);
    expect(slack.events?.intake.name).toEqual('slack-events');
    expect(slack.background.fromIntake).toBe(true);
    expect(lines).toEqual([]);
  });

  it('warns when no channel or workspace is mapped', () => {
    const { core, lines } = coreWith(slackEnv);
    slackCapability(core);
    expect(lines.map((l) => l.msg)).toEqual([expect.stringContaining('maps no Slack channel or workspace')]);
  });
});

describe('the Slack app manifest', () => {
  it('declares the command, shortcut, events, scopes and URL the code serves', () => {
    const manifest = parse(readFileSync(new URL('../../slack-manifest.yaml', import.meta.url), 'utf8')) as any;
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual([CASE_COMMAND]);
    expect(manifest.features.shortcuts).toEqual([expect.objectContaining({ type: 'message', callback_id: OPEN_CASE_SHORTCUT })]);
    const urls = [
      manifest.features.slash_commands[0].url,
      manifest.settings.event_subscriptions.request_url,
      manifest.settings.interactivity.request_url,
      manifest.settings.interactivity.message_menu_options_url,
    ];
    expect(new Set(urls.map((u: string) => new URL(u).pathname))).toEqual(new Set(['/slack/events']));
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(expect.arrayContaining(['message.channels', 'message.groups']));
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['commands', 'chat:write', 'channels:history', 'groups:history', 'users:read']));
  });
});
