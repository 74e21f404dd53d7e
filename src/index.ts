/**
 * tlsglass public API, the Node entry: a node:tls-style adapter (connect, createServer, TLSSocket,
 * Server) over the sans-I/O core (src/core.ts, also published alone as tlsglass/core), whose
 * default provider and trust anchors importing this module installs (node:crypto's provider,
 * tls.rootCertificates plus NODE_EXTRA_CA_CERTS: src/node/install-defaults.ts).
 * The default export is the module as one object, as `import tls from 'node:tls'`; through it the
 * DEFAULT_MIN_VERSION / DEFAULT_MAX_VERSION / DEFAULT_CIPHERS defaults can be changed, and a
 * createSecureContext assigned to it is what connect() makes its contexts with, as with node:tls.
 */
import { checkServerIdentity, rootCertificates } from 'node:tls';
import './node/install-defaults.js'; // node:crypto's provider and node:tls's trust store as the core's defaults
import { createSecureContext as createCoreSecureContext, SecureContext, type CommonOptions } from './config.js';
import { connect } from './node/connect.js';
import * as defaults from './node/defaults.js';
import { CallableServer, createServer, type Server as ServerClass } from './node/server.js';
import { withAutoChain } from './node/auto-chain.js';
import { withPfx } from './node/pfx.js';
import { asNodeError } from './node/node-errors.js';
import { TLSSocket } from './node/tls-socket.js';
import { convertALPNProtocols, createSecurePair } from './node/secure-pair.js';
import { checkedSecureOptions } from './node/validate.js';

export { connect, type ConnectionOptions } from './node/connect.js';
export { createServer, type TlsServerOptions } from './node/server.js';
/** node:tls's Server: a class, also callable without `new`. */
export const Server = CallableServer;
export type Server = ServerClass;
export { TLSSocket, type TLSSocketOptions, type EphemeralKeyInfo } from './node/tls-socket.js';
export { convertALPNProtocols, createSecurePair, SecurePair } from './node/secure-pair.js';
/** The sans-I/O core (tlsglass/core): connections, configuration, provider, verifier, trace renderers. */
export * from './core.js';
export { DEFAULT_MIN_VERSION, DEFAULT_MAX_VERSION, DEFAULT_ECDH_CURVE, DEFAULT_CIPHERS, getCiphers } from './node/defaults.js';
export { nodeCryptoProvider } from './crypto/node/index.js';
/**
 * node:tls's own checkServerIdentity: it takes the PeerCertificate objects getPeerCertificate()
 * returns and gives node:tls's errors, so a checkServerIdentity option that calls it behaves as with node:tls.
 */
export { rootCertificates, checkServerIdentity } from 'node:tls';
/** node:tls's types for getPeerCertificate() and getCipher(), which TLSSocket returns. */
export type { CipherNameAndProtocol, DetailedPeerCertificate, PeerCertificate } from 'node:tls';

/** As node:tls createSecureContext; minVersion/maxVersion default to DEFAULT_MIN_VERSION/DEFAULT_MAX_VERSION at call time. */
export function createSecureContext(options: CommonOptions = {}): SecureContext {
  try {
    return createCoreSecureContext(withAutoChain(withPfx(defaults.withDefaults(checkedSecureOptions(options)))));
  } catch (err) {
    throw asNodeError(err as Error); // node:tls's code and message ("key values mismatch", …)
  }
}

const tlsglass = {
  connect,
  createServer,
  createSecureContext,
  Server: CallableServer,
  TLSSocket,
  SecureContext,
  checkServerIdentity,
  /** Read-only, as node:tls's (assigning it throws in strict mode). */
  get rootCertificates(): readonly string[] {
    return rootCertificates;
  },
  getCiphers: defaults.getCiphers,
  convertALPNProtocols,
  createSecurePair,
  DEFAULT_ECDH_CURVE: defaults.DEFAULT_ECDH_CURVE,
  get DEFAULT_CIPHERS(): string {
    return defaults.DEFAULT_CIPHERS;
  },
  set DEFAULT_CIPHERS(value: string) {
    defaults.setDefaultCiphers(value);
  },
  get DEFAULT_MIN_VERSION(): defaults.TlsVersion {
    return defaults.DEFAULT_MIN_VERSION;
  },
  set DEFAULT_MIN_VERSION(value: defaults.TlsVersion) {
    defaults.setDefaultVersion('min', value);
  },
  get DEFAULT_MAX_VERSION(): defaults.TlsVersion {
    return defaults.DEFAULT_MAX_VERSION;
  },
  set DEFAULT_MAX_VERSION(value: defaults.TlsVersion) {
    defaults.setDefaultVersion('max', value);
  },
};
defaults.registerModuleObject(tlsglass);
export default tlsglass;
