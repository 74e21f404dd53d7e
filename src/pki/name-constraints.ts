import { DecodeError } from '../codec/reader.js';
import { toHex } from '../codec/text.js';
import { DerReader, Tag, contextConstructed, decodeOid, readDer } from './der-reader.js';
import type { GeneralName } from './certificate.js';
import { formatIpAddress } from './host-match.js';

/**
 * nameConstraints (RFC 5280 §4.2.1.10) for the two name forms TLS identities use, dNSName and
 * iPAddress, and for directoryName, in permitted and excluded subtrees. Other forms are kept as
 * "unsupported": when a critical extension constrains a form that then appears below, validation
 * fails (RFC 5280 §4.2.1.10: "MUST either process the constraint or reject the certificate").
 *
 * The names checked are the subjectAltName entries of every certificate below the constraining
 * CA (§6.1.3 (b), (c)) and, for directoryName, its subject Name too; the subject CN is never a
 * DNS name here, as it is never one for host checks.
 */

/** One GeneralSubtree's base (its minimum/maximum are checked at parse time). */
export type Subtree =
  /** A DNS name, lower case, trailing dot removed; a leading "." means proper subdomains only. */
  | { readonly form: 'dns'; readonly name: string }
  /** An address and mask of 4 (IPv4) or 16 (IPv6) octets each. */
  | { readonly form: 'ip'; readonly address: Uint8Array; readonly mask: Uint8Array }
  /** A directoryName: its RDNs in the normalised form of comparableName(). */
  | { readonly form: 'dn'; readonly rdns: readonly ComparableRdn[] }
  /**
   * Any other form (`syntax` false), or a DNS/IP subtree whose encoding we refuse (`syntax` true);
   * `tag` is the GeneralName tag.
   */
  | { readonly form: 'unsupported'; readonly tag: number; readonly syntax: boolean; readonly reason: string };

export interface NameConstraints {
  readonly critical: boolean;
  /** undefined when permittedSubtrees is absent (no form is restricted to a list). */
  readonly permitted: readonly Subtree[] | undefined;
  readonly excluded: readonly Subtree[];
}

/** GeneralName CHOICE tags (RFC 5280 §4.2.1.6, IMPLICIT tagging). */
const GeneralNameTag = {
  otherName: 0xa0,
  rfc822Name: 0x81,
  dNSName: 0x82,
  x400Address: 0xa3,
  directoryName: 0xa4,
  ediPartyName: 0xa5,
  uniformResourceIdentifier: 0x86,
  iPAddress: 0x87,
  registeredID: 0x88,
} as const;

const FORM_NAME = new Map<number, string>(Object.entries(GeneralNameTag).map(([k, v]) => [v, k]));

/** The extnValue of nameConstraints → its subtrees; DecodeError when it is not DER of the ASN.1. */
export function parseNameConstraints(value: Uint8Array, critical: boolean): NameConstraints {
  const r = new DerReader(readDer(value, Tag.SEQUENCE, 'nameConstraints').value);
  const p = r.optional(contextConstructed(0), 'permittedSubtrees');
  const x = r.optional(contextConstructed(1), 'excludedSubtrees');
  r.end('nameConstraints');
  // §4.2.1.10: "either the permittedSubtrees field or the excludedSubtrees MUST be present".
  if (!p && !x) throw new DecodeError('nameConstraints: neither permittedSubtrees nor excludedSubtrees');
  return {
    critical,
    permitted: p ? readSubtrees(p.value, 'permittedSubtrees') : undefined,
    excluded: x ? readSubtrees(x.value, 'excludedSubtrees') : [],
  };
}

