/**
 * A WebSocket as a transport for connectStreams(): each binary message received is a chunk of
 * `readable`, each chunk written to `writable` is one binary message. The browser has no raw TCP;
 * a relay (`tlsglass relay`) turns the WebSocket into a TCP connection to the real server, and the
 * TLS runs end to end between the page and that server (the relay only sees ciphertext).
 */
import type { ByteStreams } from './stream.js';

/** What we use of a WebSocket: the browser's, or any with the same shape. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: { data?: unknown; code?: number; reason?: string }) => void): void;
}

const CONNECTING = 0;
const OPEN = 1;

/** The error a transport ends with when the WebSocket closes abnormally or with a reason. */
export class WebSocketClosedError extends Error {
  readonly code = 'ECONNRESET';
  constructor(
    readonly closeCode: number,
    readonly reason: string,
  ) {
    super(`the WebSocket closed (${closeCode}${reason ? `: ${reason}` : ''})`);
  }
}

/**
 * `socket` (new or open) as a byte stream pair. A normal close (1000) ends `readable`; any other close errors it.
 * Closing or aborting `writable` closes the socket.
 */
export function webSocketStreams(socket: WebSocketLike): ByteStreams {
  socket.binaryType = 'arraybuffer';
  const opened = new Promise<void>((resolve, reject) => {
    if (socket.readyState === OPEN) resolve();
    socket.addEventListener('open', () => resolve());
    socket.addEventListener('close', (e) => reject(new WebSocketClosedError(e.code ?? 1006, e.reason ?? '')));
  });
  opened.catch(() => undefined); // also reported through `readable`
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      socket.addEventListener('message', (e) => {
        if (e.data instanceof ArrayBuffer) controller.enqueue(new Uint8Array(e.data));
      });
      socket.addEventListener('close', (e) => {
        try {
          if (e.code === 1000) controller.close();
          else controller.error(new WebSocketClosedError(e.code ?? 1006, e.reason ?? ''));
        } catch {
          // already closed or cancelled
        }
      });
    },
    // No cancel(): a WebSocket cannot half-close, and a TLS connection that stops reading still sends its
    // alert or close_notify; the socket closes with `writable` (close or abort).
  });
  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      if (socket.readyState === CONNECTING) await opened;
      if (socket.readyState !== OPEN) throw new WebSocketClosedError(1006, 'not open');
      socket.send(chunk);
    },
    close() {
      socket.close(1000);
    },
    abort() {
      socket.close(1000);
    },
  });
  return { readable, writable };
}
