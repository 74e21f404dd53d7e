/**
 * Every chain the server sends: the answers of the signature probes (per key type, per SNI name)
 * deduplicated by their bytes, each judged as the primary certificate is (analyzeChain), with the
 * key type that got it and the SNI name it came for (the first one, the primary name first).
 */
import { parseCertificateCached } from '../pki/parsed-certificate.js';
import type { CertificateVerifier } from '../pki/verifier.js';
import { analyzeChain } from './certificate.js';
import type { ChainResult } from './result.js';
import type { Observation } from './signature-algorithms.js';

/** The key family a leaf signs with, as the signature schemes group them. */
function keyFamily(type: string | undefined): string {
  if (type === 'rsa' || type === 'rsa-pss') return 'RSA';
  if (type === 'ec') return 'ECDSA';
  if (type === 'ed25519' || type === 'ed448') return 'EdDSA';
  if (type?.startsWith('ml-dsa')) return 'ML-DSA';
  return type ?? 'unknown';
}

/** `name`: the name a chain must cover when it came without SNI (the scan's primary name, else the host). */
export function analyzeChains(observations: readonly Observation[], name: string, verifier: CertificateVerifier, now: Date): ChainResult[] {
  const seen = new Set<string>();
  const out: ChainResult[] = [];
  for (const o of observations) {
    if (o.chain.length === 0) continue;
    try {
      const parsed = o.chain.map((c, i) => parseCertificateCached(c, `certificate ${i}`));
      const key = parsed.map((c) => c.id).join('\u0000');
      if (seen.has(key)) continue;
      seen.add(key);
      const result = analyzeChain(o.chain, o.serverName ?? name, verifier, now, o.protocol, o.ocsp, o.tlsScts);
      out.push({ ...result, keyType: keyFamily(parsed[0]!.key.type), serverName: o.serverName ?? null });
    } catch {
      // A certificate that does not parse: the primary probe reports it (certificateError).
    }
  }
  return out;
}
