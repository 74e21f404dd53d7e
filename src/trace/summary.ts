/**
 * The outcome of a handshake in a few lines: version, suite, key exchange, who proved who they
 * are, ALPN, resumption. Read from the trace, and from the connections where they were observed
 * (only a connection knows whether it verified its peer's certificate).
 */
import type { Connection } from '../connection/connection.js';
import { NamedGroup, nameOf } from '../messages/enums.js';
import type { CertificateSummary } from './certificate-summary.js';
import type { HandshakeFacts } from './decode.js';
import type { TraceMessage } from './timeline.js';

export interface HandshakeSummary {
  /** Both Finished messages crossed and no fatal alert did. */
  readonly completed: boolean;
  readonly version: string | undefined;
  readonly suite: { readonly openssl: string; readonly iana: string } | undefined;
  /** "ECDHE over x25519", "DHE over ffdhe2048", "RSA key transport". */
  readonly keyExchange: string | undefined;
  readonly forwardSecrecy: boolean | undefined;
  readonly server: PeerAuthentication;
  readonly client: PeerAuthentication;
  readonly alpn: string | undefined;
  readonly extendedMasterSecret: boolean;
  /** Session resumption is not implemented yet: every handshake is a full one. */
  readonly resumed: false;
}

export interface PeerAuthentication {
  readonly authenticated: boolean;
  /** One line: who, and how we know (or why not). */
  readonly how: string;
}

export interface SummaryInput {
  readonly messages: readonly TraceMessage[];
  readonly facts: Readonly<HandshakeFacts>;
  readonly client?: Connection | undefined;
  readonly server?: Connection | undefined;
}

export function summarize({ messages, facts, client, server }: SummaryInput): HandshakeSummary {
  const fatal = messages.some((m) => m.decoded.alert?.fatal === true);
  const finished = (side: 'client' | 'server'): boolean => messages.some((m) => m.from === side && m.decoded.name === 'Finished');
  const completed = !fatal && finished('client') && finished('server');
  const suite = facts.suite;
  const group = facts.group === undefined ? undefined : nameOf(NamedGroup, facts.group, 'NamedGroup');
  const keyExchange = suite === undefined ? undefined : suite.kx === 'RSA' ? 'RSA key transport' : `${suite.kx} over ${group ?? 'an unknown group'}`;
  return {
    completed,
    version: messages.some((m) => m.decoded.name === 'ServerHello') ? (client?.protocol ?? server?.protocol ?? 'TLSv1.2') : undefined,
    suite: suite ? { openssl: suite.openssl, iana: suite.name } : undefined,
    keyExchange,
    forwardSecrecy: suite === undefined ? undefined : suite.kx !== 'RSA',
    server: serverAuthentication(facts, completed, client),
    client: clientAuthentication(facts, completed, server),
    alpn: facts.alpn,
    extendedMasterSecret: facts.extendedMasterSecret,
    resumed: false,
  };
}

function serverAuthentication(facts: Readonly<HandshakeFacts>, completed: boolean, client: Connection | undefined): PeerAuthentication {
  const leaf = leafOf(facts.serverCertificates);
  if (!leaf) return { authenticated: false, how: 'no certificate seen' };
  const who = describe(leaf);
  if (!completed) return { authenticated: false, how: `${who} presented, but the handshake did not complete` };
  if (client === undefined) return { authenticated: true, how: `${who}: the client went on, so it accepted the certificate` };
  if (client.authorized) {
    const proof = facts.suite?.kx === 'RSA' ? 'decrypting the premaster secret' : 'signing its ServerKeyExchange';
    return { authenticated: true, how: `${who}: the chain verified against the client's trusted CA, and the server proved its key by ${proof}` };
  }
  return { authenticated: false, how: `${who}: NOT verified (${client.authorizationError?.message ?? 'verification was switched off'})` };
}

function clientAuthentication(facts: Readonly<HandshakeFacts>, completed: boolean, server: Connection | undefined): PeerAuthentication {
  if (!facts.certificateRequested) return { authenticated: false, how: 'one-way TLS (the server did not send CertificateRequest)' };
  const leaf = leafOf(facts.clientCertificates ?? []);
  if (!leaf) return { authenticated: false, how: 'the server asked, but the client sent an empty Certificate' };
  const who = describe(leaf);
  if (!completed) return { authenticated: false, how: `${who} presented, but the handshake did not complete` };
  if (!facts.clientCertificateVerified) return { authenticated: false, how: `${who} presented without a CertificateVerify, so nothing proved the client holds its key` };
  if (server !== undefined && !server.authorized) {
    return { authenticated: false, how: `${who}: NOT verified (${server.authorizationError?.message ?? 'unknown reason'})` };
  }
  return { authenticated: true, how: `${who}: the chain verified against the server's trusted CA, and CertificateVerify proved the client holds its key` };
}

function leafOf(chain: readonly (CertificateSummary | { readonly error: string })[]): CertificateSummary | undefined {
  const leaf = chain[0];
  return leaf && !('error' in leaf) ? leaf : undefined;
}

function describe(c: CertificateSummary): string {
  return `${c.subject} (${c.key})`;
}
