/**
 * The node:crypto provider: known answers for hashes/HMAC/AEADs, peer-value validation for every
 * key-exchange group (security.md KX-3/KX-4), the signature-scheme policy (§3.3 items 3–5) and the
 * RSA key transport's implicit rejection (KX-1).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FFDHE_GROUPS, FFDHE2048_P, ffdheGroupFor, ffdheParams } from '../../src/crypto/ffdhe-groups.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { FfdheShare } from '../../src/crypto/node/key-exchange.js';
import { InvalidPublicKey, type KeyShare, type PrivateKey } from '../../src/crypto/provider.js';
import { NamedGroup, SignatureScheme } from '../../src/messages/enums.js';
import { decodePem } from '../../src/pki/pem.js';
import { nodeIsNode, notNodeCrypto, runtimeName } from '../helpers/runtime.js';

const provider = nodeCryptoProvider;
const S = SignatureScheme;

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const flip = (b: Uint8Array, i: number, bit = 0x01): Uint8Array => {
  const c = b.slice();
  c[i] = (c[i] as number) ^ bit;
  return c;
};
const isInvalidPublicKey = (e: unknown): boolean => e instanceof InvalidPublicKey;

describe('random', () => {
  it('returns n fresh bytes as a plain Uint8Array', () => {
    const a = provider.random.bytes(32);
    const b = provider.random.bytes(32);
    assert.equal(a.length, 32);
    assert.equal(Object.getPrototypeOf(a), Uint8Array.prototype);
    assert.notDeepEqual(a, b);
    assert.equal(provider.random.bytes(0).length, 0);
  });
});

describe('hash', () => {
  // FIPS 180-2 Appendix B/C/D "abc" examples.
  const ABC: Record<'sha256' | 'sha384' | 'sha512', string> = {
    sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    sha384: 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    sha512:
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
  };
  // RFC 4231 §4.3 test case 2: key "Jefe", data "what do ya want for nothing?".
  const HMAC_JEFE: Record<'sha256' | 'sha384' | 'sha512', string> = {
    sha256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    sha384: 'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
    sha512:
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
  };

  for (const alg of ['sha256', 'sha384', 'sha512'] as const) {
    it(`${alg}: digest, running hash peek, output length`, () => {
      assert.equal(toHex(provider.hash.digest(alg, ascii('abc'))), ABC[alg]);
      assert.equal(provider.hash.outputLength(alg), ABC[alg].length / 2);
      const h = provider.hash.create(alg);
      assert.equal(h.algorithm, alg);
      h.update(ascii('a'));
      const partial = h.peek();
      h.update(ascii('bc'));
      assert.equal(toHex(partial), toHex(provider.hash.digest(alg, ascii('a'))));
      assert.equal(toHex(h.peek()), ABC[alg]);
      assert.equal(toHex(h.peek()), ABC[alg], 'peek twice gives the same digest');
    });

    it(`${alg}: HMAC (RFC 4231 case 2), parts equal the concatenation`, () => {
      const key = ascii('Jefe');
      assert.equal(toHex(provider.hash.hmac(alg, key, ascii('what do ya want for nothing?'))), HMAC_JEFE[alg]);
      assert.equal(toHex(provider.hash.hmac(alg, key, ascii('what do ya '), ascii(''), ascii('want for nothing?'))), HMAC_JEFE[alg]);
    });
  }

  it('refuses hash names outside the interface', () => {
    assert.throws(() => provider.hash.digest('md5' as 'sha256', ascii('x')));
    assert.throws(() => provider.hash.hmac('sha1' as 'sha256', ascii('k'), ascii('x')));
  });
});

describe('aead', () => {
  // RFC 8439 §2.8.2.
  const CHACHA = {
    key: hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'),
    nonce: hex('070000004041424344454647'),
    aad: hex('50515253c0c1c2c3c4c5c6c7'),
    plaintext: ascii("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."),
    sealed: hex(
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6' +
        '3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36' +
        '92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
        '3ff4def08e4b7a9de576d26586cec64b6116' +
        '1ae10b594f09e26a7e902ecbd0600691',
    ),
  };
  // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 4 (AES-128, AAD).
  const GCM = {
    key: hex('feffe9928665731c6d6a8f9467308308'),
    nonce: hex('cafebabefacedbaddecaf888'),
    aad: hex('feedfacedeadbeeffeedfacedeadbeefabaddad2'),
    plaintext: hex(
      'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
        '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    ),
    sealed: hex(
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e' +
        '21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091' +
        '5bc94fbc3221a5db94fae95ae7121a47',
    ),
  };

  for (const [name, alg, v] of [
    ['RFC 8439 §2.8.2', 'chacha20-poly1305', CHACHA],
    ['GCM spec test case 4', 'aes-128-gcm', GCM],
  ] as const) {
    it(`${alg}: ${name} known answer, both directions`, () => {
      const aead = provider.aead.create(alg, v.key);
      assert.equal(toHex(aead.seal(v.nonce, v.aad, v.plaintext)), toHex(v.sealed));
      const opened = aead.open(v.nonce, v.aad, v.sealed);
      assert.ok(opened);
      assert.equal(toHex(opened), toHex(v.plaintext));
      assert.equal(Object.getPrototypeOf(opened), Uint8Array.prototype);
    });

    it(`${alg}: any flipped bit, truncation or wrong AAD is null, never a throw`, () => {
      const aead = provider.aead.create(alg, v.key);
      assert.equal(aead.open(v.nonce, v.aad, flip(v.sealed, 0)), null, 'ciphertext');
      assert.equal(aead.open(v.nonce, v.aad, flip(v.sealed, v.sealed.length - 1, 0x80)), null, 'tag');
      assert.equal(aead.open(v.nonce, flip(v.aad, 3), v.sealed), null, 'aad');
      assert.equal(aead.open(flip(v.nonce, 11), v.aad, v.sealed), null, 'nonce');
      // A truncated tag is never accepted (security.md §3.3 item 1): the last 16 bytes are always the tag.
      assert.equal(aead.open(v.nonce, v.aad, v.sealed.subarray(0, v.sealed.length - 12)), null, 'short tag');
      assert.equal(aead.open(v.nonce, v.aad, v.sealed.subarray(0, v.sealed.length - 1)), null, 'truncated');
      assert.equal(aead.open(v.nonce, v.aad, v.sealed.subarray(0, 15)), null, 'shorter than a tag');
      assert.equal(aead.open(v.nonce, v.aad, new Uint8Array(0)), null, 'empty');
    });
  }

  it('aes-256-gcm: round trip, empty plaintext gives a bare 16-byte tag', () => {
    assert.equal(provider.aead.keyLength('aes-256-gcm'), 32);
    const aead = provider.aead.create('aes-256-gcm', new Uint8Array(32).fill(7));
    const nonce = new Uint8Array(12).fill(1);
    const sealed = aead.seal(nonce, ascii('ad'), ascii('hello'));
    assert.equal(sealed.length, 5 + 16);
    assert.equal(toHex(aead.open(nonce, ascii('ad'), sealed) ?? new Uint8Array()), toHex(ascii('hello')));
    const empty = aead.seal(nonce, new Uint8Array(0), new Uint8Array(0));
    assert.equal(empty.length, 16);
    assert.equal(aead.open(nonce, new Uint8Array(0), empty)?.length, 0);
  });

  it('refuses wrong key and nonce lengths', () => {
    assert.equal(provider.aead.keyLength('aes-128-gcm'), 16);
    assert.equal(provider.aead.keyLength('chacha20-poly1305'), 32);
    assert.throws(() => provider.aead.create('aes-128-gcm', new Uint8Array(32)));
    assert.throws(() => provider.aead.create('chacha20-poly1305', new Uint8Array(16)));
    const aead = provider.aead.create('aes-128-gcm', new Uint8Array(16));
    assert.throws(() => aead.seal(new Uint8Array(8), new Uint8Array(0), new Uint8Array(1)));
  });
});

describe('key exchange', () => {
  it('offers the hybrids, x25519, P-256, P-384, ffdhe2048/3072/4096, then pure ML-KEM, in that order', () => {
    assert.deepEqual(provider.keyExchange.groups, [
      NamedGroup.X25519MLKEM768,
      NamedGroup.SecP256r1MLKEM768,
      NamedGroup.SecP384r1MLKEM1024,
      NamedGroup.x25519,
      NamedGroup.secp256r1,
      NamedGroup.secp384r1,
      NamedGroup.ffdhe2048,
      NamedGroup.ffdhe3072,
      NamedGroup.ffdhe4096,
      NamedGroup.MLKEM768,
      NamedGroup.MLKEM1024,
    ]);
    assert.throws(() => provider.keyExchange.generate(NamedGroup.x448));
  });

  const sizes: Array<[NamedGroup, number, number]> = [
    // group, public value length, shared secret length
    [NamedGroup.x25519, 32, 32],
    [NamedGroup.secp256r1, 65, 32],
    [NamedGroup.secp384r1, 97, 48],
    [NamedGroup.ffdhe2048, 256, 256],
    [NamedGroup.ffdhe3072, 384, 384],
    [NamedGroup.ffdhe4096, 512, 512],
  ];
  for (const [group, pubLength, secretLength] of sizes) {
    it(`0x${group.toString(16)}: both sides derive the same full-length secret; a share is used once`, () => {
      const a = provider.keyExchange.generate(group);
      const b = provider.keyExchange.generate(group);
      assert.equal(a.group, group);
      assert.equal(a.publicKey.length, pubLength);
      assert.notDeepEqual(a.publicKey, b.publicKey);
      const za = a.deriveSecret(b.publicKey);
      const zb = b.deriveSecret(a.publicKey);
      assert.equal(za.length, secretLength);
      assert.equal(toHex(za), toHex(zb));
      assert.throws(() => a.deriveSecret(b.publicKey), /already used/);
    });
  }

  it('a rejected peer value does not consume the share', () => {
    const a = provider.keyExchange.generate(NamedGroup.x25519);
    const b = provider.keyExchange.generate(NamedGroup.x25519);
    assert.throws(() => a.deriveSecret(new Uint8Array(32)), isInvalidPublicKey);
    assert.equal(a.deriveSecret(b.publicKey).length, 32);
  });

  describe('X25519 (RFC 7748 §6.1, RFC 8446 §7.4.2)', () => {
    const bad: Array<[string, Uint8Array]> = [
      ['u = 0 (all-zero share)', new Uint8Array(32)],
      ['u = 1', hex('0100000000000000000000000000000000000000000000000000000000000000')],
      // A point of order 8 (RFC 7748 §7 / libsodium blacklist): the shared secret would be all zero.
      ['order-8 point', hex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800')],
      ['31 bytes', new Uint8Array(31).fill(9)],
      ['33 bytes', new Uint8Array(33).fill(9)],
      ['empty', new Uint8Array(0)],
    ];
    for (const [what, peer] of bad) {
      it(`rejects ${what}`, () => {
        const share = provider.keyExchange.generate(NamedGroup.x25519);
        assert.throws(() => share.deriveSecret(peer), isInvalidPublicKey);
      });
    }

    it('matches an independent derivation through node:crypto', () => {
      const share = provider.keyExchange.generate(NamedGroup.x25519);
      const peer = crypto.generateKeyPairSync('x25519');
      const peerRaw = hex(Buffer.from(peer.publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('hex'));
      const ours = crypto.createPublicKey({
        key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(share.publicKey).toString('base64url') },
        format: 'jwk',
      });
      const expected = crypto.diffieHellman({ privateKey: peer.privateKey, publicKey: ours });
      assert.equal(toHex(share.deriveSecret(peerRaw)), expected.toString('hex'));
    });
  });

  for (const [group, curve, L] of [
    [NamedGroup.secp256r1, 'prime256v1', 32],
    [NamedGroup.secp384r1, 'secp384r1', 48],
  ] as const) {
    describe(`${curve} (RFC 8446 §4.2.8.2, RFC 8422 §5.4.1)`, () => {
      const peer = crypto.createECDH(curve);
      peer.generateKeys();
      const point = hex(peer.getPublicKey('hex', 'uncompressed'));
      const compressed = hex(peer.getPublicKey('hex', 'compressed'));
      // X9.62 hybrid form: 06 or 07 (Y's parity) ‖ X ‖ Y, built by hand (BoringSSL cannot write it).
      const hybrid = Uint8Array.of(0x06 | ((point[point.length - 1] as number) & 1), ...point.subarray(1));
      const bad: Array<[string, Uint8Array]> = [
        ['a compressed point (33/49 bytes)', compressed],
        ['a hybrid point (06/07 ‖ X ‖ Y), which Node alone accepts', hybrid],
        ['prefix 02 on an otherwise uncompressed point', Uint8Array.of(0x02, ...point.subarray(1))],
        ['an off-curve point (Y flipped)', flip(point, point.length - 1)],
        ['the point at infinity (00)', Uint8Array.of(0x00)],
        ['a point one byte short', point.subarray(0, point.length - 1)],
        ['a point one byte long', Uint8Array.of(...point, 0)],
        ['X ‖ Y without the prefix', point.subarray(1)],
        ['all zero', new Uint8Array(1 + 2 * L)],
      ];
      for (const [what, value] of bad) {
        it(`rejects ${what}`, () => {
          const share = provider.keyExchange.generate(group);
          assert.throws(() => share.deriveSecret(value), isInvalidPublicKey);
        });
      }

      it('Node really does accept the hybrid point (the reason we check ourselves)', { skip: notNodeCrypto }, () => {
        assert.equal(toHex(hybrid), peer.getPublicKey('hex', 'hybrid'));
        const probe = crypto.createECDH(curve);
        probe.generateKeys();
        assert.equal(probe.computeSecret(hybrid).length, L);
      });

      it('matches node:crypto computeSecret and keeps the x-coordinate at full length', () => {
        const share = provider.keyExchange.generate(group);
        assert.equal(share.publicKey[0], 0x04);
        const expected = peer.computeSecret(share.publicKey);
        const secret = share.deriveSecret(point);
        assert.equal(secret.length, L);
        assert.equal(toHex(secret), expected.toString('hex'));
      });
    });
  }

  describe('FFDHE (RFC 7919)', () => {
    const p = FFDHE2048_P;
    const pMinus1 = p.slice();
    pMinus1[pMinus1.length - 1] = (pMinus1[pMinus1.length - 1] as number) - 1; // p ends in 0xff
    const bad: Array<[string, Uint8Array]> = [
      ['Y = 0', Uint8Array.of(0)],
      ['Y = 0 padded to |p|', new Uint8Array(256)],
      ['Y = 1', Uint8Array.of(1)],
      ['Y = p − 1', pMinus1],
      ['Y = p', p],
      ['Y = 2^2048 − 1 (> p)', new Uint8Array(256).fill(0xff)],
      ['Y = 2 in 257 bytes (longer than p)', Uint8Array.of(...new Uint8Array(256), 2)],
      ['Y = 2 in one byte (shorter than p)', Uint8Array.of(2)],
      ['an empty value', new Uint8Array(0)],
    ];
    for (const [what, value] of bad) {
      it(`rejects ${what}`, () => {
        const share = provider.keyExchange.generate(NamedGroup.ffdhe2048);
        assert.throws(() => share.deriveSecret(value), isInvalidPublicKey);
      });
    }

    it('takes only |p|-byte values: Y = g = 2 padded gives Z = our own public value, padded to |p|; the one-byte encoding is refused', () => {
      // g^x mod p is our public value, so Z = (g)^x is too. A fixed exponent makes it one with a
      // leading zero byte (found by search), to show that both keep their zeros.
      const x = crypto.createHash('sha256').update('tlsglass ffdhe test 172').digest().subarray(0, 28);
      const share = new FfdheShare(ffdheParams(NamedGroup.ffdhe2048)!, x);
      assert.equal(share.publicKey.length, 256);
      assert.equal(share.publicKey[0], 0, 'a public value < 2^2040');
      const two = new Uint8Array(256);
      two[255] = 2;
      assert.throws(() => new FfdheShare(ffdheParams(NamedGroup.ffdhe2048)!, x).deriveSecret(Uint8Array.of(2)), isInvalidPublicKey, 'TLS 1.2 pads dh_Y itself');
      const z = share.deriveSecret(two);
      assert.equal(z.length, 256);
      assert.equal(z[0], 0, 'Z keeps its leading zero');
      assert.equal(toHex(z), toHex(share.publicKey));
    });

    it('a share costs milliseconds, not a DH_check (OpenSSL 3 skips it for the RFC 7919 primes)', () => {
      // An unknown 2048-bit prime costs ~300 ms in createDiffieHellman(); ffdhe2048 0.5 ms. The
      // bound is loose for shared CI machines and still far below a primality check.
      for (const group of [NamedGroup.ffdhe2048, NamedGroup.ffdhe3072, NamedGroup.ffdhe4096]) {
        const started = performance.now();
        const share = provider.keyExchange.generate(group);
        const ms = performance.now() - started;
        assert.ok(ms < 150, `${share.publicKey.length * 8}-bit share took ${ms.toFixed(1)} ms`);
      }
    });

    it('matches node:crypto with the same prime', () => {
      const share = provider.keyExchange.generate(NamedGroup.ffdhe3072);
      const params = ffdheParams(NamedGroup.ffdhe3072);
      assert.ok(params);
      const peer = crypto.createDiffieHellman(params.p, params.g);
      peer.generateKeys();
      const expected = peer.computeSecret(share.publicKey);
      // node:crypto drops the public value's leading zero bytes (1 time in 256); TLS sends it padded to |p|.
      const peerPublic = peer.getPublicKey();
      const padded = Buffer.concat([Buffer.alloc(share.publicKey.length - peerPublic.length), peerPublic]);
      assert.equal(toHex(share.deriveSecret(padded)), expected.toString('hex'));
    });
  });

  describe('RFC 7919 group constants', () => {
    // RFC 7919 Appendix A: p = 2^b − 2^{b−64} + {[2^{b−130}·e] + X}·2^64 − 1, with these X.
    const X: Array<[NamedGroup, number, bigint]> = [
      [NamedGroup.ffdhe2048, 2048, 560316n],
      [NamedGroup.ffdhe3072, 3072, 2625351n],
      [NamedGroup.ffdhe4096, 4096, 5736041n],
    ];
    /** floor(e · 2^bits), from the series Σ 1/k! with 64 guard bits. */
    const eFixed = (bits: number): bigint => {
      const one = 1n << BigInt(bits + 64);
      let sum = 0n;
      let term = one;
      for (let k = 1n; term > 0n; k++) {
        sum += term;
        term /= k;
      }
      return sum >> 64n;
    };
    for (const [group, b, x] of X) {
      it(`ffdhe${b}: p equals the RFC 7919 formula, g = 2`, () => {
        const B = BigInt(b);
        const expected = (1n << B) - (1n << (B - 64n)) + ((eFixed(b - 130) + x) << 64n) - 1n;
        const params = ffdheParams(group);
        assert.ok(params);
        assert.equal(params.p.length, b / 8);
        assert.equal(toHex(params.p), expected.toString(16).padStart(b / 4, '0'));
        assert.deepEqual([...params.g], [2]);
      });
    }

    it('ffdheGroupFor matches byte-exact parameters only', () => {
      assert.equal(FFDHE_GROUPS.length, 3);
      for (const { group, p, g } of FFDHE_GROUPS) {
        assert.equal(ffdheGroupFor(p, g), group);
        assert.equal(ffdheGroupFor(Uint8Array.of(0, ...p), Uint8Array.of(0, 2)), group, 'leading zeros ignored');
        assert.equal(ffdheGroupFor(p, Uint8Array.of(5)), undefined, 'other generator');
        assert.equal(ffdheGroupFor(flip(p, 100), g), undefined, 'other prime');
      }
      assert.equal(ffdheGroupFor(FFDHE2048_P.subarray(1), Uint8Array.of(2)), undefined);
      // The RFC 3526 2048-bit MODP group (Oakley group 14) is not accepted.
      const modp14 = crypto.getDiffieHellman('modp14');
      assert.equal(ffdheGroupFor(modp14.getPrime(), modp14.getGenerator()), undefined);
    });
  });
});

