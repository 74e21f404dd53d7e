/**
 * Findings: each a severity and a one-line verdict, derived from the scan's result alone (so a
 * saved --json can be judged again), and the grade they add up to. The ids are stable (docs/scan.md).
 */
import { suiteInfo, type Severity } from './cipher-suites.js';
import type { CertificateResult, Finding, ScanResult } from './result.js';

export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low', 'info'];

/** Whether `a` is at least as severe as `b`. */
export function atLeast(a: Severity, b: Severity): boolean {
  return SEVERITIES.indexOf(a) <= SEVERITIES.indexOf(b);
}

/** Days before expiry from which a certificate is a finding. */
const EXPIRY_WARNING_DAYS = 30;

export function deriveFindings(r: Omit<ScanResult, 'findings' | 'grade' | 'durationMs' | 'connections'>): Finding[] {
  const out: Finding[] = [];
  const add = (id: string, severity: Severity, verdict: string): void => void out.push({ id, severity, verdict });
  const accepted = (v: string): boolean => r.versions.some((x) => x.version === v && x.accepted);

  // Versions
  if (!r.versions.some((v) => v.accepted)) add('no-tls', 'high', 'no version of TLS accepted');
  if (accepted('SSLv2')) add('ssl2', 'high', 'SSL 2.0 accepted (DROWN; RFC 6176 prohibits it)');
  if (accepted('SSLv3')) add('ssl3', 'high', 'SSL 3.0 accepted (POODLE)');
  if (accepted('TLSv1')) add('tls10', 'medium', 'TLS 1.0 accepted (deprecated by RFC 8996)');
  if (accepted('TLSv1.1')) add('tls11', 'medium', 'TLS 1.1 accepted (deprecated by RFC 8996)');
  if (r.versions.some((v) => v.accepted) && !accepted('TLSv1.2') && !accepted('TLSv1.3')) add('no-tls12', 'high', 'neither TLS 1.2 nor TLS 1.3 accepted');
  if (accepted('TLSv1.2') && !accepted('TLSv1.3')) add('no-tls13', 'info', 'TLS 1.3 not offered');
  if (r.downgrade.sentinel === false) add('no-downgrade-sentinel', 'medium', 'TLS 1.3 server without the RFC 8446 downgrade sentinel in older ServerHellos');
  if (r.downgrade.fallbackScsv === false) add('no-fallback-scsv', accepted('TLSv1.3') ? 'low' : 'medium', 'TLS_FALLBACK_SCSV not honoured (RFC 7507)');

  // Cipher suites: one finding per weakness, naming the suites that have it.
  const weak = new Map<string, { severity: Severity; why: string; suites: Set<string> }>();
  for (const s of r.suites) {
    for (const entry of s.suites) {
      for (const w of suiteInfo(entry.code).weaknesses) {
        const e = weak.get(w.id) ?? { severity: w.severity, why: w.why, suites: new Set<string>() };
        e.suites.add(entry.name);
        weak.set(w.id, e);
      }
    }
  }
  for (const [id, e] of weak) add(`suite-${id}`, e.severity, `${e.why}: ${[...e.suites].join(', ')}`);
  const cbcWithoutEtm = r.suites.flatMap((s) => s.suites.filter((x) => x.encryptThenMac === false).map((x) => x.name));
  if (cbcWithoutEtm.length > 0) add('cbc-no-etm', 'low', `CBC suites without encrypt-then-MAC: ${[...new Set(cbcWithoutEtm)].join(', ')}`);
  // Client order matters where a client could talk the server into one of its weak suites (every TLS 1.3 suite is sound).
  for (const s of r.suites) {
    if (s.preference === 'client' && s.suites.some((x) => suiteInfo(x.code).weaknesses.length > 0 || x.encryptThenMac === false)) {
      add(`client-order-${s.version}`, 'low', `${s.version}: the server follows the client's cipher order, weak suites included`);
    }
  }

  // Key exchange
  const dhe = r.groups.dhe;
  if (dhe) {
    if (dhe.bits < 1024) add('dh-weak', 'high', `DH group ${dhe.bits} bits`);
    else if (dhe.bits < 2048) add('dh-weak', 'medium', `DH group ${dhe.bits} bits`);
    if (dhe.rfc7919 === null && dhe.modp) add('dh-modp', 'info', `DH group is the ${dhe.bits}-bit RFC 3526 MODP group, not an RFC 7919 group`);
    else if (dhe.rfc7919 === null) add('dh-custom', 'low', `DH group of ${dhe.bits} bits is the server's own, not an RFC 7919 group`);
  }

  // Features (TLS 1.2 and older)
  if (r.features.extendedMasterSecret === false) add('no-ems', 'medium', 'no extended master secret (RFC 7627)');
  if (r.features.secureRenegotiation === false) add('no-secure-renegotiation', 'medium', 'no secure renegotiation (RFC 5746)');
  if (r.features.clientRenegotiation) add('client-renegotiation', 'medium', 'client-initiated renegotiation accepted: any client can make the server redo a handshake at will (DoS)');
  if (r.features.compression) add('compression', 'high', 'TLS compression (DEFLATE) accepted: secrets leak through compressed lengths (CRIME)');
  if (r.features.heartbeat) add('heartbeat', 'info', 'heartbeat extension answered (RFC 6520): unused by browsers, and where Heartbleed lived');
  if (r.features.earlyData?.accepted) add('early-data', 'low', `0-RTT early data accepted${r.features.earlyData.maxEarlyDataSize !== null ? ` (up to ${r.features.earlyData.maxEarlyDataSize} bytes)` : ''}: an attacker can replay it (RFC 8446 §8)`);
  if (r.vulnerabilities.robot?.vulnerable) add('robot', 'high', `ROBOT: RSA padding oracle (Bleichenbacher): ${r.vulnerabilities.robot.evidence}`);

  // Certificate
  const c = r.certificate;
  if (!c) add('no-certificate', 'high', `certificate not read: ${r.certificateError ?? 'no handshake completed'}`);
  else certificateFindings(c, add, '', true);
  // The other chains (per key type, per SNI name): the same checks, each verdict naming its chain.
  const same = (x: CertificateResult): boolean => c !== null && x.name === c.name && JSON.stringify(x.chain) === JSON.stringify(c.chain);
  for (const x of r.certificates ?? []) if (!same(x)) certificateFindings(x, add, `${x.keyType} chain ${x.serverName === null ? 'without SNI' : `for ${x.serverName}`}: `, c?.ocspStapled === true);
  const sha1 = (r.signatureAlgorithms?.used ?? []).filter((s) => SHA1_SCHEMES.includes(s));
  if (sha1.length > 0) add('sha1-signature', 'medium', `the server signs the handshake with SHA-1 (${sha1.join(', ')}) although the client offers better (RFC 9155)`);
  return out;
}

