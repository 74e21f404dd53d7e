/** Pure choosers for the server's decisions; each returns undefined when nothing fits. */
import type { PrivateKey } from '../crypto/provider.js';
import type { Tls12Suite } from '../crypto/suites.js';
import { NamedGroup, SignatureScheme } from '../messages/enums.js';

export const FFDHE_GROUPS: readonly number[] = [NamedGroup.ffdhe2048, NamedGroup.ffdhe3072, NamedGroup.ffdhe4096];
export const EC_GROUPS: readonly number[] = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1];

export function isFfdhe(group: number): boolean {
  return FFDHE_GROUPS.includes(group);
}

/** First of our groups (in our order) that the client offered, restricted to one family. */
export function chooseGroup(ours: readonly number[], offered: readonly number[], family: 'ec' | 'ffdhe'): number | undefined {
  return ours.find((g) => offered.includes(g) && (family === 'ffdhe' ? isFfdhe(g) : EC_GROUPS.includes(g)));
}

/**
 * The DHE group for a TLS 1.2 DHE suite (RFC 7919 §4): if the client listed any FFDHE codepoint
 * (0x0100–0x01FF, "even if unknown to the server") we must pick one of ours among them, or not
 * choose DHE; if it listed none, it predates RFC 7919 and we use our first FFDHE group.
 */
export function chooseDheGroup(ours: readonly number[], offered: readonly number[]): number | undefined {
  if (!offered.some((g) => g >= 0x0100 && g <= 0x01ff)) return ours.find(isFfdhe);
  return chooseGroup(ours, offered, 'ffdhe');
}

/**
 * Signature schemes defined for TLS 1.3 only: ML-DSA (draft-ietf-tls-mldsa §3). TLS 1.2 never
 * offers, requests, chooses or accepts them; one in a TLS 1.2 signature is illegal_parameter.
 */
export const TLS13_ONLY_SIGNATURE_SCHEMES: readonly number[] = [SignatureScheme.mldsa44, SignatureScheme.mldsa65, SignatureScheme.mldsa87];

export function isTls12Scheme(scheme: number): boolean {
  return !TLS13_ONLY_SIGNATURE_SCHEMES.includes(scheme);
}

/** Our preferred TLS 1.2 scheme that the peer accepts and our key can produce. */
export function chooseSignatureScheme(
  key: PrivateKey,
  peerSchemes: readonly number[],
  allowed: readonly number[],
): number | undefined {
  return key.schemes.find((s) => isTls12Scheme(s) && peerSchemes.includes(s) && allowed.includes(s));
}

/** The key type a TLS 1.2 suite's certificate must carry. */
export function keyTypeFor(suite: Tls12Suite): 'rsa' | 'ec' {
  return suite.auth === 'ECDSA' ? 'ec' : 'rsa';
}

/** RFC 7301 §3.2: the server picks from the client's list, by the server's preference. */
export function chooseAlpn(ours: readonly string[], offered: readonly string[]): string | undefined {
  return ours.find((p) => offered.includes(p));
}

/** Our suites in the order that wins: ours, or the client's (RFC 5246 §7.4.1.2 leaves it to the server). */
export function inPreferenceOrder<S extends { readonly id: number }>(suites: readonly S[], ch: { readonly cipherSuites: readonly number[] }, config: { readonly clientSuiteOrder: boolean }): readonly S[] {
  if (!config.clientSuiteOrder) return suites;
  const rank = (s: S): number => ch.cipherSuites.indexOf(s.id);
  return suites.filter((s) => rank(s) >= 0).sort((a, b) => rank(a) - rank(b));
}
