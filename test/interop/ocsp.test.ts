/**
 * OCSP stapling (RFC 6066 §8; TLS 1.3 in the leaf's CertificateEntry, RFC 8446 §4.4.2.1) against
 * real peers, TLS 1.2 and 1.3: a real OCSP response made here by `openssl ocsp` (an index file,
 * signed by the test CA), stapled by `openssl s_server -status_file` and by a node:tls server's
 * 'OCSPRequest', received by our client (requestOCSP / 'OCSPResponse' / `connect --status`);
 * and our server ('OCSPRequest', `serve --ocsp-response`) read by `openssl s_client -status` and a
 * node:tls client with requestOCSP. Our DER reader is checked against openssl's own decoding.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import * as nodeTls from 'node:tls';
import { connect, type TLSSocket } from '../../src/index.js';
import { parseOcspResponse } from '../../src/pki/ocsp.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { writePkiFiles, type PkiFiles } from '../helpers/pki.js';
import {
  peerMissing,
  PEER_TIMEOUT_MS,
  runOpensslClient,
  runPeer,
  runTlsglassConnectCli,
  startNodeTlsServer,
  startOpensslServer,
  startTlsglassServeCli,
  startTlsglassServer,
  type Scope,
} from '../helpers/peers.js';

const LIMIT = { timeout: 30_000 };
const VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
const OPENSSL_FLAG = { 'TLSv1.2': '-tls1_2', 'TLSv1.3': '-tls1_3' } as const;
const missing = peerMissing('openssl');

let dir: string;
let pki: PkiFiles;
/** `openssl ocsp` responses for the RSA server certificate: good, and (another index) revoked. */
let good: { file: string; der: Buffer };
let revoked: Buffer;
let unknown: Buffer;
let serial: string;

/** Runs `openssl args…` to completion; fails with its report otherwise. */
async function openssl(t: Scope, args: string[]): Promise<string> {
  const r = await runPeer(t, 'openssl', args);
  assert.equal(r.code, 0, r.report);
  return r.stdout.toString() + r.stderr;
}

/** An OCSP response from the test CA (as its own responder) for `cert`, by `index` (openssl ca's database format). */
async function makeResponse(t: Scope, name: string, cert: string, index: string): Promise<Buffer> {
  writeFileSync(join(dir, `${name}.idx`), index);
  await openssl(t, ['ocsp', '-issuer', pki.ca, '-cert', cert, '-no_nonce', '-reqout', join(dir, `${name}.req`)]);
  const out = join(dir, `${name}.der`);
  await openssl(t, ['ocsp', '-index', join(dir, `${name}.idx`), '-rsigner', pki.ca, '-rkey', pki.caKey, '-CA', pki.ca, '-reqin', join(dir, `${name}.req`), '-respout', out, '-ndays', '7']);
  return readFileSync(out);
}

before(async () => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-ocsp-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  pki = writePkiFiles(dir);
  const t: Scope = { after: () => undefined };
  serial = new X509Certificate(readFileSync(pki.serverRsa.cert)).serialNumber.toUpperCase();
  const line = (status: string, revokedAt = ''): string => `${status}\t351231235959Z\t${revokedAt}\t${serial}\tunknown\t/CN=localhost\n`;
  good = { file: join(dir, 'good.der'), der: await makeResponse(t, 'good', pki.serverRsa.cert, line('V')) };
  revoked = await makeResponse(t, 'revoked', pki.serverRsa.cert, line('R', '250102030405Z,keyCompromise'));
  unknown = await makeResponse(t, 'unknown', pki.serverRsa.cert, '');
});

