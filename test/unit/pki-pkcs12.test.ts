/**
 * The PKCS#12 reader (src/pki/pkcs12.ts) over files `openssl pkcs12 -export` makes in the test:
 * OpenSSL 3's default (PBES2/AES-256, SHA-256 MAC), the 3DES/SHA-1 files Node's fixtures use,
 * AES-128 with a SHA-384 MAC (the KDF over 128-byte blocks), files without MAC or encryption,
 * and the RC2-40 of `-legacy`, which is refused by name. A wrong or absent passphrase fails the
 * MAC; truncated and mutated files fail with DecodeError or Pkcs12Error only.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecodeError } from '../../src/codec/reader.js';
import { nodePkcs12Crypto } from '../../src/node/pfx.js';
import { Pkcs12Error, pkcs12Kdf, readPkcs12 } from '../../src/pki/pkcs12.js';
import { peerMissing } from '../helpers/peers.js';
import { makePfx, PFX_FLAVOURS } from '../helpers/pfx.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const missing = peerMissing('openssl');
const pkcs8 = (c: { key: { export(o: { type: 'pkcs8'; format: 'der' }): Buffer } }): Buffer => c.key.export({ type: 'pkcs8', format: 'der' });

describe('readPkcs12 over openssl pkcs12 -export', { skip: missing }, () => {
  for (const [flavour, args] of [['default', PFX_FLAVOURS.default], ['tripleDes', PFX_FLAVOURS.tripleDes], ['aes128Sha384', PFX_FLAVOURS.aes128Sha384]] as const) {
    test(`${flavour}: the key, the leaf and the chain, paired by localKeyId, with the friendlyName`, () => {
      const pfx = makePfx(pki.serverRsa, [pki.ca], 'sekrit', args, 'my server');
      const { keys, certificates } = readPkcs12(pfx, 'sekrit', nodePkcs12Crypto);
      assert.equal(keys.length, 1);
      assert.deepEqual(Buffer.from(keys[0]!.value), pkcs8(pki.serverRsa));
      assert.deepEqual(certificates.map((c) => Buffer.from(c.value)), [Buffer.from(pki.serverRsa.certDer), Buffer.from(pki.ca.certDer)]);
      assert.ok(keys[0]!.localKeyId && keys[0]!.localKeyId.length > 0);
      assert.deepEqual(certificates[0]!.localKeyId, keys[0]!.localKeyId);
      assert.equal(certificates[1]!.localKeyId, undefined);
      assert.equal(keys[0]!.friendlyName, 'my server');
    });

    test(`${flavour}: a wrong or absent passphrase fails the MAC`, () => {
      const pfx = makePfx(pki.serverEcdsa, [], 'sekrit', args);
      for (const pass of ['sekrit!', '', undefined]) {
        assert.throws(() => readPkcs12(pfx, pass, nodePkcs12Crypto), (e: unknown) => e instanceof Pkcs12Error && e.kind === 'mac', String(pass));
      }
    });
  }

  test('an empty passphrase: the file opens with none and with ""', () => {
    const pfx = makePfx(pki.serverEcdsa, [], '', PFX_FLAVOURS.tripleDes);
    for (const pass of [undefined, '']) assert.deepEqual(Buffer.from(readPkcs12(pfx, pass, nodePkcs12Crypto).keys[0]!.value), pkcs8(pki.serverEcdsa));
    assert.throws(() => readPkcs12(pfx, 'x', nodePkcs12Crypto), /MAC does not verify/);
  });

  test('no MAC and no encryption: read without passphrase; a passphrase is refused as OpenSSL does ("mac absent")', () => {
    const pfx = makePfx(pki.clientEcdsa, [pki.ca], '', PFX_FLAVOURS.plain);
    const { keys, certificates } = readPkcs12(pfx, undefined, nodePkcs12Crypto);
    assert.deepEqual(Buffer.from(keys[0]!.value), pkcs8(pki.clientEcdsa));
    assert.equal(certificates.length, 2);
    assert.throws(() => readPkcs12(pfx, 'x', nodePkcs12Crypto), (e: unknown) => e instanceof Pkcs12Error && e.kind === 'macAbsent');
  });

  test('-legacy (RC2-40 certificates): refused by name, with the command to re-export', (t) => {
    let pfx: Buffer;
    try {
      pfx = makePfx(pki.serverEcdsa, [], 'pw', PFX_FLAVOURS.legacyRc2);
    } catch {
      return t.skip("openssl pkcs12 -legacy failed: this OpenSSL has no legacy provider");
    }
    assert.throws(
      () => readPkcs12(pfx, 'pw', nodePkcs12Crypto),
      (e: unknown) => e instanceof Pkcs12Error && e.kind === 'unsupported' && /pbewithSHAAnd40BitRC2-CBC/.test(e.message) && /openssl pkcs12 -export -certpbe AES-256-CBC -keypbe AES-256-CBC/.test(e.message),
    );
  });

  test('every truncation and 2200 byte mutations fail with DecodeError or Pkcs12Error, never anything else', () => {
    const typed = (f: () => unknown): void => {
      try {
        f();
      } catch (e) {
        if (!(e instanceof DecodeError || e instanceof Pkcs12Error)) throw e;
      }
    };
    let seed = 0x5eed;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    // A file without MAC or encryption, so that each mutation reaches the bags; then the MAC'd 3DES one (each read costs ~10 ms of KDF).
    for (const [pfx, pass, mutations] of [
      [makePfx(pki.serverEcdsa, [pki.ca], '', PFX_FLAVOURS.plain), undefined, 2000],
      [makePfx(pki.serverEcdsa, [pki.ca], 'pw', PFX_FLAVOURS.tripleDes), 'pw', 200],
    ] as const) {
      for (let n = 0; n < pfx.length; n++) {
        assert.throws(() => readPkcs12(pfx.subarray(0, n), pass, nodePkcs12Crypto), (e: unknown) => e instanceof DecodeError || e instanceof Pkcs12Error);
      }
      for (let i = 0; i < mutations; i++) {
        const m = Buffer.from(pfx);
        const at = next() % m.length;
        m[at] = m[at]! ^ (1 << next() % 8);
        typed(() => readPkcs12(m, pass, nodePkcs12Crypto));
      }
    }
    for (const junk of [new Uint8Array(0), new Uint8Array([0x30]), new Uint8Array([0x30, 0x80]), Buffer.from('hello')]) {
      assert.throws(() => readPkcs12(junk, 'pw', nodePkcs12Crypto), DecodeError);
    }
  });
});

test('pkcs12Kdf: RFC 7292 App. B.2 with SHA-1, a 24-byte key (two hash blocks, the I_j update between them)', () => {
  // The vector of golang.org/x/crypto/pkcs12 (pbkdf_test.go): password "sesame" as BMPString with terminator, salt ff×8, 2048 iterations.
  const password = new Uint8Array([...'sesame'].flatMap((c) => [0, c.charCodeAt(0)]).concat([0, 0]));
  const key = pkcs12Kdf(nodePkcs12Crypto, 'sha1', password, new Uint8Array(8).fill(0xff), 1, 2048, 24);
  assert.equal(Buffer.from(key).toString('hex'), '7cd9fd3e2b3be7691a44e3bef0f9ea0fb9b897d4e325d9d1');
});

test('a non-ASCII passphrase: BMPString for the PKCS#12 KDF, UTF-8 for PBKDF2, as OpenSSL', { skip: missing }, () => {
  for (const flavour of [PFX_FLAVOURS.tripleDes, PFX_FLAVOURS.default]) {
    const pfx = makePfx(pki.clientRsa, [], 'κλειδί', flavour);
    assert.deepEqual(Buffer.from(readPkcs12(pfx, 'κλειδί', nodePkcs12Crypto).keys[0]!.value), pkcs8(pki.clientRsa));
  }
});
