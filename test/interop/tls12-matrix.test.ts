/**
 * TLS 1.2 interop matrix over 127.0.0.1 with real peers.
 *
 * Our client against openssl s_server, gnutls-serv and a node:tls server; our server against
 * openssl s_client, gnutls-cli, curl and a node:tls client. Each peer gets every suite we implement
 * (ECDHE-RSA, ECDHE-ECDSA, DHE-RSA and RSA key exchange × AES-128-GCM, AES-256-GCM, ChaCha20), and
 * the cells rotate through the groups (x25519, P-256, P-384; ffdhe2048 for DHE), client
 * authentication (none, RSA, ECDSA certificate) and ALPN; SNI is sent and checked in every cell.
 * A few cells per peer echo 1 MiB both ways, checked by SHA-256.
 *
 * Every cell checks what was negotiated from both ends: the peer's own report (its output,
 * parsed) and our getters. Only one suite and one group are enabled per cell, so a pass also
 * proves that the peer agreed to that exact combination.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { TLSSocket as NodeTlsSocket } from 'node:tls';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import {
  nodeTlsConnect,
  parseGnutls,
  parseOpensslClient,
  pattern,
  peerMissing,
  readAll,
  readExactly,
  runCurl,
  runGnutlsClient,
  runOpensslClient,
  sha256,
  splitGnutlsClientOutput,
  splitOpensslClientOutput,
  startGnutlsServer,
  startNodeTlsServer,
  startOpensslServer,
  startTlsglassServer,
  tlsglassConnect,
  PEER_TIMEOUT_MS,
} from '../helpers/peers.js';
import { writePkiFiles, type PkiFiles } from '../helpers/pki.js';

// ---- the matrix as data ------------------------------------------------------------------------

type Kx = 'ECDHE' | 'DHE' | 'RSA';
type Auth = 'RSA' | 'ECDSA';
type Aead = 'AES-128-GCM' | 'AES-256-GCM' | 'CHACHA20-POLY1305';
type Group = 'X25519' | 'P-256' | 'P-384' | 'ffdhe2048';
type ClientAuth = 'none' | 'RSA' | 'ECDSA';

interface Suite {
  readonly openssl: string;
  readonly kx: Kx;
  readonly auth: Auth;
  readonly aead: Aead;
}

const SUITES: readonly Suite[] = [
  { openssl: 'ECDHE-RSA-AES128-GCM-SHA256', kx: 'ECDHE', auth: 'RSA', aead: 'AES-128-GCM' },
  { openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', kx: 'ECDHE', auth: 'ECDSA', aead: 'AES-128-GCM' },
  { openssl: 'ECDHE-RSA-AES256-GCM-SHA384', kx: 'ECDHE', auth: 'RSA', aead: 'AES-256-GCM' },
  { openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384', kx: 'ECDHE', auth: 'ECDSA', aead: 'AES-256-GCM' },
  { openssl: 'ECDHE-RSA-CHACHA20-POLY1305', kx: 'ECDHE', auth: 'RSA', aead: 'CHACHA20-POLY1305' },
  { openssl: 'ECDHE-ECDSA-CHACHA20-POLY1305', kx: 'ECDHE', auth: 'ECDSA', aead: 'CHACHA20-POLY1305' },
  { openssl: 'DHE-RSA-AES128-GCM-SHA256', kx: 'DHE', auth: 'RSA', aead: 'AES-128-GCM' },
  { openssl: 'DHE-RSA-AES256-GCM-SHA384', kx: 'DHE', auth: 'RSA', aead: 'AES-256-GCM' },
  { openssl: 'DHE-RSA-CHACHA20-POLY1305', kx: 'DHE', auth: 'RSA', aead: 'CHACHA20-POLY1305' },
  { openssl: 'AES128-GCM-SHA256', kx: 'RSA', auth: 'RSA', aead: 'AES-128-GCM' },
  { openssl: 'AES256-GCM-SHA384', kx: 'RSA', auth: 'RSA', aead: 'AES-256-GCM' },
];

type OurRole = 'client' | 'server';
type PeerName = 'openssl s_server' | 'gnutls-serv' | 'node:tls server' | 'openssl s_client' | 'gnutls-cli' | 'curl' | 'node:tls client';

interface Cell {
  readonly peer: PeerName;
  readonly role: OurRole;
  readonly suite: Suite;
  readonly group: Group | undefined;
  readonly clientAuth: ClientAuth;
  readonly alpn: boolean;
  /** Echo 1 MiB both ways instead of a greeting. */
  readonly bulk: boolean;
}