/** Our client with requestOCSP; resolves once connected with what 'OCSPResponse' carried. */
async function ourClient(t: Scope, port: number, version: string): Promise<{ socket: TLSSocket; response: Buffer | null | undefined }> {
  const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(pki.ca, 'utf8'), requestOCSP: true, minVersion: version as 'TLSv1.2', maxVersion: version as 'TLSv1.2' });
  t.after(() => socket.destroy());
  let response: Buffer | null | undefined;
  let before = false;
  socket.on('OCSPResponse', (r: Buffer | null) => (response = r));
  socket.once('secureConnect', () => (before = response !== undefined));
  await once(socket, 'secureConnect');
  // After the handshake the peer may reset when it is stopped at teardown: not what is tested here.
  socket.on('error', () => undefined);
  assert.ok(before, "'OCSPResponse' came before 'secureConnect'");
  return { socket, response };
}

/** A node:tls client with requestOCSP; resolves with what its 'OCSPResponse' carried. */
async function nodeClient(t: Scope, port: number, version: string): Promise<Buffer | null> {
  const socket = nodeTls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(pki.ca), requestOCSP: true, minVersion: version as 'TLSv1.2', maxVersion: version as 'TLSv1.2' } as nodeTls.ConnectionOptions);
  t.after(() => socket.destroy());
  const [response] = (await Promise.race([once(socket, 'OCSPResponse'), once(socket, 'error').then(([e]) => Promise.reject(e as Error))])) as [Buffer | null];
  await once(socket, 'secureConnect');
  socket.on('error', () => undefined); // as in ourClient
  return response;
}

describe('our DER reader agrees with openssl on real responses', { skip: missing }, () => {
  test('good: successful, responder = the CA, producedAt/thisUpdate/nextUpdate as openssl prints them', async (t) => {
    const r = parseOcspResponse(good.der);
    assert.equal(r.responseStatus, 'successful');
    assert.ok(r.basic && 'byName' in r.basic.responder);
    assert.deepEqual(Buffer.from(r.basic.responder.byName), Buffer.from(parseCertificate(new X509Certificate(readFileSync(pki.ca)).raw).subject), 'responder byName = the CA subject');
    const [single] = r.basic.responses;
    assert.equal(single?.status, 'good');
    assert.equal(single.serialNumber.toUpperCase(), serial);
    const text = await openssl(t, ['ocsp', '-respin', good.file, '-resp_text', '-noverify']);
    const when = (label: string): number => Date.parse(new RegExp(`${label}: (.+ GMT)`).exec(text)![1]!);
    assert.equal(r.basic.producedAt.getTime(), when('Produced At'));
    assert.equal(single.thisUpdate.getTime(), when('This Update'));
    assert.equal(single.nextUpdate?.getTime(), when('Next Update'));
    assert.match(text, /Responder Id: O = tlsglass, CN = tlsglass test CA/);
  });

  test('revoked (with its time and reason) and unknown', () => {
    const r = parseOcspResponse(revoked).basic!.responses[0]!;
    assert.equal(r.status, 'revoked');
    assert.equal(r.revocationTime?.toISOString(), '2025-01-02T03:04:05.000Z');
    assert.equal(r.revocationReason, 'keyCompromise');
    assert.equal(parseOcspResponse(unknown).basic!.responses[0]!.status, 'unknown');
  });

  test('a non-successful response (tryLater) has a status and nothing else; garbage is a DecodeError', () => {
    assert.deepEqual(parseOcspResponse(Uint8Array.of(0x30, 0x03, 0x0a, 0x01, 0x03)), { responseStatus: 'tryLater' });
    assert.throws(() => parseOcspResponse(new TextEncoder().encode('hello world')), { name: 'DecodeError' });
  });
});

