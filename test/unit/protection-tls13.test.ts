/**
 * TLS 1.3 record protection (RFC 8446 §5.2–5.5): the RFC 8448 §3 records byte for byte, exact
 * bytes against an independent node:crypto construction (AAD = header, nonce = iv ⊕ seq),
 * padding and content-type recovery (§5.4), tamper detection, sequence numbers and limits.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import type { Aead, CryptoProvider } from '../../src/crypto/provider.js';
import { tls13SuiteById, type Tls13Suite } from '../../src/crypto/suites.js';
import { LocalAlert } from '../../src/errors.js';
import { trafficKeys } from '../../src/keys/key-schedule-tls13.js';
import { AlertDescription, CipherSuite, ContentType } from '../../src/messages/enums.js';
import { AEAD_RECORD_LIMIT, Tls13Protection } from '../../src/record/protection-tls13.js';
import { referenceSeal } from '../helpers/reference-aead.js';
import { SIMPLE_1RTT as V } from '../vectors/rfc8448.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const suite = (id: number): Tls13Suite => {
  const s = tls13SuiteById(id);
  assert.ok(s);
  return s;
};
const AES128 = suite(CipherSuite.TLS_AES_128_GCM_SHA256);
const AES256 = suite(CipherSuite.TLS_AES_256_GCM_SHA384);
const CHACHA = suite(CipherSuite.TLS_CHACHA20_POLY1305_SHA256);
const SUITES = [AES128, AES256, CHACHA];
const { application_data: APP, handshake: HANDSHAKE, alert: ALERT, change_cipher_spec: CCS } = ContentType;

const alertOf = (alert: number) => (e: unknown) => e instanceof LocalAlert && e.alert === alert;
const badRecordMac = alertOf(AlertDescription.bad_record_mac);
const unexpectedMessage = alertOf(AlertDescription.unexpected_message);
const recordOverflow = alertOf(AlertDescription.record_overflow);
const internalError = alertOf(AlertDescription.internal_error);

const material = (s: Tls13Suite) => ({
  key: Uint8Array.from({ length: nodeCryptoProvider.aead.keyLength(s.aead) }, (_, i) => 0x40 + i),
  iv: Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i),
});
const pair = (s: Tls13Suite, seq = 0n, provider: CryptoProvider = nodeCryptoProvider) => {
  const { key, iv } = material(s);
  return { writer: new Tls13Protection(provider, s, key, iv, seq), reader: new Tls13Protection(provider, s, key, iv, seq) };
};
const fragmentOf = (record: Uint8Array): Uint8Array => record.subarray(5);

/** A TLSCiphertext built by hand with a second AEAD (test/helpers/reference-aead.ts) from RFC 8446 §5.2–5.3, for any TLSInnerPlaintext. */
function refRecord(s: Tls13Suite, key: Uint8Array, iv: Uint8Array, seq: bigint, inner: Uint8Array): Buffer {
  const length = inner.length + 16;
  const header = Buffer.from([23, 0x03, 0x03, length >> 8, length & 0xff]);
  const seqBytes = Buffer.alloc(12);
  seqBytes.writeBigUInt64BE(seq, 4);
  const nonce = Buffer.from(iv.map((b, i) => b ^ (seqBytes[i] as number)));
  return Buffer.concat([header, referenceSeal(s.aead, key, nonce, header, inner)]);
}

const inner = (content: Uint8Array, type: number, padding = 0): Uint8Array => {
  const out = new Uint8Array(content.length + 1 + padding);
  out.set(content);
  out[content.length] = type;
  return out;
};

