/**
 * The client-certificate request, as the signature probes saw it: in TLS 1.2 the plaintext
 * CertificateRequest (RFC 5246 §7.4.4), in TLS 1.3 the encrypted one our client's handshake read
 * (RFC 8446 §4.3.2, its certificate_authorities extension §4.2.4).
 */
import { SignatureScheme, nameOf } from '../messages/enums.js';
import { nameText } from '../pki/name.js';
import type { ClientAuthResult } from './result.js';
import type { Observation } from './signature-algorithms.js';

function caText(der: Uint8Array): string {
  try {
    return nameText(der).split('\n').join(', ');
  } catch {
    return '(unreadable name)';
  }
}

/** From the first answer with a CertificateRequest; requested false when answers came without one; null with no answer. */
export function clientAuthOf(observations: readonly Observation[]): ClientAuthResult | null {
  if (observations.length === 0) return null;
  const request = observations.find((o) => o.request !== null)?.request;
  if (!request) return { requested: false, certificateAuthorities: [], signatureAlgorithms: [] };
  return {
    requested: true,
    certificateAuthorities: request.certificateAuthorities.map(caText),
    signatureAlgorithms: request.signatureSchemes.map((s) => nameOf(SignatureScheme, s, 'SignatureScheme')),
  };
}
