import type { RunningSandbox } from '../../src/sandbox/index.js';

/** Makes the sandbox refuse the next case create for good (422): the bridge dead-letters it. */
export async function refuseNextCaseCreate(sandbox: RunningSandbox): Promise<void> {
  const res = await fetch(`${sandbox.baseUrl}/sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'status', status: 422, methods: ['POST'], pathPrefix: '/v2/cases', count: 1 }),
  });
  if (res.status !== 201) throw new Error(`the sandbox did not take the fault: ${res.status}`);
}
