/**
 * The flags the README's CLI table lists that cli.test.ts does not already drive, each through a
 * real `tlsglass` process: --version, --min-version/--max-version, `connect HOST` on port 443,
 * --groups, --pass, --timeout, and NODE_EXTRA_CA_CERTS (the default trust store, as node:tls
 * builds it) with a real handshake. Servers are in-process tlsglass servers on ports the OS picks.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { splitHostPort } from '../../src/cli/options.js';
import { runPeer, runTlsglassConnectCli, startTlsglassServer, startTlsglassServeCli, TLSGLASS_CLI } from '../helpers/peers.js';
import { writePkiFiles, type PkiFiles } from '../helpers/pki.js';

let dir: string;
let pki: PkiFiles;
const LIMIT = { timeout: 30_000 };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-cli-flags-'));
  pki = writePkiFiles(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A tlsglass server with the RSA server certificate that says hello and closes; extra options on top. */
function helloServer(t: test.TestContext, options: Record<string, unknown> = {}): ReturnType<typeof startTlsglassServer> {
  const cert = readFileSync(pki.serverRsa.cert, 'utf8');
  const key = readFileSync(pki.serverRsa.key, 'utf8');
  return startTlsglassServer(t, { cert, key, ...options }, (socket) => socket.end('hello\n'));
}

test('--version prints the version in package.json', LIMIT, async (t) => {
  const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const spelling of ['--version', '-V', 'version']) {
    const run = await runPeer(t, process.execPath, [TLSGLASS_CLI, spelling]);
    assert.equal(run.code, 0, run.report);
    assert.equal(run.stdout.toString(), `tlsglass ${version}\n`);
  }
});

describe('--min-version / --max-version', () => {
  test('--max-version TLSv1.2 negotiates TLS 1.2 with a server that would take 1.3', LIMIT, async (t) => {
    const server = await helloServer(t);
    const run = await runTlsglassConnectCli(t, [`localhost:${server.port}`, '--ca', pki.ca, '--max-version', 'TLSv1.2']);
    assert.equal(run.code, 0, run.report);
    assert.match(run.stderr, /^Protocol: TLSv1\.2$/m);
    assert.equal(run.stdout.toString(), 'hello\n');
  });

  test('--min-version TLSv1.3 refuses a TLS 1.2-only server with protocol_version', LIMIT, async (t) => {
    const server = await helloServer(t, { maxVersion: 'TLSv1.2' });
    const run = await runTlsglassConnectCli(t, [`localhost:${server.port}`, '--ca', pki.ca, '--min-version', 'TLSv1.3']);
    assert.equal(run.code, 1, run.report);
    assert.match(run.stderr, /protocol_version/);
  });

  test('on serve: --min-version tls1_3 (OpenSSL spelling) refuses a --max-version TLSv1.2 client', LIMIT, async (t) => {
    const server = await startTlsglassServeCli(t, ['--port', '0', '--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key, '--min-version', 'tls1_3']);
    const refused = await runTlsglassConnectCli(t, [`localhost:${server.port}`, '--ca', pki.ca, '-max_protocol', 'TLSv1.2']);
    assert.equal(refused.code, 1, refused.report);
    const accepted = await runTlsglassConnectCli(t, [`localhost:${server.port}`, '--ca', pki.ca], 'GET / HTTP/1.0\r\n\r\n');
    assert.equal(accepted.code, 0, accepted.report);
    assert.match(accepted.stderr, /^Protocol: TLSv1\.3$/m);
  });

  test('versions that do not exist here, or a minimum above the maximum, are usage errors (exit 2)', LIMIT, async (t) => {
    for (const args of [['--min-version', 'TLSv1.1'], ['--max-version', 'SSLv3'], ['--min-version', 'TLSv1.3', '--max-version', 'TLSv1.2'], ['--tls1.2', '--min-version', 'TLSv1.3']]) {
      const run = await runTlsglassConnectCli(t, ['localhost:1', ...args]);
      assert.equal(run.code, 2, run.report);
      assert.match(run.stderr, /TLSv1\.2|TLSv1\.3/, run.report);
    }
  });
});

describe('connect HOST without a port', () => {
  test('goes to port 443', LIMIT, async (t) => {
    // --json names the target whatever happens; nothing needs to listen on 443.
    const run = await runTlsglassConnectCli(t, ['127.0.0.1', '--json', '--timeout', '5']);
    assert.equal(JSON.parse(run.stdout.toString()).target, '127.0.0.1:443', run.report);
  });

  test('host, [v6] and bare-port forms', () => {
    assert.deepEqual(splitHostPort('example.com', 'localhost', 443), { host: 'example.com', port: 443 });
    assert.deepEqual(splitHostPort('example.com:8443', 'localhost', 443), { host: 'example.com', port: 8443 });
    assert.deepEqual(splitHostPort('::1', 'localhost', 443), { host: '::1', port: 443 });
    assert.deepEqual(splitHostPort('[::1]', 'localhost', 443), { host: '::1', port: 443 });
    assert.deepEqual(splitHostPort('[::1]:4433', 'localhost', 443), { host: '::1', port: 4433 });
    assert.deepEqual(splitHostPort('4433', 'localhost', 443), { host: 'localhost', port: 4433 });
    assert.throws(() => splitHostPort('example.com', 'localhost'), /bad port/); // serve keeps needing a port
  });
});

test('--groups P-384 makes the key exchange P-384', LIMIT, async (t) => {
  const server = await helloServer(t);
  const run = await runTlsglassConnectCli(t, [`localhost:${server.port}`, '--ca', pki.ca, '--groups', 'P-384']);
  assert.equal(run.code, 0, run.report);
  assert.match(run.stderr, /^Server Temp Key: ECDH, secp384r1, 384 bits$/m);
});

test('--pass opens an encrypted key, as pass:TEXT and env:VAR; a wrong one is exit 2', LIMIT, async (t) => {
  const encrypted = join(dir, 'server-encrypted.key');
  const pem = createPrivateKey(readFileSync(pki.serverRsa.key)).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 's3cret' });
  writeFileSync(encrypted, pem, { mode: 0o600 });
  const serve = ['--port', '0', '--cert', pki.serverRsa.cert, '--key', encrypted, '--naccept', '1'];
  process.env['TLSGLASS_TEST_PASS'] = 's3cret'; // inherited by the serve process
  t.after(() => delete process.env['TLSGLASS_TEST_PASS']);
  for (const pass of ['pass:s3cret', 'env:TLSGLASS_TEST_PASS']) {
    const server = await startTlsglassServeCli(t, [...serve, '--pass', pass]);
    const run = await runTlsglassConnectCli(t, [`localhost:${server.port}`, '--ca', pki.ca], 'GET / HTTP/1.0\r\n\r\n');
    assert.equal(run.code, 0, run.report);
    assert.match(run.stdout.toString(), /^HTTP\/1\.0 200 ok/);
    assert.equal((await server.exited).code, 0);
  }
  const wrong = await runPeer(t, process.execPath, [TLSGLASS_CLI, 'serve', ...serve, '--pass', 'pass:wrong']);
  assert.equal(wrong.code, 2, wrong.report);
});