describe('RFC 8448 §3 records, byte for byte', () => {
  const keys = (trafficSecret: string) => trafficKeys(nodeCryptoProvider.hash, nodeCryptoProvider.aead, AES128, hex(trafficSecret));
  const protection = (trafficSecret: string, seq = 0n) => {
    const { key, iv } = keys(trafficSecret);
    return new Tls13Protection(nodeCryptoProvider, AES128, key, iv, seq);
  };
  const serverFlight = hex(V.encryptedExtensions + V.certificate + V.certificateVerify + V.serverFinished);

  it('server flight (EncryptedExtensions…Finished, type 22) under the server handshake key: seal = RFC record', () => {
    const record = protection(V.serverHandshakeTrafficSecret).seal(HANDSHAKE, serverFlight);
    assert.equal(record.length, 679);
    assert.equal(toHex(record), V.serverFlightRecord);
  });

  it('server flight: open(RFC record) = the RFC plaintext, type handshake', () => {
    const p = protection(V.serverHandshakeTrafficSecret);
    const { type, plaintext } = p.open(APP, fragmentOf(hex(V.serverFlightRecord)));
    assert.equal(type, HANDSHAKE);
    assert.equal(toHex(plaintext), toHex(serverFlight));
    assert.equal(p.sequence, 1n);
  });

  it('client Finished under the client handshake key: seal = RFC record; open = the Finished message', () => {
    const record = protection(V.clientHandshakeTrafficSecret).seal(HANDSHAKE, hex(V.clientFinished));
    assert.equal(toHex(record), V.clientFinishedRecord);
    const { type, plaintext } = protection(V.clientHandshakeTrafficSecret).open(APP, fragmentOf(hex(V.clientFinishedRecord)));
    assert.equal(type, HANDSHAKE);
    assert.equal(toHex(plaintext), V.clientFinished);
  });

  it('client application data (seq 0) then close_notify (seq 1) under the client application key', () => {
    const w = protection(V.clientApplicationTrafficSecret);
    assert.equal(toHex(w.seal(APP, hex(V.applicationData))), V.clientApplicationDataRecord);
    assert.equal(toHex(w.seal(ALERT, Uint8Array.of(1, 0))), V.clientCloseNotifyRecord);
    assert.equal(w.sequence, 2n);
    assert.equal(w.recordsProtected, 2);
  });

  it('server application key: NewSessionTicket (seq 0), application data (seq 1), close_notify (seq 2)', () => {
    const r = protection(V.serverApplicationTrafficSecret);
    const ticket = r.open(APP, fragmentOf(hex(V.newSessionTicketRecord)));
    assert.equal(ticket.type, HANDSHAKE);
    assert.equal(ticket.plaintext[0], 4); // new_session_ticket
    assert.equal(ticket.plaintext.length, 4 + 0xc9);
    // ticket_lifetime(4) ‖ ticket_age_add(4) ‖ ticket_nonce<0..255> = 02 00 00 (§3: the nonce the PSK used)
    assert.equal(toHex(ticket.plaintext.subarray(12, 15)), '02' + V.ticketNonce);
    const data = r.open(APP, fragmentOf(hex(V.serverApplicationDataRecord)));
    assert.deepEqual([data.type, toHex(data.plaintext)], [APP, V.applicationData]);
    const close = r.open(APP, fragmentOf(hex(V.serverCloseNotifyRecord)));
    assert.deepEqual([close.type, toHex(close.plaintext)], [ALERT, '0100']);
    assert.equal(r.sequence, 3n);

    // Sealing at the same sequence numbers gives the RFC's bytes.
    const w = protection(V.serverApplicationTrafficSecret, 1n);
    assert.equal(toHex(w.seal(APP, hex(V.applicationData))), V.serverApplicationDataRecord);
    assert.equal(toHex(w.seal(ALERT, Uint8Array.of(1, 0))), V.serverCloseNotifyRecord);
  });

  it('an RFC record opened at the wrong sequence number fails: bad_record_mac', () => {
    assert.throws(() => protection(V.serverApplicationTrafficSecret, 0n).open(APP, fragmentOf(hex(V.serverApplicationDataRecord))), badRecordMac);
  });
});

