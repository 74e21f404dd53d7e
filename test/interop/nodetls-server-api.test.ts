/**
 * The rest of node:tls's Server and of the net.Socket surface a TLSSocket offers (issue 14):
 * setSecureContext, getTicketKeys/setTicketKeys across two servers, sessionTimeout, and the
 * socket methods libraries call (setNoDelay, setKeepAlive, setTimeout, ref/unref, address,
 * remoteAddress/remotePort, bytesRead/bytesWritten, connecting). Real sockets on 127.0.0.1,
 * node:tls clients where the peer's view matters.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import * as nodeTls from 'node:tls';
import { connect, createServer, type Server, type TLSSocket } from '../../src/index.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const rsa = { cert: pki.serverRsa.certPem, key: pki.serverRsa.keyPem };
const ec = { cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem };
const clientOptions = { host: '127.0.0.1', servername: 'localhost', ca: pki.ca.certPem };

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A node:tls client's view of one handshake: the key type of the certificate and whether it resumed. */
async function handshake(port: number, options: nodeTls.ConnectionOptions = {}): Promise<{ keyType: string | undefined; reused: boolean; session: Buffer | undefined }> {
  const socket = nodeTls.connect({ ...clientOptions, port, ...options });
  let session: Buffer | undefined;
  socket.on('session', (s: Buffer) => (session = s));
  await once(socket, 'secureConnect');
  // A resumed node:tls client has no peer certificate (with a node:tls server as well).
  const keyType = socket.getPeerX509Certificate()?.publicKey.asymmetricKeyType;
  const reused = socket.isSessionReused();
  socket.on('data', () => {});
  await once(socket, 'close');
  return { keyType, reused, session };
}

test('setSecureContext: new connections get the new certificate, as node:tls', async () => {
  const server = createServer(rsa, (s) => s.end());
  const port = await listen(server);
  try {
    assert.equal((await handshake(port)).keyType, 'rsa');
    server.setSecureContext(ec);
    assert.equal((await handshake(port)).keyType, 'ec');
  } finally {
    server.close();
  }
});

test('getTicketKeys/setTicketKeys: a TLS 1.2 ticket from one server resumes on another given the same 48 bytes', async () => {
  const a = createServer(rsa, (s) => s.end());
  const b = createServer(rsa, (s) => s.end());
  const [portA, portB] = [await listen(a), await listen(b)];
  try {
    const keys = a.getTicketKeys();
    assert.equal(keys.length, 48);
    assert.notDeepEqual(b.getTicketKeys(), keys, 'each server makes its own keys');
    const first = await handshake(portA, { maxVersion: 'TLSv1.2' });
    assert.ok(first.session);
    assert.equal((await handshake(portB, { maxVersion: 'TLSv1.2', session: first.session })).reused, false, 'other keys: a full handshake');
    b.setTicketKeys(keys);
    assert.deepEqual(b.getTicketKeys(), keys);
    assert.equal((await handshake(portB, { maxVersion: 'TLSv1.2', session: first.session })).reused, true, 'same keys: resumed');
    assert.throws(() => b.setTicketKeys(Buffer.alloc(47)));
  } finally {
    a.close();
    b.close();
  }
});

test('sessionTimeout: 0 seconds means no session resumes (TLS 1.2 and 1.3)', async () => {
  for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
    const server = createServer({ ...rsa, sessionTimeout: 0 }, (s) => s.end());
    const port = await listen(server);
    try {
      const first = await handshake(port, { maxVersion });
      if (first.session) assert.equal((await handshake(port, { maxVersion, session: first.session })).reused, false, maxVersion);
    } finally {
      server.close();
    }
  }
});

test('a TLSSocket is a net.Socket in the ways libraries use one', async () => {
  const server = createServer(rsa, (s) => s.on('data', (d: Buffer) => s.write(d)));
  const port = await listen(server);
  const socket = connect({ ...clientOptions, port });
  assert.equal(socket.connecting, true);
  const [[serverSide]] = (await Promise.all([once(server, 'secureConnection'), once(socket, 'secureConnect')])) as [[TLSSocket], unknown[]];
  try {
    assert.equal(socket.connecting, false);
    // Chaining, as net.Socket's methods return the socket.
    assert.equal(socket.setNoDelay(true), socket);
    assert.equal(socket.setKeepAlive(true, 1000), socket);
    assert.equal(socket.ref(), socket);
    assert.equal(socket.unref(), socket);
    socket.ref();
    // Addresses: ours and the peer's, each side's view matching the other's.
    const local = socket.address() as AddressInfo;
    assert.equal(local.address, '127.0.0.1');
    assert.equal(socket.remoteAddress, '127.0.0.1');
    assert.equal(socket.remotePort, port);
    assert.equal(socket.localPort, local.port);
    assert.equal(serverSide.remotePort, local.port);
    // Byte counters count the TLS bytes on the wire, so they grow with each echo.
    const before = { read: socket.bytesRead, written: socket.bytesWritten };
    assert.ok(before.read > 0 && before.written > 0, 'the handshake counted');
    socket.write('ping');
    const [echo] = (await once(socket, 'data')) as [Buffer];
    assert.equal(echo.toString(), 'ping');
    assert.ok(socket.bytesWritten > before.written && socket.bytesRead > before.read);
    // setTimeout: 'timeout' after the idle time, the callback once; the socket stays open (as net).
    let called = 0;
    socket.setTimeout(50, () => called++);
    await once(socket, 'timeout');
    assert.equal(called, 1);
    assert.equal(socket.destroyed, false);
    socket.setTimeout(0);
  } finally {
    socket.destroy();
    server.close();
  }
});
