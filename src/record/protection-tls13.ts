/**
 * TLS 1.3 record protection for one direction of one traffic secret (RFC 8446 §5.2–5.5).
 *
 *   TLSInnerPlaintext = content ‖ ContentType type ‖ zeros[padding]   (we send no padding)
 *   TLSCiphertext     = opaque_type 23 ‖ legacy_record_version 0x0303 ‖ length(2) ‖ encrypted_record
 *   AAD               = the 5-byte TLSCiphertext header (§5.2)
 *   nonce             = write_iv XOR the 64-bit sequence number left-padded to 12 bytes (§5.3)
 *
 * The sequence number starts at 0 for each new traffic key, is a pair of uint32 (a JS number is
 * exact only to 2^53) and never wraps (§5.3, security.md REC-3): at 2^64 − 1 we refuse with
 * internal_error. `recordsProtected` and AEAD_RECORD_LIMIT let the caller send a KeyUpdate before
 * the AEAD's usage limit (§5.5).
 *
 * The record's legacy_record_version is not passed to open(): the AAD always uses 0x0303, so a
 * protected record with any other version fails authentication (bad_record_mac).
 */
import type { Aead, AeadAlgorithm, CryptoProvider } from '../crypto/provider.js';
import type { Tls13Suite } from '../crypto/suites.js';
import { LocalAlert } from '../errors.js';
import { AlertDescription, ContentType } from '../messages/enums.js';
import type { PlainRecord, RecordProtection } from './protection.js';

const HEADER_LENGTH = 5;
const TAG_LENGTH = 16;
const IV_LENGTH = 12;
/** RFC 8446 §5.1: TLSPlaintext.length ≤ 2^14. */
const MAX_PLAINTEXT = 1 << 14;
/** RFC 8446 §5.4: the full encoded TLSInnerPlaintext ≤ 2^14 + 1 (content, type and padding). */
const MAX_INNER_PLAINTEXT = MAX_PLAINTEXT + 1;
/** RFC 8446 §5.2: TLSCiphertext.length ≤ 2^14 + 256. */
const MAX_CIPHERTEXT = MAX_PLAINTEXT + 256;
const TLS12 = 0x0303;

/**
 * How many records one key may protect (RFC 8446 §5.5). AES-GCM: 2^24.5 full-size records keep
 * the safety margin at about 2^-57. ChaCha20-Poly1305: the sequence number runs out first; 2^62
 * is a round bound well below it. A connection must send KeyUpdate (or close) before reaching the
 * limit; security.md REC-3 asks for KeyUpdate at ≤ 2^24 for AES-GCM.
 */
export const AEAD_RECORD_LIMIT: Readonly<Record<AeadAlgorithm, number>> = Object.freeze({
  'aes-128-gcm': Math.floor(2 ** 24.5), // 23 726 566
  'aes-256-gcm': Math.floor(2 ** 24.5),
  'chacha20-poly1305': 2 ** 62,
});

export class Tls13Protection implements RecordProtection {
  readonly #aead: Aead;
  /** The provider has Aead.sealInto: records are sealed inside the output array (no array per record). */
  readonly #fast: boolean;
  readonly #iv: Uint8Array;
  /**
   * Scratch for the per-record nonce and AAD, reused for every record: the AEAD reads them during
   * the call and keeps no reference (Aead contract), so nothing is allocated for them per record.
   */
  readonly #nonceScratch = new Uint8Array(IV_LENGTH);
  readonly #aadScratch = new Uint8Array(HEADER_LENGTH);
  #seqHi = 0;
  #seqLo = 0;
  #records = 0;

  /**
   * @param key the [sender]_write_key from trafficKeys() (RFC 8446 §7.3)
   * @param iv  the 12-byte [sender]_write_iv
   * @param initialSequence for tests of the sequence limits only (REC-3); a new key starts at 0
   */
  constructor(provider: CryptoProvider, suite: Tls13Suite, key: Uint8Array, iv: Uint8Array, initialSequence = 0n) {
    if (iv.length !== IV_LENGTH) throw new Error(`${suite.name} needs a ${IV_LENGTH}-byte IV, got ${iv.length}`);
    if (initialSequence < 0n || initialSequence >= 1n << 64n) throw new RangeError('sequence number out of range');
    this.#aead = provider.aead.create(suite.aead, key);
    this.#fast = typeof this.#aead.sealInto === 'function';
    this.#iv = iv.slice();
    this.#seqHi = Number(initialSequence >> 32n);
    this.#seqLo = Number(initialSequence & 0xffffffffn);
  }

