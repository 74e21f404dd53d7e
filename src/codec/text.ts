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
