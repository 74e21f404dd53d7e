import { AlertDescription, ContentType } from '../messages/enums.js';
import { LocalAlert } from '../errors.js';
import { Deframer, MAX_PLAINTEXT } from './deframer.js';
import { Tls13Protection } from './protection-tls13.js';
import type { PlainRecord, RecordProtection } from './protection.js';

export type { PlainRecord };


/** Records per output array: a 64 KiB application write (a common bulk size) is one array. */
export const RECORDS_PER_CHUNK = 4;

/**
 * Both directions of the record layer: deframing and opening incoming records, fragmenting and
 * sealing outgoing ones. Handshake messages written in a row are packed into shared records
 * and flushed together, so a flight goes out as few records (and one socket write).
 *
 * Outgoing records are built in place: a send() allocates one array per RECORDS_PER_CHUNK records
 * and seals each record into it (the protection reads the caller's bytes directly, or copies them
 * once into place: no array per record, no concat). The arrays are handed off by
 * takeOutgoingChunks() and never touched again, so a socket may keep them until its write
 * completes (bulk transfers: one 64 KiB application write = 4 records = 1 array and 1 socket write).
 */
export class RecordLayer {
  readonly deframer = new Deframer();
  #read: RecordProtection | undefined;
  #write: RecordProtection | undefined;
  /** Chunks of wire bytes, in order; each holds one or more whole records. */
  #out: Uint8Array[] = [];
  #pendingHandshake: Uint8Array[] = [];
  #pendingLength = 0;
  /** legacy_record_version for plaintext records (0x0301 for the first ClientHello, as RFC 8446 §5.1 advises). */
  plaintextVersion = 0x0303;
  /** Largest plaintext per record we send (node:tls setMaxSendFragment: 512..2^14). */
  maxFragment = MAX_PLAINTEXT;
  /**
   * Makes the arrays outgoing records are sealed into, of exactly `length` bytes; each is filled
   * completely (checked), so it may return uninitialised or recycled memory. A socket adapter sets it to recycle arrays
   * once their write has completed (node/output-pool.ts).
   */
  allocate: (length: number) => Uint8Array = (length) => new Uint8Array(length);

  get readProtected(): boolean {
    return this.#read !== undefined;
  }

  /** Records sealed under the current write keys (for the AEAD usage limits, RFC 8446 §5.5). */
  get writeRecords(): bigint {
    return this.#write?.sequence ?? 0n;
  }

  get writeProtected(): boolean {
    return this.#write !== undefined;
  }

  setReadProtection(p: RecordProtection): void {
    // OpenSSL's clients send an alert about our first TLS 1.3 flight before they switch to their
    // handshake keys; like OpenSSL's servers we read plaintext alerts until the first record
    // under the first keys opens, so the real reason is not lost.
    this.#plainAlertsAllowed = this.#read === undefined && p instanceof Tls13Protection;
    this.#read = p;
    this.#ccsInClear = p instanceof Tls13Protection;
    this.readEpoch++;
  }
  #plainAlertsAllowed = false;

  /** Counts read-key changes, so the core can refuse a handshake message that straddles one. */
  readEpoch = 0;
  /** TLS 1.3 sends ChangeCipherSpec unencrypted even once keys are in place (RFC 8446 §5). */
  #ccsInClear = false;

  setWriteProtection(p: RecordProtection): void {
    this.flush();
    this.#write = p;
  }

  /**
   * RFC 8446 §4.2.10: a server that rejects 0-RTT skips the client's early data — records it
   * cannot open (or, after a HelloRetryRequest, any application_data record before the keys
   * change) — up to `limit` bytes; more than that is bad_record_mac.
   */
  rejectEarlyData(limit: number): void {
    this.#earlyDataBudget = limit;
  }
  #earlyDataBudget = 0;

