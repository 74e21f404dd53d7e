/**
 * TLS over a pair of WHATWG streams of bytes, the transport every runtime has: Deno.connect()
 * and Bun's sockets (their `readable`/`writable`), Workers' `connect()` from cloudflare:sockets,
 * a WebSocketStream, or Node's `stream.Duplex.toWeb(socket)`. A thin driver of the sans-I/O
 * connection, as src/node/tls-socket.ts is for a Node Duplex: what the transport delivers goes
 * to receive(), what the connection queues goes to the transport's writer, and the decrypted
 * data comes out of `readable`.
 */
import type { ClientOptions, ServerOptions } from '../config.js';
import { ClientConnection, ServerConnection, type CipherInfo, type Connection } from '../connection/connection.js';
import { TlsError, toTlsError } from '../errors.js';

/** A transport, or the decrypted side of a TLS connection over one. */
export interface ByteStreams {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
}

/** What the handshake settled. */
export interface HandshakeInfo {
  readonly protocol: 'TLSv1.2' | 'TLSv1.3';
  readonly cipher: CipherInfo;
  readonly alpnProtocol: string | false;
  /** Whether the peer's certificate verified (false only with rejectUnauthorized: false, or a server that asked for none). */
  readonly authorized: boolean;
  /** The peer's chain as sent, DER, leaf first. */
  readonly peerCertificates: readonly Uint8Array[];
}

/** The decrypted streams of one TLS connection over a transport. */
export interface SecureStreams extends ByteStreams {
  /** Resolves when the handshake completes; rejects with the TlsError (or the transport's error) that ended it. */
  readonly handshake: Promise<HandshakeInfo>;
  /** The sans-I/O connection underneath (exportKeyingMaterial, keyUpdate, negotiated parameters). */
  readonly connection: Connection;
  /** Sends close_notify and closes the transport's writable side (as `writable.close()`); reading goes on until the peer closes. */
  close(): Promise<void>;
}

/** A TLS client over `transport`: sends the ClientHello at once. Options as ClientConnection's (`servername`, `ca`, `ALPNProtocols`, …). */
export function connectStreams(transport: ByteStreams, options: ClientOptions = {}): SecureStreams {
  const connection = new ClientConnection(options);
  connection.start();
  return drive(connection, transport);
}

/** A TLS server over `transport` (one accepted connection). Options as ServerConnection's (`cert`, `key`, `requestCert`, …). */
export function acceptStreams(transport: ByteStreams, options: ServerOptions): SecureStreams {
  return drive(new ServerConnection(options), transport);
}

/** Decrypted bytes held for a reader that is not reading, as a socket's receive buffer: four full records. */
const READ_BUFFER: QueuingStrategy<Uint8Array> = { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength };

function drive(connection: Connection, transport: ByteStreams): SecureStreams {
  const reader = transport.readable.getReader();
  const writer = transport.writable.getWriter();
  let settle!: { resolve: (info: HandshakeInfo) => void; reject: (err: unknown) => void };
  const handshake = new Promise<HandshakeInfo>((resolve, reject) => (settle = { resolve, reject }));
  handshake.catch(() => undefined); // the error also ends both streams; not awaiting it is not an unhandled rejection
  let output!: ReadableStreamDefaultController<Uint8Array>;
  let demand: (() => void) | undefined;
  let failed: unknown;
  let outputClosed = false;
  /** The last write to the transport: writes go out in order, and close waits for them. */
  let written: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    for (const chunk of connection.takeOutgoingChunks()) written = writer.write(chunk);
    return written;
  };
  const fail = (err: unknown): void => {
    if (failed !== undefined) return;
    failed = err;
    settle.reject(err);
    demand?.();
    if (!outputClosed) output.error(err);
    // The alert the connection queued goes out before the transport closes.
    flush()
      .then(() => writer.close())
      .catch(() => undefined);
    reader.cancel(err).catch(() => undefined);
  };
  const dispatch = (): void => {
    for (const event of connection.takeEvents()) {
      if (event.type === 'handshake-complete') {
        settle.resolve({
          protocol: connection.protocol!,
          cipher: connection.cipher!,
          alpnProtocol: connection.alpnProtocol,
          authorized: connection.authorized,
          peerCertificates: connection.peerCertificates,
        });
      } else if (event.type === 'application-data') {
        if (!outputClosed) output.enqueue(event.data);
      } else if (event.type === 'peer-closed' && !outputClosed) {
        outputClosed = true;
        output.close();
      }
    }
    flush().catch(fail);
  };

  const pump = async (): Promise<void> => {
    for (;;) {
      // Once established, read the transport only while `readable` holds less than READ_BUFFER (backpressure).
      if (!connection.isHandshaking && !outputClosed && (output.desiredSize ?? 1) <= 0) await new Promise<void>((r) => (demand = r));
      if (failed !== undefined || outputClosed) return;
      const { value, done } = await reader.read();
      if (failed !== undefined) return;
      if (done) {
        // A TCP FIN without close_notify: before the handshake ended, a failed connection; after it, truncation.
        const when = connection.isHandshaking ? 'before the TLS handshake completed' : 'without close_notify';
        return fail(new TlsError(`the transport closed ${when}`, 'ECONNRESET', undefined));
      }
      try {
        connection.receive(value);
      } catch (err) {
        return fail(toTlsError(err));
      }
      dispatch();
    }
  };

  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      output = controller;
    },
    pull() {
      demand?.();
      demand = undefined;
    },
    cancel(reason) {
      outputClosed = true;
      demand?.();
      return reader.cancel(reason);
    },
  }, READ_BUFFER);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await handshake.catch(() => undefined);
      if (failed !== undefined) return;
      connection.close();
      await flush();
      await writer.close();
    })());

  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      await handshake;
      if (failed !== undefined) throw failed;
      try {
        connection.write(chunk);
      } catch (err) {
        if (err instanceof TlsError) fail(err); // the connection failed; a write after close() fails only itself
        throw err;
      }
      await flush();
    },
    close,
    abort(reason) {
      fail(reason);
    },
  });

  dispatch(); // a client's ClientHello
  pump().catch(fail);
  return { readable, writable, handshake, connection, close };
}