describe('openssl s_server -status_file ↔ our client', { skip: missing }, () => {
  for (const v of VERSIONS) {
    test(`${v}: requestOCSP receives exactly the file's bytes, before secureConnect`, LIMIT, async (t) => {
      const server = await startOpensslServer(t, ['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, '-status_file', good.file, OPENSSL_FLAG[v]]);
      const { socket, response } = await ourClient(t, server.port, v);
      assert.equal(socket.getProtocol(), v);
      assert.ok(response);
      assert.deepEqual(response, good.der);
      assert.equal(parseOcspResponse(response).basic?.responses[0]?.status, 'good');
    });

    test(`${v}: tlsglass connect --status prints it decoded`, LIMIT, async (t) => {
      const server = await startOpensslServer(t, ['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, '-status_file', good.file, OPENSSL_FLAG[v]]);
      const html = join(dir, `trace-${v}.html`);
      const r = await runTlsglassConnectCli(t, [`127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', pki.ca, '--status', '--max-version', v, '--trace', '--html', html]);
      assert.equal(r.code, 0, r.report);
      const page = readFileSync(html, 'utf8');
      assert.match(page, /responseStatus: successful/);
      assert.match(page, v === 'TLSv1.2' ? /CertificateStatus/ : /status_request/);
      assert.match(r.stderr, new RegExp(`OCSP response: ${good.der.length} bytes`));
      assert.match(r.stderr, /responseStatus: successful/);
      assert.match(r.stderr, new RegExp(`serial ${serial.toLowerCase()}: good`));
      // The trace shows the staple where it travelled: a CertificateStatus (1.2) or the Certificate (1.3).
      if (v === 'TLSv1.2') assert.match(r.stderr, /CertificateStatus/);
      else assert.match(r.stderr, /entry extensions +status_request/);
    });
  }

  test('a server with no response: OCSPResponse is null, and connect --status says none was sent', LIMIT, async (t) => {
    const server = await startOpensslServer(t, ['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key]);
    const { socket, response } = await ourClient(t, server.port, 'TLSv1.3').catch((e: Error) => {
      throw new Error(`${e.message}\n${String(server)}`);
    });
    assert.equal(response, null);
    socket.end(); // s_server serves one connection at a time
    await once(socket, 'close');
    const r = await runTlsglassConnectCli(t, [`127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', pki.ca, '--status']);
    assert.equal(r.code, 0, r.report);
    assert.match(r.stderr, /OCSP response: no response sent/);
  });
});

describe('openssl s_client -status ↔ tlsglass serve --ocsp-response', { skip: missing }, () => {
  for (const v of VERSIONS) {
    test(`${v}: openssl decodes our staple`, LIMIT, async (t) => {
      const server = await startTlsglassServeCli(t, ['--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key, '--port', '0', '--ocsp-response', good.file]);
      const r = await runOpensslClient(t, server.port, ['-status', '-servername', 'localhost', '-CAfile', pki.ca, OPENSSL_FLAG[v]], '');
      const out = r.stdout.toString();
      assert.match(out, /OCSP Response Status: successful \(0x0\)/, r.report);
      assert.match(out, /Cert Status: good/);
      assert.match(out, new RegExp(`Protocol *: ${v}|New, ${v}`));
    });
  }

  test('without -status openssl gets no staple; without a file, "no response sent"', LIMIT, async (t) => {
    const stapling = await startTlsglassServeCli(t, ['--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key, '--port', '0', '-status_file', good.file]);
    const plain = await runOpensslClient(t, stapling.port, ['-CAfile', pki.ca, '-tlsextdebug'], '');
    assert.doesNotMatch(plain.stdout.toString(), /OCSP response|status request/i, plain.report);
    const bare = await startTlsglassServeCli(t, ['--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key, '--port', '0']);
    const r = await runOpensslClient(t, bare.port, ['-status', '-CAfile', pki.ca], '');
    assert.match(r.stdout.toString(), /OCSP response: no response sent/, r.report);
  });
});

describe('node:tls server with OCSPRequest ↔ our client', { skip: missing }, () => {
  for (const v of VERSIONS) {
    test(`${v}: node staples what its listener answered (later); we receive those bytes`, LIMIT, async (t) => {
      const seen: { cert?: Buffer; issuer?: Buffer } = {};
      const s = await startNodeTlsServer(t, { cert: readFileSync(pki.serverRsa.cert), key: readFileSync(pki.serverRsa.key), ca: readFileSync(pki.ca) }, (socket) => socket.end());
      s.server.on('OCSPRequest', (cert: Buffer, issuer: Buffer, cb: (err: Error | null, response?: Buffer) => void) => {
        Object.assign(seen, { cert, issuer });
        setImmediate(() => cb(null, good.der));
      });
      const { response } = await ourClient(t, s.port, v);
      assert.deepEqual(response, good.der);
      assert.deepEqual(seen.cert, new X509Certificate(readFileSync(pki.serverRsa.cert)).raw);
    });
  }
});

describe('node:tls client with requestOCSP ↔ our server', { skip: missing }, () => {
  for (const v of VERSIONS) {
    test(`${v}: our 'OCSPRequest' gets node's arguments (certificate, issuer) and may answer later; node receives the bytes`, LIMIT, async (t) => {
      const cert = readFileSync(pki.serverRsa.cert, 'utf8');
      const s = await startTlsglassServer(t, { cert, key: readFileSync(pki.serverRsa.key, 'utf8'), ca: readFileSync(pki.ca, 'utf8') }, (socket) => socket.end());
      const requests: [Buffer, Buffer | null][] = [];
      s.server.on('OCSPRequest', (c: Buffer, issuer: Buffer | null, cb: (err: Error | null, response?: Buffer) => void) => {
        requests.push([c, issuer]);
        setTimeout(() => cb(null, good.der), 20);
      });
      assert.deepEqual(await nodeClient(t, s.port, v), good.der);
      assert.equal(requests.length, 1);
      assert.deepEqual(requests[0]![0], new X509Certificate(cert).raw);
      assert.deepEqual(requests[0]![1], new X509Certificate(readFileSync(pki.ca)).raw, 'the issuer, found in ca');
    });
  }

  test('as node:tls: no listener → OCSPResponse null; a client that does not ask → no OCSPRequest', LIMIT, async (t) => {
    const options = { cert: readFileSync(pki.serverRsa.cert, 'utf8'), key: readFileSync(pki.serverRsa.key, 'utf8') };
    const silent = await startTlsglassServer(t, options, (socket) => socket.end());
    assert.equal(await nodeClient(t, silent.port, 'TLSv1.3'), null);
    const listening = await startTlsglassServer(t, options, (socket) => socket.end());
    let asked = 0;
    listening.server.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (err: Error | null) => void) => (asked++, cb(null)));
    const socket = nodeTls.connect({ host: '127.0.0.1', port: listening.port, ca: readFileSync(pki.ca), servername: 'localhost' });
    t.after(() => socket.destroy());
    await once(socket, 'secureConnect');
    assert.equal(asked, 0);
    assert.equal(await nodeClient(t, listening.port, 'TLSv1.2'), null, 'answered with nothing: no staple');
    assert.equal(asked, 1);
  });

  test("cb(err) drops the connection with 'tlsClientError', as node:tls", LIMIT, async (t) => {
    const s = await startTlsglassServer(t, { cert: readFileSync(pki.serverRsa.cert, 'utf8'), key: readFileSync(pki.serverRsa.key, 'utf8') }, (socket) => socket.end());
    s.server.on('OCSPRequest', (_c: Buffer, _i: Buffer, cb: (err: Error | null) => void) => cb(new Error('responder down')));
    const socket = nodeTls.connect({ host: '127.0.0.1', port: s.port, ca: readFileSync(pki.ca), servername: 'localhost', requestOCSP: true } as nodeTls.ConnectionOptions);
    t.after(() => socket.destroy());
    socket.on('error', () => undefined);
    const [err] = (await once(s.server, 'tlsClientError', { signal: AbortSignal.timeout(PEER_TIMEOUT_MS) })) as [Error];
    assert.equal(err.message, 'responder down');
  });
});