const PEERS: readonly { name: PeerName; role: OurRole; binary?: string; bulkCells: readonly number[] }[] = [
  { name: 'openssl s_server', role: 'client', binary: 'openssl', bulkCells: [0, 7] },
  { name: 'gnutls-serv', role: 'client', binary: 'gnutls-serv', bulkCells: [1, 10] },
  { name: 'node:tls server', role: 'client', bulkCells: [4] },
  { name: 'openssl s_client', role: 'server', binary: 'openssl', bulkCells: [3, 6] },
  { name: 'gnutls-cli', role: 'server', binary: 'gnutls-cli', bulkCells: [] }, // gnutls-cli feeds stdin slowly (≈3 s/MiB)
  { name: 'curl', role: 'server', binary: 'curl', bulkCells: [2] },
  { name: 'node:tls client', role: 'server', bulkCells: [5] },
];

const EC_GROUPS: readonly Group[] = ['X25519', 'P-256', 'P-384'];
const CLIENT_AUTH: readonly ClientAuth[] = ['none', 'RSA', 'ECDSA'];

/** Every peer × every suite; the other dimensions rotate so that each peer sees each value. */
function matrix(): Cell[] {
  return PEERS.flatMap((peer, p) =>
    SUITES.map((suite, i) => ({
      peer: peer.name,
      role: peer.role,
      suite,
      group: suite.kx === 'ECDHE' ? EC_GROUPS[(i + p) % 3]! : suite.kx === 'DHE' ? 'ffdhe2048' : undefined,
      clientAuth: CLIENT_AUTH[(i + p) % 3]!,
      alpn: (i + p) % 2 === 0,
      bulk: peer.bulkCells.includes(i),
    })),
  );
}

function cellName(c: Cell): string {
  const parts = [c.suite.openssl, c.group ?? 'no group', c.clientAuth === 'none' ? 'one-way' : `mutual ${c.clientAuth}`];
  if (c.alpn) parts.push('ALPN');
  if (c.bulk) parts.push('1 MiB echo');
  return parts.join(', ');
}

// ---- names each party uses for the same thing ----------------------------------------------------

const ALPN = 'x-interop';
const GREETING = Buffer.from('hello from the tlsglass interop matrix\n');
const BULK_SIZE = 1 << 20;
const CONTEXT = Buffer.from('tlsglass');

/** What our getEphemeralKeyInfo() (and node:tls's) report. */
const KEY_INFO: Record<Group, { type: string; name?: string; size: number }> = {
  X25519: { type: 'ECDH', name: 'X25519', size: 253 },
  'P-256': { type: 'ECDH', name: 'prime256v1', size: 256 },
  'P-384': { type: 'ECDH', name: 'secp384r1', size: 384 },
  ffdhe2048: { type: 'DH', size: 2048 },
};
/** openssl s_client's "Server Temp Key:". */
const OPENSSL_TEMP_KEY: Record<Group, string> = {
  X25519: 'X25519, 253 bits',
  'P-256': 'ECDH, prime256v1, 256 bits',
  'P-384': 'ECDH, secp384r1, 384 bits',
  ffdhe2048: 'DH, 2048 bits',
};
/** openssl s_server's "Supported groups:" (our offer, which is exactly the cell's group). */
const OPENSSL_GROUP: Record<Group, string> = { X25519: 'x25519', 'P-256': 'secp256r1', 'P-384': 'secp384r1', ffdhe2048: 'ffdhe2048' };
/** GnuTLS's key exchange part of "- Description:". */
const GNUTLS_KX: Record<Group, string> = { X25519: 'ECDHE-X25519', 'P-256': 'ECDHE-SECP256R1', 'P-384': 'ECDHE-SECP384R1', ffdhe2048: 'DHE-FFDHE2048' };
const CLIENT_CN: Record<Exclude<ClientAuth, 'none'>, string> = { RSA: 'tlsglass test client (RSA)', ECDSA: 'tlsglass test client (ECDSA)' };

