import { etaMs } from '../budget/gcra.js';
import type { Core } from '../core.js';
import type { Intake } from '../intake/intake.js';
import type { ErrorRecord } from '../journal/activity.js';
import type { CaseMeta } from '../journal/journal.js';
import { readWithin } from '../redis.js';
import { ALL_LANES, LANE_NAMES } from '../writes/lanes.js';
import type { Entry } from '../writes/outbox.js';
import { minuteBars } from './chart.js';
import { esc, page, pill, time, type Html, type PageContext } from './html.js';
import { timelineHref } from './case-pages.js';

const HOUR_MS = 3_600_000;
const PHASES = ['held', 'firing', 'flapping', 'resolved', 'idle'] as const;

export interface NowData {
  lanes: { lane: string; waiting: number; etaMs: number }[];
  budgets: { kind: 'write' | 'read'; perMinute: number[]; limitPerMinute: number; remaining: number | undefined }[];
  intakes: { name: string; backlog: number; dead: number }[];
  incidents: Record<(typeof PHASES)[number], number>;
  dead: { total: number; entries: Entry[] };
  errors: ErrorRecord[];
}

/** What the Now page shows, read from Redis (budgets on the patient connection, so within 3 s). */
export async function readNow(
  core: Pick<Core, 'expereo' | 'outbox' | 'journal' | 'config'>,
  intakes: Intake<unknown>[],
  cases: CaseMeta[],
  now = Date.now(),
): Promise<NowData> {
  const { expereo, outbox, journal } = core;
  const [pending, writeState, readState] = await Promise.all([
    outbox.pendingByLane(),
    readWithin(3000, () => expereo.writeBudget.state()),
    readWithin(3000, () => expereo.readBudget.state()),
  ]);
  let ahead = 0;
  const lanes = ALL_LANES.map((lane) => {
    ahead += pending[lane];
    return { lane: LANE_NAMES[lane], waiting: pending[lane], etaMs: pending[lane] && writeState ? etaMs(expereo.writeBudget.params, writeState, ahead) : 0 };
  });
  const perMinute = (b: { limit: number; periodMs: number }) => (b.limit * 60_000) / b.periodMs;
  const [writes, reads, intakeRows, deadEntries, deadTotal, errors] = await Promise.all([
    journal.activity.callsPerMinute('write', 60, now),
    journal.activity.callsPerMinute('read', 60, now),
    Promise.all(intakes.map(async (i) => ({ name: i.name, backlog: await i.backlog(), dead: await i.deadCount() }))),
    outbox.deadLetters(50),
    outbox.deadCount(),
    journal.activity.errorsSince(now - HOUR_MS),
  ]);
  const incidents = Object.fromEntries(PHASES.map((p) => [p, 0])) as NowData['incidents'];
  for (const c of cases) if (c.incident && c.phase && c.phase in incidents) incidents[c.phase as keyof typeof incidents] += 1;
  return {
    lanes,
    budgets: [
      { kind: 'write', perMinute: writes, limitPerMinute: perMinute(core.config.expereo.writeBudget), remaining: writeState?.remaining },
      { kind: 'read', perMinute: reads, limitPerMinute: perMinute(core.config.expereo.readBudget), remaining: readState?.remaining },
    ],
    intakes: intakeRows,
    incidents,
    dead: { total: deadTotal, entries: deadEntries },
    errors,
  };
}

const table = (head: string[], rows: Html[][], empty: string): Html =>
  rows.length
    ? `<table class="cards"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
        .map((r) => `<tr>${r.map((c, i) => `<td data-label="${esc(head[i])}">${c}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`
    : `<p class="muted">${esc(empty)}</p>`;

const seconds = (ms: number) => (ms === 0 ? '–' : `~${Math.ceil(ms / 1000)} s`);

function deadRow(e: Entry, csrf: string): Html[] {
  const subject = e.caseId ? `c:${e.caseId}` : e.request?.kind === 'create' ? `k:${e.key}` : undefined;
  return [
    `${esc(e.key)}${subject ? `<div class="small"><a href="${timelineHref(subject)}">timeline</a></div>` : ''}`,
    esc(`${e.request?.kind ?? '?'} from ${e.request?.origin.kind ?? '?'}`),
    esc(e.error ? `${e.error.code}: ${e.error.message}` : ''),
    time(e.acceptedAt),
    `<form method="post" action="/console/dead-letters/replay"><input type="hidden" name="csrf" value="${esc(csrf)}"><input type="hidden" name="key" value="${esc(e.key)}"><button type="submit">Replay</button></form>`,
  ];
}

export function nowPage(ctx: PageContext, d: NowData, notice?: { text: string; bad?: boolean }): Html {
  const budgets = d.budgets
    .map(
      (b) =>
        `<section><h2>${b.kind === 'write' ? 'Write' : 'Read'} budget</h2>${minuteBars(`upstream ${b.kind}s per minute`, b.perMinute, b.limitPerMinute)}<p class="small">free now: ${b.remaining ?? 'unknown (Redis slow)'}</p></section>`,
    )
    .join('');
  const body = `<h1>Now</h1>
<p class="small muted" data-refresh="10"><label><input type="checkbox"> refresh every 10 s</label></p>
${notice ? `<p class="notice${notice.bad ? ' bad' : ''}" role="status">${esc(notice.text)}</p>` : ''}
<div class="grid">
<section><h2>Write queue</h2>${table(
    ['lane', 'waiting', 'all sent in'],
    d.lanes.map((l) => [esc(l.lane), String(l.waiting), seconds(l.etaMs)]),
    '',
  )}</section>
${budgets}
<section><h2>Intakes</h2>${table(
    ['intake', 'backlog', 'dead'],
    d.intakes.map((i) => [esc(i.name), String(i.backlog), String(i.dead)]),
    'No intake is on.',
  )}</section>
<section><h2>Alert incidents</h2>${table(
    ['state', 'incidents'],
    Object.entries(d.incidents).map(([p, n]) => [pill(p), String(n)]),
    '',
  )}</section>
</div>
<section id="dead-letters"><h2>Dead letters (${d.dead.total})</h2>${table(
    ['write', 'what', 'reason', 'accepted', ''],
    d.dead.entries.map((e) => deadRow(e, ctx.csrf)),
    'No dead letters.',
  )}</section>
<section><h2>Upstream and sink errors, last hour (${d.errors.length})</h2>${table(
    ['when', 'where', 'what', 'status'],
    d.errors.map((e) => [time(e.at), esc(e.where), esc([e.kind, e.method, e.message].filter(Boolean).join(' ')), pill(e.status, 'bad')]),
    'None.',
  )}</section>`;
  return page('Now', 'now', ctx, body);
}
