/**
 * TLS 1.2 AEAD record protection for one direction (RFC 5246 §6.2.3.3).
 *
 *   AAD   = seq_num(8) ‖ type(1) ‖ version 0x0303(2) ‖ plaintext length(2)
 *   GCM   (RFC 5288 §3):  nonce = salt(4, from the key block) ‖ nonce_explicit(8);
 *                         the record carries nonce_explicit ‖ ciphertext ‖ tag(16).
 *                         We SEND nonce_explicit = the 64-bit write sequence number, never a random
 *                         value (security.md REC-2; RFC 9325 §7.2.1); we RECEIVE whatever the peer sent.
 *   ChaCha20-Poly1305 (RFC 7905 §2): nonce = iv(12) XOR (0^32 ‖ seq_num(64)); no explicit nonce.
 *
 * The sequence number is a pair of uint32 (a JS number is exact only to 2^53) and never wraps
 * (RFC 5246 §6.1, security.md REC-3). Every open failure is the same bad_record_mac.
 */
import type { Aead, CryptoProvider } from '../crypto/provider.js';
import type { Tls12Suite } from '../crypto/suites.js';
import { LocalAlert } from '../errors.js';
import { AlertDescription } from '../messages/enums.js';
import type { PlainRecord, RecordProtection } from './protection.js';

const HEADER_LENGTH = 5;
const TAG_LENGTH = 16;
/** RFC 5246 §6.2.1: TLSPlaintext.length ≤ 2^14. */
const MAX_PLAINTEXT = 1 << 14;
/** RFC 5246 §6.2.3: TLSCiphertext.length ≤ 2^14 + 2048. */
const MAX_CIPHERTEXT = MAX_PLAINTEXT + 2048;
const TLS12 = 0x0303;

/**
 * An optional Aead extension: seal into the caller's array at `offset` (ciphertext ‖ 16-byte tag).
 * The Node provider has it; with it a record costs one allocation instead of two.
 */
export interface SealInto {
  sealInto(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void;
}

export class Tls12Protection implements RecordProtection {
  readonly #aead: Aead;
  /** The provider's optional in-place seal (one allocation per record), when it has one. */
  readonly #sealInto: SealInto['sealInto'] | undefined;
  /** GCM: the 4-byte salt; ChaCha20: the 12-byte IV. */
  readonly #iv: Uint8Array;
  readonly #explicitNonceLength: 8 | 0;
  #seqHi = 0;
  #seqLo = 0;

