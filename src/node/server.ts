/**
 * createServer(): node:tls's Server, a net.Server that wraps every accepted socket in a server-side
 * TLSSocket and emits 'secureConnection' once its handshake completes. A failing connection is
 * isolated (security.md R2): handshake errors, resets and timeouts go to 'tlsClientError'
 * (err, tlsSocket) and the socket is destroyed; nothing reaches the listener or other connections.
 * Other objects (e.g. node:http) can push their own transports through server.emit('connection', s).
 *
 * SNI (node:tls's SNICallback and addContext): when either is in use, the ClientHello is read ahead
 * (sni.ts), the callback chooses a SecureContext for its server_name, and only then is the
 * TLSSocket made, with that context's certificates. The core stays synchronous.
 */
import { Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  createSecureContext,
  isSecureContext,
  resolveServerConfig,
  withIdentities,
  type CommonOptions,
  type ResolvedServerConfig,
  type SecureContext,
  type ServerOptions as CoreServerOptions,
} from '../config.js';
import { TlsError } from '../errors.js';
import { nodeCryptoProvider } from '../crypto/node/index.js';
import { ServerSessionStore } from '../session/server-store.js';
import { withDefaultVersions } from './defaults.js';
import { withAutoChain } from './auto-chain.js';
import { asNodeError } from './node-errors.js';
import { TLSSocket, validateSNICallback } from './tls-socket.js';
import { peekServerName, serverNamePattern } from './sni.js';

/** Options of createServer(): the core's server options plus node:tls/net.Server ones. */
export interface TlsServerOptions extends CoreServerOptions {
  /** Abort handshakes not finished within this many ms (default 120000, as node:tls; 0 disables). */
  handshakeTimeout?: number;
  /** As net.Server: keep our writable side open after the peer's close_notify. */
  allowHalfOpen?: boolean;
  /** See TLSSocketOptions.rejectTruncation. */
  rejectTruncation?: boolean;
  /**
   * Chooses the certificate by the client's server_name (node:tls): called, possibly answering
   * later, for every ClientHello that names a server, before the certificate is chosen. The
   * context's certificates and keys replace the server's own for that connection (the other
   * options stay the server's); `undefined` keeps the server's. With it, `cert` and `key` are optional.
   * Without it, names given to addContext() are looked up.
   */
  SNICallback?: (servername: string, callback: (err: Error | null, context?: SecureContext) => void) => void;
}

/** A TLS server, mirroring node:tls's Server. */
export class Server extends NetServer {
  private tlsOptions: TlsServerOptions;
  /** Keys and certificates parsed once, and the session store all connections share. */
  private resolved: ResolvedServerConfig;
  private readonly sessions: ServerSessionStore;
  /** addContext() entries, as node:tls's `_contexts`: the last added that matches wins. */
  private readonly contexts: [RegExp, SecureContext][] = [];
  /** The server's configuration with each SNI context's certificates, made once per context. */
  private sniConfigs = new WeakMap<SecureContext, ResolvedServerConfig>();

  constructor(options: TlsServerOptions = {}, secureConnectionListener?: (socket: TLSSocket) => void) {
    validateSNICallback(options.SNICallback);
    options = withDefaultVersions(options);
    super({ allowHalfOpen: true }); // the TLSSocket decides when to send FIN: after close_notify
    this.sessions =
      options.sessionStore ??
      new ServerSessionStore(options.provider ?? nodeCryptoProvider, {
        ...(options.ticketKeys ? { ticketKeys: options.ticketKeys } : {}),
        ...(options.sessionTimeout !== undefined ? { sessionTimeout: options.sessionTimeout } : {}),
      });
    // As node:tls, a server without a certificate is made; each handshake then fails (tlsClientError).
    this.resolved = resolveNodeServerConfig({ ...options, sessionStore: this.sessions });
    this.tlsOptions = { ...options };
    this.on('connection', (socket: Socket | Duplex) => this.onConnection(socket));
    if (secureConnectionListener) this.on('secureConnection', secureConnectionListener);
  }

  /** Replaces the options used for new connections (node:tls setSecureContext). */
  setSecureContext(options: TlsServerOptions): void {
    options = withDefaultVersions(options);
    this.resolved = resolveNodeServerConfig({ ...options, sessionStore: this.sessions });
    this.tlsOptions = { ...options };
    this.sniConfigs = new WeakMap();
  }

