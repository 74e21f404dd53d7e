/**
 * The failure diagnosis against a real peer, for each failure class, both ways round:
 * `tlsglass connect` against `openssl s_server`, and `openssl s_client` against `tlsglass serve`.
 * Each checks the exit code, which step failed, who sent which alert, and the likely cause with
 * the option that fixes it. Ports are 0 and nothing sleeps: servers are waited for by their
 * ACCEPT line, and `serve --naccept 1` exits once its one connection is over. Two tests run at a
 * time: most of each is waiting for a process to start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';
import { peerMissing, runOpensslClient, runTlsglassConnectCli, startOpensslServer, startTlsglassServeCli, type PeerServer } from '../helpers/peers.js';
import { testPki, writePkiFiles, type PkiFiles } from '../helpers/pki.js';
import { diagnosis } from '../helpers/diagnosis-block.js';

let pki: PkiFiles;
let dir: string;
/** A certificate for localhost that expired 3 days ago, and one from a CA nobody trusts. */
let expired: { cert: string; key: string };
let stranger: { cert: string; key: string };
const OPTS = { timeout: 20_000, skip: peerMissing('openssl') };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-diagnosis-'));
  pki = writePkiFiles(dir);
  const day = 86_400_000;
  const old = issueCertificate({
    issuer: testPki().ca,
    commonName: 'localhost',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    keyType: 'ec',
    notBefore: new Date(Date.now() - 30 * day),
    notAfter: new Date(Date.now() - 3 * day),
  });
  const otherCa = createCertificateAuthority({ commonName: 'some other CA', keyType: 'ec' });
  const other = issueCertificate({ issuer: otherCa, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ec' });
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text, { mode: 0o600 });
    return join(dir, name);
  };
  expired = { cert: write('expired.pem', old.certPem), key: write('expired.key', old.keyPem) };
  stranger = { cert: write('stranger.pem', other.certPem), key: write('stranger.key', other.keyPem) };
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** `tlsglass serve --naccept 1 …`; resolves with its stderr once it has exited. */
async function serveOnce(t: Parameters<typeof startTlsglassServeCli>[0], args: string[]): Promise<PeerServer & { done: Promise<string> }> {
  const server = await startTlsglassServeCli(t, ['--port', '0', '--naccept', '1', ...args]);
  return Object.assign(server, { done: server.exited.then(() => server.stderr()) });
}

