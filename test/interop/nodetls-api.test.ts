/**
 * The node:tls module API beyond connect/createServer (issue 14), over real sockets on 127.0.0.1
 * and, where cheap, compared with node:tls's answer to the same call.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import * as nodeTls from 'node:tls';
import tlsglass, {
  checkServerIdentity,
  connect,
  createSecureContext,
  createServer,
  DEFAULT_CIPHERS,
  DEFAULT_ECDH_CURVE,
  DEFAULT_MAX_VERSION,
  DEFAULT_MIN_VERSION,
  getCiphers,
  SecureContext,
  Server,
  type ConnectionOptions,
  type TLSSocket,
} from '../../src/index.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const serverOptions = { cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem };
const clientOptions = { host: '127.0.0.1', servername: 'localhost', ca: pki.ca.certPem };

/** Listens on an OS-chosen port; resolves with the port. */
async function listen(server: import('node:net').Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Connects, waits for secureConnect, returns the socket. */
async function connected(options: ConnectionOptions): Promise<TLSSocket> {
  const socket = connect(options);
  await once(socket, 'secureConnect');
  return socket;
}

test('module constants are node:tls values (ECDH curve, version defaults) or ours in its notation (ciphers)', () => {
  assert.equal(DEFAULT_MIN_VERSION, nodeTls.DEFAULT_MIN_VERSION);
  assert.equal(DEFAULT_MAX_VERSION, nodeTls.DEFAULT_MAX_VERSION);
  assert.equal(DEFAULT_ECDH_CURVE, nodeTls.DEFAULT_ECDH_CURVE);
  assert.match(DEFAULT_CIPHERS, /^TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-/);
  // getCiphers(): lower-case OpenSSL names, sorted, each one node's OpenSSL also knows.
  const ours = getCiphers();
  assert.deepEqual(ours, [...ours].sort());
  assert.ok(ours.includes('tls_aes_128_gcm_sha256') && ours.includes('ecdhe-rsa-chacha20-poly1305') && ours.includes('aes256-gcm-sha384'));
  const nodes = new Set(nodeTls.getCiphers());
  assert.deepEqual(ours.filter((c) => !nodes.has(c)), []);
  // The default export is the module object, as node:tls's.
  assert.equal(tlsglass.connect, connect);
  assert.equal(tlsglass.getCiphers, getCiphers);
});

test('checkServerIdentity is node:tls\'s, and works on our getPeerCertificate()', async () => {
  assert.equal(checkServerIdentity, nodeTls.checkServerIdentity);
  const server = createServer(serverOptions, (s) => s.end());
  const port = await listen(server);
  try {
    const socket = await connected({ ...clientOptions, port });
    const cert = socket.getPeerCertificate();
    assert.equal(checkServerIdentity('localhost', cert), undefined);
    assert.equal(checkServerIdentity('127.0.0.1', cert), undefined);
    const err = checkServerIdentity('example.com', cert) as Error & { code?: string };
    assert.equal(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    socket.destroy();
  } finally {
    server.close();
  }
});

test('DEFAULT_MIN_VERSION / DEFAULT_MAX_VERSION are read at connect()/createServer() time', async (t) => {
  t.after(() => {
    tlsglass.DEFAULT_MIN_VERSION = 'TLSv1.2';
    tlsglass.DEFAULT_MAX_VERSION = 'TLSv1.3';
  });
  tlsglass.DEFAULT_MAX_VERSION = 'TLSv1.2';
  assert.equal(tlsglass.DEFAULT_MAX_VERSION, 'TLSv1.2');
  assert.equal(DEFAULT_MAX_VERSION, 'TLSv1.2'); // the named export is a live binding
  const server12 = createServer(serverOptions, (s) => s.end()); // created under max 1.2
  tlsglass.DEFAULT_MAX_VERSION = 'TLSv1.3';
  const port12 = await listen(server12);
  try {
    const socket = await connected({ ...clientOptions, port: port12 });
    assert.equal(socket.getProtocol(), 'TLSv1.2');
    socket.destroy();
    // A client created under min 1.3 refuses that server; explicit options still win over the default.
    tlsglass.DEFAULT_MIN_VERSION = 'TLSv1.3';
    const refused = connect({ ...clientOptions, port: port12 });
    const [err] = (await once(refused, 'error')) as [Error & { code?: string }];
    assert.ok(err.code);
    const explicit = await connected({ ...clientOptions, port: port12, minVersion: 'TLSv1.2' });
    assert.equal(explicit.getProtocol(), 'TLSv1.2');
    explicit.destroy();
    // createSecureContext reads them too.
    const ctx = createSecureContext({ ca: pki.ca.certPem });
    tlsglass.DEFAULT_MIN_VERSION = 'TLSv1.2';
    const viaContext = connect({ host: '127.0.0.1', servername: 'localhost', port: port12, secureContext: ctx });
    await once(viaContext, 'error');
  } finally {
    server12.close();
  }
});

test('SecureContext is the class createSecureContext() instances belong to', () => {
  assert.ok(createSecureContext({ ca: pki.ca.certPem }) instanceof SecureContext);
  assert.equal(typeof (nodeTls as unknown as { SecureContext: unknown }).SecureContext, typeof SecureContext);
  assert.throws(() => connect({ ...clientOptions, port: 1, secureContext: nodeTls.createSecureContext() as unknown as SecureContext }), TypeError);
});

test('Server is callable without new, as node:tls.Server', async () => {
  let secured = false;
  const server = (Server as unknown as (o: object, l: (s: TLSSocket) => void) => Server)(serverOptions, (s) => {
    secured = true;
    s.end('hi');
  });
  assert.ok(server instanceof Server);
  assert.ok(new Server(serverOptions) instanceof Server);
  const viaNode = (nodeTls.Server as unknown as (o: object) => nodeTls.Server)({ cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem });
  assert.ok(viaNode instanceof nodeTls.Server);
  const port = await listen(server);
  try {
    const socket = await connected({ ...clientOptions, port });
    const [data] = (await once(socket, 'data')) as [Buffer];
    assert.equal(data.toString(), 'hi');
    assert.ok(secured);
    socket.destroy();
  } finally {
    server.close();
  }
});
