/**
 * The one observation point of the core: every handshake message, ChangeCipherSpec and alert,
 * in both directions, with its raw bytes and the state names around it. Traces, the HTML
 * ladder and failure diagnosis are built only from these events. With no observer set, the
 * core does no extra work.
 */
export interface MessageEvent {
  readonly kind: 'message';
  readonly direction: 'sent' | 'received';
  /** ContentType of the record that carried it. */
  readonly contentType: number;
  /** HandshakeType, for handshake messages. */
  readonly handshakeType: number | undefined;
  /** The message bytes: handshake header + body, the CCS byte, or the 2 alert bytes. */
  readonly raw: Uint8Array;
  readonly stateBefore: string;
  readonly stateAfter: string;
}

export type Observer = (event: MessageEvent) => void;

/**
 * Sees each application data record, sent or received, with its plaintext (a view: copy it to
 * keep it). Set apart from the Observer (Connection.applicationDataObserver), so that observing
 * the handshake costs nothing per record.
 */
export type ApplicationDataObserver = (direction: 'sent' | 'received', plaintext: Uint8Array) => void;
