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
 * Splits the incoming byte stream into whole records, without copying the records that arrive
 * whole. Records are parsed in place in the array the caller pushed; only a record cut by the
 * end of an array is copied, into the deframer's own "carry" buffer, and completed from the next
 * array. So a 64 KiB socket read costs at most one record's copy, not a copy of the read, and
 * the caller may reuse its array once next() has returned undefined. Header checks happen as soon
 * as the 5 header bytes are in, before buffering the body.
 */
export class Deframer {
  /** The caller's last array, parsed in place from #pos. */
  #src: Uint8Array = EMPTY;
  #pos = 0;
  /** Our own copy of bytes cut by the end of an array: [#carryStart, #carried) of #carry. */
  #carry = EMPTY;
  #carryStart = 0;
  #carried = 0;
  maxFragment = MAX_CIPHERTEXT_TLS12;

  push(bytes: Uint8Array): void {
    // What the caller left unread of its previous array (it stopped calling next(), e.g. after a
    // close_notify) is kept, so that nothing refers to that array any more.
    if (this.#pos < this.#src.length) this.#stash(this.#src.subarray(this.#pos));
    this.#src = bytes;
    this.#pos = 0;
  }

  /** Bytes held that do not yet make a whole record. */
  get buffered(): number {
    return this.#carried - this.#carryStart + this.#src.length - this.#pos;
  }

  /**
   * The next whole record, or undefined if more bytes are needed. The fragment is a view into the
   * caller's array or into the carry buffer, valid only until the next call of next() or push():
   * callers decrypt or copy it first.
   */
  next(): RawRecord | undefined {
    if (this.#carried > this.#carryStart) return this.#nextCarried();
    const b = this.#src;
    const s = this.#pos;
    const avail = b.length - s;
    if (avail >= 5) {
      const length = this.#header(b, s);
      if (avail >= 5 + length) {
        this.#pos = s + 5 + length;
        if (this.#pos === b.length) (this.#src = EMPTY), (this.#pos = 0); // do not hold the caller's array
        return { type: b[s]!, version: (b[s + 1]! << 8) | b[s + 2]!, fragment: b.subarray(s + 5, s + 5 + length) };
      }
    } else if (avail >= 1) {
      this.#checkType(b, s, avail);
    }
    // The array ends inside a record: copy that part, so the caller may reuse its array.
    if (avail > 0) this.#stash(b.subarray(s));
    this.#src = EMPTY;
    this.#pos = 0;
    // Nothing held: drop the carry buffer, so that an idle connection holds none (measured:
    // bench/results.md, memory).
    if (this.#carried === 0) this.#carry = EMPTY;
    return undefined;
  }

  /** The record that starts in the carry buffer, completed from the caller's array when needed. */
  #nextCarried(): RawRecord | undefined {
    if (this.#carried - this.#carryStart < 5) {
      this.#take(5 - (this.#carried - this.#carryStart));
      if (this.#carried - this.#carryStart < 5) {
        this.#checkType(this.#carry, this.#carryStart, this.#carried - this.#carryStart);
        return undefined;
      }
    }
    const total = 5 + this.#header(this.#carry, this.#carryStart);
    if (this.#carried - this.#carryStart < total) {
      this.#take(total - (this.#carried - this.#carryStart));
      if (this.#carried - this.#carryStart < total) return undefined;
    }
    const c = this.#carry;
    const s = this.#carryStart;
    this.#carryStart += total;
    if (this.#carryStart === this.#carried) this.#carryStart = this.#carried = 0;
    return { type: c[s]!, version: (c[s + 1]! << 8) | c[s + 2]!, fragment: c.subarray(s + 5, s + total) };
  }

  /** Moves up to n bytes from the caller's array into the carry buffer. */
  #take(n: number): void {
    const k = Math.min(n, this.#src.length - this.#pos);
    if (k === 0) return;
    this.#stash(this.#src.subarray(this.#pos, this.#pos + k));
    this.#pos += k;
  }

  /** Appends bytes to the carry buffer (compacting or growing it; a bulk transfer reuses one). */
  #stash(bytes: Uint8Array): void {
    const held = this.#carried - this.#carryStart;
    if (this.#carried + bytes.length > this.#carry.length) {
      if (held + bytes.length <= this.#carry.length) {
        this.#carry.copyWithin(0, this.#carryStart, this.#carried);
      } else {
        const next = new Uint8Array(Math.max(held + bytes.length, 4096));
        next.set(this.#carry.subarray(this.#carryStart, this.#carried));
        this.#carry = next;
      }
      this.#carryStart = 0;
      this.#carried = held;
    }
    this.#carry.set(bytes, this.#carried);
    this.#carried += bytes.length;
  }

  /** Checks the 5-byte header at `s` of `b`; returns the fragment length. */
  #header(b: Uint8Array, s: number): number {
    this.#checkType(b, s, 5);
    // Every TLS record carries major version 3; anything else (e.g. an SSLv2 hello) is refused.
    if (b[s + 1] !== 3) {
      const version = (b[s + 1]! << 8) | b[s + 2]!;
      throw new LocalAlert(AlertDescription.protocol_version, `record version 0x${version.toString(16)} is not TLS`, notTlsCode(b, s, 5));
    }
    const length = (b[s + 3]! << 8) | b[s + 4]!;
    // RFC 5246 §6.2.3: a longer TLSCiphertext is a record_overflow, decided from the header alone.
    if (length > this.maxFragment) {
      throw new LocalAlert(AlertDescription.record_overflow, `record of ${length} bytes exceeds ${this.maxFragment}`);
    }
    return length;
  }

  /** Checks the content type of the header at `s` of `b`, of which `avail` bytes are in. */
  #checkType(b: Uint8Array, s: number, avail: number): void {
    const type = b[s]!;
    // RFC 5246 §6: an unknown content type is an unexpected_message (this includes heartbeat, 24).
    if (type < ContentType.change_cipher_spec || type > ContentType.application_data) {
      // Followed by no major version 3, it is no TLS at all: the alert stays, the code says so.
      const code = avail >= 2 && b[s + 1] !== 3 ? notTlsCode(b, s, avail) : undefined;
      throw new LocalAlert(AlertDescription.unexpected_message, `unknown record content type ${type}${code ? ' (the bytes are not TLS)' : ''}`, code);
    }
  }
}

/**
 * The code for a record header whose version is not TLS's, as OpenSSL (hence node:tls) words it:
 * a plain-HTTP request or proxy CONNECT has its own, anything else is a wrong version number.
 */
function notTlsCode(b: Uint8Array, s: number, avail: number): string {
  const start = String.fromCharCode(...b.subarray(s, s + Math.min(avail, 5)));
  if (/^(GET |POST|HEAD|PUT )/.test(start)) return 'ERR_SSL_HTTP_REQUEST';
  if (start === 'CONNE') return 'ERR_SSL_HTTPS_PROXY_REQUEST';
  return 'ERR_SSL_WRONG_VERSION_NUMBER';
}
