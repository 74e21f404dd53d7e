/** test/helpers/pki.ts: the shared test PKI is cached, valid, and usable from files by CLI peers. */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { DefaultVerifier } from '../../src/pki/default-verifier.js';
import { testPki, writePkiFiles } from '../helpers/pki.js';

const dir = mkdtempSync(join(tmpdir(), 'tlsglass-pki-helpers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('testPki() is cached and every identity verifies for its purpose', () => {
  const pki = testPki();
  assert.equal(testPki(), pki);
  const v = new DefaultVerifier({ anchors: [pki.ca.certDer], provider: nodeCryptoProvider });
  const now = new Date();
  for (const [c, type] of [[pki.serverRsa, 'rsa'], [pki.serverEcdsa, 'ec']] as const) {
    for (const host of ['localhost', '127.0.0.1']) {
      const r = v.verifyServer([c.certDer], { host, now });
      assert.equal(r.error, undefined, r.error?.message);
      assert.equal(r.leafKey.type, type);
    }
  }
  for (const c of [pki.clientRsa, pki.clientEcdsa]) assert.equal(v.verifyClient([c.certDer], { now }).error, undefined);
});

test('writePkiFiles() writes PEM files openssl accepts; keys 0600', { skip: existsSync('/usr/bin/openssl') ? false : 'no openssl' }, () => {
  const files = writePkiFiles(dir);
  const verify = (purpose: string, cert: string): void => {
    const r = spawnSync('/usr/bin/openssl', ['verify', '-CAfile', files.ca, '-purpose', purpose, cert], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  };
  verify('sslserver', files.serverRsa.cert);
  verify('sslserver', files.serverEcdsa.cert);
  verify('sslclient', files.clientRsa.cert);
  verify('sslclient', files.clientEcdsa.cert);
  for (const k of [files.caKey, files.serverRsa.key, files.serverEcdsa.key, files.clientRsa.key, files.clientEcdsa.key]) {
    assert.equal(statSync(k).mode & 0o777, 0o600, k);
    const r = spawnSync('/usr/bin/openssl', ['pkey', '-in', k, '-noout'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
});
