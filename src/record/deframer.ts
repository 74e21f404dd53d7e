import { AlertDescription, ContentType } from '../messages/enums.js';
import { LocalAlert } from '../errors.js';

/** One record as received: header fields and the (still protected) fragment. */
export interface RawRecord {
  readonly type: number;
  readonly version: number;
  readonly fragment: Uint8Array;
}

/** RFC 5246 §6.2.1: a TLSPlaintext fragment is at most 2^14 bytes. */
export const MAX_PLAINTEXT = 1 << 14;
/** RFC 5246 §6.2.3: TLSCiphertext may expand the fragment by at most 2048 bytes. */
export const MAX_CIPHERTEXT_TLS12 = MAX_PLAINTEXT + 2048;

const EMPTY = new Uint8Array(0);

/**
 * Splits the incoming byte stream into whole records. Bytes are appended to one growing buffer
 * and read from an offset, so reassembly is linear however the stream is cut (no concat per
 * chunk). Header checks happen as soon as the 5 header bytes are in, before buffering the body.
 */
export class Deframer {
  #buf = EMPTY;
  #start = 0;
  #end = 0;
  maxFragment = MAX_CIPHERTEXT_TLS12;

  push(bytes: Uint8Array): void {
    const needed = this.#end - this.#start + bytes.length;
    if (this.#end + bytes.length > this.#buf.length) {
      if (needed <= this.#buf.length && this.#start > 0) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        const next = new Uint8Array(Math.max(needed, this.#buf.length * 2, 4096));
        next.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = next;
      }
      this.#end -= this.#start;
      this.#start = 0;
    }
    this.#buf.set(bytes, this.#end);
    this.#end += bytes.length;
  }

  /** Bytes held that do not yet make a whole record. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /**
   * The next whole record, or undefined if more bytes are needed. The fragment is a view into
   * the internal buffer that stays valid only until the next push(): callers decrypt or copy it
   * before pushing again.
   */
  next(): RawRecord | undefined {
    const avail = this.#end - this.#start;
    if (avail < 5) {
      if (avail >= 1) this.#checkType(this.#buf[this.#start]!);
      // Nothing buffered: drop the buffer (it grows to the largest read, 64 KiB and more in bulk
      // transfers), so that an idle connection holds none (measured: bench/results.md, memory).
      else this.#buf = EMPTY;
      return undefined;
    }
    const b = this.#buf;
    const s = this.#start;
    const type = b[s]!;
    this.#checkType(type);
    const version = (b[s + 1]! << 8) | b[s + 2]!;
    // Every TLS record carries major version 3; anything else (e.g. an SSLv2 hello) is refused.
    if (b[s + 1] !== 3) throw new LocalAlert(AlertDescription.protocol_version, `record version 0x${version.toString(16)} is not TLS`);
    const length = (b[s + 3]! << 8) | b[s + 4]!;
    // RFC 5246 §6.2.3: a longer TLSCiphertext is a record_overflow, decided from the header alone.
    if (length > this.maxFragment) {
      throw new LocalAlert(AlertDescription.record_overflow, `record of ${length} bytes exceeds ${this.maxFragment}`);
    }
    if (avail < 5 + length) return undefined;
    this.#start += 5 + length;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return { type, version, fragment: b.subarray(s + 5, s + 5 + length) };
  }

  #checkType(type: number): void {
    // RFC 5246 §6: an unknown content type is an unexpected_message (this includes heartbeat, 24).
    if (type < ContentType.change_cipher_spec || type > ContentType.application_data) {
      throw new LocalAlert(AlertDescription.unexpected_message, `unknown record content type ${type}`);
    }
  }
}
