/**
 * The compression / heartbeat / record_size_limit probe's reading of a TLS 1.2 ServerHello. No
 * server at hand still takes DEFLATE (OpenSSL 3.0 as Debian builds it has no zlib; GnuTLS dropped
 * compression), so a ServerHello that does is written here with the codec and answered through a
 * scripted connection: the hello the probe sent must offer DEFLATE, and the answer must read as
 * compression, heartbeat and the limit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writer } from '../../src/codec/writer.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { readClientHello } from '../../src/messages/client-hello.js';
import { ContentType, ExtensionType, HandshakeType, ProtocolVersion } from '../../src/messages/enums.js';
import { frameHandshake } from '../../src/messages/handshake.js';
import { writeServerHello } from '../../src/messages/server-hello.js';
import { ProbeRunner, type ByteChannel } from '../../src/scan/channel.js';
import { probeHelloExtensions } from '../../src/scan/hello-extensions.js';

function record(type: number, body: Uint8Array): Uint8Array {
  return new Writer(body.length + 5).u8(type).u16(ProtocolVersion.TLSv1_2).vec16(body).finish();
}

test('a TLS 1.2 ServerHello choosing DEFLATE, answering heartbeat and record_size_limit 4096', async () => {
  const sent: Uint8Array[] = [];
  const hello = writeServerHello({
    legacyVersion: ProtocolVersion.TLSv1_2,
    random: new Uint8Array(32).fill(1),
    legacySessionId: new Uint8Array(0),
    cipherSuite: 0xc02f,
    legacyCompressionMethod: 1,
    extensions: [
      { type: ExtensionType.heartbeat, data: Uint8Array.of(1) },
      { type: 28, data: Uint8Array.of(0x10, 0x00) },
    ],
  });
  const answer = [record(ContentType.handshake, frameHandshake(HandshakeType.server_hello, hello).raw), record(ContentType.handshake, frameHandshake(HandshakeType.server_hello_done, new Uint8Array(0)).raw)];
  const channel: ByteChannel = { write: (b) => void sent.push(b), read: async () => answer.shift() ?? null, close: () => {} };
  const runner = new ProbeRunner(async () => channel, 1, 5000);
  const r = await probeHelloExtensions({ runner, serverName: 'localhost', random: (n) => new Uint8Array(n) }, nodeCryptoProvider, [ProtocolVersion.TLSv1_2]);
  assert.deepEqual(r, { compression: true, heartbeat: true, recordSizeLimit: 4096 });
  assert.equal(runner.connections, 1);
  // The hello offered DEFLATE before null, heartbeat (peer_allowed_to_send) and record_size_limit 2^14.
  const ch = readClientHello(sent[0]!.subarray(9));
  assert.deepEqual([...ch.legacyCompressionMethods], [1, 0]);
  assert.deepEqual([...ch.extensions.find((e) => e.type === ExtensionType.heartbeat)!.data], [1]);
  assert.deepEqual([...ch.extensions.find((e) => e.type === 28)!.data], [0x40, 0x00]);
});