function readSubtrees(bytes: Uint8Array, what: string): Subtree[] {
  const r = new DerReader(bytes);
  // GeneralSubtrees ::= SEQUENCE SIZE (1..MAX) OF GeneralSubtree
  if (r.done) throw new DecodeError(`${what}: empty`);
  const out: Subtree[] = [];
  while (!r.done) {
    const s = new DerReader(r.read(Tag.SEQUENCE, 'GeneralSubtree').value);
    const base = s.read(undefined, 'GeneralSubtree.base');
    const min = s.optional(0x80, 'minimum');
    const max = s.optional(0x81, 'maximum');
    s.end('GeneralSubtree');
    // §4.2.1.10: "the minimum MUST be zero, and maximum MUST be absent"; DER omits the DEFAULT 0.
    if (min || max) {
      out.push({ form: 'unsupported', tag: base.tag, syntax: true, reason: 'a subtree with minimum or maximum' });
      continue;
    }
    out.push(subtreeOf(base.tag, base.value));
  }
  return out;
}

function subtreeOf(tag: number, value: Uint8Array): Subtree {
  if (tag === GeneralNameTag.dNSName) {
    if (!value.every((b) => b >= 0x21 && b <= 0x7e)) {
      return { form: 'unsupported', tag, syntax: true, reason: 'a dNSName constraint that is not printable ASCII' };
    }
    const name = asciiLower(value);
    return { form: 'dns', name: name.endsWith('.') ? name.slice(0, -1) : name };
  }
  if (tag === GeneralNameTag.iPAddress) {
    // §4.2.1.10: address then mask, 8 octets for IPv4 and 32 for IPv6.
    if (value.length !== 8 && value.length !== 32) {
      return { form: 'unsupported', tag, syntax: true, reason: `an iPAddress constraint of ${value.length} octets` };
    }
    const n = value.length / 2;
    const mask = value.subarray(n);
    if (!isPrefixMask(mask)) return { form: 'unsupported', tag, syntax: true, reason: 'an iPAddress constraint whose mask is not a prefix' };
    return { form: 'ip', address: value.subarray(0, n), mask };
  }
  if (tag === GeneralNameTag.directoryName) {
    const rdns = comparableName(value);
    if (!rdns) return { form: 'unsupported', tag, syntax: true, reason: 'a directoryName constraint that is not a DER Name' };
    return { form: 'dn', rdns };
  }
  return { form: 'unsupported', tag, syntax: false, reason: `${FORM_NAME.get(tag) ?? `tag 0x${tag.toString(16)}`} constraints, which are not supported` };
}

function isPrefixMask(mask: Uint8Array): boolean {
  let ended = false;
  for (const b of mask) {
    if (ended && b !== 0) return false;
    if (b !== 0xff) {
      // Within this octet: ones then zeros (0x80, 0xc0, … 0xfe, or 0x00).
      if (((~b & 0xff) & ((~b & 0xff) + 1)) !== 0) return false;
      ended = true;
    }
  }
  return true;
}

function asciiLower(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 32 : c);
  return s;
}

/** A certificate as the constraint check sees it. */
export interface ConstrainedSubject {
  readonly subjectAltNames: readonly GeneralName[];
  /** DER of the subject Name; with at least one RDN it is a directoryName that "appears" (§4.2.1.10). */
  readonly subject: Uint8Array;
}

/** Why a name violates a constraint; `code` is OpenSSL's X509_V_ERR_* name. */
export interface NameConstraintViolation {
  readonly code:
    | 'PERMITTED_VIOLATION'
    | 'EXCLUDED_VIOLATION'
    | 'UNSUPPORTED_CONSTRAINT_TYPE'
    | 'UNSUPPORTED_CONSTRAINT_SYNTAX'
    | 'ERR_TLSGLASS_NAME_CONSTRAINTS_LIMIT';
  readonly reason: string;
}

/** A budget of name/subtree comparisons shared by a whole validation (Go's MaxConstraintComparisions). */
export class ComparisonBudget {
  #left: number;
  constructor(readonly limit: number) {
    this.#left = limit;
  }
  /** Spends `n`; false once the budget is exhausted. */
  spend(n: number): boolean {
    this.#left -= n;
    return this.#left >= 0;
  }
}

