/**
 * The portable noble provider (src/crypto/noble) against the node:crypto one, part by part: hashes
 * and HMAC equal, AEADs sealing for each other (and refusing each other's tampered records), key
 * shares agreeing across providers in every group, signatures made by one verified by the other for
 * every scheme of every key type, the same `fits` answers, keys loaded from every format, the RSA
 * key transport; known answers from RFC 7748 and RFC 8439; and the bundle has no node:* import.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cbc } from '@noble/ciphers/aes.js';
import { build } from 'esbuild';
import { FFDHE_GROUPS } from '../../src/crypto/ffdhe-groups.js';
import { nobleCryptoProvider } from '../../src/crypto/noble/index.js';
import { ffdheShare } from '../../src/crypto/noble/key-exchange.js';
import { nobleRandom } from '../../src/crypto/noble/random.js';
import { RSA_DECRYPT_REFUSED, rsaDecryptPremasterNotConstantTime } from '../../src/crypto/noble/rsa-key-transport.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { FfdheShare } from '../../src/crypto/node/key-exchange.js';
import { mlDsa } from '../../src/crypto/node/ml-dsa.js';
import { InvalidPublicKey, type AeadAlgorithm, type CryptoProvider, type HashAlgorithm } from '../../src/crypto/provider.js';
import { NamedGroup, SignatureScheme } from '../../src/messages/enums.js';
import { DerReader, Tag, readDer } from '../../src/pki/der-reader.js';
import { ML_DSA, encodeMlDsaSpki } from '../../src/pki/ml-dsa.js';
import { decodePem, encodePem } from '../../src/pki/pem.js';
import { integer, octetString, oid, sequence } from '../../src/pki/der-writer.js';
import { nodeIsNode } from '../helpers/runtime.js';

const noble = nobleCryptoProvider;
const node = nodeCryptoProvider;
const S = SignatureScheme;
const PROVIDERS: ReadonlyArray<[string, CryptoProvider, CryptoProvider]> = [
  ['node → noble', node, noble],
  ['noble → node', noble, node],
];

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const bytes = (b: Buffer): Uint8Array => new Uint8Array(b);
const flip = (b: Uint8Array, i: number, bit = 0x01): Uint8Array => {
  const c = b.slice();
  c[i] = c[i]! ^ bit;
  return c;
};
const isInvalidPublicKey = (e: unknown): boolean => e instanceof InvalidPublicKey;

/** Runs `f` with nobleRandom handing out `fixed` first (known-answer tests through the provider's own key generation). */
function withRandom<T>(fixed: Uint8Array[], f: () => T): T {
  const original = nobleRandom.bytes;
  nobleRandom.bytes = (n) => {
    const next = fixed.shift();
    if (next === undefined) return original(n);
    assert.equal(next.length, n);
    return next.slice();
  };
  try {
    return f();
  } finally {
    nobleRandom.bytes = original;
  }
}

