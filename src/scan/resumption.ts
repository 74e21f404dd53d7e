/**
 * Session resumption and 0-RTT. Each kind is tried as a client would use it: a full handshake with
 * tlsglass's client (its 'session' event is the session), then a second connection offering it.
 *  - TLS 1.2 by session ID (RFC 5246 §7.4.1.2): the client asks for no ticket (OpenSSL's
 *    -no_ticket), so the server can only keep the session itself;
 *  - TLS 1.2 by ticket (RFC 5077);
 *  - TLS 1.3 by PSK (RFC 8446 §2.2): the ticket of the first handshake, offered in a ClientHello
 *    that also asks for 0-RTT (early_data, §4.2.10) when the ticket allows it (its early_data
 *    extension, max_early_data_size); the server's answer is read up to its EncryptedExtensions
 *    (tls13-peek.ts): pre_shared_key in the ServerHello says resumed, early_data in
 *    EncryptedExtensions says it would take 0-RTT data, which an attacker can replay.
 * The tickets' lifetimes (TLS 1.3 ticket_lifetime, else the TLS 1.2 lifetime hint) are read from the
 * NewSessionTicket messages as the connection's observer sees them.
 */
import type { ClientOptions } from '../config.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { ExtensionType, HandshakeType } from '../messages/enums.js';
import { findExtension } from '../messages/extensions/index.js';
import { readNewSessionTicket, readNewSessionTicketTls12 } from '../messages/post-handshake.js';
import { decodeClientSession } from '../session/session.js';
import { Reader } from '../codec/reader.js';
import { handshake } from './certificate.js';
import type { ByteChannel, ProbeRunner } from './channel.js';
import type { ClientConnection } from '../connection/connection.js';
import { listen } from './listen.js';
import type { FeaturesResult } from './result.js';
import { peekEncryptedExtensions } from './tls13-peek.js';

/** How long to wait after a TLS 1.3 handshake for the server's NewSessionTicket. */
const TICKET_WAIT_MS = 1000;

export type ResumptionResult = FeaturesResult['resumption'];
export type EarlyDataResult = FeaturesResult['earlyData'];

interface FirstHandshake {
  /** The resumable session, if the server gave one. */
  readonly session: Uint8Array | undefined;
  /** Lifetime of the first ticket, seconds. */
  readonly lifetime: number | undefined;
  /** TLS 1.3: max_early_data_size of the first ticket's early_data extension. */
  readonly maxEarlyData: number | undefined;
}

/** A full handshake that keeps its session; for TLS 1.3 it waits for the first ticket. */
async function first(runner: ProbeRunner, options: ClientOptions, tls13: boolean): Promise<FirstHandshake | undefined> {
  let lifetime: number | undefined;
  let maxEarlyData: number | undefined;
  const observer: ClientOptions['observer'] = (e) => {
    if (e.direction !== 'received' || e.handshakeType !== HandshakeType.new_session_ticket || lifetime !== undefined) return;
    const body = e.raw.subarray(4);
    try {
      if (!tls13) {
        lifetime = readNewSessionTicketTls12(body).lifetimeHint;
        return;
      }
      const t = readNewSessionTicket(body);
      lifetime = t.lifetime;
      const ed = findExtension(t.extensions, ExtensionType.early_data);
      if (ed) maxEarlyData = new Reader(ed).u32('max_early_data_size');
    } catch {
      // A ticket the connection itself refuses fails the handshake; nothing to read from it here.
    }
  };
  try {
    return await runner.run(async (channel) => {
      const c = await handshake(channel, { ...options, observer });
      const sessionOf = (): Uint8Array | undefined => {
        for (const e of c.takeEvents()) if (e.type === 'session') return e.session;
        return undefined;
      };
      let session = sessionOf();
      if (!session && tls13) {
        // The tickets come after the handshake (RFC 8446 §4.6.1), usually at once.
        await listen(channel, TICKET_WAIT_MS, (_, chunk) => {
          c.receive(chunk);
          return (session = sessionOf()) !== undefined;
        });
      }
      closeNotify(c, channel);
      return { session, lifetime, maxEarlyData };
    });
  } catch {
    return undefined;
  }
}

