/**
 * How the scan reaches the server: an injected `Dial` that opens one fresh byte stream (the CLI
 * gives one over node:net; a browser or a test could give another), and the ProbeRunner that
 * keeps the scan polite: every connection is counted, at most `concurrency` are open at once,
 * and each probe has a deadline.
 */

/** One connection's bytes. read() resolves with the next bytes, or null once the peer has closed. */
export interface ByteChannel {
  write(bytes: Uint8Array): void;
  read(): Promise<Uint8Array | null>;
  close(): void;
}

/** Opens a fresh connection to the scanned server; rejects with the network's error. */
export type Dial = () => Promise<ByteChannel>;

/** A probe that ran out of time (the server neither answered nor closed). */
export class ProbeTimeout extends Error {
  override name = 'ProbeTimeout';
}

export class ProbeRunner {
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  /** Connections opened so far. */
  connections = 0;

  constructor(
    private readonly dial: Dial,
    private readonly concurrency: number,
    private readonly timeoutMs: number,
    /** Runs on each fresh connection before the probe, within its deadline (the STARTTLS preamble). */
    private readonly prepare?: (channel: ByteChannel) => Promise<void>,
  ) {}

  /** Runs `probe` on a fresh connection, within the concurrency limit and the deadline; always closes it. */
  async run<T>(probe: (channel: ByteChannel) => Promise<T>): Promise<T> {
    while (this.#active >= this.concurrency) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active++;
    let channel: ByteChannel | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let finished = false;
    try {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ProbeTimeout(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      });
      this.connections++;
      const work = this.dial().then((c) => {
        if (finished) {
          c.close();
          throw new ProbeTimeout('connected after the deadline');
        }
        channel = c;
        return this.prepare ? this.prepare(c).then(() => probe(c)) : probe(c);
      });
      // A late dial or probe after the deadline must not surface as an unhandled rejection.
      work.catch(() => undefined);
      return await Promise.race([work, deadline]);
    } finally {
      finished = true;
      clearTimeout(timer);
      channel?.close();
      this.#active--;
      this.#waiting.shift()?.();
    }
  }
}
