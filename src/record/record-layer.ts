import { AlertDescription, ContentType } from '../messages/enums.js';
import { LocalAlert } from '../errors.js';
import { Deframer, MAX_PLAINTEXT } from './deframer.js';
import { Tls13Protection } from './protection-tls13.js';
import type { PlainRecord, RecordProtection } from './protection.js';

export type { PlainRecord };


/**
 * Both directions of the record layer: deframing and opening incoming records, fragmenting and
 * sealing outgoing ones. Handshake messages written in a row are packed into shared records
 * and flushed together, so a flight goes out as few records (and one socket write).
 */
export class RecordLayer {
  readonly deframer = new Deframer();
  #read: RecordProtection | undefined;
  #write: RecordProtection | undefined;
  #out: Uint8Array[] = [];
  #pendingHandshake: Uint8Array[] = [];
  #pendingLength = 0;
  /** legacy_record_version for plaintext records (0x0301 for the first ClientHello, as RFC 8446 §5.1 advises). */
  plaintextVersion = 0x0303;

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
      return opened;
    }
    // RFC 5246 §6.2.1: TLSPlaintext.length MUST NOT exceed 2^14.
    if (record.fragment.length > MAX_PLAINTEXT) {
      throw new LocalAlert(AlertDescription.record_overflow, `plaintext record of ${record.fragment.length} bytes`);
    }
    // The fragment views the deframer's buffer; copy so it survives the next push.
    return { type: record.type, plaintext: record.fragment.slice() };
  }

  /** Queues a handshake message; it is packed with its neighbours until flush(). */
  queueHandshake(raw: Uint8Array): void {
    this.#pendingHandshake.push(raw);
    this.#pendingLength += raw.length;
  }

  /** Sends data of one content type, split into records of at most 2^14 bytes. */
  send(type: number, data: Uint8Array): void {
    this.flush();
    this.#emit(type, data);
  }

  /** Writes out packed handshake messages. */
  flush(): void {
    if (this.#pendingLength === 0) return;
    const data = this.#pendingHandshake.length === 1 ? this.#pendingHandshake[0]! : concat(this.#pendingHandshake, this.#pendingLength);
    this.#pendingHandshake = [];
    this.#pendingLength = 0;
    this.#emit(ContentType.handshake, data);
  }

  #emit(type: number, data: Uint8Array): void {
    for (let off = 0; off < data.length || off === 0; off += MAX_PLAINTEXT) {
      const chunk = data.subarray(off, Math.min(off + MAX_PLAINTEXT, data.length));
      this.#out.push(this.#write ? this.#write.seal(type, chunk) : this.#plainRecord(type, chunk));
      if (data.length === 0) break;
    }
  }

  #plainRecord(type: number, chunk: Uint8Array): Uint8Array {
    const rec = new Uint8Array(5 + chunk.length);
    rec[0] = type;
    rec[1] = this.plaintextVersion >> 8;
    rec[2] = this.plaintextVersion & 0xff;
    rec[3] = chunk.length >> 8;
    rec[4] = chunk.length & 0xff;
    rec.set(chunk, 5);
    return rec;
  }

  takeOutgoing(): Uint8Array[] {
    this.flush();
    const out = this.#out;
    this.#out = [];
    return out;
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
