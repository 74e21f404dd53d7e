/**
 * The scan's probes past the first answer, against servers configured to say yes and no:
 * ROBOT (openssl s_server and tlsglass serve with RSA key exchange: no oracle; a tlsglass server
 * made here with a deliberately broken RSA decryption that throws on bad padding: an oracle),
 * client-initiated renegotiation (s_server refuses it by default in OpenSSL 3.0 and accepts it
 * with -client_renegotiation; gnutls-serv accepts it; tlsglass serve refuses), resumption (session
 * ID, ticket, TLS 1.3 PSK, ticket lifetime), 0-RTT (s_server -early_data, gnutls-serv --earlydata),
 * compression (s_server -comp: this OpenSSL still refuses DEFLATE), heartbeat and record_size_limit
 * (gnutls-serv --heartbeat --recordsize). The scan runs as the command a user runs (--json).
 */
import assert from 'node:assert/strict';
import { constants, privateDecrypt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { ScanResult } from '../../src/scan/result.js';
import { testPki, writePkiFiles, type PkiFiles } from '../helpers/pki.js';
import { peerMissing, runPeer, spawnPeer, startGnutlsServer, startTlsglassServeCli, startTlsglassServer, TLSGLASS_CLI, type PeerServer, type Scope } from '../helpers/peers.js';

const LIMIT = { timeout: 60_000 };

let dir: string;
let pki: PkiFiles;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-scan-probes-'));
  pki = writePkiFiles(join(dir, 'pki'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** s_server with the test RSA certificate; the port from its ACCEPT line. Without -www its stdin stays open (and empty). */
async function opensslServer(t: Scope, args: readonly string[]): Promise<PeerServer> {
  const p = spawnPeer(t, 'openssl', ['s_server', '-accept', '127.0.0.1:0', '-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, ...args]);
  const m = await p.waitFor(/^ACCEPT 127\.0\.0\.1:(\d+)$/m, 'the ACCEPT line');
  return Object.assign(p, { port: Number(m[1]) });
}

async function runScan(t: Scope & { diagnostic(text: string): void }, port: number, extra: readonly string[] = []): Promise<ScanResult> {
  const run = await runPeer(t, process.execPath, [TLSGLASS_CLI, 'scan', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', pki.ca, '--json', ...extra], '', 45_000);
  assert.equal(run.stderr, '', run.report);
  const r = JSON.parse(run.stdout.toString('utf8')) as ScanResult;
  t.diagnostic(`scan ${extra.join(' ')}: ${r.connections} connections, ${r.durationMs} ms, robot ${JSON.stringify(r.vulnerabilities.robot)}, findings ${r.findings.map((f) => `${f.severity}:${f.id}`).join(' ')}`);
  return r;
}

const SAME_BAD_MAC = /^all 5 premasters \(correct and malformed padding\) got the same answer: alert fatal bad_record_mac, closed \(TLS_RSA_WITH_AES_128_GCM_SHA256, TLSv1\.2\)$/;
const has = (r: ScanResult, id: string): boolean => r.findings.some((f) => f.id === id);

describe('tlsglass scan: ROBOT, renegotiation, resumption, 0-RTT, extensions', () => {
  test('openssl s_server (RSA key exchange, -comp): no oracle, renegotiation refused, every resumption, no 0-RTT', { ...LIMIT, skip: peerMissing('openssl') }, async (t) => {
    const server = await opensslServer(t, ['-www', '-comp', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256']);
    const r = await runScan(t, server.port);
    assert.equal(r.vulnerabilities.robot!.vulnerable, false);
    assert.match(r.vulnerabilities.robot!.evidence, SAME_BAD_MAC);
    assert.equal(r.features.clientRenegotiation, false);
    // OpenSSL 3.0 as Debian builds it has no zlib: -comp changes nothing.
    assert.equal(r.features.compression, false);
    assert.equal(r.features.heartbeat, false);
    assert.equal(r.features.recordSizeLimit, null);
    assert.deepEqual(r.features.resumption, { sessionId: true, ticket: true, tls13Psk: true, ticketLifetimeSeconds: 7200 });
    assert.deepEqual(r.features.earlyData, { accepted: false, maxEarlyDataSize: null });
    for (const id of ['robot', 'client-renegotiation', 'compression', 'heartbeat', 'early-data']) assert.ok(!has(r, id), id);
    // --quick leaves ROBOT and the session-ID resumption out.
    const q = await runScan(t, server.port, ['--quick']);
    assert.equal(q.vulnerabilities.robot, null);
    assert.equal(q.features.resumption.sessionId, null);
    // At least ROBOT's 5 and the session-ID resumption's 2 fewer (--quick also trims other probes).
    assert.ok(r.connections - q.connections >= 7, `${r.connections} then ${q.connections} connections`);
  });

  test('openssl s_server -client_renegotiation -no_ticket: renegotiation accepted, resumption by ID only', { ...LIMIT, skip: peerMissing('openssl') }, async (t) => {
    const server = await opensslServer(t, ['-www', '-client_renegotiation', '-no_ticket', '-no_tls1_3', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256']);
    const r = await runScan(t, server.port);
    assert.equal(r.features.clientRenegotiation, true);
    assert.deepEqual(r.findings.find((f) => f.id === 'client-renegotiation'), {
      id: 'client-renegotiation',
      severity: 'medium',
      verdict: 'client-initiated renegotiation accepted: any client can make the server redo a handshake at will (DoS)',
    });
    assert.deepEqual(r.features.resumption, { sessionId: true, ticket: false, tls13Psk: null, ticketLifetimeSeconds: null });
    assert.equal(r.features.earlyData, null);
    assert.equal(r.vulnerabilities.robot, null, 'no RSA key exchange suite: ROBOT does not apply');
  });

  test('openssl s_server -early_data: 0-RTT accepted, with max_early_data_size from the ticket', { ...LIMIT, skip: peerMissing('openssl') }, async (t) => {
    const server = await opensslServer(t, ['-early_data', '-tls1_3']);
    const r = await runScan(t, server.port, ['--quick']);
    assert.deepEqual(r.features.earlyData, { accepted: true, maxEarlyDataSize: 16384 });
    assert.equal(r.features.resumption.tls13Psk, true);
    assert.deepEqual(r.findings.find((f) => f.id === 'early-data'), {
      id: 'early-data',
      severity: 'low',
      verdict: '0-RTT early data accepted (up to 16384 bytes): an attacker can replay it (RFC 8446 §8)',
    });
  });

  test('gnutls-serv --heartbeat --recordsize 4096 --earlydata: heartbeat, record_size_limit, renegotiation, 0-RTT', { ...LIMIT, skip: peerMissing('gnutls-serv') }, async (t) => {
    const server = await startGnutlsServer(t, ['--x509certfile', pki.serverRsa.cert, '--x509keyfile', pki.serverRsa.key, '--heartbeat', '--recordsize', '4096', '--earlydata']);
    const r = await runScan(t, server.port, ['--quick']);
    assert.equal(r.features.heartbeat, true);
    // TLS 1.3: the limit counts the inner content type byte (RFC 8449 §4): 4096 + 1.
    assert.equal(r.features.recordSizeLimit, 4097);
    assert.equal(r.features.clientRenegotiation, true);
    assert.equal(r.features.earlyData?.accepted, true);
    for (const id of ['heartbeat', 'client-renegotiation', 'early-data']) assert.ok(has(r, id), id);
  });

  test('tlsglass serve with RSA key exchange: no oracle (implicit rejection), renegotiation refused, every resumption', LIMIT, async (t) => {
    const server = await startTlsglassServeCli(t, ['--port', '0', '--host', '127.0.0.1', '--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key, '--ciphers', 'ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256']);
    const r = await runScan(t, server.port);
    assert.equal(r.vulnerabilities.robot!.vulnerable, false);
    assert.match(r.vulnerabilities.robot!.evidence, SAME_BAD_MAC);
    assert.equal(r.features.clientRenegotiation, false);
    assert.deepEqual(r.features.resumption, { sessionId: true, ticket: true, tls13Psk: true, ticketLifetimeSeconds: 300 });
    assert.deepEqual(r.features.earlyData, { accepted: false, maxEarlyDataSize: null });
    assert.equal(r.features.compression, false);
    assert.equal(r.features.recordSizeLimit, null);
  });

  test('a server whose RSA decryption throws on bad padding (a real oracle): ROBOT vulnerable', LIMIT, async (t) => {
    const key = testPki().serverRsa;
    // Decrypts as a careless server would: raw RSA, then a padding check that fails loudly.
    const leaky: CryptoProvider = {
      ...nodeCryptoProvider,
      rsaKeyTransport: {
        encrypt: nodeCryptoProvider.rsaKeyTransport.encrypt,
        decrypt(_key, ciphertext) {
          const em = privateDecrypt({ key: key.keyPem, padding: constants.RSA_NO_PADDING }, ciphertext);
          if (em[0] !== 0 || em[1] !== 2) throw new Error('bad PKCS#1 padding');
          return new Uint8Array(em.subarray(em.length - 48));
        },
      },
    };
    const server = await startTlsglassServer(t, { key: key.keyPem, cert: key.certPem, ciphers: 'AES128-GCM-SHA256', maxVersion: 'TLSv1.2', provider: leaky }, (socket) => socket.destroy());
    const r = await runScan(t, server.port);
    const robot = r.vulnerabilities.robot!;
    assert.equal(robot.vulnerable, true, robot.evidence);
    assert.match(robot.evidence, /^the server answers malformed premasters differently, the same way twice: correct padding: alert fatal bad_record_mac, closed; wrong first bytes \(0x41 0x17\): alert fatal internal_error, closed;/);
    assert.equal(r.findings.find((f) => f.id === 'robot')?.severity, 'high');
    assert.equal(r.grade, 'F');
  });
});
