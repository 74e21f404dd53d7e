/**
 * What the Node adapter's asynchronous callbacks need from a ClientHello, read ahead of the core:
 * the server_name (node:tls's SNICallback and addContext choose the certificate) and whether the
 * client asks for OCSP stapling (the server's 'OCSPRequest' event supplies the response). Both are
 * answered before the handshake starts. The core parses the ClientHello again, and is the one that
 * judges it: this look-ahead never fails a connection, it only stops looking.
 */
import { isSecureContext, type ResolvedServerConfig, type SecureContext } from '../config.js';
import { LocalAlert } from '../errors.js';
import { AlertDescription, HandshakeType, ExtensionType } from '../messages/enums.js';
import { readClientHello } from '../messages/client-hello.js';
import { findExtension } from '../messages/extensions/index.js';
import { readServerName } from '../messages/extensions/simple.js';
import { readStatusRequest } from '../messages/certificate-status.js';

/** Bytes read ahead at most: a ClientHello (even with large key shares) fits well within this. */
export const PEEK_LIMIT = 1 << 17;

const HANDSHAKE_RECORD = 22;

/** What the Node adapter needs from a ClientHello before the core sees it. */
export interface PeekedHello {
  readonly servername: string | undefined;
  /** Whether the client asked for an OCSP response (RFC 6066 §8 status_request). */
  readonly statusRequest: boolean;
  /**
   * The session ID the client offers to resume by (node:tls 'resumeSession'): present when
   * non-empty and no session ticket is offered (a ticket takes precedence, as in node:tls).
   */
  readonly sessionId?: Uint8Array;
}

const NOTHING: PeekedHello = Object.freeze({ servername: undefined, statusRequest: false });

/**
 * The facts of the ClientHello at the start of `bytes` (TLS records, possibly several):
 * `undefined` while more bytes are needed; the facts once the ClientHello is complete, or nothing
 * as soon as the bytes cannot be one (the core will say what is wrong).
 */
export function peekClientHello(bytes: Uint8Array): PeekedHello | undefined {
  const fragments: Uint8Array[] = [];
  let have = 0;
  let at = 0;
  while (at + 5 <= bytes.length) {
    if (bytes[at] !== HANDSHAKE_RECORD) return NOTHING;
    const length = (bytes[at + 3]! << 8) | bytes[at + 4]!;
    if (at + 5 + length > bytes.length) break;
    fragments.push(bytes.subarray(at + 5, at + 5 + length));
    have += length;
    at += 5 + length;
    if (have < 4) continue;
    const hs = fragments.length === 1 ? fragments[0]! : Buffer.concat(fragments);
    if (hs[0] !== HandshakeType.client_hello) return NOTHING;
    const bodyLength = (hs[1]! << 16) | (hs[2]! << 8) | hs[3]!;
    if (hs.length < 4 + bodyLength) continue;
    try {
      const ch = readClientHello(hs.subarray(4, 4 + bodyLength));
      const name = findExtension(ch.extensions, ExtensionType.server_name);
      const status = findExtension(ch.extensions, ExtensionType.status_request);
      const facts = { servername: name === undefined ? undefined : readServerName(name), statusRequest: status !== undefined && readStatusRequest(status) };
      const ticket = findExtension(ch.extensions, ExtensionType.session_ticket);
      const byId = ch.legacySessionId.length > 0 && !(ticket !== undefined && ticket.length > 0);
      return byId ? { ...facts, sessionId: ch.legacySessionId } : facts;
    } catch {
      return NOTHING;
    }
  }
  return bytes.length >= PEEK_LIMIT ? NOTHING : undefined;
}

/**
 * node:tls's addContext() pattern: the name as a whole-string regular expression in which `*`
 * stands for any run of characters without a dot (lib/_tls_wrap.js; case-sensitive, as there).
 */
export function serverNamePattern(hostname: string): RegExp {
  return new RegExp('^' + hostname.replace(/([.^$+?\-\\[\]{}])/g, '\\$1').replaceAll('*', '[^.]*') + '$');
}

/**
 * The context an SNICallback answered, as node:tls applies it: the one to use, undefined for the
 * server's own (no context, or one without a certificate and key: node's UseSNIContext then fails
 * and leaves the server's), or the error: not a context (TypeError "Invalid SNI context", the
 * connection dropped); a context without a certificate when the server has none either (the
 * handshake fails with handshake_failure, and node:tls reports the failed SSL_use_certificate).
 */
export function sniChoice(context: unknown, own: ResolvedServerConfig): SecureContext | undefined | Error {
  if (context == null) return undefined;
  if (!isSecureContext(context)) return new TypeError('Invalid SNI context');
  if (context.context.identities.length > 0) return context;
  if (own.identities.length > 0) return undefined;
  return new LocalAlert(AlertDescription.handshake_failure, 'the SNICallback chose a context without a certificate and key, and the server has none of its own', 'ERR_SSL_PASSED_A_NULL_PARAMETER');
}