  /** The sequence number of the next record (RFC 8446 §5.3). */
  get sequence(): bigint {
    return (BigInt(this.#seqHi) << 32n) | BigInt(this.#seqLo);
  }

  /** Records sealed or successfully opened with this key; compare with AEAD_RECORD_LIMIT (RFC 8446 §5.5). */
  get recordsProtected(): number {
    return this.#records;
  }

  /**
   * Protects one record of content type `type` (alert, handshake or application_data); returns the
   * whole TLSCiphertext in one new array.
   */
  seal(type: number, plaintext: Uint8Array): Uint8Array {
    checkPlaintextLength(plaintext.length);
    const record = new Uint8Array(this.sealedLength(plaintext.length));
    this.sealInto(type, plaintext, record, 0);
    return record;
  }

  /** 5-byte header + content + 1 content-type byte + 16-byte tag (we send no padding). */
  sealedLength(plaintextLength: number): number {
    return HEADER_LENGTH + plaintextLength + 1 + TAG_LENGTH;
  }

  /**
   * seal() into `out` at `offset`; returns the offset after the record. TLSInnerPlaintext
   * (content ‖ type) is assembled in its place in `out` and sealed in place. That copies the
   * content once, on purpose: sealing it straight from the caller's array would need a second
   * AEAD update() for the type byte, which costs more than the copy (≈ 1 µs against ≈ 0.4 µs
   * per 16 KiB record, measured).
   */
  sealInto(type: number, plaintext: Uint8Array, out: Uint8Array, offset: number): number {
    checkPlaintextLength(plaintext.length);
    // A zero type would be stripped as padding by the peer (§5.4); only real content types go inside.
    if (!Number.isInteger(type) || type < 1 || type > 255) {
      throw new LocalAlert(AlertDescription.internal_error, `cannot protect a record of content type ${type}`);
    }
    const innerLength = plaintext.length + 1;
    const fragmentLength = innerLength + TAG_LENGTH;
    const body = offset + HEADER_LENGTH;
    const end = body + fragmentLength;
    if (offset < 0 || end > out.length) throw new RangeError('sealInto: output too small');
    this.#checkSequence();
    out[offset] = ContentType.application_data; // opaque_type (§5.2)
    out[offset + 1] = TLS12 >>> 8;
    out[offset + 2] = TLS12 & 0xff;
    out[offset + 3] = fragmentLength >>> 8;
    out[offset + 4] = fragmentLength & 0xff;
    out.set(plaintext, body);
    out[body + plaintext.length] = type;
    const inner = out.subarray(body, body + innerLength);
    const aad = this.#aad(fragmentLength); // = the header just written (§5.2)
    const nonce = this.#nonce();
    if (this.#fast) {
      this.#aead.sealInto!(nonce, aad, inner, out, body);
    } else {
      const sealed = this.#aead.seal(nonce, aad, inner);
      if (sealed.length !== innerLength + TAG_LENGTH) throw new Error('AEAD returned a tag that is not 16 bytes');
      out.set(sealed, body);
    }
    this.#increment();
    return end;
  }

  /**
   * Deprotects one record whose header said `outerType` and whose body is `fragment`; returns the
   * real content type and content. The caller drops the compatibility change_cipher_spec
   * (§5, Appendix D.4) before calling this.
   */
  open(outerType: number, fragment: Uint8Array): PlainRecord {
    // §5.2: every protected record has opaque_type application_data; anything else is not ours to open.
    if (outerType !== ContentType.application_data) {
      throw new LocalAlert(AlertDescription.unexpected_message, `protected record with outer content type ${outerType}`);
    }
    // §5.2: TLSCiphertext.length > 2^14 + 256 → record_overflow.
    if (fragment.length > MAX_CIPHERTEXT) {
      throw new LocalAlert(AlertDescription.record_overflow, `record of ${fragment.length} bytes exceeds 2^14 + 256`);
    }
    this.#checkSequence();
    // Too short to hold a tag: the same alert as a bad tag.
    if (fragment.length < TAG_LENGTH) throw badRecordMac();
    const inner = this.#aead.open(this.#nonce(), this.#aad(fragment.length), fragment);
    // §5.2: authentication failure → bad_record_mac.
    if (inner === null) throw badRecordMac();
    // §5.4: the full TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets → record_overflow.
    if (inner.length > MAX_INNER_PLAINTEXT) {
      inner.fill(0);
      throw new LocalAlert(AlertDescription.record_overflow, `inner plaintext of ${inner.length} bytes exceeds 2^14 + 1`);
    }
    // §5.4: the content type is the last non-zero octet; all zeros → unexpected_message.
    let end = inner.length - 1;
    while (end >= 0 && inner[end] === 0) end--;
    if (end < 0) throw new LocalAlert(AlertDescription.unexpected_message, 'protected record has no non-zero content type');
    const type = inner[end] as number;
    // §5: only alert, handshake and application_data are protected; a protected change_cipher_spec
    // (or any unknown type, e.g. heartbeat 24) → unexpected_message.
    if (type !== ContentType.alert && type !== ContentType.handshake && type !== ContentType.application_data) {
      inner.fill(0);
      throw new LocalAlert(AlertDescription.unexpected_message, `protected record of content type ${type}`);
    }
    this.#increment();
    return { type, plaintext: inner.subarray(0, end) };
  }

  /** AAD = the TLSCiphertext header: application_data, 0x0303, length (RFC 8446 §5.2). In the scratch array. */
  #aad(fragmentLength: number): Uint8Array {
    const aad = this.#aadScratch;
    aad[0] = ContentType.application_data;
    aad[1] = TLS12 >>> 8;
    aad[2] = TLS12 & 0xff;
    aad[3] = fragmentLength >>> 8;
    aad[4] = fragmentLength & 0xff;
    return aad;
  }

  /** nonce = iv XOR (0^32 ‖ seq_num(64)) (RFC 8446 §5.3), in the scratch array. */
  #nonce(): Uint8Array {
    const nonce = this.#nonceScratch;
    nonce.set(this.#iv);
    const hi = this.#seqHi;
    const lo = this.#seqLo;
    nonce[4] = (nonce[4] as number) ^ (hi >>> 24);
    nonce[5] = (nonce[5] as number) ^ ((hi >>> 16) & 0xff);
    nonce[6] = (nonce[6] as number) ^ ((hi >>> 8) & 0xff);
    nonce[7] = (nonce[7] as number) ^ (hi & 0xff);
    nonce[8] = (nonce[8] as number) ^ (lo >>> 24);
    nonce[9] = (nonce[9] as number) ^ ((lo >>> 16) & 0xff);
    nonce[10] = (nonce[10] as number) ^ ((lo >>> 8) & 0xff);
    nonce[11] = (nonce[11] as number) ^ (lo & 0xff);
    return nonce;
  }

  /** RFC 8446 §5.3: sequence numbers do not wrap; we stop at 2^64 − 1 (security.md REC-3). */
  #checkSequence(): void {
    if (this.#seqHi === 0xffffffff && this.#seqLo === 0xffffffff) {
      throw new LocalAlert(AlertDescription.internal_error, 'record sequence number exhausted');
    }
  }

  #increment(): void {
    this.#seqLo = (this.#seqLo + 1) >>> 0;
    if (this.#seqLo === 0) this.#seqHi = (this.#seqHi + 1) >>> 0;
    this.#records++;
  }
}

/** §5.1: TLSPlaintext.length ≤ 2^14 (we never send more; this is a bug check, hence internal_error). */
function checkPlaintextLength(length: number): void {
  if (length > MAX_PLAINTEXT) {
    throw new LocalAlert(AlertDescription.internal_error, `record plaintext of ${length} bytes exceeds 2^14`);
  }
}

function badRecordMac(): LocalAlert {
  return new LocalAlert(AlertDescription.bad_record_mac, 'record authentication failed');
}
