/**
 * Options refused where they are resolved (createSecureContext, createServer, connect), not at
 * the first handshake: a key that is not the certificate's, a file that holds no certificate or
 * no usable key, text around PEM armour, unknown or unsupported ciphers, groups and signature
 * algorithms. Each error is a ConfigError carrying node:tls's code where node has one, checked
 * against node:tls itself for the same input.
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import * as nodeTls from 'node:tls';
import { ConfigError, connect, createSecureContext, createServer, type CommonOptions } from '../../src/index.js';
import { certificatesFrom, PemError } from '../../src/pki/pem.js';
import { testPki } from '../helpers/pki.js';
import { nodeIsNode } from '../helpers/runtime.js';

const pki = testPki();
const rsa = pki.serverRsa;
const ec = pki.serverEcdsa;
const otherRsaKey = pki.clientRsa.keyPem;
const fixture = (name: string): string => readFileSync(new URL(`../../../test/fixtures/${name}`, import.meta.url), 'utf8');
/**
 * A fixed RSA pair, and its key encrypted under "secret" with salts for which OpenSSL (so node:tls)
 * says ERR_OSSL_BAD_DECRYPT for the passphrase "wrong" (see test/fixtures/README.md): a wrong key
 * passes the CBC padding check for about 1 salt in 256, and OpenSSL then reports a DER error.
 */
const replay = { certPem: fixture('replay-rsa.pem'), keyPem: fixture('replay-rsa.key') };
const encryptedPkcs8 = fixture('replay-rsa.secret.pkcs8.key');
const encryptedPkcs1 = fixture('replay-rsa.secret.pkcs1.key');
const publicKeyPem = createPublicKey(rsa.key).export({ format: 'pem', type: 'spki' }) as string;
const truncated = (pem: string): string => pem.slice(0, pem.length - 80);
const junk = 'hello, this is not PEM\n';

/** Runs `fn` and returns its ConfigError (fails if it returns or throws anything else). */
function refusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError, but nothing was thrown');
}

/** node:tls's code for the same options, or undefined when it accepts them. */
function nodeCode(options: nodeTls.SecureContextOptions): string | undefined {
  return nodeError(options)?.code;
}

function nodeError(options: nodeTls.SecureContextOptions): (Error & { code?: string }) | undefined {
  try {
    nodeTls.createSecureContext(options);
    return undefined;
  } catch (err) {
    return err as Error & { code?: string };
  }
}

/**
 * Our own message, which names the option and says what is wrong. Through the node:tls API, an
 * error node:tls (OpenSSL) has words for carries those as `message`, and ours as `reason`.
 */
function ours(err: Error): string {
  return (err as { reason?: string }).reason ?? err.message;
}

