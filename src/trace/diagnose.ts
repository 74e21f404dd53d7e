/**
 * Failure diagnosis: from the error one side failed with and the trace of what crossed the wire,
 * say which step failed, who sent which alert, and the likely cause in plain words with the
 * option that fixes it. The options named are those of `tlsglass connect` (client) and
 * `tlsglass serve` (server).
 */
import { TLS12_SUITES, TLS13_SUITES } from '../crypto/suites.js';
import { PeerAlert, TlsError } from '../errors.js';
import { AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, nameOf } from '../messages/enums.js';
import type { CertificateSummary } from './certificate-summary.js';
import { alertMeaning, cipherName, otherSide, type HandshakeFacts, type Side } from './decode.js';
import type { TraceMessage } from './timeline.js';

export interface DiagnosisInput {
  /** What the side we speak for failed with. */
  readonly error: unknown;
  /** Whose error it is: the diagnosis speaks as this side ("we", "our certificate"). */
  readonly side: Side;
  readonly messages: readonly TraceMessage[];
  readonly facts: Readonly<HandshakeFacts>;
  /** The name the client checked the server's certificate against (its servername or host). */
  readonly host?: string | undefined;
  /** The clock the certificates were checked with. */
  readonly now?: Date | undefined;
  /** Our cipher suites, as --ciphers names, when known (for "no cipher suite in common"). */
  readonly ourSuites?: readonly string[] | undefined;
}

export interface Diagnosis {
  /** The error's stable code (ERR_TLS_CERT_ALTNAME_INVALID, CERT_HAS_EXPIRED, …). */
  readonly code: string | undefined;
  /** The message that was being handled when the handshake broke, e.g. "message 7: the client's Certificate (empty)". */
  readonly step: string | undefined;
  /** The fatal alert that ended it, and who sent it. */
  readonly alert: { readonly index: number; readonly from: Side; readonly description: string } | undefined;
  /** The likely cause in plain words, with the option that fixes it. */
  readonly cause: string;
}

export function diagnose(input: DiagnosisInput): Diagnosis {
  const { error, messages } = input;
  const code = codeOf(error);
  const alertMessage = messages.find((m) => m.decoded.alert?.fatal === true);
  const alert = alertMessage && { index: alertMessage.index, from: alertMessage.from, description: alertMessage.decoded.alert!.description };
  return { code, step: culprit(input, code, alertMessage) ?? failedStep(messages, alertMessage), alert, cause: cause(input, code, alert) };
}

const CERTIFICATE_ALERTS = new Set(['bad_certificate', 'unsupported_certificate', 'certificate_expired', 'certificate_unknown', 'unknown_ca', 'certificate_revoked']);

/**
 * The message that caused the failure, when the failure says which: the certificate a peer
 * refused, or the empty Certificate of a client that had none. Otherwise undefined, and the step
 * is the last message the alert's sender read.
 */
function culprit(input: DiagnosisInput, code: string | undefined, alert: TraceMessage | undefined): string | undefined {
  const { messages } = input;
  const before = alert ? messages.filter((m) => m.index < alert.index) : messages;
  const peerAlert = input.error instanceof PeerAlert ? nameOf(AlertDescription, input.error.description, 'AlertDescription') : undefined;
  const missingClientCertificate =
    code === 'ERR_TLSGLASS_NO_PEER_CERTIFICATE' || (input.facts.certificateRequested && (input.facts.clientCertificates?.length ?? 0) === 0 && /handshake_failure|certificate_required/.test(peerAlert ?? ''));
  if (missingClientCertificate) {
    const empty = before.find((m) => m.from === 'client' && m.decoded.name === 'Certificate' && (m.decoded.certificates?.length ?? 0) === 0);
    if (empty) return `message ${empty.index}: the client's Certificate (empty)`;
  }
  const description = alert?.decoded.alert?.description ?? '';
  if (alert && CERTIFICATE_ALERTS.has(description)) {
    const refused = [...before].reverse().find((m) => m.from !== alert.from && m.decoded.name === 'Certificate');
    if (refused) return `message ${refused.index}: the ${refused.from}'s Certificate`;
  }
  return undefined;
}