/**
 * Checks `subject`'s names against one CA's constraints (RFC 5280 §6.1.3 (b), (c)):
 * - (b) for each form listed in permittedSubtrees, every name of that form must lie within one of them;
 * - (c) no name may lie within an excludedSubtree.
 * undefined when the names conform.
 */
export function checkNameConstraints(nc: NameConstraints, subject: ConstrainedSubject, budget: ComparisonBudget): NameConstraintViolation | undefined {
  const names = subject.subjectAltNames;
  const subtrees = [...(nc.permitted ?? []), ...nc.excluded];
  const directoryNames = subtrees.some((s) => s.form === 'dn') ? directoryNamesOf(subject) : [];
  if (!budget.spend(Math.max(1, names.length + directoryNames.length) * Math.max(1, subtrees.length))) {
    return {
      code: 'ERR_TLSGLASS_NAME_CONSTRAINTS_LIMIT',
      reason: `checking its ${names.length} names against ${subtrees.length} name constraints exceeds the limit of ${budget.limit} comparisons`,
    };
  }
  // §4.2.1.10: a critical constraint on a form we do not process, when that form appears, is a
  // rejection. A DNS or IP subtree we cannot read rejects whether critical or not (fail closed).
  for (const s of subtrees) {
    if (s.form === 'unsupported' && (nc.critical || s.syntax) && formAppears(s.tag, subject)) {
      return {
        code: s.syntax ? 'UNSUPPORTED_CONSTRAINT_SYNTAX' : 'UNSUPPORTED_CONSTRAINT_TYPE',
        reason: `its issuer's ${nc.critical ? 'critical ' : ''}nameConstraints has ${s.reason}`,
      };
    }
  }
  for (const n of names) {
    if (n.type === 'other') continue;
    const form = n.type;
    if (nc.permitted) {
      const relevant = nc.permitted.filter((s) => s.form === form);
      if (relevant.length > 0 && !relevant.some((s) => within(n, s, 'permitted'))) {
        const listed = relevant.slice(0, 4).map(describeSubtree).join(', ') + (relevant.length > 4 ? `, … ${relevant.length - 4} more` : '');
        return { code: 'PERMITTED_VIOLATION', reason: `${describeName(n)} is not within its issuer's permitted ${form === 'dns' ? 'DNS' : 'IP'} subtrees (${listed})` };
      }
    }
    const hit = nc.excluded.find((s) => s.form === form && within(n, s, 'excluded'));
    if (hit) return { code: 'EXCLUDED_VIOLATION', reason: `${describeName(n)} is within its issuer's excluded subtree ${describeSubtree(hit)}` };
  }
  // §6.1.3 (b), (c) for X.500 names: the subject (when not empty) and every directoryName SAN.
  const permittedDns = (nc.permitted ?? []).filter((s) => s.form === 'dn');
  const excludedDns = nc.excluded.filter((s) => s.form === 'dn');
  for (const d of directoryNames) {
    if (!d.rdns) return { code: 'UNSUPPORTED_CONSTRAINT_SYNTAX', reason: `its ${d.what} cannot be compared with its issuer's directoryName constraints (not a DER Name)` };
    if (permittedDns.length > 0 && !permittedDns.some((s) => dnWithin(d.rdns!, s.rdns))) {
      return { code: 'PERMITTED_VIOLATION', reason: `its ${d.what} (${nameText(d.rdns)}) is not within its issuer's permitted directoryName subtrees (${permittedDns.map(describeSubtree).join('; ')})` };
    }
    const hit = excludedDns.find((s) => dnWithin(d.rdns!, s.rdns));
    if (hit) return { code: 'EXCLUDED_VIOLATION', reason: `its ${d.what} (${nameText(d.rdns)}) is within its issuer's excluded subtree ${describeSubtree(hit)}` };
  }
  return undefined;
}

