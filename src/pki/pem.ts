/**
 * PEM armour (RFC 7468): text ⇄ DER blocks. Read as OpenSSL reads it: the armour may be anywhere,
 * and the text around it (a comment, `openssl x509 -text` or `openssl ca` output) is ignored.
 */

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----((?:(?!-----)[\s\S])*)-----END \1-----/g;
const BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;
const CERTIFICATE_LABELS = ['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE'];

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

/** Bytes or text that hold no usable PEM; `code` is the one node:tls gives (ERR_OSSL_PEM_NO_START_LINE, …). */
export class PemError extends Error {
  override name = 'PemError';
  constructor(
    /** What is wrong, to follow the input's name: "holds no certificate …". */
    readonly problem: string,
    readonly code: string,
  ) {
    super(`the input ${problem}`);
  }
}

/** Every complete block; a BEGIN line without its END line is truncated and throws (ERR_OSSL_PEM_BAD_END_LINE). */
export function decodePem(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  let end = 0;
  for (const m of text.matchAll(BLOCK)) {
    truncatedBefore(text, end, m.index);
    end = m.index + m[0].length;
    // RFC 1421 headers (Proc-Type: …) are lines with a colon; the rest is base64.
    const body = (m[2] ?? '').split('\n').filter((line) => !line.includes(':')).join('');
    out.push({ label: m[1] ?? '', der: base64Decode(body.replace(/[^A-Za-z0-9+/=]/g, ''), m[1] ?? '') });
  }
  truncatedBefore(text, end, text.length);
  return out;
}

function truncatedBefore(text: string, from: number, to: number): void {
  BEGIN.lastIndex = from;
  const m = BEGIN.exec(text);
  if (m && m.index < to) throw new PemError(`is truncated: "-----BEGIN ${m[1]}-----" has no "-----END ${m[1]}-----" line`, 'ERR_OSSL_PEM_BAD_END_LINE');
}

/** The text of bytes that hold PEM armour anywhere, else undefined (DER or junk). */
export function pemText(input: string | Uint8Array): string | undefined {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
  return text.includes('-----BEGIN ') ? text : undefined;
}

export function encodePem(label: string, der: Uint8Array): string {
  const b64 = base64Encode(der);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Certificates from PEM (any number of CERTIFICATE blocks, text around them ignored) or one DER
 * certificate (bytes without armour that start with a SEQUENCE). Throws a PemError when there is
 * none: ERR_OSSL_PEM_NO_START_LINE, or ERR_OSSL_PEM_BAD_END_LINE for a truncated block.
 */
export function certificatesFrom(input: string | Uint8Array): Uint8Array[] {
  const text = pemText(input);
  if (text === undefined) {
    if (typeof input !== 'string' && input[0] === 0x30) return [input];
    throw new PemError('holds no certificate (no "-----BEGIN CERTIFICATE-----" line, and it is not DER)', 'ERR_OSSL_PEM_NO_START_LINE');
  }
  const blocks = decodePem(text);
  const certs = blocks.filter((b) => CERTIFICATE_LABELS.includes(b.label)).map((b) => b.der);
  if (certs.length === 0) {
    const what = [...new Set(blocks.map((b) => pemContent(b.label)))].join(' and ') || 'no PEM block';
    throw new PemError(`holds ${what}, not a certificate`, 'ERR_OSSL_PEM_NO_START_LINE');
  }
  return certs;
}

/** What a block holds, for messages: "a certificate", "a private key", "a public key", "a DH PARAMETERS block". */
export function pemContent(label: string): string {
  if (CERTIFICATE_LABELS.includes(label)) return 'a certificate';
  if (label.endsWith('PRIVATE KEY')) return 'a private key';
  if (label.endsWith('PUBLIC KEY')) return 'a public key';
  return `a ${label} block`;
}

function base64Decode(s: string, label: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(s);
  } catch {
    throw new PemError(`has a ${label} block that is not valid base64`, 'ERR_OSSL_PEM_BAD_BASE64_DECODE');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function base64Encode(b: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < b.length; i++) bin += String.fromCharCode(b[i]!);
  return btoa(bin);
}
