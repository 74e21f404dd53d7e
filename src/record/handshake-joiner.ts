import { AlertDescription, HandshakeType, nameOf } from '../messages/enums.js';
import { LocalAlert } from '../errors.js';
import type { HandshakeMessage } from '../messages/handshake.js';

/** Default limits, checked from the 4-byte header before anything is buffered. */
export const MAX_HANDSHAKE_MESSAGE = 64 * 1024;
export const MAX_CERTIFICATE_MESSAGE = 256 * 1024;

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
      const limit = type === HandshakeType.certificate ? MAX_CERTIFICATE_MESSAGE : MAX_HANDSHAKE_MESSAGE;
      if (length > limit) {
        throw new LocalAlert(
          AlertDescription.illegal_parameter,
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
