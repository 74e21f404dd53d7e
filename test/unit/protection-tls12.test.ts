/**
 * TLS 1.2 AEAD record protection: exact bytes against an independent construction with
 * node:crypto (RFC 5246 §6.2.3.3 AAD, RFC 5288 GCM nonce, RFC 7905 ChaCha20 nonce), tamper
 * detection, sequence numbers (explicit nonce = seq, security.md REC-2; no wrap, REC-3) and limits.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { tls12SuiteById, type Tls12Suite } from '../../src/crypto/suites.js';
import { LocalAlert } from '../../src/errors.js';
import { AlertDescription, CipherSuite, ContentType } from '../../src/messages/enums.js';
import { Tls12Protection } from '../../src/record/protection-tls12.js';
import { referenceSeal } from '../helpers/reference-aead.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const suite = (id: number): Tls12Suite => {
  const s = tls12SuiteById(id);
  assert.ok(s);
  return s;
};
const AES128 = suite(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
const AES256 = suite(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384);
const CHACHA = suite(CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256);
const APP = ContentType.application_data;

const alertOf = (alert: number) => (e: unknown) => e instanceof LocalAlert && e.alert === alert;
const badRecordMac = alertOf(AlertDescription.bad_record_mac);

/** Key material for a suite: deterministic, distinct bytes. */
const material = (s: Tls12Suite) => ({
  key: Uint8Array.from({ length: nodeCryptoProvider.aead.keyLength(s.aead) }, (_, i) => 0x40 + i),
  iv: Uint8Array.from({ length: s.fixedIvLength }, (_, i) => 0xa0 + i),
});
const pair = (s: Tls12Suite, seq = 0n) => {
  const { key, iv } = material(s);
  return {
    writer: new Tls12Protection(nodeCryptoProvider, s, key, iv, seq),
    reader: new Tls12Protection(nodeCryptoProvider, s, key, iv, seq),
  };
};
const fragmentOf = (record: Uint8Array): Uint8Array => record.subarray(5);

