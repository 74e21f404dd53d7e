import { DecodeError } from '../codec/reader.js';
import { DerReader, Tag, decodeOid, readDer } from './der-reader.js';

/**
 * X.501 Names (RFC 5280 §4.1.2.4) read from their DER: the text Node prints for them and the key
 * that decides whether two names match (RFC 5280 §7.1).
 *
 * The text is OpenSSL's X509_NAME_print_ex as Node calls it for X509Certificate.subject/issuer
 * (ASN1_STRFLGS_ESC_2253 | ESC_CTRL | UTF8_CONVERT, XN_FLAG_SEP_MULTILINE | XN_FLAG_FN_SN): one
 * RDN per line in encoded order, "SN=value", a multi-valued RDN's attributes joined by " + ",
 * RFC 2253 specials backslash-escaped, control characters as \XX.
 */

export interface AttributeTypeAndValue {
  readonly oid: string;
  /** Universal tag of the value (UTF8String 0x0c, PrintableString 0x13, …). */
  readonly tag: number;
  /** The value's contents octets. */
  readonly value: Uint8Array;
  /** The value's whole TLV. */
  readonly raw: Uint8Array;
}

/**
 * The value tags OpenSSL reads in a Name (B_ASN1_PRINTABLE through its tag2bit table): the string
 * types, BIT STRING, SEQUENCE and the tags it calls unknown. VisibleString, VideotexString,
 * GraphicString, GeneralString, the times, OCTET STRING, INTEGER… make X509Certificate refuse
 * the certificate, and so do we.
 */
const NAME_VALUE_TAGS = new Set([0x03, 0x07, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x12, 0x13, 0x14, 0x16, 0x1c, 0x1d, 0x1e, 0x30]);

/** RelativeDistinguishedNames in encoded order, each a non-empty SET of attributes; DecodeError when not DER of a Name. */
export function readName(der: Uint8Array): AttributeTypeAndValue[][] {
  const rdns = new DerReader(readDer(der, Tag.SEQUENCE, 'Name').value);
  const out: AttributeTypeAndValue[][] = [];
  while (!rdns.done) {
    const set = new DerReader(rdns.read(Tag.SET, 'RelativeDistinguishedName').value);
    if (set.done) throw new DecodeError('RelativeDistinguishedName: empty SET');
    const rdn: AttributeTypeAndValue[] = [];
    while (!set.done) {
      const atv = new DerReader(set.read(Tag.SEQUENCE, 'AttributeTypeAndValue').value);
      const oid = decodeOid(atv.read(Tag.OBJECT_IDENTIFIER, 'AttributeType').value, 'AttributeType');
      const v = atv.read(undefined, 'AttributeValue');
      atv.end('AttributeTypeAndValue');
      if (!NAME_VALUE_TAGS.has(v.tag)) throw new DecodeError(`AttributeValue of ${oid}: tag 0x${v.tag.toString(16)} is not a string type`);
      rdn.push({ oid, tag: v.tag, value: v.value, raw: v.raw });
    }
    out.push(rdn);
  }
  return out;
}

