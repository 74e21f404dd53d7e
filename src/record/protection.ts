/** The record protection seam: one direction of one epoch's keys, sealing or opening whole records. */

/** A record after deprotection: its real content type (hidden inside the ciphertext in TLS 1.3) and plaintext. */
export interface PlainRecord {
  readonly type: number;
  readonly plaintext: Uint8Array;
}

export interface RecordProtection {
  /** Encrypts one record's plaintext; returns the WHOLE record: 5-byte header (type, 0x0303, length) + protected fragment. One allocation for the output. */
  seal(type: number, plaintext: Uint8Array): Uint8Array;
  /** The wire length of the record seal() makes from `plaintextLength` bytes, header included. */
  sealedLength(plaintextLength: number): number;
  /**
   * seal(), writing the whole record into `out` at `offset` (sealedLength(plaintext.length) bytes)
   * instead of a new array; returns the offset just after it. Lets the record layer put many
   * records in one array (one allocation and one socket write for them all). `plaintext` must not
   * overlap that range of `out`, and is not referenced after the call.
   */
  sealInto(type: number, plaintext: Uint8Array, out: Uint8Array, offset: number): number;
  /** Decrypts one record's fragment (header already parsed). Throws LocalAlert(bad_record_mac) on any failure (too short, bad tag). */
  open(type: number, fragment: Uint8Array): PlainRecord;
  /** The next sequence number: how many records these keys have protected. */
  readonly sequence: bigint;
}
