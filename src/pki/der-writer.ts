import { Tag } from './der-reader.js';

/**
 * DER encoders (ITU-T X.690 §10) for building certificates: each function returns one
 * complete element. Small and allocation-happy on purpose; certificates are a few KiB.
 */

/** tag ‖ definite minimal length ‖ contents. */
export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const len = contents.reduce((n, c) => n + c.length, 0);
  const head = [tag];
  if (len < 0x80) {
    head.push(len);
  } else {
    const octets: number[] = [];
    for (let n = len; n > 0; n = Math.floor(n / 256)) octets.unshift(n & 0xff);
    head.push(0x80 | octets.length, ...octets);
  }
  const out = new Uint8Array(head.length + len);
  out.set(head, 0);
  let at = head.length;
  for (const c of contents) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export const sequence = (...items: Uint8Array[]): Uint8Array => tlv(Tag.SEQUENCE, ...items);

/** SET OF: X.690 §11.6 orders the encodings as octet strings. */
export function setOf(...items: Uint8Array[]): Uint8Array {
  return tlv(Tag.SET, ...[...items].sort(compareBytes));
}

/** [n] EXPLICIT: wraps complete elements. */
export const explicit = (n: number, ...items: Uint8Array[]): Uint8Array => tlv(0xa0 | n, ...items);

/** [n] IMPLICIT over a primitive type: the contents with a context tag. */
export const implicitPrimitive = (n: number, contents: Uint8Array): Uint8Array => tlv(0x80 | n, contents);

export const nullValue = (): Uint8Array => tlv(Tag.NULL);

export const boolean = (v: boolean): Uint8Array => tlv(Tag.BOOLEAN, Uint8Array.of(v ? 0xff : 0x00));

/** INTEGER from a non-negative number or big-endian magnitude bytes (minimal, X.690 §8.3.2). */
export function integer(v: number | Uint8Array): Uint8Array {
  let bytes: Uint8Array;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`integer: ${v} is not a non-negative safe integer`);
    const o: number[] = [];
    for (let n = v; n > 0; n = Math.floor(n / 256)) o.unshift(n & 0xff);
    bytes = Uint8Array.from(o);
  } else {
    bytes = v;
  }
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  bytes = bytes.subarray(i);
  if (bytes.length === 0) bytes = Uint8Array.of(0);
  if (bytes[0]! & 0x80) return tlv(Tag.INTEGER, Uint8Array.of(0), bytes);
  return tlv(Tag.INTEGER, bytes);
}

/** OBJECT IDENTIFIER from dotted decimal (X.690 §8.19). */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((s) => {
    if (!/^\d+$/.test(s)) throw new RangeError(`oid: bad arc in "${dotted}"`);
    return Number(s);
  });
  if (arcs.length < 2 || arcs[0]! > 2 || (arcs[0]! < 2 && arcs[1]! >= 40)) throw new RangeError(`oid: bad "${dotted}"`);
  const out: number[] = [];
  const first = arcs[0]! * 40 + arcs[1]!;
  for (const arc of [first, ...arcs.slice(2)]) {
    const septets: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) septets.unshift((n & 0x7f) | 0x80);
    out.push(...septets);
  }
  return tlv(Tag.OBJECT_IDENTIFIER, Uint8Array.from(out));
}

export const octetString = (b: Uint8Array): Uint8Array => tlv(Tag.OCTET_STRING, b);

/** BIT STRING of whole octets. */
export const bitString = (b: Uint8Array): Uint8Array => tlv(Tag.BIT_STRING, Uint8Array.of(0), b);

/**
 * A named-bit BIT STRING (keyUsage): bit 0 is the most significant bit of the first octet;
 * X.690 §11.2.2 drops trailing zero bits.
 */
export function namedBits(bits: readonly number[]): Uint8Array {
  if (bits.length === 0) return tlv(Tag.BIT_STRING, Uint8Array.of(0));
  const highest = Math.max(...bits);
  const octets = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const b of bits) octets[b >> 3]! |= 0x80 >> (b & 7);
  const unused = 7 - (highest & 7);
  return tlv(Tag.BIT_STRING, Uint8Array.of(unused), octets);
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

export const utf8String = (s: string): Uint8Array => tlv(Tag.UTF8String, new TextEncoder().encode(s));

export function printableString(s: string): Uint8Array {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s)) throw new RangeError(`printableString: "${s}" has characters outside PrintableString`);
  return tlv(Tag.PrintableString, ascii(s));
}

export function ia5String(s: string): Uint8Array {
  if (!/^[\x00-\x7f]*$/.test(s)) throw new RangeError(`ia5String: "${s}" is not ASCII`);
  return tlv(Tag.IA5String, ascii(s));
}

/**
 * RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime (YYYYMMDDHHMMSSZ)
 * from 2050 on; seconds always present, no fractions.
 */
export function time(d: Date): Uint8Array {
  const y = d.getUTCFullYear();
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const rest = `${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}${p2(d.getUTCHours())}${p2(d.getUTCMinutes())}${p2(d.getUTCSeconds())}Z`;
  if (y >= 1950 && y < 2050) return tlv(Tag.UTCTime, ascii(`${p2(y % 100)}${rest}`));
  if (y < 0 || y > 9999) throw new RangeError(`time: year ${y} cannot be encoded`);
  return tlv(Tag.GeneralizedTime, ascii(`${String(y).padStart(4, '0')}${rest}`));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
