/** PEM armour (RFC 7468): text ⇄ DER blocks. */

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

export function decodePem(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const label = m[1] ?? '';
    const body = (m[2] ?? '').replace(/[^A-Za-z0-9+/=]/g, '');
    out.push({ label, der: base64Decode(body) });
  }
  return out;
}

export function encodePem(label: string, der: Uint8Array): string {
  const b64 = base64Encode(der);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Certificates from PEM text (any number of CERTIFICATE blocks) or a single DER certificate. */
export function certificatesFrom(input: string | Uint8Array): Uint8Array[] {
  if (typeof input !== 'string') {
    // A Buffer holding PEM text is common with fs.readFileSync: detect the armour.
    if (input.length > 10 && input[0] === 0x2d /* '-' */) return certificatesFrom(new TextDecoder().decode(input));
    return [input];
  }
  return decodePem(input)
    .filter((b) => b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE' || b.label === 'X509 CERTIFICATE')
    .map((b) => b.der);
}

function base64Decode(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function base64Encode(b: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < b.length; i++) bin += String.fromCharCode(b[i]!);
  return btoa(bin);
}