describe('signatures', () => {
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const p256 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const p384 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const p521 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-521' });
  const ed = crypto.generateKeyPairSync('ed25519');
  const spki = (k: crypto.KeyObject) => new Uint8Array(k.export({ format: 'der', type: 'spki' }));
  const pkcs8 = (k: crypto.KeyObject) => k.export({ format: 'pem', type: 'pkcs8' }) as string;
  const data = ascii('TLS 1.3, server CertificateVerify\0 transcript hash');

  const cases: Array<[string, crypto.KeyPairKeyObjectResult, string, string | undefined, number, SignatureScheme[]]> = [
    ['RSA-2048', rsa, 'rsa', undefined, 2048, [S.rsa_pss_rsae_sha256, S.rsa_pss_rsae_sha384, S.rsa_pss_rsae_sha512, S.rsa_pkcs1_sha256, S.rsa_pkcs1_sha384, S.rsa_pkcs1_sha512]],
    ['P-256', p256, 'ec', 'P-256', 256, [S.ecdsa_secp256r1_sha256, S.ecdsa_secp384r1_sha384, S.ecdsa_secp521r1_sha512]],
    ['P-384', p384, 'ec', 'P-384', 384, [S.ecdsa_secp384r1_sha384, S.ecdsa_secp256r1_sha256, S.ecdsa_secp521r1_sha512]],
    // Deno's node:crypto cannot sign with P-521 over SHA-256, so the provider does not offer that pairing there.
    ['P-521', p521, 'ec', 'P-521', 521, runtimeName === 'Deno' ? [S.ecdsa_secp521r1_sha512, S.ecdsa_secp384r1_sha384] : [S.ecdsa_secp521r1_sha512, S.ecdsa_secp256r1_sha256, S.ecdsa_secp384r1_sha384]],
    ['Ed25519', ed, 'ed25519', undefined, 256, [S.ed25519]],
  ];

  for (const [name, pair, type, curve, bits, schemes] of cases) {
    it(`${name}: type, curve, bits, schemes; every scheme signs and verifies; a flipped bit fails`, () => {
      const key = provider.signatures.loadPrivateKey(pkcs8(pair.privateKey));
      const pub = provider.signatures.publicKeyFromSpki(spki(pair.publicKey));
      for (const k of [key, pub]) {
        assert.equal(k.type, type);
        assert.equal(k.curve, curve);
        assert.equal(k.bits, bits);
      }
      assert.deepEqual(key.schemes, schemes);
      for (const scheme of schemes) {
        const sig = key.sign(scheme, data);
        assert.equal(pub.verify(scheme, data, sig), true, `scheme 0x${scheme.toString(16)}`);
        assert.equal(pub.verify(scheme, flip(data, 5), sig), false, 'flipped data');
        assert.equal(pub.verify(scheme, data, flip(sig, sig.length >> 1)), false, 'flipped signature');
        assert.equal(pub.verify(scheme, data, sig.subarray(0, sig.length - 1)), false, 'truncated signature');
      }
      assert.equal(pub.verify(schemes[0] as SignatureScheme, data, new Uint8Array(0)), false, 'empty signature');
      assert.equal(pub.verify(schemes[0] as SignatureScheme, data, new Uint8Array(600).fill(0x30)), false, 'garbage');
    });
  }

  it('RSA-PSS: the salt must be the hash length (Node alone accepts salt 0)', () => {
    const pub = provider.signatures.publicKeyFromSpki(spki(rsa.publicKey));
    const pss = (saltLength: number, hash = 'sha256') =>
      crypto.sign(hash, data, { key: rsa.privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength });
    const salt0 = pss(0);
    // The Node pitfall we defend against (security.md §3.3 item 3); Deno's node:crypto refuses salt 0 itself:
    if (nodeIsNode) assert.equal(crypto.verify('sha256', data, { key: rsa.publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING }, salt0), true);
    assert.equal(pub.verify(S.rsa_pss_rsae_sha256, data, salt0), false, 'salt 0');
    assert.equal(pub.verify(S.rsa_pss_rsae_sha256, data, pss(20)), false, 'salt 20');
    assert.equal(pub.verify(S.rsa_pss_rsae_sha256, data, pss(32)), true, 'salt 32');
    assert.equal(pub.verify(S.rsa_pss_rsae_sha384, data, pss(48, 'sha384')), true, 'sha384 salt 48');
    assert.equal(pub.verify(S.rsa_pss_rsae_sha384, data, pss(32, 'sha384')), false, 'sha384 salt 32');
    // Our own PSS signatures carry a 32-byte salt: check with node:crypto's strict mode.
    const ours = provider.signatures.loadPrivateKey(pkcs8(rsa.privateKey)).sign(S.rsa_pss_rsae_sha256, data);
    assert.equal(
      crypto.verify('sha256', data, { key: rsa.publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, ours),
      true,
    );
  });

  it('a signature only verifies under its own scheme (padding and hash are bound)', () => {
    const key = provider.signatures.loadPrivateKey(pkcs8(rsa.privateKey));
    const pub = provider.signatures.publicKeyFromSpki(spki(rsa.publicKey));
    const pkcs1 = key.sign(S.rsa_pkcs1_sha256, data);
    assert.equal(pub.verify(S.rsa_pss_rsae_sha256, data, pkcs1), false);
    assert.equal(pub.verify(S.rsa_pkcs1_sha384, data, pkcs1), false);
    const pss = key.sign(S.rsa_pss_rsae_sha256, data);
    assert.equal(pub.verify(S.rsa_pkcs1_sha256, data, pss), false);
  });

  it('the wrong key type is false, never a throw', () => {
    const rsaPub = provider.signatures.publicKeyFromSpki(spki(rsa.publicKey));
    const ecPub = provider.signatures.publicKeyFromSpki(spki(p256.publicKey));
    const edPub = provider.signatures.publicKeyFromSpki(spki(ed.publicKey));
    const ecSig = provider.signatures.loadPrivateKey(pkcs8(p256.privateKey)).sign(S.ecdsa_secp256r1_sha256, data);
    const rsaSig = provider.signatures.loadPrivateKey(pkcs8(rsa.privateKey)).sign(S.rsa_pkcs1_sha256, data);
    assert.equal(rsaPub.verify(S.ecdsa_secp256r1_sha256, data, ecSig), false, 'ECDSA scheme, RSA key');
    assert.equal(ecPub.verify(S.rsa_pkcs1_sha256, data, rsaSig), false, 'RSA scheme, EC key');
    assert.equal(edPub.verify(S.ecdsa_secp256r1_sha256, data, ecSig), false, 'ECDSA scheme, Ed25519 key');
    assert.equal(ecPub.verify(S.ed25519, data, ecSig), false, 'Ed25519 scheme, EC key');
    assert.equal(rsaPub.verify(S.rsa_pss_pss_sha256, data, rsaSig), false, 'rsa_pss_pss needs an RSASSA-PSS key');
    assert.equal(rsaPub.verify(0x1234 as SignatureScheme, data, rsaSig), false, 'unknown scheme');
  });

  it('SHA-1 schemes are always refused, even with a valid signature', () => {
    const rsaPub = provider.signatures.publicKeyFromSpki(spki(rsa.publicKey));
    const ecPub = provider.signatures.publicKeyFromSpki(spki(p256.publicKey));
    const rsaSha1 = crypto.sign('sha1', data, rsa.privateKey);
    const ecSha1 = crypto.sign('sha1', data, p256.privateKey);
    assert.equal(crypto.verify('sha1', data, rsa.publicKey, rsaSha1), true, 'the signature itself is valid');
    assert.equal(rsaPub.verify(S.rsa_pkcs1_sha1, data, rsaSha1), false);
    assert.equal(ecPub.verify(S.ecdsa_sha1, data, ecSha1), false);
    const key = provider.signatures.loadPrivateKey(pkcs8(rsa.privateKey));
    assert.throws(() => key.sign(S.rsa_pkcs1_sha1, data));
  });

  it('ECDSA: TLS 1.2 lets any of the three hashes go with any curve; TLS 1.3 binds the curve', () => {
    const key = provider.signatures.loadPrivateKey(pkcs8(p256.privateKey));
    const pub = provider.signatures.publicKeyFromSpki(spki(p256.publicKey));
    const sha384 = key.sign(S.ecdsa_secp384r1_sha384, data);
    assert.equal(pub.verify(S.ecdsa_secp384r1_sha384, data, sha384), true);
    assert.equal(pub.verify(S.ecdsa_secp384r1_sha384, data, sha384, { tls13: true }), false);
    assert.equal(pub.verify(S.ecdsa_secp256r1_sha256, data, sha384), false, 'hash still bound');
    const own = key.sign(S.ecdsa_secp256r1_sha256, data);
    assert.equal(pub.verify(S.ecdsa_secp256r1_sha256, data, own, { tls13: true }), true);
  });

  it('sign refuses a scheme that does not fit the key', () => {
    const key = provider.signatures.loadPrivateKey(pkcs8(ed.privateKey));
    assert.throws(() => key.sign(S.rsa_pkcs1_sha256, data));
    assert.throws(() => key.sign(S.ecdsa_secp256r1_sha256, data));
  });

  it('loads PKCS#1, SEC1, encrypted PKCS#8 (string or bytes) and DER PKCS#8', () => {
    const publicFor = (k: PrivateKey) => provider.signatures.publicKeyFromSpki(spki(k.type === 'rsa' ? rsa.publicKey : p256.publicKey));
    const forms: Array<[string, PrivateKey]> = [
      ['PKCS#1 PEM', provider.signatures.loadPrivateKey(rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string)],
      ['SEC1 PEM', provider.signatures.loadPrivateKey(p256.privateKey.export({ format: 'pem', type: 'sec1' }) as string)],
      [
        'encrypted PKCS#8 PEM',
        provider.signatures.loadPrivateKey(
          rsa.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string,
          'pw',
        ),
      ],
      ['PEM as bytes', provider.signatures.loadPrivateKey(new Uint8Array(Buffer.from('\n' + pkcs8(p256.privateKey))))],
      ['DER PKCS#8', provider.signatures.loadPrivateKey(new Uint8Array(rsa.privateKey.export({ format: 'der', type: 'pkcs8' })))],
    ];
    for (const [what, key] of forms) {
      const scheme = key.schemes[0] as SignatureScheme;
      assert.equal(publicFor(key).verify(scheme, data, key.sign(scheme, data)), true, what);
    }
    const encrypted = rsa.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string;
    assert.throws(() => provider.signatures.loadPrivateKey(encrypted), 'no passphrase');
    assert.throws(() => provider.signatures.loadPrivateKey(encrypted, 'wrong'), 'wrong passphrase');
  });

  it('refuses RSA keys below 2048 bits, unsupported curves and garbage', () => {
    const small = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
    assert.throws(() => provider.signatures.loadPrivateKey(pkcs8(small.privateKey)), /1024 bits refused/);
    // From test/fixtures/keys: BoringSSL (Bun) has no secp256k1 to generate one with.
    const k256 = (file: string) => readFileSync(new URL(`../../../test/fixtures/keys/${file}`, import.meta.url), 'utf8');
    // Refused everywhere; in our words where node:crypto reads the key (BoringSSL cannot parse a secp256k1 key: its own error).
    const refusal = runtimeName === 'Bun' ? Error : /unsupported EC curve/;
    assert.throws(() => provider.signatures.loadPrivateKey(k256('secp256k1.key')), refusal);
    assert.throws(() => provider.signatures.publicKeyFromSpki(decodePem(k256('secp256k1.spki.pem'))[0]!.der), refusal);
    assert.throws(() => provider.signatures.loadPrivateKey('not a key'));
    assert.throws(() => provider.signatures.publicKeyFromSpki(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)));
  });
});

