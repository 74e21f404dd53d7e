/**
 * Cloudflare Workers (issue 16): workerd, from .ci/install-runtimes.sh, serves test/workerd/worker.ts
 * bundled by esbuild. Its client is our ClientConnection over `cloudflare:sockets` connect() to a
 * node:tls server started here on 127.0.0.1:0, TLS 1.2 and 1.3, one-way and mutual; what it
 * negotiated is checked against what the node:tls server saw. Its server runs on an in-memory pair
 * inside the Worker (Workers cannot accept TCP). workerd gets its listening socket from us
 * (`--socket-fd`), so there is no port to guess and nothing to wait for: requests queue in the backlog.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { build } from 'esbuild';
import { testPki } from '../helpers/pki.js';
import { REPO, runtime, runtimeMissing } from '../helpers/runtimes.js';

const WORKERD = runtime('workerd');

/** workerd's config: the Worker, and an outbound network that may reach 127.0.0.1 (the default allows only "public"). */
const CONFIG = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.js") ],
  compatibilityDate = "2026-11-01",
  compatibilityFlags = ["nodejs_compat"],
  globalOutbound = "internet",
);
`;

async function listen(server: NetServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Bundles the Worker and starts workerd on a socket we opened; returns its base URL. */
async function startWorkerd(t: TestContext): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tlsglass-workerd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await build({
    entryPoints: [join(REPO, 'test/workerd/worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker'],
    external: ['cloudflare:*', 'node:*'],
    outfile: join(dir, 'worker.js'),
    logLevel: 'error',
  });
  writeFileSync(join(dir, 'config.capnp'), CONFIG);
  const socket = createNetServer();
  const port = await listen(socket);
  const fd = (socket as unknown as { _handle: { fd: number } })._handle.fd;
  const child = spawn(WORKERD, ['serve', join(dir, 'config.capnp'), '--socket-fd', 'http=3'], { stdio: ['ignore', 'pipe', 'pipe', fd] });
  let log = '';
  child.stdout!.on('data', (b: Buffer) => (log += b));
  child.stderr!.on('data', (b: Buffer) => (log += b));
  // workerd has its own copy of the socket now; ours must not accept its connections.
  socket.close();
  t.after(() => void child.kill());
  child.on('exit', (code) => {
    if (code !== null && code !== 0) t.diagnostic(`workerd exited ${code}: ${log}`);
  });
  return `http://127.0.0.1:${port}`;
}

async function post(base: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, String(json['error']));
  return json;
}

interface PeerView {
  protocol: string | null;
  cipher: string;
  authorized: boolean;
  peerSubject: string | undefined;
}

/** A node:tls echo server: answers each line with "echo: <line>" and records what it negotiated. */
async function nodeTlsPeer(t: TestContext, options: { minVersion: 'TLSv1.2' | 'TLSv1.3'; maxVersion: 'TLSv1.2' | 'TLSv1.3'; requestCert: boolean }): Promise<{ port: number; seen: PeerView[] }> {
  const pki = testPki();
  const seen: PeerView[] = [];
  const server = createTlsServer({ cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem, ca: pki.ca.certPem, rejectUnauthorized: options.requestCert, ...options }, (s: TLSSocket) => {
    const cert = s.getPeerCertificate();
    seen.push({ protocol: s.getProtocol(), cipher: s.getCipher().standardName, authorized: s.authorized, peerSubject: cert?.subject?.CN as string | undefined });
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => s.end(`echo: ${d}`));
  });
  t.after(() => void server.close());
  return { port: await listen(server), seen };
}

test('workerd: our client over cloudflare:sockets completes TLS 1.2 and 1.3, one-way and mutual, against node:tls', { skip: runtimeMissing(WORKERD), timeout: 120_000 }, async (t) => {
  const base = await startWorkerd(t);
  const pki = testPki();
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    for (const mutual of [false, true]) {
      const name = `${version} ${mutual ? 'mutual' : 'one-way'}`;
      const peer = await nodeTlsPeer(t, { minVersion: version, maxVersion: version, requestCert: mutual });
      const options = { ca: pki.ca.certPem, servername: 'localhost', minVersion: version, maxVersion: version, ...(mutual && { cert: pki.clientEcdsa.certPem, key: pki.clientEcdsa.keyPem }) };
      const started = performance.now();
      const ours = await post(base, '/client', { port: peer.port, message: `hello from workerd, ${name}\n`, options });
      const ms = performance.now() - started;
      assert.equal(peer.seen.length, 1, name);
      const theirs = peer.seen[0]!;
      assert.deepEqual(
        { protocol: ours['protocol'], cipher: ours['cipher'], authorized: ours['authorized'], answer: ours['answer'] },
        { protocol: version, cipher: theirs.cipher, authorized: true, answer: `echo: hello from workerd, ${name}\n` },
        name,
      );
      assert.equal(theirs.protocol, version, name);
      assert.deepEqual({ authorized: theirs.authorized, peerSubject: theirs.peerSubject }, mutual ? { authorized: true, peerSubject: 'tlsglass test client (ECDSA)' } : { authorized: false, peerSubject: undefined }, name);
      t.diagnostic(`${name}: ${String(ours['cipher'])}, ${String(ours['group'])}, ${ms.toFixed(0)} ms for the request`);
    }
  }
});

test('workerd: our server and client on an in-memory pair inside the Worker', { skip: runtimeMissing(WORKERD), timeout: 120_000 }, async (t) => {
  const base = await startWorkerd(t);
  const pki = testPki();
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    const r = await post(base, '/pair', {
      server: { cert: pki.serverRsa.certPem, key: pki.serverRsa.keyPem, ca: pki.ca.certPem, requestCert: true, maxVersion: version },
      client: { ca: pki.ca.certPem, servername: 'localhost', cert: pki.clientRsa.certPem, key: pki.clientRsa.keyPem, maxVersion: version },
    });
    const client = r['client'] as Record<string, unknown>;
    const server = r['server'] as Record<string, unknown>;
    assert.deepEqual([client['protocol'], server['protocol'], client['authorized'], server['authorized'], r['received']], [version, version, true, true, 'ping'], JSON.stringify(r));
    assert.equal(client['cipher'], server['cipher']);
  }
  // For the README's "Runs on" table (bench/runtimes.ts measures the other runtimes).
  const ms = await post(base, '/bench', { ca: pki.ca.certPem, cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem });
  t.diagnostic(`workerd ms per in-memory handshake: ${JSON.stringify(ms)}`);
});
