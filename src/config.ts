import type { Observer } from './connection/observer.js';
import type { CryptoProvider, PrivateKey } from './crypto/provider.js';
import { DEFAULT_TLS12_SUITES, parseCipherList, TLS13_SUITES, type Tls12Suite, type Tls13Suite } from './crypto/suites.js';
import { ConfigError } from './errors.js';
import { loadIdentities, revocationLists, trustAnchors } from './identities.js';
import { NamedGroup, SignatureScheme, nameOf } from './messages/enums.js';
import { readAlpn } from './messages/extensions/simple.js';
import type { CertificateVerifier } from './pki/verifier.js';
import type { X509Profile } from './pki/strict-profile.js';
import { DefaultVerifier } from './pki/default-verifier.js';
import { requireDefaultProvider } from './platform-defaults.js';
import { decodeClientSession, type ClientSession } from './session/session.js';
import { ServerSessionStore } from './session/server-store.js';

/** PEM text (string or bytes) or DER bytes. Mirrors node:tls, which takes a string or bytes. */
export type PemOrDer = string | Uint8Array;

/** A private key with its own passphrase (node:tls's `key: [{ pem, passphrase }]`). */
export interface KeyEntry {
  pem: PemOrDer;
  passphrase?: string;
}

/** A PKCS#12 file with its own passphrase (node:tls's `pfx: [{ buf, passphrase }]`). */
export interface PfxEntry {
  buf: PemOrDer;
  passphrase?: string;
}

/** Options both sides share; names follow node:tls. */
export interface CommonOptions {
  /** Trust anchors (PEM, possibly several per string, or DER). Replaces the default trust store (Node's bundled roots, tls.rootCertificates, plus NODE_EXTRA_CA_CERTS). */
  ca?: PemOrDer | readonly PemOrDer[];
  /**
   * Certificate revocation lists, PEM ("-----BEGIN X509 CRL-----"), one per entry (node:tls `crl`).
   * When given, the built-in verifier needs, for every certificate of the peer's path up to and
   * including the trust anchor, a current CRL from its issuer, and refuses one listed as revoked
   * (CERT_REVOKED); otherwise UNABLE_TO_GET_CRL, CRL_HAS_EXPIRED, CRL_SIGNATURE_FAILURE, … as node:tls.
   */
  crl?: PemOrDer | readonly PemOrDer[];
  /** Our certificate chain, leaf first (PEM). An array gives several identities (e.g. an RSA and an ECDSA one); each pairs with the `key` entry whose public key it holds, in any order (as node:tls). */
  cert?: PemOrDer | readonly PemOrDer[];
  /** Our private key(s) (PEM); as node:tls, an entry may be `{ pem, passphrase }`. */
  key?: PemOrDer | readonly (PemOrDer | KeyEntry)[];
  passphrase?: string;
  /**
   * PKCS#12 file(s), as node:tls: each gives a key, its certificate chain and trust anchors (its
   * other certificates). Read by the Node adapter (connect, createServer, createSecureContext,
   * TLSSocket); the sans-I/O connections take `key`, `cert` and `ca`.
   */
  pfx?: PemOrDer | readonly (PemOrDer | PfxEntry)[] | null;
  /** OpenSSL-style TLS 1.2 cipher list. Default: the ECDHE suites. */
  ciphers?: string;
  /**
   * Colon-separated groups in preference order, e.g. `X25519MLKEM768:X25519:P-256:ffdhe2048`
   * (node:tls `ecdhCurve`; OpenSSL's names, as Node 24). Default: X25519MLKEM768, SecP256r1MLKEM768,
   * SecP384r1MLKEM1024, x25519, P-256, P-384, ffdhe2048, ffdhe3072, ffdhe4096; the pure MLKEM768
   * and MLKEM1024 only when named. A client offers X25519MLKEM768, x25519, P-256, P-384 by default,
   * with key shares for X25519MLKEM768 and x25519 (as Chromium and OpenSSL 3.5). With this option
   * the first group gets the key share, and when it is an ML-KEM group the first ECDHE group named
   * gets one too. TLS 1.3 takes the RFC 7919 groups on a server by default, but a client offers them
   * for TLS 1.3 only when named here or when DHE suites are enabled (supported_groups serves both
   * versions); TLS 1.2 uses them only for DHE suites, and never uses the ML-KEM groups.
   */
  ecdhCurve?: string;
  /**
   * node:tls's `dhparam`: only 'auto' is taken (it is what we do anyway: the RFC 7919 groups named
   * by `ecdhCurve`); custom Diffie-Hellman parameters are refused with ERR_TLSGLASS_DHPARAM.
   */
  dhparam?: 'auto' | null;
  /** Colon-separated signature schemes, OpenSSL or IANA names (node:tls `sigalgs`). */
  sigalgs?: string;
  /**
   * ALPN protocols in preference order: names (strings or bytes), or, as node:tls also takes,
   * one buffer in the wire format (each name after its length byte, RFC 7301 §3.1).
   */
  ALPNProtocols?: readonly (string | Uint8Array)[] | Uint8Array;
  /** Default true: an unverified peer certificate aborts the handshake. */
  rejectUnauthorized?: boolean;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /**
   * node:tls's OpenSSL method name, read by the Node adapter as a version range: TLS_method
   * (SSLv23_method) or TLSv1_2_method (and their _client/_server forms). Not with
   * minVersion/maxVersion.
   */
  secureProtocol?: string;
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Abort when the peer does not negotiate extended_master_secret (RFC 7627). Default false. */
  requireExtendedMasterSecret?: boolean;
  /** Crypto backend; defaults to node:crypto. */
  provider?: CryptoProvider;
  /** Certificate verifier; defaults to the built-in one over `ca`. */
  verifier?: CertificateVerifier;
  /**
   * The built-in verifier's certificate profile (docs/certificate-validation.md, "Strict certificate profile"): 'strict'
   * adds the RFC 5280 §4 and CA/B Forum Baseline Requirements issuance rules to RFC 5280 §6 path
   * validation ('rfc5280'). Default: 'strict' without `ca` (the default trust store), 'rfc5280' with `ca`.
   */
  x509Profile?: X509Profile;
  /** At most this many intermediate CA certificates between the peer's leaf and the trust anchor (openssl's -verify_depth). Default: no limit beyond the path builder's 10. */
  verifyDepth?: number;
  /** Clock for certificate validity (tests). */
  now?: () => Date;
  /** Sees every handshake message, CCS and alert from the first one on (traces, diagnosis). */
  observer?: Observer;
  /**
   * Records sent under one key before TLS 1.3 updates it (KeyUpdate) or TLS 1.2 closes.
   * Default 2^24, below the AES-GCM limit of RFC 8446 §5.5; lowered only by tests.
   */
  aeadRecordLimit?: number;
}