/** The record built by hand with a second AEAD (test/helpers/reference-aead.ts), straight from the RFC text. */
function expectedRecord(s: Tls12Suite, key: Uint8Array, iv: Uint8Array, seq: bigint, type: number, plaintext: Uint8Array): string {
  const seqBytes = Buffer.alloc(8);
  seqBytes.writeBigUInt64BE(seq);
  const aad = Buffer.concat([seqBytes, Buffer.from([type, 0x03, 0x03, plaintext.length >> 8, plaintext.length & 0xff])]);
  let nonce: Buffer;
  let explicit: Buffer;
  if (s.aead === 'chacha20-poly1305') {
    // RFC 7905 §2: the 64-bit sequence number, left-padded to 12 bytes, XORed with the IV.
    nonce = Buffer.concat([Buffer.alloc(4), seqBytes]);
    for (let i = 0; i < 12; i++) nonce[i] = (nonce[i] as number) ^ (iv[i] as number);
    explicit = Buffer.alloc(0);
  } else {
    // RFC 5288 §3: salt ‖ nonce_explicit, and we choose nonce_explicit = seq.
    nonce = Buffer.concat([iv, seqBytes]);
    explicit = seqBytes;
  }
  const body = Buffer.concat([explicit, referenceSeal(s.aead, key, nonce, aad, plaintext)]);
  const header = Buffer.from([type, 0x03, 0x03, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([header, body]).toString('hex');
}

describe('known answers (independent construction with node:crypto)', () => {
  const plaintext = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: tlsglass.test\r\n\r\n');
  const SEQ = 0x0102030405060708n;

  it('AES-128-GCM: header ‖ explicit nonce = seq ‖ ciphertext ‖ tag', () => {
    const key = hex('000102030405060708090a0b0c0d0e0f');
    const salt = hex('a0a1a2a3');
    const p = new Tls12Protection(nodeCryptoProvider, AES128, key, salt, SEQ);
    const record = p.seal(APP, plaintext);
    assert.equal(toHex(record), expectedRecord(AES128, key, salt, SEQ, APP, plaintext));
    assert.equal(toHex(record.subarray(0, 13)), '170303' + (8 + plaintext.length + 16).toString(16).padStart(4, '0') + '0102030405060708');
    assert.equal(record.length, 5 + 8 + plaintext.length + 16);
  });

  it('AES-256-GCM at seq 0', () => {
    const { key, iv } = material(AES256);
    const p = new Tls12Protection(nodeCryptoProvider, AES256, key, iv);
    assert.equal(toHex(p.seal(ContentType.handshake, plaintext)), expectedRecord(AES256, key, iv, 0n, ContentType.handshake, plaintext));
  });

  it('ChaCha20-Poly1305: nonce = iv XOR seq, no explicit nonce', () => {
    const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
    const iv = hex('070000004041424344454647');
    const p = new Tls12Protection(nodeCryptoProvider, CHACHA, key, iv, SEQ);
    const record = p.seal(APP, plaintext);
    assert.equal(toHex(record), expectedRecord(CHACHA, key, iv, SEQ, APP, plaintext));
    assert.equal(record.length, 5 + plaintext.length + 16);
  });

  it('opens the hand-built records', () => {
    for (const s of [AES128, AES256, CHACHA]) {
      const { key, iv } = material(s);
      const p = new Tls12Protection(nodeCryptoProvider, s, key, iv, SEQ);
      const record = hex(expectedRecord(s, key, iv, SEQ, APP, plaintext));
      assert.equal(toHex(p.open(APP, fragmentOf(record)).plaintext), toHex(plaintext), s.name);
    }
  });

  it('a provider without sealInto (plain Aead.seal path) gives the same bytes', () => {
    const plain: CryptoProvider = {
      ...nodeCryptoProvider,
      aead: {
        keyLength: (a) => nodeCryptoProvider.aead.keyLength(a),
        create: (a, k) => {
          const inner = nodeCryptoProvider.aead.create(a, k);
          return { algorithm: a, seal: (n, ad, pt) => inner.seal(n, ad, pt), open: (n, ad, ct) => inner.open(n, ad, ct) };
        },
      },
    };
    for (const s of [AES128, CHACHA]) {
      const { key, iv } = material(s);
      const a = new Tls12Protection(plain, s, key, iv, SEQ).seal(APP, plaintext);
      assert.equal(toHex(a), expectedRecord(s, key, iv, SEQ, APP, plaintext), s.name);
    }
  });
});

describe('round trips and tampering', () => {
  for (const s of [AES128, AES256, CHACHA]) {
    describe(s.name, () => {
      it('round-trips 0, 1, 1000 and 2^14 bytes, in order', () => {
        const { writer, reader } = pair(s);
        for (const n of [0, 1, 1000, 1 << 14]) {
          const pt = crypto.randomBytes(n);
          const record = writer.seal(APP, pt);
          assert.equal(record[0], APP);
          assert.equal((record[3] as number) * 256 + (record[4] as number), record.length - 5);
          const opened = reader.open(APP, fragmentOf(record)).plaintext;
          assert.equal(toHex(opened), pt.toString('hex'));
        }
        assert.equal(writer.sequence, 4n);
        assert.equal(reader.sequence, 4n);
      });

      const tamper: Array<[string, (fragment: Uint8Array) => Uint8Array, number?]> = [
        ['the first ciphertext byte', (f) => flipAt(f, s.explicitNonceLength)],
        ['the last tag byte', (f) => flipAt(f, f.length - 1)],
        ['the first tag byte', (f) => flipAt(f, f.length - 16)],
        ['a truncated record (one byte short)', (f) => f.subarray(0, f.length - 1)],
        ['a record with an extra byte', (f) => Uint8Array.of(...f, 0)],
        ['a fragment shorter than nonce + tag', (f) => f.subarray(0, s.explicitNonceLength + 15)],
        ['an empty fragment', () => new Uint8Array(0)],
      ];
      if (s.explicitNonceLength !== 0) tamper.push(['the explicit nonce', (f) => flipAt(f, 7)]);
      for (const [what, edit] of tamper) {
        it(`bad_record_mac for ${what}`, () => {
          const { writer, reader } = pair(s);
          const record = writer.seal(APP, new TextEncoder().encode('attack at dawn'));
          assert.throws(() => reader.open(APP, edit(fragmentOf(record))), badRecordMac);
          assert.equal(reader.sequence, 0n, 'a failed record does not advance the sequence');
        });
      }

      it('bad_record_mac when the header type differs (type is in the AAD)', () => {
        const { writer, reader } = pair(s);
        const record = writer.seal(APP, new TextEncoder().encode('attack at dawn'));
        assert.throws(() => reader.open(ContentType.handshake, fragmentOf(record)), badRecordMac);
        assert.throws(() => reader.open(APP ^ 0x80, fragmentOf(record)), badRecordMac);
      });

      it('bad_record_mac for a replayed, skipped or reordered record (seq is in the AAD/nonce)', () => {
        const { writer, reader } = pair(s);
        const r0 = writer.seal(APP, Uint8Array.of(0));
        const r1 = writer.seal(APP, Uint8Array.of(1));
        const r2 = writer.seal(APP, Uint8Array.of(2));
        assert.throws(() => reader.open(APP, fragmentOf(r1)), badRecordMac, 'skipped r0');
        reader.open(APP, fragmentOf(r0));
        assert.throws(() => reader.open(APP, fragmentOf(r0)), badRecordMac, 'replayed r0');
        assert.throws(() => reader.open(APP, fragmentOf(r2)), badRecordMac, 'r2 before r1');
        assert.deepEqual([...reader.open(APP, fragmentOf(r1)).plaintext], [1]);
      });

      it('a different key does not open the record', () => {
        const { writer } = pair(s);
        const { key, iv } = material(s);
        key[0] = (key[0] as number) ^ 1;
        const other = new Tls12Protection(nodeCryptoProvider, s, key, iv);
        assert.throws(() => other.open(APP, fragmentOf(writer.seal(APP, Uint8Array.of(9)))), badRecordMac);
      });
    });
  }
});

describe('sequence numbers', () => {
  it('GCM: 10 000 records carry explicit nonce = seq, all distinct', () => {
    const { writer, reader } = pair(AES128);
    const pt = Uint8Array.of(1, 2, 3);
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const record = writer.seal(APP, pt);
      const explicit = toHex(record.subarray(5, 13));
      assert.equal(explicit, i.toString(16).padStart(16, '0'));
      seen.add(explicit);
      assert.deepEqual([...reader.open(APP, fragmentOf(record)).plaintext], [1, 2, 3]);
    }
    assert.equal(seen.size, 10_000);
    assert.equal(writer.sequence, 10_000n);
  });

  it('carries from the low to the high 32 bits without losing precision', () => {
    const { writer, reader } = pair(AES128, 0xffff_fffen);
    const explicit = [0, 1, 2].map(() => {
      const r = writer.seal(APP, Uint8Array.of(7));
      reader.open(APP, fragmentOf(r));
      return toHex(r.subarray(5, 13));
    });
    assert.deepEqual(explicit, ['00000000fffffffe', '00000000ffffffff', '0000000100000000']);
    assert.equal(writer.sequence, 0x1_0000_0001n);
    // Beyond 2^53, where a JS number would round.
    const high = pair(CHACHA, (1n << 53n) + 1n);
    const r = high.writer.seal(APP, Uint8Array.of(1));
    const { key, iv } = material(CHACHA);
    assert.equal(toHex(r), expectedRecord(CHACHA, key, iv, (1n << 53n) + 1n, APP, Uint8Array.of(1)));
    assert.equal(high.writer.sequence, (1n << 53n) + 2n);
  });

  it('never wraps: seq 2^64 − 1 is refused with internal_error (RFC 5246 §6.1)', () => {
    const { writer, reader } = pair(AES128, (1n << 64n) - 2n);
    const last = writer.seal(APP, Uint8Array.of(1));
    assert.equal(toHex(last.subarray(5, 13)), 'fffffffffffffffe');
    assert.throws(() => writer.seal(APP, Uint8Array.of(2)), alertOf(AlertDescription.internal_error));
    assert.throws(() => writer.seal(APP, Uint8Array.of(2)), alertOf(AlertDescription.internal_error), 'stays refused');
    reader.open(APP, fragmentOf(last));
    assert.throws(() => reader.open(APP, fragmentOf(last)), alertOf(AlertDescription.internal_error));
    assert.throws(() => new Tls12Protection(nodeCryptoProvider, AES128, material(AES128).key, material(AES128).iv, 1n << 64n));
  });
});

describe('limits and construction', () => {
  it('seal refuses a plaintext over 2^14 (caller bug → internal_error)', () => {
    const { writer } = pair(AES128);
    assert.throws(() => writer.seal(APP, new Uint8Array((1 << 14) + 1)), alertOf(AlertDescription.internal_error));
    assert.equal(writer.sequence, 0n);
  });

  it('open: an authentic plaintext of 2^14 + 1 bytes is record_overflow (RFC 5246 §6.2.1)', () => {
    for (const s of [AES128, CHACHA]) {
      const { key, iv } = material(s);
      const big = new Uint8Array((1 << 14) + 1);
      const record = hex(expectedRecord(s, key, iv, 0n, APP, big));
      const reader = new Tls12Protection(nodeCryptoProvider, s, key, iv);
      assert.throws(() => reader.open(APP, fragmentOf(record)), alertOf(AlertDescription.record_overflow), s.name);
    }
  });

  it('open: a fragment over 2^14 + 2048 is record_overflow (RFC 5246 §6.2.3)', () => {
    const { reader } = pair(AES128);
    assert.throws(() => reader.open(APP, new Uint8Array((1 << 14) + 2049)), alertOf(AlertDescription.record_overflow));
  });

  it('checks the IV length against the suite', () => {
    const { key } = material(AES128);
    assert.throws(() => new Tls12Protection(nodeCryptoProvider, AES128, key, new Uint8Array(12)));
    assert.throws(() => new Tls12Protection(nodeCryptoProvider, CHACHA, new Uint8Array(32), new Uint8Array(4)));
    assert.throws(() => new Tls12Protection(nodeCryptoProvider, AES128, new Uint8Array(32), new Uint8Array(4)));
  });

  it('does not alias the caller’s key or IV', () => {
    const { key, iv } = material(CHACHA);
    const p = new Tls12Protection(nodeCryptoProvider, CHACHA, key, iv);
    const before = expectedRecord(CHACHA, material(CHACHA).key, material(CHACHA).iv, 0n, APP, Uint8Array.of(5));
    key.fill(0);
    iv.fill(0);
    assert.equal(toHex(p.seal(APP, Uint8Array.of(5))), before);
  });
});

function flipAt(b: Uint8Array, i: number): Uint8Array {
  const c = b.slice();
  c[i] = (c[i] as number) ^ 0x01;
  return c;
}
