/**
 * The certificate probe: one real handshake with our ClientConnection (sans-I/O, driven over a
 * probe channel), which the server's chain goes through our verifier in; then what a person asks
 * of that chain: trusted or why not, days to expiry, key sizes, whether it covers the name,
 * whether it is in order and complete. The same handshake, offering h2 and http/1.1, gives ALPN
 * and the stapled OCSP response.
 */
import type { ClientOptions } from '../config.js';
import { ClientConnection } from '../connection/connection.js';
import type { CertificateError } from '../errors.js';
import { signatureAlgorithmName } from '../pki/algorithm-policy.js';
import { matchesHost } from '../pki/host-match.js';
import { parseCertificateCached, type ParsedCertificate } from '../pki/parsed-certificate.js';
import type { CertificateVerifier } from '../pki/verifier.js';
import { embeddedSctCount, isMustStaple } from './certificate-extensions.js';
import type { ByteChannel } from './channel.js';
import type { CertificateResult } from './result.js';

/** Runs a full handshake over `channel`; resolves with the established connection, or rejects with its TlsError. */
export async function handshake(channel: ByteChannel, options: ClientOptions): Promise<ClientConnection> {
  const connection = new ClientConnection(options);
  connection.start();
  const flush = (): void => {
    for (const bytes of connection.takeOutgoing()) channel.write(bytes);
  };
  flush();
  while (!connection.isEstablished) {
    const bytes = await channel.read();
    if (bytes === null) throw new Error('the server closed the connection during the handshake');
    try {
      connection.receive(bytes);
    } finally {
      flush(); // our alert, if the handshake failed
    }
  }
  return connection;
}

/** Issuer not found: the codes of a chain that stops short of a trust anchor. */
const ISSUER_MISSING = new Set(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT']);

function keyText(c: ParsedCertificate): string {
  const k = c.key;
  if (k.modulusLength !== undefined) return `${k.type?.toUpperCase()} ${k.modulusLength} bits`;
  if (k.namedCurve !== undefined) return `EC ${k.namedCurve}`;
  return k.type ?? 'unknown';
}

function errorOf(e: CertificateError | undefined): CertificateResult['verifyError'] {
  return e ? { code: e.code, message: e.message } : null;
}

const DAY_MS = 86_400_000;

/** What the chain the server sent tells, checked with `verifier` at `now` for `name`. */
export function analyzeChain(
  der: readonly Uint8Array[],
  name: string,
  verifier: CertificateVerifier,
  now: Date,
  protocol: string,
  ocspStapled: boolean,
  /** SCTs the handshake delivered beside the certificate (TLS extension, stapled OCSP response). */
  tlsScts = 0,
): CertificateResult {
  const chain = der.map((d, i) => parseCertificateCached(d, `certificate ${i}`));
  const leaf = chain[0]!;
  const check = (host: string | undefined): CertificateError | undefined => {
    try {
      return verifier.verifyServer(der, { host, now }).error;
    } catch (err) {
      return err as CertificateError;
    }
  };
  const chainError = check(undefined);
  const last = chain[chain.length - 1]!;
  const selfIssued = (c: ParsedCertificate): boolean => c.subjectKey === c.issuerKey;
  return {
    protocol,
    chain: chain.map((c) => ({
      subject: c.subjectText,
      issuer: c.issuerText,
      notAfter: c.fields.notAfter.toISOString(),
      key: keyText(c),
      selfIssued: selfIssued(c),
      signatureAlgorithm: signatureAlgorithmName(c.fields.signatureAlgorithm),
    })),
    subjectAltNames: leaf.subjectAltNameText,
    expiresInDays: Math.floor((leaf.fields.notAfter.getTime() - now.getTime()) / DAY_MS),
    coversName: matchesHost(name, leaf.subjectAltNames),
    name,
    verifyError: errorOf(check(name)),
    chainError: errorOf(chainError),
    inOrder: chain.every((c, i) => i === chain.length - 1 || c.issuerKey === chain[i + 1]!.subjectKey),
    missingIntermediate: chainError !== undefined && ISSUER_MISSING.has(chainError.code) && !selfIssued(last),
    ocspStapled,
    signatureAlgorithm: signatureAlgorithmName(leaf.fields.signatureAlgorithm),
    mustStaple: isMustStaple(leaf.fields),
    scts: embeddedSctCount(leaf.fields) + tlsScts,
  };
}
