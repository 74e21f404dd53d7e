/**
 * `tlsglass serve` and `tlsglass connect` as processes, against openssl, curl and each other:
 * the ACCEPT line, the -www-style page, s_server-style option spellings, raw mode, the s_client-
 * style report on stderr, non-zero exits with the error code on failures; --help, exit codes,
 * --trace, --json and --html.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  peerMissing,
  runCurl,
  runPeer,
  TLSGLASS_CLI,
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
    const run = await runTlsglassConnectCli(t, ['localhost:1', '--tarce']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^tlsglass connect: unknown option --tarce \(did you mean --trace\?\)\n[\s\S]*Usage: tlsglass connect/);
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

describe('help, usage errors and exit codes', { concurrency: 2 }, () => {
  const cli = (t: Parameters<typeof runPeer>[0], args: string[]) => runPeer(t, process.execPath, [TLSGLASS_CLI, ...args]);

  test('tlsglass --help and each command --help: every option with an example, and the exit codes', LIMIT, async (t) => {
    const top = await cli(t, ['--help']);
    assert.equal(top.code, 0);
    for (const command of ['demo', 'connect HOST\\[:PORT\\]', 'serve', 'certs', 'verify', 'help']) assert.match(top.stdout.toString(), new RegExp(`^  ${command} `, 'm'));
    assert.match(top.stdout.toString(), /^ {2}2 {3}usage error/m);
    for (const command of ['connect', 'serve']) {
      const run = await cli(t, [command, '--help']);
      assert.equal(run.code, 0, run.report);
      const text = run.stdout.toString();
      const options: string[] = text.match(/^  --\S+/gm) ?? [];
      for (const o of ['--trace', '--json', '--html', '--keylog', '--debug', '--tls1.2', '--tls1.3', '--ca', '--cert', '--ciphers']) assert.ok(options.includes(`  ${o}`), `${command} --help lists ${o}`);
      assert.equal((text.match(/^ {25}e\.g\. tlsglass /gm) ?? []).length, options.length, `${command}: one example per option`);
      assert.match(text, /^ {2}0 {3}success$/m);
      assert.match(text, /^ {2}3 {3}network error/m);
    }
  });

  test('usage errors exit 2 and say what is wrong: unknown command, missing file', LIMIT, async (t) => {
    const command = await cli(t, ['conect']);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /^tlsglass: unknown command 'conect'/);
    const missing = await cli(t, ['serve', '--cert', '/nonexistent.pem', '--key', '/nonexistent.key']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--cert \/nonexistent\.pem: ENOENT/);
  });

  test('a refused connection is a network error: exit 3, no diagnosis of TLS', LIMIT, async (t) => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const run = await runTlsglassConnectCli(t, [`127.0.0.1:${port}`]);
    assert.equal(run.code, 3, run.report);
    assert.match(run.stderr, /^network error: ECONNREFUSED: /m);
    assert.match(run.stderr, new RegExp(`^  nothing listens on 127\\.0\\.0\\.1:${port} \\(connection refused`, 'm'));
    assert.doesNotMatch(run.stderr, /as the client sees it/, 'no TLS diagnosis block: TLS never started');
    assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace without --debug');
  });

  test('a TLS failure exits 1 with the diagnosis; the stack trace only with --debug', { ...LIMIT, skip: peerMissing('openssl') }, async (t) => {
    const server = await startOpensslServer(t, ['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, '-www']);
    const plain = await runTlsglassConnectCli(t, [`127.0.0.1:${server.port}`, '--servername', 'wrong.example', '--ca', pki.ca]);
    assert.equal(plain.code, 1, plain.report);
    assert.match(plain.stderr, /^ {5}diagnosis {3}hostname 'wrong\.example' not in the certificate's names \[localhost, 127\.0\.0\.1\]/m);
    assert.doesNotMatch(plain.stderr, /^\s+at /m);
    const debug = await runTlsglassConnectCli(t, [`127.0.0.1:${server.port}`, '--servername', 'wrong.example', '--ca', pki.ca, '--debug']);
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /^\s+at .*\.js:\d+:\d+\)?$/m);
  });
});

describe('--trace, --json and --html between tlsglass connect and tlsglass serve', () => {
  test('TLS 1.3: the client streams its ladder, the server prints its own, both write JSON; serve writes the page', LIMIT, async (t) => {
    const page = join(dir, 'serve-%n.html');
    const server = await startTlsglassServeCli(t, ['--port', '0', '--cert', pki.serverEcdsa.cert, '--key', pki.serverEcdsa.key, '--echo', '--naccept', '1', '--trace', '--json', '--html', page]);
    const run = await runTlsglassConnectCli(t, [`127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', pki.ca, '--alpn', 'x-test', '--trace', '--json'], 'ping\n');
    assert.equal(run.code, 0, run.report);

    // The client's ladder on stderr, plain text (not a terminal), in wire order.
    const arrows = run.stderr.split('\n').filter((l) => /^ +[CS]\d+ {2}(\S.* ─+.*▶|◀─.*)$/.test(l)).map((l) => l.replace(/─+ \(encrypted[^)]*\) ─+/, '──').replace(/─+/g, '─').trim());
    assert.deepEqual(arrows.slice(0, 9), [
      'C1  ClientHello ─▶',
      'S1  ◀─ ServerHello',
      'S2  ◀─ ChangeCipherSpec',
      'S3  ◀─ EncryptedExtensions',
      'S4  ◀─ Certificate',
      'S5  ◀─ CertificateVerify',
      'S6  ◀─ Finished',
      'C2  ChangeCipherSpec ─▶',
      'C3  Finished ─▶',
    ]);
    // The server's ticket follows the client's Finished; whether it arrives before or after the
    // client's own close_notify (sent when stdin ends) depends on timing, so only the order of
    // the ticket after the handshake is fixed.
    assert.ok(
      arrows.slice(9).some((a) => /^S7 {2}◀─ NewSessionTicket$/.test(a)),
      `NewSessionTicket after the handshake: ${arrows.slice(9).join(' | ')}`,
    );
    assert.doesNotMatch(run.stderr, /\x1b\[/);
    assert.match(run.stderr, /^ {5}version {15}TLS 1\.3$/m);
    assert.match(run.stderr, /^ {5}after the handshake:$/m);
    assert.match(run.stderr, /why {2}The client opens with its random/);

    // --json: stdout is one JSON document (the echoed bytes are counted, not printed).
    type Trace = { side: string; messages: { name: string; from: string; hex: string; states: { sender: unknown; receiver: unknown } }[]; outcome: { completed: boolean; summary: { version: string; alpn: string } } };
    const client = JSON.parse(run.stdout.toString()) as Trace & { exitCode: number; data: { sent: number; received: number } };
    assert.equal(client.side, 'client');
    assert.equal(client.exitCode, 0);
    assert.deepEqual(client.data, { sent: 5, received: 5 });
    assert.deepEqual(client.messages.slice(0, 3).map((m) => `${m.from} ${m.name}`), ['client ClientHello', 'server ServerHello', 'server ChangeCipherSpec']);
    assert.equal(client.outcome.completed, true);
    assert.equal(client.outcome.summary.version, 'TLSv1.3');
    assert.equal(client.outcome.summary.alpn, null);

    // The server: its ladder on stderr, one JSON line per connection, the page.
    const { code } = await server.exited;
    assert.equal(code, 0, String(server));
    const stderr = server.stderr();
    assert.match(stderr, /^connection 1 from 127\.0\.0\.1:\d+:$/m);
    assert.match(stderr, /^ C1 {2}ClientHello ─+▶$/m);
    assert.match(stderr, /^ {5}client authenticated {2}no, one-way TLS/m);
    assert.match(stderr, /^wrote the trace of connection 1 to .*serve-1\.html$/m);
    const lines = server.stdoutText().trim().split('\n');
    assert.deepEqual(JSON.parse(lines[0]!), { event: 'listening', command: 'tlsglass serve', address: `127.0.0.1:${server.port}` });
    const served = JSON.parse(lines[1]!) as Trace & { connection: number };
    assert.equal(served.side, 'server');
    assert.equal(served.connection, 1);
    assert.deepEqual(served.messages.map((m) => m.name).slice(0, 7), ['ClientHello', 'ServerHello', 'ChangeCipherSpec', 'EncryptedExtensions', 'Certificate', 'CertificateVerify', 'Finished']);
    assert.ok(served.messages.every((m) => m.states.sender || m.states.receiver));
    const html = join(dir, 'serve-1.html');
    assert.ok(existsSync(html));
    assert.match(readFileSync(html, 'utf8'), /data-name="CertificateVerify"/);
  });
});