describe('cert and key: refused at start, with node:tls codes', () => {
  const cases: { name: string; options: CommonOptions; code: string; message: RegExp }[] = [
    { name: 'a key that is another RSA key', options: { cert: rsa.certPem, key: otherRsaKey }, code: 'ERR_OSSL_X509_KEY_VALUES_MISMATCH', message: /^key does not match the certificate in cert \(both are RSA 2048, but not the same key\)$/ },
    { name: 'junk as cert', options: { cert: junk, key: rsa.keyPem }, code: 'ERR_OSSL_PEM_NO_START_LINE', message: /^cert holds no certificate \(no "-----BEGIN CERTIFICATE-----" line, and it is not DER\)$/ },
    { name: 'a truncated cert', options: { cert: truncated(rsa.certPem), key: rsa.keyPem }, code: 'ERR_OSSL_PEM_BAD_END_LINE', message: /^cert is truncated: "-----BEGIN CERTIFICATE-----" has no "-----END CERTIFICATE-----" line$/ },
    { name: 'a key as cert (with a good key)', options: { cert: ec.keyPem, key: rsa.keyPem }, code: 'ERR_OSSL_PEM_NO_START_LINE', message: /^cert holds a private key, not a certificate$/ },
    { name: 'an encrypted key without passphrase', options: { cert: replay.certPem, key: encryptedPkcs8 }, code: 'ERR_OSSL_BAD_DECRYPT', message: /^key is encrypted and no passphrase was given \(give it with passphrase\)$/ },
    { name: 'a traditional encrypted key without passphrase', options: { cert: replay.certPem, key: encryptedPkcs1 }, code: 'ERR_OSSL_BAD_DECRYPT', message: /^key is encrypted and no passphrase was given/ },
    { name: 'a wrong passphrase', options: { cert: replay.certPem, key: encryptedPkcs8, passphrase: 'wrong' }, code: 'ERR_OSSL_BAD_DECRYPT', message: /^key cannot be decrypted with the passphrase given \(wrong passphrase\?\)$/ },
    { name: 'a wrong passphrase (traditional)', options: { cert: replay.certPem, key: encryptedPkcs1, passphrase: 'wrong' }, code: 'ERR_OSSL_BAD_DECRYPT', message: /^key cannot be decrypted with the passphrase given/ },
    { name: 'a certificate as key', options: { cert: rsa.certPem, key: rsa.certPem }, code: 'ERR_OSSL_UNSUPPORTED', message: /^key holds a certificate, not a private key \(a key file begins "-----BEGIN PRIVATE KEY-----"/ },
    { name: 'a public key as key', options: { cert: rsa.certPem, key: publicKeyPem }, code: 'ERR_OSSL_UNSUPPORTED', message: /^key holds a public key, not a private key/ },
    { name: 'a truncated key', options: { cert: rsa.certPem, key: truncated(rsa.keyPem) }, code: 'ERR_OSSL_UNSUPPORTED', message: /^key is truncated: "-----BEGIN PRIVATE KEY-----" has no "-----END PRIVATE KEY-----" line$/ },
    { name: 'junk as key', options: { cert: rsa.certPem, key: junk }, code: 'ERR_OSSL_UNSUPPORTED', message: /^key holds no private key \(no "-----BEGIN PRIVATE KEY-----" line, and it is not DER\)$/ },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.code}, as node:tls`, () => {
      const err = refusal(() => createSecureContext(c.options));
      assert.equal(err.code, c.code);
      assert.match(ours(err), c.message);
      if (!nodeIsNode) return; // the code and words above are Node's; Bun's and Deno's node:tls have others
      const theirs = nodeError(c.options as nodeTls.SecureContextOptions);
      assert.equal(theirs?.code, c.code, 'node:tls gives the same code');
      // Where we give node:tls's words, they are exactly its message.
      if ((err as { reason?: string }).reason !== undefined) assert.equal(err.message, theirs?.message);
    });
  }

  test('a key of another type than the certificate says both (node:tls accepts it, then fails every handshake)', () => {
    const err = refusal(() => createSecureContext({ cert: rsa.certPem, key: ec.keyPem }));
    assert.equal(err.code, 'ERR_OSSL_X509_KEY_VALUES_MISMATCH');
    assert.equal(ours(err), "key does not match the certificate in cert (the certificate's public key is RSA 2048, the key is EC P-256)");
    assert.equal(err.option, 'key');
  });

  test('arrays: the message names the pair by position', () => {
    const err = refusal(() => createSecureContext({ cert: [rsa.certPem, ec.certPem], key: [rsa.keyPem, otherRsaKey] }));
    assert.equal(ours(err), "key[1] does not match the certificate in cert[1] (the certificate's public key is EC P-256, the key is RSA 2048)");
  });

  test('cert and key swapped: says so', () => {
    const err = refusal(() => createSecureContext({ cert: rsa.keyPem, key: rsa.certPem }));
    assert.equal(err.code, 'ERR_OSSL_PEM_NO_START_LINE');
    assert.equal(ours(err), 'cert holds a private key and key a certificate: swap them');
  });

  test('a file name given instead of the file: says so', () => {
    const err = refusal(() => createSecureContext({ cert: 'server.pem', key: rsa.keyPem }));
    assert.match(ours(err), /^cert holds no certificate .*\("server\.pem" looks like a file name: pass the file's contents, e\.g\. fs\.readFileSync\("server\.pem"\)\)$/);
  });

  test('bytes that start as DER but are not X.509', () => {
    const err = refusal(() => createSecureContext({ cert: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), key: rsa.keyPem }));
    assert.equal(err.code, 'ERR_TLSGLASS_BAD_CERTIFICATE');
    assert.match(ours(err), /^cert: the certificate is not a valid X\.509 certificate: /);
  });

  test('the second certificate of a chain is corrupt', () => {
    const bad = rsa.certPem + '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n';
    const err = refusal(() => createSecureContext({ cert: bad, key: rsa.keyPem }));
    assert.match(ours(err), /^cert: certificate 2 of 2 is not a valid X\.509 certificate: /);
  });

  test('a key without a certificate, or a certificate without a key, is taken as node:tls takes it, and is no identity', () => {
    const cases: [CommonOptions, string[]][] = [
      [{ key: rsa.keyPem }, []],
      [{ cert: rsa.certPem }, []],
      [{ cert: [rsa.certPem, ec.certPem], key: ec.keyPem }, ['ec']],
      [{ key: [rsa.keyPem, ec.keyPem], cert: ec.certPem }, ['ec']],
    ];
    for (const [options, types] of cases) {
      assert.doesNotThrow(() => nodeTls.createSecureContext(options as nodeTls.SecureContextOptions));
      assert.deepEqual(createSecureContext(options).context.identities.map((i) => i.key.type), types);
    }
  });

  test('a wrong passphrase that passes the CBC padding check by chance is still a wrong passphrase', () => {
    const lucky = fixture('replay-rsa.secret.lucky.key');
    if (nodeIsNode) assert.notEqual(nodeError({ cert: replay.certPem, key: lucky, passphrase: 'wrong' })?.code, 'ERR_OSSL_BAD_DECRYPT', 'the lucky salt');
    const err = refusal(() => createSecureContext({ cert: replay.certPem, key: lucky, passphrase: 'wrong' }));
    assert.equal(err.code, 'ERR_OSSL_BAD_DECRYPT');
    assert.equal(ours(err), 'key cannot be decrypted with the passphrase given (wrong passphrase?)');
  });

  test('the right passphrase, and matching pairs, load', () => {
    assert.doesNotThrow(() => createSecureContext({ cert: replay.certPem, key: encryptedPkcs8, passphrase: 'secret' }));
    assert.doesNotThrow(() => createSecureContext({ cert: replay.certPem, key: encryptedPkcs1, passphrase: 'secret' }));
    assert.doesNotThrow(() => createSecureContext({ cert: [rsa.certPem, ec.certPem], key: [rsa.keyPem, ec.keyPem] }));
  });

  test('createServer and connect refuse too, synchronously', () => {
    assert.equal(refusal(() => createServer({ cert: rsa.certPem, key: ec.keyPem })).code, 'ERR_OSSL_X509_KEY_VALUES_MISMATCH');
    const err = refusal(() => connect({ port: 9, host: '127.0.0.1', cert: ec.certPem, key: rsa.keyPem }));
    assert.equal(err.code, 'ERR_OSSL_X509_KEY_VALUES_MISMATCH');
  });

  test('describe() words the message with other names for the options (the CLI uses its flags)', () => {
    const err = refusal(() => createSecureContext({ cert: replay.certPem, key: encryptedPkcs8 }));
    const cli = (option: string): string => ({ key: '--key server.key', passphrase: '--pass' })[option] ?? option;
    assert.equal(err.describe(cli), '--key server.key is encrypted and no passphrase was given (give it with --pass)');
  });
});

describe('ca: every entry must be a certificate', () => {
  for (const [name, ca, code, message] of [
    ['junk', junk, 'ERR_OSSL_PEM_NO_START_LINE', /^ca holds no certificate/],
    ['a private key', rsa.keyPem, 'ERR_OSSL_PEM_NO_START_LINE', /^ca holds a private key, not a certificate$/],
    ['a truncated certificate', truncated(pki.ca.certPem), 'ERR_OSSL_PEM_BAD_END_LINE', /^ca is truncated/],
  ] as const) {
    test(name, () => {
      const err = refusal(() => createSecureContext({ ca }));
      assert.equal(err.code, code);
      assert.match(ours(err), message);
    });
  }

  test('the position of the bad entry in an array', () => {
    const err = refusal(() => createSecureContext({ ca: [pki.ca.certPem, rsa.keyPem] }));
    assert.equal(ours(err), 'ca[1] holds a private key, not a certificate');
  });
});

describe('PEM read as OpenSSL reads it: armour anywhere, text around ignored', () => {
  const dump = `Certificate:\n    Data:\n        Version: 3 (0x2)\n        Serial Number: 4096 (0x1000)\n    Signature Algorithm: ecdsa-with-SHA256\n#comment\n\n${rsa.certPem}`;

  test('a Buffer with a comment line and a blank line before BEGIN is PEM, not DER', () => {
    const certs = certificatesFrom(Buffer.from(`# my server\n\n${rsa.certPem}`));
    assert.deepEqual(certs.map((c) => Buffer.from(c).toString('hex')), [Buffer.from(rsa.certDer).toString('hex')]);
  });

  test('a Buffer with the "Certificate: Data:" dump before BEGIN (openssl x509 -text, openssl ca)', () => {
    const certs = certificatesFrom(Buffer.from(dump));
    assert.deepEqual(certs.map((c) => Buffer.from(c).toString('hex')), [Buffer.from(rsa.certDer).toString('hex')]);
    assert.doesNotThrow(() => createSecureContext({ cert: Buffer.from(dump), key: Buffer.from(`# key\n${rsa.keyPem}`), ca: Buffer.from(dump) }));
  });

  test('bytes without armour: DER when they start with a SEQUENCE, else no certificate', () => {
    assert.deepEqual(certificatesFrom(rsa.certDer), [rsa.certDer]);
    assert.throws(
      () => certificatesFrom(Buffer.from('#hello')),
      (e: unknown) => e instanceof PemError && e.code === 'ERR_OSSL_PEM_NO_START_LINE' && /holds no certificate/.test(e.message),
    );
  });

  test('a truncated first block before a complete one is still truncated', () => {
    assert.throws(
      () => certificatesFrom(truncated(pki.ca.certPem) + rsa.certPem),
      (e: unknown) => e instanceof PemError && e.code === 'ERR_OSSL_PEM_BAD_END_LINE',
    );
  });
});

describe('ciphers, ecdhCurve, sigalgs, versions', () => {
  for (const [ciphers, message] of [
    ['FOO', /^ciphers "FOO": unknown "FOO"\. TLS 1\.2 suites: ECDHE-ECDSA-AES128-GCM-SHA256, .*; TLS 1\.3: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256$/],
    ['AES128-SHA', /^ciphers "AES128-SHA": AES128-SHA: a CBC suite \(MAC-then-encrypt, open to padding oracles such as Lucky Thirteen\)/],
    ['RC4-SHA', /^ciphers "RC4-SHA": RC4-SHA: RC4 is broken and forbidden in TLS \(RFC 7465\)\./],
    ['TLS_FOO', /unknown "TLS_FOO"/],
  ] as const) {
    test(`ciphers ${ciphers}: ERR_SSL_NO_CIPHER_MATCH${ciphers === 'AES128-SHA' ? '' : ', as node:tls'}`, () => {
      const err = refusal(() => createSecureContext({ ciphers }));
      assert.equal(err.code, 'ERR_SSL_NO_CIPHER_MATCH');
      assert.match(ours(err), message);
      // node's OpenSSL still has AES128-SHA (CBC), so only the other names are errors there.
      if (ciphers !== 'AES128-SHA' && nodeIsNode) assert.equal(nodeCode({ ciphers }), 'ERR_SSL_NO_CIPHER_MATCH'); // Bun's BoringSSL ignores unknown names
    });
  }

  test('an unknown name beside good ones is refused too (OpenSSL would drop a typo silently)', () => {
    const err = refusal(() => createSecureContext({ ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA348' }));
    assert.match(ours(err), /unknown "ECDHE-RSA-AES256-GCM-SHA348"/);
  });

  test("known names we lack are skipped when others remain, so node's default cipher list works", () => {
    const { context } = createSecureContext({ ciphers: nodeTls.DEFAULT_CIPHERS });
    assert.ok(context.suites.length > 0);
    assert.ok(context.suites.every((s) => /GCM|CHACHA20/.test(s.name)));
    const combined = createSecureContext({ ciphers: 'EECDH+AESGCM:EDH+AESGCM' }).context;
    assert.deepEqual(combined.suites.map((s) => s.openssl), ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'DHE-RSA-AES128-GCM-SHA256', 'DHE-RSA-AES256-GCM-SHA384']);
    const only13 = createSecureContext({ ciphers: 'TLS_AES_128_GCM_SHA256:AES128-SHA' }).context;
    assert.deepEqual([only13.suites.length, only13.suites13.map((s) => s.name)], [0, ['TLS_AES_128_GCM_SHA256']]);
  });

  for (const [ecdhCurve, message] of [
    ['X448', /^ecdhCurve: "X448" not implemented here\. Groups: X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024, X25519, P-256, P-384, ffdhe2048, ffdhe3072, ffdhe4096, MLKEM768, MLKEM1024$/],
    ['P-521', /^ecdhCurve: "P-521" not implemented here\./],
    ['ffdhe8192', /^ecdhCurve: "ffdhe8192" not implemented here\./],
    ['X25519:FOO', /^ecdhCurve: unknown group "FOO"\. Groups: /],
  ] as const) {
    test(`ecdhCurve ${ecdhCurve}: ERR_CRYPTO_OPERATION_FAILED`, () => {
      const err = refusal(() => createSecureContext({ ecdhCurve }));
      assert.equal(err.code, 'ERR_CRYPTO_OPERATION_FAILED');
      assert.match(ours(err), message);
    });
  }

  test('ecdhCurve FOO: ERR_CRYPTO_OPERATION_FAILED, the code node:tls gives', () => {
    assert.equal(refusal(() => createSecureContext({ ecdhCurve: 'FOO' })).code, 'ERR_CRYPTO_OPERATION_FAILED');
    if (nodeIsNode) assert.equal(nodeCode({ ecdhCurve: 'FOO' }), 'ERR_CRYPTO_OPERATION_FAILED'); // Deno's node:tls accepts it
  });

  test('ecdhCurve with TLS 1.3 FFDHE groups is accepted', () => {
    assert.deepEqual(createSecureContext({ ecdhCurve: 'ffdhe3072:X25519' }).context.groups13, [0x0101, 0x001d]);
  });

  test('sigalgs: unknown, SHA-1 and unimplemented names, each with why', () => {
    const err = refusal(() => createSecureContext({ sigalgs: 'FOO:RSA+SHA1:ed448:RSA-PSS+SHA256' }));
    assert.equal(err.code, 'ERR_TLSGLASS_BAD_SIGALGS');
    assert.match(ours(err), /^sigalgs: unknown signature algorithm "FOO"; "RSA\+SHA1" signs with SHA-1, which TLS no longer allows \(RFC 9155\); "ed448" is not implemented here\. Signature algorithms: ECDSA\+SHA256, /);
  });

  test('minVersion TLSv1.9: ERR_TLS_INVALID_PROTOCOL_VERSION, a TypeError in node:tls\'s words; TLSv1.1 too, with why (RFC 8996)', () => {
    assert.throws(() => createSecureContext({ minVersion: 'TLSv1.9' as 'TLSv1.2' }), {
      name: 'TypeError',
      code: 'ERR_TLS_INVALID_PROTOCOL_VERSION',
      message: '"TLSv1.9" is not a valid minimum TLS protocol version',
    });
    assert.equal(nodeCode({ minVersion: 'TLSv1.9' as 'TLSv1.2' }), 'ERR_TLS_INVALID_PROTOCOL_VERSION');
    assert.equal(refusal(() => createSecureContext({ maxVersion: 'TLSv1.1' as 'TLSv1.2' })).message, 'maxVersion TLSv1.1: only TLSv1.2 and TLSv1.3 exist here (RFC 8996)');
  });
});
