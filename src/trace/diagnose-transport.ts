/**
 * Failures below TLS: the peer is not speaking TLS at all (an HTTP server, SSH, an SMTP banner,
 * or a plain-HTTP client on a TLS port), and network failures told apart by how far the
 * connection got: the name did not resolve, nothing listens, no TCP answer, TCP but no TLS
 * answer, or the peer closed or reset without an alert.
 */
import type { Side } from './decode.js';
import { latin1Decode } from '../codec/text.js';

/** What the transport saw, recorded by the CLI beside the trace. */
export interface TransportFacts {
  /** The TCP connection was established (always true for a server). */
  readonly connected: boolean;
  /** The first bytes the peer sent (up to a few hundred). */
  readonly firstBytes: Uint8Array;
  /** Bytes the peer sent in all. */
  readonly bytesReceived: number;
  /** Where we connected (the client), "host:port". */
  readonly target?: string | undefined;
  /** The handshake deadline in seconds (--timeout), when the error is ours. */
  readonly timeoutSeconds?: number | undefined;
}

/** Errors of the network rather than of TLS. */
export function isTransportCode(code: string | undefined): boolean {
  return code !== undefined && /^E(CONN|TIMEDOUT|PIPE|NOTFOUND|AI_|HOST|NET)/.test(code);
}

/** Whether bytes start like a TLS record: a content type 20–24 and major version 3. */
export function looksLikeTls(bytes: Uint8Array): boolean {
  return bytes.length < 2 || (bytes[0]! >= 20 && bytes[0]! <= 24 && bytes[1] === 3);
}

/**
 * The peer's first bytes when they are not TLS: what they look like and what to do. `peer` is
 * the side that sent them.
 */
export function notTlsCause(bytes: Uint8Array, peer: Side): string | undefined {
  if (bytes.length === 0 || looksLikeTls(bytes)) return undefined;
  const text = latin1Decode(bytes);
  const line = quote(text.split(/\r?\n/, 1)[0]!);
  if (peer === 'server') {
    if (/^HTTP\/\d/.test(text) || /^\s*<(!doctype|html|head|body)/i.test(text)) {
      return `the server answered in plain HTTP (${/^HTTP/.test(text) ? line : 'an HTML page'}), not TLS: this port serves http://, not https://. Connect to its TLS port (often 443), or speak plain HTTP to this one (curl http://…).`;
    }
    if (/^SSH-\d/.test(text)) return `the server is an SSH server (${line}), not TLS: wrong port.`;
    if (/^220[ -].*(SMTP|mail|Postfix|Exim)/i.test(text)) {
      return `the server greeted in plain text as a mail (SMTP) server (${line}): SMTP on ports 25 and 587 starts in plain text and upgrades with STARTTLS, which tlsglass does not speak. Use port 465 (TLS from the start), or openssl s_client -starttls smtp.`;
    }
    if (/^220[ -]/.test(text)) return `the server greeted in plain text (${line}), like an FTP or SMTP server that upgrades with STARTTLS/AUTH TLS, which tlsglass does not speak: use its TLS port, or openssl s_client -starttls ftp|smtp.`;
    if (/^\* OK/.test(text)) return `the server greeted in plain text as an IMAP server (${line}): use port 993 (TLS from the start), or openssl s_client -starttls imap.`;
    if (/^\+OK/.test(text)) return `the server greeted in plain text as a POP3 server (${line}): use port 995 (TLS from the start), or openssl s_client -starttls pop3.`;
    if (printable(text)) return `the server answered in plain text (${line}), not TLS: it is not a TLS server (wrong port?).`;
    return `the server's first bytes (${hex(bytes)}) are not a TLS record: it is not a TLS server (wrong port?), or something on the path answers instead.`;
  }
  if (/^(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|CONNECT) \S+ HTTP\/\d/.test(text)) {
    return `the client spoke plain HTTP (${line}), not TLS: it used http:// for this TLS port; it must use https://.`;
  }
  if (/^PRI \* HTTP\/2/.test(text)) return 'the client spoke cleartext HTTP/2 (h2c prior knowledge), not TLS: it must use https://.';
  if (/^SSH-\d/.test(text)) return `the client is an SSH client (${line}), not TLS: wrong port.`;
  if (bytes[0]! & 0x80 && bytes[2] === 1) return 'the client sent an SSL 2.0-format ClientHello: a very old client; it must use TLS 1.2 or 1.3.';
  if (printable(text)) return `the client sent plain text (${line}), not a TLS ClientHello: it is not speaking TLS (a plain TCP client such as nc or telnet, or a protocol that upgrades with STARTTLS).`;
  return `the client's first bytes (${hex(bytes)}) are not a TLS record: it is not speaking TLS.`;
}