export interface ClientOptions extends CommonOptions {
  /** SNI host name and the name the certificate is checked against. */
  servername?: string;
  /** Host connected to; used for the identity check when servername is absent. */
  host?: string;
  /** Replaces the host-name check (same signature as node:tls): return an Error to reject. */
  checkServerIdentity?: (host: string, cert: unknown) => Error | undefined;
  /** A session from an earlier connection's 'session' event, to resume (node:tls `session`). */
  session?: Uint8Array;
  /**
   * Keys, certificates, trust anchors, suites and groups resolved once by createSecureContext()
   * and shared by many connections, as node:tls's `secureContext`. When given, those options
   * on the connection itself are ignored (as in node:tls); ALPNProtocols, rejectUnauthorized and
   * observer still apply per connection.
   */
  secureContext?: SecureContext;
  /**
   * External PSK (node:tls `pskCallback`): called with the server's identity hint in TLS 1.2 (null
   * in TLS 1.3); returns the key and the identity to send, or null to offer none. In TLS 1.3 the
   * PSK is offered with SHA-256 (as OpenSSL); TLS 1.2 PSK suites are offered only when it is set.
   */
  pskCallback?: PskClientCallback;
  /**
   * Ask the server to staple an OCSP response (RFC 6066 §8 status_request), as node:tls. What it
   * sends is `negotiated.ocspResponse` (the Node adapter emits 'OCSPResponse'); it is not required
   * and not judged: certificate validation does not use OCSP, as in node:tls.
   */
  requestOCSP?: boolean;
  /**
   * TLS 1.2 DHE: the smallest prime we take from a server, in bits (node:tls `minDHSize`, default
   * 1024). Our client takes only the RFC 7919 groups, so any value up to 2048 changes nothing.
   */
  minDHSize?: number;
  /**
   * TLS 1.2: ask for an RFC 5077 session ticket (default true). False is OpenSSL's SSL_OP_NO_TICKET
   * (s_client -no_ticket): the hello carries no session_ticket, so the session can resume by its ID only.
   */
  sessionTickets?: boolean;
}

