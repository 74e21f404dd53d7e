// STUB: the real core is being written. The public surface below is final.
import type { ConnectionEvent } from './events.js';
import type { ClientOptions, ServerOptions } from '../config.js';

export interface CipherInfo {
  /** OpenSSL name, e.g. ECDHE-RSA-AES128-GCM-SHA256 (as node:tls getCipher().name). */
  readonly name: string;
  /** IANA name, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256. */
  readonly standardName: string;
  /** 'TLSv1.2' */
  readonly version: string;
}

/**
 * Sans-I/O TLS connection. Feed received bytes with receive(); take the bytes to send with
 * takeOutgoing() and what happened with takeEvents(), after every call.
 */
export abstract class Connection {
  /** Processes bytes from the peer. Throws a TlsError on a fatal failure (the alert to send is then in takeOutgoing()). */
  receive(_bytes: Uint8Array): void { throw new Error('stub'); }
  /** Queues application data (only once the handshake is complete). */
  write(_data: Uint8Array): void { throw new Error('stub'); }
  /** Queues close_notify. */
  close(): void { throw new Error('stub'); }
  /** Wire bytes to send, in order (whole records). */
  takeOutgoing(): Uint8Array[] { return []; }
  takeEvents(): ConnectionEvent[] { return []; }
  get isHandshaking(): boolean { return true; }
  get failure(): Error | undefined { return undefined; }
  get protocol(): 'TLSv1.2' | 'TLSv1.3' | null { return null; }
  get cipher(): CipherInfo | null { return null; }
  get alpnProtocol(): string | false { return false; }
  /** SNI the client sent (server side) or asked for (client side). */
  get serverName(): string | undefined { return undefined; }
  /** The peer's chain as DER, leaf first (empty when none). */
  get peerCertificates(): readonly Uint8Array[] { return []; }
  /** True when the peer's certificate verified (client: server cert; server: client cert). */
  get authorized(): boolean { return false; }
  get authorizationError(): Error | undefined { return undefined; }
  /** Our last Finished verify_data, the peer's. */
  get finished(): Uint8Array | undefined { return undefined; }
  get peerFinished(): Uint8Array | undefined { return undefined; }
  /** Negotiated ECDHE/DHE group name ('X25519', 'P-256', …) for getEphemeralKeyInfo. */
  get ephemeralKeyInfo(): { type: string; name?: string; size: number } | null { return null; }
  exportKeyingMaterial(_length: number, _label: string, _context?: Uint8Array): Uint8Array { throw new Error('stub'); }
}

export class ClientConnection extends Connection {
  constructor(_options: ClientOptions) { super(); }
  /** Starts the handshake: queues the ClientHello. */
  start(): void {}
}

export class ServerConnection extends Connection {
  constructor(_options: ServerOptions) { super(); }
}
