import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRequestSchema, type WriteRequestInput } from '../../src/writes/catalog.js';
import { nextBatch } from '../../src/writes/coalesce.js';
import { startWorkers } from '../../workers/index.js';
import { eventually, startTestBridge, type TestBridge } from '../helpers/bridge.js';
import { messagesOf } from '../helpers/pipeline.js';

let bridge: TestBridge;
beforeAll(async () => {
  bridge = await startTestBridge({ workers: false });
});
afterAll(async () => bridge?.close());

const message = (key: string, caseId: string, text: string): WriteRequestInput => ({
  kind: 'message',
  key,
  origin: { kind: 'test', ref: key },
  case: { caseId },
  author: { name: 'Ana Ruiz', via: 'Slack' },
  text,
  at: new Date().toISOString(),
  human: true,
});

describe('write recovery', () => {
  it('a message that went out before its process lost Redis is found again, even with a newer message queued behind it', async () => {
    const kase = await bridge.core.expereo.createCase({
      type: 'Incident',
      subject: 'ServiceDown',
      priority: 'P3',
      serviceId: 'SRV-40000001',
      description: 'recovery',
      startOfIncident: new Date().toISOString(),
    });
    const first = message('test:recovery:1', kase.caseId, 'The router in rack 4 was restarted.');
    await bridge.core.producer.enqueue(first);
    // The attempt that went out: marked as being sent, sent upstream, then Redis went away before it was recorded.
    await bridge.core.outbox.markSending([first.key]);
    const sent = nextBatch([writeRequestSchema.parse(first)])!;
    await bridge.core.expereo.addCaseMessage(kase.caseId, { message: (sent as { text: string }).text });
    // Meanwhile a newer message joins the case's line: the retry must not merge it into the batch that went out.
    await bridge.core.producer.enqueue(message('test:recovery:2', kase.caseId, 'Link is back up since 10:42.'));

    const workers = await startWorkers(bridge.core);
    try {
      await eventually(async () => (await bridge.core.outbox.entry('test:recovery:2'))?.status === 'done');
    } finally {
      await workers.close();
    }
    const texts = (await messagesOf(bridge.sandbox, kase.caseId)).map((m) => m.message);
    expect(texts.filter((t) => t.includes('rack 4'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('back up since'))).toHaveLength(1);
    expect((await bridge.core.outbox.entry('test:recovery:1'))?.status).toBe('done');
  });
});
