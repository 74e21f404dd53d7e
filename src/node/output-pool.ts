/**
 * Recycled arrays for outgoing records, for TLSSocket over a net.Socket.
 *
 * Why it is worth a pool: the core seals every 64 KiB application write into one array of four
 * records (RecordLayer). Sealing into a fresh array of that size costs about 5 µs more per 16 KiB
 * record than sealing into a reused one (malloc and free of 64 KiB, first-touch page faults, and
 * the garbage collections that external memory triggers), a quarter of the seal itself
 * (µs per record, alternating rounds in one process: zero-filled 20–22, Buffer.allocUnsafe 19.5–20,
 * reused 15). So bulk-sized arrays are taken from, and given back to, this small shared pool.
 *
 * Why it is safe: an array goes back to the pool only from the callback of the transport write
 * that carried it, and the core forgets every array it hands out (Connection.takeOutgoingChunks).
 * net.Socket calls a write's callback once the bytes are in the kernel, or once the write failed
 * or was dropped unwritten (destroyed before it was sent); in every case nothing refers to the
 * bytes afterwards, so the next record may overwrite them. Other Duplex transports promise no
 * such thing (a PassThrough passes the very same Buffer on to its reader), so TLSSocket uses the
 * pool only over a net.Socket. Recycled arrays are not zeroed: the core fills every byte it hands
 * out, and what they held before was ciphertext we sent.
 *
 * The pool is shared by all connections of the process and keeps at most MAX_FREE arrays
 * (≈ 256 KiB), so an idle connection holds none.
 */
import { Buffer } from 'node:buffer';

/** Four full records with the largest per-record expansion we produce (TLS 1.2 GCM: 5 + 8 + 16 bytes). */
const SLAB = 4 * (5 + 8 + 16384 + 16);
/** Smaller outputs (handshake flights, alerts, small writes) are plain allocations. */
const MIN_POOLED = 16384;
const MAX_FREE = 4;

class OutputPool {
  readonly #free: ArrayBuffer[] = [];
  readonly #ours = new WeakSet<ArrayBuffer>();

  /**
   * `length` bytes, recycled when the size is worth it. Fresh memory is zero-filled, never
   * Buffer.allocUnsafe (security.md §3.3 item 9: its pool shares memory with unrelated Buffers);
   * recycled memory holds only records we sent before.
   */
  allocate(length: number): Buffer {
    if (length < MIN_POOLED || length > SLAB) return Buffer.alloc(length);
    let slab = this.#free.pop();
    if (slab === undefined) {
      slab = new ArrayBuffer(SLAB);
      this.#ours.add(slab);
    }
    return Buffer.from(slab, 0, length);
  }

  /** True when `chunk` came from this pool: write it with release() as the write callback. */
  owns(chunk: Uint8Array): boolean {
    return this.#ours.has(chunk.buffer as ArrayBuffer);
  }

  /** Gives `chunk`'s memory back. Only from the callback of the transport write that carried it. */
  release(chunk: Uint8Array): void {
    const slab = chunk.buffer as ArrayBuffer;
    if (!this.#ours.has(slab) || this.#free.length >= MAX_FREE || this.#free.includes(slab)) return;
    this.#free.push(slab);
  }
}

export const outputPool = new OutputPool();
