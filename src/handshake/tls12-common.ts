/** Pieces both TLS 1.2 sides share: key installation, Finished, the key-log line. */
import type { CryptoProvider } from '../crypto/provider.js';
import type { Tls12Suite } from '../crypto/suites.js';
import { lazyKeylogEvent, type ConnectionEvent } from '../connection/events.js';
import { LocalAlert } from '../errors.js';
import { keyBlock, verifyData, extendedMasterSecret, masterSecret } from '../keys/key-schedule-tls12.js';
import { AlertDescription } from '../messages/enums.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import { Tls12Protection } from '../record/protection-tls12.js';
import type { HandshakeIo } from './state.js';
import type { Transcript } from './transcript.js';

export interface Randoms {
  readonly client: Uint8Array;
  readonly server: Uint8Array;
}

/**
 * The master secret. With extended_master_secret it is bound to the session hash, the
 * transcript up to and including ClientKeyExchange (RFC 7627 §4); otherwise to the randoms.
 */
export function deriveMaster(
  provider: CryptoProvider,
  suite: Tls12Suite,
  premaster: Uint8Array,
  randoms: Randoms,
  ems: boolean,
  transcript: Transcript,
): Uint8Array {
  return ems
    ? extendedMasterSecret(provider.hash, suite.hash, premaster, transcript.hash())
    : masterSecret(provider.hash, suite.hash, premaster, randoms.client, randoms.server);
}

export interface Protections {
  readonly client: Tls12Protection;
  readonly server: Tls12Protection;
}

export function makeProtections(provider: CryptoProvider, suite: Tls12Suite, master: Uint8Array, randoms: Randoms): Protections {
  const kb = keyBlock(provider.hash, provider.aead, suite, master, randoms.client, randoms.server);
  return {
    client: new Tls12Protection(provider, suite, kb.clientWriteKey, kb.clientWriteIv),
    server: new Tls12Protection(provider, suite, kb.serverWriteKey, kb.serverWriteIv),
  };
}

/** verify_data = PRF(master, label, Hash(handshake_messages))[0..11] (RFC 5246 §7.4.9). */
export function finishedFor(provider: CryptoProvider, suite: Tls12Suite, master: Uint8Array, side: 'client' | 'server', transcript: Transcript): Uint8Array {
  return verifyData(provider.hash, suite.hash, master, `${side} finished`, transcript.hash());
}

/**
 * Checks the peer's Finished in constant time (RFC 5246 §7.4.9: a mismatch is decrypt_error;
 * a body that is not exactly 12 bytes is decode_error).
 */
export function checkFinished(message: HandshakeMessage, expected: Uint8Array): void {
  if (message.body.length !== expected.length) {
    throw new LocalAlert(AlertDescription.decode_error, `Finished of ${message.body.length} bytes, expected ${expected.length}`);
  }
  if (!constantTimeEqual(message.body, expected)) {
    throw new LocalAlert(AlertDescription.decrypt_error, 'Finished verify_data does not match the transcript');
  }
}

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** The NSS key-log event of a TLS 1.2 session (`CLIENT_RANDOM <random> <master>`), formatted when read. */
export function keylogEvent12(clientRandom: Uint8Array, master: Uint8Array): ConnectionEvent {
  const random = clientRandom.slice();
  const secret = master.slice();
  return lazyKeylogEvent(() => `CLIENT_RANDOM ${hex(random)} ${hex(secret)}`);
}

export function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** The bytes a TLS 1.2 ServerKeyExchange signature covers (RFC 5246 §7.4.3, RFC 8422 §5.4). */
export function signedParams(randoms: Randoms, paramsRaw: Uint8Array): Uint8Array {
  const out = new Uint8Array(64 + paramsRaw.length);
  out.set(randoms.client, 0);
  out.set(randoms.server, 32);
  out.set(paramsRaw, 64);
  return out;
}

/** Reports the master secret as an NSS key-log line (only consumers that asked for a key log write it anywhere). */
export function emitKeylog(io: HandshakeIo, randoms: Randoms, master: Uint8Array): void {
  io.emit(keylogEvent12(randoms.client, master));
}
