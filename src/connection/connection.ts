import {
  resolveClientConfig,
  resolveServerConfig,
  type ClientOptions,
  type ResolvedClientConfig,
  isResolved,
  type ResolvedConfig,
  type ResolvedServerConfig,
  type ServerOptions,
} from '../config.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { LocalAlert, PeerAlert, toTlsError, type TlsError } from '../errors.js';
import { buildClientHello, ExpectServerHello } from '../handshake/client/hello.js';
import { Negotiated } from '../handshake/negotiated.js';
import { ExpectClientHello } from '../handshake/server/hello.js';
import type { HandshakeIo, State } from '../handshake/state.js';
import { exportKeyingMaterial } from '../keys/key-schedule-tls12.js';
import { exportKeyingMaterial13 } from '../keys/key-schedule-tls13.js';
import { Traffic13 } from '../handshake/traffic13.js';
import { readAlert } from '../messages/alert.js';
import { AlertDescription, AlertLevel, ContentType, HandshakeType, NamedGroup, nameOf } from '../messages/enums.js';
import { isKemGroup } from '../crypto/kem-groups.js';
import { frameHandshake, type HandshakeMessage } from '../messages/handshake.js';
import { HandshakeJoiner } from '../record/handshake-joiner.js';
import { RecordLayer, type PlainRecord } from '../record/record-layer.js';
import type { RecordProtection } from '../record/protection.js';
import type { ConnectionEvent } from './events.js';
import type { ApplicationDataObserver, MessageEvent, Observer } from './observer.js';
import { MAX_PLAINTEXT } from '../record/deframer.js';

export interface CipherInfo {
  /** OpenSSL name, e.g. ECDHE-RSA-AES128-GCM-SHA256 (as node:tls getCipher().name). */
  readonly name: string;
  /** IANA name, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256. */
  readonly standardName: string;
  readonly version: string;
}

/** BoringSSL's limits (security.md §1.2): consecutive empty records and warning alerts. */
const MAX_EMPTY_RECORDS = 32;
const MAX_WARNING_ALERTS = 4;
/** BoringSSL's kMaxKeyUpdates: KeyUpdates in a row without application data. */
const MAX_KEY_UPDATES = 32;

/**
 * Sans-I/O TLS connection. Feed received bytes with receive(); after every call take the bytes
 * to send with takeOutgoing() and what happened with takeEvents(). No sockets, timers or Buffer.
 *
 * All failures leave through one exit (#fail): the alert decided at the check is queued (sealed
 * if keys are active), the connection is poisoned, and the same error is thrown forever after.
 */
export abstract class Connection {
  readonly #records = new RecordLayer();
  readonly #joiner = new HandshakeJoiner();
  readonly #negotiated = new Negotiated();
  readonly #io: HandshakeIo;
  #state: State;
  #failure: TlsError | undefined;
  #events: ConnectionEvent[] = [];
  #peerClosed = false;
  #closeSent = false;
  #emptyRecords = 0;
  /** TLS 1.3: the peer's one compatibility ChangeCipherSpec has been dropped (RFC 8446 §5). */
  #compatCcsSeen = false;
  #warnings = 0;
  #keyUpdates = 0;
  #observer: Observer | undefined;
  #dataObserver: ApplicationDataObserver | undefined;
  #pendingTrace: Array<Omit<MessageEvent, 'stateAfter'>> = [];

  protected constructor(protected readonly config: ResolvedConfig) {
    this.#io = new Connection.#Io(this, config.provider);
    this.#state = NOT_STARTED;
    this.#observer = config.observer;
  }

  /**
   * What the states are handed (HandshakeIo). A class, not an object of arrow functions: the
   * methods live once on its prototype, and an idle connection keeps one small object instead of
   * seven closures and their context (issue 7). Declared in here to reach the private fields.
   */
  static readonly #Io = class ConnectionIo implements HandshakeIo {
    readonly negotiated: Negotiated;

    constructor(
      readonly connection: Connection,
      readonly provider: CryptoProvider,
    ) {
      this.negotiated = connection.#negotiated;
    }

