/**
 * tlsglass public API: a node:tls-style adapter (connect, createServer, TLSSocket, Server), the
 * sans-I/O connections underneath for users who bring their own I/O, and the error classes.
 */
export { connect, type ConnectionOptions } from './node/connect.js';
export { createServer, Server, type TlsServerOptions } from './node/server.js';
export { TLSSocket, type TLSSocketOptions, type EphemeralKeyInfo } from './node/tls-socket.js';
export { ClientConnection, ServerConnection, Connection, type CipherInfo } from './connection/connection.js';
export type { ConnectionEvent } from './connection/events.js';
export { createSecureContext } from './config.js';
export type { ClientOptions, ServerOptions, CommonOptions, PemOrDer, SecureContext } from './config.js';
export type { X509Profile } from './pki/strict-profile.js';
export { TlsError, LocalAlert, PeerAlert, CertificateError } from './errors.js';
export { rootCertificates } from 'node:tls';