describe('seal: exact bytes against node:crypto (AAD = header, nonce = iv ⊕ seq)', () => {
  const sequences = [0n, 1n, 0xffffffffn, 0x100000000n, 0x0102030405060708n, (1n << 64n) - 2n];
  for (const s of SUITES) {
    it(`${s.name}: sequences ${sequences.map((q) => `0x${q.toString(16)}`).join(', ')}`, () => {
      const { key, iv } = material(s);
      const content = crypto.randomBytes(300);
      for (const seq of sequences) {
        const p = new Tls13Protection(nodeCryptoProvider, s, key, iv, seq);
        assert.equal(p.sequence, seq);
        const record = p.seal(APP, content);
        assert.equal(toHex(record), refRecord(s, key, iv, seq, inner(content, APP)).toString('hex'), `seq ${seq}`);
        assert.equal(toHex(record.subarray(0, 5)), '170303' + (content.length + 1 + 16).toString(16).padStart(4, '0'));
        assert.equal(p.sequence, seq + 1n);
      }
    });
  }

  it('every record is outer type application_data with legacy_record_version 0x0303, whatever the inner type', () => {
    const { writer } = pair(AES128);
    for (const type of [ALERT, HANDSHAKE, APP]) {
      const record = writer.seal(type, Uint8Array.of(1, 2, 3));
      assert.deepEqual([...record.subarray(0, 5)], [23, 3, 3, 0, 3 + 1 + 16]);
    }
  });

  it('the header is the AAD: the same ciphertext does not authenticate with version 0x0301 in the AAD', () => {
    const { key, iv } = material(AES128);
    const record = new Tls13Protection(nodeCryptoProvider, AES128, key, iv).seal(APP, Uint8Array.of(9, 9, 9));
    const decipher = (aad: Uint8Array) => {
      const d = crypto.createDecipheriv('aes-128-gcm', key, iv, { authTagLength: 16 }); // seq 0: nonce = iv
      d.setAAD(aad);
      d.setAuthTag(record.subarray(record.length - 16));
      return Buffer.concat([d.update(record.subarray(5, record.length - 16)), d.final()]);
    };
    assert.equal(decipher(record.subarray(0, 5)).toString('hex'), '09090917');
    assert.throws(() => decipher(Uint8Array.of(23, 3, 1, 0, 20)));
  });

  it('the same bytes without the provider sealInto fast path', () => {
    const plain: CryptoProvider = {
      ...nodeCryptoProvider,
      aead: {
        keyLength: (alg) => nodeCryptoProvider.aead.keyLength(alg),
        create(alg, key): Aead {
          const real = nodeCryptoProvider.aead.create(alg, key);
          return { algorithm: real.algorithm, seal: (n, a, p) => real.seal(n, a, p), open: (n, a, c) => real.open(n, a, c) };
        },
      },
    };
    for (const s of SUITES) {
      const content = crypto.randomBytes(1000);
      const fast = pair(s, 7n).writer.seal(HANDSHAKE, content);
      const slow = pair(s, 7n, plain).writer.seal(HANDSHAKE, content);
      assert.equal(toHex(slow), toHex(fast), s.name);
    }
  });

  it('does not modify or keep the caller plaintext', () => {
    const { writer } = pair(CHACHA);
    const content = Uint8Array.from({ length: 64 }, (_, i) => i);
    const copy = content.slice();
    writer.seal(APP, content);
    assert.deepEqual(content, copy);
  });
});

describe('round trip', () => {
  for (const s of SUITES) {
    it(`${s.name}: lengths 0, 1, 255, 2^14; types alert, handshake, application_data; sequences advance`, () => {
      const { writer, reader } = pair(s);
      let n = 0;
      for (const length of [0, 1, 255, 1 << 14]) {
        for (const type of [ALERT, HANDSHAKE, APP]) {
          const content = crypto.randomBytes(length);
          const record = writer.seal(type, content);
          assert.equal(record.length, 5 + length + 1 + 16);
          const opened = reader.open(APP, fragmentOf(record));
          assert.equal(opened.type, type);
          assert.equal(toHex(opened.plaintext), toHex(content));
          n++;
          assert.equal(writer.sequence, BigInt(n));
          assert.equal(reader.sequence, BigInt(n));
          assert.equal(writer.recordsProtected, n);
          assert.equal(reader.recordsProtected, n);
        }
      }
    });
  }

  it('distinct sequence numbers give distinct ciphertexts for the same plaintext', () => {
    const { writer } = pair(AES128);
    const content = new Uint8Array(32);
    const a = writer.seal(APP, content);
    const b = writer.seal(APP, content);
    assert.notEqual(toHex(a), toHex(b));
  });
});

describe('open: padding and the inner content type (RFC 8446 §5.4)', () => {
  for (const s of SUITES) {
    it(`${s.name}: zero padding of 0, 1, 100 and up to the 2^14 + 1 limit is stripped`, () => {
      const { key, iv } = material(s);
      const content = Uint8Array.of(0x41, 0x00, 0x00); // content may itself end in zeros
      const cases: Array<[Uint8Array, number]> = [
        [inner(content, APP, 0), APP],
        [inner(content, HANDSHAKE, 1), HANDSHAKE],
        [inner(content, ALERT, 100), ALERT],
        [inner(new Uint8Array(0), APP, (1 << 14) + 1 - 1), APP], // empty application data, maximal padding
      ];
      let seq = 0n;
      const reader = new Tls13Protection(nodeCryptoProvider, s, key, iv);
      for (const [innerPlaintext, type] of cases) {
        const record = refRecord(s, key, iv, seq++, innerPlaintext);
        const opened = reader.open(APP, fragmentOf(record));
        assert.equal(opened.type, type);
        const expected = innerPlaintext.length > 1000 ? new Uint8Array(0) : content;
        assert.equal(toHex(opened.plaintext), toHex(expected));
      }
    });
  }

  it('an inner plaintext with no non-zero octet → unexpected_message (empty, 1 zero, 500 zeros)', () => {
    const { key, iv } = material(AES128);
    for (const zeros of [0, 1, 500]) {
      const reader = new Tls13Protection(nodeCryptoProvider, AES128, key, iv);
      assert.throws(() => reader.open(APP, fragmentOf(refRecord(AES128, key, iv, 0n, new Uint8Array(zeros)))), unexpectedMessage, `${zeros}`);
    }
  });

  it('a protected change_cipher_spec, or an unknown inner type (24, 255) → unexpected_message', () => {
    const { key, iv } = material(AES128);
    for (const type of [CCS, 24, 255]) {
      const reader = new Tls13Protection(nodeCryptoProvider, AES128, key, iv);
      assert.throws(() => reader.open(APP, fragmentOf(refRecord(AES128, key, iv, 0n, inner(Uint8Array.of(1), type)))), unexpectedMessage, `${type}`);
    }
  });

  it('an outer type other than application_data → unexpected_message (even for a valid record)', () => {
    const { writer } = pair(AES128);
    const record = writer.seal(HANDSHAKE, Uint8Array.of(1, 2, 3));
    for (const outer of [CCS, ALERT, HANDSHAKE, 0, 24]) {
      const { reader } = pair(AES128);
      assert.throws(() => reader.open(outer, fragmentOf(record)), unexpectedMessage, `${outer}`);
      assert.equal(reader.sequence, 0n);
    }
  });
});

