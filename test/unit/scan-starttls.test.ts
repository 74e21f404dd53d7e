/**
 * The STARTTLS preambles (src/scan/starttls.ts) byte for byte: what is written, how replies split
 * across reads or folded over lines are read, and each way a server can refuse or misbehave,
 * with the message it gives. The real servers (smtp-server, dovecot, slapd, postgres) are in
 * test/interop/scan-starttls.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ByteChannel } from '../../src/scan/channel.js';
import { Starttls, StarttlsError, type StarttlsProtocol } from '../../src/scan/starttls.js';

const text = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const ascii = (b: Uint8Array): string => String.fromCharCode(...b);

/** A channel that hands out `chunks` in order, then EOF; records what is written. */
function scripted(chunks: readonly (string | Uint8Array)[]): ByteChannel & { written: string[] } {
  const queue = chunks.map((c) => (typeof c === 'string' ? text(c) : c));
  const written: string[] = [];
  return { written, write: (b) => void written.push(ascii(b)), read: async () => queue.shift() ?? null, close: () => undefined };
}

async function run(protocol: StarttlsProtocol, chunks: readonly (string | Uint8Array)[]): Promise<string[]> {
  const channel = scripted(chunks);
  await new Starttls(protocol).prepare(channel);
  return channel.written;
}

async function refused(protocol: StarttlsProtocol, chunks: readonly (string | Uint8Array)[], message: RegExp): Promise<void> {
  await assert.rejects(run(protocol, chunks), (err: Error) => err instanceof StarttlsError && message.test(err.message));
}

