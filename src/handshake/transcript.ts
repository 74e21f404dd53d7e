import type { HashAlgorithm, HashProvider, RunningHash } from '../crypto/provider.js';

/**
 * The handshake transcript: the exact bytes of every handshake message, in order. TLS 1.2 does
 * not know the hash until ServerHello picks a suite, so messages are kept and replayed into the
 * running hash once it is chosen. The bytes are also kept for the TLS 1.2 CertificateVerify,
 * whose signature covers handshake_messages themselves (RFC 5246 §7.4.8), hashed with the
 * signature's own hash.
 */
export class Transcript {
  #messages: Uint8Array[] = [];
  #hash: RunningHash | undefined;

  constructor(private readonly hashes: HashProvider) {}

  add(raw: Uint8Array): void {
    this.#messages.push(raw);
    this.#hash?.update(raw);
  }

  setHash(algorithm: HashAlgorithm): void {
    this.#hash = this.hashes.create(algorithm);
    for (const m of this.#messages) this.#hash.update(m);
  }

  /**
   * After a HelloRetryRequest the first ClientHello is replaced by a synthetic message_hash
   * message carrying its hash (RFC 8446 §4.4.1). Call with the hash already chosen.
   */
  replaceWithMessageHash(): void {
    const digest = this.hash();
    const synthetic = new Uint8Array(4 + digest.length);
    synthetic[0] = 254; // HandshakeType.message_hash
    synthetic[3] = digest.length;
    synthetic.set(digest, 4);
    this.#messages = [];
    this.setHash(this.#hash!.algorithm);
    this.add(synthetic);
  }

  /** Hash of every message added so far. */
  hash(): Uint8Array {
    if (!this.#hash) throw new Error('transcript hash used before the suite is known');
    return this.#hash.peek();
  }

  /** The concatenated messages (for TLS 1.2 CertificateVerify). */
  bytes(): Uint8Array {
    let n = 0;
    for (const m of this.#messages) n += m.length;
    const out = new Uint8Array(n);
    let off = 0;
    for (const m of this.#messages) {
      out.set(m, off);
      off += m.length;
    }
    return out;
  }
}