/** The X.500 names a directoryName constraint applies to; `rdns` undefined when one is not a DER Name. */
function directoryNamesOf(subject: ConstrainedSubject): { readonly what: string; readonly rdns: readonly ComparableRdn[] | undefined }[] {
  const out: { what: string; rdns: readonly ComparableRdn[] | undefined }[] = [];
  // §4.2.1.10: the constraint applies to the subject field; an empty subject (SEQUENCE {}) names nothing.
  if (subject.subject.length > 2) out.push({ what: 'subject', rdns: comparableName(subject.subject) });
  for (const n of subject.subjectAltNames) {
    if (n.type === 'other' && n.tag === GeneralNameTag.directoryName) out.push({ what: 'directoryName SAN', rdns: comparableName(n.value) });
  }
  return out;
}

/** §4.2.1.10 / §7.1: a Name is within a directoryName subtree when the subtree's RDNs are its first RDNs. */
function dnWithin(name: readonly ComparableRdn[], base: readonly ComparableRdn[]): boolean {
  return base.length <= name.length && base.every((rdn, i) => rdn.key === name[i]!.key);
}

/** One RDN: `key` compares (its attributes, normalised, as a sorted JSON list), `text` is for messages ("o=example org"). */
export interface ComparableRdn {
  readonly key: string;
  readonly text: string;
}

function nameText(rdns: readonly ComparableRdn[]): string {
  return rdns.length === 0 ? '(empty)' : rdns.map((r) => r.text).join(', ');
}

/**
 * A DER Name as one string per RDN, for comparison (RFC 5280 §7.1): attribute types by OID, string
 * values (UTF8String, PrintableString, IA5String, TeletexString, BMPString, UniversalString) after
 * an approximation of LDAP StringPrep (NFKC, lower case, surrounding spaces removed and inner runs
 * of spaces folded to one), other values byte for byte; a multi-valued RDN compares as a set.
 * undefined when `der` is not a Name.
 */
