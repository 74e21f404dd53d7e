/**
 * Which signature schemes the server signs its handshake with, and every chain it sends on the
 * way. TLS 1.2: a raw hello with ECDHE and DHE suites and a chosen signature_algorithms list; the
 * plaintext ServerKeyExchange names the scheme (RFC 5246 §7.4.3), the Certificate the chain.
 * TLS 1.3: the CertificateVerify is encrypted, so tlsglass's own client completes a handshake
 * restricted to the list (its `sigalgs`) and reports the scheme it verified (RFC 8446 §4.4.3).
 *
 * Both strike: offer the list, remove what the server signed with, ask again until it refuses.
 * Per scheme (the `tls13`/`tls12` lists, one connection per scheme accepted plus one) or, with
 * --quick and for the other SNI names, per key type (ECDSA, RSA, EdDSA, ML-DSA: one connection
 * per chain plus one). A server with an RSA and an ECDSA certificate answers each with its own
 * chain, so striking walks through all of them. The first answer of each walk, to a client's
 * usual list (tlsglass's, SHA-1 last for TLS 1.2), is what the server `used`.
 */
import type { ClientOptions } from '../config.js';
import { DEFAULT_SIGNATURE_SCHEMES } from '../config.js';
import { isTls12Scheme } from '../handshake/negotiation.js';
import { TLS13_SIGNATURE_SCHEMES } from '../handshake/tls13-common.js';
import { readCertificateTls12 } from '../messages/certificate.js';
import { readCertificateRequestTls12 } from '../messages/certificate-request.js';
import { readCertificateStatus } from '../messages/certificate-status.js';
import { ExtensionType, HandshakeType, ProtocolVersion, SignatureScheme, nameOf } from '../messages/enums.js';
import { findExtension } from '../messages/extensions/index.js';
import { readServerKeyExchange } from '../messages/server-key-exchange.js';
import type { CertificateVerifier } from '../pki/verifier.js';
import { handshake } from './certificate.js';
import { ocspSctCount, sctListCount } from './certificate-extensions.js';
import { isDheSuite, isEcdheSuite, LEGACY_SUITES } from './cipher-suites.js';
import { ask, type ProbeAnswer } from './hello.js';
import { helloFor, type ProbeContext } from './protocol.js';
import type { SignatureAlgorithmsResult } from './result.js';

/** A CertificateRequest's content, both versions alike. */
export interface RequestSeen {
  readonly signatureSchemes: readonly number[];
  readonly certificateAuthorities: readonly Uint8Array[];
}

/** One answer of a signature probe: what the server signed with and sent. */
export interface Observation {
  /** The scheme it signed with; undefined when the answer had no signature to read. */
  readonly scheme: number | undefined;
  readonly chain: readonly Uint8Array[];
  readonly protocol: string;
  readonly ocsp: boolean;
  /** SCTs the handshake delivered: the signed_certificate_timestamp TLS extension's and a stapled OCSP response's. */
  readonly tlsScts: number;
  /** The CertificateRequest; null when the server asked for no certificate. */
  readonly request: RequestSeen | null;
  /** The SNI name sent; undefined: none. */
  readonly serverName: string | undefined;
}

export interface SignatureProbeOptions {
  readonly host: string;
  readonly verifier: CertificateVerifier;
  readonly now: Date;
  readonly quick: boolean;
  /** TLS 1.3 and TLS 1.2 accepted (from the version probe). */
  readonly tls13: boolean;
  readonly tls12: boolean;
  /** Every SNI name to ask for chains with, the primary one first; undefined: no SNI. */
  readonly serverNames: readonly (string | undefined)[];
}

export interface SignatureProbe {
  readonly signatureAlgorithms: SignatureAlgorithmsResult;
  /** Every answer, primary name first, in the order they came. */
  readonly observations: readonly Observation[];
}

const S = SignatureScheme;

/** TLS 1.3: the CertificateVerify schemes tlsglass's client can verify (no PKCS#1 v1.5, no SHA-1: RFC 8446 §4.2.3). */
const TLS13_LIST: readonly number[] = DEFAULT_SIGNATURE_SCHEMES.filter((s) => TLS13_SIGNATURE_SCHEMES.includes(s));
/** TLS 1.2: a client's usual list, then the schemes nobody should need (RSASSA-PSS keys, Ed448, SHA-1). */
const TLS12_LIST: readonly number[] = [...DEFAULT_SIGNATURE_SCHEMES.filter(isTls12Scheme), S.ed448, S.rsa_pss_pss_sha256, S.rsa_pss_pss_sha384, S.rsa_pss_pss_sha512, S.rsa_pkcs1_sha1, S.ecdsa_sha1];

/** The key type a scheme signs with. */
export function schemeFamily(scheme: number): string {
  const name = nameOf(SignatureScheme, scheme, 'SignatureScheme');
  if (name.startsWith('ecdsa_')) return 'ECDSA';
  if (name.startsWith('rsa_')) return 'RSA';
  if (name.startsWith('ed')) return 'EdDSA';
  if (name.startsWith('mldsa')) return 'ML-DSA';
  return name;
}

