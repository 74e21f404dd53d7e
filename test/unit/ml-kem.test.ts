/**
 * ML-KEM and the ML-KEM key-exchange groups: known answers (OpenSSL 3.5's, test/vectors/ml-kem.ts)
 * for each implementation this runtime has, the two implementations cross-checked against each
 * other (on Node 24, where node:crypto has ML-KEM; test/interop/pq.test.ts runs this file there),
 * the FIPS 203 §7.2 modulus check, the wire layout of each group, and hostile shares ending the
 * handshake with illegal_parameter.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { describe, test } from 'node:test';
import { ml_kem1024, ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import type { ClientOptions, ServerOptions } from '../../src/config.js';
import { withMlKem } from '../../src/crypto/kem-groups.js';
import { checkEncapsulationKey, type MlKemParameterSet, type MlKemSuite } from '../../src/crypto/ml-kem.js';
import { nobleMlKem } from '../../src/crypto/ml-kem-noble.js';
import { nodeKeyExchange } from '../../src/crypto/node/key-exchange.js';
import { nativeMlKem } from '../../src/crypto/node/ml-kem.js';
import { nodeCryptoProvider, nodeMlKem } from '../../src/crypto/node/index.js';
import { InvalidPublicKey } from '../../src/crypto/provider.js';
import { AlertDescription, ExtensionType, NamedGroup } from '../../src/messages/enums.js';
import { readClientHello } from '../../src/messages/client-hello.js';
import { findExtension } from '../../src/messages/extensions/index.js';
import { readU16ListExtension } from '../../src/messages/extensions/simple.js';
import { readKeyShareClient } from '../../src/messages/extensions/tls13.js';
import { plainAlert, runPair, type Tamper } from '../helpers/pair.js';
import { testPki } from '../helpers/pki.js';
import { ML_KEM_KAT } from '../vectors/ml-kem.js';

const SETS: MlKemParameterSet[] = ['ML-KEM-768', 'ML-KEM-1024'];
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const sha3 = (b: Uint8Array): string => crypto.createHash('sha3-256').update(b).digest('hex');
const native = nativeMlKem();
const suites: [string, MlKemSuite][] = [['noble', nobleMlKem], ...(native ? [['native', native] as [string, MlKemSuite]] : [])];

test(`this runtime's provider uses ${nodeMlKem['ML-KEM-768'].implementation} ML-KEM (native exactly when node:crypto has encapsulate)`, () => {
  assert.equal(nodeMlKem['ML-KEM-768'].implementation, typeof (crypto as { encapsulate?: unknown }).encapsulate === 'function' ? 'native' : 'noble');
});

describe('known answers (OpenSSL 3.5)', () => {
  const noble = { 'ML-KEM-768': ml_kem768, 'ML-KEM-1024': ml_kem1024 };
  for (const set of SETS) {
    const v = ML_KEM_KAT[set];
    const seed = new TextEncoder().encode(v.seed);
    const ct = Buffer.from(v.ciphertext, 'hex');
    test(`${set} noble: key from d ‖ z, decapsulation`, () => {
      const { publicKey, secretKey } = noble[set].keygen(seed);
      assert.equal(sha3(publicKey), v.ekSha3);
      assert.equal(hex(noble[set].decapsulate(ct, secretKey)), v.sharedSecret);
    });
    // node:crypto's ML-KEM exists from Node 24; test/interop/pq.test.ts runs this file under Node 24.
    if (native) test(`${set} native: key from d ‖ z, decapsulation`, () => {
      const type = set.toLowerCase();
      const privateKey = crypto.createPrivateKey({ key: Buffer.from(seed), format: 'raw-seed', asymmetricKeyType: type } as never);
      const ek = (crypto.createPublicKey(privateKey) as unknown as { export(o: object): Buffer }).export({ format: 'raw-public' });
      assert.equal(sha3(ek), v.ekSha3);
      const decapsulate = (crypto as unknown as { decapsulate(k: crypto.KeyObject, c: Uint8Array): Buffer }).decapsulate;
      assert.equal(hex(decapsulate(privateKey, ct)), v.sharedSecret);
    });
  }
});

describe('implementations agree', () => {
  for (const set of SETS) {
    for (const [keyName, keys] of suites) {
      for (const [encName, enc] of suites) {
        test(`${set}: ${keyName} keys, ${encName} encapsulates, ${keyName} decapsulates`, () => {
          const pair = keys[set].keygen();
          checkEncapsulationKey(set, pair.encapsulationKey);
          const { ciphertext, sharedSecret } = enc[set].encapsulate(pair.encapsulationKey);
          assert.equal(sharedSecret.length, 32);
          assert.equal(hex(pair.decapsulate(ciphertext)), hex(sharedSecret));
          assert.throws(() => pair.decapsulate(ciphertext), /already used/, 'an ephemeral key decapsulates once');
        });
      }
    }
  }
});

describe('FIPS 203 §7.2 encapsulation key checks', () => {
  const ek = nobleMlKem['ML-KEM-768'].keygen().encapsulationKey;
  /** ek with coefficient `i` of t̂ set to `value` (12 bits, two per 3 bytes, little-endian). */
  const withCoefficient = (i: number, value: number): Uint8Array => {
    const out = ek.slice();
    const at = (i >> 1) * 3;
    if (i % 2 === 0) {
      out[at] = value & 0xff;
      out[at + 1] = (out[at + 1]! & 0xf0) | (value >> 8);
    } else {
      out[at + 1] = (out[at + 1]! & 0x0f) | ((value & 0x0f) << 4);
      out[at + 2] = value >> 4;
    }
    return out;
  };
  test('q − 1 = 3328 passes, q = 3329 and 4095 fail, in even and odd places and the last coefficient', () => {
    for (const i of [0, 1, 2 * 256 + 7, 3 * 256 - 1]) {
      checkEncapsulationKey('ML-KEM-768', withCoefficient(i, 3328));
      for (const bad of [3329, 4095]) assert.throws(() => checkEncapsulationKey('ML-KEM-768', withCoefficient(i, bad)), (e) => e instanceof InvalidPublicKey && /modulus check/.test(e.message));
    }
  });
  test('the length is exact', () => {
    assert.throws(() => checkEncapsulationKey('ML-KEM-768', ek.subarray(1)), InvalidPublicKey);
    assert.throws(() => checkEncapsulationKey('ML-KEM-1024', ek), InvalidPublicKey);
  });
});

