/**
 * Drives a real in-memory handshake between a side under test (SUT) and a live legitimate peer,
 * one peer message at a time. The peer's records are decoded (white-box keys, hostile-wire.ts)
 * into units and re-sealed one unit per record, so the test can stop at any point where the SUT
 * waits for input and deliver something else instead, protected exactly as the SUT expects.
 */
import { ClientConnection, ServerConnection, type Connection } from '../../src/connection/connection.js';
import type { ClientOptions, ServerOptions } from '../../src/config.js';
import type { ConnectionEvent } from '../../src/connection/events.js';
import { ContentType } from '../../src/messages/enums.js';
import { Keylog, StreamDecoder, StreamSealer, type Side, type Unit } from './hostile-wire.js';

export interface DriverOptions {
  readonly sut: Side;
  readonly server: ServerOptions;
  readonly client: ClientOptions;
}

export class HostileDriver {
  readonly server: ServerConnection;
  readonly client: ClientConnection;
  readonly sut: Connection;
  readonly peer: Connection;
  readonly sutSide: Side;
  readonly keylog = new Keylog();
  /** Peer units not yet delivered to the SUT. */
  readonly queue: Unit[] = [];
  /** Every unit delivered to the SUT so far (legitimate or injected). */
  readonly delivered: Unit[] = [];
  readonly sutEvents: ConnectionEvent[] = [];
  readonly peerEvents: ConnectionEvent[] = [];
  /** Decodes the SUT's own records (to read the alerts it sends). */
  readonly fromSut: StreamDecoder;
  /** Every unit the SUT sent, decoded. */
  readonly sutUnits: Unit[] = [];
  readonly #fromPeer: StreamDecoder;
  readonly #toSut: StreamSealer;
  peerError: unknown;

  constructor(options: DriverOptions) {
    this.sutSide = options.sut;
    this.server = new ServerConnection(options.server);
    this.client = new ClientConnection(options.client);
    this.sut = options.sut === 'server' ? this.server : this.client;
    this.peer = options.sut === 'server' ? this.client : this.server;
    const peerSide: Side = options.sut === 'server' ? 'client' : 'server';
    this.fromSut = new StreamDecoder(options.sut, () => this.sut, this.keylog);
    this.#fromPeer = new StreamDecoder(peerSide, () => this.peer, this.keylog);
    this.#toSut = new StreamSealer(peerSide, () => this.peer, this.keylog);
    this.client.start();
    this.shuttle();
  }

  get version(): 'TLSv1.2' | 'TLSv1.3' | undefined {
    return this.peer.negotiated.version ?? this.sut.negotiated.version;
  }

  /** Moves everything pending: SUT records to the live peer, peer records into the queue. */
  shuttle(): void {
    for (let round = 0; round < 20; round++) {
      this.#collectEvents();
      const sutRecords = this.sut.takeOutgoing();
      for (const r of sutRecords) {
        this.sutUnits.push(...this.fromSut.decode(r));
        if (this.peerError === undefined) {
          try {
            this.peer.receive(r);
          } catch (e) {
            this.peerError = e;
          }
        }
      }
      this.#collectEvents();
      const peerRecords = this.peer.takeOutgoing();
      for (const r of peerRecords) this.queue.push(...this.#fromPeer.decode(r));
      if (sutRecords.length === 0 && peerRecords.length === 0) return;
    }
    throw new Error('shuttle did not settle');
  }

  #collectEvents(): void {
    const s = this.sut.takeEvents();
    const p = this.peer.takeEvents();
    this.sutEvents.push(...s);
    this.peerEvents.push(...p);
    this.keylog.absorb(s);
    this.keylog.absorb(p);
  }

  /** Seals a unit for the SUT as the peer would (epoch 0 is plaintext). */
  seal(type: number, body: Uint8Array, epoch: number): Uint8Array {
    return this.#toSut.seal(type, body, epoch);
  }

  /** Delivers the next queued peer unit to the SUT; returns what receive() threw, if anything. */
  deliverNext(): unknown {
    const unit = this.queue.shift();
    if (!unit) throw new Error('nothing queued');
    return this.deliver(unit);
  }

  /** Delivers one unit (sealed in its own epoch) to the SUT, then shuttles. */
  deliver(unit: Unit): unknown {
    return this.deliverRecord(this.seal(unit.type, unit.body, unit.epoch), unit);
  }

  deliverRecord(record: Uint8Array, unit?: Unit): unknown {
    if (unit) this.delivered.push(unit);
    let error: unknown;
    try {
      this.sut.receive(record);
    } catch (e) {
      error = e;
    }
    if (error === undefined) this.shuttle();
    return error;
  }

  /** TLS 1.3 compatibility ChangeCipherSpec units are delivered without counting as a wait point. */
  skipCompatCcs(): void {
    while (this.version === 'TLSv1.3' && this.queue[0]?.type === ContentType.change_cipher_spec && this.queue[0].epoch === 0) {
      const err = this.deliverNext();
      if (err !== undefined) throw err;
    }
  }

  /**
   * The epoch the SUT reads in now: that of the next queued unit (in TLS 1.3 the next one that is
   * not a compatibility CCS, which is always plaintext), or, with nothing queued (the handshake is
   * over), the peer's final epoch.
   */
  readEpoch(): number {
    const next = this.version === 'TLSv1.3' ? this.queue.find((u) => !(u.type === ContentType.change_cipher_spec && u.epoch === 0)) : this.queue[0];
    if (next) return next.epoch;
    return this.version === 'TLSv1.3' ? 2 : this.version === 'TLSv1.2' ? 1 : 0;
  }

  /**
   * Hands one hostile record to the SUT without moving anything on: returns what receive() threw,
   * the records the SUT sent in answer and those records decoded. If the SUT did not fail, its
   * answer is then passed to the peer as usual.
   */
  inject(record: Uint8Array): { error: unknown; records: Uint8Array[]; units: Unit[] } {
    let error: unknown;
    try {
      this.sut.receive(record);
    } catch (e) {
      error = e;
    }
    const events = this.sut.takeEvents();
    this.sutEvents.push(...events);
    this.keylog.absorb(events);
    const records = this.sut.takeOutgoing();
    const units = records.flatMap((r) => this.fromSut.decode(r));
    this.sutUnits.push(...units);
    if (error === undefined) {
      for (const r of records) {
        try {
          this.peer.receive(r);
        } catch (e) {
          this.peerError ??= e;
        }
      }
      this.shuttle();
    }
    return { error, records, units };
  }

  /** Delivers the rest of the legitimate flow. */
  finish(): unknown {
    while (this.queue.length > 0) {
      const err = this.deliverNext();
      if (err !== undefined) return err;
    }
    return undefined;
  }
}
