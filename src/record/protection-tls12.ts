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

export class Tls12Protection implements RecordProtection {
  readonly #aead: Aead;
  /** The provider has Aead.sealInto: records are sealed inside the output array (no array per record). */
  readonly #fast: boolean;
  /** GCM: the 4-byte salt; ChaCha20: the 12-byte IV. */
  readonly #iv: Uint8Array;
  /**
   * Scratch for the per-record nonce and AAD, reused for every record: the AEAD reads them during
   * the call and keeps no reference (Aead contract), so nothing is allocated for them per record.
   */
  readonly #nonceScratch = new Uint8Array(12);
  readonly #aadScratch = new Uint8Array(13);
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
    this.#fast = typeof this.#aead.sealInto === 'function';
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
    checkPlaintextLength(plaintext.length);
    const record = new Uint8Array(this.sealedLength(plaintext.length));
    this.sealInto(type, plaintext, record, 0);
    return record;
  }

  /** 5-byte header + explicit nonce (GCM: 8, ChaCha20: 0) + content + 16-byte tag. */
  sealedLength(plaintextLength: number): number {
    return HEADER_LENGTH + this.#explicitNonceLength + plaintextLength + TAG_LENGTH;
  }

  /**
   * seal() into `out` at `offset`; returns the offset after the record. With the provider's
   * Aead.sealInto the content is encrypted straight from the caller's array into `out`.
   */
  sealInto(type: number, plaintext: Uint8Array, out: Uint8Array, offset: number): number {
    checkPlaintextLength(plaintext.length);
    const explicit = this.#explicitNonceLength;
    const fragmentLength = explicit + plaintext.length + TAG_LENGTH;
    const body = offset + HEADER_LENGTH + explicit;
    const end = offset + HEADER_LENGTH + fragmentLength;
    if (offset < 0 || end > out.length) throw new RangeError('sealInto: output too small');
    this.#checkSequence();
    const nonce = this.#nonce(undefined);
    const aad = this.#aad(type, plaintext.length);
    out[offset] = type;
    out[offset + 1] = TLS12 >>> 8;
    out[offset + 2] = TLS12 & 0xff;
    out[offset + 3] = fragmentLength >>> 8;
    out[offset + 4] = fragmentLength & 0xff;
    // RFC 5288 §3: nonce_explicit = our write sequence number (nonce[4..12] is exactly that).
    if (explicit !== 0) out.set(nonce.subarray(4), offset + HEADER_LENGTH);
    if (this.#fast) {
      this.#aead.sealInto!(nonce, aad, plaintext, out, body);
    } else {
      const sealed = this.#aead.seal(nonce, aad, plaintext);
      if (sealed.length !== plaintext.length + TAG_LENGTH) throw new Error('AEAD returned a tag that is not 16 bytes');
      out.set(sealed, body);
    }
    this.#increment();
    return end;
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

  /** The 12-byte AEAD nonce for the current sequence number (or the peer's explicit nonce when opening GCM), in the scratch array. */
  #nonce(received: Uint8Array | undefined): Uint8Array {
    const nonce = this.#nonceScratch;
    const iv = this.#iv;
    if (this.#explicitNonceLength !== 0) {
      nonce.set(iv, 0); // salt
      if (received !== undefined) nonce.set(received, 4);
      else writeSequence(nonce, 4, this.#seqHi, this.#seqLo);
    } else {
      nonce.fill(0, 0, 4); // the scratch still holds the last nonce
      writeSequence(nonce, 4, this.#seqHi, this.#seqLo);
      for (let i = 0; i < 12; i++) nonce[i] = (nonce[i] as number) ^ (iv[i] as number);
    }
    return nonce;
  }

  /** additional_data = seq_num ‖ TLSCompressed.type ‖ TLSCompressed.version ‖ TLSCompressed.length (RFC 5246 §6.2.3.3). */
  #aad(type: number, plaintextLength: number): Uint8Array {
    const aad = this.#aadScratch;
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

/** RFC 5246 §6.2.1: TLSPlaintext.length ≤ 2^14 (we never send more; this is a bug check, hence internal_error). */
function checkPlaintextLength(length: number): void {
  if (length > MAX_PLAINTEXT) {
    throw new LocalAlert(AlertDescription.internal_error, `record plaintext of ${length} bytes exceeds 2^14`);
  }
}

function badRecordMac(): LocalAlert {
  return new LocalAlert(AlertDescription.bad_record_mac, 'record authentication failed');
}
