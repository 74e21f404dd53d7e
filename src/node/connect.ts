/**
 * connect(): node:tls's client entry point. It opens a TCP connection (or takes `socket`), wraps it
 * in a TLSSocket and starts the handshake: at once over a connected `socket`, else when TCP connects. As node:tls, `servername` defaults to `host` unless `host` is an IP literal,
 * and the certificate is checked against `servername`, else `host`.
 */
import { isIP, connect as netConnect, type LookupFunction, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { DEFAULT_CIPHERS, replacedCreateSecureContext, withDefaults } from './defaults.js';
import { asNodeError } from './node-errors.js';
import { sharedReader } from './read-buffer.js';
import { checkedSecureOptions } from './validate.js';
import { madeByConnect, ownTransport, TLSSocket, type TLSSocketOptions } from './tls-socket.js';

/** Options of connect(): TLS client options plus where to connect, as node:tls ConnectionOptions. */
export interface ConnectionOptions extends Omit<TLSSocketOptions, 'isServer' | 'server' | 'requestCert'> {
  /** Default 'localhost'. */
  host?: string;
  port?: number;
  /** Unix domain socket path instead of host/port. */
  path?: string;
  /** An already connected transport to run TLS over; host/port are then only used for the name check. */
  socket?: Socket | Duplex;
  /** Socket idle timeout in ms ('timeout' event), as net.connect. */
  timeout?: number;
  family?: number;
  /** dns.lookup() hints (dns.ADDRCONFIG, …), as net.connect. */
  hints?: number;
  /** Custom DNS lookup, as net.connect. */
  lookup?: LookupFunction;
  localAddress?: string;
  localPort?: number;
}

let warnedIpServername = false;

/** Opens a TLS client connection; `secureConnectListener` runs on 'secureConnect'. */
export function connect(options: ConnectionOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(port: number, host?: string, options?: ConnectionOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(port: number, options?: ConnectionOptions, secureConnectListener?: () => void): TLSSocket;
export function connect(...args: unknown[]): TLSSocket {
  const { options: given, listener } = normalizeArgs(args);
  const options = checkedSecureOptions(given);
  // As node:tls, which makes each context with `tls.createSecureContext`: one assigned over ours is called, before any socket is made.
  const makeContext = options.secureContext === undefined ? replacedCreateSecureContext() : undefined;
  if (makeContext) options.secureContext = makeContext(Object.assign({}, options, { ciphers: options.ciphers ?? DEFAULT_CIPHERS })) as TLSSocketOptions['secureContext'];
  const host = options.host ?? 'localhost';
  const servername = options.servername ?? (isIP(host) === 0 ? host : undefined);
  if (options.servername !== undefined && isIP(options.servername) !== 0 && !warnedIpServername) {
    warnedIpServername = true; // as node:tls, once per process (we do not send it: RFC 6066 §3 allows host names only)
    process.emitWarning('Setting the TLS ServerName to an IP address is not permitted by RFC 6066. This will be ignored in a future version.', 'DeprecationWarning', 'DEP0123');
  }

  let tls: TLSSocket | undefined;
  const onread = sharedReader(() => tls);
  let transport: Socket | Duplex;
  if (options.socket) {
    transport = options.socket;
  } else if (options.path !== undefined) {
    transport = netConnect({ path: options.path, allowHalfOpen: true, onread });
  } else {
    transport = netConnect({
      host,
      port: options.port ?? 443,
      allowHalfOpen: true, // the TLSSocket decides when to send FIN: after close_notify
      noDelay: true,
      onread, // reads land in one shared buffer (read-buffer.ts)
      ...(options.family !== undefined && { family: options.family }),
      ...(options.lookup !== undefined && { lookup: options.lookup }),
      ...(options.hints !== undefined && { hints: options.hints }),
      ...(options.localAddress !== undefined && { localAddress: options.localAddress }),
      ...(options.localPort !== undefined && { localPort: options.localPort }),
    });
  }

  const { socket: _s, path: _p, port: _port, timeout, family: _f, hints: _h, lookup: _l, localAddress: _la, localPort: _lp, ...tlsOptions } = options;
  try {
    // Object.assign, not `{ ...tlsOptions, host, … }`: V8 gives a spread followed by new
    // properties a slow path, ~2 µs per connect() (measured, issue 7).
    const socketOptions: TLSSocketOptions = withDefaults(Object.assign({}, tlsOptions, { host, isServer: false, [madeByConnect]: true }));
    if (servername !== undefined) socketOptions.servername = servername;
    if (!options.socket) Object.assign(socketOptions, { [ownTransport]: true }); // allowHalfOpen is the option's, not the transport's
    tls = new TLSSocket(transport, socketOptions);
    tls.releaseControl(); // as node:tls: an 'error' nobody listens to throws
  } catch (err) {
    if (!options.socket) transport.destroy();
    throw asNodeError(err as Error);
  }
  // What the caller asked for, as node:tls's error reports it (nothing when it brought its own socket).
  if (!options.socket) tls.connectTarget = { path: options.path, host: options.host, port: options.path === undefined ? (options.port ?? 443) : undefined, localAddress: options.localAddress };
  if (timeout !== undefined) tls.setTimeout(timeout);
  if (listener) tls.once('secureConnect', listener);
  tls._start(); // now over a connected `socket`, else once TCP connects
  return tls;
}

function normalizeArgs(args: unknown[]): { options: ConnectionOptions; listener: (() => void) | undefined } {
  const listener = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
  if (typeof args[0] === 'string') {
    // connect(path[, options]): a Unix domain socket or named pipe, as node:tls.
    return { options: { ...((args[1] as ConnectionOptions | undefined) ?? {}), path: args[0] }, listener };
  }
  if (typeof args[0] === 'object' && args[0] !== null) {
    return { options: { ...(args[0] as ConnectionOptions) }, listener };
  }
  const port = Number(args[0]);
  let host: string | undefined;
  let rest: ConnectionOptions = {};
  if (typeof args[1] === 'string') {
    host = args[1];
    rest = (args[2] as ConnectionOptions | undefined) ?? {};
  } else {
    rest = (args[1] as ConnectionOptions | undefined) ?? {};
  }
  return { options: { ...rest, port, ...(host !== undefined && { host }) }, listener };
}