    sendHandshake(type: number, body: Uint8Array): HandshakeMessage {
      const c = this.connection;
      const message = frameHandshake(type, body);
      c.#records.queueHandshake(message.raw);
      c.#trace('sent', ContentType.handshake, type, message.raw);
      return message;
    }

    sendChangeCipherSpec(): void {
      const c = this.connection;
      const ccs = Uint8Array.of(1);
      c.#records.send(ContentType.change_cipher_spec, ccs);
      c.#trace('sent', ContentType.change_cipher_spec, undefined, ccs);
    }

    sendWarning(description: number): void {
      this.connection.#sendAlert(AlertLevel.warning, description);
    }

    setReadProtection(p: RecordProtection): void {
      this.connection.#records.setReadProtection(p);
    }

    rejectEarlyData(limit: number): void {
      this.connection.#records.rejectEarlyData(limit);
    }

    setWriteProtection(p: RecordProtection): void {
      this.connection.#records.setWriteProtection(p);
    }

    emit(event: ConnectionEvent): void {
      this.connection.#events.push(event);
    }
  };

  /** Enters the first state (for a client, by sending the ClientHello). */
  protected begin(initial: (io: HandshakeIo) => State, firstRecordVersion = 0x0303): void {
    this.#records.plaintextVersion = firstRecordVersion;
    try {
      this.#state = this.#run(() => initial(this.#io));
      this.#records.flush();
    } catch (cause) {
      this.#fail(cause);
    } finally {
      this.#records.plaintextVersion = 0x0303;
    }
  }

  /** Sets the observer that sees every message (see observer.ts). */
  set observer(observer: Observer | undefined) {
    this.#observer = observer;
  }

  /**
   * Sets the observer of application data records (see observer.ts): traces count them. Apart
   * from the message observer so that handshake-only observers pay nothing per record.
   */
  set applicationDataObserver(observer: ApplicationDataObserver | undefined) {
    this.#dataObserver = observer;
  }

  /**
   * Processes bytes from the peer. Throws a TlsError on a fatal failure; the alert is then in
   * takeOutgoing(). Whole records are read in place from `bytes` (no copy); only a record cut by
   * its end is copied, so the caller may reuse `bytes` once this returns.
   */
  receive(bytes: Uint8Array): void {
    if (this.#failure) throw this.#failure;
    try {
      this.#records.deframer.push(bytes);
      let record: PlainRecord | undefined;
      while (!this.#peerClosed && (record = this.#records.readRecord())) this.#onRecord(record);
    } catch (cause) {
      this.#fail(cause);
    }
    this.#flushIdleTrace();
  }

  /** Alerts and CCS outside a state step (close_notify, warnings) are reported when the call ends. */
  #flushIdleTrace(): void {
    if (this.#observer && this.#pendingTrace.length > 0) this.#flushTrace(this.#state.name, this.#state.name);
  }

  /**
   * Queues application data; only once the handshake is complete. Several parts (e.g. an
   * application's queued writes) are sent as their concatenation, in full records, without
   * joining them first. The bytes are read during the call and not referenced after it.
   */
  write(data: Uint8Array | readonly Uint8Array[]): void {
    if (this.#failure) throw this.#failure;
    if (!this.#state.isTraffic) throw new Error('write() before the handshake completed');
    if (this.#closeSent) throw new Error('write() after close()');
    let length = 0;
    if (data instanceof Uint8Array) length = data.length;
    else for (const part of data) length += part.length;
    if (length === 0) return;
    // RFC 8446 §5.5 / security.md REC-3: never near the AEAD limit under one key.
    if (this.#records.writeRecords + BigInt(Math.ceil(length / 16384)) > this.config.aeadRecordLimit) {
      if (this.#state instanceof Traffic13) this.keyUpdate(false);
      else {
        this.close();
        throw new Error('the TLS 1.2 record limit for these keys is reached; the connection is closed (no renegotiation)');
      }
    }
    try {
      this.#records.send(ContentType.application_data, data);
    } catch (cause) {
      this.#fail(cause);
    }
    if (this.#dataObserver) reportRecords(this.#dataObserver, data, length);
  }

  /** TLS 1.3: sends KeyUpdate and switches our write keys; with `requestPeer`, asks the peer to do the same (RFC 8446 §4.6.3). */
  keyUpdate(requestPeer = false): void {
    if (this.#failure) throw this.#failure;
    const state = this.#state;
    if (!(state instanceof Traffic13)) throw new Error('keyUpdate() needs an established TLS 1.3 connection');
    try {
      this.#state = this.#run(() => {
        state.sendKeyUpdate(this.#io, requestPeer);
        return state;
      });
    } catch (cause) {
      this.#fail(cause);
    }
  }

  /**
   * Fails the connection for a reason decided outside the handshake (the Node adapter's: a
   * server whose SNI callback chose a context without a certificate): queues `error`'s alert,
   * as any failure, and throws `error`.
   */
  abort(error: TlsError): never {
    if (this.#failure) throw this.#failure;
    this.#fail(error);
  }

  /** Queues close_notify (RFC 5246 §7.2.1). Idempotent. */
  close(): void {
    if (this.#closeSent || this.#failure) return;
    this.#closeSent = true;
    this.#sendAlert(AlertLevel.warning, AlertDescription.close_notify);
    this.#flushIdleTrace();
  }

  /** Wire bytes to send, in order: one array per record. */
  takeOutgoing(): Uint8Array[] {
    return this.#records.takeOutgoing();
  }

  /**
   * The same bytes as takeOutgoing(), in as few arrays as possible (all the records of one write,
   * flight or alert share one): what a socket adapter should write, one write per array. The
   * arrays are handed over: the connection never touches them again.
   */
  takeOutgoingChunks(): Uint8Array[] {
    return this.#records.takeOutgoingChunks();
  }

  /**
   * How the arrays that outgoing records are sealed into are made (default: new Uint8Array). The
   * connection fills each one completely before handing it out, so the function may return
   * uninitialised or recycled memory; a socket adapter uses it to recycle arrays whose write has
   * completed (node/output-pool.ts).
   */
  set allocateOutput(allocate: (length: number) => Uint8Array) {
    this.#records.allocate = allocate;
  }

  takeEvents(): ConnectionEvent[] {
    const events = this.#events;
    this.#events = [];
    return events;
  }

  get isHandshaking(): boolean {
    return !this.#state.isTraffic && !this.#failure;
  }
  get isEstablished(): boolean {
    return this.#state.isTraffic === true && !this.#failure;
  }
  get failure(): TlsError | undefined {
    return this.#failure;
  }
  get stateName(): string {
    return this.#state.name;
  }
  get peerClosed(): boolean {
    return this.#peerClosed;
  }
  get protocol(): 'TLSv1.2' | 'TLSv1.3' | null {
    return this.#negotiated.version ?? null;
  }
  get cipher(): CipherInfo | null {
    const s13 = this.#negotiated.suite13;
    if (s13) return { name: s13.name, standardName: s13.name, version: 'TLSv1.3' };
    const s = this.#negotiated.suite;
    return s ? { name: s.openssl, standardName: s.name, version: 'TLSv1.2' } : null;
  }
  get alpnProtocol(): string | false {
    return this.#negotiated.alpn ?? false;
  }
  get serverName(): string | undefined {
    return this.#negotiated.serverName;
  }
  get peerCertificates(): readonly Uint8Array[] {
    return this.#negotiated.peerCertificates;
  }
  get authorized(): boolean {
    return this.#negotiated.peerVerified && this.#state.isTraffic === true;
  }
  get authorizationError(): TlsError | undefined {
    return this.#negotiated.peerVerifyError;
  }
  get finished(): Uint8Array | undefined {
    return this.#negotiated.ourFinished;
  }
  get peerFinished(): Uint8Array | undefined {
    return this.#negotiated.peerFinished;
  }
  /**
   * The certificate chain we sent in this handshake, leaf first, as the handshake chose it (by
   * suite, signature scheme or SNI context); empty when we sent none (a resumed session, or a
   * client that was not asked). node:tls's getCertificate() still names the server's certificate
   * on a resumed session.
   */
  get localCertificates(): readonly Uint8Array[] {
    return this.#negotiated.ourCertificates ?? [];
  }
  /** Largest plaintext per record we send from now on (node:tls setMaxSendFragment; the caller checks 512..2^14). */
  set maxSendFragment(size: number) {
    this.#records.maxFragment = size;
  }
  /** Everything negotiated so far (read-only use). */
  get negotiated(): Readonly<Negotiated> {
    return this.#negotiated;
  }
  /** The (EC)DHE group, in node:tls getEphemeralKeyInfo() shape. */
  get ephemeralKeyInfo(): { type: string; name?: string; size?: number } | null {
    const g = this.#negotiated.group;
    if (g === undefined) return null;
    // Node 24 (OpenSSL 3.5) names the ML-KEM groups and gives no size: { type: 'TLSGroup', name: 'X25519MLKEM768' }.
    if (isKemGroup(g)) return { type: 'TLSGroup', name: nameOf(NamedGroup, g) };
    const info: Record<number, { type: string; name?: string; size: number }> = {
      [NamedGroup.x25519]: { type: 'ECDH', name: 'X25519', size: 253 },
      [NamedGroup.secp256r1]: { type: 'ECDH', name: 'prime256v1', size: 256 },
      [NamedGroup.secp384r1]: { type: 'ECDH', name: 'secp384r1', size: 384 },
      [NamedGroup.ffdhe2048]: { type: 'DH', size: 2048 },
      [NamedGroup.ffdhe3072]: { type: 'DH', size: 3072 },
      [NamedGroup.ffdhe4096]: { type: 'DH', size: 4096 },
    };
    return info[g] ?? null;
  }

  /** RFC 5705 keying material exporter. */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    const n = this.#negotiated;
    if (this.#state.isTraffic && n.suite13 && n.exporterSecret) {
      return exportKeyingMaterial13(this.config.provider.hash, n.suite13.hash, n.exporterSecret, label, context, length);
    }
    if (!this.#state.isTraffic || !n.masterSecret || !n.suite || !n.clientRandom || !n.serverRandom) {
      throw new Error('exportKeyingMaterial() before the handshake completed');
    }
    return exportKeyingMaterial(this.config.provider.hash, n.suite.hash, n.masterSecret, n.clientRandom, n.serverRandom, label, context, length);
  }

  #onRecord(record: PlainRecord): void {
    const { type, plaintext } = record;
    // RFC 5246 §6.2.1 allows empty application data, but a stream of empty records is a DoS.
    if (plaintext.length === 0) {
      if (++this.#emptyRecords > MAX_EMPTY_RECORDS) throw new LocalAlert(AlertDescription.unexpected_message, 'too many empty records');
    } else {
      this.#emptyRecords = 0;
    }
    // BoringSSL's kMaxWarningAlerts counts warnings in a row: any other record resets it.
    if (type !== ContentType.alert) this.#warnings = 0;
    // A handshake message may not be interleaved with other content types.
    if (type !== ContentType.handshake && this.#joiner.hasPartial) {
      throw new LocalAlert(AlertDescription.unexpected_message, `${nameOf(ContentType, type)} record inside a fragmented handshake message`);
    }
    switch (type) {
      case ContentType.handshake: {
        const epoch = this.#records.readEpoch;
        const messages = this.#joiner.push(plaintext);
        for (let i = 0; i < messages.length; i++) {
          const message = messages[i]!;
          // RFC 8446 §5.1: a key change must fall on a record boundary; nothing may follow it in the same record.
          if (this.#records.readEpoch !== epoch) {
            throw new LocalAlert(AlertDescription.unexpected_message, 'handshake data after a key change in the same record');
          }
          if (message.type === HandshakeType.key_update && ++this.#keyUpdates > MAX_KEY_UPDATES) {
            throw new LocalAlert(AlertDescription.unexpected_message, 'too many KeyUpdates without application data');
          }
          this.#trace('received', ContentType.handshake, message.type, message.raw);
          this.#state = this.#run(() => this.#state.handle({ kind: 'handshake', message }, this.#io));
        }
        if (this.#records.readEpoch !== epoch && this.#joiner.hasPartial) {
          throw new LocalAlert(AlertDescription.unexpected_message, 'a handshake message straddles a key change');
        }
        return;
      }
      case ContentType.change_cipher_spec:
        // RFC 5246 §7.1: the message is a single byte of value 1. RFC 8446 §5 names
        // unexpected_message for any other value; TLS 1.2 names none, and we (as tlsfuzzer and
        // BoringSSL) answer the same: the record is not a ChangeCipherSpec at all.
        if (plaintext.length !== 1 || plaintext[0] !== 1) {
          throw new LocalAlert(AlertDescription.unexpected_message, `malformed ChangeCipherSpec (${plaintext.length} bytes)`);
        }
        this.#trace('received', ContentType.change_cipher_spec, undefined, plaintext);
        if (this.#negotiated.version === 'TLSv1.3') {
          // RFC 8446 §5 and §D.4: one compatibility CCS, unprotected (the record layer refuses a
          // protected one), between the first ClientHello and the peer's Finished, is dropped;
          // a second one, or one after the handshake, is unexpected_message.
          if (this.#state.isTraffic) throw new LocalAlert(AlertDescription.unexpected_message, 'ChangeCipherSpec after the TLS 1.3 handshake');
          if (this.#compatCcsSeen) throw new LocalAlert(AlertDescription.unexpected_message, 'a second ChangeCipherSpec in a TLS 1.3 handshake');
          this.#compatCcsSeen = true;
          return;
        }
        this.#state = this.#run(() => this.#state.handle({ kind: 'change_cipher_spec' }, this.#io));
        return;
      case ContentType.alert:
        this.#onAlert(plaintext);
        return;
      case ContentType.application_data:
        // RFC 5246 §7.4.9 / §6: no application data before the handshake is finished.
        if (!this.#state.isTraffic) throw new LocalAlert(AlertDescription.unexpected_message, 'application data before the handshake completed');
        if (plaintext.length > 0) {
          this.#keyUpdates = 0;
          this.#events.push({ type: 'application-data', data: plaintext });
        }
        this.#dataObserver?.('received', plaintext);
        return;
    }
  }

  /** TLS 1.3 rules apply: negotiated, or the only version we speak. */
  get #isTls13(): boolean {
    return this.#negotiated.version === 'TLSv1.3' || !this.config.versions.includes(0x0303);
  }

  #onAlert(plaintext: Uint8Array): void {
    // RFC 5246 §6.2.1 / RFC 8446 §5.1: no zero-length alert fragments (unexpected_message, as for
    // empty handshake and ChangeCipherSpec records); alerts are never fragmented or coalesced,
    // which no RFC gives an alert for: a record of 1 or 3+ bytes does not decode (decode_error).
    if (plaintext.length === 0) throw new LocalAlert(AlertDescription.unexpected_message, 'empty alert record');
    if (plaintext.length !== 2) throw new LocalAlert(AlertDescription.decode_error, `alert record of ${plaintext.length} bytes`);
    const alert = readAlert(plaintext);
    this.#trace('received', ContentType.alert, undefined, plaintext);
    if (alert.description === AlertDescription.close_notify) {
      this.#peerClosed = true;
      this.#events.push({ type: 'peer-closed' });
      return;
    }
    if (alert.level === AlertLevel.fatal) throw new PeerAlert(alert.description, alert.level);
    // RFC 8446 §6: in TLS 1.3 every alert but close_notify and user_canceled is an error, whatever its level.
    if (this.#isTls13 && alert.description !== AlertDescription.user_canceled) {
      throw new PeerAlert(alert.description, alert.level);
    }
    if (alert.level !== AlertLevel.warning) throw new LocalAlert(AlertDescription.illegal_parameter, `alert level ${alert.level}`);
    if (++this.#warnings > MAX_WARNING_ALERTS) throw new LocalAlert(AlertDescription.unexpected_message, 'too many warning alerts');
    this.#events.push({ type: 'warning-alert', description: alert.description });
  }

  #sendAlert(level: number, description: number): void {
    const body = Uint8Array.of(level, description);
    this.#records.send(ContentType.alert, body);
    this.#trace('sent', ContentType.alert, undefined, body);
  }

  /** Runs a state step, then reports the messages it sent with the state it led to. */
  #run(step: () => State): State {
    const before = this.#state.name;
    const next = step();
    if (this.#observer) this.#flushTrace(before, next.name);
    return next;
  }

  #trace(direction: 'sent' | 'received', contentType: number, handshakeType: number | undefined, raw: Uint8Array): void {
    if (!this.#observer) return;
    this.#pendingTrace.push({ kind: 'message', direction, contentType, handshakeType, raw, stateBefore: this.#state.name });
  }

  #flushTrace(before: string, after: string): void {
    const pending = this.#pendingTrace;
    this.#pendingTrace = [];
    const observer = this.#observer;
    if (!observer) return;
    // An explicit literal, not `{ ...e, … }`: V8 copies a spread through its slow generic path,
    // which made a no-op observer cost ~1.5 µs per message (bench/observer.ts, paired handshakes).
    for (const e of pending) {
      observer({
        kind: 'message',
        direction: e.direction,
        contentType: e.contentType,
        handshakeType: e.handshakeType,
        raw: e.raw,
        stateBefore: e.direction === 'received' ? e.stateBefore : before,
        stateAfter: after,
      });
    }
  }

  #fail(cause: unknown): never {
    const error = toTlsError(cause);
    this.#failure = error;
    if (error.alert !== undefined) {
      try {
        this.#sendAlert(AlertLevel.fatal, error.alert);
      } catch {
        // The alert could not be sealed (e.g. sequence overflow): close without one.
      }
    }
    if (this.#observer) this.#flushTrace(this.#state.name, 'Failed');
    throw error;
  }
}

/** Reports what write() sent as the records the record layer cut it into (MAX_PLAINTEXT each, the last shorter). */
function reportRecords(observer: ApplicationDataObserver, data: Uint8Array | readonly Uint8Array[], length: number): void {
  let joined: Uint8Array;
  if (data instanceof Uint8Array) joined = data;
  else {
    joined = new Uint8Array(length);
    let at = 0;
    for (const part of data) {
      joined.set(part, at);
      at += part.length;
    }
  }
  for (let at = 0; at < length; at += MAX_PLAINTEXT) observer('sent', joined.subarray(at, Math.min(length, at + MAX_PLAINTEXT)));
}

/** Placeholder before begin(): any message now is out of order. */
const NOT_STARTED: State = {
  name: 'NotStarted',
  handle() {
    throw new LocalAlert(AlertDescription.unexpected_message, 'message before the handshake started');
  },
};

export class ClientConnection extends Connection {
  readonly #config: ResolvedClientConfig;
  #started = false;

  constructor(options: ClientOptions = {}) {
    const config = resolveClientConfig(options);
    super(config);
    this.#config = config;
  }

  /** Starts the handshake: queues the ClientHello (in a record with version 0x0301, as RFC 8446 §5.1 advises). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.begin((io) => {
      const { offer, transcript } = buildClientHello(this.#config, io);
      return new ExpectServerHello(this.#config, offer, transcript);
    }, 0x0301);
  }
}

export class ServerConnection extends Connection {
  /** Takes options, or a configuration resolved once with resolveServerConfig() and shared by many connections. */
  constructor(options: ServerOptions | ResolvedServerConfig) {
    const config = isResolved(options) ? options : resolveServerConfig(options);
    super(config);
    this.begin(() => new ExpectClientHello(config));
  }
}
