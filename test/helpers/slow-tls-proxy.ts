import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, createServer, type TLSSocket } from 'node:tls';

export interface SlowTlsProxy {
  /** https://localhost:<port>, in front of the target. */
  origin: string;
  /** The self-signed certificate (PEM file) a client must trust: NODE_EXTRA_CA_CERTS. */
  certFile: string;
  /** TLS handshakes completed so far (one per connection). */
  handshakes(): number;
  close(): Promise<void>;
}

/**
 * A TLS front to a plain HTTP server whose every handshake takes `handshakeMs`: what a client sees
 * of an API far away or busy accepting connections. The certificate is made for localhost by
 * openssl, for this proxy only.
 */
export async function startSlowTlsProxy(target: { host: string; port: number }, handshakeMs: number): Promise<SlowTlsProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'slow-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  const context = createSecureContext({ key: readFileSync(keyFile), cert: readFileSync(certFile) });
  let handshakes = 0;
  const open = new Set<Socket>();
  const server = createServer(
    // The handshake waits for the certificate, chosen by server name.
    { SNICallback: (_name, done) => void setTimeout(() => done(null, context), handshakeMs), key: readFileSync(keyFile), cert: readFileSync(certFile) },
    (tls: TLSSocket) => {
      handshakes++;
      const upstream = connect(target.port, target.host);
      open.add(tls).add(upstream);
      tls.pipe(upstream).pipe(tls);
      const end = (): void => {
        tls.destroy();
        upstream.destroy();
        open.delete(tls);
        open.delete(upstream);
      };
      tls.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://localhost:${port}`,
    certFile,
    handshakes: () => handshakes,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
