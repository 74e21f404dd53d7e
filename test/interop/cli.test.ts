/**
 * `tlsglass serve` and `tlsglass connect` as processes, against openssl, curl and each other:
 * the ACCEPT line, the -www-style page, s_server-style option spellings, raw mode, the s_client-
 * style report on stderr, and non-zero exits with the error code on failures.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  peerMissing,
  runCurl,
  runOpensslClient,
  runTlsglassConnectCli,
  startOpensslServer,
  startTlsglassServeCli,
} from '../helpers/peers.js';
import { writePkiFiles, type PkiFiles } from '../helpers/pki.js';

let pki: PkiFiles;
let dir: string;
const LIMIT = { timeout: 30_000 };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-cli-'));
  pki = writePkiFiles(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('tlsglass serve', () => {
  test('prints ACCEPT with the real port and answers GET with the status page (openssl s_client)', { ...LIMIT, skip: peerMissing('openssl') }, async (t) => {
    const server = await startTlsglassServeCli(t, ['--port', '0', '--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key]);
    const run = await runOpensslClient(t, server.port, ['-tls1_2', '-quiet', '-servername', 'localhost', '-CAfile', pki.ca, '-verify_return_error'], 'GET / HTTP/1.0\r\n\r\n');
    assert.equal(run.code, 0, run.report);
    const page = run.stdout.toString();
    assert.match(page, /^HTTP\/1\.0 200 ok\r\n/, page);
    assert.match(page, /^New, TLSv1\.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256$/m, page);
    assert.match(page, /^SNI: localhost$/m, page);
    assert.match(page, /^Client certificate: none$/m, page);
  });

  test('--request-cert: curl with a client certificate sees its subject on the page', { ...LIMIT, skip: peerMissing('curl') }, async (t) => {
    const server = await startTlsglassServeCli(t, ['--port', '0', '--cert', pki.serverEcdsa.cert, '--key', pki.serverEcdsa.key, '--ca', pki.ca, '--request-cert', '--alpn', 'http/1.1']);
    const withCert = await runCurl(t, server.port, ['--cacert', pki.ca, '--tls-max', '1.2', '--cert', pki.clientRsa.cert, '--key', pki.clientRsa.key]);
    assert.equal(withCert.code, 0, withCert.report);
    assert.match(withCert.stdout.toString(), /^Client certificate: CN=tlsglass test client \(RSA\) \(verified\)$/m);
    assert.match(withCert.stdout.toString(), /^ALPN: http\/1\.1$/m);
    const without = await runCurl(t, server.port, ['--cacert', pki.ca, '--tls-max', '1.2']);
    assert.equal(without.code, 0, without.report);
    assert.match(without.stdout.toString(), /^Client certificate: none$/m);
  });

  test('s_server spellings: -accept -cert -key -CAfile -Verify -cipher -www -naccept', { ...LIMIT, skip: peerMissing('openssl') }, async (t) => {
    const server = await startTlsglassServeCli(t, ['-accept', '127.0.0.1:0', '-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, '-CAfile', pki.ca, '-Verify', '1', '-cipher', 'DHE-RSA-AES256-GCM-SHA384', '-www', '-naccept', '2']);
    const common = ['-tls1_2', '-servername', 'localhost', '-CAfile', pki.ca, '-quiet'];
    const refused = await runOpensslClient(t, server.port, common, 'GET / HTTP/1.0\r\n\r\n');
    assert.notEqual(refused.code, 0, `a client without a certificate must be refused\n${refused.report}`);
    const accepted = await runOpensslClient(t, server.port, [...common, '-cert', pki.clientEcdsa.cert, '-key', pki.clientEcdsa.key], 'GET / HTTP/1.0\r\n\r\n');
    assert.equal(accepted.code, 0, accepted.report);
    assert.match(accepted.stdout.toString(), /^New, TLSv1\.2, Cipher is DHE-RSA-AES256-GCM-SHA384$/m);
    assert.match(accepted.stdout.toString(), /^Key exchange: DH 2048 bits$/m);
    assert.match(accepted.stdout.toString(), /^Client certificate: CN=tlsglass test client \(ECDSA\) \(verified\)$/m);
    const { code } = await server.exited; // -naccept 2: it exits after the second connection
    assert.equal(code, 0, String(server));
    assert.match(server.stderr(), /handshake failed from 127\.0\.0\.1:\d+: /);
  });

  test('raw mode: non-HTTP bytes go to stdout, as s_server without -www', { ...LIMIT, skip: peerMissing('openssl') }, async (t) => {
    const server = await startTlsglassServeCli(t, ['--port', '0', '--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key]);
    // Without -quiet (which implies -ign_eof) s_client sends close_notify at the end of its stdin.
    const run = await runOpensslClient(t, server.port, ['-tls1_2', '-servername', 'localhost', '-CAfile', pki.ca], 'hello, raw world\n');
    assert.equal(run.code, 0, run.report);
    await server.waitFor(/hello, raw world/, 'the bytes on stdout');
  });

  test('usage errors exit 2 with the usage text', LIMIT, async (t) => {
    const run = await runTlsglassConnectCli(t, ['--no-such-option']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown option --no-such-option[\s\S]*Usage: tlsglass connect/);
  });
});

describe('tlsglass connect', () => {
  test('stdin to the server, the page to stdout, the session on stderr (openssl s_server -www)', { ...LIMIT, skip: peerMissing('openssl') }, async (t) => {
    const server = await startOpensslServer(t, ['-cert', pki.serverEcdsa.cert, '-key', pki.serverEcdsa.key, '-www', '-no_tls1_3', '-alpn', 'x-cli']);
    const run = await runTlsglassConnectCli(t, [`localhost:${server.port}`, '--ca', pki.ca, '--alpn', 'x-cli', '--ciphers', 'ECDHE-ECDSA-CHACHA20-POLY1305', '--curves', 'P-256'], 'GET / HTTP/1.0\r\n\r\n');
    assert.equal(run.code, 0, run.report);
    assert.match(run.stdout.toString(), /^HTTP\/1\.0 200 ok/);
    assert.match(run.stdout.toString(), /New, TLSv1\.2, Cipher is ECDHE-ECDSA-CHACHA20-POLY1305/);
    assert.match(run.stderr, /^Protocol: TLSv1\.2\nCipher: ECDHE-ECDSA-CHACHA20-POLY1305\nServer Temp Key: ECDH, prime256v1, 256 bits\nALPN: x-cli\nPeer certificate: CN=localhost\nVerification: OK\n/);
  });

  test('against tlsglass serve, with a client certificate', { ...LIMIT }, async (t) => {
    const server = await startTlsglassServeCli(t, ['--port', '0', '--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key, '--ca', pki.ca, '--require-cert']);
    const run = await runTlsglassConnectCli(t, [`127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', pki.ca, '--cert', pki.clientEcdsa.cert, '--key', pki.clientEcdsa.key], 'GET /me HTTP/1.0\r\n\r\n');
    assert.equal(run.code, 0, run.report);
    assert.match(run.stdout.toString(), /^Client certificate: CN=tlsglass test client \(ECDSA\) \(verified\)$/m);
    assert.match(run.stdout.toString(), /^Request: GET \/me HTTP\/1\.0$/m);
  });

  test('an untrusted server exits 1 with the error code', { ...LIMIT, skip: peerMissing('openssl') }, async (t) => {
    const server = await startOpensslServer(t, ['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, '-www', '-no_tls1_3']);
    const run = await runTlsglassConnectCli(t, [`localhost:${server.port}`, '--ca', pki.serverEcdsa.cert]);
    assert.equal(run.code, 1, run.report);
    assert.match(run.stderr, /^handshake failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE: /m);
  });

  test('a name mismatch exits 1 with ERR_TLS_CERT_ALTNAME_INVALID; --insecure connects anyway', { ...LIMIT, skip: peerMissing('openssl') }, async (t) => {
    const server = await startOpensslServer(t, ['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, '-www', '-no_tls1_3']);
    const wrong = await runTlsglassConnectCli(t, [`127.0.0.1:${server.port}`, '--servername', 'wrong.example', '--ca', pki.ca]);
    assert.equal(wrong.code, 1, wrong.report);
    assert.match(wrong.stderr, /^handshake failed: ERR_TLS_CERT_ALTNAME_INVALID: /m);
    const insecure = await runTlsglassConnectCli(t, [`127.0.0.1:${server.port}`, '--servername', 'wrong.example', '--ca', pki.ca, '--insecure'], 'GET / HTTP/1.0\r\n\r\n');
    assert.equal(insecure.code, 0, insecure.report);
    assert.match(insecure.stderr, /^Verification: failed \(ERR_TLS_CERT_ALTNAME_INVALID\)/m);
  });
});