describe('the key-exchange groups', () => {
  const cases: [NamedGroup, number, number, number][] = [
    // group, client share, server share, shared secret (draft-ietf-tls-ecdhe-mlkem §4)
    [NamedGroup.X25519MLKEM768, 1216, 1120, 64],
    [NamedGroup.SecP256r1MLKEM768, 1249, 1153, 64],
    [NamedGroup.SecP384r1MLKEM1024, 1665, 1665, 80],
    [NamedGroup.MLKEM768, 1184, 1088, 32],
    [NamedGroup.MLKEM1024, 1568, 1568, 32],
  ];
  for (const [name, kx] of suites.map(([n, s]) => [n, withMlKem(nodeKeyExchange, s)] as const)) {
    for (const [group, client, server, secret] of cases) {
      test(`${name} 0x${group.toString(16)}: ${client}/${server}-byte shares, a ${secret}-byte secret both sides agree on`, () => {
        const share = kx.generate(group);
        assert.equal(share.publicKey.length, client);
        const answer = kx.respond(group, share.publicKey);
        assert.equal(answer.publicKey.length, server);
        assert.equal(answer.sharedSecret.length, secret);
        assert.equal(hex(share.deriveSecret(answer.publicKey)), hex(answer.sharedSecret));
      });
    }
  }

  /** A client share made by hand from noble's ML-KEM and node's ECDH, in the group's order. */
  test('X25519MLKEM768 puts ML-KEM first, SecP256r1MLKEM768 the ECDH point first, in shares and secrets', () => {
    const kem = ml_kem768.keygen();
    const x = crypto.createECDH('prime256v1');
    x.generateKeys();
    const x25519 = crypto.generateKeyPairSync('x25519');
    const x25519Public = Buffer.from(x25519.publicKey.export({ format: 'jwk' }).x!, 'base64url');

    const a = nodeCryptoProvider.keyExchange.respond(NamedGroup.X25519MLKEM768, Buffer.concat([kem.publicKey, x25519Public]));
    const kemSecret = ml_kem768.decapsulate(a.publicKey.subarray(0, 1088), kem.secretKey);
    const peerX = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(a.publicKey.subarray(1088)).toString('base64url') }, format: 'jwk' });
    const ecdhSecret = crypto.diffieHellman({ privateKey: x25519.privateKey, publicKey: peerX });
    assert.equal(hex(a.sharedSecret), hex(kemSecret) + hex(ecdhSecret));

    const kem2 = ml_kem768.keygen();
    const b = nodeCryptoProvider.keyExchange.respond(NamedGroup.SecP256r1MLKEM768, Buffer.concat([x.getPublicKey(), kem2.publicKey]));
    const ecdh2 = x.computeSecret(b.publicKey.subarray(0, 65));
    assert.equal(hex(b.sharedSecret), hex(ecdh2) + hex(ml_kem768.decapsulate(b.publicKey.subarray(65), kem2.secretKey)));
  });

  test('respond() refuses malformed client shares', () => {
    const kx = nodeCryptoProvider.keyExchange;
    const good = kx.generate(NamedGroup.X25519MLKEM768).publicKey;
    const p256 = kx.generate(NamedGroup.SecP256r1MLKEM768).publicKey;
    const bad: [string, NamedGroup, Uint8Array][] = [
      ['one byte short', NamedGroup.X25519MLKEM768, good.subarray(1)],
      ['one byte long', NamedGroup.X25519MLKEM768, Buffer.concat([good, Buffer.of(0)])],
      ['an x25519-sized share', NamedGroup.X25519MLKEM768, good.subarray(1184)],
      ['a coefficient ≥ q', NamedGroup.X25519MLKEM768, Buffer.concat([Buffer.of(0xff, 0x0f), good.subarray(2)])],
      ['an all-zero X25519 key', NamedGroup.X25519MLKEM768, Buffer.concat([good.subarray(0, 1184), Buffer.alloc(32)])],
      ['a compressed P-256 point', NamedGroup.SecP256r1MLKEM768, Buffer.concat([Buffer.of(2), p256.subarray(1, 33), Buffer.alloc(32), p256.subarray(65)])],
      ['a P-256 point off the curve', NamedGroup.SecP256r1MLKEM768, Buffer.concat([p256.subarray(0, 64), Buffer.of(p256[64]! ^ 1), p256.subarray(65)])],
      ['a pure ML-KEM share with an X25519 tail', NamedGroup.MLKEM768, good],
    ];
    for (const [what, group, share] of bad) assert.throws(() => kx.respond(group, share), InvalidPublicKey, what);
  });

  test('deriveSecret() refuses a server share of the wrong length', () => {
    const share = nodeCryptoProvider.keyExchange.generate(NamedGroup.X25519MLKEM768);
    assert.throws(() => share.deriveSecret(new Uint8Array(1119)), InvalidPublicKey);
    assert.throws(() => share.deriveSecret(new Uint8Array(1216)), InvalidPublicKey);
  });
});

