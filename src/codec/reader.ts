/**
 * Bounded cursor over received bytes. This is the only code in the core that indexes raw
 * wire bytes: every length field is checked here against what remains, so a decoder can
 * never read past its message (the Heartbleed class of bug).
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

export class Reader {
  #pos = 0;
  readonly #view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.bytes.length - this.#pos;
  }

  get position(): number {
    return this.#pos;
  }

  #need(n: number, what: string): void {
    if (n > this.remaining) throw new DecodeError(`${what}: need ${n} bytes, ${this.remaining} left`);
  }

  u8(what = 'u8'): number {
    this.#need(1, what);
    return this.#view.getUint8(this.#pos++);
  }

  u16(what = 'u16'): number {
    this.#need(2, what);
    const v = this.#view.getUint16(this.#pos);
    this.#pos += 2;
    return v;
  }

  u24(what = 'u24'): number {
    this.#need(3, what);
    const v = (this.#view.getUint8(this.#pos) << 16) | this.#view.getUint16(this.#pos + 1);
    this.#pos += 3;
    return v;
  }

  u32(what = 'u32'): number {
    this.#need(4, what);
    const v = this.#view.getUint32(this.#pos);
    this.#pos += 4;
    return v;
  }

  /** A view (no copy) of the next n bytes. */
  bytesN(n: number, what = 'bytes'): Uint8Array {
    this.#need(n, what);
    const out = this.bytes.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  /** opaque x<min..2^8-1> */
  vec8(what: string, min = 0): Uint8Array {
    return this.#vec(this.u8(what), what, min);
  }

  /** opaque x<min..2^16-1> */
  vec16(what: string, min = 0): Uint8Array {
    return this.#vec(this.u16(what), what, min);
  }

  /** opaque x<min..2^24-1> */
  vec24(what: string, min = 0): Uint8Array {
    return this.#vec(this.u24(what), what, min);
  }

  #vec(len: number, what: string, min: number): Uint8Array {
    if (len < min) throw new DecodeError(`${what}: length ${len} below minimum ${min}`);
    return this.bytesN(len, what);
  }

  /** A sub-reader over a 1-, 2- or 3-byte length-prefixed block. */
  sub8(what: string, min = 0): Reader {
    return new Reader(this.vec8(what, min));
  }
  sub16(what: string, min = 0): Reader {
    return new Reader(this.vec16(what, min));
  }
  sub24(what: string, min = 0): Reader {
    return new Reader(this.vec24(what, min));
  }

  /** Reads a list of u16 values from a 2-byte length-prefixed block (length must be even). */
  u16List(what: string, min = 0): number[] {
    const block = this.vec16(what, min);
    if (block.length % 2 !== 0) throw new DecodeError(`${what}: odd length ${block.length}`);
    const r = new Reader(block);
    const out: number[] = new Array(block.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = r.u16(what);
    return out;
  }

  /** Asserts that the whole input was consumed: trailing bytes are a decode_error. */
  end(what: string): void {
    if (this.remaining !== 0) throw new DecodeError(`${what}: ${this.remaining} trailing bytes`);
  }
}
