import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A server of the ingest benchmark in its own Node process (compiled JavaScript, talked to over
 * IPC): started, asked for figures, and closed, killing it only if it does not stop by itself.
 */
export interface IngestChild {
  port: number;
  pid: number;
  /** Sends `message` and resolves with the next reply that has the field `field`. */
  ask<T>(message: string, field: string): Promise<T>;
  close(): Promise<void>;
}

export async function startIngestChild(script: string, arg = '', nodeArgs: string[] = []): Promise<IngestChild> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, script, arg], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const port = await new Promise<number>((resolve, reject) => {
    const onMessage = (m: { ready?: boolean; port?: number }) => {
      if (m.ready) {
        child.off('message', onMessage);
        resolve(m.port ?? 0);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before listening:\n${stderr}`)));
  });

  return {
    port,
    pid: child.pid!,
    ask: <T>(message: string, field: string) =>
      new Promise<T>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`${script} exited (${code}) while asked for ${field}:\n${stderr}`));
        const onMessage = (m: Record<string, unknown>) => {
          if (field in m) {
            child.off('message', onMessage);
            child.off('exit', onExit);
            resolve(m[field] as T);
          }
        };
        child.on('message', onMessage);
        child.once('exit', onExit);
        child.send(message);
      }),
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send('close');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
