// Injected faults: the next N matching calls fail with a status or hang, and have no other effect,
// or take effect and lose their answer.
import { z } from 'zod';

const common = {
  count: z.number().int().min(1).default(1),
  /** Chance that a matching call is hit (a miss does not use up the count): 0.1 = one call in ten. */
  probability: z.number().gt(0).max(1).optional(),
  methods: z.array(z.string().min(1)).optional(),
  pathPrefix: z.string().startsWith('/').optional(),
};

export const faultSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('status'),
    status: z.number().int().min(400).max(599),
    retryAfterSeconds: z.number().int().min(0).optional(),
    ...common,
  }),
  z.strictObject({ kind: z.literal('hang'), delayMs: z.number().int().min(0).optional(), ...common }),
  // The call takes effect, then the connection drops before the answer: the caller cannot know.
  z.strictObject({ kind: z.literal('lose-answer'), ...common }),
]);

export type FaultSpec = z.infer<typeof faultSpecSchema>;
export type ActiveFault = FaultSpec & { id: number; remaining: number };

export const DEFAULT_FAULT_PATH_PREFIX = '/v2';

export function faultMatches(spec: FaultSpec, method: string, path: string): boolean {
  const prefix = spec.pathPrefix ?? DEFAULT_FAULT_PATH_PREFIX;
  // The token endpoint is only hit by faults that name it explicitly.
  if (path.startsWith('/oauth2') && !prefix.startsWith('/oauth2')) return false;
  if (!path.startsWith(prefix)) return false;
  return spec.methods === undefined || spec.methods.some((m) => m.toUpperCase() === method.toUpperCase());
}

export class FaultInjector {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): ActiveFault {
    const fault: ActiveFault = { ...spec, id: this.nextId, remaining: spec.count };
    this.nextId += 1;
    this.faults.push(fault);
    return fault;
  }

  /** Consumes one use of the oldest fault matching the call, if any. */
  take(method: string, path: string, random: () => number = Math.random): ActiveFault | undefined {
    for (const fault of this.faults) {
      if (fault.remaining <= 0 || !faultMatches(fault, method, path)) continue;
      if (fault.probability !== undefined && random() >= fault.probability) continue;
      fault.remaining -= 1;
      this.faults = this.faults.filter((f) => f.remaining > 0);
      return { ...fault };
    }
    return undefined;
  }

  list(): ActiveFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clear(): number {
    const n = this.faults.length;
    this.faults = [];
    return n;
  }
}
