/**
 * One ordered list of the messages of a connection, built from the observer hook of either side
 * or both. Each message appears once, numbered in wire order, decoded as it is recorded.
 *
 * With both sides observed, a message is reported twice (sent by one, received by the other);
 * the two reports are merged into one entry that keeps both sides' states. A message whose
 * sender was not observed (for example a ClientHello queued before the observer could be set)
 * is recorded from its receiver's report; one the receiver never read (it had already failed)
 * keeps `receiver` undefined.
 */
import type { Connection } from '../connection/connection.js';
import type { ApplicationDataObserver, MessageEvent, Observer } from '../connection/observer.js';
import { otherSide, TraceDecoder, type DecodedMessage, type HandshakeFacts, type Side } from './decode.js';
import { layoutMessage, type Region } from './layout.js';

/** The state of one side just before and just after it handled the message. */
export interface StateChange {
  readonly before: string;
  readonly after: string;
}

export interface TraceMessage {
  /** 1-based position in wire order, as this trace saw it. */
  readonly index: number;
  /**
   * The sender and its count, "C3" (the client's third message) or "S6": the same in the client's
   * and the server's trace of one connection. Wire order can differ between the two (messages
   * cross after the handshake, and a side that fails never reads what the peer sent meanwhile),
   * but each direction's order cannot.
   */
  readonly id: string;
  readonly from: Side;
  readonly contentType: number;
  readonly handshakeType: number | undefined;
  readonly raw: Uint8Array;
  readonly decoded: DecodedMessage;
  /** Which bytes of `raw` hold which field (for the annotated hex dump). */
  readonly layout: readonly Region[];
  /** The sender's states around sending it, when the sender was observed. */
  readonly sender: StateChange | undefined;
  /** The receiver's states around handling it, when the receiver was observed and read it. */
  readonly receiver: StateChange | undefined;
  /** False when the receiver was observed but never read it (it had already failed or closed). */
  readonly read: boolean | undefined;
}

/** One application data record: who sent it and its length; its bytes only when kept (--show-data). */
export interface ApplicationDataRecord {
  readonly from: Side;
  readonly length: number;
  readonly data?: Uint8Array;
}

interface Entry {
  index: number;
  id: string;
  from: Side;
  contentType: number;
  handshakeType: number | undefined;
  raw: Uint8Array;
  decoded: DecodedMessage;
  layout: readonly Region[];
  sender: StateChange | undefined;
  receiver: StateChange | undefined;
}

export class Timeline {
  readonly #entries: Entry[] = [];
  /** Messages reported sent by a side and not yet reported received by the other. */
  readonly #inFlight: Record<Side, Entry[]> = { client: [], server: [] };
  readonly #decoder = new TraceDecoder();
  readonly #attached: { connection: Connection; side: Side }[] = [];
  /** Sides observed through observer() rather than attach(). */
  readonly #sides = new Set<Side>();
  #recording = true;
  readonly #sent: Record<Side, number> = { client: 0, server: 0 };
  readonly #applicationData: ApplicationDataRecord[] = [];
  /** Sides whose application data records are observed. */
  readonly #dataSides = new Set<Side>();

  /** Keep the bytes of application data records (--show-data), not only their lengths. */
  keepApplicationData = false;

  /** Called with each new message, as soon as it is recorded (for streaming a ladder). */
  onMessage: ((message: TraceMessage) => void) | undefined;

  /** Starts observing `connection`, which plays `side`. Replaces any observer it had. */
  attach(connection: Connection, side: Side): this {
    connection.observer = (event) => this.record(event, side);
    connection.applicationDataObserver = this.applicationDataObserver(side);
    this.#attached.push({ connection, side });
    return this;
  }

  /**
   * An observer to pass as the `observer` option of the connection that plays `side`: unlike
   * attach(), it sees the very first message (a client's ClientHello is sent as it is created).
   */
  observer(side: Side): Observer {
    this.#sides.add(side);
    return (event) => this.record(event, side);
  }

