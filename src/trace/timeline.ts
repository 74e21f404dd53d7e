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
import type { MessageEvent } from '../connection/observer.js';
import { otherSide, TraceDecoder, type DecodedMessage, type HandshakeFacts, type Side } from './decode.js';

/** The state of one side just before and just after it handled the message. */
export interface StateChange {
  readonly before: string;
  readonly after: string;
}

export interface TraceMessage {
  /** 1-based position in wire order. */
  readonly index: number;
  readonly from: Side;
  readonly contentType: number;
  readonly handshakeType: number | undefined;
  readonly raw: Uint8Array;
  readonly decoded: DecodedMessage;
  /** The sender's states around sending it, when the sender was observed. */
  readonly sender: StateChange | undefined;
  /** The receiver's states around handling it, when the receiver was observed and read it. */
  readonly receiver: StateChange | undefined;
  /** False when the receiver was observed but never read it (it had already failed or closed). */
  readonly read: boolean | undefined;
}

interface Entry {
  index: number;
  from: Side;
  contentType: number;
  handshakeType: number | undefined;
  raw: Uint8Array;
  decoded: DecodedMessage;
  sender: StateChange | undefined;
  receiver: StateChange | undefined;
}

export class Timeline {
  readonly #entries: Entry[] = [];
  /** Messages reported sent by a side and not yet reported received by the other. */
  readonly #inFlight: Record<Side, Entry[]> = { client: [], server: [] };
  readonly #decoder = new TraceDecoder();
  readonly #attached: { connection: Connection; side: Side }[] = [];
  #recording = true;

  /** Starts observing `connection`, which plays `side`. Replaces any observer it had. */
  attach(connection: Connection, side: Side): this {
    connection.observer = (event) => this.record(event, side);
    this.#attached.push({ connection, side });
    return this;
  }

  /** Stops recording and detaches from every connection (e.g. once the handshake is complete). */
  stop(): void {
    this.#recording = false;
    for (const { connection } of this.#attached) connection.observer = undefined;
  }

  /** Records one observer event reported by the connection playing `side`. */
  record(event: MessageEvent, side: Side): void {
    if (!this.#recording) return;
    const state = { before: event.stateBefore, after: event.stateAfter };
    if (event.direction === 'sent') {
      const entry = this.#add(side, event);
      entry.sender = state;
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
    this.#add(from, event).receiver = state;
  }

  get messages(): readonly TraceMessage[] {
    const observed = new Set(this.#attached.map((a) => a.side));
    return this.#entries.map((e) => ({ ...e, read: e.receiver !== undefined ? true : observed.has(otherSide(e.from)) ? false : undefined }));
  }

  /** The sides whose observer events were recorded. */
  get observedSides(): readonly Side[] {
    return this.#attached.map((a) => a.side);
  }

  /** What the handshake established so far (suite, group, certificates, …). */
  get facts(): Readonly<HandshakeFacts> {
    return this.#decoder.facts;
  }

  #add(from: Side, event: MessageEvent): Entry {
    const entry: Entry = {
      index: this.#entries.length + 1,
      from,
      contentType: event.contentType,
      handshakeType: event.handshakeType,
      raw: event.raw.slice(), // the core may reuse its buffers
      decoded: this.#decoder.decode(from, event.contentType, event.handshakeType, event.raw),
      sender: undefined,
      receiver: undefined,
    };
    this.#entries.push(entry);
    return entry;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