  /**
   * Serves `context` (from createSecureContext(), or its options) to clients whose server_name
   * matches `hostname`, in which `*` stands for one label or part of one (`*.example.com`), as
   * node:tls. Consulted when there is no SNICallback; the last added match wins.
   */
  addContext(hostname: string, context: SecureContext | CommonOptions): void {
    if (!hostname) throw Object.assign(new TypeError('"servername" is required parameter for Server.addContext'), { code: 'ERR_TLS_REQUIRED_SERVER_NAME' });
    this.contexts.push([serverNamePattern(hostname), isSecureContext(context) ? context : createSecureContext(context)]);
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
    if (this.tlsOptions.SNICallback !== undefined || this.contexts.length > 0) this.readServerName(socket);
    else this.startTls(socket, this.resolved, this.tlsOptions.handshakeTimeout);
  }

  private startTls(socket: Socket | Duplex, config: ResolvedServerConfig, handshakeTimeout: number | undefined): TLSSocket | undefined {
    let tls: TLSSocket;
    try {
      // Only what a server-side TLSSocket reads (the rest is in `resolved`); a literal rather than a
      // spread of every option, which V8 copies slowly, once per connection (issue 7).
      const o = this.tlsOptions;
      tls = new TLSSocket(socket, {
        resolvedConfig: config,
        isServer: true,
        server: this,
        handshakeTimeout,
        allowHalfOpen: o.allowHalfOpen,
        rejectTruncation: o.rejectTruncation,
      });
    } catch (err) {
      // Options are validated up front, so this is a bug; it still only costs this connection.
      socket.destroy();
      this.emit('tlsClientError', err, undefined);
      return undefined;
    }
    tls.on('secure', () => this.emit('secureConnection', tls));
    return tls;
  }

  /**
   * Reads the ClientHello ahead, asks the SNICallback (or the addContext() names) for a context,
   * then hands the bytes back to the transport and starts the TLSSocket with that context. The
   * handshake timeout covers the wait. A failure here (the callback's error, a context that is not
   * ours, the client gone, the timeout) goes to 'tlsClientError' like any handshake failure.
   */
  private readServerName(socket: Socket | Duplex): void {
    const timeout = this.tlsOptions.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const deadline = Date.now() + timeout;
    let buffered: Buffer = Buffer.alloc(0);
    let settled = false;
    const timer = timeout > 0 ? setTimeout(() => finish(new TlsError('TLS handshake timeout', 'ERR_TLS_HANDSHAKE_TIMEOUT', undefined)), timeout) : undefined;
    timer?.unref();
    const onData = (chunk: Buffer): void => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const peeked = peekServerName(buffered);
      if (peeked === undefined) return;
      socket.removeListener('data', onData);
      socket.pause(); // until the TLSSocket takes over; the bytes read so far go back in front
      socket.unshift(buffered);
      if (peeked.servername === undefined) return finish(undefined, undefined);
      this.chooseContext(peeked.servername, finish);
    };
    const onGone = (err?: Error): void => finish(err instanceof Error ? err : codedError('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET'));
    const finish = (err: Error | null | undefined, context?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('end', onGone);
      socket.removeListener('close', onGone);
      socket.removeListener('error', onGone);
      const failure = err ?? (socket.destroyed ? codedError('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET') : undefined) ?? (context == null || isSecureContext(context) ? undefined : new TypeError('Invalid SNI context'));
      const config = failure || context == null ? this.resolved : this.configFor(context as SecureContext);
      const tls = this.startTls(socket, config, failure ? 0 : timeout === 0 ? 0 : Math.max(1, deadline - Date.now()));
      if (!tls) return;
      if (failure) {
        this.emit('tlsClientError', failure, tls); // as node:tls: no alert, the connection is dropped
        tls.destroy();
      } else {
        socket.resume();
      }
    };
    socket.on('data', onData);
    socket.on('end', onGone);
    socket.on('close', onGone);
    socket.on('error', onGone);
  }

  /** The SNICallback's answer, or node:tls's default: the last addContext() name that matches. */
  private chooseContext(servername: string, done: (err: Error | null | undefined, context?: unknown) => void): void {
    const callback = this.tlsOptions.SNICallback;
    if (callback === undefined) {
      for (let i = this.contexts.length - 1; i >= 0; i--) {
        const [pattern, context] = this.contexts[i]!;
        if (pattern.test(servername)) return done(null, context);
      }
      return done(null, undefined);
    }
    try {
      callback(servername, (err, context) => done(err, context));
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private configFor(context: SecureContext): ResolvedServerConfig {
    let config = this.sniConfigs.get(context);
    if (!config) this.sniConfigs.set(context, (config = withIdentities(this.resolved, context)));
    return config;
  }
}

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 120_000;

/** The server's configuration, a certificate optional; errors in node:tls's words. */
function resolveNodeServerConfig(options: CoreServerOptions): ResolvedServerConfig {
  try {
    return resolveServerConfig(withAutoChain(options), true);
  } catch (err) {
    throw asNodeError(err as Error);
  }
}

function codedError(message: string, code: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
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