/** OpenSSL's short names (OBJ_nid2sn) for the attribute types names use; others print as dotted OIDs. */
const SHORT_NAMES = new Map<string, string>([
  ['2.5.4.3', 'CN'],
  ['2.5.4.4', 'SN'],
  ['2.5.4.5', 'serialNumber'],
  ['2.5.4.6', 'C'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.9', 'street'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['2.5.4.12', 'title'],
  ['2.5.4.13', 'description'],
  ['2.5.4.14', 'searchGuide'],
  ['2.5.4.15', 'businessCategory'],
  ['2.5.4.16', 'postalAddress'],
  ['2.5.4.17', 'postalCode'],
  ['2.5.4.18', 'postOfficeBox'],
  ['2.5.4.19', 'physicalDeliveryOfficeName'],
  ['2.5.4.20', 'telephoneNumber'],
  ['2.5.4.26', 'registeredAddress'],
  ['2.5.4.41', 'name'],
  ['2.5.4.42', 'GN'],
  ['2.5.4.43', 'initials'],
  ['2.5.4.44', 'generationQualifier'],
  ['2.5.4.45', 'x500UniqueIdentifier'],
  ['2.5.4.46', 'dnQualifier'],
  ['2.5.4.51', 'houseIdentifier'],
  ['2.5.4.54', 'dmdName'],
  ['2.5.4.65', 'pseudonym'],
  ['2.5.4.72', 'role'],
  ['2.5.4.97', 'organizationIdentifier'],
  ['1.2.840.113549.1.9.1', 'emailAddress'],
  ['1.2.840.113549.1.9.2', 'unstructuredName'],
  ['1.2.840.113549.1.9.8', 'unstructuredAddress'],
  ['0.9.2342.19200300.100.1.1', 'UID'],
  ['0.9.2342.19200300.100.1.3', 'mail'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['1.3.6.1.4.1.311.60.2.1.1', 'jurisdictionL'],
  ['1.3.6.1.4.1.311.60.2.1.2', 'jurisdictionST'],
  ['1.3.6.1.4.1.311.60.2.1.3', 'jurisdictionC'],
]);

/** Bytes per character of the string types OpenSSL prints as text (tag2nbyte); UTF8String is 0: its bytes as they are. */
const CHAR_WIDTH = new Map<number, number>([
  [0x0c, 0], // UTF8String
  [0x12, 1], // NumericString
  [0x13, 1], // PrintableString
  [0x14, 1], // T61String (as Latin-1)
  [0x16, 1], // IA5String
  [0x1c, 4], // UniversalString
  [0x1e, 2], // BMPString
]);

/** How a Name is printed: Node's X509Certificate.subject (multi-line) or its SAN directoryName (RFC 2253 order, within JSON). */
interface NameStyle {
  readonly rdnSeparator: string;
  readonly multiValueSeparator: string;
  readonly reverse: boolean;
  /** ASN1_STRFLGS_ESC_CTRL: control characters as \XX. */
  readonly escapeControl: boolean;
  /** ASN1_STRFLGS_DUMP_UNKNOWN / XN_FLAG_DUMP_UNKNOWN_FIELDS: non-string values and unknown types as #hex of the DER. */
  readonly dumpUnknown: boolean;
}

const MULTILINE: NameStyle = { rdnSeparator: '\n', multiValueSeparator: ' + ', reverse: false, escapeControl: true, dumpUnknown: false };
/** Node's kX509NameFlagsRFC2253WithinUtf8JSON. */
const RFC2253_IN_JSON: NameStyle = { rdnSeparator: ',', multiValueSeparator: '+', reverse: true, escapeControl: false, dumpUnknown: true };

/** A Name as Node's X509Certificate.subject prints it (one line per RDN); DecodeError when not DER of a Name. */
export function nameText(der: Uint8Array): string {
  return printName(readName(der), MULTILINE);
}

/** A directoryName as Node prints it inside subjectAltName text ("CN=a,O=b", last RDN first). */
export function directoryNameText(der: Uint8Array): string {
  return printName(readName(der), RFC2253_IN_JSON);
}

function printName(rdns: readonly (readonly AttributeTypeAndValue[])[], style: NameStyle): string {
  const ordered = style.reverse ? [...rdns].reverse() : rdns;
  const bytes: number[] = [];
  const text = (s: string) => {
    for (let i = 0; i < s.length; i++) bytes.push(s.charCodeAt(i));
  };
  ordered.forEach((rdn, i) => {
    if (i > 0) text(style.rdnSeparator);
    rdn.forEach((atv, j) => {
      if (j > 0) text(style.multiValueSeparator);
      const sn = SHORT_NAMES.get(atv.oid);
      text(`${sn ?? atv.oid}=`);
      if (style.dumpUnknown && (sn === undefined || !CHAR_WIDTH.has(atv.tag))) {
        text('#');
        for (const b of atv.raw) text(b.toString(16).padStart(2, '0'));
      } else {
        printValue(atv, style, bytes);
      }
    });
  });
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** OpenSSL's do_buf + do_esc_char: the value's characters as UTF-8, escaped for RFC 2253. */
function printValue(atv: AttributeTypeAndValue, style: NameStyle, out: number[]): void {
  const width = CHAR_WIDTH.get(atv.tag) ?? 1; // other types: the contents as Latin-1 (no DUMP_UNKNOWN)
  // OpenSSL keeps a SEQUENCE value as its whole DER, a BIT STRING without its unused-bits octet.
  const v = atv.tag === 0x30 ? atv.raw : atv.tag === 0x03 ? atv.value.subarray(1) : atv.value;
  const step = width === 0 ? 1 : width;
  if (v.length % step !== 0) throw new DecodeError(`AttributeValue: ${v.length} bytes is not a whole number of ${step}-byte characters`);
  for (let p = 0; p < v.length; p += step) {
    let c = 0;
    for (let k = 0; k < step; k++) c = c * 256 + v[p + k]!;
    const first = p === 0;
    const last = p + step === v.length;
    const units = width === 0 || c < 0x80 ? [c] : utf8(c);
    for (const u of units) escapeByte(u, first && !last, last, style, out);
  }
}

function utf8(c: number): number[] {
  return [...new TextEncoder().encode(String.fromCodePoint(c > 0x10ffff ? 0xfffd : c))];
}

function escapeByte(c: number, first: boolean, last: boolean, style: NameStyle, out: number[]): void {
  const ch = String.fromCharCode(c);
  if (',+"\\<>;'.includes(ch) || (c === 0x20 && (first || last)) || (c === 0x23 && first)) {
    out.push(0x5c, c);
  } else if (style.escapeControl && (c < 0x20 || c === 0x7f)) {
    for (const x of `\\${c.toString(16).toUpperCase().padStart(2, '0')}`) out.push(x.charCodeAt(0));
  } else {
    out.push(c);
  }
}

/**
 * The key under which two Names match (RFC 5280 §7.1), as OpenSSL's X509_NAME_cmp compares them:
 * string values as UTF-8, ASCII lower-cased, leading and trailing white space removed and inner
 * runs of it collapsed to one space; other values by their DER; the attributes of an RDN in a
 * fixed order. Equal DER always gives equal keys. DecodeError when not DER of a Name.
 */
export function nameKey(der: Uint8Array): string {
  return readName(der)
    .map((rdn) =>
      rdn
        .map((atv) => `${atv.oid}=${CHAR_WIDTH.has(atv.tag) && atv.tag !== 0x12 ? JSON.stringify(canonical(atv)) : hex(atv.raw)}`)
        .sort()
        .join('+'),
    )
    .join('/');
}

/** asn1_string_canon: the value as UTF-8 text, ASCII case and white space folded. */
function canonical(atv: AttributeTypeAndValue): string {
  const width = CHAR_WIDTH.get(atv.tag)!;
  let s: string;
  if (width === 0) s = new TextDecoder().decode(atv.value);
  else {
    s = '';
    for (let p = 0; p + width <= atv.value.length; p += width) {
      let c = 0;
      for (let k = 0; k < width; k++) c = c * 256 + atv.value[p + k]!;
      s += String.fromCodePoint(c > 0x10ffff ? 0xfffd : c);
    }
  }
  return s
    .replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '')
    .replace(/[ \t\n\v\f\r]+/g, ' ')
    .replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
