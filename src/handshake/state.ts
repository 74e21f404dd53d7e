/**
 * The handshake is a chain of states, one class per expected message. Each state's handle()
 * consumes one incoming message and returns the state that expects the next one.
 *
 * Rules for state code:
 * - Start with expectHandshake(input, type…); anything else is unexpected_message.
 * - For CertificateVerify and Finished, compute the expected value from the transcript BEFORE
 *   adding the message itself, then add it exactly once.
 * - Cite the RFC section and name the alert at every MUST check; throw LocalAlert(alert, why).
 *   The connection core sends the alert from its single failure exit.
 * - Return a new state; do not keep mutable flags in place of states.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import type { ConnectionEvent } from '../connection/events.js';
import { LocalAlert } from '../errors.js';
import { AlertDescription, HandshakeType, nameOf } from '../messages/enums.js';
import type { HandshakeMessage } from '../messages/handshake.js';
import type { RecordProtection } from '../record/protection.js';
import type { Negotiated } from './negotiated.js';

/** What a state is handed: a whole handshake message, or a (TLS 1.2) ChangeCipherSpec. */
export type Incoming = { readonly kind: 'handshake'; readonly message: HandshakeMessage } | { readonly kind: 'change_cipher_spec' };

export interface State {
  /** Stable name for errors, logs and traces, e.g. "client.tls12.ExpectServerKeyExchange". */
  readonly name: string;
  /** True once application data may flow in both directions. */
  readonly isTraffic?: boolean;
  handle(input: Incoming, io: HandshakeIo): State;
}

/** Everything a state may touch besides its own fields. */
export interface HandshakeIo {
  readonly provider: CryptoProvider;
  /** What has been agreed so far; read by the connection's getters. */
  readonly negotiated: Negotiated;
  /** Frames a handshake message, queues it for sending and returns it (the caller adds `raw` to its transcript). */
  sendHandshake(type: number, body: Uint8Array): HandshakeMessage;
  sendChangeCipherSpec(): void;
  /** Sends a warning alert (fatal ones are thrown). */
  sendWarning(description: number): void;
  setReadProtection(protection: RecordProtection): void;
  /** Server: skip up to `limit` bytes of 0-RTT data we are not accepting (RFC 8446 §4.2.10). */
  rejectEarlyData(limit: number): void;
  setWriteProtection(protection: RecordProtection): void;
  emit(event: ConnectionEvent): void;
}

/** Returns the handshake message if its type is one of `types`; otherwise unexpected_message. */
export function expectHandshake(input: Incoming, state: string, ...types: number[]): HandshakeMessage {
  if (input.kind === 'handshake' && types.includes(input.message.type)) return input.message;
  const got = input.kind === 'handshake' ? nameOf(HandshakeType, input.message.type, 'HandshakeType') : 'ChangeCipherSpec';
  const want = types.map((t) => nameOf(HandshakeType, t, 'HandshakeType')).join(' or ');
  throw new LocalAlert(AlertDescription.unexpected_message, `${state}: expected ${want}, got ${got}`);
}

/** For the states that expect a ChangeCipherSpec. */
export function expectChangeCipherSpec(input: Incoming, state: string): void {
  if (input.kind === 'change_cipher_spec') return;
  throw new LocalAlert(
    AlertDescription.unexpected_message,
    `${state}: expected ChangeCipherSpec, got ${nameOf(HandshakeType, input.message.type, 'HandshakeType')}`,
  );
}
