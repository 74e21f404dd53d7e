/**
 * What a scan found: the JSON `tlsglass scan --json` prints (schema "tlsglass-scan/1",
 * documented field by field in docs/scan.md). Fields are added, never renamed or removed, within
 * one schema version.
 */
import type { Severity } from './cipher-suites.js';

export type VersionName = 'SSLv2' | 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface VersionResult {
  readonly version: VersionName;
  readonly accepted: boolean;
  /** What the server did with a hello offering only this version: "ServerHello", "alert protocol_version", "closed", … */
  readonly answer: string;
}

export interface SuiteEntry {
  readonly code: number;
  readonly name: string;
  readonly keyExchange: string;
  /** TLS 1.2 and older, CBC suites: the server agreed to encrypt-then-MAC (RFC 7366). */
  readonly encryptThenMac?: boolean;
}

export interface SuitesResult {
  readonly version: VersionName;
  /** In the order the server chose them from everything still offered. */
  readonly suites: readonly SuiteEntry[];
  /** 'server': it picks by its own order; 'client': by ours; null: fewer than two suites, or not probed. */
  readonly preference: 'server' | 'client' | null;
}

export interface GroupsResult {
  /** TLS 1.3 groups, in the order the server chose them (through HelloRetryRequest). */
  readonly tls13: readonly string[];
  /** TLS 1.3: offered an x25519 key share, the server used it (no HelloRetryRequest), or asked for this group instead. */
  readonly tls13KeyShare: { readonly offered: string; readonly helloRetryFor: string | null } | null;
  /** TLS 1.2 ECDHE curves, read from each ServerKeyExchange, in the order the server chose them. */
  readonly tls12Ecdhe: readonly string[];
  /** TLS 1.2 DHE: the server's own prime (none of RFC 7919's offered), from its ServerKeyExchange. */
  readonly dhe: {
    readonly bits: number;
    /** The RFC 7919 group the prime is ("ffdhe2048"), or null. */
    readonly rfc7919: string | null;
    /** One of the well-known RFC 2409 / RFC 3526 MODP primes (not an RFC 7919 group, but no custom one either). */
    readonly modp: boolean;
  } | null;
}

export interface CertificateResult {
  readonly protocol: string;
  /** The chain as sent, leaf first. */
  readonly chain: readonly {
    readonly subject: string;
    readonly issuer: string;
    readonly notAfter: string;
    readonly key: string;
    readonly selfIssued: boolean;
    /** How its issuer signed it ("sha256WithRSAEncryption", "ecdsa-with-SHA1", …). */
    readonly signatureAlgorithm: string;
  }[];
  readonly subjectAltNames: string;
  /** Whole days until the leaf expires (negative: expired that many days ago). */
  readonly expiresInDays: number;
  /** The leaf covers the name (SNI name, else the host). */
  readonly coversName: boolean;
  readonly name: string;
  /** The verifier's answer for the chain with the name: null when trusted. */
  readonly verifyError: { readonly code: string; readonly message: string } | null;
  /** The same without the name check: is the chain itself trusted? */
  readonly chainError: { readonly code: string; readonly message: string } | null;
  /** Each certificate is followed by its issuer. */
  readonly inOrder: boolean;
  /** The last certificate sent is not self-issued and its issuer could not be found. */
  readonly missingIntermediate: boolean;
  readonly ocspStapled: boolean;
  /** The leaf's signature algorithm (as chain[0].signatureAlgorithm). */
  readonly signatureAlgorithm: string;
  /** The leaf's TLS Feature extension asks for status_request (RFC 7633): clients must insist on a stapled OCSP response. */
  readonly mustStaple: boolean;
  /** Certificate Transparency SCTs (RFC 6962): embedded in the leaf, in the signed_certificate_timestamp TLS extension, in a stapled OCSP response. */
  readonly scts: number;
}

/** One of the chains the server sends: per key type it can sign with, per SNI name (signature-algorithms.ts, chains.ts). */
export type ChainResult = CertificateResult & {
  /** The family of signature schemes that got this chain: "ECDSA", "RSA", "EdDSA", "ML-DSA". */
  readonly keyType: string;
  /** The SNI name sent (the first that got this chain); null: no SNI. */
  readonly serverName: string | null;
};