// ---- shared fixtures ---------------------------------------------------------------------------

let pki: PkiFiles;
let dir: string;
let dhparam: string;
const pem = (path: string): Buffer => readFileSync(path);
const serverIdentity = (auth: Auth): { cert: string; key: string } => (auth === 'RSA' ? pki.serverRsa : pki.serverEcdsa);
const clientIdentity = (a: ClientAuth): { cert: string; key: string } | undefined => (a === 'RSA' ? pki.clientRsa : a === 'ECDSA' ? pki.clientEcdsa : undefined);

/** The payload a cell sends, and what must come back. */
function payload(cell: Cell): Buffer {
  return cell.bulk ? pattern(BULK_SIZE, 0x5eed + cell.suite.openssl.length) : GREETING;
}

/** openssl s_server -rev sends each line back reversed: the bulk payload is made of text lines. */
function revPayload(cell: Cell): { send: Buffer; expect: Buffer } {
  const lines: string[] = [];
  const count = cell.bulk ? BULK_SIZE / 1024 : 1;
  for (let i = 0; i < count; i++) {
    let line = '';
    for (let j = 0; j < 1023; j++) line += String.fromCharCode(97 + ((i * 7 + j * 13) % 26));
    lines.push(line);
  }
  return {
    send: Buffer.from(lines.map((l) => l + '\n').join('')),
    expect: Buffer.from(lines.map((l) => [...l].reverse().join('') + '\n').join('')),
  };
}

/**
 * The groups a client offers: the cell's group, plus P-256 when a P-256 ECDSA certificate is in
 * play (the server's, or the client's own). In TLS 1.2 supported_groups also names the curves
 * acceptable for ECDSA certificates (RFC 8422 §5.1); OpenSSL enforces it on both sides (a server
 * certificate on another curve is not chosen; a client certificate on another curve gets
 * illegal_parameter).
 */
function offeredGroups(cell: Cell): string | undefined {
  if (cell.group === undefined) return undefined;
  const needsP256 = (cell.suite.auth === 'ECDSA' && cell.suite.kx === 'ECDHE') || cell.clientAuth === 'ECDSA';
  return needsP256 && cell.group !== 'P-256' ? `${cell.group}:P-256` : cell.group;
}

/** Our client's options for a cell. */
function ourClientOptions(cell: Cell, port: number): Parameters<typeof tlsglassConnect>[1] {
  const id = clientIdentity(cell.clientAuth);
  return {
    port,
    host: '127.0.0.1',
    servername: 'localhost',
    ca: pem(pki.ca),
    maxVersion: 'TLSv1.2',
    ciphers: cell.suite.openssl,
    ...(cell.group !== undefined && { ecdhCurve: offeredGroups(cell)! }),
    ...(id && { cert: pem(id.cert), key: pem(id.key) }),
    ...(cell.alpn && { ALPNProtocols: [ALPN] }),
  };
}

/** Our server's options for a cell: both identities, one suite, one group. */
function ourServerOptions(cell: Cell, alpn: string): Parameters<typeof startTlsglassServer>[1] {
  return {
    cert: [pem(pki.serverRsa.cert), pem(pki.serverEcdsa.cert)],
    key: [pem(pki.serverRsa.key), pem(pki.serverEcdsa.key)],
    ca: pem(pki.ca),
    maxVersion: 'TLSv1.2',
    ciphers: cell.suite.openssl,
    ...(cell.group !== undefined && { ecdhCurve: cell.group }),
    requestCert: cell.clientAuth !== 'none',
    rejectUnauthorized: cell.clientAuth !== 'none',
    ...(cell.alpn && { ALPNProtocols: [alpn] }),
  };
}

