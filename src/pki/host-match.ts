import { bytesEqual, type GeneralName } from './certificate.js';

/**
 * Server identity checks (RFC 9525, which obsoletes RFC 6125): a pure function of the
 * reference identity (the host the client connects to) and the certificate's subjectAltName.
 *
 * - DNS names match dNSName entries only; the subject CN is never consulted (RFC 9525 §6.3).
 * - A wildcard is only the whole left-most label and stands for exactly one label
 *   (RFC 9525 §6.3); "*.tld" style patterns with fewer than three labels never match.
 * - ASCII case-insensitive; one trailing dot ignored on either side. Names are compared as
 *   A-labels: a host given with U-labels ("bücher.example") is converted first (IDNA/UTS #46 via
 *   the WHATWG URL host parser, as node:url's domainToASCII, RFC 9525 §6.3); one that does not
 *   convert matches nothing.
 * - An IP literal matches iPAddress entries only, octet for octet (RFC 9525 §6.2).
 */

/** True when `host` is acceptable for a certificate with these subjectAltName entries. */
export function matchesHost(host: string, names: readonly GeneralName[]): boolean {
  const ip = parseIpAddress(stripBrackets(host));
  if (ip) return names.some((n) => n.type === 'ip' && bytesEqual(n.value, ip));
  const aLabels = toALabels(host);
  return aLabels !== undefined && names.some((n) => n.type === 'dns' && matchesDnsName(aLabels, n.value));
}

/**
 * A DNS host in A-label form: ASCII hosts unchanged (case and trailing dot are handled by the
 * matcher), others through IDNA ToASCII; undefined when the conversion fails.
 */
export function toALabels(host: string): string | undefined {
  if (/^[\x00-\x7f]*$/.test(host)) return host;
  // The global URL (every runtime has one) runs UTS #46 ToASCII on a host; characters that would
  // end the host inside a URL are not part of a DNS name.
  if (/[/?#@:\\]/.test(host)) return undefined;
  try {
    return new URL(`http://${host}/`).hostname || undefined;
  } catch {
    return undefined;
  }
}

/**
 * undefined when `host` matches; otherwise the reason in Node's checkServerIdentity wording
 * (the text after "Hostname/IP does not match certificate's altnames: ").
 * `altNamesText` is the certificate's subjectAltName as Node prints it.
 */
export function hostMismatchReason(host: string, names: readonly GeneralName[], altNamesText: string): string | undefined {
  if (matchesHost(host, names)) return undefined;
  if (parseIpAddress(stripBrackets(host))) {
    const ips = names.flatMap((n) => (n.type === 'ip' ? [formatIpAddress(n.value)] : []));
    return `IP: ${host} is not in the cert's list: ${ips.join(', ')}`;
  }
  if (!names.some((n) => n.type === 'dns')) return 'Cert does not contain a DNS name';
  return `Host: ${host}. is not in the cert's altnames: ${altNamesText}`;
}

/** One DNS reference identity against one dNSName pattern (RFC 9525 §6.3). */
export function matchesDnsName(host: string, pattern: string): boolean {
  const h = dnsLabels(host);
  const p = dnsLabels(pattern);
  if (!h || !p || h.length !== p.length || host.includes('*')) return false;
  for (let i = 1; i < p.length; i++) {
    if (p[i]!.includes('*') || p[i] !== h[i]) return false;
  }
  const first = p[0]!;
  if (first === '*') return p.length >= 3; // one whole label, never directly under a TLD
  if (first.includes('*')) return false; // partial-label wildcards ("f*.example.com") are not allowed
  return first === h[0];
}

/** Lower-cased labels without the trailing dot, or undefined if empty labels or non-ASCII appear. */
function dnsLabels(name: string): string[] | undefined {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  if (n.length === 0 || !/^[\x21-\x7e]+$/.test(n)) return undefined;
  const labels = n.toLowerCase().split('.');
  return labels.includes('') ? undefined : labels;
}

/**
 * A textual IP address → its 4 or 16 octets, or undefined if `text` is not one.
 * IPv4 is strict dotted-quad decimal (no leading zeros, no "127.1" or hex forms); IPv6 is
 * RFC 4291 §2.2 text, with "::" and an optional trailing dotted quad; no zone index.
 */
export function parseIpAddress(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const s = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(s)) return undefined;
    const v = Number(s);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIpv4(part);
        if (!v4) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(part)) {
        out.push(parseInt(part, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const n = head.length + tail.length;
  if (halves.length === 2 ? n > 7 : n !== 8) return undefined;
  const all = [...head, ...new Array<number>(8 - n).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** 4 octets → dotted quad; 16 octets → RFC 5952 text (lower case, longest zero run as "::"). */
export function formatIpAddress(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length !== 16) return '<invalid>';
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  let best = -1;
  let bestLen = 1; // RFC 5952 §4.2.2: a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/**
 * Node's X509Certificate.subjectAltName text ("DNS:a, IP Address:1.2.3.4, …", with values that
 * contain separators JSON-quoted) → entries. For callers that only have Node's string form.
 */
export function parseSubjectAltNameText(text: string | undefined): GeneralName[] {
  if (!text) return [];
  const out: GeneralName[] = [];
  for (const entry of splitEscapedAltNames(text)) {
    if (entry.startsWith('DNS:')) out.push({ type: 'dns', value: entry.slice(4) });
    else if (entry.startsWith('IP Address:')) {
      const ip = parseIpAddress(entry.slice(11));
      if (ip) out.push({ type: 'ip', value: ip });
    } else out.push({ type: 'other', tag: -1, value: new Uint8Array(0) });
  }
  return out;
}

const JSON_STRING = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/;

/** Splits on ", " outside JSON-quoted values, as node:tls does. */
function splitEscapedAltNames(text: string): string[] {
  const result: string[] = [];
  let token = '';
  let at = 0;
  while (at < text.length) {
    const sep = text.indexOf(', ', at);
    const quote = text.indexOf('"', at);
    if (quote !== -1 && (sep === -1 || quote < sep)) {
      token += text.slice(at, quote);
      const m = JSON_STRING.exec(text.slice(quote));
      if (!m) throw new SyntaxError('subjectAltName: unterminated quoted value');
      token += JSON.parse(m[0]) as string;
      at = quote + m[0].length;
    } else if (sep !== -1) {
      result.push(token + text.slice(at, sep));
      token = '';
      at = sep + 2;
    } else {
      token += text.slice(at);
      at = text.length;
    }
  }
  result.push(token);
  return result;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
