/**
 * Proof that tlsglass is node:tls to real HTTP libraries (issue 14, "Proofs"): each library gets
 * our connect() or our server's sockets where it would use node:tls, and talks to a real peer.
 * - undici: an Agent whose `connect` makes every socket with tlsglass, to node:https and to a
 *   tlsglass server, TLS 1.2 and 1.3, and mutual TLS.
 * - http2: node's http2 client over our socket (createConnection) to http2.createSecureServer, and
 *   a tlsglass server whose secure sockets feed http2.createServer(), asked by curl --http2 and
 *   node's http2 client.
 * - ws: the ws package's client over our socket to its server on node:https, and its server on a
 *   tlsglass server (the upgrade runs over our sockets) asked by its client.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Agent, request } from 'undici';
import WebSocket, { WebSocketServer } from 'ws';
import { connect, createServer, TLSSocket, type TlsServerOptions } from '../../src/index.js';
import { peerMissing, runCurl, type Scope } from '../helpers/peers.js';
import { testPki, writePkiFiles } from '../helpers/pki.js';

const pki = testPki();
const serverCert = { cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem };
const clientCert = { cert: pki.clientEcdsa.certPem, key: pki.clientEcdsa.keyPem };
const ca = pki.ca.certPem;

/** Listens on 127.0.0.1:0, closes (and drops open connections) at teardown; resolves with the port. */
async function listen(t: Scope, server: NetServer | http2.Http2SecureServer): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

/** What every HTTP handler here answers: which TLS version and client certificate the server saw. */
function describeRequest(socket: { getProtocol(): string | null; getPeerCertificate(): { subject?: { CN?: string | string[] } } }, path: string): string {
  return JSON.stringify({ path, protocol: socket.getProtocol(), client: socket.getPeerCertificate().subject?.CN ?? null });
}

/** node:https's own server (OpenSSL underneath), answering describeRequest. */
function nodeHttpsServer(t: Scope, options: https.ServerOptions = {}): Promise<number> {
  const server = https.createServer({ ...serverCert, ca, ...options }, (req, res) => res.end(describeRequest(req.socket as unknown as TLSSocket, req.url ?? '')));
  return listen(t, server);
}

/** An https server made of a tlsglass server and node:http: every request rides one of our sockets. */
function tlsglassHttpsServer(t: Scope, options: TlsServerOptions = {}): Promise<number> {
  const app = http.createServer((req, res) => {
    assert.ok(req.socket instanceof TLSSocket, 'node:http got our socket');
    res.end(describeRequest(req.socket, req.url ?? ''));
  });
  const server = createServer({ ...serverCert, ca, ALPNProtocols: ['http/1.1'], ...options }, (socket) => app.emit('connection', socket));
  return listen(t, server);
}

/** An undici Agent that makes every connection with tlsglass; `made` lists the sockets it made. */
function tlsglassAgent(t: Scope, options: { version?: 'TLSv1.2' | 'TLSv1.3'; withCert?: boolean } = {}): { agent: Agent; made: TLSSocket[] } {
  const made: TLSSocket[] = [];
  const agent = new Agent({
    connect: (opts, callback) => {
      const socket = connect({
        host: opts.hostname,
        port: Number(opts.port),
        servername: opts.servername ?? 'localhost',
        ca,
        ALPNProtocols: ['http/1.1'],
        ...(options.version ? { minVersion: options.version, maxVersion: options.version } : {}),
        ...(options.withCert ? clientCert : {}),
      });
      made.push(socket);
      socket.once('secureConnect', () => callback(null, socket as never));
      socket.once('error', (err) => callback(err, null));
      return socket as never;
    },
  });
  t.after(() => agent.close());
  return { agent, made };
}

describe('undici over tlsglass', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    for (const peer of ['node:https', 'tlsglass'] as const) {
      test(`${version} to a ${peer} server`, { timeout: 30_000 }, async (t) => {
        const port = peer === 'node:https' ? await nodeHttpsServer(t) : await tlsglassHttpsServer(t);
        const { agent, made } = tlsglassAgent(t, { version });
        for (const path of ['/one', '/two']) {
          const res = await request(`https://localhost:${port}${path}`, { dispatcher: agent });
          assert.equal(res.statusCode, 200);
          assert.deepEqual(await res.body.json(), { path, protocol: version, client: null });
        }
        assert.ok(made.length >= 1);
        for (const socket of made) assert.equal(socket.getProtocol(), version, 'every connection undici made was ours');
      });
    }
  }

  for (const peer of ['node:https', 'tlsglass'] as const) {
    test(`mutual TLS to a ${peer} server that requires a client certificate`, { timeout: 30_000 }, async (t) => {
      const required = { requestCert: true, rejectUnauthorized: true };
      const port = peer === 'node:https' ? await nodeHttpsServer(t, required) : await tlsglassHttpsServer(t, required);
      const { agent, made } = tlsglassAgent(t, { withCert: true });
      const res = await request(`https://localhost:${port}/mtls`, { dispatcher: agent });
      assert.deepEqual(await res.body.json(), { path: '/mtls', protocol: 'TLSv1.3', client: 'tlsglass test client (ECDSA)' });
      assert.ok(made.length >= 1 && made.every((s) => s.getProtocol() === 'TLSv1.3'));
      // Without a certificate the server refuses the handshake.
      const { agent: anonymous } = tlsglassAgent(t);
      await assert.rejects(request(`https://localhost:${port}/mtls`, { dispatcher: anonymous }));
    });
  }
});

