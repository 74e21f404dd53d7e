import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { createServer, connect, type Server } from '../../src/index.js';
import { ClientConnection } from '../../src/connection/connection.js';
import type { ClientOptions } from '../../src/config.js';
import { AlertDescription, ContentType, HandshakeType } from '../../src/messages/enums.js';
import { testPki } from '../helpers/pki.js';
import { plainAlert, handshakeTypes } from '../helpers/pair.js';

/**
 * Hostile clients against a real tlsglass server over 127.0.0.1: each sends something the RFC
 * forbids and must get exactly the alert the RFC names, then a closed connection; afterwards
 * the same server must still complete a normal handshake.
 */
const pki = testPki();
let server: Server;
let port: number;

before(async () => {
  server = createServer(
    { cert: [pki.serverRsa.certPem, pki.serverEcdsa.certPem], key: [pki.serverRsa.keyPem, pki.serverEcdsa.keyPem], ca: pki.ca.certPem, ciphers: 'ALL' },
    (socket) => socket.end('hello'),
  );
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as net.AddressInfo).port;
});

after(() => server.close());

/** Runs a sans-I/O client over a raw socket; `rewrite` edits each outgoing record. Resolves with all bytes the server sent. */
async function hostile(options: ClientOptions, rewrite: (record: Uint8Array, index: number) => Uint8Array[], raw?: Uint8Array[]): Promise<Uint8Array> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const received: Buffer[] = [];
  let sent = 0;
  const client = new ClientConnection({ servername: 'localhost', ca: pki.ca.certPem, maxVersion: 'TLSv1.2', ...options });
  const flush = (): void => {
    for (const record of client.takeOutgoing()) for (const piece of rewrite(record, sent++)) socket.write(piece);
  };
  socket.on('data', (d: Buffer) => {
    received.push(d);
    try {
      client.receive(d);
    } catch {
      /* the server's alert ends our side too */
    }
    if (!client.failure) flush();
  });
  if (raw) for (const r of raw) socket.write(r);
  else {
    client.start();
    flush();
  }
  await once(socket, 'close');
  return Buffer.concat(received);
}

/** The server's bytes end with exactly this plaintext fatal alert. */
function endsWithAlert(bytes: Uint8Array, alert: number): void {
  assert.deepEqual(new Uint8Array(bytes.subarray(bytes.length - 7)), plainAlert(alert), `last record: ${Buffer.from(bytes.subarray(-7)).toString('hex')}`);
}

test('ChangeCipherSpec before ClientKeyExchange: unexpected_message, then close', async () => {
  const bytes = await hostile({}, (record, i) => (i === 1 ? [Uint8Array.of(20, 3, 3, 0, 1, 1), record] : [record]));
  endsWithAlert(bytes, AlertDescription.unexpected_message);
});

test('an oversized record: record_overflow, then close', async () => {
  const bytes = await hostile({}, () => [], [Uint8Array.of(22, 3, 3, 0x48, 0x01)]);
  endsWithAlert(bytes, AlertDescription.record_overflow);
});

test('TLS 1.0 only: protocol_version', async () => {
  const bytes = await hostile({}, (record, i) => {
    if (i !== 0) return [record];
    const copy = record.slice();
    copy[10] = 1;
    return [copy];
  });
  endsWithAlert(bytes, AlertDescription.protocol_version);
});

test('a client Certificate without CertificateVerify is refused with unexpected_message', async () => {
  const mtls = createServer({ cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem, ca: pki.ca.certPem, requestCert: true }, (s) => s.end());
  mtls.on('tlsClientError', () => {});
  mtls.listen(0, '127.0.0.1');
  await once(mtls, 'listening');
  const saved = port;
  port = (mtls.address() as net.AddressInfo).port;
  try {
    const bytes = await hostile({ cert: pki.clientEcdsa.certPem, key: pki.clientEcdsa.keyPem }, (record) => {
      if (record[0] !== ContentType.handshake || !handshakeTypes(record).includes(HandshakeType.certificate_verify)) return [record];
      return [dropMessage(record, HandshakeType.certificate_verify)];
    });
    endsWithAlert(bytes, AlertDescription.unexpected_message);
  } finally {
    port = saved;
    mtls.close();
  }
});

test('garbage that is not TLS: closed with an alert, server unharmed', async () => {
  const bytes = await hostile({}, () => [], [new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n')]);
  // 'G' (0x47) is no content type: unexpected_message.
  endsWithAlert(bytes, AlertDescription.unexpected_message);
});

test('after all of the above, the server still completes a normal handshake', async () => {
  const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.ca.certPem });
  await once(socket, 'secureConnect');
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  await once(socket, 'end');
  assert.equal(Buffer.concat(chunks).toString(), 'hello');
  assert.equal(socket.getProtocol(), 'TLSv1.3');
  socket.destroy();
});

function dropMessage(record: Uint8Array, type: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let pos = 5;
  while (pos + 4 <= record.length) {
    const len = (record[pos + 1]! << 16) | (record[pos + 2]! << 8) | record[pos + 3]!;
    if (record[pos] !== type) parts.push(record.subarray(pos, pos + 4 + len));
    pos += 4 + len;
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([record[0]!, record[1]!, record[2]!, body.length >> 8, body.length & 0xff]), body]);
}