export function comparableName(der: Uint8Array): ComparableRdn[] | undefined {
  try {
    const r = new DerReader(readDer(der, Tag.SEQUENCE, 'Name').value);
    const rdns: ComparableRdn[] = [];
    while (!r.done) {
      const set = new DerReader(r.read(0x31, 'RelativeDistinguishedName').value);
      const attributes: [string, string][] = [];
      while (!set.done) {
        const atv = new DerReader(set.read(Tag.SEQUENCE, 'AttributeTypeAndValue').value);
        const type = decodeOid(atv.read(Tag.OBJECT_IDENTIFIER, 'type').value, 'type');
        const v = atv.read(undefined, 'value');
        atv.end('AttributeTypeAndValue');
        const text = stringValue(v.tag, v.value);
        attributes.push([type, text ?? `#${v.tag.toString(16)}:${toHex(v.value)}`]);
      }
      if (attributes.length === 0) return undefined; // SET SIZE (1..MAX)
      attributes.sort((a, b) => (a[0] + '\0' + a[1] < b[0] + '\0' + b[1] ? -1 : 1));
      rdns.push({ key: JSON.stringify(attributes), text: attributes.map(([t, v]) => `${ATTRIBUTE_NAMES[t] ?? t}=${v}`).join('+') });
    }
    return rdns;
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}

const STRING_DECODERS: Record<number, (b: Uint8Array) => string> = {
  0x0c: (b) => new TextDecoder('utf-8', { fatal: true }).decode(b),
  0x13: (b) => String.fromCharCode(...b),
  0x14: (b) => String.fromCharCode(...b),
  0x16: (b) => String.fromCharCode(...b),
  0x1e: (b) => new TextDecoder('utf-16be', { fatal: true }).decode(b),
  0x1c: (b) => {
    let s = '';
    for (let i = 0; i + 3 < b.length; i += 4) s += String.fromCodePoint(((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0);
    return s;
  },
};

function stringValue(tag: number, value: Uint8Array): string | undefined {
  const decode = STRING_DECODERS[tag];
  if (!decode) return undefined;
  try {
    return decode(value).normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
  } catch {
    throw new DecodeError('Name: a string value that does not decode');
  }
}

/** Common attribute OIDs by their short names, for messages ("o=example org"). */
const ATTRIBUTE_NAMES: Record<string, string> = { '2.5.4.3': 'cn', '2.5.4.6': 'c', '2.5.4.7': 'l', '2.5.4.8': 'st', '2.5.4.10': 'o', '2.5.4.11': 'ou' };

/** Whether a name of the form with GeneralName tag `tag` occurs in the certificate. */
function formAppears(tag: number, subject: ConstrainedSubject): boolean {
  if (tag === GeneralNameTag.directoryName && subject.subject.length > 2) return true;
  return subject.subjectAltNames.some((n) => (n.type === 'other' ? n.tag === tag : tag === (n.type === 'dns' ? GeneralNameTag.dNSName : GeneralNameTag.iPAddress)));
}

function within(n: GeneralName, s: Subtree, role: 'permitted' | 'excluded'): boolean {
  if (n.type === 'dns' && s.form === 'dns') return dnsWithin(n.value, s.name, role);
  if (n.type === 'ip' && s.form === 'ip') return ipWithin(n.value, s.address, s.mask);
  return false;
}

/**
 * RFC 5280 §4.2.1.10: "Any DNS name that can be constructed by simply adding zero or more labels to
 * the left-hand side of the name satisfies the name constraint." A leading "." (common practice,
 * as OpenSSL and Go read it) admits proper subdomains only; "" matches every name. Compared
 * label-wise, ASCII case-insensitively, trailing dots ignored.
 *
 * A wildcard SAN "*.R" is within a subtree when every name it can match is (a literal suffix
 * test). For an excluded subtree it is also a hit when it can match a name of that subtree: an
 * excluded "x.R" excludes "*.R", since the wildcard would match "x.R".
 */
export function dnsWithin(name: string, constraint: string, role: 'permitted' | 'excluded'): boolean {
  if (constraint === '') return true;
  let n = name.toLowerCase();
  if (n.endsWith('.')) n = n.slice(0, -1);
  if (literalWithin(n, constraint)) return true;
  if (role === 'excluded' && n.startsWith('*.') && !constraint.startsWith('.')) {
    const dot = constraint.indexOf('.');
    return dot > 0 && constraint.slice(dot + 1) === n.slice(2);
  }
  return false;
}

function literalWithin(n: string, c: string): boolean {
  if (c.startsWith('.')) return n.length > c.length && n.endsWith(c);
  return n === c || n.endsWith(`.${c}`);
}

/** §4.2.1.10: an address is within the subtree when it equals the base under the mask; families must agree. */
export function ipWithin(ip: Uint8Array, address: Uint8Array, mask: Uint8Array): boolean {
  if (ip.length !== address.length) return false;
  for (let i = 0; i < ip.length; i++) if ((ip[i]! & mask[i]!) !== (address[i]! & mask[i]!)) return false;
  return true;
}

function describeName(n: GeneralName): string {
  return n.type === 'dns' ? `DNS:${n.value}` : n.type === 'ip' ? `IP:${formatIpAddress(n.value)}` : 'a name';
}

function describeSubtree(s: Subtree): string {
  if (s.form === 'dn') return `DirName:${s.rdns.length === 0 ? '(any)' : nameText(s.rdns)}`;
  if (s.form === 'dns') return `DNS:${s.name === '' ? '(any)' : s.name}`;
  if (s.form === 'ip') return `IP:${formatIpAddress(s.address)}/${prefixLength(s.mask)}`;
  return s.reason;
}

function prefixLength(mask: Uint8Array): number {
  let n = 0;
  for (const b of mask) for (let bit = 0x80; bit > 0; bit >>= 1) if (b & bit) n++;
  return n;
}
