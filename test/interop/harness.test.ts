/**
 * Checks the interop helpers themselves against node:tls, so that a failing tlsglass interop test
 * can be trusted to be about tlsglass: port discovery (openssl ACCEPT line, gnutls-serv via /proc),
 * output parsing, deadlines that report the peer's stderr, skip reasons, and teardown.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  nodeTlsConnect,
  parseGnutls,
  parseOpensslClient,
  inCI,
  peerMissing,
  readAll,
  readExactly,
  runCurl,
  runGnutlsClient,
  runOpensslClient,
  splitGnutlsClientOutput,
  splitOpensslClientOutput,
  startGnutlsServer,
  startNodeTlsServer,
  startOpensslServer,
} from '../helpers/peers.js';
import { writePkiFiles, type PkiFiles } from '../helpers/pki.js';

describe('interop harness (validated against node:tls)', { concurrency: false }, () => {
  let pki: PkiFiles;
  let dir: string;
  const pem = (path: string): Buffer => readFileSync(path);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tlsglass-harness-'));
    pki = writePkiFiles(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('openssl s_server reports its ephemeral port; node:tls fetches its -www page', { timeout: 30_000, skip: peerMissing('openssl') }, async (t) => {
    const server = await startOpensslServer(t, ['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, '-www', '-tls1_2']);
    assert.ok(server.port > 0);
    const socket = await nodeTlsConnect(t, { port: server.port, servername: 'localhost', ca: pem(pki.ca) });
    assert.equal(socket.getProtocol(), 'TLSv1.2');
    socket.end('GET / HTTP/1.0\r\n\r\n');
    const page = (await readAll(socket)).toString('latin1');
    assert.match(page, /^HTTP\/1\.0 200 ok/);
    assert.match(page, /New, TLSv1\.2, Cipher is ECDHE-RSA-/);
  });

  test('gnutls-serv -p 0: port found through /proc; node:tls echoes through it', { timeout: 30_000, skip: peerMissing('gnutls-serv') }, async (t) => {
    const server = await startGnutlsServer(t, ['--echo', '--x509certfile', pki.serverEcdsa.cert, '--x509keyfile', pki.serverEcdsa.key]);
    const socket = await nodeTlsConnect(t, { port: server.port, servername: 'localhost', ca: pem(pki.ca), maxVersion: 'TLSv1.2' });
    assert.equal(socket.getCipher().name, 'ECDHE-ECDSA-AES128-GCM-SHA256'); // gnutls-serv's preference
    socket.write('ping\n');
    assert.equal((await readExactly(socket, 5)).toString(), 'ping\n');
  });

  test('openssl s_client output is parsed (protocol, cipher, temp key, ALPN, verification)', { timeout: 30_000, skip: peerMissing('openssl') }, async (t) => {
    const server = await startNodeTlsServer(t, { cert: pem(pki.serverRsa.cert), key: pem(pki.serverRsa.key), maxVersion: 'TLSv1.2', ALPNProtocols: ['h2', 'x-test'] }, (s) => s.end('bye\n'));
    const brief = await runOpensslClient(t, server.port, ['-servername', 'localhost', '-CAfile', pki.ca, '-curves', 'P-384', '-cipher', 'ECDHE-RSA-AES256-GCM-SHA384', '-brief']);
    assert.equal(brief.code, 0, brief.report);
    assert.deepEqual(parseOpensslClient(brief.stderr), { protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384', tempKey: 'ECDH, secp384r1, 384 bits', verified: true }, brief.report);
    assert.equal(brief.stdout.toString(), 'bye\n');
    // The default output has ALPN too, with the data after it.
    const full = await runOpensslClient(t, server.port, ['-servername', 'localhost', '-CAfile', pki.ca, '-alpn', 'x-test', '-ign_eof']);
    assert.equal(full.code, 0, full.report);
    const { info, data } = splitOpensslClientOutput(full.stdout);
    assert.deepEqual(parseOpensslClient(info), { protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', tempKey: 'X25519, 253 bits', alpn: 'x-test', verified: true }, full.report);
    assert.equal(data.toString(), 'bye\n');
  });

  test('gnutls-cli output is parsed', { timeout: 30_000, skip: peerMissing('gnutls-cli') }, async (t) => {
    const server = await startNodeTlsServer(t, { cert: pem(pki.serverEcdsa.cert), key: pem(pki.serverEcdsa.key), maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305', ALPNProtocols: ['h2'] }, (s) => s.end('bye\n'));
    const run = await runGnutlsClient(t, server.port, ['--x509cafile', pki.ca, '--sni-hostname', 'localhost', '--verify-hostname', 'localhost', '--alpn', 'h2']);
    assert.equal(run.code, 0, run.report);
    const { info, data } = splitGnutlsClientOutput(run.stdout);
    assert.deepEqual(parseGnutls(info), {
      description: '(TLS1.2-X.509)-(ECDHE-X25519)-(ECDSA-SHA256)-(CHACHA20-POLY1305)',
      protocol: 'TLS1.2',
      kx: 'ECDHE-X25519',
      signature: 'ECDSA-SHA256',
      cipher: 'CHACHA20-POLY1305',
      alpn: 'h2',
    }, run.report);
    assert.equal(data.toString(), 'bye\n');
  });

  test('curl fetches from a node:tls server by name', { timeout: 30_000, skip: peerMissing('curl') }, async (t) => {
    const server = await startNodeTlsServer(t, { cert: pem(pki.serverRsa.cert), key: pem(pki.serverRsa.key) }, (s) => {
      s.once('data', () => s.end('HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n'));
    });
    const run = await runCurl(t, server.port, ['--cacert', pki.ca]);
    assert.equal(run.code, 0, run.report);
    assert.equal(run.stdout.toString(), 'ok\n');
  });

  test('a peer that dies before it is ready fails the wait with its stderr', { timeout: 30_000, skip: peerMissing('openssl') }, async (t) => {
    await assert.rejects(startOpensslServer(t, ['-cert', join(dir, 'missing.pem')]), (err: Error) => {
      assert.match(err.message, /exited before the ACCEPT line/);
      assert.match(err.message, /missing\.pem/); // s_server's own complaint, from its stderr
      return true;
    });
  });

  test('a wait past its deadline fails with the peer output', { timeout: 30_000, skip: peerMissing('openssl') }, async (t) => {
    const server = await startOpensslServer(t, ['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key]);
    await assert.rejects(server.waitFor(/never printed/, 'a line that never comes', 200), /timed out after 200 ms waiting for a line that never comes[\s\S]*--- stdout ---[\s\S]*ACCEPT/);
  });

  test('spawned peers are killed at teardown', { timeout: 30_000, skip: peerMissing('openssl') }, async (t) => {
    let pid = 0;
    await t.test('inner', async (t2) => {
      const server = await startOpensslServer(t2, ['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key]);
      pid = server.proc.pid!;
      assert.doesNotThrow(() => process.kill(pid, 0));
    });
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  });

  test('a missing peer is a skip with its reason, or runs (to fail) under CI=true', { timeout: 30_000 }, () => {
    const reason = peerMissing('tlsglass-no-such-peer');
    if (inCI) assert.equal(reason, false);
    else assert.equal(reason, 'tlsglass-no-such-peer not installed (apt-get install tlsglass-no-such-peer)');
  });
});
