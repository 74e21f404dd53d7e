/**
 * Waiting for what a server does after a probe's last flight, when "nothing" is an answer too: the
 * bytes it sends within a time, and whether it closed the connection.
 */
import type { ByteChannel } from './channel.js';

export interface Heard {
  readonly bytes: Uint8Array;
  /** The server closed the connection. */
  readonly closed: boolean;
}

/**
 * Reads from `channel` until the server closes it, `enough(bytes so far, the bytes just read)`
 * says so, or `ms` pass (then `closed` is false: the server is still holding the connection open).
 */
export async function listen(channel: ByteChannel, ms: number, enough: (bytes: Uint8Array, chunk: Uint8Array) => boolean = () => false): Promise<Heard> {
  let bytes = new Uint8Array(0);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const quiet = new Promise<'quiet'>((resolve) => {
    timer = setTimeout(() => resolve('quiet'), ms);
  });
  try {
    for (;;) {
      const next = await Promise.race([channel.read(), quiet]);
      if (next === 'quiet') return { bytes, closed: false };
      if (next === null) return { bytes, closed: true };
      const joined = new Uint8Array(bytes.length + next.length);
      joined.set(bytes);
      joined.set(next, bytes.length);
      bytes = joined;
      if (enough(bytes, next)) return { bytes, closed: false };
    }
  } finally {
    clearTimeout(timer);
  }
}