describe('scan --starttls smtp', () => {
  test('a multi-line greeting split across reads, EHLO, STARTTLS among the keywords, 220', async () => {
    const written = await run('smtp', ['220-mail.example ESMTP\r\n22', '0 ready\r\n', '250-mail.example\r\n250-PIPELINING\r\n250-starttls\r\n250 8BITMIME\r\n', '220 go ahead\r\n']);
    assert.deepEqual(written, ['EHLO tlsglass.invalid\r\n', 'STARTTLS\r\n']);
  });

  test('refusals and broken replies, each with what went wrong', async () => {
    await refused('smtp', ['554 no service for you\r\n'], /^the SMTP server's 220 greeting: the server answered 554 no service for you$/);
    await refused('smtp', ['220 hi\r\n', '250-mail.example\r\n250 SIZE 100\r\n'], /^the SMTP server does not offer STARTTLS \(its EHLO reply lists SIZE\)$/);
    await refused('smtp', ['220 hi\r\n', '250 mail.example\r\n'], /does not offer STARTTLS \(its EHLO reply lists no extensions\)$/);
    await refused('smtp', ['220 hi\r\n', '250-a\r\n250 STARTTLS\r\n', '454 TLS not available\r\n'], /^the reply to STARTTLS: the server answered 454 TLS not available$/);
    await refused('smtp', ['220-hi\r\n250 hi\r\n'], /reply code changed within one reply/);
    await refused('smtp', ['HTTP/1.1 400 Bad Request\r\n'], /^the SMTP server's 220 greeting: not an SMTP reply: "HTTP\/1.1 400 Bad Request"$/);
    await refused('smtp', ['220 hi\r\n'], /^the server closed the connection while we waited for the reply to EHLO$/);
  });

  test('bounded: 100 lines of one reply, 4096 bytes of one line', async () => {
    await refused('smtp', ['220-x\r\n'.repeat(100)], /the reply goes on past 100 lines$/);
    await refused('smtp', ['2'.repeat(4095), '2'], /a line longer than 4096 bytes/);
  });

  test('bytes after the 220 to STARTTLS are refused, not passed to TLS', async () => {
    await refused('smtp', ['220 hi\r\n', '250-a\r\n250 STARTTLS\r\n', '220 go\r\n\x16\x03\x01'], /^the server sent 3 bytes after agreeing to TLS, before our ClientHello/);
  });
});

describe('scan --starttls imap and pop3', () => {
  test('IMAP: untagged CAPABILITY, then the tagged OK to STARTTLS', async () => {
    const written = await run('imap', ['* OK [CAPABILITY IMAP4rev1] ready\r\n', '* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\na OK done\r\n', 'b OK Begin TLS\r\n']);
    assert.deepEqual(written, ['a CAPABILITY\r\n', 'b STARTTLS\r\n']);
  });

  test('IMAP refusals', async () => {
    await refused('imap', ['* PREAUTH logged in\r\n'], /^the IMAP server's greeting is not "\* OK": "\* PREAUTH logged in"$/);
    await refused('imap', ['* OK hi\r\n', '* CAPABILITY IMAP4rev1 LOGINDISABLED\r\na OK\r\n'], /^the IMAP server does not offer STARTTLS \(its capabilities: IMAP4REV1 LOGINDISABLED\)$/);
    await refused('imap', ['* OK hi\r\n', '* CAPABILITY STARTTLS\r\na OK\r\n', 'b NO not now\r\n'], /^the reply to STARTTLS: the server answered "b NO not now"$/);
    await refused('imap', ['* OK hi\r\n', '* x\r\n'.repeat(101)], /^the reply to CAPABILITY: the reply goes on past 100 lines$/);
  });

  test('POP3: CAPA lists STLS (bare LFs taken too), +OK', async () => {
    const written = await run('pop3', ['+OK ready\r\n', '+OK\nTOP\nSTLS\nUSER\n.\n', '+OK begin\r\n']);
    assert.deepEqual(written, ['CAPA\r\n', 'STLS\r\n']);
  });

  test('POP3 refusals', async () => {
    await refused('pop3', ['-ERR go away\r\n'], /^the POP3 server's greeting: the server answered "-ERR go away"$/);
    await refused('pop3', ['+OK\r\n', '+OK\r\nUSER\r\n.\r\n'], /^the POP3 server does not offer STLS \(its capabilities: USER\)$/);
    await refused('pop3', ['+OK\r\n', '+OK\r\n' + 'X\r\n'.repeat(101)], /^the reply to CAPA: the reply goes on past 100 lines$/);
  });
});

describe('scan --starttls ftp', () => {
  test('a multi-line greeting whose middle lines are any text (RFC 959 §4.2), AUTH TLS, 234', async () => {
    const written = await run('ftp', ['220-Welcome\r\n  to our server\r\n123 is not the end\r\n220 ready\r\n', '234 AUTH TLS successful\r\n']);
    assert.deepEqual(written, ['AUTH TLS\r\n']);
  });

  test('refusals', async () => {
    await refused('ftp', ['220 hi\r\n', '500 AUTH not understood\r\n'], /^the reply to AUTH TLS: the server answered 500 AUTH not understood$/);
    await refused('ftp', ['421 too many users\r\n'], /^the FTP server's 220 greeting: the server answered 421 too many users$/);
    await refused('ftp', ['220-x\r\n' + 'more\r\n'.repeat(100)], /the reply goes on past 100 lines$/);
  });
});

/** An LDAPMessage { messageID id, extendedResp { resultCode, matchedDN "", diagnosticMessage } }, lengths as given. */
function ldapResponse(id: number, code: number, diagnostic = '', longLengths = false): Uint8Array {
  const len = (n: number): number[] => (longLengths ? [0x84, 0, 0, 0, n] : [n]);
  const diag = [...text(diagnostic)];
  const resp = [0x0a, 0x01, code, 0x04, ...len(0), 0x04, ...len(diag.length), ...diag];
  const body = [0x02, 0x01, id, 0x78, ...len(resp.length), ...resp];
  return Uint8Array.from([0x30, ...len(body.length), ...body]);
}

describe('scan --starttls ldap', () => {
  test('the StartTLS ExtendedRequest, and success read in short and OpenLDAP-style 4-octet lengths, split anywhere', async () => {
    const written = await run('ldap', [ldapResponse(1, 0)]);
    assert.deepEqual(written, ['\x30\x1d\x02\x01\x01\x77\x18\x80\x161.3.6.1.4.1.1466.20037']);
    const long = ldapResponse(1, 0, '', true);
    await run('ldap', [long.subarray(0, 1), long.subarray(1, 4), long.subarray(4)]);
  });

  test('refusals name the result code and the diagnostic; an unsolicited notice says so', async () => {
    await refused('ldap', [ldapResponse(1, 2, 'unsupported extended operation')], /^the LDAP server refused StartTLS: resultCode 2 \(protocolError\) "unsupported extended operation"$/);
    await refused('ldap', [ldapResponse(0, 52, 'shutting down')], /resultCode 52 \(unavailable\) "shutting down" \(an unsolicited notification: the server is closing\)$/);
  });

  test('not LDAP, or lengths that do not add up: refused, nothing more read', async () => {
    await refused('ldap', ['220 smtp here\r\n'], /not an LDAPMessage \(first byte 0x32\): no LDAP server$/);
    await refused('ldap', [Uint8Array.of(0x30, 0x84, 0x7f, 0xff, 0xff, 0xff)], /an LDAPMessage of 2147483647 bytes \(more than 4096\)$/);
    await refused('ldap', [Uint8Array.of(0x30, 0x80)], /BER length form 0x80 \(indefinite or over 4 octets\)$/);
    await refused('ldap', [Uint8Array.of(0x30, 0x05, 0x02, 0x01, 0x01, 0x78, 0x09)], /extendedResp: BER length 9 runs past the message$/);
  });
});

describe('scan --starttls postgres', () => {
  test("SSLRequest; 'S' goes on, 'N' and anything else do not", async () => {
    assert.deepEqual(await run('postgres', ['S']), ['\x00\x00\x00\x08\x04\xd2\x16\x2f']);
    await refused('postgres', ['N'], /^the PostgreSQL server does not accept TLS \(it answered 'N' to SSLRequest: ssl is off\)$/);
    await refused('postgres', ['E\x00\x00'], /^the server answered SSLRequest with E, not 'S' or 'N'/);
    await refused('postgres', ['S\x16'], /^the server sent 1 byte after agreeing to TLS/);
    await refused('postgres', [], /^the server closed the connection while we waited for the PostgreSQL server's answer to SSLRequest$/);
  });
});