/** One paragraph for people: step, alert, cause. */
export function describeDiagnosis(d: Diagnosis): string {
  const parts: string[] = [];
  if (d.step) parts.push(`The handshake broke at ${d.step}.`);
  if (d.alert) parts.push(`The ${d.alert.from} sent the fatal alert ${d.alert.description} (message ${d.alert.index}).`);
  parts.push(`Likely cause: ${d.cause}`);
  return parts.join(' ');
}

function cause(input: DiagnosisInput, code: string | undefined, alert: Diagnosis['alert']): string {
  const { side, facts, error } = input;
  const peer = otherSide(side);
  const peerAlert = error instanceof PeerAlert ? nameOf(AlertDescription, error.description, 'AlertDescription') : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const ourChain = side === 'client' ? (facts.clientCertificates ?? []) : facts.serverCertificates;
  const peerChain = side === 'client' ? facts.serverCertificates : (facts.clientCertificates ?? []);

  // No client certificate.
  if (code === 'ERR_TLSGLASS_NO_PEER_CERTIFICATE') {
    return 'we require a client certificate (we sent CertificateRequest) but the client answered with an empty Certificate: the client must be given one (its --cert/--key), or use --request-cert instead of --require-cert to make it optional.';
  }
  if (
    side === 'client' &&
    facts.certificateRequested &&
    (facts.clientCertificates?.length ?? 0) === 0 &&
    (peerAlert === 'handshake_failure' || peerAlert === 'certificate_required' || peerAlert === 'bad_certificate')
  ) {
    return 'the server asked for a client certificate (CertificateRequest) but none was configured: pass --cert/--key.';
  }

  // Expired or not yet valid.
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    const now = input.now ?? new Date();
    const bad = certificates(peerChain).find((c) => Date.parse(c.notAfter) < now.getTime() || Date.parse(c.notBefore) > now.getTime());
    const fix = side === 'client' ? 'the server must renew it (tlsglass certs makes new ones); --insecure connects anyway' : 'the client must renew it';
    if (!bad) return `the ${peer}'s certificate is expired or not yet valid: ${fix}.`;
    const what = `certificate for '${nameFor(bad)}'`;
    return Date.parse(bad.notAfter) < now.getTime()
      ? `${what} expired ${ago(now.getTime() - Date.parse(bad.notAfter))} (not after ${utc(bad.notAfter)}): ${fix}.`
      : `${what} is not valid until ${utc(bad.notBefore)}, ${ago(Date.parse(bad.notBefore) - now.getTime()).replace(' ago', '')} from now (is a clock wrong?): ${fix}.`;
  }
  if (peerAlert === 'certificate_expired') {
    const ours = certificates(ourChain)[0];
    return `the ${peer} rejected our certificate as expired or not yet valid${ours ? ` ('${nameFor(ours)}', valid ${utc(ours.notBefore)} to ${utc(ours.notAfter)})` : ''}: renew it (--cert/--key), or check the ${peer}'s clock.`;
  }

  // Host name mismatch.
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const host = input.host ?? facts.serverName ?? '(unknown)';
    const names = certificates(peerChain)[0]?.names ?? [];
    return `hostname '${host}' not in the certificate's names [${names.join(', ')}]: pass --servername with one of those names, or give the server a certificate for '${host}'.`;
  }

  if ((peerAlert === 'certificate_unknown' || peerAlert === 'bad_certificate') && side === 'server') {
    const ours = certificates(ourChain)[0];
    const names = ours?.names ?? [];
    if (facts.serverName && !names.some((n) => nameMatches(n, facts.serverName!))) {
      return `the client refused our certificate: it asked for '${facts.serverName}' (its SNI), but ours names [${names.join(', ')}]. Serve a certificate for '${facts.serverName}' (--cert/--key), or have the client use one of those names.`;
    }
    if (peerAlert === 'certificate_unknown') {
      const asked = facts.serverName ? `'${facts.serverName}' (its SNI)` : 'the name it dialled (it sent no SNI)';
      return `the client refused our certificate; most often it does not name the host the client asked for: ${asked}, while ours names [${names.join(', ')}]. Serve a certificate for that name (--cert/--key).`;
    }
  }

  // TLS 1.3: a client that refuses our certificate before it has its handshake keys may send its
  // alert unencrypted (OpenSSL does); tlsglass cannot read it then.
  if (side === 'server' && /protected record with outer content type 21/.test(message)) {
    return 'the client sent an unencrypted alert (a record of type 21) after our encrypted flight, so we could not read which one. A client does that when it gives up on our Certificate before it has keys: most likely it refused our certificate (expired, a name it did not ask for, or a CA it does not trust). Check the client\u2019s own error.';
  }

  // Unknown CA.
  if (UNKNOWN_CA_CODES.has(code ?? '')) {
    const leaf = certificates(peerChain)[0];
    const which = leaf ? ` ('${leaf.subject}', issued by '${leaf.issuer}')` : '';
    if (code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
      return `the ${peer}'s certificate${which} is self-signed and not trusted: pass it as --ca to trust it${side === 'client' ? ', or --insecure to skip the check' : ''}.`;
    }
    return `the ${peer}'s certificate${which} does not lead to a CA we trust: pass --ca with the CA that issued it${side === 'client' ? ', or --insecure to skip the check' : ''}.`;
  }
  if (peerAlert === 'unknown_ca') {
    const ours = certificates(ourChain)[0];
    return `the ${peer} does not trust the CA that issued our certificate${ours ? ` ('${ours.subject}', issued by '${ours.issuer}')` : ''}: give the ${peer} that CA (its --ca option).`;
  }

  // No common cipher suite.
  const offered = facts.offeredSuites.filter((id) => id !== CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV && id !== CipherSuite.TLS_FALLBACK_SCSV).map(cipherName);
  if (side === 'server' && /no (TLS 1\.3 )?cipher suite in common/.test(message)) {
    if (input.ourSuites) return `no cipher suite in common: the client offered [${offered.join(', ')}], we support [${input.ourSuites.join(', ')}]: pass --ciphers with a suite the client offers.`;
    return /offered \[/.test(message) ? `${message}: pass --ciphers with a suite the client offers.` : `no cipher suite in common: the client offered [${offered.join(', ')}]: pass --ciphers with a suite the client offers.`;
  }
  if (side === 'server' && /^the cipher suites we share with the client cannot be used/.test(message)) {
    return `${message}.`;
  }
  if (side === 'server' && /^no key exchange group in common/.test(message)) {
    return `${message}: pass --curves with a group the client supports.`;
  }
  if (side === 'client' && peerAlert === 'handshake_failure' && !input.messages.some((m) => m.decoded.name === 'ServerHello' || m.decoded.name === 'HelloRetryRequest')) {
    const others = ALL_SUITE_NAMES.filter((n) => !offered.includes(n));
    // The same alert answers a ClientHello with no group the server takes (RFC 8446 §4.1.1), e.g.
    // a server held to RFC 7919 groups, which our client offers for TLS 1.3 only when told to.
    const groups = facts.offeredGroups.map((g) => nameOf(NamedGroup, g, 'NamedGroup'));
    const otherGroups = ALL_GROUPS.filter((g) => !facts.offeredGroups.includes(g)).map((g) => nameOf(NamedGroup, g, 'NamedGroup'));
    return (
      `no cipher suite in common (the server refused our ClientHello): we offered [${offered.join(', ')}]; the server did not say what it supports. ` +
      `Pass --ciphers with others${others.length > 0 ? ` (we also know ${others.join(', ')})` : ''}. ` +
      `Or no key exchange group in common: we offered [${groups.join(', ')}]; pass --curves with others${otherGroups.length > 0 ? ` (we also know ${otherGroups.join(', ')})` : ''}.`
    );
  }

  // Protocol version.
  if (peerAlert === 'protocol_version' || (code !== undefined && /PROTOCOL_VERSION/.test(code))) {
    const only13 = facts.offeredVersions.length === 1 && facts.offeredVersions[0] === ProtocolVersion.TLSv1_3;
    if (side === 'client') {
      if (only13) return 'the server does not support TLS 1.3, the only version we offered (--tls1.3): leave out --tls1.3 to allow TLS 1.2.';
      return 'the server does not support TLS 1.2 or higher, the only versions tlsglass speaks (RFC 8996 retired TLS 1.0 and 1.1).';
    }
    const ours = /we support (.*)$/.exec(message)?.[1];
    if (ours !== undefined && !ours.includes('1.2')) return `the client offers only older versions and we accept only TLS 1.3 (${message}): leave out --tls1.3.`;
    return `the client does not offer TLS 1.2 or higher (${message}); TLS 1.0 and 1.1 are refused (RFC 8996).`;
  }

  // Alerts after the handshake has no more to go on than their meaning.
  if (peerAlert === 'certificate_required') {
    return side === 'client'
      ? 'the server requires a client certificate and we sent none: pass --cert/--key.'
      : `the ${peer} says a certificate is required: pass --cert/--key.`;
  }

  // Anything else: say what we know.
  if (error instanceof PeerAlert) return `the ${peer} sent the fatal alert ${peerAlert}: ${alertMeaning(error.description)}`;
  const who = alert ? `the ${alert.from} sent the fatal alert ${alert.description}` : 'the connection failed';
  return `${who}: ${message}${code ? ` (${code})` : ''}.`;
}