describe('open: tampering → bad_record_mac, and nothing else moves', () => {
  for (const s of SUITES) {
    it(`${s.name}: every ciphertext and tag byte flipped; truncated; extended; too short for a tag`, () => {
      const { writer } = pair(s);
      const record = writer.seal(APP, crypto.randomBytes(40));
      const fragment = fragmentOf(record);
      for (let i = 0; i < fragment.length; i++) {
        const bad = fragment.slice();
        bad[i] = (bad[i] as number) ^ 0x01;
        const { reader } = pair(s);
        assert.throws(() => reader.open(APP, bad), badRecordMac, `byte ${i}`);
        assert.equal(reader.sequence, 0n);
        assert.equal(reader.recordsProtected, 0);
      }
      // A changed header length means a different fragment (and a different AAD).
      assert.throws(() => pair(s).reader.open(APP, fragment.subarray(0, fragment.length - 1)), badRecordMac);
      assert.throws(() => pair(s).reader.open(APP, Uint8Array.from([...fragment, 0])), badRecordMac);
      for (const n of [0, 1, 15]) assert.throws(() => pair(s).reader.open(APP, fragment.subarray(0, n)), badRecordMac, `${n} bytes`);
      // An empty inner plaintext is still a tag: 16 bytes authenticate, then fail §5.4.
      const { key, iv } = material(s);
      assert.throws(() => pair(s).reader.open(APP, fragmentOf(refRecord(s, key, iv, 0n, new Uint8Array(0)))), unexpectedMessage);
    });
  }

  it('replayed, reordered or dropped records → bad_record_mac', () => {
    const { writer, reader } = pair(AES128);
    const r0 = fragmentOf(writer.seal(APP, Uint8Array.of(0)));
    const r1 = fragmentOf(writer.seal(APP, Uint8Array.of(1)));
    const r2 = fragmentOf(writer.seal(APP, Uint8Array.of(2)));
    reader.open(APP, r0);
    assert.throws(() => reader.open(APP, r0), badRecordMac, 'replay');
    assert.throws(() => reader.open(APP, r2), badRecordMac, 'r1 dropped');
    assert.equal(toHex(reader.open(APP, r1).plaintext), '01');
  });

  it('a record under another key or IV → bad_record_mac', () => {
    const { key, iv } = material(AES128);
    const record = new Tls13Protection(nodeCryptoProvider, AES128, key, iv).seal(APP, Uint8Array.of(5));
    const otherIv = iv.slice();
    otherIv[11] = (otherIv[11] as number) ^ 1; // = seq 1 with the right iv
    assert.throws(() => new Tls13Protection(nodeCryptoProvider, AES128, key, otherIv).open(APP, fragmentOf(record)), badRecordMac);
    const otherKey = key.slice();
    otherKey[0] = (otherKey[0] as number) ^ 1;
    assert.throws(() => new Tls13Protection(nodeCryptoProvider, AES128, otherKey, iv).open(APP, fragmentOf(record)), badRecordMac);
  });
});