describe('noble provider: portability', () => {
  it('bundles for the browser with no node:* module and no Buffer', async () => {
    const entry = fileURLToPath(new URL('../../src/crypto/noble/index.js', import.meta.url));
    const result = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    assert.deepEqual(inputs.filter((i) => i.startsWith('node:') || /src\/crypto\/node\//.test(i)), []);
    assert.ok(inputs.some((i) => i.includes('@noble/curves')));
    const code = result.outputFiles[0]!.text;
    assert.doesNotMatch(code, /\bBuffer\.(from|alloc|concat|isBuffer)\b/);
  });
});

describe('noble provider: random, hash, HMAC', () => {
  it('random bytes are fresh, of any size (getRandomValues caps one call at 65,536)', () => {
    assert.equal(noble.random.bytes(0).length, 0);
    assert.notDeepEqual(noble.random.bytes(32), noble.random.bytes(32));
    const big = noble.random.bytes(200_000);
    assert.equal(big.length, 200_000);
    assert.ok(big.subarray(150_000).some((b) => b !== 0));
  });

  for (const alg of ['sha256', 'sha384', 'sha512'] as HashAlgorithm[]) {
    it(`${alg}: digest, running hash with peek() and HMAC over parts equal node:crypto's`, () => {
      assert.equal(noble.hash.outputLength(alg), node.hash.outputLength(alg));
      const data = noble.random.bytes(1000);
      assert.equal(toHex(noble.hash.digest(alg, data)), toHex(node.hash.digest(alg, data)));
      const [a, b] = [noble.hash.create(alg), node.hash.create(alg)];
      assert.equal(a.algorithm, alg);
      assert.equal(toHex(a.peek()), toHex(b.peek()));
      for (const cut of [0, 1, 63, 64, 65, 500]) {
        a.update(data.subarray(0, cut));
        b.update(data.subarray(0, cut));
        assert.equal(toHex(a.peek()), toHex(b.peek()), `after ${cut}`);
        assert.equal(toHex(a.peek()), toHex(b.peek()), 'peek() does not end the hash');
      }
      for (const keyLength of [0, 16, 200]) {
        const key = noble.random.bytes(keyLength);
        assert.equal(toHex(noble.hash.hmac(alg, key, data.subarray(0, 10), data.subarray(10))), toHex(node.hash.hmac(alg, key, data)));
      }
    });
  }

  it('refuses hash names outside the three', () => {
    assert.throws(() => noble.hash.create('md5' as HashAlgorithm), /unsupported hash/);
    assert.throws(() => noble.hash.digest('constructor' as HashAlgorithm, new Uint8Array(1)), /unsupported hash/);
  });
});

describe('noble provider: AEAD', () => {
  // RFC 8439 §2.8.2.
  it('chacha20-poly1305: RFC 8439 §2.8.2 known answer', () => {
    const aead = noble.aead.create('chacha20-poly1305', hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f'));
    const nonce = hex('070000004041424344454647');
    const aad = hex('50515253c0c1c2c3c4c5c6c7');
    const plaintext = ascii("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    const sealed = aead.seal(nonce, aad, plaintext);
    assert.equal(
      toHex(sealed),
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36' +
        '92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b61161ae10b594f09e26a7e902ecbd0600691',
    );
    assert.equal(toHex(aead.open(nonce, aad, sealed)!), toHex(plaintext));
  });

  for (const alg of ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'] as AeadAlgorithm[]) {
    for (const [direction, from, to] of PROVIDERS) {
      it(`${alg} ${direction}: sealed by one, opened by the other; tampering is null, never a throw`, () => {
        assert.equal(noble.aead.keyLength(alg), node.aead.keyLength(alg));
        const key = noble.random.bytes(noble.aead.keyLength(alg));
        const [sealer, opener] = [from.aead.create(alg, key), to.aead.create(alg, key)];
        for (const size of [0, 1, 15, 16, 17, 1000, 16384 + 256]) {
          const nonce = noble.random.bytes(12);
          const aad = noble.random.bytes(13);
          const plaintext = noble.random.bytes(size);
          const sealed = sealer.seal(nonce, aad, plaintext);
          assert.equal(sealed.length, size + 16);
          assert.equal(toHex(opener.open(nonce, aad, sealed)!), toHex(plaintext));
          assert.equal(opener.open(nonce, aad, flip(sealed, sealed.length - 1, 0x80)), null, 'tag');
          if (size > 0) assert.equal(opener.open(nonce, aad, flip(sealed, 0)), null, 'ciphertext');
          assert.equal(opener.open(nonce, flip(aad, 0), sealed), null, 'aad');
          assert.equal(opener.open(flip(nonce, 11), aad, sealed), null, 'nonce');
          assert.equal(opener.open(nonce, aad, sealed.subarray(0, sealed.length - 1)), null, 'truncated');
        }
        assert.equal(opener.open(new Uint8Array(12), new Uint8Array(0), new Uint8Array(15)), null, 'shorter than a tag');
      });
    }
  }

  it('refuses wrong key and nonce lengths', () => {
    assert.throws(() => noble.aead.create('aes-128-gcm', new Uint8Array(32)));
    assert.throws(() => noble.aead.create('chacha20-poly1305', new Uint8Array(16)));
    assert.throws(() => noble.aead.keyLength('aes-128-cbc' as AeadAlgorithm));
    assert.throws(() => noble.aead.create('aes-128-gcm', new Uint8Array(16)).seal(new Uint8Array(8), new Uint8Array(0), new Uint8Array(1)));
  });
});

describe('noble provider: key exchange', () => {
  it('offers the same groups as the node provider, in the same order', () => {
    assert.deepEqual(noble.keyExchange.groups, node.keyExchange.groups);
    assert.throws(() => noble.keyExchange.generate(NamedGroup.x448));
  });

  it('X25519: RFC 7748 §6.1 known answer through the provider’s own share', () => {
    const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const share = withRandom([alice], () => noble.keyExchange.generate(NamedGroup.x25519));
    assert.equal(toHex(share.publicKey), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    const bobPublic = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    assert.equal(toHex(share.deriveSecret(bobPublic)), '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
    assert.throws(() => share.deriveSecret(bobPublic), /already used/);
  });

  for (const group of nodeCryptoProvider.keyExchange.groups) {
    for (const [direction, first, answer] of PROVIDERS) {
      it(`0x${group.toString(16)} ${direction}: generate on one, respond on the other, same secret`, () => {
        const share = first.keyExchange.generate(group);
        const response = answer.keyExchange.respond(group, share.publicKey);
        assert.equal(toHex(share.deriveSecret(response.publicKey)), toHex(response.sharedSecret));
      });
    }
  }

  for (const { group, p } of FFDHE_GROUPS) {
    it(`FFDHE 0x${group.toString(16)}: the same fixed exponent gives node:crypto's Y and Z; a fresh exponent is short and top-bit set`, () => {
      const x = noble.random.bytes(40);
      const peer = new FfdheShare(FFDHE_GROUPS.find((g) => g.group === group)!);
      const [a, b] = [ffdheShare({ group, p, g: Uint8Array.of(2) }, x), new FfdheShare({ group, p, g: Uint8Array.of(2) }, x)];
      assert.equal(toHex(a.publicKey), toHex(b.publicKey));
      assert.equal(toHex(a.deriveSecret(peer.publicKey)), toHex(b.deriveSecret(peer.publicKey)));
    });
  }

  describe('refuses bad peer values with InvalidPublicKey (as the node provider)', () => {
    const point = (group: NamedGroup) => node.keyExchange.generate(group).publicKey;
    const compress = (p: Uint8Array) => Uint8Array.of(2 + (p[p.length - 1]! & 1), ...p.subarray(1, 1 + (p.length - 1) / 2));
    const pMinus1 = FFDHE_GROUPS[0]!.p.slice();
    pMinus1[pMinus1.length - 1]! -= 1;
    const one = new Uint8Array(256);
    one[255] = 1;
    const cases: Array<[NamedGroup, string, Uint8Array]> = [
      [NamedGroup.x25519, 'u = 0', new Uint8Array(32)],
      [NamedGroup.x25519, 'u = 1', Uint8Array.of(1, ...new Uint8Array(31))],
      [NamedGroup.x25519, 'an order-8 point', hex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800')],
      [NamedGroup.x25519, '31 bytes', new Uint8Array(31).fill(9)],
      [NamedGroup.secp256r1, 'a compressed point', compress(point(NamedGroup.secp256r1))],
      [NamedGroup.secp256r1, 'a hybrid point', Uint8Array.of(0x06, ...point(NamedGroup.secp256r1).subarray(1))],
      [NamedGroup.secp256r1, 'an off-curve point', flip(point(NamedGroup.secp256r1), 64)],
      [NamedGroup.secp256r1, 'the point at infinity', Uint8Array.of(0)],
      [NamedGroup.secp256r1, 'all zero', new Uint8Array(65)],
      [NamedGroup.secp384r1, 'an off-curve point', flip(point(NamedGroup.secp384r1), 96)],
      [NamedGroup.secp384r1, 'a P-256 point', point(NamedGroup.secp256r1)],
      [NamedGroup.ffdhe2048, 'Y = 0', new Uint8Array(256)],
      [NamedGroup.ffdhe2048, 'Y = 1', one],
      [NamedGroup.ffdhe2048, 'Y = p − 1', pMinus1],
      [NamedGroup.ffdhe2048, 'Y = p', FFDHE_GROUPS[0]!.p],
      [NamedGroup.ffdhe2048, 'Y of 255 bytes', new Uint8Array(255).fill(7)],
      [NamedGroup.X25519MLKEM768, 'a hybrid share of the wrong length', new Uint8Array(1100)],
    ];
    for (const [group, what, value] of cases) {
      it(`0x${group.toString(16)}: ${what}`, () => {
        assert.throws(() => node.keyExchange.generate(group).deriveSecret(value), isInvalidPublicKey, 'node');
        assert.throws(() => noble.keyExchange.generate(group).deriveSecret(value), isInvalidPublicKey, 'noble generate');
        assert.throws(() => noble.keyExchange.respond(group, value), isInvalidPublicKey, 'noble respond');
      });
    }
    it('a rejected value does not consume the share', () => {
      const share = noble.keyExchange.generate(NamedGroup.x25519);
      assert.throws(() => share.deriveSecret(new Uint8Array(32)), isInvalidPublicKey);
      assert.equal(share.deriveSecret(node.keyExchange.generate(NamedGroup.x25519).publicKey).length, 32);
    });
  });
});

/** One key of each type and size in every format the providers read. */
interface KeyFixture {
  readonly name: string;
  readonly pkcs8Pem: string;
  readonly spki: Uint8Array;
  /** Other encodings of the same key: PKCS#8 DER, PKCS#1/SEC1 PEM, encrypted PKCS#8 (passphrase 'secret'). */
  readonly others: ReadonlyArray<[string, string | Uint8Array]>;
}

function nodeKey(name: string, type: string, options: object, traditional?: 'pkcs1' | 'sec1'): KeyFixture {
  const { privateKey, publicKey } = crypto.generateKeyPairSync(type as 'rsa', options as crypto.RSAKeyPairOptions<'pem', 'pem'>) as unknown as { privateKey: crypto.KeyObject; publicKey: crypto.KeyObject };
  const others: Array<[string, string | Uint8Array]> = [
    ['PKCS#8 DER', bytes(privateKey.export({ format: 'der', type: 'pkcs8' }))],
    ['encrypted PKCS#8 (AES-256-CBC)', privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string],
    ['encrypted PKCS#8 (AES-128-CBC)', privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-128-cbc', passphrase: 'secret' }) as string],
  ];
  if (traditional) others.push([traditional === 'pkcs1' ? 'PKCS#1 PEM' : 'SEC1 PEM', privateKey.export({ format: 'pem', type: traditional }) as string]);
  return { name, pkcs8Pem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, spki: bytes(publicKey.export({ format: 'der', type: 'spki' })), others };
}

function mlDsaKey(params: (typeof ML_DSA)[number]): KeyFixture {
  const { pkcs8, publicKey } = mlDsa.generate(params);
  return { name: params.label, pkcs8Pem: encodePem('PRIVATE KEY', pkcs8), spki: encodeMlDsaSpki(params, publicKey), others: [['PKCS#8 DER', pkcs8]] };
}

const KEYS: KeyFixture[] = [
  nodeKey('RSA-2048', 'rsa', { modulusLength: 2048 }, 'pkcs1'),
  nodeKey('RSA-3072', 'rsa', { modulusLength: 3072, publicExponent: 3 }, 'pkcs1'),
  nodeKey('RSA-2049 (emBits a multiple of 8)', 'rsa', { modulusLength: 2049 }),
  nodeKey('EC P-256', 'ec', { namedCurve: 'P-256' }, 'sec1'),
  nodeKey('EC P-384', 'ec', { namedCurve: 'P-384' }, 'sec1'),
  nodeKey('EC P-521', 'ec', { namedCurve: 'P-521' }, 'sec1'),
  nodeKey('Ed25519', 'ed25519', {}),
  ...ML_DSA.map(mlDsaKey),
];

const ALL_SCHEMES = Object.values(S) as number[];

describe('noble provider: signatures across providers', () => {
  for (const k of KEYS) {
    describe(k.name, () => {
      const keys = { node: node.signatures.loadPrivateKey(k.pkcs8Pem), noble: noble.signatures.loadPrivateKey(k.pkcs8Pem) };
      const pubs = { node: node.signatures.publicKeyFromSpki(k.spki), noble: noble.signatures.publicKeyFromSpki(k.spki) };

      it('describes the key as node does: type, curve, bits, schemes; fits() agrees for every scheme', () => {
        for (const field of ['type', 'curve', 'bits'] as const) {
          assert.equal(keys.noble[field], keys.node[field], `private ${field}`);
          assert.equal(pubs.noble[field], pubs.node[field], `public ${field}`);
        }
        // Where the runtime's node:crypto cannot sign a pairing (P-521 over SHA-256 on Deno), the node provider leaves it out; noble signs all.
        assert.deepEqual(nodeIsNode ? keys.noble.schemes : keys.noble.schemes.filter((s) => keys.node.schemes.includes(s)), keys.node.schemes);
        for (const scheme of ALL_SCHEMES) {
          for (const tls13 of [false, true]) {
            assert.equal(pubs.noble.fits(scheme, { tls13 }), pubs.node.fits(scheme, { tls13 }), `0x${scheme.toString(16)} tls13=${tls13}`);
          }
        }
      });

      for (const scheme of keys.node.schemes) {
        for (const tls13 of k.name.startsWith('ML-DSA') ? [true] : [false, true]) {
          it(`0x${scheme.toString(16)}${tls13 ? ' (TLS 1.3 rules)' : ''}: node signs, noble verifies, and the reverse; wrong data or a flipped bit fails`, () => {
            const data = noble.random.bytes(300);
            for (const [signer, verifier] of [
              [keys.node, pubs.noble],
              [keys.noble, pubs.node],
            ] as const) {
              const signature = signer.sign(scheme, data);
              const fits = verifier.fits(scheme, { tls13 });
              assert.equal(verifier.verify(scheme, data, signature, { tls13 }), fits);
              assert.equal(verifier.verify(scheme, flip(data, 7), signature, { tls13 }), false);
              assert.equal(verifier.verify(scheme, data, flip(signature, signature.length >> 1), { tls13 }), false);
            }
          });
        }
      }

      it('loads the same key from every other format, and matches() its SPKI only', () => {
        const other = KEYS.find((o) => o !== k)!;
        assert.equal(keys.noble.matches!(k.spki), true);
        assert.equal(keys.noble.matches!(other.spki), false);
        for (const [format, encoded] of k.others) {
          const loaded = noble.signatures.loadPrivateKey(encoded, format.startsWith('encrypted') ? 'secret' : undefined);
          assert.equal(loaded.matches!(k.spki), true, format);
          const scheme = loaded.schemes[0]!;
          assert.equal(pubs.node.verify(scheme, ascii('x'), loaded.sign(scheme, ascii('x')), { tls13: true }), true, format);
          if (format.startsWith('encrypted')) {
            assert.throws(() => noble.signatures.loadPrivateKey(encoded, 'wrong'), /cannot load private key/, `${format}: wrong passphrase`);
            assert.throws(() => noble.signatures.loadPrivateKey(encoded), /no passphrase/, `${format}: no passphrase`);
          }
        }
      });
    });
  }

  it('PBES2 with PBKDF2-HMAC-SHA512 and AES-192-CBC, around an ML-DSA key (which node:crypto on Node 20 cannot decrypt)', () => {
    const k = KEYS.find((x) => x.name === 'ML-DSA-65')!;
    const pkcs8 = k.others[0]![1] as Uint8Array;
    const [salt, iv] = [noble.random.bytes(16), noble.random.bytes(16)];
    const key = crypto.pbkdf2Sync('pass phrase', salt, 1000, 24, 'sha512');
    // node:crypto's AES-CBC where it has AES-192 (Deno's has not); @noble/ciphers' (PKCS#7 padding too) there.
    const viaNode = (c: crypto.Cipher) => bytes(Buffer.concat([c.update(pkcs8), c.final()]));
    const encrypted = crypto.getCiphers().includes('aes-192-cbc') ? viaNode(crypto.createCipheriv('aes-192-cbc', key, iv)) : cbc(key, iv).encrypt(pkcs8);
    const der = sequence(
      sequence(
        oid('1.2.840.113549.1.5.13'),
        sequence(sequence(oid('1.2.840.113549.1.5.12'), sequence(octetString(salt), integer(1000), integer(24), sequence(oid('1.2.840.113549.2.11')))), sequence(oid('2.16.840.1.101.3.4.1.22'), octetString(iv))),
      ),
      octetString(encrypted),
    );
    const loaded = noble.signatures.loadPrivateKey(encodePem('ENCRYPTED PRIVATE KEY', der), 'pass phrase');
    assert.equal(loaded.type, 'ml-dsa-65');
    assert.equal(loaded.matches!(k.spki), true);
    assert.equal(noble.signatures.loadPrivateKey(der, 'pass phrase').matches!(k.spki), true, 'DER');
    assert.throws(() => noble.signatures.loadPrivateKey(der, 'wrong'), /cannot load private key/);
  });

  it('refuses legacy PEM encryption (Proc-Type: 4,ENCRYPTED) with a way out', () => {
    const legacy = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'sec1', cipher: 'aes-128-cbc', passphrase: 'x' }) as string;
    assert.throws(() => noble.signatures.loadPrivateKey(legacy, 'x'), /legacy PEM encryption .* openssl pkcs8 -topk8/);
  });

  it('ECDSA: OpenSSL signatures with a high s verify (noble is called with lowS: false)', () => {
    const k = KEYS.find((x) => x.name === 'EC P-256')!;
    const signer = node.signatures.loadPrivateKey(k.pkcs8Pem);
    const key = noble.signatures.publicKeyFromSpki(k.spki);
    const half = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551') >> 1n;
    let high = 0;
    for (let i = 0; i < 40; i++) {
      const data = ascii(`message ${i}`);
      const sig = signer.sign(S.ecdsa_secp256r1_sha256, data);
      const seq = new DerReader(readDer(sig, Tag.SEQUENCE, 'sig').value);
      seq.read(Tag.INTEGER, 'r');
      if (BigInt('0x' + toHex(seq.read(Tag.INTEGER, 's').value)) > half) high++;
      assert.equal(key.verify(S.ecdsa_secp256r1_sha256, data, sig), true, `signature ${i}`);
    }
    assert.ok(high > 0, 'no high-s signature among 40');
  });

  it('RSA-PSS: a salt other than the hash length fails on both providers', () => {
    const k = KEYS[0]!;
    const sig = bytes(crypto.sign('sha256', ascii('x'), { key: k.pkcs8Pem, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 }));
    for (const provider of [node, noble]) assert.equal(provider.signatures.publicKeyFromSpki(k.spki).verify(S.rsa_pss_rsae_sha256, ascii('x'), sig), false);
  });

  it('RSASSA-PSS keys (RFC 4055 SPKI) verify PSS with their parameters’ hash, and nothing else', () => {
    // test/fixtures/keys: a key restricted to SHA-256 and salt 32, and OpenSSL's signature of "x" with it
    // (Bun cannot generate RSASSA-PSS keys; Deno generates them without the parameters).
    const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/keys/${name}`, import.meta.url), 'utf8');
    const key = noble.signatures.publicKeyFromSpki(decodePem(fixture('rsa-pss-sha256.spki.pem'))[0]!.der);
    const sig = bytes(Buffer.from(fixture('rsa-pss-sha256.sig-x.hex').trim(), 'hex'));
    assert.equal(key.type, 'rsa');
    assert.equal(key.verify(S.rsa_pss_rsae_sha256, ascii('x'), sig), true);
    assert.equal(key.fits(S.rsa_pss_rsae_sha384), false);
    assert.equal(key.fits(S.rsa_pkcs1_sha256), false);
    assert.throws(() => noble.signatures.loadPrivateKey(fixture('rsa-pss-sha256.key')), /rsa-pss/);
  });

  it('refuses what the node provider refuses: RSA below 2048 bits, signing with a scheme that does not fit, junk', () => {
    const small = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    assert.throws(() => noble.signatures.loadPrivateKey(small), /1024 bits refused/);
    const ec = noble.signatures.loadPrivateKey(KEYS.find((x) => x.name === 'EC P-256')!.pkcs8Pem);
    assert.throws(() => ec.sign(S.rsa_pss_rsae_sha256, ascii('x')), /cannot sign/);
    assert.throws(() => ec.sign(S.ecdsa_sha1, ascii('x')), /cannot sign/);
    assert.throws(() => noble.signatures.loadPrivateKey('not a key'), /cannot load private key/);
    assert.throws(() => noble.signatures.loadPrivateKey(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)), /cannot load private key/);
    assert.throws(() => noble.signatures.publicKeyFromSpki(flip(KEYS[3]!.spki, KEYS[3]!.spki.length - 1)), /cannot parse SubjectPublicKeyInfo/, 'off-curve EC point');
    const pub = noble.signatures.publicKeyFromSpki(KEYS[0]!.spki);
    assert.equal(pub.verify(S.rsa_pkcs1_sha256, ascii('x'), new Uint8Array(0)), false);
    assert.equal(pub.verify(S.rsa_pkcs1_sha256, ascii('x'), new Uint8Array(256).fill(0xff)), false, 'signature ≥ n');
    assert.equal(pub.verify(S.rsa_pkcs1_sha1, ascii('x'), new Uint8Array(256)), false);
  });
});

describe('noble provider: RSA key transport (RFC 5246 §7.4.7.1)', () => {
  const k = KEYS[0]!;
  const nodeKey = node.signatures.loadPrivateKey(k.pkcs8Pem);
  const nobleKey = noble.signatures.loadPrivateKey(k.pkcs8Pem);
  const premaster = Uint8Array.of(3, 3, ...noble.random.bytes(46));
  const fallback = noble.random.bytes(48);

  it('noble encrypts, node decrypts the premaster', () => {
    const ct = noble.rsaKeyTransport.encrypt(noble.signatures.publicKeyFromSpki(k.spki), premaster);
    assert.equal(ct.length, 256);
    assert.equal(toHex(node.rsaKeyTransport.decrypt(nodeKey, ct, 0x0303, fallback)), toHex(premaster));
  });

  it('the server side is refused with a clear error, before the ciphertext is looked at', () => {
    const ct = node.rsaKeyTransport.encrypt(node.signatures.publicKeyFromSpki(k.spki), premaster);
    assert.throws(() => noble.rsaKeyTransport.decrypt(nobleKey, ct, 0x0303, fallback), (e: Error) => e.message === RSA_DECRYPT_REFUSED);
  });

  it('the BigInt decryption (not offered) recovers node’s premaster, and falls back for bad ciphertexts', () => {
    const ct = node.rsaKeyTransport.encrypt(node.signatures.publicKeyFromSpki(k.spki), premaster);
    assert.equal(toHex(rsaDecryptPremasterNotConstantTime(nobleKey, ct, 0x0303, fallback)), toHex(premaster));
    assert.equal(toHex(rsaDecryptPremasterNotConstantTime(nobleKey, ct, 0x0302, fallback)), toHex(fallback), 'wrong client version');
    assert.equal(toHex(rsaDecryptPremasterNotConstantTime(nobleKey, flip(ct, 5), 0x0303, fallback)), toHex(fallback), 'bad padding');
    assert.equal(toHex(rsaDecryptPremasterNotConstantTime(nobleKey, ct.subarray(1), 0x0303, fallback)), toHex(fallback), 'short');
    assert.equal(toHex(rsaDecryptPremasterNotConstantTime(nobleKey, new Uint8Array(256).fill(0xff), 0x0303, fallback)), toHex(fallback), '≥ n');
  });
});