/**
 * Ends the connection with close_notify: OpenSSL forgets a session (SSL_CTX_remove_session) whose
 * connection was cut without one, so a probe that just dropped the connection would never resume.
 */
function closeNotify(c: ClientConnection, channel: ByteChannel): void {
  c.close();
  for (const bytes of c.takeOutgoing()) channel.write(bytes);
}

/** Offers `session` on a fresh connection: did the server resume it? */
async function resumes(runner: ProbeRunner, options: ClientOptions, session: Uint8Array): Promise<boolean | null> {
  try {
    return await runner.run(async (channel) => {
      const c = await handshake(channel, { ...options, session });
      closeNotify(c, channel);
      return c.negotiated.resumed;
    });
  } catch {
    return null;
  }
}

export interface ResumptionProbe {
  readonly resumption: ResumptionResult;
  readonly earlyData: EarlyDataResult;
}

export async function probeResumption(
  runner: ProbeRunner,
  base: ClientOptions,
  provider: CryptoProvider,
  versions: { readonly tls12: boolean; readonly tls13: boolean },
  quick: boolean,
): Promise<ResumptionProbe> {
  const tls12: ClientOptions = { ...base, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' };
  const tls13: ClientOptions = { ...base, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };
  const byId = async (): Promise<boolean | null> => {
    if (!versions.tls12 || quick) return null;
    const f = await first(runner, { ...tls12, sessionTickets: false }, false);
    if (!f) return null;
    const s = f.session ? decodeClientSession(f.session) : undefined;
    return s && s.sessionId.length > 0 ? resumes(runner, { ...tls12, sessionTickets: false }, f.session!) : false;
  };
  const byTicket = async (): Promise<{ ok: boolean | null; lifetime: number | undefined }> => {
    if (!versions.tls12) return { ok: null, lifetime: undefined };
    const f = await first(runner, tls12, false);
    if (!f) return { ok: null, lifetime: undefined };
    const s = f.session ? decodeClientSession(f.session) : undefined;
    return { ok: s && s.ticket.length > 0 ? await resumes(runner, tls12, f.session!) : false, lifetime: f.lifetime };
  };
  const byPsk = async (): Promise<{ ok: boolean | null; lifetime: number | undefined; earlyData: EarlyDataResult }> => {
    if (!versions.tls13) return { ok: null, lifetime: undefined, earlyData: null };
    const f = await first(runner, tls13, true);
    const s = f?.session ? decodeClientSession(f.session) : undefined;
    if (!f || !s || s.ticket.length === 0) return { ok: f ? false : null, lifetime: f?.lifetime, earlyData: null };
    const maxEarlyDataSize = f.maxEarlyData ?? null;
    const extensions = maxEarlyDataSize !== null ? [{ type: ExtensionType.early_data, data: new Uint8Array(0) }] : [];
    const psk = { ticket: s.ticket, secret: s.secret, suite: s.suite, obfuscatedAge: (Date.now() - s.created + s.ageAdd) % 2 ** 32 };
    const answer = await runner.run((channel) => peekEncryptedExtensions(channel, provider, s.serverName || undefined, extensions, psk)).catch(() => undefined);
    if (answer?.kind !== 'extensions') return { ok: null, lifetime: f.lifetime, earlyData: { accepted: false, maxEarlyDataSize } };
    const accepted = findExtension(answer.extensions, ExtensionType.early_data) !== undefined;
    return { ok: answer.pskAccepted, lifetime: f.lifetime, earlyData: { accepted, maxEarlyDataSize } };
  };
  const [sessionId, ticket, psk] = await Promise.all([byId(), byTicket(), byPsk()]);
  return {
    resumption: { sessionId, ticket: ticket.ok, tls13Psk: psk.ok, ticketLifetimeSeconds: psk.lifetime ?? ticket.lifetime ?? null },
    earlyData: psk.earlyData,
  };
}