  /**
   * @param key the write key for this direction (client_write_key or server_write_key)
   * @param iv  the implicit IV for this direction, suite.fixedIvLength bytes
   * @param initialSequence for tests of the sequence limits only (REC-3); a new epoch starts at 0
   */
  constructor(provider: CryptoProvider, suite: Tls12Suite, key: Uint8Array, iv: Uint8Array, initialSequence = 0n) {
    if (iv.length !== suite.fixedIvLength) throw new Error(`${suite.name} needs a ${suite.fixedIvLength}-byte IV, got ${iv.length}`);
    if (initialSequence < 0n || initialSequence >= 1n << 64n) throw new RangeError('sequence number out of range');
    this.#aead = provider.aead.create(suite.aead, key);
    const into = (this.#aead as Partial<SealInto>).sealInto;
    this.#sealInto = typeof into === 'function' ? into.bind(this.#aead) : undefined;
    this.#iv = iv.slice();
    this.#explicitNonceLength = suite.explicitNonceLength;
    this.#seqHi = Number(initialSequence >> 32n);
    this.#seqLo = Number(initialSequence & 0xffffffffn);
  }

  /** The sequence number of the next record (RFC 5246 §6.1). */
  get sequence(): bigint {
    return (BigInt(this.#seqHi) << 32n) | BigInt(this.#seqLo);
  }

  seal(type: number, plaintext: Uint8Array): Uint8Array {
    if (plaintext.length > MAX_PLAINTEXT) {
      throw new LocalAlert(AlertDescription.internal_error, `record plaintext of ${plaintext.length} bytes exceeds 2^14`);
    }
    this.#checkSequence();
    const explicit = this.#explicitNonceLength;
    const nonce = this.#nonce(undefined);
    const aad = this.#aad(type, plaintext.length);

    const fragmentLength = explicit + plaintext.length + TAG_LENGTH;
    const record = new Uint8Array(HEADER_LENGTH + fragmentLength);
    record[0] = type;
    record[1] = TLS12 >>> 8;
    record[2] = TLS12 & 0xff;
    record[3] = fragmentLength >>> 8;
    record[4] = fragmentLength & 0xff;
    // RFC 5288 §3: nonce_explicit = our write sequence number (nonce[4..12] is exactly that).
    if (explicit !== 0) record.set(nonce.subarray(4), HEADER_LENGTH);
    if (this.#sealInto !== undefined) {
      this.#sealInto(nonce, aad, plaintext, record, HEADER_LENGTH + explicit);
    } else {
      const sealed = this.#aead.seal(nonce, aad, plaintext);
      if (sealed.length !== plaintext.length + TAG_LENGTH) throw new Error('AEAD returned a tag that is not 16 bytes');
      record.set(sealed, HEADER_LENGTH + explicit);
    }
    this.#increment();
    return record;
  }

  open(type: number, fragment: Uint8Array): PlainRecord {
    // RFC 5246 §6.2.3: a TLSCiphertext longer than 2^14 + 2048 → record_overflow.
    if (fragment.length > MAX_CIPHERTEXT) {
      throw new LocalAlert(AlertDescription.record_overflow, `record of ${fragment.length} bytes exceeds 2^14 + 2048`);
    }
    this.#checkSequence();
    const explicit = this.#explicitNonceLength;
    // Too short to hold the explicit nonce and the tag: the same alert as a bad tag (never say why).
    if (fragment.length < explicit + TAG_LENGTH) throw badRecordMac();
    const plaintextLength = fragment.length - explicit - TAG_LENGTH;
    const nonce = this.#nonce(explicit !== 0 ? fragment.subarray(0, explicit) : undefined);
    const plaintext = this.#aead.open(nonce, this.#aad(type, plaintextLength), fragment.subarray(explicit));
    // RFC 5246 §6.2.3.3: authentication failure → bad_record_mac.
    if (plaintext === null) throw badRecordMac();
    // RFC 5246 §6.2.1: TLSPlaintext.length MUST NOT exceed 2^14 → record_overflow.
    if (plaintext.length > MAX_PLAINTEXT) {
      throw new LocalAlert(AlertDescription.record_overflow, `record plaintext of ${plaintext.length} bytes exceeds 2^14`);
    }
    this.#increment();
    return { type, plaintext };
  }

  /** The 12-byte AEAD nonce for the current sequence number (or the peer's explicit nonce when opening GCM). */
  #nonce(received: Uint8Array | undefined): Uint8Array {
    const nonce = new Uint8Array(12);
    const iv = this.#iv;
    if (this.#explicitNonceLength !== 0) {
      nonce.set(iv, 0); // salt
      if (received !== undefined) nonce.set(received, 4);
      else writeSequence(nonce, 4, this.#seqHi, this.#seqLo);
    } else {
      writeSequence(nonce, 4, this.#seqHi, this.#seqLo);
      for (let i = 0; i < 12; i++) nonce[i] = (nonce[i] as number) ^ (iv[i] as number);
    }
    return nonce;
  }

  /** additional_data = seq_num ‖ TLSCompressed.type ‖ TLSCompressed.version ‖ TLSCompressed.length (RFC 5246 §6.2.3.3). */
  #aad(type: number, plaintextLength: number): Uint8Array {
    const aad = new Uint8Array(13);
    writeSequence(aad, 0, this.#seqHi, this.#seqLo);
    aad[8] = type;
    aad[9] = TLS12 >>> 8;
    aad[10] = TLS12 & 0xff;
    aad[11] = plaintextLength >>> 8;
    aad[12] = plaintextLength & 0xff;
    return aad;
  }

  /** RFC 5246 §6.1: sequence numbers do not wrap; we stop at 2^64 − 1 (security.md REC-3). */
  #checkSequence(): void {
    if (this.#seqHi === 0xffffffff && this.#seqLo === 0xffffffff) {
      throw new LocalAlert(AlertDescription.internal_error, 'record sequence number exhausted');
    }
  }

  #increment(): void {
    this.#seqLo = (this.#seqLo + 1) >>> 0;
    if (this.#seqLo === 0) this.#seqHi = (this.#seqHi + 1) >>> 0;
  }
}

function writeSequence(out: Uint8Array, at: number, hi: number, lo: number): void {
  out[at] = hi >>> 24;
  out[at + 1] = (hi >>> 16) & 0xff;
  out[at + 2] = (hi >>> 8) & 0xff;
  out[at + 3] = hi & 0xff;
  out[at + 4] = lo >>> 24;
  out[at + 5] = (lo >>> 16) & 0xff;
  out[at + 6] = (lo >>> 8) & 0xff;
  out[at + 7] = lo & 0xff;
}

function badRecordMac(): LocalAlert {
  return new LocalAlert(AlertDescription.bad_record_mac, 'record authentication failed');
}