/** node:tls's client pskCallback. */
export type PskClientCallback = (hint: string | null) => { psk: Uint8Array; identity: string } | null | undefined;
/** node:tls's ALPNCallback: the protocol to use, one of `protocols`, or undefined to refuse. */
export type AlpnCallback = (info: { servername: string | undefined; protocols: string[] }) => string | undefined;
/** The server's pskCallback in the core: the key for the client's identity, or null when unknown. */
export type PskServerCallback = (identity: string) => Uint8Array | null | undefined;

/** What createSecureContext() returns (node:tls's SecureContext class): a configuration resolved once. */
export class SecureContext {
  constructor(readonly context: ResolvedConfig) {
    Object.freeze(this);
  }
}

/**
 * Resolves the options every connection of a client shares (node:tls createSecureContext), so
 * that PEM keys and certificates are parsed once rather than per connection.
 */
export function createSecureContext(options: CommonOptions = {}): SecureContext {
  return new SecureContext(resolveCommon(options, 'client'));
}

/** True for what our createSecureContext() returned (not node:tls's, nor a look-alike). */
export function isSecureContext(value: unknown): value is SecureContext {
  return value instanceof SecureContext;
}

export interface ServerOptions extends CommonOptions {
  /** Send a CertificateRequest (mutual TLS). */
  requestCert?: boolean;
  /** 48 bytes (node:tls format) for sealing session tickets; share them to resume across processes. */
  ticketKeys?: Uint8Array;
  /** Seconds a session can be resumed for (node:tls sessionTimeout; default 300). */
  sessionTimeout?: number;
  /**
   * Where sessions live between connections. createServer() makes one per server; sans-I/O
   * users pass the same store to every ServerConnection to get resumption.
   */
  sessionStore?: ServerSessionStore;
  /** External PSKs: the key for a client's identity, or null (node:tls's server `pskCallback`, without its socket argument). */
  pskLookup?: PskServerCallback;
  /**
   * node:tls's server `ALPNCallback({ servername, protocols })`: picks the protocol from the
   * client's list (undefined: the handshake fails with no_application_protocol, RFC 7301 §3.2).
   * Cannot be combined with ALPNProtocols (ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS).
   */
  ALPNCallback?: AlpnCallback;
  /**
   * Whose cipher suite order wins. tlsglass's default is the server's (node:tls's
   * `honorCipherOrder: true`); `false` takes the first suite in the client's order that we support.
   */
  honorCipherOrder?: boolean;
  /** TLS 1.2: the identity hint sent in ServerKeyExchange (RFC 4279 §2). */
  pskIdentityHint?: string;
  /**
   * An OCSP response (DER) to staple for clients that ask (RFC 6066 §8; TLS 1.3: in the leaf's
   * CertificateEntry, RFC 8446 §4.4.2.1). Sent as given, for every certificate of this server.
   */
  ocspResponse?: Uint8Array;
  /**
   * Keys, certificates, trust anchors, suites and groups from createSecureContext(), as node:tls's
   * server-side `new TLSSocket(socket, { isServer: true, secureContext })`: those options given
   * alongside are ignored; requestCert and rejectUnauthorized still apply per connection.
   */
  secureContext?: SecureContext;
  /**
   * TLS 1.3: when the client supports one of our hybrid post-quantum groups (X25519MLKEM768, …)
   * but sent no key share for it, ask for that share by HelloRetryRequest instead of taking its
   * classical share: one more round trip, and no classical-only key exchange with a client that
   * could do better. Off by default, as OpenSSL (where a group tuple `X25519MLKEM768 / X25519`
   * would do the same).
   */
  hybridRetry?: boolean;
}

/** One certificate chain with the key that proves it. */
export interface Identity {
  readonly chain: readonly Uint8Array[];
  readonly key: PrivateKey;
}

export interface ResolvedConfig {
  readonly provider: CryptoProvider;
  readonly suites: readonly Tls12Suite[];
  readonly suites13: readonly Tls13Suite[];
  /** Protocol versions we accept, highest first (0x0304, 0x0303). */
  readonly versions: readonly number[];
  readonly groups: readonly number[];
  /**
   * TLS 1.3 key exchange groups (RFC 8446 §4.2.7), in preference order: the server's default is
   * every group (ECDHE then FFDHE); the client's is the ECDHE groups unless `ecdhCurve` names
   * FFDHE groups too. The client's first one gets the key share.
   */
  readonly groups13: readonly number[];
  readonly signatureSchemes: readonly number[];
  readonly alpn: readonly string[];
  readonly identities: readonly Identity[];
  readonly rejectUnauthorized: boolean;
  readonly requireExtendedMasterSecret: boolean;
  readonly verifier: CertificateVerifier;
  readonly now: () => Date;
  readonly observer: Observer | undefined;
  readonly aeadRecordLimit: bigint;
}