/** Every group tlsglass knows (--curves takes these names). */
const ALL_GROUPS: readonly number[] = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.ffdhe2048, NamedGroup.ffdhe3072, NamedGroup.ffdhe4096];

/** Every suite tlsglass knows, as --ciphers names. */
const ALL_SUITE_NAMES = [...TLS13_SUITES.map((s) => s.name), ...TLS12_SUITES.map((s) => s.openssl)];

/** A certificate name matches a host (a wildcard covers one label). */
function nameMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === h) return true;
  return p.startsWith('*.') && h.includes('.') && h.slice(h.indexOf('.') + 1) === p.slice(2);
}

const UNKNOWN_CA_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_CHAIN_TOO_LONG',
]);

function codeOf(error: unknown): string | undefined {
  if (error instanceof TlsError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The last message the alert's sender read before sending it: where the handshake broke. */
function failedStep(messages: readonly TraceMessage[], alert: TraceMessage | undefined): string | undefined {
  const end = alert ? alert.index - 1 : messages.length;
  for (let i = end - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (alert && (m.from === alert.from || m.read === false)) continue;
    if (m.decoded.alert) continue;
    const empty = m.decoded.name === 'Certificate' && (m.decoded.certificates?.length ?? 0) === 0 ? ' (empty)' : '';
    return `message ${m.index}: the ${m.from}'s ${m.decoded.name}${empty}`;
  }
  return undefined;
}

function certificates(chain: readonly (CertificateSummary | { readonly error: string })[]): CertificateSummary[] {
  return chain.filter((c): c is CertificateSummary => !('error' in c));
}

/** The name a person would use for a certificate: its first DNS/IP name, else its CN, else the subject. */
function nameFor(c: CertificateSummary): string {
  return c.names[0] ?? /CN=([^,]+)/.exec(c.subject)?.[1] ?? c.subject;
}

/** "2026-11-23 23:46 UTC" */
function utc(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}

function ago(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  const days = Math.round(hours / 24);
  return `${days} days ago`;
}