describe('tlsglass connect against openssl s_server: the client explains', { concurrency: 2 }, () => {
  test('missing client certificate (TLS 1.3: certificate_required after our Finished)', OPTS, async (t) => {
    const server = await startOpensslServer(t, ['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, '-Verify', '1', '-CAfile', pki.ca, '-www']);
    const run = await runTlsglassConnectCli(t, [`localhost:${server.port}`, '--ca', pki.ca]);
    assert.equal(run.code, 1, run.report);
    const d = diagnosis(run.stderr);
    assert.match(d['alert'] ?? '', /^certificate_required, sent by the server \(message [CS]\d+\)$/, run.report);
    assert.match(d['failed at'] ?? '', /^message [CS]\d+: the client's Certificate \(empty\)$/);
    assert.equal(d['diagnosis'], 'the server asked for a client certificate (CertificateRequest) but none was configured: pass --cert/--key. In TLS 1.3 the server checks it after our Finished, so the handshake first looked complete.');
  });

  test('expired server certificate', OPTS, async (t) => {
    const server = await startOpensslServer(t, ['-cert', expired.cert, '-key', expired.key, '-www']);
    const run = await runTlsglassConnectCli(t, [`localhost:${server.port}`, '--ca', pki.ca]);
    assert.equal(run.code, 1, run.report);
    const d = diagnosis(run.stderr);
    assert.equal(d['error code'], 'CERT_HAS_EXPIRED', run.report);
    assert.match(d['alert'] ?? '', /^certificate_expired, sent by the client/);
    assert.match(d['failed at'] ?? '', /^message [CS]\d+: the server's Certificate$/);
    assert.match(d['diagnosis'] ?? '', /^certificate for 'localhost' expired 3 days ago \(not after .* UTC\): the server must renew it/);
  });

  test('hostname mismatch', OPTS, async (t) => {
    const server = await startOpensslServer(t, ['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, '-www']);
    const run = await runTlsglassConnectCli(t, [`127.0.0.1:${server.port}`, '--servername', 'example.test', '--ca', pki.ca]);
    assert.equal(run.code, 1, run.report);
    const d = diagnosis(run.stderr);
    assert.equal(d['error code'], 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.equal(d['diagnosis'], "hostname 'example.test' not in the certificate's names [localhost, 127.0.0.1]: pass --servername with one of those names, or give the server a certificate for 'example.test'.");
  });

  test('unknown CA', OPTS, async (t) => {
    const server = await startOpensslServer(t, ['-cert', stranger.cert, '-key', stranger.key, '-www']);
    const run = await runTlsglassConnectCli(t, [`localhost:${server.port}`, '--ca', pki.ca]);
    assert.equal(run.code, 1, run.report);
    const d = diagnosis(run.stderr);
    assert.match(d['alert'] ?? '', /^unknown_ca, sent by the client/);
    assert.match(d['diagnosis'] ?? '', /^the server's certificate does not lead to a CA we trust: the server sent only its own certificate \('CN=localhost', issued by 'CN=some other CA'\) and no CA in --ca is named 'CN=some other CA'\. If 'CN=some other CA' is a root CA, pass it with --ca/);
  });

  test('no cipher suite in common (both lists, when known: ours)', OPTS, async (t) => {
    const server = await startOpensslServer(t, ['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, '-www', '-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256', '-cipher', 'ECDHE-RSA-CHACHA20-POLY1305']);
    const run = await runTlsglassConnectCli(t, [`localhost:${server.port}`, '--ca', pki.ca, '--ciphers', 'TLS_AES_256_GCM_SHA384:ECDHE-RSA-AES128-GCM-SHA256']);
    assert.equal(run.code, 1, run.report);
    const d = diagnosis(run.stderr);
    assert.match(d['alert'] ?? '', /^handshake_failure, sent by the server \(message S1\)$/);
    assert.equal(d['failed at'], "message C1: the client's ClientHello");
    assert.match(d['diagnosis'] ?? '', /^no cipher suite in common \(the server refused our ClientHello\): we offered \[TLS_AES_256_GCM_SHA384, ECDHE-RSA-AES128-GCM-SHA256\]; .*Pass --ciphers with others/);
  });

  test('a TLS 1.3 server that takes only ffdhe2048: the groups we offered, and --curves', OPTS, async (t) => {
    const server = await startOpensslServer(t, ['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, '-www', '-tls1_3', '-groups', 'ffdhe2048']);
    const run = await runTlsglassConnectCli(t, [`localhost:${server.port}`, '--ca', pki.ca]);
    assert.equal(run.code, 1, run.report);
    const d = diagnosis(run.stderr);
    assert.match(d['alert'] ?? '', /^handshake_failure, sent by the server \(message S1\)$/);
    assert.match(d['diagnosis'] ?? '', / Or no key exchange group in common: we offered \[X25519MLKEM768, x25519, secp256r1, secp384r1\]; pass --curves with others \(we also know SecP256r1MLKEM768, SecP384r1MLKEM1024, ffdhe2048, ffdhe3072, ffdhe4096, MLKEM768, MLKEM1024\)\.$/);
  });

  test('a server that speaks only TLS 1.1', OPTS, async (t) => {
    const server = await startOpensslServer(t, ['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, '-www', '-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
    const run = await runTlsglassConnectCli(t, [`localhost:${server.port}`, '--ca', pki.ca]);
    assert.equal(run.code, 1, run.report);
    const d = diagnosis(run.stderr);
    assert.match(d['alert'] ?? '', /^protocol_version, sent by the server/);
    assert.match(d['diagnosis'] ?? '', /^the server accepts neither TLS 1\.3 nor TLS 1\.2, the only versions tlsglass speaks: it likely speaks only TLS 1\.0 or 1\.1/);
  });
});

describe('openssl s_client against tlsglass serve: the server explains', { concurrency: 2 }, () => {
  test('missing client certificate', OPTS, async (t) => {
    const server = await serveOnce(t, ['--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key, '--ca', pki.ca, '--require-cert']);
    await runOpensslClient(t, server.port, ['-servername', 'localhost', '-CAfile', pki.ca], 'x');
    const stderr = await server.done;
    assert.match(stderr, /^handshake failed from 127\.0\.0\.1:\d+: ERR_TLSGLASS_NO_PEER_CERTIFICATE: /m);
    const d = diagnosis(stderr);
    assert.match(d['alert'] ?? '', /^certificate_required, sent by the server/, stderr);
    assert.match(d['failed at'] ?? '', /^message [CS]\d+: the client's Certificate \(empty\)$/);
    assert.match(d['diagnosis'] ?? '', /the client must be given one \(its --cert\/--key\), or use --request-cert instead of --require-cert/);
  });

  test('expired server certificate (TLS 1.2)', OPTS, async (t) => {
    const server = await serveOnce(t, ['--cert', expired.cert, '--key', expired.key]);
    const run = await runOpensslClient(t, server.port, ['-tls1_2', '-servername', 'localhost', '-CAfile', pki.ca, '-verify_return_error']);
    assert.notEqual(run.code, 0);
    const d = diagnosis(await server.done);
    assert.match(d['alert'] ?? '', /^certificate_expired, sent by the client/);
    assert.match(d['failed at'] ?? '', /^message S2: the server's Certificate$/);
    assert.match(d['diagnosis'] ?? '', /^the client rejected our certificate as expired, and it is: 'localhost', valid .* to .*, expired 3 days ago: renew it \(--cert\/--key\)/);
  });

  test('expired server certificate (TLS 1.3: the client alerts before it has handshake keys)', OPTS, async (t) => {
    const server = await serveOnce(t, ['--cert', expired.cert, '--key', expired.key]);
    await runOpensslClient(t, server.port, ['-servername', 'localhost', '-CAfile', pki.ca, '-verify_return_error']);
    const d = diagnosis(await server.done);
    assert.match(d['alert'] ?? '', /^certificate_expired, sent by the client/);
    assert.match(d['failed at'] ?? '', /^message S4: the server's Certificate$/);
    assert.match(d['diagnosis'] ?? '', /^the client rejected our certificate as expired, and it is/);
  });

  test('hostname mismatch', OPTS, async (t) => {
    const server = await serveOnce(t, ['--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key]);
    await runOpensslClient(t, server.port, ['-servername', 'example.test', '-verify_hostname', 'example.test', '-CAfile', pki.ca, '-verify_return_error']);
    const d = diagnosis(await server.done);
    assert.match(d['alert'] ?? '', /^bad_certificate, sent by the client/);
    assert.equal(d['diagnosis'], "the client refused our certificate: it asked for 'example.test' (its SNI), but ours names [localhost, 127.0.0.1]. Serve a certificate for 'example.test' (--cert/--key), or have the client use one of those names.");
  });

  test('no cipher suite in common: both lists', OPTS, async (t) => {
    const server = await serveOnce(t, ['--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key, '--ciphers', 'TLS_CHACHA20_POLY1305_SHA256:ECDHE-RSA-CHACHA20-POLY1305']);
    await runOpensslClient(t, server.port, ['-ciphersuites', 'TLS_AES_256_GCM_SHA384', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256']);
    const d = diagnosis(await server.done);
    assert.match(d['alert'] ?? '', /^handshake_failure, sent by the server \(message S1\)$/);
    assert.equal(d['diagnosis'], 'no cipher suite in common: the client offered [TLS_AES_256_GCM_SHA384, ECDHE-RSA-AES128-GCM-SHA256], we support [TLS_CHACHA20_POLY1305_SHA256, ECDHE-RSA-CHACHA20-POLY1305]: pass --ciphers with a suite the client offers.');
  });

  test('no key exchange group in common: both lists', OPTS, async (t) => {
    const server = await serveOnce(t, ['--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key, '--curves', 'X25519']);
    await runOpensslClient(t, server.port, ['-groups', 'ffdhe2048:ffdhe3072']);
    const d = diagnosis(await server.done);
    assert.match(d['alert'] ?? '', /^handshake_failure, sent by the server \(message S1\)$/);
    assert.equal(d['diagnosis'], 'no key exchange group in common: the client supports [ffdhe2048, ffdhe3072], we take [x25519]: pass --curves with a group the client supports.');
  });

  test('the client does not offer TLS 1.2 or higher', OPTS, async (t) => {
    const server = await serveOnce(t, ['--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key]);
    await runOpensslClient(t, server.port, ['-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
    const stderr = await server.done;
    const d = diagnosis(stderr);
    assert.match(d['alert'] ?? '', /^protocol_version, sent by the server/, stderr);
    assert.equal(d['diagnosis'], 'the client offers only TLS 1.1, which we refuse (RFC 8996 retired TLS 1.0 and 1.1): the client must allow TLS 1.2 or 1.3.');
  });
});