export interface ResolvedClientConfig extends ResolvedConfig {
  readonly session: ClientSession | undefined;
  readonly serverName: string | undefined;
  readonly checkHost: string | undefined;
  readonly checkServerIdentity: ClientOptions['checkServerIdentity'];
  readonly pskCallback: PskClientCallback | undefined;
  readonly requestOCSP: boolean;
  readonly minDHSize: number;
  readonly sessionTickets: boolean;
}

export interface ResolvedServerConfig extends ResolvedConfig {
  readonly requestCert: boolean;
  readonly sessions: ServerSessionStore;
  readonly pskLookup: PskServerCallback | undefined;
  readonly alpnCallback: AlpnCallback | undefined;
  /** The client's suite order wins (honorCipherOrder: false). */
  readonly clientSuiteOrder: boolean;
  readonly pskIdentityHint: string | undefined;
  readonly ocspResponse: Uint8Array | undefined;
  readonly hybridRetry: boolean;
}

/**
 * Groups offered and accepted by default, in preference order. TLS 1.2 uses the RFC 7919 groups
 * only for DHE suites; TLS 1.3 servers take them after the ECDHE groups (as OpenSSL and GnuTLS
 * do), and clients offer them for TLS 1.3 only when `ecdhCurve` names them (DEFAULT_CLIENT_GROUPS_13).
 */
export const DEFAULT_GROUPS: readonly NamedGroup[] = [
  // draft-ietf-tls-ecdhe-mlkem: the hybrids first, so that a server prefers them whenever offered.
  NamedGroup.X25519MLKEM768,
  NamedGroup.SecP256r1MLKEM768,
  NamedGroup.SecP384r1MLKEM1024,
  NamedGroup.x25519,
  NamedGroup.secp256r1,
  NamedGroup.secp384r1,
  NamedGroup.ffdhe2048,
  NamedGroup.ffdhe3072,
  NamedGroup.ffdhe4096,
];

/**
 * Signature schemes we accept and offer, strongest first. No SHA-1 or MD5 (RFC 9155). ML-DSA
 * first, where Chromium 156 lists it, and in TLS 1.3 only (draft-ietf-tls-mldsa §3).
 */
export const DEFAULT_SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
  SignatureScheme.mldsa44,
  SignatureScheme.mldsa65,
  SignatureScheme.mldsa87,
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.ecdsa_secp521r1_sha512,
  SignatureScheme.ed25519,
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pss_rsae_sha512,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
];

const GROUP_NAMES: Record<string, NamedGroup> = {
  X25519: NamedGroup.x25519,
  'P-256': NamedGroup.secp256r1,
  PRIME256V1: NamedGroup.secp256r1,
  SECP256R1: NamedGroup.secp256r1,
  'P-384': NamedGroup.secp384r1,
  SECP384R1: NamedGroup.secp384r1,
  FFDHE2048: NamedGroup.ffdhe2048,
  FFDHE3072: NamedGroup.ffdhe3072,
  FFDHE4096: NamedGroup.ffdhe4096,
  X25519MLKEM768: NamedGroup.X25519MLKEM768,
  SECP256R1MLKEM768: NamedGroup.SecP256r1MLKEM768,
  SECP384R1MLKEM1024: NamedGroup.SecP384r1MLKEM1024,
  MLKEM768: NamedGroup.MLKEM768,
  MLKEM1024: NamedGroup.MLKEM1024,
  // Known, so that they are refused as unsupported rather than unknown.
  'P-521': NamedGroup.secp521r1,
  X448: NamedGroup.x448,
  MLKEM512: NamedGroup.MLKEM512,
};

/** How groups are named in messages (OpenSSL's names for the ECDHE groups, RFC 7919's for FFDHE). */
function groupName(g: number): string {
  return { [NamedGroup.x25519]: 'X25519', [NamedGroup.secp256r1]: 'P-256', [NamedGroup.secp384r1]: 'P-384', [NamedGroup.secp521r1]: 'P-521', [NamedGroup.x448]: 'X448' }[g] ?? nameOf(NamedGroup, g);
}

/**
 * A client's TLS 1.3 groups without `ecdhCurve`: Chromium's and OpenSSL 3.5's offer, X25519MLKEM768
 * then ECDHE (an FFDHE share costs 0.5–2 ms and 256–512 bytes).
 */