describe('RSA key transport (RFC 5246 §7.4.7.1, security.md KX-1)', () => {
  const pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = provider.signatures.loadPrivateKey(pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
  const pub = provider.signatures.publicKeyFromSpki(new Uint8Array(pair.publicKey.export({ format: 'der', type: 'spki' })));
  const k = 256;
  const modulus = hex(Buffer.from(pair.publicKey.export({ format: 'jwk' }).n as string, 'base64url').toString('hex'));
  const VERSION = 0x0303;

  /** A PKCS#1 v1.5 type-2 block laid out by hand: 00 02 PS 00 M, with `edit` applied last. */
  const block = (message: Uint8Array, edit?: (em: Uint8Array) => void): Uint8Array => {
    const em = new Uint8Array(k);
    em[0] = 0x00;
    em[1] = 0x02;
    const psEnd = k - message.length - 1;
    for (let i = 2; i < psEnd; i++) em[i] = 1 + (crypto.randomInt(255) & 0xff); // non-zero
    em[psEnd] = 0x00;
    em.set(message, psEnd + 1);
    edit?.(em);
    return em;
  };
  const rawEncrypt = (em: Uint8Array): Uint8Array =>
    new Uint8Array(crypto.publicEncrypt({ key: pair.publicKey, padding: crypto.constants.RSA_NO_PADDING }, em));
  const premaster = (version = VERSION, length = 48): Uint8Array => {
    const m = crypto.randomBytes(length);
    m[0] = version >> 8;
    m[1] = version & 0xff;
    for (let i = 2; i < length; i++) if (m[i] === 0) m[i] = 0x5a; // keep the message free of zeros
    return new Uint8Array(m);
  };
  const fallback = (): Uint8Array => provider.random.bytes(48);

  it('encrypt → decrypt returns the premaster', () => {
    const pms = premaster();
    const ct = provider.rsaKeyTransport.encrypt(pub, pms);
    assert.equal(ct.length, k);
    const fb = fallback();
    assert.equal(toHex(provider.rsaKeyTransport.decrypt(key, ct, VERSION, fb)), toHex(pms));
  });

  it('a hand-built valid block decrypts to its premaster (so the negative cases below are meaningful)', () => {
    const pms = premaster();
    const out = provider.rsaKeyTransport.decrypt(key, rawEncrypt(block(pms)), VERSION, fallback());
    assert.equal(toHex(out), toHex(pms));
  });

  const malformed: Array<[string, () => Uint8Array, number?]> = [
    ['block type 00 01', () => rawEncrypt(block(premaster(), (em) => (em[1] = 0x01)))],
    ['first byte 01', () => rawEncrypt(block(premaster(), (em) => (em[0] = 0x01)))],
    ['no separator', () => rawEncrypt(block(premaster(), (em) => (em[k - 49] = 0x11)))],
    ['a zero inside the padding', () => rawEncrypt(block(premaster(), (em) => (em[100] = 0x00)))],
    ['a zero at the first padding position', () => rawEncrypt(block(premaster(), (em) => (em[2] = 0x00)))],
    ['a zero at the last padding position', () => rawEncrypt(block(premaster(), (em) => (em[k - 50] = 0x00)))],
    ['a 47-byte premaster', () => rawEncrypt(block(premaster(VERSION, 47)))],
    ['a 49-byte premaster', () => rawEncrypt(block(premaster(VERSION, 49)))],
    ['a 0-byte premaster (separator is the last byte)', () => rawEncrypt(block(new Uint8Array(0)))],
    ['version 03 02 for a client that offered 03 03', () => rawEncrypt(block(premaster(0x0302)))],
    ['version 02 03 (bytes swapped… and wrong)', () => rawEncrypt(block(premaster(0x0203)))],
    ['version 03 03 when the client offered 03 02', () => rawEncrypt(block(premaster(0x0303))), 0x0302],
    ['an all-zero ciphertext', () => new Uint8Array(k)],
    ['ciphertext = n (≥ n, OpenSSL throws)', () => modulus],
    ['ciphertext = all ff (> n)', () => new Uint8Array(k).fill(0xff)],
    ['a ciphertext one byte short', () => provider.rsaKeyTransport.encrypt(pub, premaster()).subarray(1)],
    ['a ciphertext one byte long', () => Uint8Array.of(0, ...provider.rsaKeyTransport.encrypt(pub, premaster()))],
    ['an empty ciphertext', () => new Uint8Array(0)],
  ];
  for (const [what, make, clientVersion] of malformed) {
    it(`returns exactly the fallback for ${what}`, () => {
      const fb = fallback();
      const out = provider.rsaKeyTransport.decrypt(key, make(), clientVersion ?? VERSION, fb);
      assert.equal(out.length, 48);
      assert.equal(toHex(out), toHex(fb));
      assert.notEqual(out, fb, 'a fresh array, not the caller’s');
    });
  }

  it('a valid ciphertext with its leading zero byte dropped (k − 1 bytes) still gives the fallback', () => {
    // Raw OpenSSL silently accepts k − 1 bytes (security.md §3.1). Find a ciphertext that starts
    // with 00, so the shortened one decrypts to the same valid block: only our length check refuses it.
    const pms = premaster();
    let ct: Uint8Array;
    do ct = provider.rsaKeyTransport.encrypt(pub, pms);
    while (ct[0] !== 0);
    const short = ct.subarray(1);
    if (nodeIsNode) {
      // OpenSSL's raw decryption takes it (BoringSSL's refuses a short ciphertext itself).
      const raw = crypto.privateDecrypt({ key: pair.privateKey, padding: crypto.constants.RSA_NO_PADDING }, short);
      assert.equal(raw.length, k);
      assert.equal(toHex(raw.subarray(k - 48)), toHex(pms), 'OpenSSL decrypts it to the valid block');
    }
    const fb = fallback();
    assert.equal(toHex(provider.rsaKeyTransport.decrypt(key, short, VERSION, fb)), toHex(fb));
    assert.equal(toHex(provider.rsaKeyTransport.decrypt(key, ct, VERSION, fb)), toHex(pms), 'the full-length one is fine');
  });

  it('refuses non-RSA keys and a fallback that is not 48 bytes (configuration errors)', () => {
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ecKey = provider.signatures.loadPrivateKey(ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    assert.throws(() => provider.rsaKeyTransport.decrypt(ecKey, new Uint8Array(k), VERSION, fallback()));
    assert.throws(() => provider.rsaKeyTransport.decrypt(key, new Uint8Array(k), VERSION, new Uint8Array(47)));
  });
});
