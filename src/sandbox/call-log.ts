// A record of every API and token call the sandbox answered, for tests to assert on.
// Secrets and tokens are never recorded.

export interface CallRecord {
  seq: number;
  at: string;
  method: string;
  path: string;
  query: Record<string, unknown>;
  clientId: string | null;
  status: number;
  durationMs: number;
  body?: unknown;
  /** Set when an injected fault answered the call ('status'), held it ('hang') or dropped its answer ('lose-answer'). */
  fault?: 'status' | 'hang' | 'lose-answer';
}

const MAX_RECORDS = 20_000;

export class CallLog {
  private records: CallRecord[] = [];
  private lastSeq = 0;

  record(entry: Omit<CallRecord, 'seq'>): CallRecord {
    this.lastSeq += 1;
    const record = { seq: this.lastSeq, ...entry };
    this.records.push(record);
    if (this.records.length > MAX_RECORDS) this.records.splice(0, this.records.length - MAX_RECORDS);
    return record;
  }

  /** Records after `seq` (all when omitted); sequence numbers keep growing across clear(). */
  since(seq = 0): CallRecord[] {
    return this.records.filter((r) => r.seq > seq);
  }

  clear(): number {
    const n = this.records.length;
    this.records = [];
    return n;
  }

  get size(): number {
    return this.records.length;
  }
}
