/**
 * tlsglass public API: a node:tls-style adapter (connect, createServer, TLSSocket, Server), the
 * sans-I/O connections underneath for users who bring their own I/O, the error classes, and every
 * type the options and the README name (observer, verifier, crypto provider, session store).
 */
export { connect, type ConnectionOptions } from './node/connect.js';
export { createServer, Server, type TlsServerOptions } from './node/server.js';
export { TLSSocket, type TLSSocketOptions, type EphemeralKeyInfo } from './node/tls-socket.js';
export { ClientConnection, ServerConnection, Connection, type CipherInfo } from './connection/connection.js';
export type { ConnectionEvent } from './connection/events.js';
export type { Observer, MessageEvent } from './connection/observer.js';
export { createSecureContext } from './config.js';
export type { ClientOptions, ServerOptions, CommonOptions, PemOrDer, SecureContext } from './config.js';
export type { X509Profile } from './pki/strict-profile.js';
export { DefaultVerifier, type DefaultVerifierOptions } from './pki/default-verifier.js';
export type { CertificateVerifier, ClientCheckContext, ServerCheckContext, VerificationResult } from './pki/verifier.js';
export { ServerSessionStore, type SessionStoreOptions } from './session/server-store.js';
export { nodeCryptoProvider } from './crypto/node/index.js';
export type { CryptoProvider } from './crypto/provider.js';
export { TlsError, LocalAlert, PeerAlert, CertificateError, ConfigError } from './errors.js';
export { rootCertificates } from 'node:tls';
/** node:tls's types for getPeerCertificate() and getCipher(), which TLSSocket returns. */
export type { CipherNameAndProtocol, DetailedPeerCertificate, PeerCertificate } from 'node:tls';
