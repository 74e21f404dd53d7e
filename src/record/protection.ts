/** The record protection seam: one direction of one epoch's keys, sealing or opening whole records. */

/** A record after deprotection: its real content type (hidden inside the ciphertext in TLS 1.3) and plaintext. */
export interface PlainRecord {
  readonly type: number;
  readonly plaintext: Uint8Array;
}

export interface RecordProtection {
  /** Encrypts one record's plaintext; returns the WHOLE record: 5-byte header (type, 0x0303, length) + protected fragment. One allocation for the output. */
  seal(type: number, plaintext: Uint8Array): Uint8Array;
  /** Decrypts one record's fragment (header already parsed). Throws LocalAlert(bad_record_mac) on any failure (too short, bad tag). */
  open(type: number, fragment: Uint8Array): PlainRecord;
  /** The next sequence number: how many records these keys have protected. */
  readonly sequence: bigint;
}