  /**
   * An observer of application data records for the connection that plays `side`. With both
   * sides observed, each record is counted once, from its sender.
   */
  applicationDataObserver(side: Side): ApplicationDataObserver {
    this.#dataSides.add(side);
    return (direction, plaintext) => {
      if (!this.#recording) return;
      const from = direction === 'sent' ? side : otherSide(side);
      if (direction === 'received' && this.#dataSides.has(from)) return;
      this.#applicationData.push({ from, length: plaintext.length, ...(this.keepApplicationData ? { data: plaintext.slice() } : {}) });
    };
  }

  /** The application data records so far, in the order they were seen. */
  get applicationData(): readonly ApplicationDataRecord[] {
    return this.#applicationData;
  }

  /** Stops recording and detaches from every connection (e.g. once the handshake is complete). */
  stop(): void {
    this.#recording = false;
    for (const { connection } of this.#attached) connection.observer = undefined;
  }

  /**
   * With one side observed, hold the messages it sends until releaseSent() says they reached the
   * wire. The core reports a message when it is queued, which can be in the middle of reading the
   * peer's flight (a TLS 1.3 client queues its ChangeCipherSpec on reading the ServerHello); its
   * bytes leave only after that flight, and the ladder shows wire order.
   */
  holdSent = false;
  readonly #held: { event: MessageEvent; side: Side }[] = [];

  /** The held messages were written to the network: record them now, in order. */
  releaseSent(): void {
    for (const { event, side } of this.#held.splice(0)) this.#record(event, side);
  }

  /** Records one observer event reported by the connection playing `side`. */
  record(event: MessageEvent, side: Side): void {
    if (this.holdSent && event.direction === 'sent') {
      if (this.#recording) this.#held.push({ event, side });
      return;
    }
    this.#record(event, side);
  }

  #record(event: MessageEvent, side: Side): void {
    if (!this.#recording) return;
    const state = { before: event.stateBefore, after: event.stateAfter };
    if (event.direction === 'sent') {
      const entry = this.#add(side, event, { sender: state });
      this.#inFlight[side].push(entry);
      return;
    }
    const from = otherSide(side);
    const queue = this.#inFlight[from];
    const i = queue.findIndex((e) => e.contentType === event.contentType && sameBytes(e.raw, event.raw));
    if (i >= 0) {
      // Anything queued before it was sent but never read (the peer's alert crossing ours, …).
      queue[i]!.receiver = state;
      queue.splice(0, i + 1);
      return;
    }
    this.#add(from, event, { receiver: state });
  }

  get messages(): readonly TraceMessage[] {
    return this.#entries.map((e) => this.#view(e));
  }

  /** The sides whose observer events were recorded. */
  get observedSides(): readonly Side[] {
    return [...new Set([...this.#attached.map((a) => a.side), ...this.#sides])];
  }

  #view(e: Entry): TraceMessage {
    const observed = this.observedSides.includes(otherSide(e.from));
    return { ...e, read: e.receiver !== undefined ? true : observed ? false : undefined };
  }

  /** What the handshake established so far (suite, group, certificates, …). */
  get facts(): Readonly<HandshakeFacts> {
    return this.#decoder.facts;
  }

  #add(from: Side, event: MessageEvent, states: { sender?: StateChange; receiver?: StateChange }): Entry {
    const entry: Entry = {
      index: this.#entries.length + 1,
      id: `${from === 'client' ? 'C' : 'S'}${++this.#sent[from]}`,
      from,
      contentType: event.contentType,
      handshakeType: event.handshakeType,
      raw: event.raw.slice(), // the core may reuse its buffers
      layout: layoutMessage(event.contentType, event.handshakeType, event.raw, this.#decoder.layoutContext),
      decoded: this.#decoder.decode(from, event.contentType, event.handshakeType, event.raw),
      sender: states.sender,
      receiver: states.receiver,
    };
    this.#entries.push(entry);
    this.onMessage?.(this.#view(entry));
    return entry;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