/** A network error (ENOTFOUND, ECONNREFUSED, ETIMEDOUT, ECONNRESET, …) by how far the connection got. */
export function networkCause(
  code: string,
  message: string,
  side: Side,
  t: TransportFacts,
  lastFromPeer: string | undefined,
  lastOurs: string | undefined,
): string | undefined {
  const where = t.target ?? 'the server';
  const host = t.target?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '') ?? 'the host';
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return `the name '${host}' does not resolve (DNS: ${code}): check its spelling; or give the address (with --servername NAME for the certificate's name).`;
    case 'EAI_AGAIN':
      return `the DNS lookup of '${host}' failed for now (EAI_AGAIN: no DNS server answered): check the network and DNS settings, or give the address (with --servername NAME).`;
    case 'ECONNREFUSED':
      return `nothing listens on ${where} (connection refused: the host answered with a TCP reset): check the port, and that the server runs and listens on this address (127.0.0.1, ::1 and 0.0.0.0 differ).`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return `no route to ${where} (${code}): the host or network is unreachable from here (check the address, VPN or firewall).`;
    default:
      break;
  }
  if (code === 'ETIMEDOUT') {
    const within = t.timeoutSeconds !== undefined ? ` within ${t.timeoutSeconds} s` : '';
    if (!t.connected) return `no TCP connection to ${where}${within}: nothing answered our SYN, so a firewall drops the packets or the host is down (a closed port usually answers at once with "connection refused"). Check the address and port.`;
    if (t.bytesReceived === 0) {
      return `the server accepted the TCP connection but sent nothing back${within} after our ClientHello: it is likely not a TLS server (a plain-text service waiting for its own kind of request), or a TLS server that is stuck. Check the port.`;
    }
    return `the handshake stalled: the ${side === 'client' ? 'server' : 'client'}'s last message was ${lastFromPeer ?? 'none'}, then nothing${within}.`;
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') {
    // node:tls's words for a FIN before the handshake completed: the client's, and the server's ('socket hang up').
    const fin = /disconnected before secure TLS connection|^socket hang up$/.test(message);
    const how = fin ? 'closed the TCP connection' : 'reset the TCP connection (RST)';
    const peer = side === 'client' ? 'server' : 'client';
    if (side === 'server' && t.bytesReceived === 0) {
      return `the client ${how} without sending anything: a port check or health probe (a load balancer, a scanner), or a client that gave up.`;
    }
    if (side === 'client' && t.bytesReceived === 0) {
      return (
        `the server ${how} right after our ClientHello, without a TLS alert. Likely it refused something in it without saying (a version, suite or name it does not take: try --tls1.2 or --tls1.3, --servername), ` +
        `or a firewall or proxy on the path blocks this connection (often by the SNI name).`
      );
    }
    const why =
      side === 'server' && lastOurs !== 'the handshake'
        ? 'most clients that do so refused our certificate without saying which way (check the client\u2019s own error), or gave up'
        : 'it crashed or was stopped, or a middlebox (firewall, load balancer) cut the connection';
    return `the ${peer} ${how} after ${lastOurs ?? 'our last message'}, without a TLS alert: ${why}.`;
  }
  return undefined;
}

function quote(line: string): string {
  const shown = line.length > 60 ? `${line.slice(0, 60)}…` : line;
  return `'${shown.replace(/[^\x20-\x7e]/g, '.')}'`;
}

function printable(text: string): boolean {
  const sample = text.slice(0, 64);
  return [...sample].filter((c) => /[\x20-\x7e\r\n\t]/.test(c)).length >= sample.length * 0.9;
}

function hex(bytes: Uint8Array): string {
  return [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