  /** The next incoming record, opened; undefined when more bytes are needed. */
  readRecord(): PlainRecord | undefined {
    let record = this.deframer.next();
    while (record && this.#earlyDataBudget > 0 && record.type === ContentType.application_data) {
      if (this.#read) {
        try {
          const opened = this.#read.open(record.type, record.fragment);
          this.#earlyDataBudget = 0;
          return opened;
        } catch (e) {
          if (!(e instanceof LocalAlert) || e.alert !== AlertDescription.bad_record_mac) throw e;
        }
      }
      this.#earlyDataBudget -= record.fragment.length;
      if (this.#earlyDataBudget < 0) throw new LocalAlert(AlertDescription.bad_record_mac, 'more rejected early data than we skip');
      record = this.deframer.next();
    }
    if (!record) return undefined;
    const inClear =
      (this.#ccsInClear && record.type === ContentType.change_cipher_spec) || (this.#plainAlertsAllowed && record.type === ContentType.alert);
    if (this.#read && !inClear) {
      const opened = this.#read.open(record.type, record.fragment);
      this.#plainAlertsAllowed = false;
      // RFC 8446 §5: a protected change_cipher_spec record is unexpected_message.
      if (this.#ccsInClear && opened.type === ContentType.change_cipher_spec) {
        throw new LocalAlert(AlertDescription.unexpected_message, 'a protected ChangeCipherSpec record');
      }
      return opened;
    }
    // RFC 5246 §6.2.1: TLSPlaintext.length MUST NOT exceed 2^14.
    if (record.fragment.length > MAX_PLAINTEXT) {
      throw new LocalAlert(AlertDescription.record_overflow, `plaintext record of ${record.fragment.length} bytes`);
    }
    // The fragment views the deframer's input (often the caller's Buffer, read in place) or its
    // carry buffer: copy it so it survives the next record. A real copy: on a Buffer, slice() is a
    // view, which would also keep the caller's whole read alive.
    return { type: record.type, plaintext: new Uint8Array(record.fragment) };
  }

  /** Queues a handshake message; it is packed with its neighbours until flush(). */
  queueHandshake(raw: Uint8Array): void {
    this.#pendingHandshake.push(raw);
    this.#pendingLength += raw.length;
  }

  /**
   * Sends data of one content type, split into records of at most 2^14 bytes. `data` may come in
   * several parts (an application's queued writes): records are cut from their concatenation, so
   * every record but the last is full whatever the part sizes.
   */
  send(type: number, data: Uint8Array | readonly Uint8Array[]): void {
    this.flush();
    this.#emit(type, data instanceof Uint8Array ? [data] : data);
  }

  /** Writes out packed handshake messages. */
  flush(): void {
    if (this.#pendingLength === 0) return;
    const parts = this.#pendingHandshake;
    this.#pendingHandshake = [];
    this.#pendingLength = 0;
    this.#emit(ContentType.handshake, parts);
  }

  /**
   * Cuts `parts` into records of at most maxFragment bytes (one empty record when there are no bytes) and
   * seals them into new arrays of up to RECORDS_PER_CHUNK records each, appended to the output.
   */
  #emit(type: number, parts: readonly Uint8Array[]): void {
    const max = this.maxFragment;
    let length = 0;
    for (const p of parts) length += p.length;
    const write = this.#write;
    const wireLength = (n: number): number => (write ? write.sealedLength(n) : 5 + n);
    const full = Math.floor(length / max);
    const last = length % max;
    const count = full + (last > 0 || length === 0 ? 1 : 0);

    // A cursor over the parts. A record inside one part is sealed from a view of it; a record that
    // straddles parts is gathered into `joined` first (one copy, of small writes only in practice).
    let part = 0;
    let at = 0;
    let joined: Uint8Array | undefined;
    for (let first = 0; first < count; first += RECORDS_PER_CHUNK) {
      const end = Math.min(count, first + RECORDS_PER_CHUNK);
      const fullHere = Math.max(0, Math.min(end, full) - first);
      const out = this.allocate(fullHere * wireLength(max) + (end > full ? wireLength(last) : 0));
      let pos = 0;
      for (let r = first; r < end; r++) {
        const n = r < full ? max : last;
        while (part < parts.length && at === parts[part]!.length) (part++, (at = 0));
        let chunk: Uint8Array;
        if (n === 0 || parts[part]!.length - at >= n) {
          chunk = n === 0 ? EMPTY : parts[part]!.subarray(at, at + n);
          at += n;
        } else {
          joined ??= new Uint8Array(Math.min(length, max));
          let filled = 0;
          while (filled < n) {
            const p = parts[part]!;
            const take = Math.min(n - filled, p.length - at);
            joined.set(take === p.length ? p : p.subarray(at, at + take), filled);
            filled += take;
            at += take;
            if (at === p.length) (part++, (at = 0));
          }
          chunk = joined.subarray(0, n);
        }
        pos = write ? write.sealInto(type, chunk, out, pos) : this.#plainRecord(type, chunk, out, pos);
      }
      // Every byte of `out` must have been written: allocate() may hand out uninitialised or
      // recycled memory, and none of its old contents may reach the wire.
      if (pos !== out.length) throw new Error(`record layer: sealed ${pos} of ${out.length} bytes`);
      this.#out.push(out);
    }
  }

  #plainRecord(type: number, chunk: Uint8Array, out: Uint8Array, pos: number): number {
    out[pos] = type;
    out[pos + 1] = this.plaintextVersion >> 8;
    out[pos + 2] = this.plaintextVersion & 0xff;
    out[pos + 3] = chunk.length >> 8;
    out[pos + 4] = chunk.length & 0xff;
    out.set(chunk, pos + 5);
    return pos + 5 + chunk.length;
  }

  /** Wire bytes to send, in order: one array per record (views into the sealed chunks). */
  takeOutgoing(): Uint8Array[] {
    const records: Uint8Array[] = [];
    for (const chunk of this.takeOutgoingChunks()) {
      for (let pos = 0; pos < chunk.length; ) {
        const end = pos + 5 + ((chunk[pos + 3]! << 8) | chunk[pos + 4]!);
        records.push(chunk.subarray(pos, end));
        pos = end;
      }
    }
    return records;
  }

  /**
   * Wire bytes to send, in order, in as few arrays as possible: each holds up to RECORDS_PER_CHUNK
   * records of one send (what a socket adapter writes). The arrays are handed over: never touched again.
   */
  takeOutgoingChunks(): Uint8Array[] {
    this.flush();
    const out = this.#out;
    this.#out = [];
    return out;
  }
}

const EMPTY = new Uint8Array(0);