/** Checks our side's getters for a cell. */
function assertOurs(socket: TLSSocket, cell: Cell, alpn: string, detail: string): void {
  assert.equal(socket.getProtocol(), 'TLSv1.2', detail);
  assert.equal(socket.getCipher()?.name, cell.suite.openssl, detail);
  const info = socket.connection.ephemeralKeyInfo;
  assert.deepEqual(info, cell.group ? KEY_INFO[cell.group] : null, detail);
  assert.equal(socket.alpnProtocol, cell.alpn ? alpn : false, detail);
  assert.equal(socket.servername, 'localhost', detail);
  if (cell.role === 'client') {
    assert.equal(socket.authorized, true, detail);
    assert.equal((socket.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN, 'localhost', detail);
  } else if (cell.clientAuth !== 'none') {
    assert.equal(socket.authorized, true, detail);
    assert.equal(socket.getPeerX509Certificate()?.subject, `CN=${CLIENT_CN[cell.clientAuth]}`, detail);
  } else {
    assert.equal(socket.getPeerX509Certificate(), undefined, detail);
  }
}

/** Server side for "our server" cells: echoes exactly the payload length, then ends (close_notify). */
function echoExactly(length: number, seen: TLSSocket[]): (socket: TLSSocket) => void {
  return (socket) => {
    seen.push(socket);
    let got = 0;
    socket.on('data', (d: Buffer) => {
      got += d.length;
      socket.write(d);
      if (got >= length) socket.end();
    });
    socket.on('error', () => {});
  };
}

/** A tiny HTTP/1.1 server on a TLS socket for curl: GET gets the greeting, POST gets its body back. */
function httpEcho(seen: TLSSocket[]): (socket: TLSSocket) => void {
  return (socket) => {
    seen.push(socket);
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    let need = -1;
    let bodyStart = 0;
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (need < 0) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        need = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        bodyStart = end + 4;
        if (head.startsWith('GET ')) need = 0;
      }
      if (buf.length - bodyStart < need) return;
      const body = need === 0 ? GREETING : buf.subarray(bodyStart, bodyStart + need);
      socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body]));
    });
  };
}

// ---- one runner per peer -------------------------------------------------------------------------

type Runner = (t: TestContext, cell: Cell) => Promise<void>;