describe('hostile shares in a handshake: illegal_parameter', () => {
  const pki = testPki();
  const serverOptions = (extra: ServerOptions = {}): ServerOptions => ({ cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem, ...extra });
  const clientOptions = (extra: ClientOptions = {}): ClientOptions => ({ servername: 'localhost', ca: pki.ca.certPem, ...extra });

  /** Rewrites the first key_share entry for `group` (found by its header) in the first record going `direction`. */
  const corrupt = (direction: 'toServer' | 'toClient', group: number, length: number, edit: (share: Uint8Array) => void): Tamper => (record, dir, index) => {
    if (dir !== direction || index !== 0) return [record];
    const out = record.slice();
    const header = [group >> 8, group & 0xff, length >> 8, length & 0xff];
    const at = out.findIndex((_, i) => header.every((b, j) => out[i + j] === b));
    assert.ok(at > 0, 'the share is in the record');
    edit(out.subarray(at + 4, at + 4 + length));
    return [out];
  };

  const cases: [string, 'toServer' | 'toClient', NamedGroup, number, (s: Uint8Array) => void, ClientOptions][] = [
    ['ClientHello: an X25519MLKEM768 key failing the modulus check', 'toServer', NamedGroup.X25519MLKEM768, 1216, (s) => { s[0] = 0xff; s[1] = s[1]! | 0x0f; }, {}],
    ['ClientHello: an all-zero X25519 half', 'toServer', NamedGroup.X25519MLKEM768, 1216, (s) => s.fill(0, 1184), {}],
    ['ClientHello: a SecP256r1MLKEM768 point off the curve', 'toServer', NamedGroup.SecP256r1MLKEM768, 1249, (s) => { s[64] = s[64]! ^ 1; }, { ecdhCurve: 'SecP256r1MLKEM768' }],
    ['ServerHello: an all-zero X25519 half', 'toClient', NamedGroup.X25519MLKEM768, 1120, (s) => s.fill(0, 1088), {}],
    ['ServerHello: a SecP384r1MLKEM1024 point off the curve', 'toClient', NamedGroup.SecP384r1MLKEM1024, 1665, (s) => { s[96] = s[96]! ^ 1; }, { ecdhCurve: 'SecP384r1MLKEM1024' }],
  ];
  for (const [what, direction, group, length, edit, extra] of cases) {
    test(what, () => {
      const r = runPair(serverOptions(), clientOptions(extra), corrupt(direction, group, length, edit));
      const [victim, wire] = direction === 'toServer' ? [r.server, r.wire.toClient] : [r.client, r.wire.toServer];
      assert.equal(victim.failure?.alert, AlertDescription.illegal_parameter, String(victim.failure));
      assert.match(String(victim.failure), /invalid (client|server) key share/);
      assert.deepEqual([...wire.at(-1)!], [...plainAlert(AlertDescription.illegal_parameter)]);
    });
  }
});