export const DEFAULT_CLIENT_GROUPS_13: readonly NamedGroup[] = [NamedGroup.X25519MLKEM768, NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1];

const SIGALG_NAMES: Record<string, SignatureScheme> = {
  'ECDSA+SHA256': SignatureScheme.ecdsa_secp256r1_sha256,
  'ECDSA+SHA384': SignatureScheme.ecdsa_secp384r1_sha384,
  'ECDSA+SHA512': SignatureScheme.ecdsa_secp521r1_sha512,
  'RSA+SHA256': SignatureScheme.rsa_pkcs1_sha256,
  'RSA+SHA384': SignatureScheme.rsa_pkcs1_sha384,
  'RSA+SHA512': SignatureScheme.rsa_pkcs1_sha512,
  'RSA-PSS+SHA256': SignatureScheme.rsa_pss_rsae_sha256,
  'RSA-PSS+SHA384': SignatureScheme.rsa_pss_rsae_sha384,
  'RSA-PSS+SHA512': SignatureScheme.rsa_pss_rsae_sha512,
  ED25519: SignatureScheme.ed25519,
  'RSA+SHA1': SignatureScheme.rsa_pkcs1_sha1,
  'ECDSA+SHA1': SignatureScheme.ecdsa_sha1,
};

/** OpenSSL's name for a signature scheme, as node:tls's getSharedSigalgs() gives it ('RSA-PSS+SHA256'); IANA's for the rest. */
export function sigalgName(scheme: number): string {
  if (scheme === SignatureScheme.ed25519) return 'Ed25519+UNDEF';
  for (const [name, s] of Object.entries(SIGALG_NAMES)) if (s === scheme) return name;
  return nameOf(SignatureScheme, scheme);
}

function list<T>(v: T | readonly T[] | undefined): T[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? [...(v as readonly T[])] : [v as T];
}

/**
 * `ecdhCurve` (node:tls) as groups. Every name must be one we know and `available` (the crypto
 * provider's groups) has; anything else throws ERR_CRYPTO_OPERATION_FAILED, node's code for it.
 */
export function parseGroups(spec: string | undefined, available: readonly number[] = DEFAULT_GROUPS): NamedGroup[] {
  if (!spec || spec.toLowerCase() === 'auto') return [...DEFAULT_GROUPS];
  const names = spec.split(':');
  const groups = names.map((name) => GROUP_NAMES[name.toUpperCase()] ?? (NamedGroup as Record<string, NamedGroup>)[name.toLowerCase()]);
  const unknown = names.filter((_, i) => groups[i] === undefined);
  const unsupported = names.filter((_, i) => groups[i] !== undefined && !available.includes(groups[i]!));
  if (unknown.length > 0 || unsupported.length > 0) {
    const why = [unknown.length > 0 && `unknown group ${quoted(unknown)}`, unsupported.length > 0 && `${quoted(unsupported)} not implemented here`];
    const valid = available.map(groupName);
    throw new ConfigError('ERR_CRYPTO_OPERATION_FAILED', 'ecdhCurve', (name) => `${name('ecdhCurve')}: ${why.filter(Boolean).join('; ')}. Groups: ${valid.join(', ')}`);
  }
  return groups as NamedGroup[];
}

/** `sigalgs` (node:tls) as signature schemes: OpenSSL (RSA-PSS+SHA256) or IANA (rsa_pss_rsae_sha256) names of schemes we implement. */
export function parseSigalgs(spec: string | undefined): SignatureScheme[] {
  if (!spec) return [...DEFAULT_SIGNATURE_SCHEMES];
  const names = spec.split(':');
  const schemes = names.map((name) => SIGALG_NAMES[name.toUpperCase()] ?? (SignatureScheme as Record<string, SignatureScheme>)[name.toLowerCase()]);
  const problems = names.flatMap((name, i) => {
    const s = schemes[i];
    if (s === undefined) return [`unknown signature algorithm "${name}"`];
    if (s === SignatureScheme.rsa_pkcs1_sha1 || s === SignatureScheme.ecdsa_sha1) return [`"${name}" signs with SHA-1, which TLS no longer allows (RFC 9155)`];
    return DEFAULT_SIGNATURE_SCHEMES.includes(s) ? [] : [`"${name}" is not implemented here`];
  });
  if (problems.length > 0) {
    const valid = Object.keys(SIGALG_NAMES).filter((n) => DEFAULT_SIGNATURE_SCHEMES.includes(SIGALG_NAMES[n]!));
    throw new ConfigError('ERR_TLSGLASS_BAD_SIGALGS', 'sigalgs', (name) => `${name('sigalgs')}: ${problems.join('; ')}. Signature algorithms: ${valid.join(', ')} (or their IANA names, e.g. rsa_pss_rsae_sha256)`);
  }
  return schemes as SignatureScheme[];
}

