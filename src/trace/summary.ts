/**
 * The outcome of a handshake in a few lines: version, suite, key exchange, who proved who they
 * are, ALPN, resumption. Read from the trace, and from the connections where they were observed
 * (only a connection knows whether it verified its peer's certificate).
 */
import { isHybridGroup, isKemGroup } from '../crypto/kem-groups.js';
import type { Connection } from '../connection/connection.js';
import { groupName } from './iana-names.js';
import { summarizeCertificate, type CertificateSummary, type UnreadableCertificate } from './certificate-summary.js';
import type { HandshakeFacts } from './decode.js';
import type { TraceMessage } from './timeline.js';

export interface HandshakeSummary {
  /** Both Finished messages crossed and no fatal alert did. */
  readonly completed: boolean;
  /** 'TLSv1.2' or 'TLSv1.3' once the ServerHello chose. */
  readonly version: string | undefined;
  /** OpenSSL and IANA names (the same for TLS 1.3 suites). */
  readonly suite: { readonly openssl: string; readonly iana: string } | undefined;
  /** "ECDHE over x25519", "DHE over ffdhe2048", "RSA key transport", "PSK + ECDHE over x25519". */
  readonly keyExchange: string | undefined;
  readonly forwardSecrecy: boolean | undefined;
  /** The (EC)DHE group's IANA name, when there was one. */
  readonly group: string | undefined;
  /** The name the client asked for (SNI), as sent. */
  readonly serverName: string | undefined;
  readonly server: PeerAuthentication;
  readonly client: PeerAuthentication;
  readonly alpn: string | undefined;
  /** TLS 1.2's RFC 7627 extension; TLS 1.3 always binds its keys to the transcript. */
  readonly extendedMasterSecret: boolean;
  /** The handshake resumed an earlier session (TLS 1.3 PSK from a ticket, TLS 1.2 session id or ticket). */
  readonly resumed: boolean;
  /** TLS 1.3: the server sent a HelloRetryRequest. */
  readonly helloRetry: boolean;
  /** NewSessionTicket messages seen: tickets the client may resume with. */
  readonly tickets: number;
}

export interface PeerAuthentication {
  readonly authenticated: boolean;
  /** One line: who, and how we know (or why not). */
  readonly how: string;
  /** The trust anchor the observed verifier reached, when it verified this side's chain. */
  readonly trustAnchor?: { readonly subject: string; readonly sha256: string };
}

export interface SummaryInput {
  readonly messages: readonly TraceMessage[];
  readonly facts: Readonly<HandshakeFacts>;
  readonly client?: Connection | undefined;
  readonly server?: Connection | undefined;
}

/** What a TLS 1.3 group does: (EC)DHE, or ML-KEM alone or beside ECDHE (draft-ietf-tls-ecdhe-mlkem). */
function kxKind(id: number, name: string): string {
  if (isHybridGroup(id)) return 'ECDHE + ML-KEM (hybrid)';
  if (isKemGroup(id)) return 'ML-KEM';
  return name.startsWith('ffdhe') ? 'DHE' : 'ECDHE';
}

export function summarize({ messages, facts, client, server }: SummaryInput): HandshakeSummary {
  const fatal = messages.some((m) => m.decoded.alert?.fatal === true);
  const finished = (side: 'client' | 'server'): boolean => messages.some((m) => m.from === side && m.decoded.name === 'Finished');
  const completed = !fatal && finished('client') && finished('server');
  const group = facts.group === undefined ? undefined : groupName(facts.group);
  const resumed = client?.negotiated.resumed ?? server?.negotiated.resumed ?? facts.resumed;
  let suite: HandshakeSummary['suite'];
  let keyExchange: string | undefined;
  let forwardSecrecy: boolean | undefined;
  if (facts.version === 'TLSv1.3' && facts.suite13) {
    suite = { openssl: facts.suite13.name, iana: facts.suite13.name };
    const dhe = group === undefined ? undefined : `${kxKind(facts.group!, group)} over ${group}`;
    const psk = facts.pskIdentity !== undefined ? `external PSK ${JSON.stringify(facts.pskIdentity)}` : resumed ? 'PSK (resumed)' : undefined;
    keyExchange = psk ? (dhe ? `${psk} + ${dhe}` : `${psk} only, no (EC)DHE`) : (dhe ?? 'unknown');
    forwardSecrecy = dhe !== undefined;
  } else if (facts.suite) {
    const s = facts.suite;
    suite = { openssl: s.openssl, iana: s.name };
    keyExchange = resumed
      ? 'none: the resumed session\u2019s master secret'
      : s.kx === 'RSA'
        ? 'RSA key transport'
        : s.kx === 'PSK'
          ? 'PSK only (RFC 4279), no (EC)DHE'
          : s.kx === 'ECDHE_PSK'
            ? `ECDHE over ${group ?? 'an unknown group'} + PSK (RFC 5489)`
            : `${s.kx} over ${group ?? 'an unknown group'}`;
    forwardSecrecy = s.kx !== 'RSA' && s.kx !== 'PSK';
  }
  return {
    completed,
    version: messages.some((m) => m.decoded.name === 'ServerHello') ? (facts.version ?? client?.protocol ?? server?.protocol ?? 'TLSv1.2') : undefined,
    suite,
    keyExchange,
    forwardSecrecy,
    group,
    serverName: facts.serverName,
    server: withAnchor(serverAuthentication(facts, completed, resumed, client), client),
    client: withAnchor(clientAuthentication(facts, completed, server), server),
    alpn: facts.alpn,
    extendedMasterSecret: facts.extendedMasterSecret,
    resumed,
    helloRetry: facts.helloRetry,
    tickets: facts.tickets,
  };
}

