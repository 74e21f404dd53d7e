/**
 * key-usage.ts (RFC 5280 §4.2.1.3): decoding, and the leaf's keyUsage matched to the key
 * exchange's use of its key (ServerCheckContext.keyUsage; a client always signs).
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { DecodeError } from '../../src/codec/reader.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { AlertDescription } from '../../src/messages/enums.js';
import { DefaultVerifier } from '../../src/pki/default-verifier.js';
import * as der from '../../src/pki/der-writer.js';
import { createCertificateAuthority, issueCertificate, type KeyUsageName } from '../../src/node/issue.js';
import { keyUsageMismatch, parseKeyUsage, type KeyUsageBit } from '../../src/pki/key-usage.js';

describe('parseKeyUsage', () => {
  test('named bits in order, including decipherOnly in the second octet', () => {
    assert.deepEqual([...parseKeyUsage(der.namedBits([0, 2]))], ['digitalSignature', 'keyEncipherment']);
    assert.deepEqual([...parseKeyUsage(der.namedBits([5, 6]))], ['keyCertSign', 'cRLSign']);
    assert.deepEqual([...parseKeyUsage(der.namedBits([8]))], ['decipherOnly']);
    assert.equal(parseKeyUsage(der.namedBits([])).size, 0);
  });

  test('malformed BIT STRINGs are DecodeErrors', () => {
    for (const value of [
      Uint8Array.of(0x03, 0x00), // no unused-bits octet
      Uint8Array.of(0x03, 0x02, 0x08, 0x80), // 8 unused bits
      Uint8Array.of(0x03, 0x01, 0x01), // unused bits without octets
      Uint8Array.of(0x03, 0x02, 0x07, 0x81), // a set bit among the unused ones
      Uint8Array.of(0x04, 0x02, 0x07, 0x80), // not a BIT STRING
      Uint8Array.of(0x03, 0x02, 0x07, 0x80, 0x00), // trailing byte
    ]) {
      assert.throws(() => parseKeyUsage(value), DecodeError, Buffer.from(value).toString('hex'));
    }
  });
});

test('keyUsageMismatch: sign, encipher, or any TLS use', () => {
  const ku = (...bits: KeyUsageBit[]): ReadonlySet<KeyUsageBit> => new Set(bits);
  assert.equal(keyUsageMismatch(undefined, 'sign'), undefined); // no extension: any use
  assert.equal(keyUsageMismatch(ku('digitalSignature'), 'sign'), undefined);
  assert.match(keyUsageMismatch(ku('keyEncipherment'), 'sign')!, /lacks digitalSignature/);
  assert.equal(keyUsageMismatch(ku('keyEncipherment'), 'encipher'), undefined);
  assert.match(keyUsageMismatch(ku('digitalSignature'), 'encipher')!, /lacks keyEncipherment/);
  assert.equal(keyUsageMismatch(ku('keyAgreement'), undefined), undefined);
  assert.match(keyUsageMismatch(ku('nonRepudiation'), undefined)!, /allows no TLS use/);
  assert.match(keyUsageMismatch(ku(), 'sign')!, /no bits/);
});

describe('DefaultVerifier: the leaf keyUsage against the key exchange', () => {
  const now = new Date();
  const root = createCertificateAuthority({ commonName: 'KU Root' });
  const verifier = new DefaultVerifier({ anchors: [root.certDer], provider: nodeCryptoProvider });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const server = (keyUsage: KeyUsageName[] | null) => issueCertificate({ issuer: root, commonName: 'ku', privateKey: rsa, keyUsage }).certDer;
  const check = (der: Uint8Array, keyUsage?: 'sign' | 'encipher') =>
    verifier.verifyServer([der], { host: undefined, now, ...(keyUsage ? { keyUsage } : {}) }).error;

  test('sign needs digitalSignature, encipher needs keyEncipherment; mismatches are INVALID_PURPOSE / unsupported_certificate', () => {
    const signOnly = server(['digitalSignature']);
    const encipherOnly = server(['keyEncipherment']);
    assert.equal(check(signOnly, 'sign'), undefined);
    assert.equal(check(encipherOnly, 'encipher'), undefined);
    for (const [der, use] of [[signOnly, 'encipher'], [encipherOnly, 'sign']] as const) {
      const e = check(der, use);
      assert.equal(e?.code, 'INVALID_PURPOSE');
      assert.equal(e?.alert, AlertDescription.unsupported_certificate);
      assert.match(e!.message, /^unsupported certificate purpose: "CN=ku" \(issuer "CN=KU Root"\): its keyUsage/);
    }
  });

  test('without a key exchange any TLS use is enough; without keyUsage anything goes', () => {
    assert.equal(check(server(['keyEncipherment'])), undefined);
    assert.equal(check(server(['keyAgreement'])), undefined);
    assert.equal(check(server(['nonRepudiation']))?.code, 'INVALID_PURPOSE');
    assert.equal(check(server(null), 'sign'), undefined);
    assert.equal(check(server(null), 'encipher'), undefined);
  });

  test('a client certificate must allow digitalSignature (CertificateVerify)', () => {
    const client = (keyUsage: KeyUsageName[]) => issueCertificate({ issuer: root, commonName: 'c', extKeyUsage: ['clientAuth'], keyUsage }).certDer;
    assert.equal(verifier.verifyClient([client(['digitalSignature'])], { now }).error, undefined);
    const e = verifier.verifyClient([client(['keyEncipherment'])], { now }).error;
    assert.equal(e?.code, 'INVALID_PURPOSE');
    assert.equal(e?.alert, AlertDescription.unsupported_certificate);
  });
});