const SHA1_SCHEMES = ['rsa_pkcs1_sha1', 'ecdsa_sha1'];

/** The checks of one chain; `label` names it in the verdicts ('' for the primary one); `noStaple`: say when no OCSP response came with it. */
function certificateFindings(c: CertificateResult, add: (id: string, severity: Severity, verdict: string) => void, label: string, noStaple: boolean): void {
  if (c.expiresInDays < 0) add('cert-expired', 'high', `${label}certificate expired ${-c.expiresInDays} days ago`);
  else if (c.expiresInDays < EXPIRY_WARNING_DAYS) add('cert-expiring', 'medium', `${label}certificate expires in ${c.expiresInDays} days`);
  if (!c.coversName) add('cert-name', 'high', `${label}certificate does not cover the name ${c.name}`);
  if (c.missingIntermediate) add('cert-missing-intermediate', 'high', `${label}chain incomplete: the issuer of ${c.chain[c.chain.length - 1]!.subject} was not sent`);
  else if (c.chainError && c.chainError.code !== 'CERT_HAS_EXPIRED') add('cert-untrusted', 'high', `${label}certificate not trusted: ${c.chainError.code}`);
  if (!c.inOrder) add('cert-order', 'low', `${label}certificate chain not in order (each certificate should be followed by its issuer)`);
  const leafKey = /^RSA (\d+)/.exec(c.chain[0]!.key);
  if (leafKey && Number(leafKey[1]) < 2048) add('cert-key', 'high', `${label}certificate key ${c.chain[0]!.key}`);
  // A self-signed root's own signature is never checked; every other one is.
  const sha1 = c.chain.filter((x) => !x.selfIssued && /sha1|SHA1|SHA-1/.test(x.signatureAlgorithm ?? ''));
  if (sha1.length > 0) add('cert-sha1', 'high', `${label}certificate signed with SHA-1: ${sha1.map((x) => `${x.subject} (${x.signatureAlgorithm})`).join(', ')}`);
  if (c.mustStaple && !c.ocspStapled) add('must-staple', 'high', `${label}certificate is must-staple (RFC 7633) but no OCSP response was stapled: clients that honour it refuse the connection`);
  if (!c.ocspStapled && noStaple) add('no-ocsp-stapling', 'info', `${label}no OCSP response stapled`);
}

/**
 * A letter from the worst finding: F for a high one, C for medium, B for low, A otherwise, A+
 * when TLS 1.3 is there and nothing at all was found. Simpler than SSL Labs' and not comparable.
 */
export function grade(findings: readonly Finding[]): ScanResult['grade'] {
  const worst = (s: Severity): boolean => findings.some((f) => f.severity === s);
  if (worst('high')) return 'F';
  if (worst('medium')) return 'C';
  if (worst('low')) return 'B';
  return findings.some((f) => f.id === 'no-tls13') ? 'A' : findings.length === 0 ? 'A+' : 'A';
}