function serverAuthentication(facts: Readonly<HandshakeFacts>, completed: boolean, resumed: boolean, client: Connection | undefined): PeerAuthentication {
  const leaf = leafOf(facts.serverCertificates);
  if (facts.pskIdentity !== undefined && !leaf) return byPsk(facts.pskIdentity, completed, 'server');
  if (!leaf) {
    if (resumed && completed) return { authenticated: true, how: 'by the resumed session: only the server that issued the ticket (after proving its certificate the first time) knows its secret' };
    return { authenticated: false, how: 'no certificate seen' };
  }
  const who = describe(leaf);
  if (!completed) return { authenticated: false, how: `${who} presented, but the handshake did not complete` };
  if (client === undefined) return { authenticated: true, how: `${who}: the client went on, so it accepted the certificate` };
  if (client.authorized) {
    const proof = facts.version === 'TLSv1.3' ? 'signing the transcript (CertificateVerify)' : facts.suite?.kx === 'RSA' ? 'decrypting the premaster secret' : 'signing its ServerKeyExchange';
    return { authenticated: true, how: `${who}: the chain verified against the client's trusted CA, and the server proved its key by ${proof}` };
  }
  return { authenticated: false, how: `${who}: NOT verified (${client.authorizationError?.message ?? 'verification was switched off'})` };
}

function clientAuthentication(facts: Readonly<HandshakeFacts>, completed: boolean, server: Connection | undefined): PeerAuthentication {
  if (facts.pskIdentity !== undefined && !facts.certificateRequested) return byPsk(facts.pskIdentity, completed, 'client');
  if (!facts.certificateRequested) return { authenticated: false, how: 'one-way TLS (the server did not send CertificateRequest)' };
  const leaf = leafOf(facts.clientCertificates ?? []);
  if (!leaf) return { authenticated: false, how: 'the server asked, but the client sent an empty Certificate' };
  const who = describe(leaf);
  if (!completed) return { authenticated: false, how: `${who} presented, but the handshake did not complete` };
  if (!facts.clientCertificateVerified) return { authenticated: false, how: `${who} presented without a CertificateVerify, so nothing proved the client holds its key` };
  if (server === undefined) return { authenticated: true, how: `${who}: the server went on, so it accepted the certificate; CertificateVerify proved the client holds its key` };
  if (!server.authorized) return { authenticated: false, how: `${who}: NOT verified (${server.authorizationError?.message ?? 'unknown reason'})` };
  return { authenticated: true, how: `${who}: the chain verified against the server's trusted CA, and CertificateVerify proved the client holds its key` };
}

/** An external PSK authenticates both sides at once: whoever completes the handshake holds the key. */
function byPsk(identity: string, completed: boolean, side: 'client' | 'server'): PeerAuthentication {
  const how = `by the external PSK ${JSON.stringify(identity)}: no certificate was used`;
  return completed ? { authenticated: true, how: `${how}; the ${side} proved it holds the key by completing the handshake` } : { authenticated: false, how: `${how}, but the handshake did not complete` };
}

/** Adds the trust anchor `verifier` reached (the last certificate of its verified path). */
function withAnchor(auth: PeerAuthentication, verifier: Connection | undefined): PeerAuthentication {
  const anchor = verifier?.authorized ? verifier.negotiated.verifiedChain?.at(-1) : undefined;
  if (!auth.authenticated || anchor === undefined) return auth;
  const c = summarizeCertificate(anchor);
  return 'error' in c ? auth : { ...auth, trustAnchor: { subject: c.subject, sha256: c.sha256 } };
}

function leafOf(chain: readonly (CertificateSummary | UnreadableCertificate)[]): CertificateSummary | undefined {
  const leaf = chain[0];
  return leaf && !('error' in leaf) ? leaf : undefined;
}

function describe(c: CertificateSummary): string {
  return `${c.subject} (${c.key})`;
}