const runners: Record<PeerName, Runner> = {
  /**
   * -rev: each line comes back reversed. Without ALPN, -servername_fatal + -cert2 proves SNI: the
   * right certificate only exists behind "localhost". (s_server configures ALPN on its first
   * context only, so after an SNI switch it would not answer ALPN; ALPN cells skip the trick.)
   */
  async 'openssl s_server'(t, cell) {
    const right = serverIdentity(cell.suite.auth);
    const wrong = serverIdentity(cell.suite.auth === 'RSA' ? 'ECDSA' : 'RSA');
    const args = ['-naccept', '1', '-rev', '-no_tls1_3'];
    if (cell.alpn) args.push('-cert', right.cert, '-key', right.key);
    else args.push('-cert', wrong.cert, '-key', wrong.key, '-servername', 'localhost', '-servername_fatal', '-cert2', right.cert, '-key2', right.key);
    if (cell.suite.kx === 'DHE') args.push('-dhparam', dhparam);
    if (cell.clientAuth !== 'none') args.push('-Verify', '1', '-CAfile', pki.ca);
    if (cell.alpn) args.push('-alpn', ALPN);
    const server = await startOpensslServer(t, args);
    const socket = await tlsglassConnect(t, ourClientOptions(cell, server.port));
    const { send, expect } = revPayload(cell);
    socket.write(send);
    const back = await readExactly(socket, expect.length);
    assert.equal(sha256(back), sha256(expect), 'reversed lines');
    socket.end();
    await server.waitFor(/^CONNECTION CLOSED$/m, 's_server to close the connection (-naccept 1)');
    const report = server.stderr();
    assertOurs(socket, cell, ALPN, String(server));
    assert.match(report, /^Protocol version: TLSv1\.2$/m, String(server));
    assert.match(report, new RegExp(`^Ciphersuite: ${cell.suite.openssl}$`, 'm'), String(server));
    const offered = (offeredGroups(cell) ?? '').split(':').filter(Boolean).map((g) => OPENSSL_GROUP[g as Group]).join(':');
    if (cell.group) assert.match(report, new RegExp(`^Supported groups: ${offered}$`, 'm'), String(server));
    if (cell.clientAuth === 'none') assert.match(report, /^No peer certificate$/m, String(server));
    else assert.match(report, new RegExp(`^Peer certificate: CN = ${escape(CLIENT_CN[cell.clientAuth])}$`, 'm'), String(server));
  },

  /** --http reports the session in its page; --echo for bulk. Its stdout logs each session too. */
  async 'gnutls-serv'(t, cell) {
    const id = serverIdentity(cell.suite.auth);
    const args = [cell.bulk ? '--echo' : '--http', '--x509certfile', id.cert, '--x509keyfile', id.key, '--priority', 'NORMAL:-VERS-TLS1.3'];
    if (cell.clientAuth !== 'none') args.push('--require-client-cert', '--verify-client-cert', '--x509cafile', pki.ca);
    if (cell.alpn) args.push('--alpn', ALPN);
    const server = await startGnutlsServer(t, args);
    const socket = await tlsglassConnect(t, ourClientOptions(cell, server.port));
    if (cell.bulk) {
      const data = revPayload(cell).send; // gnutls-serv's echo mode handles text lines, not arbitrary bytes
      socket.write(data);
      const back = await readExactly(socket, data.length);
      assert.equal(sha256(back), sha256(data), 'echoed 1 MiB');
      socket.end();
    } else {
      socket.end('GET / HTTP/1.0\r\n\r\n');
      const page = (await readAll(socket)).toString('latin1');
      assert.match(page, /^HTTP\/1\.0 200 OK/, page);
    }
    await server.waitFor(/- Description: \S+/, 'gnutls-serv to log the session');
    const log = server.stdoutText();
    const info = parseGnutls(log);
    assertOurs(socket, cell, ALPN, String(server));
    assert.equal(info.protocol, 'TLS1.2', String(server));
    assert.equal(info.kx, cell.group ? GNUTLS_KX[cell.group] : 'RSA', String(server));
    assert.equal(info.cipher, cell.suite.aead, String(server));
    assert.match(log, /- Given server name\[1\]: localhost/, String(server));
    if (cell.clientAuth !== 'none') assert.match(log, new RegExp(`Subject: CN=${escape(CLIENT_CN[cell.clientAuth])}`), String(server));
  },

  async 'node:tls server'(t, cell) {
    const id = serverIdentity(cell.suite.auth);
    const seen: NodeTlsSocket[] = [];
    const server = await startNodeTlsServer(
      t,
      {
        cert: pem(id.cert),
        key: pem(id.key),
        ca: pem(pki.ca),
        maxVersion: 'TLSv1.2',
        ciphers: cell.suite.openssl,
        ecdhCurve: cell.suite.kx === 'ECDHE' ? offeredGroups(cell)! : 'auto', // it picks by its own order
        dhparam: pem(dhparam),
        requestCert: cell.clientAuth !== 'none',
        rejectUnauthorized: cell.clientAuth !== 'none',
        ...(cell.alpn && { ALPNProtocols: [ALPN] }),
      },
      (s) => {
        seen.push(s);
        s.pipe(s);
      },
    );
    const socket = await tlsglassConnect(t, ourClientOptions(cell, server.port));
    const data = payload(cell);
    socket.write(data);
    const back = await readExactly(socket, data.length);
    assert.equal(sha256(back), sha256(data), 'echo');
    socket.end();
    const theirs = seen[0]!;
    assertOurs(socket, cell, ALPN, 'our client');
    assert.equal(theirs.getProtocol(), 'TLSv1.2');
    assert.equal(theirs.getCipher().name, cell.suite.openssl);
    assert.equal(theirs.servername, 'localhost');
    assert.equal(theirs.alpnProtocol, cell.alpn ? ALPN : false);
    if (cell.clientAuth !== 'none') {
      assert.equal(theirs.authorized, true, String(theirs.authorizationError));
      assert.equal(theirs.getPeerCertificate().subject.CN, CLIENT_CN[cell.clientAuth]);
    }
    // Both sides derived the same keys: the RFC 5705 exporter agrees.
    assert.deepEqual(socket.exportKeyingMaterial(32, 'EXPERIMENTAL interop', CONTEXT), theirs.exportKeyingMaterial(32, 'EXPERIMENTAL interop', CONTEXT));
    assert.deepEqual(socket.getFinished(), theirs.getPeerFinished());
    assert.deepEqual(socket.getPeerFinished(), theirs.getFinished());
  },

  async 'openssl s_client'(t, cell) {
    const data = payload(cell);
    const seen: TLSSocket[] = [];
    const server = await startTlsglassServer(t, ourServerOptions(cell, ALPN), echoExactly(data.length, seen));
    const args = ['-tls1_2', '-servername', 'localhost', '-CAfile', pki.ca, '-verify_return_error', '-ign_eof', '-nocommands', '-cipher', cell.suite.openssl];
    if (cell.group && cell.suite.kx === 'ECDHE') args.push('-curves', offeredGroups(cell)!);
    const id = clientIdentity(cell.clientAuth);
    if (id) args.push('-cert', id.cert, '-key', id.key);
    if (cell.alpn) args.push('-alpn', ALPN);
    const run = await runOpensslClient(t, server.port, args, data);
    assert.equal(run.code, 0, run.report);
    const { info, data: back } = splitOpensslClientOutput(run.stdout);
    assert.equal(sha256(back), sha256(data), `echo\n${run.report.slice(0, 4000)}`);
    const theirs = parseOpensslClient(info);
    assert.deepEqual(
      theirs,
      {
        protocol: 'TLSv1.2',
        cipher: cell.suite.openssl,
        ...(cell.group && { tempKey: OPENSSL_TEMP_KEY[cell.group] }),
        ...(cell.alpn && { alpn: ALPN }),
        verified: true,
      },
      run.report.slice(0, 4000),
    );
    assert.deepEqual(server.clientErrors, []);
    assertOurs(seen[0]!, cell, ALPN, run.report.slice(0, 4000));
  },

  async 'gnutls-cli'(t, cell) {
    const data = payload(cell);
    const seen: TLSSocket[] = [];
    const server = await startTlsglassServer(t, ourServerOptions(cell, ALPN), echoExactly(data.length, seen));
    const args = ['--x509cafile', pki.ca, '--sni-hostname', 'localhost', '--verify-hostname', 'localhost', '--priority', 'NORMAL:-VERS-TLS1.3'];
    const id = clientIdentity(cell.clientAuth);
    if (id) args.push('--x509certfile', id.cert, '--x509keyfile', id.key);
    if (cell.alpn) args.push('--alpn', ALPN);
    const run = await runGnutlsClient(t, server.port, args, data);
    assert.equal(run.code, 0, run.report);
    const { info, data: back } = splitGnutlsClientOutput(run.stdout);
    assert.equal(sha256(back), sha256(data), run.report);
    const theirs = parseGnutls(info);
    assert.equal(theirs.protocol, 'TLS1.2', run.report);
    assert.equal(theirs.kx, cell.group ? GNUTLS_KX[cell.group] : 'RSA', run.report);
    assert.equal(theirs.cipher, cell.suite.aead, run.report);
    assert.equal(theirs.alpn, cell.alpn ? ALPN : undefined, run.report);
    assert.deepEqual(server.clientErrors, []);
    assertOurs(seen[0]!, cell, ALPN, run.report);
  },

  async curl(t, cell) {
    const seen: TLSSocket[] = [];
    const server = await startTlsglassServer(t, ourServerOptions(cell, 'http/1.1'), httpEcho(seen));
    const args = ['-v', '--http1.1', '--tls-max', '1.2', '--cacert', pki.ca, '--ciphers', cell.suite.openssl];
    if (cell.group && cell.suite.kx === 'ECDHE') args.push('--curves', offeredGroups(cell)!);
    const id = clientIdentity(cell.clientAuth);
    if (id) args.push('--cert', id.cert, '--key', id.key);
    if (!cell.alpn) args.push('--no-alpn');
    let expected: Buffer = GREETING;
    if (cell.bulk) {
      expected = payload(cell);
      const file = join(dir, `curl-body-${cell.suite.openssl}`);
      writeFileSync(file, expected);
      args.push('--data-binary', `@${file}`, '-H', 'Content-Type: application/octet-stream');
    }
    const run = await runCurl(t, server.port, args);
    assert.equal(run.code, 0, run.report);
    assert.equal(sha256(run.stdout), sha256(expected), run.report);
    assert.match(run.stderr, new RegExp(`SSL connection using TLSv1\\.2 / ${cell.suite.openssl}`), run.report);
    if (cell.alpn) assert.match(run.stderr, /ALPN[:,] server accepted (to use )?http\/1\.1/, run.report);
    assert.deepEqual(server.clientErrors, []);
    assertOurs(seen[0]!, cell, 'http/1.1', run.report);
  },

  async 'node:tls client'(t, cell) {
    const data = payload(cell);
    const seen: TLSSocket[] = [];
    const server = await startTlsglassServer(t, ourServerOptions(cell, ALPN), echoExactly(data.length, seen));
    const id = clientIdentity(cell.clientAuth);
    const theirs = await nodeTlsConnect(t, {
      port: server.port,
      servername: 'localhost',
      ca: pem(pki.ca),
      maxVersion: 'TLSv1.2',
      ciphers: cell.suite.openssl,
      ...(cell.group && cell.suite.kx === 'ECDHE' && { ecdhCurve: offeredGroups(cell)! }),
      ...(id && { cert: pem(id.cert), key: pem(id.key) }),
      ...(cell.alpn && { ALPNProtocols: [ALPN] }),
    });
    theirs.write(data);
    const back = await readExactly(theirs, data.length);
    assert.equal(sha256(back), sha256(data), 'echo');
    assert.equal(theirs.getProtocol(), 'TLSv1.2');
    assert.equal(theirs.getCipher().name, cell.suite.openssl);
    assert.deepEqual(theirs.getEphemeralKeyInfo(), cell.group ? KEY_INFO[cell.group] : {});
    assert.equal(theirs.alpnProtocol, cell.alpn ? ALPN : false);
    assert.equal(theirs.authorized, true, String(theirs.authorizationError));
    const ours = seen[0]!;
    assertOurs(ours, cell, ALPN, 'our server');
    assert.deepEqual(ours.exportKeyingMaterial(32, 'EXPERIMENTAL interop', CONTEXT), theirs.exportKeyingMaterial(32, 'EXPERIMENTAL interop', CONTEXT));
    assert.deepEqual(ours.getFinished(), theirs.getPeerFinished());
    theirs.end();
  },
};

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---- known deviations (reported as TODO, so they show in every run until fixed) --------------------

/** Cells that fail because of a known bug in the core; the text says which. */
function knownIssue(_cell: Cell): string | undefined {
  return undefined;
}

// ---- the tests -----------------------------------------------------------------------------------

describe('TLS 1.2 interop matrix', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tlsglass-matrix-'));
    pki = writePkiFiles(dir);
    // RFC 7919 ffdhe2048 for the OpenSSL-based DHE servers (their default temp DH group is not an RFC 7919 one).
    dhparam = join(dir, 'ffdhe2048.pem');
    execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', dhparam]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const peer of PEERS) {
    const skip = peer.binary ? peerMissing(peer.binary) : false;
    describe(`${peer.name} ↔ tlsglass ${peer.role}`, () => {
      for (const cell of matrix().filter((c) => c.peer === peer.name)) {
        const todo = knownIssue(cell);
        test(cellName(cell), { skip, timeout: PEER_TIMEOUT_MS * 2, ...(todo && { todo }) }, (t) => runners[cell.peer](t, cell));
      }
    });
  }
});
