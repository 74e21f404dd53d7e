/**
 * createServer(): node:tls's Server, a net.Server that wraps every accepted socket in a server-side
 * TLSSocket and emits 'secureConnection' once its handshake completes. A failing connection is
 * isolated (security.md R2): handshake errors, resets and timeouts go to 'tlsClientError'
 * (err, tlsSocket) and the socket is destroyed; nothing reaches the listener or other connections.
 * Other objects (e.g. node:http) can push their own transports through server.emit('connection', s).
 */
import { Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { resolveServerConfig, type ResolvedServerConfig, type ServerOptions as CoreServerOptions } from '../config.js';
import { nodeCryptoProvider } from '../crypto/node/index.js';
import { ServerSessionStore } from '../session/server-store.js';
import { withDefaultVersions } from './defaults.js';
import { TLSSocket } from './tls-socket.js';

/** Options of createServer(): the core's server options plus node:tls/net.Server ones. */
export interface TlsServerOptions extends CoreServerOptions {
  /** Abort handshakes not finished within this many ms (default 120000, as node:tls; 0 disables). */
  handshakeTimeout?: number;
  /** As net.Server: keep our writable side open after the peer's close_notify. */
  allowHalfOpen?: boolean;
  /** See TLSSocketOptions.rejectTruncation. */
  rejectTruncation?: boolean;
}

/** A TLS server, mirroring node:tls's Server. */
export class Server extends NetServer {
  private tlsOptions: TlsServerOptions;
  /** Keys and certificates parsed once, and the session store all connections share. */
  private resolved: ResolvedServerConfig;
  private readonly sessions: ServerSessionStore;

  constructor(options: TlsServerOptions = {}, secureConnectionListener?: (socket: TLSSocket) => void) {
    options = withDefaultVersions(options);
    super({ allowHalfOpen: true }); // the TLSSocket decides when to send FIN: after close_notify
    this.sessions =
      options.sessionStore ??
      new ServerSessionStore(options.provider ?? nodeCryptoProvider, {
        ...(options.ticketKeys ? { ticketKeys: options.ticketKeys } : {}),
        ...(options.sessionTimeout !== undefined ? { sessionTimeout: options.sessionTimeout } : {}),
      });
    this.resolved = resolveServerConfig({ ...options, sessionStore: this.sessions });
    this.tlsOptions = { ...options };
    this.on('connection', (socket: Socket | Duplex) => this.onConnection(socket));
    if (secureConnectionListener) this.on('secureConnection', secureConnectionListener);
  }

  /** Replaces the options used for new connections (node:tls setSecureContext). */
  setSecureContext(options: TlsServerOptions): void {
    options = withDefaultVersions(options);
    this.resolved = resolveServerConfig({ ...options, sessionStore: this.sessions });
    this.tlsOptions = { ...options };
  }

  /** The 48-byte key that seals session tickets (node:tls getTicketKeys). */
  getTicketKeys(): Buffer {
    return Buffer.from(this.sessions.getTicketKeys());
  }

  /** Rotates the ticket key; tickets sealed under the previous one still resume (node:tls setTicketKeys). */
  setTicketKeys(keys: Uint8Array): void {
    this.sessions.setTicketKeys(keys);
  }

  private onConnection(socket: Socket | Duplex): void {
    let tls: TLSSocket;
    try {
      // Only what a server-side TLSSocket reads (the rest is in `resolved`); a literal rather than a
      // spread of every option, which V8 copies slowly, once per connection (issue 7).
      const o = this.tlsOptions;
      tls = new TLSSocket(socket, {
        resolvedConfig: this.resolved,
        isServer: true,
        server: this,
        handshakeTimeout: o.handshakeTimeout,
        allowHalfOpen: o.allowHalfOpen,
        rejectTruncation: o.rejectTruncation,
      });
    } catch (err) {
      // Options are validated up front, so this is a bug; it still only costs this connection.
      socket.destroy();
      this.emit('tlsClientError', err, undefined);
      return;
    }
    tls.on('secure', () => this.emit('secureConnection', tls));
  }
}

/** Server, also callable without `new` as node:tls's (`Server(options, listener)`); `instanceof` and `extends` work as on the class. */
export const CallableServer = new Proxy(Server, {
  apply: (target, _this, args: ConstructorParameters<typeof Server>) => new target(...args),
}) as typeof Server & ((...args: ConstructorParameters<typeof Server>) => Server);

/** Creates a TLS server; `secureConnectionListener` runs on 'secureConnection'. */
export function createServer(
  options: TlsServerOptions = {},
  secureConnectionListener?: (socket: TLSSocket) => void,
): Server {
  return new Server(options, secureConnectionListener);
}
