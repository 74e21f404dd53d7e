/**
 * What the server does with three offers in a hello: DEFLATE compression (RFC 3749; a server that
 * takes it leaks secrets through compressed lengths, CRIME), the heartbeat extension (RFC 6520,
 * Heartbleed's carrier; a server that echoes it would answer heartbeat requests) and
 * record_size_limit (RFC 8449: the largest record the server wants to receive). In TLS 1.2 and
 * older the answers are in the ServerHello; TLS 1.3 has no compression and answers the
 * extensions in its encrypted EncryptedExtensions (read through tls13-peek.ts).
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { Reader } from '../codec/reader.js';
import { ExtensionType, ProtocolVersion } from '../messages/enums.js';
import { findExtension, type Extension } from '../messages/extensions/index.js';
import { writeU16 } from '../messages/extensions/tls13.js';
import { askFresh, helloFor, type ProbeContext } from './protocol.js';
import { peekEncryptedExtensions } from './tls13-peek.js';

/** CompressionMethod DEFLATE (RFC 3749 §2). */
const DEFLATE = 1;
/** HeartbeatMode peer_allowed_to_send (RFC 6520 §2). */
const PEER_ALLOWED_TO_SEND = 1;
/**
 * The record_size_limit extension (RFC 8449 §4, IANA number 28). Not in ExtensionType, which lists
 * what tlsglass itself speaks: its connections do not know it (and name it by number when refusing it).
 */
const record_size_limit = 28;

export interface HelloExtensions {
  readonly compression: boolean | null;
  readonly heartbeat: boolean | null;
  readonly recordSizeLimit: number | null;
}

/** The largest record_size_limit each version allows to be sent (RFC 8449 §4): 2^14, and 2^14 + 1 in TLS 1.3. */
const offers = (limit: number): Extension[] => [
  { type: ExtensionType.heartbeat, data: Uint8Array.of(PEER_ALLOWED_TO_SEND) },
  { type: record_size_limit, data: writeU16(limit) },
];

function answered(extensions: readonly Extension[]): { heartbeat: boolean; recordSizeLimit: number | null } {
  const rsl = findExtension(extensions, record_size_limit);
  return { heartbeat: findExtension(extensions, ExtensionType.heartbeat) !== undefined, recordSizeLimit: rsl && rsl.length === 2 ? new Reader(rsl).u16() : null };
}

/**
 * One hello at the best version before TLS 1.3 (when one is accepted), one TLS 1.3 handshake up to
 * EncryptedExtensions (when TLS 1.3 is); null for what neither could tell.
 */
export async function probeHelloExtensions(ctx: ProbeContext, provider: CryptoProvider, accepted: readonly number[]): Promise<HelloExtensions> {
  const legacy = accepted.find((v) => v < ProtocolVersion.TLSv1_3 && v > ProtocolVersion.SSLv3);
  const tls13 = accepted.includes(ProtocolVersion.TLSv1_3);
  const [older, newer] = await Promise.all([
    legacy === undefined ? undefined : askFresh(ctx, { ...helloFor(ctx, legacy), compressionMethods: [DEFLATE, 0], extraExtensions: offers(1 << 14) }),
    tls13 ? ctx.runner.run((channel) => peekEncryptedExtensions(channel, provider, ctx.serverName, offers((1 << 14) + 1))).catch(() => undefined) : undefined,
  ]);
  const fromOlder = older?.kind === 'hello' ? { compression: older.hello.legacyCompressionMethod === DEFLATE, ...answered(older.hello.extensions) } : undefined;
  const fromNewer = newer?.kind === 'extensions' ? answered(newer.extensions) : undefined;
  return {
    compression: fromOlder?.compression ?? null,
    heartbeat: fromOlder || fromNewer ? Boolean(fromOlder?.heartbeat || fromNewer?.heartbeat) : null,
    recordSizeLimit: fromNewer ? fromNewer.recordSizeLimit : fromOlder ? fromOlder.recordSizeLimit : null,
  };
}
