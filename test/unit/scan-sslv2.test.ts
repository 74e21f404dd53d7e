/**
 * The SSL 2.0 probe: its CLIENT-HELLO byte for byte, and how it reads answers. No server that
 * speaks SSL 2.0 can be run here (OpenSSL dropped it in 1.1.0, GnuTLS never had it), so the
 * accepting answer is an SSL 2.0 SERVER-HELLO written here, fed through the probe runner; the
 * refusals of real servers (openssl s_server, gnutls-serv, node:tls, tlsglass serve) are asserted
 * by test/interop/scan.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Writer } from '../../src/codec/writer.js';
import { ProbeRunner } from '../../src/scan/channel.js';
import { probeSslv2, readSslv2Answer, sslv2ClientHello } from '../../src/scan/sslv2.js';

/** An SSL 2.0 SERVER-HELLO offering `kinds` cipher kinds, with a 3-byte stand-in certificate. */
function serverHello(kinds: number, version = 0x0002): Uint8Array {
  const cert = new Uint8Array([0x30, 0x01, 0x00]);
  const specs = new Uint8Array(kinds * 3).fill(0x01);
  const connectionId = new Uint8Array(16);
  const body = new Writer().u8(4).u8(0).u8(1).u16(version).u16(cert.length).u16(specs.length).u16(connectionId.length).bytes(cert).bytes(specs).bytes(connectionId).finish();
  return new Writer().u16(0x8000 | body.length).bytes(body).finish();
}

describe('scan: SSL 2.0', () => {
  test('CLIENT-HELLO: two-byte header, type 1, version 0x0002, seven cipher kinds, a 16-byte challenge', () => {
    const challenge = new Uint8Array(16).fill(0xab);
    const hello = sslv2ClientHello(challenge);
    assert.equal(hello.length, 2 + 9 + 21 + 16);
    assert.deepEqual([...hello.subarray(0, 11)], [0x80, 46, 1, 0x00, 0x02, 0, 21, 0, 0, 0, 16]);
    assert.deepEqual([...hello.subarray(11, 14)], [0x01, 0x00, 0x80]); // SSL_CK_RC4_128_WITH_MD5
    assert.deepEqual([...hello.subarray(-16)], [...challenge]);
  });

  test('answers: SERVER-HELLO accepted; a TLS alert, a close, garbage or a truncated record refused', () => {
    assert.deepEqual(readSslv2Answer(serverHello(2)), { accepted: true, answer: 'SERVER-HELLO SSLv2, 2 cipher kinds' });
    assert.deepEqual(readSslv2Answer(serverHello(0)), { accepted: false, answer: 'SERVER-HELLO SSLv2, 0 cipher kinds' });
    assert.equal(readSslv2Answer(serverHello(2, 0x0300)).accepted, false);
    assert.deepEqual(readSslv2Answer(new Uint8Array([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46])), { accepted: false, answer: 'alert protocol_version' });
    assert.deepEqual(readSslv2Answer(null), { accepted: false, answer: 'closed without an answer' });
    assert.equal(readSslv2Answer(new Uint8Array([0x48, 0x54, 0x54, 0x50])).answer, 'not an SSL 2.0 answer (first byte 0x48)');
    assert.deepEqual(readSslv2Answer(serverHello(2).subarray(0, 12)), { accepted: false, answer: 'a truncated SSL 2.0 answer' });
  });

  test('the probe: one connection, the answer read across split chunks', async () => {
    const answer = serverHello(3);
    let written: Uint8Array | undefined;
    const chunks = [answer.subarray(0, 1), answer.subarray(1, 20), answer.subarray(20)];
    const runner = new ProbeRunner(async () => ({ write: (b) => void (written = b), read: async () => chunks.shift() ?? null, close: () => undefined }), 1, 1000);
    const result = await probeSslv2({ runner, serverName: undefined, random: (n) => new Uint8Array(n) });
    assert.deepEqual(result, { version: 'SSLv2', accepted: true, answer: 'SERVER-HELLO SSLv2, 3 cipher kinds' });
    assert.equal(written?.[2], 1);
    assert.equal(runner.connections, 1);
  });
});
