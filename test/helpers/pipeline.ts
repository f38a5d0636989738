import type { RunningSandbox } from '../../src/sandbox/index.js';
import type { WriteRequestInput } from '../../src/writes/catalog.js';

const tokens = new Map<string, Promise<string>>();

/**
 * A bearer token from the sandbox, fetched once per sandbox and client (by default its read-only
 * demo client, so tests read without going through the bridge or touching its budgets).
 */
export function sandboxToken(sandbox: RunningSandbox, clientId = 'demo-readonly', clientSecret = 'demo-readonly-secret'): Promise<string> {
  const key = `${sandbox.tokenUrl} ${clientId}`;
  let token = tokens.get(key);
  if (!token) {
    token = fetch(sandbox.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    }).then(async (res) => ((await res.json()) as { access_token: string }).access_token);
    tokens.set(key, token);
  }
  return token;
}

async function sandboxGet<T>(sandbox: RunningSandbox, path: string): Promise<T> {
  for (;;) {
    const res = await fetch(`${sandbox.baseUrl}${path}`, { headers: { authorization: `Bearer ${await sandboxToken(sandbox)}` } });
    if (res.status === 429) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    return (await res.json()) as T;
  }
}

export async function casesByReference(sandbox: RunningSandbox, reference: string): Promise<{ caseId: string; priority: string; status: string }[]> {
  const body = await sandboxGet<{ data: { caseId: string; priority: string; status: string }[] }>(
    sandbox,
    `/v2/cases?filter%5BCustomerReference%5D=${encodeURIComponent(reference)}&page%5Blimit%5D=200`,
  );
  return body.data;
}

export async function caseOf(sandbox: RunningSandbox, caseId: string): Promise<Record<string, string>> {
  return (await sandboxGet<{ data: Record<string, string> }>(sandbox, `/v2/cases/${caseId}`)).data;
}

export async function messagesOf(sandbox: RunningSandbox, caseId: string): Promise<{ caseMessageId: string; message: string; type: string }[]> {
  return (
    await sandboxGet<{ data: { caseMessageId: string; message: string; type: string }[] }>(sandbox, `/v2/cases/${caseId}/case-messages?page%5Blimit%5D=200`)
  ).data;
}

const now = () => new Date().toISOString();

export function createWrite(key: string, opts: { priority?: 'P1' | 'P2' | 'P3' | 'P4' | 'P5'; serviceId?: string } = {}): WriteRequestInput {
  return {
    kind: 'create',
    key,
    origin: { kind: 'test', ref: key },
    body: {
      type: 'Incident',
      subject: 'ServiceDown',
      priority: opts.priority ?? 'P3',
      serviceId: opts.serviceId ?? 'SRV-40000001',
      description: `Circuit down (${key})`,
      startOfIncident: now(),
    },
  };
}

export function messageWrite(key: string, createKey: string, text: string, human = true): WriteRequestInput {
  return {
    kind: 'message',
    key,
    origin: { kind: 'test', ref: createKey },
    case: { createKey },
    author: { name: 'Ana Ruiz', via: 'Slack' },
    text,
    at: now(),
    human,
  };
}

export function updateWrite(key: string, createKey: string, priority: 'P1' | 'P2' | 'P3' | 'P4' | 'P5'): WriteRequestInput {
  return { kind: 'update', key, origin: { kind: 'test', ref: createKey }, case: { createKey }, fields: { priority } };
}
