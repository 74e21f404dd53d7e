/**
 * `scan --starttls`: the plain-text preamble a server speaks before it agrees to TLS, run on every
 * fresh probe connection before the probe's ClientHello (and before the certificate probe's real
 * handshake): SMTP's STARTTLS (RFC 3207), IMAP's STARTTLS and POP3's STLS (RFC 2595), FTP's AUTH
 * TLS (RFC 4217), LDAP's StartTLS extended operation (RFC 4511 §4.14, RFC 4513 §3) and
 * PostgreSQL's SSLRequest (protocol §55.2.10).
 *
 * Every read is bounded: a line longer than the protocol allows, or a reply that never ends, is an
 * error, not a growing buffer; a server that says nothing runs into the probe's deadline, and
 * `waitingFor` says what it was being waited for. A server that sends anything after its "go
 * ahead" and before our ClientHello is refused: those bytes would be taken as TLS records written
 * by someone other than the TLS peer (the injection of CVE-2011-0411 and CVE-2021-23222).
 */
import type { ByteChannel } from './channel.js';

export const STARTTLS_PROTOCOLS = ['smtp', 'imap', 'pop3', 'ftp', 'ldap', 'postgres'] as const;
export type StarttlsProtocol = (typeof STARTTLS_PROTOCOLS)[number];

/**
 * The port scanned when none is given: SMTP's 25, where mail servers take mail from each other
 * and STARTTLS is how that mail is protected (for submission give 587); IMAP's 143, POP3's 110,
 * FTP's 21, LDAP's 389 and PostgreSQL's 5432.
 */
export const STARTTLS_PORTS: Readonly<Record<StarttlsProtocol, number>> = { smtp: 25, imap: 143, pop3: 110, ftp: 21, ldap: 389, postgres: 5432 };

/** The server did not agree to TLS, or broke the preamble. */
export class StarttlsError extends Error {
  override name = 'StarttlsError';
}

/**
 * The longest line taken. SMTP's reply lines are at most 512 octets (RFC 5321 §4.5.3.1.5); IMAP
 * sets no limit, and its capability lines run to a few hundred: 4096 holds every real one.
 */
const MAX_LINE = 4096;
/** Lines of one multi-line reply (an EHLO or CAPA reply has one per extension: a dozen or two in practice). */
const MAX_REPLY_LINES = 100;

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const printable = (bytes: Uint8Array): string => Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');

/** Reads from a channel through one small buffer that never holds more than a line. */
class PreambleReader {
  #buffer = new Uint8Array(0);

  constructor(
    private readonly channel: ByteChannel,
    private readonly waiting: (what: string) => void,
  ) {}

  /** Bytes received and not yet consumed. */
  get pending(): number {
    return this.#buffer.length;
  }

