import { AlertDescription, HandshakeType, nameOf } from '../messages/enums.js';
import { LocalAlert } from '../errors.js';
import type { HandshakeMessage } from '../messages/handshake.js';

/**
 * Limits on a handshake message's declared length, checked from its 4-byte header before anything
 * is buffered. A ClientHello may be as large as its own vectors allow (RFC 8446 §4.1.2): version,
 * random, session_id<0..32>, cipher_suites<2..2^16-2>, compression<1..2^8-1> and a full
 * extensions<8..2^16-1> block, 131,396 bytes; anything longer cannot be well-formed. Certificate
 * chains get a policy limit of 256 KiB, every other message 64 KiB. RFC 8446 §6: a length that
 * cannot be right is decode_error.
 */
export const MAX_CLIENT_HELLO = 2 + 32 + (1 + 32) + (2 + 0xfffe) + (1 + 0xff) + (2 + 0xffff);
export const MAX_HANDSHAKE_MESSAGE = 64 * 1024;
export const MAX_CERTIFICATE_MESSAGE = 256 * 1024;

function limitFor(type: number): number {
  if (type === HandshakeType.client_hello) return MAX_CLIENT_HELLO;
  return type === HandshakeType.certificate ? MAX_CERTIFICATE_MESSAGE : MAX_HANDSHAKE_MESSAGE;
}

const EMPTY = new Uint8Array(0);

/**
 * Joins handshake fragments from successive records into whole messages (RFC 5246 §6.2.1:
 * messages may be split across records and several may share one record). Appends go into
 * one buffer sized from the declared message length, so joining is linear.
 */
export class HandshakeJoiner {
  #buf = EMPTY;
  #len = 0;

  /** True while part of a message is held: no other content type may arrive now. */
  get hasPartial(): boolean {
    return this.#len > 0;
  }

  /** Adds one record's plaintext and returns the whole messages it completes. */
  push(fragment: Uint8Array): HandshakeMessage[] {
    // RFC 5246 §6.2.1: zero-length handshake fragments MUST NOT be sent.
    if (fragment.length === 0) throw new LocalAlert(AlertDescription.unexpected_message, 'empty handshake record');
    let data = fragment;
    if (this.#len > 0) {
      this.#append(fragment);
      data = this.#buf.subarray(0, this.#len);
    }
    const out: HandshakeMessage[] = [];
    let pos = 0;
    while (data.length - pos >= 4) {
      const type = data[pos]!;
      const length = (data[pos + 1]! << 16) | (data[pos + 2]! << 8) | data[pos + 3]!;
      const limit = limitFor(type);
      if (length > limit) {
        throw new LocalAlert(
          AlertDescription.decode_error,
          `${nameOf(HandshakeType, type, 'HandshakeType')} of ${length} bytes exceeds the ${limit}-byte limit`,
        );
      }
      if (data.length - pos < 4 + length) break;
      // Copy out: the message outlives this record's buffer (the transcript and states keep it, and
      // an established connection keeps e.g. the peer's Finished and certificates). A real copy,
      // not slice(): on a Buffer (a plaintext record can be a view of the socket's read) slice()
      // is a view and would keep the whole read alive for the life of the connection (issue 7).
      const raw = new Uint8Array(4 + length);
      raw.set(data.subarray(pos, pos + 4 + length));
      out.push({ type, body: raw.subarray(4), raw });
      pos += 4 + length;
    }
    const rest = data.subarray(pos);
    if (rest.length === 0) {
      this.#len = 0;
      // Nothing partial is held: drop the buffer, so that an idle connection keeps none (issue 7).
      this.#buf = EMPTY;
    } else if (data === fragment) {
      this.#len = 0;
      this.#append(rest);
    } else {
      this.#buf.copyWithin(0, pos, this.#len);
      this.#len = rest.length;
    }
    return out;
  }

  #append(bytes: Uint8Array): void {
    if (this.#len + bytes.length > this.#buf.length) {
      const declared = this.#len >= 4 ? ((this.#buf[1]! << 16) | (this.#buf[2]! << 8) | this.#buf[3]!) + 4 : 0;
      const next = new Uint8Array(Math.max(this.#len + bytes.length, declared, this.#buf.length * 2, 1024));
      next.set(this.#buf.subarray(0, this.#len));
      this.#buf = next;
    }
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
  }
}
