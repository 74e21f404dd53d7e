/**
 * UTF-8 for the short strings the protocol carries (SNI host names, ALPN names, session fields).
 *
 * Why not just TextEncoder/TextDecoder: in Node 20 each encode() of a short string costs about
 * 1 µs (it crosses into C++ and allocates there), and a handshake or a session ticket encodes
 * several. Host names and protocol names are ASCII in practice, which a loop copies in tens of
 * nanoseconds; anything else still goes through TextEncoder, so the bytes are always UTF-8.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function utf8Encode(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return encoder.encode(s);
    out[i] = c;
  }
  return out;
}

export function utf8Decode(b: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < b.length; i++) {
    if (b[i]! > 0x7f) {
      ascii = false;
      break;
    }
  }
  return ascii && b.length <= 256 ? String.fromCharCode(...b) : decoder.decode(b);
}

/** Lower-case hex of every byte. */
export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The bytes of hex text (two digits a byte; the text is ours, e.g. a trace's DER). */
export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** One char per byte (ISO 8859-1), as Buffer's 'latin1': for showing bytes that may not be text. */
export function latin1Decode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x2000) s += String.fromCharCode(...b.subarray(i, i + 0x2000));
  return s;
}