test('--timeout: a server that never answers the ClientHello ends the client after that many seconds, exit 3', LIMIT, async (t) => {
  const held = new Set<Socket>();
  const silent = createNetServer((s) => void held.add(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of held) s.destroy();
    silent.close();
  });
  const port = (silent.address() as { port: number }).port;
  const started = Date.now();
  const run = await runTlsglassConnectCli(t, [`127.0.0.1:${port}`, '--timeout', '0.3']);
  assert.equal(run.code, 3, run.report);
  assert.match(run.stderr, /no handshake within 0\.3 s/);
  assert.ok(Date.now() - started < 10_000);
});

describe('NODE_EXTRA_CA_CERTS', () => {
  // Without --ca the client uses the default trust store; the server's CA is only in the extra file.
  test('adds its certificates to the default trust store, as node:tls does', LIMIT, async (t) => {
    const server = await helloServer(t);
    const trusted = await runTlsglassConnectCli(t, [`localhost:${server.port}`], '', undefined, { NODE_EXTRA_CA_CERTS: pki.ca });
    assert.equal(trusted.code, 0, trusted.report);
    assert.match(trusted.stderr, /^Verification: OK$/m);
    assert.equal(trusted.stdout.toString(), 'hello\n');
    const without = await runTlsglassConnectCli(t, [`localhost:${server.port}`], '', undefined, { NODE_EXTRA_CA_CERTS: '' });
    assert.equal(without.code, 1, without.report);
    assert.match(without.stderr, /UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  });

  test('a missing file, or one without certificates, is a warning and the bundled roots are used alone', LIMIT, async (t) => {
    const server = await helloServer(t);
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    for (const [file, why] of [[join(dir, 'missing.pem'), /load failed: ENOENT/], [junk, /no PEM certificate in it/]] as const) {
      const run = await runTlsglassConnectCli(t, [`localhost:${server.port}`], '', undefined, { NODE_EXTRA_CA_CERTS: file });
      assert.equal(run.code, 1, run.report);
      assert.match(run.stderr, /\[TLSGLASS_EXTRA_CA_CERTS\] Warning: Ignoring extra certs from `[^`]+`/, run.report);
      assert.match(run.stderr, why, run.report);
      assert.match(run.stderr, /UNABLE_TO_VERIFY_LEAF_SIGNATURE/, run.report);
    }
  });
});

test('the examples in certs --help and verify --help run as written, and fail where they say so', LIMIT, async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'tlsglass-help-examples-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const help = async (command: string): Promise<string> => (await runPeer(t, process.execPath, [TLSGLASS_CLI, command, '--help'])).stdout.toString();
  const examples = [...(await help('certs')).matchAll(/^ {2}tlsglass (certs|verify) (.*)$/gm), ...(await help('verify')).matchAll(/^ {2}tlsglass (verify) (.*)$/gm)];
  assert.ok(examples.length >= 6, 'certs and verify --help show examples');
  // serve and connect lines in certs --help are the quick start's commands, run by readme.test.ts.
  for (const [line, command, rest] of examples) {
    const fails = /\s+\(fails: (\w+)\)$/.exec(rest!);
    const args = rest!.replace(/\s+\(fails: \w+\)$/, '').split(/\s+/);
    const run = await runPeer(t, 'sh', ['-c', `cd "$1" && shift && exec "$@"`, 'sh', cwd, process.execPath, TLSGLASS_CLI, command!, ...args]);
    if (fails) {
      assert.equal(run.code, 1, `${line}\n${run.report}`);
      assert.match(run.stdout.toString() + run.stderr, new RegExp(`\\b${fails[1]}\\b`), line);
    } else {
      assert.equal(run.code, 0, `${line}\n${run.report}`);
    }
  }
});
