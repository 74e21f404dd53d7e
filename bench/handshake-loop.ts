/**
 * In-memory handshakes per runtime, for the README's "Runs on" table (issue 16): a
 * ServerConnection and a ClientConnection pumped into each other, no sockets, so what is measured
 * is the runtime's crypto and our code. Shared by bench/runtimes.ts (Node, Bun, Deno) and
 * test/workerd/worker.ts (workerd).
 */
import { ClientConnection, ServerConnection } from '../src/connection/connection.js';
import type { ClientOptions, ServerOptions } from '../src/config.js';

/** Milliseconds per full handshake (median of `rounds` rounds of `n`), after a warm-up round. */
export function handshakeLoop(server: ServerOptions, client: ClientOptions, n: number, rounds = 5): number {
  const once = (): void => {
    const s = new ServerConnection(server);
    const c = new ClientConnection(client);
    c.start();
    for (let i = 0; i < 10 && (c.isHandshaking || s.isHandshaking); i++) {
      for (const r of c.takeOutgoing()) s.receive(r);
      for (const r of s.takeOutgoing()) c.receive(r);
    }
    if (!c.isEstablished || !s.isEstablished) throw new Error(`handshake did not complete: ${String(c.failure ?? s.failure)}`);
  };
  for (let i = 0; i < n; i++) once();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) once();
    times.push((performance.now() - t) / n);
  }
  return times.sort((a, b) => a - b)[rounds >> 1]!;
}

/** The cases the table reports: TLS 1.3 and TLS 1.2 ECDHE, P-256 ECDSA certificate, X25519 (P-256 offered too: TLS 1.2 ECDSA needs the certificate's curve, RFC 8422 §5.1). */
export function handshakeCases(pem: { ca: string; cert: string; key: string }): { name: string; server: ServerOptions; client: ClientOptions }[] {
  const server = { cert: pem.cert, key: pem.key };
  const client = { ca: pem.ca, servername: 'localhost', ecdhCurve: 'X25519:P-256' };
  return [
    { name: 'TLS 1.3', server, client: { ...client, minVersion: 'TLSv1.3' } },
    { name: 'TLS 1.2 ECDHE', server, client: { ...client, maxVersion: 'TLSv1.2' } },
  ];
}
