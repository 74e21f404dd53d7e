/**
 * tlsglass as a drop-in for node:tls under node:http/https:
 * - https.request with `createConnection` returning a tlsglass socket fetches the page of
 *   `openssl s_server -www` (and, with keep-alive, several requests through an Agent).
 * - An https.createServer-style server (http.Server fed our 'secureConnection' sockets) serves curl
 *   and node:https, including a 1 MiB POST echoed back and keep-alive reuse.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { connect, createServer, TLSSocket } from '../../src/index.js';
import { pattern, peerMissing, readAll, runCurl, sha256, startOpensslServer, type Scope } from '../helpers/peers.js';
import { testPki, writePkiFiles, type PkiFiles } from '../helpers/pki.js';

const pki = testPki();
let files: PkiFiles;
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-dropin-'));
  files = writePkiFiles(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** GET through node:https with our socket underneath; resolves with status, body and the socket used. */
function get(options: https.RequestOptions): Promise<{ status: number; body: string; socket: TLSSocket }> {
  return new Promise((resolve, reject) => {
    const req = https.request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), socket: res.socket as unknown as TLSSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.end();
  });
}

/** node:http calls createConnection(options, callback); we return the socket synchronously. */
function tlsglassConnection(port: number): (options: unknown, cb?: (err: Error | null, socket: Duplex) => void) => Duplex {
  return () => connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.ca.certPem, ALPNProtocols: ['http/1.1'] });
}

describe('https.request over a tlsglass socket', () => {
  test('fetches the openssl s_server -www page', { timeout: 30_000, skip: peerMissing('openssl') }, async (t) => {
    const server = await startOpensslServer(t, ['-cert', files.serverRsa.cert, '-key', files.serverRsa.key, '-www', '-no_tls1_3']);
    // No `agent`: with createConnection, node:http then uses our socket directly (agent: false would make a fresh https.Agent).
    const { status, body, socket } = await get({ host: 'localhost', port: server.port, path: '/', createConnection: tlsglassConnection(server.port) });
    assert.equal(status, 200);
    assert.ok(socket instanceof TLSSocket, 'the response came through our socket');
    assert.match(body, /New, TLSv1\.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256/, body.slice(0, 2000));
    assert.match(body, /Extended master secret: yes/);
    assert.equal(socket.getProtocol(), 'TLSv1.2');
    assert.equal(socket.authorized, true);
  });

  test('an https.Agent whose createConnection makes tlsglass sockets', { timeout: 30_000, skip: peerMissing('openssl') }, async (t) => {
    const server = await startOpensslServer(t, ['-cert', files.serverEcdsa.cert, '-key', files.serverEcdsa.key, '-www', '-no_tls1_3']);
    class TlsglassAgent extends https.Agent {
      override createConnection(): Duplex {
        return tlsglassConnection(server.port)(undefined);
      }
    }
    const agent = new TlsglassAgent({ keepAlive: false });
    t.after(() => agent.destroy());
    for (let i = 0; i < 3; i++) {
      const { status, body } = await get({ host: 'localhost', port: server.port, path: `/${i}`, agent });
      assert.equal(status, 200);
      assert.match(body, /Cipher is ECDHE-ECDSA-/);
    }
  });
});

describe('node:http server on tlsglass sockets', () => {
  /** An https.createServer look-alike: tlsglass does TLS, node:http does HTTP on each secure socket. */
  async function startHttpsLikeServer(scope: Scope): Promise<{ port: number; seen: TLSSocket[] }> {
    const seen: TLSSocket[] = [];
    const app = http.createServer((req, res) => {
      const socket = req.socket as unknown as TLSSocket;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST') {
          const body = Buffer.concat(chunks);
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
          res.end(body);
          return;
        }
        const text = `path=${req.url} protocol=${socket.getProtocol()} cipher=${socket.getCipher()?.name} alpn=${socket.alpnProtocol} encrypted=${String((socket as { encrypted?: boolean }).encrypted)}\n`;
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
    const server = createServer({ cert: pki.serverRsa.certPem, key: pki.serverRsa.keyPem, ALPNProtocols: ['http/1.1'] }, (socket) => {
      seen.push(socket);
      app.emit('connection', socket);
    });
    server.on('tlsClientError', () => {});
    const raw = new Set<Socket>();
    server.on('connection', (s: Socket) => {
      raw.add(s);
      s.once('close', () => raw.delete(s));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    scope.after(async () => {
      for (const s of raw) s.destroy();
      server.close();
      app.close();
    });
    return { port: (server.address() as AddressInfo).port, seen };
  }

  test('curl fetches two pages over one kept-alive connection', { timeout: 30_000, skip: peerMissing('curl') }, async (t) => {
    const { port, seen } = await startHttpsLikeServer(t);
    const run = await runCurl(t, port, ['--cacert', files.ca, '--http1.1', `https://localhost:${port}/first`], '/second');
    assert.equal(run.code, 0, run.report);
    assert.match(run.stdout.toString(), /^path=\/first protocol=TLSv1\.[23] cipher=\S+ alpn=http\/1\.1 encrypted=true\npath=\/second protocol=TLSv1\.[23] cipher=\S+ alpn=http\/1\.1 encrypted=true\n$/);
    assert.equal(seen.length, 1, 'both requests used one TLS connection');
  });

  test('curl POSTs 1 MiB and gets it back', { timeout: 30_000, skip: peerMissing('curl') }, async (t) => {
    const { port } = await startHttpsLikeServer(t);
    const body = pattern(1 << 20, 7);
    const file = join(dir, 'post.bin');
    writeFileSync(file, body);
    const run = await runCurl(t, port, ['--cacert', files.ca, '--http1.1', '--data-binary', `@${file}`, '-H', 'content-type: application/octet-stream']);
    assert.equal(run.code, 0, run.report);
    assert.equal(sha256(run.stdout), sha256(body));
  });

  test('node:https fetches from it', { timeout: 30_000 }, async (t) => {
    const { port } = await startHttpsLikeServer(t);
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, path: '/node', servername: 'localhost', ca: pki.ca.certPem, agent: false, maxVersion: 'TLSv1.2' }, resolve).on('error', reject);
    });
    const text = (await readAll(res)).toString();
    assert.match(text, /^path=\/node protocol=TLSv1\.2 cipher=ECDHE-RSA-AES128-GCM-SHA256 alpn=false encrypted=true\n$/);
  });
});