  async #more(what: string): Promise<void> {
    this.waiting(what);
    const bytes = await this.channel.read();
    if (bytes === null) throw new StarttlsError(`the server closed the connection while we waited for ${what}`);
    const joined = new Uint8Array(this.#buffer.length + bytes.length);
    joined.set(this.#buffer);
    joined.set(bytes, this.#buffer.length);
    this.#buffer = joined;
  }

  /** One CRLF-terminated line (a bare LF is taken too), without its line end. */
  async line(what: string): Promise<string> {
    for (;;) {
      const lf = this.#buffer.indexOf(0x0a);
      if (lf >= 0 && lf < MAX_LINE) {
        const end = lf > 0 && this.#buffer[lf - 1] === 0x0d ? lf - 1 : lf;
        const text = printable(this.#buffer.subarray(0, end));
        this.#buffer = this.#buffer.slice(lf + 1);
        return text;
      }
      if (this.#buffer.length >= MAX_LINE) throw new StarttlsError(`${what}: a line longer than ${MAX_LINE} bytes (${printable(this.#buffer.subarray(0, 40))}…)`);
      await this.#more(what);
    }
  }

  /** Exactly `n` bytes (n at most MAX_LINE). */
  async take(n: number, what: string): Promise<Uint8Array> {
    while (this.#buffer.length < n) await this.#more(what);
    const bytes = this.#buffer.slice(0, n);
    this.#buffer = this.#buffer.slice(n);
    return bytes;
  }
}

/**
 * A three-digit reply: SMTP's (RFC 5321 §4.2) "250-first", "250-…", "250 last", every line coded;
 * FTP's (RFC 959 §4.2) the same, but the lines between the first and the last may be any text.
 * Its code and the text of each line.
 */
async function codedReply(reader: PreambleReader, label: 'SMTP' | 'FTP', what: string): Promise<{ code: string; lines: string[] }> {
  const lines: string[] = [];
  let code: string | undefined;
  for (;;) {
    const line = await reader.line(what);
    const m = /^(\d{3})([ -]|$)(.*)$/.exec(line);
    if (code === undefined) {
      if (!m) throw new StarttlsError(`${what}: not an ${label} reply: "${line.slice(0, 80)}"`);
      code = m[1]!;
    } else if (label === 'SMTP' && m?.[1] !== code) {
      throw new StarttlsError(`${what}: reply code changed within one reply: "${line.slice(0, 80)}"`);
    }
    lines.push(m ? m[3]! : line);
    if (m?.[1] === code && m[2] !== '-') return { code, lines };
    if (lines.length >= MAX_REPLY_LINES) throw new StarttlsError(`${what}: the reply goes on past ${MAX_REPLY_LINES} lines`);
  }
}

/** A reply that must have code `code`; its lines. */
async function expectReply(reader: PreambleReader, label: 'SMTP' | 'FTP', code: string, what: string): Promise<string[]> {
  const reply = await codedReply(reader, label, what);
  if (reply.code !== code) throw new StarttlsError(`${what}: the server answered ${reply.code} ${reply.lines.join(' / ').slice(0, 200)}`);
  return reply.lines;
}

/** RFC 3207 §4: greeting 220, EHLO, STARTTLS in the EHLO reply, STARTTLS, 220. */
async function smtp(channel: ByteChannel, reader: PreambleReader): Promise<void> {
  await expectReply(reader, 'SMTP', '220', "the SMTP server's 220 greeting");
  // RFC 5321 §4.1.1.1: EHLO names the client; .invalid is reserved for names that are none (RFC 6761 §6.4).
  channel.write(ascii('EHLO tlsglass.invalid\r\n'));
  const ehlo = await expectReply(reader, 'SMTP', '250', 'the reply to EHLO');
  // The first line greets; each other line is one extension keyword and its parameters (§4.1.1.1).
  const extensions = ehlo.slice(1).map((l) => l.split(' ')[0]!.toUpperCase());
  if (!extensions.includes('STARTTLS')) throw new StarttlsError(`the SMTP server does not offer STARTTLS (its EHLO reply lists ${extensions.join(', ') || 'no extensions'})`);
  channel.write(ascii('STARTTLS\r\n'));
  await expectReply(reader, 'SMTP', '220', 'the reply to STARTTLS');
}

/** RFC 4217 §4: greeting 220, "AUTH TLS", 234. */
async function ftp(channel: ByteChannel, reader: PreambleReader): Promise<void> {
  await expectReply(reader, 'FTP', '220', "the FTP server's 220 greeting");
  channel.write(ascii('AUTH TLS\r\n'));
  await expectReply(reader, 'FTP', '234', 'the reply to AUTH TLS');
}

/** RFC 2595 §3.1 (RFC 9051 §6.2.1): greeting "* OK", CAPABILITY lists STARTTLS, "b STARTTLS", "b OK". */
async function imap(channel: ByteChannel, reader: PreambleReader): Promise<void> {
  const greeting = await reader.line("the IMAP server's greeting");
  if (!/^\* OK\b/i.test(greeting)) throw new StarttlsError(`the IMAP server's greeting is not "* OK": "${greeting.slice(0, 200)}"`);
  /** The untagged lines up to the tagged answer to `tag`, which must be OK. */
  const command = async (tag: string, text: string, what: string): Promise<string[]> => {
    channel.write(ascii(`${tag} ${text}\r\n`));
    const untagged: string[] = [];
    for (;;) {
      const line = await reader.line(what);
      if (line.startsWith(`${tag} `)) {
        if (!/^OK\b/i.test(line.slice(tag.length + 1))) throw new StarttlsError(`${what}: the server answered "${line.slice(0, 200)}"`);
        return untagged;
      }
      if (untagged.length >= MAX_REPLY_LINES) throw new StarttlsError(`${what}: the reply goes on past ${MAX_REPLY_LINES} lines`);
      untagged.push(line);
    }
  };
  const lines = await command('a', 'CAPABILITY', 'the reply to CAPABILITY');
  const capabilities = lines.filter((l) => /^\* CAPABILITY /i.test(l)).flatMap((l) => l.slice(13).toUpperCase().split(' '));
  if (!capabilities.includes('STARTTLS')) throw new StarttlsError(`the IMAP server does not offer STARTTLS (its capabilities: ${capabilities.join(' ') || 'none'})`);
  await command('b', 'STARTTLS', 'the reply to STARTTLS');
}

/** RFC 2595 §4 with RFC 2449's CAPA: greeting "+OK", CAPA lists STLS, STLS, "+OK". */
async function pop3(channel: ByteChannel, reader: PreambleReader): Promise<void> {
  const ok = async (what: string): Promise<void> => {
    const line = await reader.line(what);
    if (!/^\+OK\b/.test(line)) throw new StarttlsError(`${what}: the server answered "${line.slice(0, 200)}"`);
  };
  await ok("the POP3 server's greeting");
  channel.write(ascii('CAPA\r\n'));
  await ok('the reply to CAPA');
  // A multi-line reply (RFC 1939 §3): one capability per line, up to a line of ".".
  const capabilities: string[] = [];
  for (let line = await reader.line('the reply to CAPA'); line !== '.'; line = await reader.line('the reply to CAPA')) {
    if (capabilities.length >= MAX_REPLY_LINES) throw new StarttlsError(`the reply to CAPA: the reply goes on past ${MAX_REPLY_LINES} lines`);
    capabilities.push(line.split(' ')[0]!.toUpperCase());
  }
  if (!capabilities.includes('STLS')) throw new StarttlsError(`the POP3 server does not offer STLS (its capabilities: ${capabilities.join(' ') || 'none'})`);
  channel.write(ascii('STLS\r\n'));
  await ok('the reply to STLS');
}

/**
 * LDAPMessage { messageID 1, extendedReq [APPLICATION 23] { requestName [0] "1.3.6.1.4.1.1466.20037" } }
 * (RFC 4511 §4.12, the StartTLS OID of RFC 4511 §4.14.1).
 */
const LDAP_START_TLS = Uint8Array.of(0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16, ...ascii('1.3.6.1.4.1.1466.20037'));

/** One BER element in `b` at `at` (RFC 4511 §5.1: definite lengths, not necessarily minimal, as OpenLDAP's 0x84 ones). */
function ber(b: Uint8Array, at: number, tag: number, what: string): { value: Uint8Array; end: number } {
  if (b[at] !== tag) throw new StarttlsError(`${what}: expected BER tag 0x${tag.toString(16)}, got ${b[at] === undefined ? 'nothing' : `0x${b[at]!.toString(16)}`}`);
  const { length, header } = berLength(b.subarray(at + 1), what);
  const start = at + 1 + header;
  if (start + length > b.length) throw new StarttlsError(`${what}: BER length ${length} runs past the message`);
  return { value: b.subarray(start, start + length), end: start + length };
}

/** A BER definite length at the start of `b`: its value and how many octets it took. */
function berLength(b: Uint8Array, what: string): { length: number; header: number } {
  const first = b[0];
  if (first === undefined) throw new StarttlsError(`${what}: BER length missing`);
  if (first < 0x80) return { length: first, header: 1 };
  const n = first & 0x7f;
  if (n === 0 || n > 4) throw new StarttlsError(`${what}: BER length form 0x${first.toString(16)} (indefinite or over 4 octets)`);
  if (b.length < 1 + n) throw new StarttlsError(`${what}: BER length truncated`);
  let length = 0;
  for (let i = 1; i <= n; i++) length = length * 256 + b[i]!;
  return { length, header: 1 + n };
}

/** RFC 4511 §4.1.9: the result codes a StartTLS refusal comes with (RFC 4511 §4.14.2). */
const LDAP_RESULTS: Readonly<Record<number, string>> = { 1: 'operationsError', 2: 'protocolError', 52: 'unavailable', 53: 'unwillingToPerform' };

/** RFC 4513 §3: the StartTLS extended request; its ExtendedResponse must say success (resultCode 0). */
async function ldap(channel: ByteChannel, reader: PreambleReader): Promise<void> {
  channel.write(LDAP_START_TLS);
  const what = 'the reply to the StartTLS request';
  // The LDAPMessage SEQUENCE: its tag and length first (at most 6 octets), then exactly its contents.
  let head = await reader.take(2, what);
  if (head[0] !== 0x30) throw new StarttlsError(`${what}: not an LDAPMessage (first byte 0x${head[0]!.toString(16)}): no LDAP server`);
  if (head[1]! > 0x80) head = Uint8Array.of(...head, ...(await reader.take(Math.min(head[1]! & 0x7f, 4), what)));
  const { length, header } = berLength(head.subarray(1), what);
  if (length > MAX_LINE) throw new StarttlsError(`${what}: an LDAPMessage of ${length} bytes (more than ${MAX_LINE})`);
  const message = Uint8Array.of(...head.subarray(0, 1 + header), ...(await reader.take(length, what)));
  const body = ber(message, 0, 0x30, what).value;
  const id = ber(body, 0, 0x02, `${what}: messageID`);
  // [APPLICATION 24] ExtendedResponse, COMPONENTS OF LDAPResult: resultCode, matchedDN, diagnosticMessage, …
  const response = ber(body, id.end, 0x78, `${what}: extendedResp`).value;
  const code = ber(response, 0, 0x0a, `${what}: resultCode`);
  const result = code.value.reduce((n, b) => n * 256 + b, 0);
  if (result === 0 && id.value.length === 1 && id.value[0] === 1) return;
  const dn = ber(response, code.end, 0x04, `${what}: matchedDN`);
  const diagnostic = printable(ber(response, dn.end, 0x04, `${what}: diagnosticMessage`).value.subarray(0, 200));
  // messageID 0: an unsolicited notification (RFC 4511 §4.4), the server hanging up.
  const notice = id.value.length === 1 && id.value[0] === 0 ? ' (an unsolicited notification: the server is closing)' : '';
  const name = LDAP_RESULTS[result] ? ` (${LDAP_RESULTS[result]})` : '';
  throw new StarttlsError(`the LDAP server refused StartTLS: resultCode ${result}${name}${diagnostic ? ` "${diagnostic}"` : ''}${notice}`);
}

/** PostgreSQL protocol §55.2.10: SSLRequest (length 8, code 80877103); 'S' to go on with TLS, 'N' for no. */
const SSL_REQUEST = Uint8Array.of(0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f);

async function postgres(channel: ByteChannel, reader: PreambleReader): Promise<void> {
  channel.write(SSL_REQUEST);
  const answer = (await reader.take(1, "the PostgreSQL server's answer to SSLRequest"))[0]!;
  if (answer === 0x53) return; // 'S'
  if (answer === 0x4e) throw new StarttlsError("the PostgreSQL server does not accept TLS (it answered 'N' to SSLRequest: ssl is off)");
  // 'E': a server from before protocol 3.0 (or none at all) sends an ErrorResponse.
  throw new StarttlsError(`the server answered SSLRequest with ${printable(Uint8Array.of(answer))}, not 'S' or 'N': no PostgreSQL server that speaks TLS`);
}

const PREAMBLES: Readonly<Record<StarttlsProtocol, (channel: ByteChannel, reader: PreambleReader) => Promise<void>>> = { smtp, imap, pop3, ftp, ldap, postgres };

/** Runs one protocol's preamble on each fresh connection it is given; remembers what the last one waited for. */
export class Starttls {
  /** What a preamble was last waiting for ("the SMTP server's 220 greeting"), or undefined once one has finished. */
  waitingFor: string | undefined;

  constructor(readonly protocol: StarttlsProtocol) {}

  /** Brings `channel` to where the server expects a ClientHello; rejects with a StarttlsError when it will not get there. */
  readonly prepare = async (channel: ByteChannel): Promise<void> => {
    const reader = new PreambleReader(channel, (what) => (this.waitingFor = what));
    await PREAMBLES[this.protocol](channel, reader);
    if (reader.pending > 0) throw new StarttlsError(`the server sent ${reader.pending} byte${reader.pending === 1 ? '' : 's'} after agreeing to TLS, before our ClientHello: refused (they would be read as the TLS peer's)`);
    this.waitingFor = undefined;
  };
}
