/**
 * The scan's reading of answers (src/scan/hello.ts) and its politeness (src/scan/channel.ts),
 * byte for byte: what a server's bytes turn into, including bytes that are not TLS, split
 * records, a HelloRetryRequest, an alert, a close; and the runner's deadline, concurrency limit
 * and connection count. Interop against real servers is in test/interop/scan.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Writer } from '../../src/codec/writer.js';
import { HELLO_RETRY_REQUEST_RANDOM } from '../../src/handshake/tls13-common.js';
import { ExtensionType, HandshakeType } from '../../src/messages/enums.js';
import { readClientHello } from '../../src/messages/client-hello.js';
import { frameHandshake } from '../../src/messages/handshake.js';
import { writeServerHello } from '../../src/messages/server-hello.js';
import { ProbeRunner, ProbeTimeout, type ByteChannel } from '../../src/scan/channel.js';
import { probeHelloRecord, readAnswer } from '../../src/scan/hello.js';

/** A channel that hands out `chunks` in order, then EOF; records what is written. */
function scripted(chunks: readonly Uint8Array[]): ByteChannel & { written: Uint8Array[] } {
  const queue = [...chunks];
  const written: Uint8Array[] = [];
  return { written, write: (b) => void written.push(b), read: async () => queue.shift() ?? null, close: () => undefined };
}

const record = (type: number, body: Uint8Array): Uint8Array => new Writer().u8(type).u16(0x0303).vec16(body).finish();

function serverHello(random: Uint8Array, suite: number, extensions: { type: number; data: Uint8Array }[] = []): Uint8Array {
  return frameHandshake(HandshakeType.server_hello, writeServerHello({ legacyVersion: 0x0303, random, legacySessionId: new Uint8Array(0), cipherSuite: suite, legacyCompressionMethod: 0, extensions })).raw;
}

describe('scan: reading the answer', () => {
  test('a TLS 1.2 ServerHello split over two records, then the flight up to ServerHelloDone', async () => {
    const sh = serverHello(new Uint8Array(32).fill(7), 0xc02f);
    const done = frameHandshake(HandshakeType.server_hello_done, new Uint8Array(0)).raw;
    const bytes = [record(22, sh.subarray(0, 10)), record(22, Uint8Array.of(...sh.subarray(10), ...done))];
    const a = await readAnswer(scripted(bytes));
    assert.equal(a.kind, 'hello');
    assert.ok(a.kind === 'hello');
    assert.equal(a.version, 0x0303);
    assert.equal(a.hello.cipherSuite, 0xc02f);
    assert.equal(a.retry, false);
    assert.deepEqual(a.flight.map((m) => m.type), [HandshakeType.server_hello_done]);
  });

  test('a HelloRetryRequest is recognised by its random and ends the answer', async () => {
    const hrr = serverHello(HELLO_RETRY_REQUEST_RANDOM, 0x1301, [
      { type: ExtensionType.supported_versions, data: Uint8Array.of(0x03, 0x04) },
      { type: ExtensionType.key_share, data: Uint8Array.of(0x00, 0x17) },
    ]);
    const a = await readAnswer(scripted([record(22, hrr)]));
    assert.ok(a.kind === 'hello' && a.retry && a.version === 0x0304);
  });

  test('a fatal alert; a warning before it is skipped', async () => {
    const a = await readAnswer(scripted([record(21, Uint8Array.of(1, 112)), record(21, Uint8Array.of(2, 70))]));
    assert.deepEqual(a, { kind: 'alert', description: 70 });
  });

  test('a close without a word', async () => {
    assert.deepEqual(await readAnswer(scripted([])), { kind: 'closed' });
  });

  test('bytes that are not TLS, a malformed alert, a message before the ServerHello: an error answer, never a throw', async () => {
    const http = new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\n\r\n');
    assert.equal((await readAnswer(scripted([http]))).kind, 'error');
    assert.equal((await readAnswer(scripted([record(21, Uint8Array.of(2))]))).kind, 'error');
    const cert = frameHandshake(HandshakeType.certificate, Uint8Array.of(0, 0, 0)).raw;
    assert.deepEqual(await readAnswer(scripted([record(22, cert)])), { kind: 'error', reason: 'handshake message type 11 before the ServerHello' });
    const truncated = serverHello(new Uint8Array(32), 0xc02f).subarray(0, 30);
    assert.equal((await readAnswer(scripted([record(22, Uint8Array.of(2, 0, 0, 26, ...truncated.subarray(4, 30)))]))).kind, 'error');
  });

  test('the probe hello decodes as a ClientHello with what was asked for', () => {
    const bytes = probeHelloRecord({ version: 0x0301, suites: [0x002f, 0x0035], groups: [23], serverName: 'example.com', fallbackScsv: true }, (n) => new Uint8Array(n));
    assert.deepEqual([...bytes.subarray(0, 3)], [22, 0x03, 0x01]);
    const hello = readClientHello(bytes.subarray(9));
    assert.equal(hello.legacyVersion, 0x0301);
    assert.deepEqual(hello.cipherSuites, [0x002f, 0x0035, 0x5600]);
    assert.ok(!hello.extensions.some((e) => e.type === ExtensionType.supported_versions));
  });

  test('a hello of 256 to 511 bytes is padded to 512 (RFC 7685); others are not', () => {
    const sizes = [1, 90, 130, 200].map((n) => {
      const bytes = probeHelloRecord({ version: 0x0303, suites: Array.from({ length: n }, (_, i) => 0x0100 + i), groups: [23] }, (k) => new Uint8Array(k));
      const hello = readClientHello(bytes.subarray(9));
      return [bytes.length - 5, hello.extensions.some((e) => e.type === ExtensionType.padding)];
    });
    assert.deepEqual(sizes.map(([, padded]) => padded), [false, true, true, false]);
    for (const [size] of sizes) assert.ok((size as number) < 256 || (size as number) >= 512, `hello of ${size} bytes`);
  });
});

describe('scan: the probe runner', () => {
  test('a probe without an answer ends at its deadline, and its connection is closed', async () => {
    let closed = 0;
    const runner = new ProbeRunner(async () => ({ write: () => undefined, read: () => new Promise<null>(() => undefined), close: () => void closed++ }), 2, 50);
    await assert.rejects(runner.run((c) => c.read()), ProbeTimeout);
    assert.equal(runner.connections, 1);
    assert.equal(closed, 1);
  });

  test('at most `concurrency` connections at once; every one counted', async () => {
    let open = 0;
    let most = 0;
    const runner = new ProbeRunner(async () => {
      open++;
      most = Math.max(most, open);
      return { write: () => undefined, read: async () => null, close: () => void open-- };
    }, 3, 1000);
    await Promise.all(Array.from({ length: 10 }, () => runner.run(async (c) => {
      await new Promise((r) => setTimeout(r, 5));
      return c.read();
    })));
    assert.equal(runner.connections, 10);
    assert.equal(most, 3);
  });
});
