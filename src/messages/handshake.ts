import { Writer } from '../codec/writer.js';

/**
 * A handshake message as it crossed the wire: its type, its body, and `raw` (the 4-byte header
 * plus body), which is what the transcript hashes (never a re-encoding).
 */
export interface HandshakeMessage {
  readonly type: number;
  readonly body: Uint8Array;
  readonly raw: Uint8Array;
}

/** Frames a body as a Handshake message: msg_type(1) ‖ length(3) ‖ body (RFC 5246 §7.4). */
export function frameHandshake(type: number, body: Uint8Array): HandshakeMessage {
  const raw = new Writer(body.length + 4).u8(type).vec24(body).finish();
  return { type, body: raw.subarray(4), raw };
}