/** Signature schemes (IANA names) the server signs its handshake with. */
export interface SignatureAlgorithmsResult {
  /** TLS 1.3 CertificateVerify schemes, in the order the server chose them from everything still offered. */
  readonly tls13: readonly string[];
  /** TLS 1.2 ServerKeyExchange schemes, likewise. */
  readonly tls12: readonly string[];
  /** What it signed with when offered a client's usual list (tlsglass's, SHA-1 last), per version. */
  readonly used: readonly string[];
}

/** Whether the server asks for a client certificate (CertificateRequest), and for what. */
export interface ClientAuthResult {
  readonly requested: boolean;
  /** The CAs it names, as the chain's subjects are printed ("O=acme, CN=acme CA"); [] when it names none. */
  readonly certificateAuthorities: readonly string[];
  /** The schemes it accepts a client's signature in (IANA names). */
  readonly signatureAlgorithms: readonly string[];
}

export interface FeaturesResult {
  readonly alpn: readonly string[];
  /** TLS 1.2 (any version before 1.3): from the ServerHellos of the suite probes; null when not applicable. */
  readonly extendedMasterSecret: boolean | null;
  readonly secureRenegotiation: boolean | null;
  readonly sessionTicket: boolean | null;
  readonly encryptThenMac: boolean | null;
  readonly ocspStapling: boolean | null;
  /** TLS 1.2: the server started a second handshake when the client sent a new ClientHello; null when no TLS 1.2 handshake completed. */
  readonly clientRenegotiation: boolean | null;
  /** TLS 1.3 0-RTT: the server took early_data when resuming; maxEarlyDataSize from its ticket. null: no TLS 1.3 ticket. */
  readonly earlyData: { readonly accepted: boolean; readonly maxEarlyDataSize: number | null } | null;
  /** TLS 1.2 and older: the server chose DEFLATE compression (CRIME). */
  readonly compression: boolean | null;
  /** The server answered the heartbeat extension (RFC 6520). */
  readonly heartbeat: boolean | null;
  /** RFC 8449 record_size_limit the server answered; null when it ignored it. */
  readonly recordSizeLimit: number | null;
  readonly resumption: {
    /** TLS 1.2, by session ID with no ticket asked for. */
    readonly sessionId: boolean | null;
    /** TLS 1.2, by RFC 5077 ticket. */
    readonly ticket: boolean | null;
    /** TLS 1.3, by the PSK of a NewSessionTicket. */
    readonly tls13Psk: boolean | null;
    /** The lifetime of the first ticket (TLS 1.3's, else the TLS 1.2 hint), seconds. */
    readonly ticketLifetimeSeconds: number | null;
  };
}

export interface VulnerabilitiesResult {
  /** ROBOT: differing answers to malformed RSA premasters; null when the server has no RSA key exchange (or --quick). */
  readonly robot: { readonly vulnerable: boolean | null; readonly evidence: string } | null;
}

export interface Finding {
  /** Stable identifier ("tls10", "cbc-no-etm", …), listed in docs/scan.md. */
  readonly id: string;
  readonly severity: Severity;
  readonly verdict: string;
}

export interface ScanResult {
  readonly schema: 'tlsglass-scan/1';
  /** `starttls`: the protocol whose preamble ran before each hello ('smtp', 'postgres'), or null. */
  readonly target: { readonly host: string; readonly port: number; readonly serverName: string | null; readonly starttls: string | null };
  readonly quick: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly connections: number;
  readonly versions: readonly VersionResult[];
  readonly downgrade: {
    /** RFC 8446 §4.1.3: a TLS 1.3 server's TLS 1.2 ServerHello ends with DOWNGRD\x01; null when not applicable. */
    readonly sentinel: boolean | null;
    /** RFC 7507: a hello below the best version with TLS_FALLBACK_SCSV is refused; null when one version only. */
    readonly fallbackScsv: boolean | null;
  };
  readonly suites: readonly SuitesResult[];
  readonly groups: GroupsResult;
  readonly certificate: CertificateResult | null;
  /** Why the certificate could not be read (no handshake completed), when it could not. */
  readonly certificateError: string | null;
  readonly features: FeaturesResult;
  readonly vulnerabilities: VulnerabilitiesResult;
  readonly signatureAlgorithms: SignatureAlgorithmsResult;
  /** Every distinct chain the server sent, per key type and SNI name (`certificate` stays the primary one). */
  readonly certificates: readonly ChainResult[];
  /** null: no probe could tell (no handshake got as far as a CertificateRequest would come). */
  readonly clientAuth: ClientAuthResult | null;
  readonly findings: readonly Finding[];
  readonly grade: 'A+' | 'A' | 'B' | 'C' | 'F';
}
