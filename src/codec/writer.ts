/**
 * Append-only byte builder. Length-prefixed blocks are opened, filled and closed; the
 * length is written on close, with an overflow check against the prefix width.
 */
export class Writer {
  #buf: Uint8Array;
  #len = 0;
  readonly #open: Array<{ at: number; width: 1 | 2 | 3 }> = [];

  constructor(initialCapacity = 256) {
    this.#buf = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.#len;
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.#len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  u8(v: number): this {
    this.#reserve(1);
    this.#buf[this.#len++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.#reserve(2);
    this.#buf[this.#len++] = (v >>> 8) & 0xff;
    this.#buf[this.#len++] = v & 0xff;
    return this;
  }

  u24(v: number): this {
    this.#reserve(3);
    this.#buf[this.#len++] = (v >>> 16) & 0xff;
    this.#buf[this.#len++] = (v >>> 8) & 0xff;
    this.#buf[this.#len++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.#reserve(4);
    this.#buf[this.#len++] = (v >>> 24) & 0xff;
    this.#buf[this.#len++] = (v >>> 16) & 0xff;
    this.#buf[this.#len++] = (v >>> 8) & 0xff;
    this.#buf[this.#len++] = v & 0xff;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.#reserve(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
    return this;
  }

  vec8(b: Uint8Array): this {
    return this.block(1, () => this.bytes(b));
  }
  vec16(b: Uint8Array): this {
    return this.block(2, () => this.bytes(b));
  }
  vec24(b: Uint8Array): this {
    return this.block(3, () => this.bytes(b));
  }

  u16List(values: readonly number[]): this {
    return this.block(2, () => {
      for (const v of values) this.u16(v);
    });
  }

  /** Writes a length-prefixed block whose content is produced by fill(). */
  block(width: 1 | 2 | 3, fill: () => void): this {
    this.#reserve(width);
    const at = this.#len;
    this.#len += width;
    this.#open.push({ at, width });
    fill();
    this.#open.pop();
    const size = this.#len - at - width;
    const max = width === 1 ? 0xff : width === 2 ? 0xffff : 0xffffff;
    if (size > max) throw new RangeError(`block of ${size} bytes does not fit a ${width}-byte length`);
    for (let i = 0; i < width; i++) this.#buf[at + i] = (size >>> (8 * (width - 1 - i))) & 0xff;
    return this;
  }

  /** The bytes written so far, as an exact-size copy. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}