function quoted(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/**
 * Splits a node:tls `ciphers` string: TLS 1.3 suite names (TLS_AES_…, TLS_CHACHA20_…) select the
 * TLS 1.3 suites, as Node passes them to OpenSSL's ciphersuites; when none are named, all TLS 1.3
 * suites stay on (as in Node). The rest is the OpenSSL-style TLS 1.2 list.
 */
export function resolveSuites(ciphers: string | undefined): { suites: Tls12Suite[]; suites13: Tls13Suite[] } {
  if (!ciphers) return { suites: [...DEFAULT_TLS12_SUITES], suites13: [...TLS13_SUITES] };
  const tokens = ciphers.split(/[:, ]+/).filter(Boolean);
  const named13 = tokens.map((t) => TLS13_SUITES.find((s) => s.name === t)).filter((s): s is Tls13Suite => s !== undefined);
  const rest = tokens.filter((t) => !TLS13_SUITES.some((s) => s.name === t));
  return {
    suites: rest.length > 0 ? parseCipherList(rest.join(':'), { allowEmpty: named13.length > 0 }) : [],
    suites13: named13.length > 0 ? named13 : [...TLS13_SUITES],
  };
}

const VERSION_NUMBERS = { 'TLSv1.2': 0x0303, 'TLSv1.3': 0x0304 } as const;

export function resolveVersions(options: CommonOptions): number[] {
  checkVersions(options);
  const min = VERSION_NUMBERS[options.minVersion ?? 'TLSv1.2'];
  const max = VERSION_NUMBERS[options.maxVersion ?? 'TLSv1.3'];
  const versions = [0x0304, 0x0303].filter((v) => v >= min && v <= max);
  if (versions.length === 0) {
    throw new ConfigError('ERR_TLS_PROTOCOL_VERSION_CONFLICT', 'minVersion', (name) => `${name('minVersion')} ${options.minVersion} is above ${name('maxVersion')} ${options.maxVersion}`);
  }
  return versions;
}

export function checkVersions(options: CommonOptions): void {
  for (const option of ['minVersion', 'maxVersion'] as const) {
    const v = options[option];
    if (v !== undefined && v !== 'TLSv1.2' && v !== 'TLSv1.3') {
      throw new ConfigError('ERR_TLS_INVALID_PROTOCOL_VERSION', option, (name) => `${name(option)} ${v}: only TLSv1.2 and TLSv1.3 exist here (RFC 8996)`);
    }
  }
}

/** ALPNProtocols as names; protocol names are opaque bytes, one char per byte (as readAlpn). */
function alpnNames(value: CommonOptions['ALPNProtocols']): string[] {
  if (value === undefined) return [];
  if (value instanceof Uint8Array) {
    const framed = new Uint8Array(2 + value.length);
    framed.set([value.length >> 8, value.length & 0xff]);
    framed.set(value, 2);
    try {
      return readAlpn(framed);
    } catch {
      throw new ConfigError('ERR_INVALID_ARG_VALUE', 'ALPNProtocols', (name) => `${name('ALPNProtocols')}: a buffer must hold length-prefixed protocol names (RFC 7301 §3.1)`);
    }
  }
  return value.map((p) => (typeof p === 'string' ? p : String.fromCharCode(...p)));
}

function resolveCommon(options: CommonOptions, side: 'client' | 'server'): ResolvedConfig {
  if (options.pfx != null) throw new ConfigError('ERR_TLSGLASS_PFX_ADAPTER', 'pfx', (name) => `${name('pfx')} is read by the Node adapter (tlsglass's connect, createServer, createSecureContext); here give ${name('key')}, ${name('cert')} and ${name('ca')}`);
  const dhparam: unknown = options.dhparam;
  if (dhparam != null && dhparam !== 'auto') { // null is none, as node:tls
    throw new ConfigError('ERR_TLSGLASS_DHPARAM', 'dhparam', (name) => `${name('dhparam')}: custom Diffie-Hellman parameters are not supported; finite-field DHE uses the RFC 7919 groups only (name them in ${name('ecdhCurve')}, e.g. "X25519:P-256:ffdhe2048"), or leave ${name('dhparam')} out`);
  }
  const provider = options.provider ?? requireDefaultProvider();
  const groups = parseGroups(options.ecdhCurve, provider.keyExchange.groups);
  const defaultGroups = !options.ecdhCurve || options.ecdhCurve.toLowerCase() === 'auto';
  const versions = resolveVersions(options);
  const { suites, suites13 } = resolveSuites(options.ciphers);
  if (suites.length === 0 && !versions.includes(0x0304)) {
    throw new ConfigError('ERR_SSL_NO_CIPHER_MATCH', 'ciphers', (name) => `${name('ciphers')} "${options.ciphers}" has no TLS 1.2 suite, and TLS 1.3 is off`);
  }
  return {
    provider,
    suites,
    suites13: versions.includes(0x0304) ? suites13 : [],
    versions: suites.length > 0 ? versions : versions.filter((v) => v === 0x0304),
    groups,
    // Only groups the provider can make shares for (a name such as secp521r1 parses but is never used).
    groups13: (side === 'client' && defaultGroups ? DEFAULT_CLIENT_GROUPS_13 : groups).filter((g) => provider.keyExchange.groups.includes(g)),
    signatureSchemes: parseSigalgs(options.sigalgs),
    alpn: alpnNames(options.ALPNProtocols),
    identities: loadIdentities(options, provider),
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    requireExtendedMasterSecret: options.requireExtendedMasterSecret ?? false,
    verifier: options.verifier ?? defaultVerifier(options, provider),
    now: options.now ?? (() => new Date()),
    observer: options.observer,
    aeadRecordLimit: BigInt(options.aeadRecordLimit ?? 2 ** 24),
  };
}

/**
 * The built-in verifier over `ca`, shared by every configuration with the same trust anchors.
 * Anchors are public, and parsing them (and their key objects) per connection cost a client
 * that passes `ca` to every connect() about 5% of its handshake; a few recent sets are kept.
 */
function defaultVerifier(options: CommonOptions, provider: CryptoProvider): CertificateVerifier {
  const { ca, x509Profile, verifyDepth } = options;
  const parts = ca === undefined ? [] : list(ca);
  const crlParts = options.crl ? list(options.crl) : [];
  const make = (): DefaultVerifier => {
    const anchors = trustAnchors(ca);
    const crls = revocationLists(options.crl);
    return new DefaultVerifier({
      ...(anchors ? { anchors } : {}),
      provider,
      ...(x509Profile !== undefined ? { profile: x509Profile } : {}),
      ...(verifyDepth !== undefined ? { verifyDepth } : {}),
      ...(crls.length > 0 ? { crls } : {}),
    });
  };
  // PEM strings (the usual form) are their own key; anchors or CRLs given as bytes are parsed each time.
  if (![...parts, ...crlParts].every((p): p is string => typeof p === 'string')) return make();
  const key = `${x509Profile ?? ''}\0${verifyDepth ?? ''}\0${parts.join('\0')}\0crl\0${crlParts.join('\0')}`;
  let byKey = VERIFIERS.get(provider);
  if (!byKey) VERIFIERS.set(provider, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit) return hit;
  const verifier = make();
  if (byKey.size >= 8) byKey.delete(byKey.keys().next().value!);
  byKey.set(key, verifier);
  return verifier;
}

const VERIFIERS = new WeakMap<CryptoProvider, Map<string, DefaultVerifier>>();

const IP_ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)$/;

