/**
 * node:tls's deprecated createSecurePair() (DEP0064) and convertALPNProtocols(), for code that
 * still calls them: a pair is a TLSSocket (`cleartext`) over one end of an in-memory duplex pair
 * whose other end (`encrypted`) carries the TLS records.
 */
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { deprecate } from 'node:util';
import { createSecureContext, type SecureContext } from '../config.js';
import { TLSSocket, type TLSSocketOptions } from './tls-socket.js';

/** One end of an in-memory pair: what is written to it is read from the other end. */
class PairEnd extends Duplex {
  other!: PairEnd;
  private pending: (() => void) | undefined;

  override _read(): void {
    const callback = this.pending;
    this.pending = undefined;
    callback?.();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (chunk.length === 0) return void process.nextTick(callback);
    this.other.push(chunk);
    this.other.pending = callback; // the writer waits until the reader asks for more
  }

  override _final(callback: () => void): void {
    this.other.once('end', callback);
    this.other.push(null);
  }
}

export class SecurePair extends EventEmitter {
  readonly server: unknown;
  readonly credentials: SecureContext;
  /** The TLS records: pipe it to and from the transport. */
  readonly encrypted: Duplex;
  /** The application's side. */
  readonly cleartext: TLSSocket;

  constructor(secureContext: SecureContext = createSecureContext(), isServer = false, requestCert = !isServer, rejectUnauthorized = false, options: TLSSocketOptions & { server?: unknown } = {}) {
    super();
    const a = new PairEnd();
    const b = new PairEnd();
    a.other = b;
    b.other = a;
    this.server = options.server;
    this.credentials = secureContext;
    this.encrypted = a;
    this.cleartext = new TLSSocket(b, Object.assign({ secureContext, isServer, requestCert, rejectUnauthorized }, options) as TLSSocketOptions);
    this.cleartext.once('secure', () => this.emit('secure'));
  }

  destroy(): void {
    this.cleartext.destroy();
    this.encrypted.destroy();
  }
}

export const createSecurePair = deprecate(
  (...args: ConstructorParameters<typeof SecurePair>): SecurePair => new SecurePair(...args),
  'tls.createSecurePair() is deprecated. Please use tls.TLSSocket instead.',
  'DEP0064',
);

/** As node:tls: `out.ALPNProtocols` becomes the wire form (each name with its length byte) of a list, or a copy of the bytes given. */
export function convertALPNProtocols(protocols: readonly string[] | ArrayBufferView, out: { ALPNProtocols?: Buffer }): void {
  if (Array.isArray(protocols)) {
    const names = (protocols as readonly string[]).map((name, i) => {
      const bytes = Buffer.from(name);
      if (bytes.length > 255) {
        throw Object.assign(new RangeError(`The byte length of the protocol at index ${i} exceeds the maximum length. It must be <= 255. Received ${bytes.length}`), { code: 'ERR_OUT_OF_RANGE' });
      }
      return Buffer.concat([Buffer.of(bytes.length), bytes]);
    });
    out.ALPNProtocols = Buffer.concat(names);
  } else if (ArrayBuffer.isView(protocols)) {
    out.ALPNProtocols = Buffer.from(new Uint8Array(protocols.buffer, protocols.byteOffset, protocols.byteLength)); // a copy
  }
}
