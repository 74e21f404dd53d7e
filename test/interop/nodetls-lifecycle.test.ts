/**
 * node:tls TLSSocket and Server lifecycle semantics (issue 14 item 5), over real sockets on
 * 127.0.0.1, each compared side by side with node:tls: what a server says of bytes that are not
 * TLS, where a server-side TLSSocket's failures go, and the net.Socket behaviour a TLSSocket
 * inherits (connect(), allowHalfOpen, onread).
 */
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { createServer as netCreateServer, connect as netConnect, Socket, type AddressInfo, type Server as NetServer } from 'node:net';
import { test } from 'node:test';
import * as nodeTls from 'node:tls';
import * as glass from '../../src/index.js';
import { AlertDescription } from '../../src/messages/enums.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const serverOptions = { cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem };
const clientOptions = { host: '127.0.0.1', servername: 'localhost', ca: pki.ca.certPem };
const implementations = [
  ['tlsglass', glass],
  ['node:tls', nodeTls],
] as const;

type Coded = Error & { code?: string };

async function listen(server: NetServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Sends `bytes` to a server on `port`; resolves with what came back before the close. */
async function sendRaw(port: number, bytes: Uint8Array | string): Promise<Buffer> {
  const socket = netConnect(port, '127.0.0.1', () => socket.write(bytes));
  const received: Buffer[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  socket.on('error', () => {}); // node:tls may reset
  await once(socket, 'close');
  return Buffer.concat(received);
}

const notTls: [string, string | Uint8Array, string, string][] = [
  ['plain HTTP', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'ERR_SSL_HTTP_REQUEST', 'http request'],
  ['a proxy CONNECT', 'CONNECT example.com:443 HTTP/1.1\r\n\r\n', 'ERR_SSL_HTTPS_PROXY_REQUEST', 'https proxy request'],
  ['other bytes', new Uint8Array(1024).fill(42), 'ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'],
  ['a handshake record of major version 2', Uint8Array.of(22, 2, 0, 0, 5, 1, 2, 3, 4, 5), 'ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'],
];

for (const [what, bytes, code, reason] of notTls) {
  test(`${what} to a server: node:tls's code and message; tlsglass still sends the alert the RFC names`, async () => {
    const seen: Coded[] = [];
    let wire: Buffer = Buffer.alloc(0);
    for (const [name, tls] of implementations) {
      const server = tls.createServer(serverOptions, () => assert.fail(`${name}: no handshake`));
      const port = await listen(server);
      const failed = once(server, 'tlsClientError') as Promise<[Coded]>;
      const back = await sendRaw(port, bytes);
      seen.push((await failed)[0]);
      if (name === 'tlsglass') wire = back;
      server.close();
    }
    for (const err of seen) {
      assert.equal(err.code, code);
      assert.match(err.message, new RegExp(`SSL routines:[^:]*:${reason}`));
    }
    // The alert: unexpected_message for a byte that is no content type, protocol_version for a record version that is not 3.
    const alert = typeof bytes === 'string' || bytes[0] !== 22 ? AlertDescription.unexpected_message : AlertDescription.protocol_version;
    assert.deepEqual([...wire], [21, 3, 3, 0, 2, 2, alert]);
  });
}

for (const [name, tls] of implementations) {
  test(`${name}: new TLSSocket(socket, { isServer: true, server: a net.Server }) reports a failed handshake as its own 'error', not as the server's tlsClientError`, async () => {
    const server = netCreateServer();
    server.on('tlsClientError', () => assert.fail('tlsClientError on a net.Server'));
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const port = await listen(server);
    const client = netConnect(port, '127.0.0.1', () => client.write(new Uint8Array(64).fill(42)));
    client.on('error', () => {});
    const [raw] = await accepted;
    const socket = new tls.TLSSocket(raw, { isServer: true, server, secureContext: tls.createSecureContext(serverOptions) });
    const [err] = (await once(socket, 'error')) as [Coded];
    assert.equal(err.code, 'ERR_SSL_WRONG_VERSION_NUMBER');
    client.destroy();
    server.close();
  });
}

test('a socket a tlsglass Server accepted still reports a failed handshake to tlsClientError, with the socket', async () => {
  const server = glass.createServer(serverOptions);
  const port = await listen(server);
  const failed = once(server, 'tlsClientError') as Promise<[Coded, glass.TLSSocket]>;
  await sendRaw(port, new Uint8Array(16).fill(42));
  const [err, socket] = await failed;
  assert.equal(err.code, 'ERR_SSL_WRONG_VERSION_NUMBER');
  assert.ok(socket instanceof glass.TLSSocket);
  server.close();
});

for (const [name, tls] of implementations) {
  test(`${name}: a TLSSocket's allowHalfOpen is its socket's, or the option's when it makes its own`, () => {
    const overNet = new tls.TLSSocket(new Socket(), { allowHalfOpen: true });
    const overHalfOpenNet = new tls.TLSSocket(new Socket({ allowHalfOpen: true }));
    const none = undefined as unknown as Socket; // both make their own socket (node's types leave that out)
    const own = new tls.TLSSocket(none, { allowHalfOpen: true });
    const ownDefault = new tls.TLSSocket(none);
    assert.deepEqual(
      [overNet, overHalfOpenNet, own, ownDefault].map((s) => s.allowHalfOpen),
      [false, true, true, false],
    );
    for (const s of [overNet, overHalfOpenNet, own, ownDefault]) s.destroy();
  });

  test(`${name} server: allowHalfOpen and pauseOnConnect are net.Server's, and each accepted socket's`, async () => {
    for (const flag of [false, true]) {
      const server = tls.createServer({ ...serverOptions, allowHalfOpen: flag, pauseOnConnect: flag });
      const net = server as unknown as { allowHalfOpen: boolean; pauseOnConnect: boolean };
      assert.deepEqual([net.allowHalfOpen, net.pauseOnConnect], [flag, flag]);
      const accepted = once(server, 'secureConnection') as Promise<[nodeTls.TLSSocket]>;
      const port = await listen(server);
      const client = (tls.connect as typeof nodeTls.connect)({ ...clientOptions, port });
      const [socket] = await accepted;
      assert.deepEqual([socket.allowHalfOpen, socket.isPaused()], [flag, flag]);
      // Paused or not, the server's socket ends when the client ends, and answers with its own end.
      socket.on('end', () => socket.end());
      client.end();
      await once(client, 'close');
      server.close();
    }
  });
}

for (const [name, tls] of implementations) {
  test(`${name} server with captureRejections: an async 'secureConnection' listener that rejects destroys its socket with that error`, async () => {
    EventEmitter.captureRejections = true; // as node's own test: servers made now capture rejections
    const server = tls.createServer(serverOptions);
    EventEmitter.captureRejections = false;
    const kaboom = new Error('kaboom');
    const destroyedWith = new Promise<unknown>((resolve) => {
      server.on('secureConnection', async (socket: nodeTls.TLSSocket) => {
        socket.on('error', resolve);
        throw kaboom;
      });
    });
    server.on('error', () => assert.fail('the rejection reached the server'));
    const port = await listen(server);
    const client = (tls.connect as typeof nodeTls.connect)({ ...clientOptions, port });
    client.on('error', () => {});
    assert.equal(await destroyedWith, kaboom);
    await once(client, 'close');
    server.close();
  });
}