function checkMinDHSize(value: unknown): number {
  if (value === undefined) return 1024;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new ConfigError('ERR_INVALID_ARG_VALUE', 'minDHSize', (name) => `${name('minDHSize')} must be a positive number of bits (received ${String(value)})`);
  }
  return value;
}

export function resolveClientConfig(options: ClientOptions): ResolvedClientConfig {
  if (options.secureContext && !isSecureContext(options.secureContext)) {
    throw new TypeError('secureContext must come from tlsglass createSecureContext(), not node:tls');
  }
  const shared = options.secureContext?.context;
  const common = shared ?? resolveCommon(options, 'client');
  // As node:tls: SNI defaults to the host unless it is an IP address; the identity check uses the same name.
  const serverName = options.servername ?? (options.host && !IP_ADDRESS.test(options.host) ? options.host : undefined);
  const checkName = options.servername ?? options.host;
  // One explicit literal (not a spread) so that every client configuration shares one V8 shape:
  // spreads gave each connection its own hidden class, ~0.5 KiB each and slower lookups.
  return {
    provider: common.provider,
    suites: common.suites,
    suites13: common.suites13,
    versions: common.versions,
    groups: common.groups,
    groups13: common.groups13,
    signatureSchemes: common.signatureSchemes,
    // With a shared context these three still come from the connection (as node:tls).
    alpn: shared && options.ALPNProtocols ? alpnNames(options.ALPNProtocols) : common.alpn,
    rejectUnauthorized: (shared && options.rejectUnauthorized) ?? common.rejectUnauthorized,
    observer: (shared && options.observer) ?? common.observer,
    identities: common.identities,
    requireExtendedMasterSecret: common.requireExtendedMasterSecret,
    verifier: common.verifier,
    now: common.now,
    aeadRecordLimit: common.aeadRecordLimit,
    session: options.session ? decodeClientSession(options.session) : undefined,
    serverName,
    checkHost: options.checkServerIdentity ? undefined : checkName,
    checkServerIdentity: options.checkServerIdentity,
    pskCallback: options.pskCallback,
    requestOCSP: options.requestOCSP ?? false,
    minDHSize: checkMinDHSize(options.minDHSize),
    sessionTickets: options.sessionTickets ?? true,
  };
}

