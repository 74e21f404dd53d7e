/**
 * The Web Streams transport (src/web/stream.ts) on a pair of in-memory WHATWG streams: a client
 * from connectStreams() and a server from acceptStreams(), each over one end. Handshakes in TLS
 * 1.2 and 1.3 (one-way and mutual), data both ways, close_notify, a refused certificate (the
 * alert reaches the other side), and a transport that ends mid-handshake.
 * The provider here is passed explicitly, as a runtime without an installed default would.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { acceptStreams, connectStreams, CertificateError, PeerAlert, type ByteStreams, type SecureStreams } from '../../src/core.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const provider = nodeCryptoProvider;

/** Two transports joined back to back: what one writes the other reads. */
function memoryPair(): [ByteStreams, ByteStreams] {
  const a = new TransformStream<Uint8Array, Uint8Array>();
  const b = new TransformStream<Uint8Array, Uint8Array>();
  return [
    { readable: a.readable, writable: b.writable },
    { readable: b.readable, writable: a.writable },
  ];
}

async function readText(s: SecureStreams): Promise<string> {
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of s.readable as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
  return text;
}

async function send(s: SecureStreams, text: string): Promise<void> {
  const writer = s.writable.getWriter();
  await writer.write(new TextEncoder().encode(text));
  writer.releaseLock();
}

describe('TLS over Web Streams', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version}: handshake, data both ways, close_notify`, async () => {
      const [clientEnd, serverEnd] = memoryPair();
      const server = acceptStreams(serverEnd, { provider, cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem, ALPNProtocols: ['h2', 'http/1.1'] });
      const client = connectStreams(clientEnd, { provider, servername: 'localhost', ca: pki.ca.certPem, minVersion: version, maxVersion: version, ALPNProtocols: ['http/1.1'] });
      const [c, s] = await Promise.all([client.handshake, server.handshake]);
      assert.equal(c.protocol, version);
      assert.equal(s.protocol, version);
      assert.equal(c.cipher.standardName, s.cipher.standardName);
      assert.equal(c.alpnProtocol, 'http/1.1');
      assert.equal(c.authorized, true);
      assert.deepEqual(c.peerCertificates[0], pki.serverEcdsa.certDer);

      await send(client, 'ping');
      const serverReader = server.readable.getReader();
      assert.equal(new TextDecoder().decode((await serverReader.read()).value), 'ping');
      serverReader.releaseLock();
      const big = 'x'.repeat(100_000); // several records; writes wait for the reader (backpressure), so read meanwhile
      const received = readText(client);
      await send(server, big);
      await server.close();
      assert.equal(await received, big, 'the client reads everything, then the end at close_notify');
      await client.close();
      assert.equal(await readText(server), '', "the server's readable ends at the client's close_notify");
    });
  }

  test('TLSv1.3 mutual: the server sees the client certificate', async () => {
    const [clientEnd, serverEnd] = memoryPair();
    const server = acceptStreams(serverEnd, { provider, cert: pki.serverRsa.certPem, key: pki.serverRsa.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true });
    const client = connectStreams(clientEnd, { provider, servername: 'localhost', ca: pki.ca.certPem, cert: pki.clientEcdsa.certPem, key: pki.clientEcdsa.keyPem });
    const [, s] = await Promise.all([client.handshake, server.handshake]);
    assert.equal(s.authorized, true);
    assert.deepEqual(s.peerCertificates[0], pki.clientEcdsa.certDer);
  });

  test('a server certificate from another CA: the client refuses it, the server gets the alert', async () => {
    const [clientEnd, serverEnd] = memoryPair();
    const server = acceptStreams(serverEnd, { provider, cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem });
    const client = connectStreams(clientEnd, { provider, servername: 'localhost', ca: pki.serverRsa.certPem });
    await assert.rejects(client.handshake, (err: unknown) => err instanceof CertificateError && err.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    // unknown_ca (48), RFC 8446 §6.2.
    await assert.rejects(server.handshake, (err: unknown) => err instanceof PeerAlert && err.description === 48);
    await assert.rejects(client.readable.getReader().read(), CertificateError);
  });

  test('bytes that are not TLS: the server sends unexpected_message, then closes the transport', async () => {
    const toServer = new TransformStream<Uint8Array, Uint8Array>();
    const fromServer = new TransformStream<Uint8Array, Uint8Array>();
    const server = acceptStreams({ readable: toServer.readable, writable: fromServer.writable }, { provider, cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem });
    void toServer.writable.getWriter().write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n')).catch(() => undefined);
    await assert.rejects(server.handshake, (err: unknown) => (err as { code?: string }).code === 'ERR_SSL_HTTP_REQUEST');
    const reader = fromServer.readable.getReader();
    // RFC 8446 §5 / RFC 5246 §6.2.1: an unknown content type is unexpected_message (10), a fatal (2) alert record.
    assert.deepEqual([...(await reader.read()).value!], [21, 3, 3, 0, 2, 2, 10]);
    assert.equal((await reader.read()).done, true, 'then the transport is closed');
  });

  test('the transport ends before the handshake completes: ECONNRESET', async () => {
    const serverSide = new TransformStream<Uint8Array, Uint8Array>();
    const client = connectStreams({ readable: new ReadableStream({ start: (c) => c.close() }), writable: serverSide.writable }, { provider, servername: 'localhost', ca: pki.ca.certPem });
    await assert.rejects(client.handshake, (err: unknown) => err instanceof Error && (err as { code?: string }).code === 'ECONNRESET');
    const hello = (await serverSide.readable.getReader().read()).value!;
    assert.deepEqual([...hello.subarray(0, 3)], [22, 3, 1], 'the ClientHello went out first');
  });
});