describe('limits', () => {
  it('seal: content over 2^14 → internal_error (our bug, never sent); exactly 2^14 is fine', () => {
    const { writer } = pair(AES128);
    assert.throws(() => writer.seal(APP, new Uint8Array((1 << 14) + 1)), internalError);
    assert.equal(writer.sequence, 0n);
    assert.equal(writer.seal(APP, new Uint8Array(1 << 14)).length, 5 + (1 << 14) + 1 + 16);
  });

  it('seal: inner type 0 (indistinguishable from padding) or not a byte → internal_error', () => {
    const { writer } = pair(AES128);
    for (const type of [0, -1, 256, 1.5]) assert.throws(() => writer.seal(type, Uint8Array.of(1)), internalError, `${type}`);
  });

  it('open: TLSCiphertext.length > 2^14 + 256 → record_overflow before any decryption', () => {
    const { reader } = pair(AES128);
    assert.throws(() => reader.open(APP, new Uint8Array((1 << 14) + 257)), recordOverflow);
    // At exactly 2^14 + 256 the length is accepted, and random bytes fail authentication.
    assert.throws(() => reader.open(APP, new Uint8Array((1 << 14) + 256)), badRecordMac);
  });

  it('open: authenticated inner plaintext over 2^14 + 1 → record_overflow; exactly 2^14 + 1 is fine', () => {
    const { key, iv } = material(CHACHA);
    const big = refRecord(CHACHA, key, iv, 0n, inner(new Uint8Array(1 << 14).fill(7), APP, 1)); // 2^14 + 2
    assert.ok(big.length - 5 <= (1 << 14) + 256);
    assert.throws(() => new Tls13Protection(nodeCryptoProvider, CHACHA, key, iv).open(APP, fragmentOf(big)), recordOverflow);
    const padded = refRecord(CHACHA, key, iv, 0n, inner(new Uint8Array(100).fill(7), APP, (1 << 14) - 100 + 1)); // 2^14 + 2
    assert.throws(() => new Tls13Protection(nodeCryptoProvider, CHACHA, key, iv).open(APP, fragmentOf(padded)), recordOverflow);
    const max = refRecord(CHACHA, key, iv, 0n, inner(new Uint8Array(1 << 14).fill(7), APP));
    assert.equal(new Tls13Protection(nodeCryptoProvider, CHACHA, key, iv).open(APP, fragmentOf(max)).plaintext.length, 1 << 14);
  });

  it('sequence numbers never wrap: the last usable one is 2^64 − 2, then internal_error (seal and open)', () => {
    const last = (1n << 64n) - 2n;
    const { writer, reader } = pair(AES128, last);
    const record = writer.seal(APP, Uint8Array.of(1));
    assert.equal(writer.sequence, (1n << 64n) - 1n);
    assert.throws(() => writer.seal(APP, Uint8Array.of(1)), internalError);
    assert.equal(toHex(reader.open(APP, fragmentOf(record)).plaintext), '01');
    assert.throws(() => reader.open(APP, fragmentOf(record)), internalError);
  });

  it('the 32-bit carry: 2^32 − 1 → 2^32', () => {
    const { writer, reader } = pair(CHACHA, 0xffffffffn);
    reader.open(APP, fragmentOf(writer.seal(APP, Uint8Array.of(1))));
    reader.open(APP, fragmentOf(writer.seal(APP, Uint8Array.of(2))));
    assert.equal(writer.sequence, 0x100000001n);
    assert.equal(reader.sequence, 0x100000001n);
  });

  it('the constructor refuses a sequence outside [0, 2^64) and an IV that is not 12 bytes', () => {
    const { key, iv } = material(AES128);
    assert.throws(() => new Tls13Protection(nodeCryptoProvider, AES128, key, iv, -1n), RangeError);
    assert.throws(() => new Tls13Protection(nodeCryptoProvider, AES128, key, iv, 1n << 64n), RangeError);
    assert.throws(() => new Tls13Protection(nodeCryptoProvider, AES128, key, iv.subarray(0, 4)), /12-byte IV/);
    assert.throws(() => new Tls13Protection(nodeCryptoProvider, AES128, new Uint8Array(32), iv), /16-byte key/);
  });

  it('AEAD_RECORD_LIMIT (RFC 8446 §5.5): 2^24.5 records for AES-GCM, 2^62 for ChaCha20-Poly1305', () => {
    assert.equal(AEAD_RECORD_LIMIT['aes-128-gcm'], 23726566);
    assert.equal(AEAD_RECORD_LIMIT['aes-256-gcm'], 23726566);
    assert.equal(AEAD_RECORD_LIMIT['chacha20-poly1305'], 2 ** 62);
    assert.ok(Object.isFrozen(AEAD_RECORD_LIMIT));
  });

  it('recordsProtected counts this key only, not the starting sequence number', () => {
    const { writer } = pair(AES256, 1000n);
    writer.seal(APP, Uint8Array.of(1));
    assert.equal(writer.recordsProtected, 1);
    assert.equal(writer.sequence, 1001n);
  });
});