const RESOLVED = Symbol('tlsglass.resolved');

/** True for a configuration made by resolveServerConfig() (and not user options). */
export function isResolved(value: object): value is ResolvedServerConfig {
  return (value as { [RESOLVED]?: boolean })[RESOLVED] === true;
}

/**
 * `certificateOptional`: a server that chooses its certificate per connection (node:tls's
 * SNICallback) may have none of its own; a handshake that needs one then fails with handshake_failure.
 */
export function resolveServerConfig(options: ServerOptions, certificateOptional = false): ResolvedServerConfig {
  if (options.secureContext && !isSecureContext(options.secureContext)) {
    throw new TypeError('secureContext must come from tlsglass createSecureContext(), not node:tls');
  }
  if (options.ALPNCallback !== undefined && options.ALPNProtocols !== undefined) {
    throw new ConfigError('ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS', 'ALPNCallback', () => 'The ALPNCallback and ALPNProtocols TLS options are mutually exclusive');
  }
  const shared = options.secureContext?.context;
  const common = shared ? { ...shared, rejectUnauthorized: options.rejectUnauthorized ?? shared.rejectUnauthorized } : resolveCommon(options, 'server');
  if (common.identities.length === 0 && !certificateOptional && !options.pskLookup) throw new Error('a server needs cert and key');
  const sessions =
    options.sessionStore ??
    new ServerSessionStore(common.provider, {
      ...(options.ticketKeys ? { ticketKeys: options.ticketKeys } : {}),
      ...(options.sessionTimeout !== undefined ? { sessionTimeout: options.sessionTimeout } : {}),
    });
  if (options.ocspResponse !== undefined && options.ocspResponse.length === 0) throw new RangeError('ocspResponse is empty (RFC 6066 §8: OCSPResponse<1..2^24-1>)');
  return Object.freeze({
    ...common,
    requestCert: options.requestCert ?? false,
    sessions,
    pskLookup: options.pskLookup,
    pskIdentityHint: options.pskIdentityHint,
    alpnCallback: options.ALPNCallback,
    clientSuiteOrder: options.honorCipherOrder === false,
    ocspResponse: options.ocspResponse,
    hybridRetry: options.hybridRetry ?? false,
    [RESOLVED]: true,
  });
}

/**
 * A server configuration whose certificates, keys and trust anchors are those of `context` (chosen
 * by SNI, as OpenSSL's SSL_set_SSL_CTX switches them); everything else stays the server's own.
 */
export function withIdentities(config: ResolvedServerConfig, context: SecureContext): ResolvedServerConfig {
  // The context's trust anchors too: a client certificate is checked against the `ca` of the
  // context SNI chose, as node:tls (OpenSSL verifies with the chosen SSL_CTX's store).
  return Object.freeze({ ...config, identities: context.context.identities, verifier: context.context.verifier });
}

/** A server configuration whose PSK lookup is `pskLookup` (node:tls passes each pskCallback its socket). */
export function withPskLookup(config: ResolvedServerConfig, pskLookup: PskServerCallback): ResolvedServerConfig {
  return Object.freeze({ ...config, pskLookup });
}

/** A server configuration that staples `response` (node:tls's 'OCSPRequest' answer for one connection). */
export function withOcspResponse(config: ResolvedServerConfig, response: Uint8Array): ResolvedServerConfig {
  return Object.freeze({ ...config, ocspResponse: response });
}
