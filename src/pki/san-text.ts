import type { GeneralName } from './certificate.js';
import { DerReader, Tag, contextConstructed, decodeOid } from './der-reader.js';
import { formatIpAddress } from './host-match.js';
import { directoryNameText } from './name.js';

/**
 * subjectAltName entries as Node's X509Certificate.subjectAltName prints them (node's
 * PrintGeneralName): "DNS:a.example, IP Address:127.0.0.1, email:…, URI:…, DirName:…", values
 * that hold a separator, a quote or a control character JSON-quoted.
 */
export function subjectAltNameText(names: readonly GeneralName[]): string {
  return names
    .map((n) => {
      try {
        return generalNameText(n);
      } catch {
        return '<unreadable>'; // only an otherName or directoryName we did not check at parse time
      }
    })
    .join(', ');
}

const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);

function generalNameText(n: GeneralName): string {
  if (n.type === 'dns') return `DNS:${altName(n.value, false)}`;
  if (n.type === 'ip') return `IP Address:${ipText(n.value)}`;
  switch (n.tag) {
    case 0x81:
      return `email:${altName(latin1(n.value), false)}`;
    case 0x86:
      return `URI:${altName(latin1(n.value), false)}`;
    case contextConstructed(4):
      return `DirName:${altName(directoryNameText(n.value), true)}`;
    case 0x88:
      return `Registered ID:${decodeOid(n.value)}`;
    case contextConstructed(0):
      return otherNameText(n.value);
    case contextConstructed(3):
      return 'X400Name:<unsupported>';
    case contextConstructed(5):
      return 'EdiPartyName:<unsupported>';
    default:
      return `<unknown GeneralName [${n.tag & 0x1f}]>`;
  }
}

/** Node prints IPv6 as eight upper-case hex groups, uncompressed. */
function ipText(b: Uint8Array): string {
  if (b.length === 4) return formatIpAddress(b);
  const groups: string[] = [];
  for (let j = 0; j < 8; j++) groups.push(((b[2 * j]! << 8) | b[2 * j + 1]!).toString(16).toUpperCase());
  return groups.join(':');
}

/** The otherName forms OpenSSL 3 names, with whether their value is a UTF8String (else IA5String). */
const OTHER_NAMES = new Map<string, { prefix: string; utf8: boolean }>([
  ['1.3.6.1.5.5.7.8.9', { prefix: 'SmtpUTF8Mailbox', utf8: true }],
  ['1.3.6.1.5.5.7.8.5', { prefix: 'XmppAddr', utf8: true }],
  ['1.3.6.1.5.5.7.8.7', { prefix: 'SRVName', utf8: false }],
  ['1.3.6.1.4.1.311.20.2.3', { prefix: 'UPN', utf8: true }],
  ['1.3.6.1.5.5.7.8.8', { prefix: 'NAIRealm', utf8: true }],
]);

/** OtherName ::= SEQUENCE { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY } (contents). */
function otherNameText(contents: Uint8Array): string {
  const r = new DerReader(contents);
  const form = OTHER_NAMES.get(decodeOid(r.read(Tag.OBJECT_IDENTIFIER, 'type-id').value));
  const value = new DerReader(r.read(contextConstructed(0), 'value').value).read(undefined, 'otherName value');
  if (!form || value.tag !== (form.utf8 ? Tag.UTF8String : Tag.IA5String)) return 'othername:<unsupported>';
  const text = form.utf8 ? new TextDecoder().decode(value.value) : latin1(value.value);
  return `othername:${altName(text, form.utf8, form.prefix)}`;
}

/**
 * node's PrintAltName: a "safe" value as it is, else JSON-quoted with \\uXXXX for control
 * characters (and, outside UTF-8, for non-ASCII ones). `prefix` goes inside the quotes.
 */
function altName(value: string, utf8: boolean, prefix?: string): string {
  const unsafe = (c: number) => c === 0x22 || c === 0x5c || c === 0x2c || c === 0x27 || c < 0x20 || c === 0x7f || (!utf8 && c > 0x7e);
  const head = prefix === undefined ? '' : `${prefix}:`;
  let safe = true;
  for (let i = 0; i < value.length && safe; i++) safe = !unsafe(value.charCodeAt(i));
  if (safe) return head + value;
  let out = '"' + head;
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if ((c >= 0x20 && c !== 0x2c && c <= 0x7e) || (utf8 && c > 0x7f)) out += ch;
    else out += `\\u${c.toString(16).padStart(4, '0')}`;
  }
  return out + '"';
}
