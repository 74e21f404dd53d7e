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
import { leafPurposes, ourMissingIntermediate, ourSelfSigned, untrustedChainCause } from './diagnose-chain.js';
import { isTransportCode, networkCause, notTlsCause, type TransportFacts } from './diagnose-transport.js';
import { readCertificateTls12 } from '../messages/certificate.js';
import { readCertificateTls13 } from '../messages/certificate-tls13.js';
import { parseCertificateCached } from '../pki/parsed-certificate.js';

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
  /** Our trust anchors (--ca) as DER; undefined: the system store. */
  readonly anchors?: readonly Uint8Array[] | undefined;
  /** Our certificate chains as configured (--cert, --dcert), DER, leaf first. */
  readonly ourChains?: readonly (readonly Uint8Array[])[] | undefined;
  /** What the transport saw: first bytes, TCP connected, bytes received. */
  readonly transport?: TransportFacts | undefined;
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
  // A connection cut after the handshake did not fail at any handshake message.
  const step = isTransportCode(code) && handshakeComplete(input.facts) ? undefined : (culprit(input, code, alertMessage) ?? failedStep(messages, alertMessage));
  return { code, step, alert, cause: cause(input, code, alert) };
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
  const hello = renegotiationHello(messages);
  if (hello) return `message ${hello.index}: the ${hello.from}'s ${hello.decoded.name}${hello.decoded.name === 'ClientHello' ? ' (renegotiation)' : ''}`;
  const description = alert?.decoded.alert?.description ?? '';
  if (alert && CERTIFICATE_ALERTS.has(description)) {
    const refused = [...before].reverse().find((m) => m.from !== alert.from && m.decoded.name === 'Certificate');
    if (refused) return `message ${refused.index}: the ${refused.from}'s Certificate`;
  }
  return undefined;
}

