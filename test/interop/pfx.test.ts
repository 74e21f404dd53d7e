/**
 * node:tls's `pfx` option against real peers: a tlsglass server whose key and chain come from a
 * PKCS#12 file made by `openssl pkcs12 -export`, checked by node:tls and `openssl s_client`; RSA
 * and ECDSA identities from two files (as Node's test-tls-multi-pfx); a client certificate from a
 * pfx; the pfx's other certificates trusted as node:tls trusts them; and createSecureContext's
 * errors side by side with node:tls's.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as nodeTls from 'node:tls';
import { createSecureContext } from '../../src/index.js';
import { nodeTlsConnect, peerMissing, runOpensslClient, startNodeTlsServer, startTlsglassServer, tlsglassConnect } from '../helpers/peers.js';
import { makePfx, PFX_FLAVOURS } from '../helpers/pfx.js';
import { testPki, writePkiFiles } from '../helpers/pki.js';

const pki = testPki();
const LIMIT = { timeout: 30_000, skip: peerMissing('openssl') };
const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;

describe('pfx (PKCS#12) as node:tls', () => {
  test('a tlsglass server with a pfx (OpenSSL 3 default): openssl s_client gets the leaf and the chain and verifies them; node:tls too', LIMIT, async (t) => {
    const pfx = makePfx(pki.serverRsa, [pki.ca], 'sample');
    const server = await startTlsglassServer(t, { pfx, passphrase: 'sample' }, (s) => s.end('hello'));
    const dir = mkdtempSync(join(tmpdir(), 'tlsglass-pfx-interop-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const files = writePkiFiles(dir);
    const run = await runOpensslClient(t, server.port, ['-CAfile', files.ca, '-verify_return_error', '-showcerts', '-servername', 'localhost', '-verify_hostname', 'localhost'], '');
    const out = run.stdout.toString();
    assert.match(out, /Verify return code: 0 \(ok\)/, run.report);
    const sent = [...out.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => fingerprint(m[0]));
    assert.deepEqual(sent, [fingerprint(pki.serverRsa.certPem), fingerprint(pki.ca.certPem)]);

    const client = await nodeTlsConnect(t, { port: server.port, ca: pki.ca.certPem, servername: 'localhost' });
    assert.equal(client.authorized, true);
    assert.equal(client.getPeerX509Certificate()?.fingerprint256, fingerprint(pki.serverRsa.certPem));
  });

  test("RSA (3DES, Node's fixtures' encryption) and ECDSA (AES) identities from two pfx files with their own passphrases, as test-tls-multi-pfx", LIMIT, async (t) => {
    const pfx = [
      { buf: makePfx(pki.serverRsa, [pki.ca], 'rsa-pass', PFX_FLAVOURS.tripleDes), passphrase: 'rsa-pass' },
      { buf: makePfx(pki.serverEcdsa, [pki.ca], 'ec-pass'), passphrase: 'ec-pass' },
    ];
    const server = await startTlsglassServer(t, { pfx }, (s) => s.end());
    const got: [string | undefined, string | undefined][] = [];
    for (const ciphers of ['ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384']) {
      const c = await nodeTlsConnect(t, { port: server.port, ca: pki.ca.certPem, servername: 'localhost', ciphers, maxVersion: 'TLSv1.2' });
      got.push([c.getCipher().name, c.getPeerX509Certificate()?.fingerprint256]);
    }
    assert.deepEqual(got, [
      ['ECDHE-ECDSA-AES256-GCM-SHA384', fingerprint(pki.serverEcdsa.certPem)],
      ['ECDHE-RSA-AES256-GCM-SHA384', fingerprint(pki.serverRsa.certPem)],
    ]);
  });

  test('server.addContext(name, { pfx, passphrase }) serves that pfx to clients naming it, as node:tls', LIMIT, async (t) => {
    const server = await startTlsglassServer(t, { cert: pki.serverRsa.certPem, key: pki.serverRsa.keyPem }, (s) => s.end());
    server.server.addContext('localhost', { pfx: makePfx(pki.serverEcdsa, [pki.ca], 'pw'), passphrase: 'pw' });
    const c = await nodeTlsConnect(t, { port: server.port, ca: pki.ca.certPem, servername: 'localhost' });
    assert.equal(c.getPeerX509Certificate()?.fingerprint256, fingerprint(pki.serverEcdsa.certPem));
  });

  test('a client certificate from a pfx: a node:tls server that requires one authorizes it', LIMIT, async (t) => {
    let seen: { authorized: boolean; cn: unknown } | undefined;
    const server = await startNodeTlsServer(t, { cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true }, (s) => {
      seen = { authorized: s.authorized, cn: s.getPeerCertificate().subject?.CN };
      s.end();
    });
    const c = await tlsglassConnect(t, { port: server.port, ca: pki.ca.certPem, servername: 'localhost', pfx: makePfx(pki.clientRsa, [], 'pw', PFX_FLAVOURS.tripleDes), passphrase: 'pw' });
    await new Promise((resolve) => c.on('close', resolve).resume());
    assert.deepEqual(seen, { authorized: true, cn: 'tlsglass test client (RSA)' });
  });

  test("the pfx's other certificates are trusted, as node:tls adds them to its store: a server with requestCert authorizes a client its pfx's CA issued (authorizationError null)", LIMIT, async (t) => {
    const options = { pfx: makePfx(pki.serverRsa, [pki.ca], 'sample'), passphrase: 'sample', requestCert: true, rejectUnauthorized: false };
    const results: unknown[] = [];
    for (const start of [startTlsglassServer, startNodeTlsServer] as const) {
      let seen: unknown;
      const server = await (start as typeof startTlsglassServer)(t, options, (s) => {
        seen = { authorized: s.authorized, authorizationError: s.authorizationError };
        s.end();
      });
      const c = await nodeTlsConnect(t, { port: server.port, ca: pki.ca.certPem, servername: 'localhost', cert: pki.clientEcdsa.certPem, key: pki.clientEcdsa.keyPem });
      await new Promise((resolve) => c.on('close', resolve).resume());
      results.push(seen);
    }
    assert.deepEqual(results, [
      { authorized: true, authorizationError: null },
      { authorized: true, authorizationError: null },
    ]);
  });

  test("createSecureContext's errors for a pfx are node:tls's (message and code)", LIMIT, () => {
    const cases: [string, Record<string, unknown>][] = [
      ['wrong passphrase', { pfx: makePfx(pki.serverEcdsa, [], 'pw', PFX_FLAVOURS.tripleDes), passphrase: 'nope' }],
      ['no passphrase', { pfx: makePfx(pki.serverEcdsa, [], 'pw') }],
      ['no private key', { pfx: makePfx(pki.serverEcdsa, [], 'pw', ['-nokeys']), passphrase: 'pw' }],
      ['a passphrase for a file without MAC', { pfx: makePfx(pki.serverEcdsa, [], '', PFX_FLAVOURS.plain), passphrase: 'pw' }],
      ['not a Buffer', { pfx: 5 }],
      ['an entry without buf', { pfx: [{ passphrase: 'x' }] }],
    ];
    try {
      cases.push(['RC2-40 (openssl -legacy)', { pfx: makePfx(pki.serverEcdsa, [], 'pw', PFX_FLAVOURS.legacyRc2), passphrase: 'pw' }]);
    } catch {
      // this OpenSSL has no legacy provider: that case is left out
    }
    const outcome = (f: () => unknown): unknown => {
      try {
        f();
        return 'ok';
      } catch (e) {
        return { message: (e as Error).message, code: (e as { code?: string }).code?.startsWith('ERR_TLSGLASS_') ? undefined : (e as { code?: string }).code };
      }
    };
    for (const [name, options] of cases) {
      const theirs = outcome(() => nodeTls.createSecureContext(options as nodeTls.SecureContextOptions));
      assert.notEqual(theirs, 'ok', name);
      assert.deepEqual(outcome(() => createSecureContext(options)), theirs, name);
    }
    // Empty passphrase files open with none and with '' (OpenSSL tries both), and pfx: null is none, on both.
    const empty = makePfx(pki.serverEcdsa, [], '');
    for (const options of [{ pfx: empty }, { pfx: empty, passphrase: '' }, { pfx: null }]) {
      assert.equal(outcome(() => createSecureContext(options)), 'ok');
      assert.equal(outcome(() => nodeTls.createSecureContext(options as nodeTls.SecureContextOptions)), 'ok');
    }
    // Garbage: an error on both (node:tls words it as OpenSSL's ASN.1 decoder does; ours says where the DER breaks).
    for (const pfx of [Buffer.from('hello'), makePfx(pki.serverEcdsa, [], 'pw').subarray(0, 100)]) {
      assert.throws(() => createSecureContext({ pfx, passphrase: 'pw' }), { code: 'ERR_TLSGLASS_BAD_PFX', message: /^pfx is not a PKCS#12 \(PFX\) file: / });
      assert.throws(() => nodeTls.createSecureContext({ pfx, passphrase: 'pw' }));
    }
  });
});
