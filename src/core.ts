/**
 * tlsglass/core: the sans-I/O protocol without the Node adapter, for any JavaScript runtime
 * (browsers, Workers, Deno, Bun). Nothing reachable from here imports a `node:*` module or uses
 * Buffer (test/unit/core-portable.test.ts). Crypto comes from a CryptoProvider: pass `provider`
 * in each configuration or install a default once with installDefaultProvider(); likewise the
 * default trust anchors (installDefaultTrustAnchors), or pass `ca`. The Node entry ('tlsglass')
 * installs node:crypto's provider and node:tls's trust store, and re-exports all of this.
 */
export { ClientConnection, ServerConnection, Connection, type CipherInfo } from './connection/connection.js';
export type { ConnectionEvent } from './connection/events.js';
export type { Observer, MessageEvent } from './connection/observer.js';
export { SecureContext, createSecureContext } from './config.js';
export type { ClientOptions, ServerOptions, CommonOptions, PemOrDer, PfxEntry } from './config.js';
export { installDefaultProvider, installDefaultTrustAnchors, getDefaultProvider } from './platform-defaults.js';
export type {
  CryptoProvider,
  RandomSource,
  HashProvider,
  HashAlgorithm,
  RunningHash,
  AeadProvider,
  AeadAlgorithm,
  Aead,
  KeyExchangeProvider,
  KeyShare,
  SignatureProvider,
  RsaKeyTransport,
} from './crypto/provider.js';
export type { X509Profile } from './pki/strict-profile.js';
export { DefaultVerifier, type DefaultVerifierOptions } from './pki/default-verifier.js';
export type { CertificateVerifier, ClientCheckContext, ServerCheckContext, VerificationResult } from './pki/verifier.js';
export { ServerSessionStore, type SessionStoreOptions } from './session/server-store.js';
export { connectStreams, acceptStreams, type ByteStreams, type SecureStreams, type HandshakeInfo } from './web/stream.js';
export { TlsError, LocalAlert, PeerAlert, CertificateError, ConfigError } from './errors.js';
export { Timeline, type TraceMessage } from './trace/timeline.js';
export { renderLadder, type LadderOptions } from './trace/ladder.js';
export { summarize, type HandshakeSummary } from './trace/summary.js';
export { diagnose, describeDiagnosis, type Diagnosis } from './trace/diagnose.js';
export { renderHtml } from './trace/html.js';
export { connectionToJson } from './trace/json.js';