describe('negotiation', () => {
  const pki = testPki();
  const serverOptions = (extra: ServerOptions = {}): ServerOptions => ({ cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem, ...extra });
  const clientOptions = (extra: ClientOptions = {}): ClientOptions => ({ servername: 'localhost', ca: pki.ca.certPem, ...extra });
  const hello = (record: Uint8Array) => readClientHello(record.subarray(9));
  const groupsOf = (record: Uint8Array): number[] => readU16ListExtension(findExtension(hello(record).extensions, ExtensionType.supported_groups)!, 'supported_groups');
  const sharesOf = (record: Uint8Array): number[] => {
    const ks = findExtension(hello(record).extensions, ExtensionType.key_share);
    return ks ? readKeyShareClient(ks).map((s) => s.group) : [];
  };

  test('defaults: X25519MLKEM768 first, shares for it and x25519, negotiated without a retry', () => {
    const r = runPair(serverOptions(), clientOptions());
    assert.deepEqual(groupsOf(r.wire.toServer[0]!), [NamedGroup.X25519MLKEM768, NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1]);
    assert.deepEqual(sharesOf(r.wire.toServer[0]!), [NamedGroup.X25519MLKEM768, NamedGroup.x25519]);
    assert.equal(r.server.negotiated.group, NamedGroup.X25519MLKEM768);
    assert.equal(r.client.negotiated.helloRetry, false);
    assert.deepEqual(r.client.ephemeralKeyInfo, { type: 'TLSGroup', name: 'X25519MLKEM768' });
  });

  test('a server without ML-KEM takes the x25519 share; one preferring P-256 asks for it, and the client retries with that one share', () => {
    const plain = runPair(serverOptions({ ecdhCurve: 'X25519:P-256' }), clientOptions());
    assert.equal(plain.client.negotiated.group, NamedGroup.x25519);
    assert.equal(plain.client.negotiated.helloRetry, false);
    const retried = runPair(serverOptions({ ecdhCurve: 'P-256' }), clientOptions());
    assert.equal(retried.client.negotiated.group, NamedGroup.secp256r1);
    assert.equal(retried.client.negotiated.helloRetry, true);
    assert.deepEqual(sharesOf(retried.wire.toServer.find((r, i) => i > 0 && r[0] === 22 && r[5] === 1)!), [NamedGroup.secp256r1]);
  });

  test('hybridRetry: a client listing X25519MLKEM768 with only an x25519 share is asked for X25519MLKEM768', () => {
    const client = clientOptions({ ecdhCurve: 'X25519:X25519MLKEM768' });
    const without = runPair(serverOptions(), client);
    assert.equal(without.server.negotiated.group, NamedGroup.x25519, 'off by default: the share sent wins');
    const r = runPair(serverOptions({ hybridRetry: true }), client);
    assert.equal(r.server.negotiated.group, NamedGroup.X25519MLKEM768);
    assert.equal(r.server.negotiated.helloRetry, true);
    const classicOnly = runPair(serverOptions({ hybridRetry: true }), clientOptions({ ecdhCurve: 'X25519' }));
    assert.equal(classicOnly.server.negotiated.group, NamedGroup.x25519, 'a client without a hybrid is served as before');
  });

  test('TLS 1.2 never uses them: not listed by a TLS 1.2-only client, never chosen by a TLS 1.2 server', () => {
    const r12 = runPair(serverOptions(), clientOptions({ maxVersion: 'TLSv1.2' }));
    assert.ok(!groupsOf(r12.wire.toServer[0]!).some((g) => g > 0x01ff), String(groupsOf(r12.wire.toServer[0]!)));
    assert.equal(r12.client.negotiated.group, NamedGroup.x25519);
    const r = runPair(serverOptions({ maxVersion: 'TLSv1.2' }), clientOptions());
    assert.equal(r.client.protocol, 'TLSv1.2');
    assert.equal(r.client.negotiated.group, NamedGroup.x25519);
  });

  test("ecdhCurve takes OpenSSL's names; pure ML-KEM gets a share of its own plus the first ECDHE group's", () => {
    const r = runPair(serverOptions({ ecdhCurve: 'MLKEM1024:MLKEM768' }), clientOptions({ ecdhCurve: 'MLKEM1024:SecP384r1MLKEM1024:P-256' }));
    assert.deepEqual(sharesOf(r.wire.toServer[0]!), [NamedGroup.MLKEM1024, NamedGroup.secp256r1]);
    assert.equal(r.server.negotiated.group, NamedGroup.MLKEM1024);
  });
});
