/**
 * `tlsglass certs`: the files it writes, their modes, what it prints, and that the PKI works
 * unchanged with `openssl verify` and for mutual TLS between node:tls peers.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import * as tls from 'node:tls';
import { certsCommand } from '../../src/cli/certs.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { DefaultVerifier } from '../../src/pki/default-verifier.js';
import { certificatesFrom } from '../../src/pki/pem.js';

const base = mkdtempSync(join(tmpdir(), 'tlsglass-certs-cli-'));
after(() => rmSync(base, { recursive: true, force: true }));

/** Runs the command with stdout/stderr captured. */
async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    return { code: await certsCommand(argv), out, err };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

const FILES = ['ca.pem', 'ca.key', 'server.pem', 'server.key', 'client.pem', 'client.key'];

describe('tlsglass certs', () => {
  const dir = join(base, 'ec');
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');

  test('writes the six files, keys mode 0600, and prints how to use them', async () => {
    const r = await run(['--out', dir, '--key-type', 'ec', '--host', 'example.test', '--host', '10.1.2.3', '--days', '10']);
    assert.equal(r.code, 0, r.err);
    for (const f of FILES) {
      assert.ok(existsSync(join(dir, f)), f);
      assert.equal(statSync(join(dir, f)).mode & 0o777, f.endsWith('.key') ? 0o600 : 0o644, f);
    }
    assert.equal(certificatesFrom(read('server.pem')).length, 1); // the leaf only
    for (const f of FILES) assert.ok(r.out.includes(f), f);
    assert.match(r.out, /tlsglass serve --cert \S+server\.pem --key \S+server\.key/);
    assert.match(r.out, /tlsglass connect localhost:4433 --ca \S+ca\.pem --cert \S+client\.pem --key \S+client\.key/);
    assert.match(r.out, /openssl s_client -connect localhost:4433 -servername localhost -CAfile \S+ca\.pem/);
    assert.match(r.out, /localhost, example\.test, 127\.0\.0\.1, ::1, 10\.1\.2\.3/);
  });

  test('our verifier accepts the server for every name and the client for clientAuth', () => {
    const v = new DefaultVerifier({ anchors: certificatesFrom(read('ca.pem')), provider: nodeCryptoProvider });
    const serverChain = certificatesFrom(read('server.pem'));
    for (const host of ['localhost', 'example.test', '127.0.0.1', '::1', '10.1.2.3']) {
      assert.equal(v.verifyServer(serverChain, { host, now: new Date() }).error, undefined, host);
    }
    assert.equal(v.verifyServer(serverChain, { host: 'other.test', now: new Date() }).error?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.equal(v.verifyClient(certificatesFrom(read('client.pem')), { now: new Date() }).error, undefined);
    // --days 10: expired in 11 days.
    const later = new Date(Date.now() + 11 * 86400_000);
    assert.equal(v.verifyServer(serverChain, { host: 'localhost', now: later }).error?.code, 'CERT_HAS_EXPIRED');
  });

  test('openssl verify accepts them', { skip: existsSync('/usr/bin/openssl') ? false : 'no openssl' }, () => {
    const verify = (...args: string[]): void => {
      const r = spawnSync('/usr/bin/openssl', ['verify', '-CAfile', join(dir, 'ca.pem'), ...args], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
    };
    verify('-purpose', 'sslserver', '-verify_hostname', 'example.test', join(dir, 'server.pem'));
    verify('-purpose', 'sslserver', '-verify_ip', '10.1.2.3', join(dir, 'server.pem'));
    verify('-purpose', 'sslclient', join(dir, 'client.pem'));
  });

  test('mutual TLS between node:tls peers with the files as written', async () => {
    const server = tls.createServer(
      { cert: read('server.pem'), key: read('server.key'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: true },
      (s) => s.end(String(s.getPeerCertificate().subject.CN)),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: read('ca.pem'), cert: read('client.pem'), key: read('client.key') });
      let data = '';
      socket.setEncoding('utf8').on('data', (d: string) => (data += d));
      await once(socket, 'end');
      assert.equal(socket.authorized, true);
      assert.equal(data, 'tlsglass test client');
      socket.destroy();
    } finally {
      server.close();
    }
  });

  test('refuses to overwrite without --force; --force overwrites', async () => {
    const before = read('ca.pem');
    const r = await run(['--out', dir]);
    assert.equal(r.code, 1);
    assert.match(r.err, /already exist; use --force/);
    assert.equal(read('ca.pem'), before);
    const forced = await run(['--out', dir, '--force']);
    assert.equal(forced.code, 0, forced.err);
    assert.notEqual(read('ca.pem'), before);
    assert.match(forced.out, /RSA-2048 keys/); // the default key type
  });

  test('bad command lines exit 2', async () => {
    for (const argv of [['--key-type', 'dsa'], ['--days', '0'], ['--host', 'bad host'], ['--bogus'], ['extra']]) {
      const r = await run(['--out', join(base, 'never'), ...argv]);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, /Usage: tlsglass certs/);
    }
    assert.equal(existsSync(join(base, 'never')), false);
    assert.equal((await run(['--help'])).code, 0);
  });
});