/** GET `path` with node's http2 client on `session`; resolves with the status and body. */
async function h2get(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  const stream = session.request({ ':path': path });
  const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
  let body = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) body += chunk;
  return { status: Number(headers[':status']), body };
}

describe('http2 over tlsglass', () => {
  test("node's http2 client over a tlsglass socket to http2.createSecureServer", { timeout: 30_000 }, async (t) => {
    const server = http2.createSecureServer({ ...serverCert }, (req, res) => res.end(`h2 ${req.url} ${(req.socket as unknown as { getProtocol(): string }).getProtocol()}`));
    const port = await listen(t, server);
    let socket: TLSSocket | undefined;
    const session = http2.connect(`https://localhost:${port}`, {
      createConnection: () => (socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ALPNProtocols: ['h2'] })) as never,
    });
    t.after(() => session.destroy());
    assert.deepEqual(await h2get(session, '/a'), { status: 200, body: 'h2 /a TLSv1.3' });
    assert.deepEqual(await h2get(session, '/b'), { status: 200, body: 'h2 /b TLSv1.3' });
    assert.ok(socket instanceof TLSSocket);
    assert.equal(socket.alpnProtocol, 'h2');
  });

  /** A tlsglass server negotiating h2, handing each secure socket to http2.createServer() (cleartext h2: the TLS is ours alone). */
  async function tlsglassH2Server(t: Scope): Promise<{ port: number; handed: TLSSocket[] }> {
    const app = http2.createServer((req, res) => res.end(`h2 ${req.url}`));
    const handed: TLSSocket[] = [];
    const server = createServer({ ...serverCert, ALPNProtocols: ['h2'] }, (socket) => {
      handed.push(socket);
      app.emit('connection', socket);
    });
    return { port: await listen(t, server), handed };
  }

  function assertOneH2Socket(handed: TLSSocket[]): void {
    assert.equal(handed.length, 1);
    assert.equal(handed[0]!.alpnProtocol, 'h2');
    assert.equal(handed[0]!.getProtocol(), 'TLSv1.3');
  }

  test('curl --http2 to a tlsglass server handed to http2.createServer()', { timeout: 30_000, skip: peerMissing('curl') }, async (t) => {
    const { port, handed } = await tlsglassH2Server(t);
    const dir = mkdtempSync(join(tmpdir(), 'tlsglass-h2-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const files = writePkiFiles(dir);
    const run = await runCurl(t, port, ['--http2', '--cacert', files.ca, '-w', ' %{http_version}'], '/curl');
    assert.equal(run.stdout.toString(), 'h2 /curl 2', run.report);
    assertOneH2Socket(handed);
  });

  test("node's http2 client to a tlsglass server handed to http2.createServer()", { timeout: 30_000 }, async (t) => {
    const { port, handed } = await tlsglassH2Server(t);
    const session = http2.connect(`https://localhost:${port}`, { ca });
    t.after(() => session.destroy());
    assert.deepEqual(await h2get(session, '/node'), { status: 200, body: 'h2 /node' });
    assert.deepEqual(await h2get(session, '/again'), { status: 200, body: 'h2 /again' });
    assert.equal(session.alpnProtocol, 'h2');
    assertOneH2Socket(handed);
  });
});

/** Opens `ws`, sends `message`, resolves with the echo. */
async function echo(ws: WebSocket, message: string): Promise<string> {
  await once(ws, 'open');
  ws.send(message);
  const [data] = (await once(ws, 'message')) as [Buffer];
  return data.toString();
}

/** A ws server on `httpServer` that echoes each message with the TLS version of the upgraded socket. */
function echoServer(httpServer: http.Server | https.Server): WebSocketServer {
  const wss = new WebSocketServer({ server: httpServer });
  wss.on('connection', (ws, req) => {
    const socket = req.socket as unknown as { getProtocol(): string };
    ws.on('message', (data) => ws.send(`${data.toString()} over ${socket.getProtocol()} ours=${req.socket instanceof TLSSocket}`));
  });
  return wss;
}

describe('ws over tlsglass', () => {
  test("ws's client over a tlsglass socket to ws's server on node:https", { timeout: 30_000 }, async (t) => {
    const server = https.createServer({ ...serverCert });
    const wss = echoServer(server);
    t.after(() => wss.close());
    const port = await listen(t, server);
    let socket: TLSSocket | undefined;
    const ws = new WebSocket(`wss://localhost:${port}/`, {
      createConnection: (() => (socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca, ALPNProtocols: ['http/1.1'] }))) as never,
    });
    t.after(() => ws.terminate());
    assert.equal(await echo(ws, 'hello'), 'hello over TLSv1.3 ours=false');
    assert.ok(socket instanceof TLSSocket && socket.getProtocol() === 'TLSv1.3', 'the client side was ours');
  });

  test("ws's server on a tlsglass server, asked by ws's client", { timeout: 30_000 }, async (t) => {
    const app = http.createServer();
    const wss = echoServer(app);
    t.after(() => wss.close());
    const server = createServer({ ...serverCert, ALPNProtocols: ['http/1.1'], maxVersion: 'TLSv1.2' }, (socket) => app.emit('connection', socket));
    const port = await listen(t, server);
    const ws = new WebSocket(`wss://localhost:${port}/`, { ca });
    t.after(() => ws.terminate());
    assert.equal(await echo(ws, 'hi'), 'hi over TLSv1.2 ours=true');
  });
});
