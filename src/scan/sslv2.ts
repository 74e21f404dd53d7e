/**
 * SSL 2.0: prohibited by RFC 6176 and the way into DROWN (CVE-2016-0800). Its hello is not a TLS
 * record: a two-byte header with the high bit set and the length, then CLIENT-HELLO (type 1,
 * version 0x0002, the lengths of the cipher specs, session id and challenge, the 3-byte cipher
 * specs, the challenge). A server that still speaks it answers SERVER-HELLO (type 4) in the same
 * framing; any other answer (a TLS alert, a close) means it does not (the SSL 2.0 specification,
 * draft-hickman-netscape-ssl-00 §§ "SSL Record Header Format", "Client Only Protocol Messages").
 */
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { AlertDescription, ContentType, nameOf } from '../messages/enums.js';
import type { ByteChannel } from './channel.js';
import { describeAnswer, type ProbeContext } from './protocol.js';
import type { VersionResult } from './result.js';

/** Every SSL 2.0 cipher kind (SSL_CK_*): a server speaking SSL 2.0 picks from them. */
const SSL2_CIPHER_KINDS: readonly number[] = [0x010080, 0x020080, 0x030080, 0x040080, 0x050080, 0x060040, 0x0700c0];
const CLIENT_HELLO = 1;
const SERVER_HELLO = 4;
const SSL2_VERSION = 0x0002;
/** The longest record the two-byte header can frame. */
const MAX_RECORD = 0x7fff;

export function sslv2ClientHello(challenge: Uint8Array): Uint8Array {
  const specs = new Writer();
  for (const kind of SSL2_CIPHER_KINDS) specs.u24(kind);
  const cipherSpecs = specs.finish();
  const body = new Writer().u8(CLIENT_HELLO).u16(SSL2_VERSION).u16(cipherSpecs.length).u16(0).u16(challenge.length).bytes(cipherSpecs).bytes(challenge).finish();
  return new Writer().u16(0x8000 | body.length).bytes(body).finish();
}

/** What the server's first bytes say: an SSL 2.0 SERVER-HELLO (with how many cipher kinds it offers), or what else. */
export function readSslv2Answer(bytes: Uint8Array | null): { accepted: boolean; answer: string } {
  if (bytes === null || bytes.length === 0) return { accepted: false, answer: 'closed without an answer' };
  if (bytes[0] === ContentType.alert && bytes.length >= 7) return { accepted: false, answer: `alert ${nameOf(AlertDescription, bytes[6]!, 'alert')}` };
  if ((bytes[0]! & 0x80) === 0) return { accepted: false, answer: `not an SSL 2.0 answer (first byte 0x${bytes[0]!.toString(16).padStart(2, '0')})` };
  try {
    const r = new Reader(bytes);
    const length = r.u16('SSL 2.0 record header') & 0x7fff;
    const body = new Reader(r.bytesN(length, 'SSL 2.0 record'));
    if (body.u8('message type') !== SERVER_HELLO) return { accepted: false, answer: 'an SSL 2.0 message other than SERVER-HELLO' };
    body.u8('session id hit');
    body.u8('certificate type');
    const version = body.u16('server version');
    body.u16('certificate length');
    const specs = body.u16('cipher specs length');
    if (version !== SSL2_VERSION) return { accepted: false, answer: `SERVER-HELLO with version 0x${version.toString(16)}` };
    return { accepted: specs >= 3, answer: `SERVER-HELLO SSLv2, ${Math.floor(specs / 3)} cipher kinds` };
  } catch {
    return { accepted: false, answer: 'a truncated SSL 2.0 answer' };
  }
}

/** Reads until the first record is complete (at most one two-byte-header record), the peer closes, or it is clearly not SSL 2.0. */
async function readFirstRecord(channel: ByteChannel): Promise<Uint8Array | null> {
  let got = new Uint8Array(0);
  for (;;) {
    const bytes = await channel.read();
    if (bytes === null) return got.length > 0 ? got : null;
    const next = new Uint8Array(got.length + bytes.length);
    next.set(got);
    next.set(bytes, got.length);
    got = next;
    if ((got[0]! & 0x80) === 0 || got.length > MAX_RECORD + 2) return got;
    if (got.length >= 2 && got.length >= 2 + (((got[0]! & 0x7f) << 8) | got[1]!)) return got;
  }
}

/** One connection: the SSL 2.0 hello, and the first record of the answer. */
export async function probeSslv2(ctx: ProbeContext): Promise<VersionResult> {
  try {
    const bytes = await ctx.runner.run(async (channel) => {
      channel.write(sslv2ClientHello(ctx.random(16)));
      return readFirstRecord(channel);
    });
    return { version: 'SSLv2', ...readSslv2Answer(bytes) };
  } catch (error) {
    return { version: 'SSLv2', accepted: false, answer: describeAnswer({ kind: 'failed', error }) };
  }
}
