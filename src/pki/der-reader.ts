import { DecodeError } from '../codec/reader.js';

/**
 * A bounded reader for DER (ITU-T X.690 §10): definite, minimally encoded lengths and
 * single-byte tags only, which is all an X.509 certificate uses. Every length is checked
 * against what remains, so malformed input is a DecodeError, never an out-of-bounds read.
 */

/** Universal and context tags used in certificates (X.690 §8.1.2: class | constructed | number). */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OBJECT_IDENTIFIER: 0x06,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** [n] with the constructed bit (EXPLICIT, or IMPLICIT over a constructed type). */
export const contextConstructed = (n: number): number => 0xa0 | n;
/** [n] IMPLICIT over a primitive type. */
export const contextPrimitive = (n: number): number => 0x80 | n;

export interface Tlv {
  readonly tag: number;
  /** The whole element: tag, length and contents. */
  readonly raw: Uint8Array;
  /** The contents octets only. */
  readonly value: Uint8Array;
}

/** Reads consecutive elements from `bytes` (the contents of a constructed element). */
export class DerReader {
  #pos = 0;

  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.#pos >= this.bytes.length;
  }

  peekTag(): number | undefined {
    return this.done ? undefined : this.bytes[this.#pos];
  }

  /** The next element; throws unless its tag is `tag` (when given). */
  read(tag: number | undefined, what: string): Tlv {
    const start = this.#pos;
    const b = this.bytes;
    if (start >= b.length) throw new DecodeError(`${what}: missing`);
    const t = b[start]!;
    if ((t & 0x1f) === 0x1f) throw new DecodeError(`${what}: multi-byte tags are not used in X.509`);
    if (tag !== undefined && t !== tag) {
      throw new DecodeError(`${what}: expected tag 0x${hex2(tag)}, got 0x${hex2(t)}`);
    }
    let p = start + 1;
    if (p >= b.length) throw new DecodeError(`${what}: missing length`);
    const first = b[p++]!;
    let len: number;
    if (first < 0x80) {
      len = first;
    } else {
      const n = first & 0x7f;
      // X.690 §10.1: definite form, minimal octets; 0x80 (indefinite) is BER only.
      if (n === 0) throw new DecodeError(`${what}: indefinite length is not DER`);
      if (n > 4) throw new DecodeError(`${what}: length of ${n} octets is too large`);
      if (p + n > b.length) throw new DecodeError(`${what}: truncated length`);
      if (b[p] === 0) throw new DecodeError(`${what}: length has a leading zero octet`);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[p++]!;
      if (len < 0x80) throw new DecodeError(`${what}: long-form length ${len} is not minimal`);
    }
    if (len > b.length - p) throw new DecodeError(`${what}: length ${len} exceeds the ${b.length - p} bytes left`);
    this.#pos = p + len;
    return { tag: t, raw: b.subarray(start, p + len), value: b.subarray(p, p + len) };
  }

  /** The next element if it has tag `tag`, else undefined (OPTIONAL / DEFAULT fields). */
  optional(tag: number, what: string): Tlv | undefined {
    return this.peekTag() === tag ? this.read(tag, what) : undefined;
  }

  /** Throws if anything is left over. */
  end(what: string): void {
    if (!this.done) throw new DecodeError(`${what}: ${this.bytes.length - this.#pos} unexpected trailing bytes`);
  }
}

/** Exactly one element filling `bytes`. */
export function readDer(bytes: Uint8Array, tag: number, what: string): Tlv {
  const r = new DerReader(bytes);
  const tlv = r.read(tag, what);
  r.end(what);
  return tlv;
}

/** OBJECT IDENTIFIER contents (X.690 §8.19) → dotted decimal. */
export function decodeOid(value: Uint8Array, what = 'OBJECT IDENTIFIER'): string {
  if (value.length === 0) throw new DecodeError(`${what}: empty`);
  const arcs: number[] = [];
  let acc = 0;
  let started = false;
  for (let i = 0; i < value.length; i++) {
    const b = value[i]!;
    if (!started && b === 0x80) throw new DecodeError(`${what}: sub-identifier has a leading 0x80`);
    started = true;
    acc = acc * 128 + (b & 0x7f);
    if (acc > Number.MAX_SAFE_INTEGER / 128) throw new DecodeError(`${what}: sub-identifier too large`);
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0;
      started = false;
    }
  }
  if (started) throw new DecodeError(`${what}: truncated sub-identifier`);
  const head = arcs[0]!;
  const first = head < 40 ? 0 : head < 80 ? 1 : 2;
  return [first, head - first * 40, ...arcs.slice(1)].join('.');
}

/** BOOLEAN contents: DER allows only 0x00 and 0xff (X.690 §11.1). */
export function decodeBoolean(value: Uint8Array, what = 'BOOLEAN'): boolean {
  if (value.length !== 1 || (value[0] !== 0 && value[0] !== 0xff)) throw new DecodeError(`${what}: not a DER BOOLEAN`);
  return value[0] === 0xff;
}

/** A non-negative INTEGER that fits a JS number (path lengths, versions). */
export function decodeSmallUnsigned(value: Uint8Array, what = 'INTEGER'): number {
  checkIntegerEncoding(value, what);
  if (value[0]! & 0x80) throw new DecodeError(`${what}: negative`);
  if (value.length > 6) throw new DecodeError(`${what}: too large`);
  let n = 0;
  for (const b of value) n = n * 256 + b;
  return n;
}

/** X.690 §8.3.2: at least one octet, and no redundant leading 0x00/0xff octet. */
export function checkIntegerEncoding(value: Uint8Array, what = 'INTEGER'): void {
  if (value.length === 0) throw new DecodeError(`${what}: empty`);
  if (value.length > 1) {
    const a = value[0]!;
    const b = value[1]!;
    if ((a === 0x00 && (b & 0x80) === 0) || (a === 0xff && (b & 0x80) !== 0)) {
      throw new DecodeError(`${what}: not minimally encoded`);
    }
  }
}

/**
 * UTCTime / GeneralizedTime as RFC 5280 §4.1.2.5 profiles them: UTC ("Z"), with seconds,
 * no fractions. UTCTime years 50–99 are 19xx, 00–49 are 20xx.
 */
export function decodeTime(tlv: Tlv, what = 'Time'): Date {
  // The longest valid form is 15 characters; a longer value is rejected before it is spread into arguments.
  if (tlv.value.length > 15) throw new DecodeError(`${what}: ${tlv.value.length} octets is too long for a time`);
  const s = String.fromCharCode(...tlv.value);
  let m: RegExpExecArray | null;
  let year: number;
  if (tlv.tag === Tag.UTCTime) {
    m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
    if (!m) throw new DecodeError(`${what}: malformed UTCTime "${s}"`);
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (tlv.tag === Tag.GeneralizedTime) {
    m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
    if (!m) throw new DecodeError(`${what}: malformed GeneralizedTime "${s}"`);
    year = Number(m[1]);
  } else {
    throw new DecodeError(`${what}: expected UTCTime or GeneralizedTime, got tag 0x${hex2(tlv.tag)}`);
  }
  const [mo, d, h, mi, se] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const t = Date.UTC(year, mo - 1, d, h, mi, se);
  const back = new Date(t);
  // Reject day 31 of a 30-day month and the like, which Date.UTC would roll over.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) {
    throw new DecodeError(`${what}: invalid date "${s}"`);
  }
  if (year < 100) back.setUTCFullYear(year); // Date.UTC maps years 0–99 to 1900–1999
  return back;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
