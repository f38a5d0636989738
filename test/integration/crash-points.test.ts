import { createHmac, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { CallRecord } from '../../src/sandbox/call-log.js';
import { slackLink } from '../../src/slack/links.js';
import { alertsRouting, circuitIncident, createKeyOf as alertCreateKey, postAlert } from '../fixtures/alerts/bridge-routing.js';
import { alertmanagerGroup } from '../fixtures/alerts/payloads.js';
import { eventually, sandboxCalls, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { FAKE_CREDENTIALS, fixture as itsmFixture, startFakeItsm } from '../helpers/fake-itsm.js';
import { FAKE_BOT, interactive, messageEvent, SIGNING_SECRET, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { startFaultProxy, type FaultMode, type FaultProxy, type RoundTrip } from '../helpers/redis-fault-proxy.js';
import { OwnRedis } from '../helpers/redis-server.js';

/**
 * Redis restarted at each round trip of a write's path in turn, for every intake. The steps are
 * not listed here but read off the wire: a clean run of each path goes through a RESP-aware proxy
 * that records every command the bridge sends, on every connection, from the event's arrival to
 * its effect upstream and the bookkeeping after it. Then, for each recorded step, the path runs
 * again and at that step the proxy cuts every connection and refuses new ones while the
 * redis-server restarts (append-only file kept): either before Redis ran the step, or after it ran
 * but before its answer came back. The sender does what the real one does (tries again until it is
 * acknowledged), and the sandbox's record must show every acknowledged event's effect exactly once,
 * within 10 s of Redis answering again. A round trip added to a path later is a step here too.
 */

const DEBUG = process.env.CRASH_POINTS_DEBUG === '1';
/** While investigating: only the steps matching this (`<mode> <signature>`), only these intakes. */
const ONLY = process.env.CRASH_POINTS_ONLY ? new RegExp(process.env.CRASH_POINTS_ONLY) : undefined;
const ONLY_INTAKES = process.env.CRASH_POINTS_INTAKES?.split(',');

const WITHIN_MS = 10_000;
/** After an effect: the write recorded as sent, the slot unlocked, the job finished, the outcome told. */
const SETTLE_MS = 600;
/** Bridges per intake, each with its own Redis, proxy and sandbox, taking turns at the steps. */
const SHARDS = 2;

/** Production's recovery timings (the configuration's defaults), not the shorter ones other tests use. */
const DEFAULTS = loadConfig({}).writes;
const ENV = {
  WRITE_SWEEP_EVERY: `${DEFAULTS.sweepEveryMs}ms`,
  WRITE_STALLED_INTERVAL: `${DEFAULTS.stalledIntervalMs}ms`,
  WRITE_LOCK_TIMEOUT: `${DEFAULTS.lockTimeoutMs}ms`,
  WRITE_BACKOFF: `${DEFAULTS.backoffMs}ms`,
  // The reply poller is not on the write path; slower, it adds fewer steps of its own to the record.
  MIRROR_SCAN_EVERY: '10s',
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface PathRun {
  /** Sends the event as its sender does, until it is acknowledged. */
  send(): Promise<void>;
  /** How many times the event's effect is in the sandbox's record. */
  effects(calls: CallRecord[]): number;
  /**
   * Whether the event must have its effect: it was acknowledged, or its write got into the outbox
   * (someone told their request could not be queued, whose write did get in, still gets the case).
   */
  owed(): Promise<boolean>;
  /** The key of the write the event makes. */
  writeKey: string;
}

interface Harness {
  name: string;
  proxy: FaultProxy;
  bridge: TestBridge;
  /** A connection of the test's own, past the proxy. */
  direct: Redis;
  /** A fresh event of this intake. */
  next(n: number): PathRun;
  close(): Promise<void>;
}

type Setup = (proxyUrl: string) => Promise<{ bridge: TestBridge; next(n: number, direct: Redis): PathRun; close?(): Promise<void> }>;

async function harness(name: string, setup: Setup): Promise<Harness> {
  const redis = await OwnRedis.start();
  const proxy = await startFaultProxy({ port: redis.port }, { outage: () => redis.restart(100) });
  const direct = new Redis(redis.url, { maxRetriesPerRequest: null });
  direct.on('error', () => undefined);
  const made = await setup(proxy.url);
  return {
    name,
    proxy,
    bridge: made.bridge,
    direct,
    next: (n) => made.next(n, direct),
    close: async () => {
      await made.bridge.close();
      await made.close?.();
      await proxy.close();
      direct.disconnect();
      await redis.close();
    },
  };
}

/** Sends until the answer is acknowledged (a sender tries again after anything else). */
async function untilAcknowledged(send: () => Promise<{ statusCode: number; body: string }>, acknowledged: (res: { statusCode: number; body: string }) => boolean): Promise<void> {
  for (let i = 0; ; i++) {
    const res = await send().catch(() => ({ statusCode: 0, body: '' }));
    if (acknowledged(res)) return;
    if (i > 200) throw new Error(`never acknowledged (last ${res.statusCode} ${res.body})`);
    await sleep(200);
  }
}

const status = (code: number) => (res: { statusCode: number }) => res.statusCode === code;
const always = async () => true;

const creates = (calls: CallRecord[], reference: string) =>
  calls.filter((c) => c.method === 'POST' && c.path === '/v2/cases' && c.status === 201 && (c.body as { customerReference?: string }).customerReference === reference).length;

// ---- the four intakes: an alert notification, a Slack event, an ITSM delivery, a Slack modal -----

const alerts: Setup = async (url) => {
  const { events: _events, ...sources } = alertsRouting.sources;
  const bridge = await startTestBridge({ redisUrl: url, env: ENV, routing: { alerts: { ...alertsRouting, sources } } });
  return {
    bridge,
    next: (n) => {
      const circuit = `CIR-Z${n}`;
      const payload = alertmanagerGroup(circuit, [{ name: 'CircuitDown', fingerprint: `fc${n}` }], { team: 'network' });
      return {
        // Alertmanager sends a notification again until it gets a 2xx.
        send: () => untilAcknowledged(() => postAlert(bridge, 'alertmanager', payload), status(202)),
        effects: (calls) => creates(calls, circuitIncident(circuit)),
        owed: always,
        writeKey: alertCreateKey(circuitIncident(circuit)),
      };
    },
  };
};

const CHANNEL = 'C0CRASH001';
const PERSON = 'UPERSON01';
const slackEnv = (slack: FakeSlack) => ({ ...ENV, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: slack.apiUrl });
const slackRouting = { slack: { channels: [{ channel: CHANNEL, accountId: 'ACC-98000001' }] } };

const slackEvents: Setup = async (url) => {
  const slack = await startFakeSlack();
  slack.users.set(PERSON, { name: 'ana', realName: 'Ana Silva' });
  const bridge = await startTestBridge({ redisUrl: url, env: slackEnv(slack), routing: slackRouting });
  const threadTs = '1700400000.000100';
  const kase = await bridge.core.expereo.createCase({ type: 'Incident', subject: 'ServiceDown', priority: 'P3', serviceId: 'SRV-40000001', description: 'crash points', startOfIncident: new Date().toISOString() });
  await bridge.core.sync.link(kase.caseId, slackLink(CHANNEL, threadTs));
  return {
    bridge,
    close: () => slack.close(),
    next: (n) => {
      const text = `Reply ${n} in the case thread.`;
      const ts = `${1700400100 + n}.000200`;
      let tries = 0;
      return {
        // Slack delivers an event again (X-Slack-Retry-Num) until it gets a 2xx.
        send: () =>
          untilAcknowledged(() => {
            const retry = tries++;
            return bridge.app.inject(messageEvent({ channel: CHANNEL, user: PERSON, text, ts, threadTs, eventId: `Ev0CRASH${n}` }, retry > 0 ? { retryNum: retry } : {}));
          }, status(200)),
        effects: (calls) =>
          calls.filter((c) => c.method === 'POST' && c.path === `/v2/cases/${kase.caseId}/case-messages` && c.status === 201 && (c.body as { message: string }).message.includes(text)).length,
        owed: always,
        writeKey: `slack:${FAKE_BOT.teamId}:${CHANNEL}:${ts}`,
      };
    },
  };
};

const JIRA_SECRET = 'jira-webhook-secret-crash';

const itsm: Setup = async (url) => {
  const tool = await startFakeItsm();
  const bridge = await startTestBridge({
    redisUrl: url,
    env: ENV,
    routing: {
      itsm: { connectors: { 'acme-jira': { tool: 'jira', auth: { secret: JIRA_SECRET }, defaults: { serviceId: 'SRV-40000001' }, outbound: { baseUrl: tool.baseUrl, ...FAKE_CREDENTIALS.jira } } } },
    },
  });
  return {
    bridge,
    close: () => tool.close(),
    next: (n) => {
      const payload = itsmFixture('jira-issue-created');
      const key = `OPS-${5000 + n}`;
      payload.issue.key = key;
      payload.issue.id = String(900_000 + n);
      const deliveryId = randomUUID();
      return {
        // Jira sends a delivery again, with the same identifier, until it gets a 2xx.
        send: () =>
          untilAcknowledged(() => {
            const body = JSON.stringify({ ...payload, timestamp: Date.now() });
            return bridge.app.inject({
              method: 'POST',
              url: '/webhooks/itsm/jira',
              payload: body,
              headers: {
                'content-type': 'application/json',
                'x-hub-signature': `sha256=${createHmac('sha256', JIRA_SECRET).update(body).digest('hex')}`,
                'x-atlassian-webhook-identifier': deliveryId,
              },
            });
          }, status(202)),
        effects: (calls) => creates(calls, `itsm:acme-jira:${key}`),
        owed: always,
        writeKey: `itsm:acme-jira:${key}`,
      };
    },
  };
};

const slackCommand: Setup = async (url) => {
  const slack = await startFakeSlack();
  slack.users.set(PERSON, { name: 'ana', realName: 'Ana Silva' });
  const bridge = await startTestBridge({ redisUrl: url, env: slackEnv(slack), routing: slackRouting });
  const metadata = JSON.stringify({ channel: CHANNEL, teamId: FAKE_BOT.teamId });
  return {
    bridge,
    close: () => slack.close(),
    next: (n, direct) => {
      const viewId = `V0CRASH${String(n).padStart(5, '0')}`;
      const createKey = `slack:${FAKE_BOT.teamId}:view:${viewId}`;
      const values = {
        type: { case_type: { type: 'static_select', selected_option: { value: 'Incident' } } },
        subject_incident: { subject: { type: 'static_select', selected_option: { value: 'ServiceDown' } } },
        priority_incident: { priority: { type: 'static_select', selected_option: { value: 'P2' } } },
        service: { service: { type: 'external_select', selected_option: { value: 'SRV-40000001' } } },
        site: { site: { type: 'external_select', selected_option: null } },
        description: { description: { type: 'plain_text_input', value: `Office ${n} offline` } },
        start_of_incident: { start_of_incident: { type: 'datetimepicker', selected_date_time: Math.floor(Date.now() / 1000) - 600 } },
      };
      const submission = () =>
        interactive({
          type: 'view_submission',
          team: { id: FAKE_BOT.teamId, domain: 'test' },
          user: { id: PERSON, username: 'ana', name: 'ana', team_id: FAKE_BOT.teamId },
          api_app_id: 'A0TEST01',
          trigger_id: `trig-${n}`,
          view: { id: viewId, hash: `hash-${viewId}`, type: 'modal', callback_id: 'expereo_case_new', private_metadata: metadata, state: { values } },
        });
      const from = slack.calls().length;
      return {
        // The modal closes on an empty 200; on anything else it stays open (with the reason, or
        // Slack's own error) and the person presses Submit again.
        send: () => untilAcknowledged(() => bridge.app.inject(submission()), (res) => res.statusCode === 200 && res.body === ''),
        effects: (calls) => creates(calls, createKey),
        // After the modal closed, the channel message is what tells the person: queued, or could not be.
        owed: async () => {
          const told = slack.calls().slice(from).some((c) => /could not be created|was not opened/.test(String(c.params.text)));
          return !told || (await direct.exists(`${bridge.prefix}:w:e:${createKey}`)) === 1;
        },
        writeKey: createKey,
      };
    },
  };
};

const INTAKES = (
  [
    ['alerts', alerts],
    ['slack-events', slackEvents],
    ['itsm', itsm],
    ['slack-command', slackCommand],
  ] as [string, Setup][]
).filter(([name]) => !ONLY_INTAKES || ONLY_INTAKES.includes(name));

// ---- the runs ----------------------------------------------------------------------------------------

async function callsSince(h: Harness, seq: number): Promise<CallRecord[]> {
  const res = await fetch(`${h.bridge.sandbox.baseUrl}/sandbox/calls?since=${seq}`);
  return ((await res.json()) as { calls: CallRecord[] }).calls;
}

async function lastSeq(h: Harness): Promise<number> {
  return (await sandboxCalls(h.bridge.sandbox)).at(-1)?.seq ?? 0;
}

/** One clean run: every round trip from sending the event until its effect is upstream and the bridge is done with it. */
async function record(h: Harness, n: number): Promise<RoundTrip[]> {
  const since = await lastSeq(h);
  const run = h.next(n);
  h.proxy.clearLog();
  await run.send();
  await eventually(async () => run.effects(await callsSince(h, since)) === 1, 20_000, 50);
  await sleep(SETTLE_MS);
  return h.proxy.log();
}

/** A step of a path: the k-th round trip with this signature since the event was sent. */
interface Step {
  signature: string;
  k: number;
}

function steps(log: RoundTrip[]): Step[] {
  const seen = new Map<string, number>();
  return log.map((rt) => {
    const k = (seen.get(rt.signature) ?? 0) + 1;
    seen.set(rt.signature, k);
    return { signature: rt.signature, k };
  });
}

/** Reads change nothing: Redis going away before one or after it is the same fault. */
const READ_ONLY = /^(GET|MGET|HGET|HMGET|HGETALL|EXISTS|LRANGE|LLEN|SMEMBERS|SCARD|SISMEMBER|SMISMEMBER|ZCARD|ZRANGE|ZSCORE|XRANGE|XLEN|PTTL|TTL|PING|INFO)\b/;

function modesOf(step: Step): FaultMode[] {
  const lines = step.signature.slice(step.signature.indexOf(': ') + 2).split(' | ');
  return lines.every((l) => READ_ONLY.test(l)) ? ['before'] : ['before', 'after'];
}

interface Outcome {
  h: Harness;
  n: number;
  step: Step;
  mode: FaultMode;
  /** Undefined: the step did not come up in this run. */
  hit?: RoundTrip;
  /** Neither the step nor the effect came within 20 s. */
  stuck?: boolean;
  owed?: boolean;
  /** Effects in the sandbox's record once the sender was answered and the effect came or 10 s passed. */
  effects?: number;
  /** From Redis answering again to the effect (0 if it was already there); undefined: not within 10 s. */
  latencyMs?: number;
}

const show = (o: Outcome) =>
  `${o.mode} ${o.step.signature} #${o.step.k}: ${
    o.hit ? `${o.owed ? '' : 'not owed, '}effects ${o.effects}, ${o.latencyMs === undefined ? 'not within 10 s' : `after ${o.latencyMs} ms`}` : o.stuck ? 'stuck' : 'not reached'
  }`;

/** What the proxy saw after a fault, and where the write's state stood (when investigating). */
async function explain(h: Harness, o: Outcome, fault: { hit: RoundTrip; backAt: number }): Promise<void> {
  const p = h.bridge.prefix;
  const state = {
    locks: await Promise.all((await h.direct.keys(`${p}:w:lock:*`)).map(async (k) => [k, await h.direct.get(k), await h.direct.pttl(k)])),
    active: await h.direct.lrange(`${p}:q:writes:active`, 0, -1),
    delayed: await h.direct.zrange(`${p}:q:writes:delayed`, 0, -1),
    prioritized: await h.direct.zrange(`${p}:q:writes:prioritized`, 0, -1),
    failed: await h.direct.zrange(`${p}:q:writes:failed`, 0, -1),
    slots: await h.direct.smembers(`${p}:w:slots`),
    dead: await Promise.all((await h.direct.zrange(`${p}:w:dead`, 0, -1)).map((k) => h.direct.hmget(`${p}:w:e:${k}`, 'status', 'error', 'attempts'))),
  };
  const after = h.proxy.log().filter((rt) => rt.at >= fault.hit.at);
  console.log(`${h.name} ${show(o)} (back at +${fault.backAt - fault.hit.at} ms) ${JSON.stringify(state)}\n${after.map((rt) => `+${rt.at - fault.hit.at} ${rt.signature}`).join('\n')}`);
}

/** Runs the path with Redis going away at `step`: what the sandbox shows afterwards. */
async function faultRun(h: Harness, n: number, step: Step, mode: FaultMode): Promise<Outcome> {
  const since = await lastSeq(h);
  const run = h.next(n);
  const seen = new Map<string, number>();
  h.proxy.clearLog();
  const hit = h.proxy.arm({
    mode,
    match: (rt) => {
      const k = (seen.get(rt.signature) ?? 0) + 1;
      seen.set(rt.signature, k);
      return rt.signature === step.signature && k === step.k;
    },
  });
  let answered = false;
  const sent = run.send().finally(() => (answered = true));
  let stop = false;
  let effectAt: number | undefined;
  const watching = (async () => {
    while (!stop && effectAt === undefined) {
      if (run.effects(await callsSince(h, since)) > 0) effectAt = Date.now();
      else await sleep(50);
    }
  })();
  const until = async (check: () => boolean) => {
    while (!check() && !stop) await sleep(20);
  };
  const settled = () => answered && effectAt !== undefined;
  try {
    let fault = await Promise.race([hit, until(settled).then(() => undefined), sleep(2 * WITHIN_MS).then(() => 'stuck' as const)]);
    if (fault === 'stuck') {
      h.proxy.disarm();
      return { h, n, step, mode, stuck: true };
    }
    // The effect is in; the step may still come up in the bookkeeping after it.
    fault ??= await Promise.race([hit, sleep(SETTLE_MS).then(() => undefined)]);
    if (!fault) {
      h.proxy.disarm();
      await sent;
      return { h, n, step, mode };
    }
    const deadline = fault.backAt + WITHIN_MS;
    await sent;
    let owed = await run.owed();
    // An event told it did not go through owes nothing (its write did not get in): no need to wait it out.
    if (owed) await Promise.race([until(() => effectAt !== undefined), sleep(Math.max(0, deadline - Date.now()))]);
    else await sleep(SETTLE_MS);
    owed = await run.owed();
    const latencyMs = effectAt === undefined || effectAt > deadline ? undefined : Math.max(0, effectAt - fault.backAt);
    const outcome: Outcome = { h, n, step, mode, hit: fault.hit, owed, effects: run.effects(await callsSince(h, since)), latencyMs };
    if (DEBUG && (outcome.effects !== (owed ? 1 : 0) || (owed && latencyMs === undefined))) await explain(h, outcome, fault);
    return outcome;
  } finally {
    stop = true;
    await watching;
    await sleep(SETTLE_MS);
  }
}

/** The write's state in the outbox, read past the proxy. */
const statusOf = (h: Harness, run: PathRun) => h.direct.hget(`${h.bridge.prefix}:w:e:${run.writeKey}`, 'status');

/** Arms the proxy for `step` counted from now; resolves when it hit and Redis is back. */
function armAt(h: Harness, step: Step, mode: FaultMode) {
  const seen = new Map<string, number>();
  return h.proxy.arm({
    mode,
    match: (rt) => {
      const k = (seen.get(rt.signature) ?? 0) + 1;
      seen.set(rt.signature, k);
      return rt.signature === step.signature && k === step.k;
    },
  });
}

/** The first round trip after the write reached expereo: Redis restarted there, the write is out but not recorded. */
async function justAfterUpstream(h: Harness, n: number): Promise<Step> {
  const since = await lastSeq(h);
  const log = await record(h, n);
  const write = (await callsSince(h, since)).find((c) => c.method === 'POST' && c.status < 300)!;
  const at = Date.parse(write.at) + write.durationMs;
  const i = log.findIndex((rt) => rt.at >= at);
  return steps(log)[i]!;
}

interface Twice {
  h: Harness;
  step: Step;
  mode: FaultMode;
  hit?: RoundTrip;
  effects?: number;
  /** From Redis answering the second time to the write recorded as sent; undefined: not within 10 s. */
  latencyMs?: number;
}

const showTwice = (o: Twice) =>
  `then ${o.mode} ${o.step.signature} #${o.step.k}: ${o.hit ? `effects ${o.effects}, ${o.latencyMs === undefined ? 'not recorded as sent within 10 s' : `recorded after ${o.latencyMs} ms`}` : 'not reached'}`;

/**
 * Redis restarted just after the write went upstream, and again at `second` (counted from its
 * return) while the flush recovers. With no `second`: the recovery's own round trips.
 */
async function twice(h: Harness, n: number, first: Step, second?: { step: Step; mode: FaultMode }): Promise<Twice & { recovery?: RoundTrip[] }> {
  const since = await lastSeq(h);
  const run = h.next(n);
  h.proxy.clearLog();
  const firstHit = armAt(h, first, 'before');
  const sent = run.send();
  await Promise.race([firstHit, sleep(2 * WITHIN_MS).then(() => Promise.reject(new Error(`the first restart never came: ${first.signature}`)))]);
  const from = h.proxy.log().length;
  const secondHit = second ? armAt(h, second.step, second.mode) : undefined;
  const recorded = async () => (await statusOf(h, run)) === 'done';
  const deadline = Date.now() + 2 * WITHIN_MS;
  let fault: { hit: RoundTrip; backAt: number } | undefined;
  while (Date.now() < deadline && !fault) {
    fault = await Promise.race([secondHit ?? new Promise<never>(() => undefined), sleep(50).then(() => undefined)]);
    if (!fault && (await recorded())) {
      fault = await Promise.race([secondHit ?? new Promise<never>(() => undefined), sleep(SETTLE_MS).then(() => undefined)]);
      break;
    }
  }
  await sent;
  if (!second) {
    await sleep(SETTLE_MS);
    return { h, step: first, mode: 'before', recovery: h.proxy.log().slice(from) };
  }
  if (!fault) {
    h.proxy.disarm();
    await sleep(SETTLE_MS);
    return { h, step: second.step, mode: second.mode };
  }
  let doneAt: number | undefined;
  while (Date.now() < fault.backAt + WITHIN_MS) {
    if (await recorded()) {
      doneAt = Date.now();
      break;
    }
    await sleep(50);
  }
  await sleep(SETTLE_MS);
  const effects = run.effects(await callsSince(h, since));
  return { h, step: second.step, mode: second.mode, hit: fault.hit, effects, latencyMs: doneAt === undefined ? undefined : Math.max(0, doneAt - fault.backAt) };
}

describe('Redis restarted at each round trip of the write path', { timeout: 600_000 }, () => {
  const harnesses = new Map<string, Harness[]>();
  const TWICE = 'itsm, restarted twice';
  const twiceWanted = !ONLY_INTAKES || ONLY_INTAKES.includes('twice');
  beforeAll(async () => {
    await Promise.all(
      [...INTAKES, ...(twiceWanted ? [[TWICE, itsm] as [string, Setup]] : [])].map(async ([name, setup]) => {
        const list: Harness[] = [];
        for (let s = 0; s < SHARDS; s++) list.push(await harness(name, setup));
        harnesses.set(name, list);
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await Promise.all([...harnesses.values()].flat().map((h) => h.close()));
  });

  // The flush is the same for every intake: one is enough to restart Redis again while it recovers.
  it.runIf(twiceWanted).concurrent('a write out upstream but not yet recorded when Redis restarts, and Redis restarted again at each round trip of the recovery: sent once, recorded within 10 s', async () => {
    const shards = harnesses.get(TWICE)!;
    await Promise.all(shards.map((h, s) => record(h, 3000 + s)));
    const first = await justAfterUpstream(shards[0]!, 3100);
    const a = steps((await twice(shards[0]!, 3101, first)).recovery!);
    const b = new Set(steps((await twice(shards[0]!, 3102, first)).recovery!).map((s) => `${s.signature}#${s.k}`));
    // The flush's own round trips (its slot and entries, the write queue, the budgets); a second restart
    // at another connection's (reconnecting, or another queue's) is the same fault a moment apart.
    const recovery = a.filter((s) => b.has(`${s.signature}#${s.k}`) && /:w:|:q:writes:|:budget:/.test(s.signature));
    if (DEBUG) console.log(`after ${first.signature} #${first.k}, the recovery: ${recovery.length} steps\n${recovery.map((s) => `${s.signature} #${s.k}`).join('\n')}`);
    expect(recovery.length).toBeGreaterThan(5);

    const work = recovery.flatMap((step) => modesOf(step).map((mode) => ({ step, mode }))).filter((w) => !ONLY || ONLY.test(`${w.mode} ${w.step.signature}`));
    const outcomes: (Twice & { n: number })[] = [];
    await Promise.all(
      shards.map(async (h, s) => {
        for (let i = s; i < work.length; i += SHARDS) {
          let outcome = { ...(await twice(h, 4000 + i, first, work[i]!)), n: 4000 + i };
          if (!outcome.hit) outcome = { ...(await twice(h, 5000 + i, first, work[i]!)), n: 5000 + i };
          outcomes.push(outcome);
        }
      }),
    );
    if (DEBUG) console.log(`${TWICE}: ${outcomes.length} faults\n${outcomes.map(showTwice).join('\n')}`);
    const reached = outcomes.filter((o) => o.hit);
    expect(reached.filter((o) => o.effects !== 1).map(showTwice), 'sent more than once (or not at all)').toEqual([]);
    expect(reached.filter((o) => o.latencyMs === undefined).map(showTwice), 'not recorded as sent within 10 s of Redis answering again').toEqual([]);
    const missed = outcomes.filter((o) => !o.hit);
    expect(missed.length, `steps that never came up: ${missed.map(showTwice).join('; ')}`).toBeLessThanOrEqual(Math.floor(work.length / 10));
    await sleep(2000);
    for (const h of shards) {
      const calls = await sandboxCalls(h.bridge.sandbox);
      for (const o of reached.filter((x) => x.h === h)) expect(h.next(o.n).effects(calls), showTwice(o)).toBe(1);
    }
  });

  it.concurrent.each(INTAKES.map(([name]) => name))('%s: every acknowledged event has its effect once, within 10 s of Redis answering again', async (name) => {
    const shards = harnesses.get(name)!;
    // A first event warms each bridge up (scripts loaded, token fetched, consumer groups made).
    await Promise.all(shards.map((h, s) => record(h, 1000 + s)));
    const a = steps(await record(shards[0]!, 2000));
    const b = new Set(steps(await record(shards[0]!, 2001)).map((s) => `${s.signature}#${s.k}`));
    // What two clean runs share: the path's own steps, not the timers that happened to run beside it.
    const path = a.filter((s) => b.has(`${s.signature}#${s.k}`));
    if (DEBUG) console.log(`${name}: ${path.length} steps\n${path.map((s) => `${s.signature} #${s.k}`).join('\n')}`);
    // The record holds at least the flush job's way: added, taken by a worker, finished.
    const wire = path.map((s) => s.signature).join('\n');
    for (const script of ['Adds a prioritized job', 'Move next job to be processed to active', 'Move job from active to a finished status']) expect(wire).toContain(script);
    expect(path.length).toBeGreaterThan(15);

    const work = path.flatMap((step) => modesOf(step).map((mode) => ({ step, mode }))).filter((w) => !ONLY || ONLY.test(`${w.mode} ${w.step.signature}`));
    const outcomes: Outcome[] = [];
    await Promise.all(
      shards.map(async (h, s) => {
        for (let i = s; i < work.length; i += SHARDS) {
          const { step, mode } = work[i]!;
          let outcome = await faultRun(h, i, step, mode);
          // A step both clean runs made but this one did not (a timer's turn came at another moment): once more.
          if (!outcome.hit && !outcome.stuck) outcome = await faultRun(h, 10_000 + i, step, mode);
          outcomes.push(outcome);
        }
      }),
    );
    if (DEBUG) console.log(`${name}: ${outcomes.length} faults\n${outcomes.map(show).join('\n')}`);

    expect(outcomes.filter((o) => o.stuck).map(show), 'neither the step nor the effect came').toEqual([]);
    const reached = outcomes.filter((o) => o.hit);
    expect(reached.filter((o) => o.owed && o.latencyMs === undefined).map(show), 'effect not within 10 s of Redis answering again').toEqual([]);
    expect(reached.filter((o) => o.effects !== (o.owed ? 1 : 0)).map(show), 'effect not exactly once (or, for an event told it failed, not at all)').toEqual([]);
    // Most steps come up again; a few that are a timer's (a blocking read timing out) may not.
    const missed = outcomes.filter((o) => !o.hit && !o.stuck);
    expect(missed.length, `steps that never came up: ${missed.map(show).join('; ')}`).toBeLessThanOrEqual(Math.floor(work.length / 10));

    // A while later, still once each: nothing was done a second time after the count.
    await sleep(2000);
    for (const h of shards) {
      const calls = await sandboxCalls(h.bridge.sandbox);
      for (const o of reached.filter((x) => x.h === h)) {
        if (DEBUG && h.next(o.n).effects(calls) !== (o.owed ? 1 : 0)) {
          console.log(`LATE ${show(o)} n=${o.n} hit at ${new Date(o.hit!.at).toISOString()}: ${JSON.stringify(calls.filter((c) => c.method === 'POST' || (c.method === 'GET' && c.path === '/v2/cases')).map((c) => [c.seq, c.at, c.method, c.path, c.status, JSON.stringify(c.query), (c.body as { customerReference?: string } | undefined)?.customerReference]))}`);
        }
        expect(h.next(o.n).effects(calls), show(o)).toBe(o.owed ? 1 : 0);
      }
    }
  });
});