/** TLS 1.2 suites whose ServerKeyExchange is signed. */
const SIGNED_SUITES = [...LEGACY_SUITES.keys()].filter((c) => (isEcdheSuite(c) || isDheSuite(c)) && !/PSK/.test(LEGACY_SUITES.get(c)!));

type Ask = (schemes: readonly number[], serverName: string | undefined) => Promise<Observation | undefined>;

/** TLS 1.3: a full handshake with tlsglass's client, offering only `schemes`. */
function ask13(ctx: ProbeContext, o: SignatureProbeOptions): Ask {
  return async (schemes, serverName) => {
    const options: ClientOptions = {
      host: o.host,
      ...(serverName !== undefined ? { servername: serverName } : {}),
      minVersion: 'TLSv1.3',
      sigalgs: schemes.map((s) => nameOf(SignatureScheme, s)).join(':'),
      verifier: o.verifier,
      rejectUnauthorized: false,
      requestOCSP: true,
      now: () => o.now,
    };
    try {
      const c = await ctx.runner.run((ch) => handshake(ch, options));
      const n = c.negotiated;
      return { scheme: n.peerSignatureScheme, chain: c.peerCertificates, protocol: 'TLSv1.3', ocsp: n.ocspResponse !== undefined, tlsScts: ocspSctCount(n.ocspResponse), request: n.certificateRequest ?? null, serverName };
    } catch {
      return undefined;
    }
  };
}

/** TLS 1.2: a raw hello with the signed suites; the plaintext flight tells the rest. */
function ask12(ctx: ProbeContext): Ask {
  return async (schemes, serverName) => {
    let answer: ProbeAnswer;
    try {
      const hello = { ...helloFor(ctx, ProtocolVersion.TLSv1_2), suites: SIGNED_SUITES, signatureSchemes: schemes, signedCertificateTimestamp: true, serverName };
      answer = await ctx.runner.run((ch) => ask(ch, hello, ctx.random));
    } catch {
      return undefined;
    }
    if (answer.kind !== 'hello' || answer.version !== ProtocolVersion.TLSv1_2) return undefined;
    const message = (type: number): Uint8Array | undefined => answer.flight.find((m) => m.type === type)?.body;
    try {
      const certificate = message(HandshakeType.certificate);
      const ske = message(HandshakeType.server_key_exchange);
      const request = message(HandshakeType.certificate_request);
      const sct = findExtension(answer.hello.extensions, ExtensionType.signed_certificate_timestamp);
      const status = message(HandshakeType.certificate_status);
      return {
        scheme: ske ? readServerKeyExchange(ske, isEcdheSuite(answer.hello.cipherSuite) ? 'ecdhe' : 'dhe').scheme : undefined,
        chain: certificate ? readCertificateTls12(certificate) : [],
        protocol: 'TLSv1.2 (read from a probe)',
        ocsp: status !== undefined,
        tlsScts: (sct ? sctListCount(sct) : 0) + ocspSctCount(status && readCertificateStatus(status)),
        request: request ? readCertificateRequestTls12(request) : null,
        serverName,
      };
    } catch {
      return undefined;
    }
  };
}

/**
 * Offers `list`, strikes what the server signed with (the scheme, or with `byFamily` every scheme
 * of its key type) and asks again, until it refuses or answers without a signature we offered.
 */
async function strike(askWith: Ask, list: readonly number[], serverName: string | undefined, byFamily: boolean): Promise<Observation[]> {
  let remaining = [...list];
  const seen: Observation[] = [];
  while (remaining.length > 0) {
    const o = await askWith(remaining, serverName);
    if (!o) break;
    seen.push(o);
    const used = o.scheme;
    if (used === undefined || !remaining.includes(used)) break;
    remaining = remaining.filter((s) => (byFamily ? schemeFamily(s) !== schemeFamily(used) : s !== used));
  }
  return seen;
}

const names = (seen: readonly Observation[]): string[] => [...new Set(seen.flatMap((o) => (o.scheme === undefined ? [] : [nameOf(SignatureScheme, o.scheme, 'SignatureScheme')])))];

export async function probeSignatures(ctx: ProbeContext, o: SignatureProbeOptions): Promise<SignatureProbe> {
  const [primary, ...others] = o.serverNames;
  const per13 = ask13(ctx, o);
  const per12 = ask12(ctx);
  const [seen13, seen12] = await Promise.all([
    o.tls13 ? strike(per13, TLS13_LIST, primary, o.quick) : Promise.resolve([]),
    o.tls12 && !(o.quick && o.tls13) ? strike(per12, TLS12_LIST, primary, o.quick) : Promise.resolve([]),
  ]);
  // The other names: the chain per key type, with the best version.
  const best: [Ask, readonly number[]] | undefined = o.tls13 ? [per13, TLS13_LIST] : o.tls12 ? [per12, TLS12_LIST] : undefined;
  const elsewhere = best ? await Promise.all(others.map((name) => strike(best[0], best[1], name, true))) : [];
  const used = [seen13[0], seen12[0]].filter((x) => x !== undefined);
  return {
    signatureAlgorithms: { tls13: names(seen13), tls12: names(seen12), used: names(used) },
    observations: [...seen13, ...seen12, ...elsewhere.flat()],
  };
}