/** A HelloRequest, or a ClientHello after both Finished: someone tried to renegotiate. */
function renegotiationHello(messages: readonly TraceMessage[]): TraceMessage | undefined {
  let finished = 0;
  for (const m of messages) {
    if (m.decoded.name === 'Finished') finished++;
    if (m.decoded.name === 'HelloRequest' || (m.decoded.name === 'ClientHello' && finished >= 2)) return m;
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
  // Our own explanation: through the node:tls API an error carries node's words as `message` and ours as `reason`.
  const message = error instanceof Error ? ((error as { reason?: string }).reason ?? error.message) : String(error);
  const ourChain = side === 'client' ? (facts.clientCertificates ?? []) : facts.serverCertificates;
  const peerChain = side === 'client' ? facts.serverCertificates : (facts.clientCertificates ?? []);

  // Below TLS: the peer does not speak TLS, or the network failed.
  const notTls = input.transport && notTlsCause(input.transport.firstBytes, peer);
  if (notTls && !input.messages.some((m) => m.from === peer && m.decoded.name !== 'Alert')) return notTls;
  if (input.transport && code !== undefined && !peerAlert) {
    const fromPeer = lastMessage(input.messages, peer);
    const after = handshakeComplete(facts) ? 'the handshake' : lastMessage(input.messages, side);
    const network = networkCause(code, message, side, input.transport, fromPeer, after);
    if (network) return network;
  }

  // Renegotiation, which tlsglass refuses.
  const renegotiation = renegotiationHello(input.messages) !== undefined || input.messages.some((m) => m.decoded.alert?.description === 'no_renegotiation');
  if (renegotiation || peerAlert === 'no_renegotiation' || code === 'ERR_TLSGLASS_NO_RENEGOTIATION') {
    return side === 'client'
      ? 'the server asked to renegotiate (HelloRequest) and tlsglass never renegotiates. Servers do that to ask for a client certificate only for some paths (IIS, Apache per-directory client auth): configure the server to request the certificate in the first handshake (and pass --cert/--key here).'
      : 'the client tried to renegotiate (a second ClientHello on the established connection), which we refuse (renegotiation is gone from TLS 1.3 and has a history of attacks): have the client open a new connection instead.';
  }

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
    const late = facts.version === 'TLSv1.3' ? ' In TLS 1.3 the server checks it after our Finished, so the handshake first looked complete.' : '';
    return `the server asked for a client certificate (CertificateRequest) but none was configured: pass --cert/--key.${late}`;
  }

  // Expired or not yet valid.
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    const now = input.now ?? new Date();
    const bad = certificates(peerChain).find((c) => Date.parse(c.notAfter) < now.getTime() || Date.parse(c.notBefore) > now.getTime());
    const fix = side === 'client' ? 'the server must renew it (tlsglass certs makes new ones); --insecure connects anyway' : 'the client must renew it';
    if (!bad) return `the ${peer}'s certificate is expired or not yet valid: ${fix}.`;
    const what = `certificate for '${nameFor(bad)}'`;
    const clock = `our clock: ${utc(now.toISOString())}`;
    return Date.parse(bad.notAfter) < now.getTime()
      ? `${what} expired ${ago(now.getTime() - Date.parse(bad.notAfter))} (not after ${utc(bad.notAfter)}; ${clock}): ${fix}.`
      : `${what} is not valid until ${utc(bad.notBefore)}, ${ago(Date.parse(bad.notBefore) - now.getTime()).replace(' ago', '')} from now (${clock}): a clock is wrong by at least that much (ours behind, or the issuer's ahead: check NTP), or it was issued with a future start and must be reissued${side === 'client' ? '; --insecure connects anyway' : ''}.`;
  }
  if (peerAlert === 'certificate_expired') {
    const ours = certificates(ourChain)[0];
    if (!ours) return `the ${peer} rejected our certificate as expired or not yet valid: renew it (--cert/--key), or check the ${peer}'s clock.`;
    const now = input.now ?? new Date();
    const valid = `'${nameFor(ours)}', valid ${utc(ours.notBefore)} to ${utc(ours.notAfter)}`;
    if (Date.parse(ours.notAfter) < now.getTime()) return `the ${peer} rejected our certificate as expired, and it is: ${valid}, expired ${ago(now.getTime() - Date.parse(ours.notAfter))}: renew it (--cert/--key).`;
    if (Date.parse(ours.notBefore) > now.getTime()) return `the ${peer} rejected our certificate as not yet valid, and by our clock too it is not valid yet: ${valid}, ${ago(Date.parse(ours.notBefore) - now.getTime()).replace(' ago', '')} from now by our clock: wait, or reissue it with an earlier start.`;
    return `the ${peer} rejected our certificate as expired or not yet valid (${valid}), but by our clock (${utc(now.toISOString())}) it is valid: the ${peer}'s clock is likely wrong; fix its time (NTP).`;
  }

  // Host name mismatch.
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const host = input.host ?? facts.serverName ?? '(unknown)';
    const names = certificates(peerChain)[0]?.names ?? [];
    const noSni = facts.serverName === undefined ? ` We sent no SNI (${isIp(host) ? 'we dialled an IP address' : 'no name'}), so the server may have sent its default certificate: pass --servername with the name you mean.` : '';
    return `hostname '${host}' not in the certificate's names [${names.join(', ')}]: pass --servername with one of those names, or give the server a certificate for '${host}'.${noSni}`;
  }

  // The peer refused our certificate's purpose (extendedKeyUsage).
  if (code === 'INVALID_PURPOSE') {
    const reason = message.slice(message.lastIndexOf(': ') + 2);
    if (!/extendedKeyUsage/.test(reason)) return `the ${peer}'s certificate may not be used this way: ${reason}: the ${peer} needs a certificate whose keyUsage allows it, or another suite (--ciphers).`;
    const fix = side === 'client' ? 'the server must use a certificate issued for serverAuth (a server certificate, e.g. server.pem from tlsglass certs)' : 'the client must use a certificate issued for clientAuth (e.g. client.pem from tlsglass certs)';
    return `the ${peer}'s certificate is not for a TLS ${peer}: ${reason}: ${fix}.`;
  }
  if (peerAlert === 'unsupported_certificate') {
    const purposes = leafPurposes(ourChainDer(input));
    const need = side === 'client' ? 'clientAuth' : 'serverAuth';
    if (purposes && !purposes.includes(need)) {
      return `the ${peer} refused our certificate's purpose: its extendedKeyUsage is [${purposes.join(', ')}], without ${need}, which a TLS ${side} certificate needs: use one issued for ${need} (--cert/--key).`;
    }
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

  // A chain longer than verifyDepth allows, or than the path builder follows.
  if (code === 'CERT_CHAIN_TOO_LONG') {
    const depth = /within (\d+) intermediate CA certificates? \(verifyDepth\)/.exec(message)?.[1];
    const beyond = /^certificate chain too long: "([^"]*)"/.exec(message)?.[1];
    return depth !== undefined
      ? `the ${peer}'s chain has more intermediate CAs than our verify depth allows (--verify-depth ${depth}, verifyDepth)${beyond ? `: '${beyond}' would be intermediate number ${Number(depth) + 1}` : ''}. A depth limit, not distrust: pass a larger --verify-depth (or leave it out), or have the ${peer} use a shorter chain.`
      : `the ${peer}'s chain does not reach a CA we trust within 10 issuers: the ${peer} sends a chain that is too long, or loops.`;
  }

  // Unknown CA.
  if (UNKNOWN_CA_CODES.has(code ?? '') || code === 'CERT_SIGNATURE_FAILURE') {
    const evidence = untrustedChainCause({ chain: peerChainDer(input), anchors: input.anchors, owner: peer });
    if (evidence) return evidence;
    if (code === 'CERT_SIGNATURE_FAILURE') return `the ${peer}'s certificate has a signature that does not verify: ${message}.`;
    const leaf = certificates(peerChain)[0];
    const which = leaf ? ` ('${leaf.subject}', issued by '${leaf.issuer}')` : '';
    return `the ${peer}'s certificate${which} does not lead to a CA we trust: pass --ca with the CA that issued it${side === 'client' ? ', or --insecure to skip the check' : ''}.`;
  }
  if (peerAlert === 'unknown_ca') {
    const chain = ourChainDer(input);
    const evidence = ourSelfSigned(chain, peer) ?? ourMissingIntermediate(chain, peer);
    if (evidence) return evidence;
    const ours = certificates(ourChain)[0];
    const long = chain.length > 1 ? ` (We sent ${chain.length} certificates; a ${peer} that limits the chain depth, e.g. -verify_depth, says unknown_ca too.)` : '';
    return `the ${peer} does not trust the CA that issued our certificate${ours ? ` ('${ours.subject}', issued by '${ours.issuer}')` : ''}: give the ${peer} that CA (its --ca option).${long}`;
  }

  // ALPN.
  if (peerAlert === 'no_application_protocol' || code === 'ERR_TLSGLASS_NO_APPLICATION_PROTOCOL') {
    const offered = facts.offeredAlpn.join(', ');
    if (side === 'client') return `the server takes none of the application protocols we offered (ALPN: [${offered}]): pass --alpn with one the server supports (h2, http/1.1, …), or leave out --alpn.`;
    const ours = /we support \[(.*)\]$/.exec(message)?.[1]?.replace(/"/g, '') ?? '';
    return `no application protocol in common (ALPN): the client offered [${offered}], we take [${ours}]: add one of the client's to --alpn, or leave out --alpn to accept any.`;
  }
  if (peerAlert === 'unrecognized_name') {
    return facts.serverName === undefined
      ? `the server wants to know which site we want (SNI), and we sent no name${isIp(input.host ?? '') ? ' (we dialled an IP address)' : ''}: pass --servername with the site's name.`
      : `the server does not serve '${facts.serverName}' (our SNI): pass --servername with a name it serves.`;
  }

  // No common cipher suite.
  const offered = facts.offeredSuites.filter((id) => id !== CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV && id !== CipherSuite.TLS_FALLBACK_SCSV).map(cipherName);
  if (side === 'server' && /^the cipher suites we share with the client cannot be used/.test(message)) {
    return suiteNeedsOtherCertificate(input, offered) ?? `${message}.`;
  }
  if (side === 'server' && /no (TLS 1\.3 )?cipher suite in common/.test(message)) {
    if (input.ourSuites) return `no cipher suite in common: the client offered [${offered.join(', ')}], we support [${input.ourSuites.join(', ')}]: pass --ciphers with a suite the client offers.`;
    return /offered \[/.test(message) ? `${message}: pass --ciphers with a suite the client offers.` : `no cipher suite in common: the client offered [${offered.join(', ')}]: pass --ciphers with a suite the client offers.`;
  }
  if (side === 'server' && /^no key exchange group in common/.test(message)) {
    return `${message}: pass --curves with a group the client supports.`;
  }
  if (side === 'client' && peerAlert === 'handshake_failure' && !input.messages.some((m) => m.decoded.name === 'ServerHello' || m.decoded.name === 'HelloRetryRequest')) {
    const auth = onlyAuthOffered(offered);
    if (auth) {
      const other = auth === 'ECDSA' ? 'RSA' : 'ECDSA';
      return (
        `likely no suite fits the server's certificate: we offered only ${auth} suites (TLS 1.2) [${offered.join(', ')}], which need an ${auth} certificate; a server with an ${other} certificate cannot use them. ` +
        `Add ECDHE-${other}-AES128-GCM-SHA256 (or TLS 1.3 suites) to --ciphers.`
      );
    }
    if (facts.serverName === undefined) {
      return `the server refused our ClientHello, which named no site (no SNI${isIp(input.host ?? '') ? ': we dialled an IP address' : ''}): a server that hosts several sites often refuses such a hello. Pass --servername with the site's name. (Otherwise no cipher suite or group in common: see --ciphers, --curves.)`;
    }
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
  if (peerAlert === 'protocol_version' || (code !== undefined && /PROTOCOL_VERSION/.test(code))) return versionCause(input, message);

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

const VERSION_NAMES: Record<string, number> = { 'SSL 3.0': 0x0300, 'TLS 1.0': 0x0301, 'TLS 1.1': 0x0302, 'TLS 1.2': ProtocolVersion.TLSv1_2, 'TLS 1.3': ProtocolVersion.TLSv1_3 };

/**
 * protocol_version: the versions each side allows. A client knows what it offered; a server
 * knows both lists from its error ("the client offers TLS 1.3, we support TLS 1.2").
 */
function versionCause(input: DiagnosisInput, message: string): string {
  const { side, facts } = input;
  if (side === 'client') {
    const offered = facts.offeredVersions.length > 0 ? facts.offeredVersions : [ProtocolVersion.TLSv1_2];
    if (offered.length === 1 && offered[0] === ProtocolVersion.TLSv1_3) return 'the server does not accept TLS 1.3, the only version we offered (--tls1.3 or --min-version TLSv1.3); it likely speaks only TLS 1.2: leave that option out.';
    if (offered.length === 1 && offered[0] === ProtocolVersion.TLSv1_2) return 'the server does not accept TLS 1.2, the only version we offered (--tls1.2 or --max-version TLSv1.2); it likely speaks only TLS 1.3: leave that option out.';
    return 'the server accepts neither TLS 1.3 nor TLS 1.2, the only versions tlsglass speaks: it likely speaks only TLS 1.0 or 1.1 (retired by RFC 8996), and must be upgraded.';
  }
  const m = /the client offers (.*), we support (.*)$/.exec(message);
  const list = (text: string | undefined): number[] => (text ?? '').split(', ').map((v) => VERSION_NAMES[v] ?? 0);
  const theirs = list(m?.[1]);
  const ours = list(m?.[2]);
  const theirNames = m?.[1] ?? 'older versions';
  if (theirs.every((v) => v < ProtocolVersion.TLSv1_2)) {
    return `the client offers only ${theirNames}, which we refuse (RFC 8996 retired TLS 1.0 and 1.1): the client must allow TLS 1.2 or 1.3.`;
  }
  if (ours.length === 1 && ours[0] === ProtocolVersion.TLSv1_3) return `the client offers only ${theirNames} and we accept only TLS 1.3 (--tls1.3 or --min-version TLSv1.3): leave that option out, or have the client allow TLS 1.3.`;
  if (ours.length === 1 && ours[0] === ProtocolVersion.TLSv1_2) return `the client offers only ${theirNames} and we accept only TLS 1.2 (--tls1.2 or --max-version TLSv1.2): leave that option out, or have the client allow TLS 1.2.`;
  return `no protocol version in common: ${message}.`;
}

/**
 * "No cipher suite in common" when the suites are shared but the certificate is not: every
 * TLS 1.2 suite both sides have needs a key type (RSA or ECDSA) we have no certificate for.
 */
function suiteNeedsOtherCertificate(input: DiagnosisInput, offered: readonly string[]): string | undefined {
  const chains = input.ourChains;
  if (!chains || chains.length === 0 || !input.ourSuites) return undefined;
  const common = offered.filter((n) => input.ourSuites!.includes(n));
  if (common.length === 0) return undefined;
  const keyTypes = new Set<string | undefined>(chains.map((c) => authOfChain(c)));
  const needs = new Set(common.map((n) => TLS12_SUITES.find((s) => s.openssl === n)?.auth));
  if (needs.has('PSK')) return undefined;
  if (needs.has(undefined) || [...needs].some((a) => keyTypes.has(a))) return undefined;
  const need = [...needs][0]!;
  const have = [...keyTypes].filter(Boolean).join(' and ') || 'another';
  return (
    `the suites the client offered that we support [${common.join(', ')}] all need an ${need} certificate, and ours is ${have}: ` +
    `serve an ${need} certificate too (--dcert/--dkey), or have the client offer ${have === 'RSA' ? 'ECDHE-RSA' : 'ECDHE-ECDSA'} suites or TLS 1.3.`
  );
}

function authOfChain(chain: readonly Uint8Array[]): 'RSA' | 'ECDSA' | undefined {
  const leaf = chain[0];
  if (!leaf) return undefined;
  try {
    const type = parseCertificateCached(leaf, 'certificate').key.type;
    return type === 'rsa' || type === 'rsa-pss' ? 'RSA' : type === 'ec' ? 'ECDSA' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The authentication all of our offered suites share when they are all TLS 1.2 (EC)DHE suites
 * of one kind ('RSA' or 'ECDSA'). Not for RSA key transport, which servers more often disable.
 */
function onlyAuthOffered(offered: readonly string[]): 'RSA' | 'ECDSA' | undefined {
  const suites = offered.map((n) => TLS12_SUITES.find((s) => s.openssl === n));
  if (suites.length === 0 || suites.some((s) => !s || s.kx === 'RSA' || s.auth === 'PSK')) return undefined;
  const auths = new Set(suites.map((s) => s!.auth as 'RSA' | 'ECDSA'));
  return auths.size === 1 ? [...auths][0] : undefined;
}

/** "message 4: the server's ServerHello" for the last message `from` sent. */
function lastMessage(messages: readonly TraceMessage[], from: Side): string | undefined {
  const m = [...messages].reverse().find((x) => x.from === from);
  return m && `message ${m.index} (the ${from}'s ${m.decoded.name})`;
}

/** The certificates of the last Certificate message `from` sent, as DER. */
function chainSentBy(input: DiagnosisInput, from: Side): Uint8Array[] {
  const m = [...input.messages].reverse().find((x) => x.from === from && x.decoded.name === 'Certificate');
  if (!m) return [];
  try {
    const body = m.raw.subarray(4);
    return input.facts.version === 'TLSv1.3' ? readCertificateTls13(body).entries.map((e) => e.certData) : readCertificateTls12(body);
  } catch {
    return [];
  }
}

function peerChainDer(input: DiagnosisInput): Uint8Array[] {
  return chainSentBy(input, otherSide(input.side));
}

/** The chain we sent, else the first one configured. */
function ourChainDer(input: DiagnosisInput): readonly Uint8Array[] {
  const sent = chainSentBy(input, input.side);
  return sent.length > 0 ? sent : (input.ourChains?.[0] ?? []);
}

function handshakeComplete(facts: Readonly<HandshakeFacts>): boolean {
  return facts.finished.has('client') && facts.finished.has('server');
}

function isIp(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':');
}

/** Every group tlsglass knows (--curves takes these names). */
const ALL_GROUPS: readonly number[] = [
  NamedGroup.X25519MLKEM768,
  NamedGroup.SecP256r1MLKEM768,
  NamedGroup.SecP384r1MLKEM1024,
  NamedGroup.x25519,
  NamedGroup.secp256r1,
  NamedGroup.secp384r1,
  NamedGroup.ffdhe2048,
  NamedGroup.ffdhe3072,
  NamedGroup.ffdhe4096,
  NamedGroup.MLKEM768,
  NamedGroup.MLKEM1024,
];

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
