/**
 * The node:tls module API beyond connect/createServer (issue 14), over real sockets on 127.0.0.1
 * and, where cheap, compared with node:tls's answer to the same call.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
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

/** A session from a first connection (the 'session' event), with getSession() and getTLSTicket() read when it came. */
async function firstSession(port: number, maxVersion: 'TLSv1.2' | 'TLSv1.3'): Promise<{ session: Buffer; got: Buffer | undefined; ticket: Buffer | undefined }> {
  const socket = connect({ ...clientOptions, port, maxVersion });
  assert.equal(socket.getSession(), undefined);
  const result = await new Promise<{ session: Buffer; got: Buffer | undefined; ticket: Buffer | undefined }>((resolve) =>
    socket.once('session', (session: Buffer) => resolve({ session, got: socket.getSession(), ticket: socket.getTLSTicket() })),
  );
  socket.destroy();
  return result;
}

for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
  test(`${version}: getSession() is the 'session' event's blob, setSession() before the handshake resumes it, getTLSTicket() as node:tls`, async () => {
    const server = createServer(serverOptions, (s) => s.end());
    const port = await listen(server);
    try {
      const { session, got, ticket } = await firstSession(port, version);
      assert.deepEqual(got, session);
      // node:tls: the session's ticket (TLS 1.2: RFC 5077's; TLS 1.3: the PSK identity), which opens with our key name.
      assert.ok(ticket instanceof Buffer && ticket.length > 16);
      const again = connect({ ...clientOptions, port, maxVersion: version });
      again.setSession(session);
      await once(again, 'secureConnect');
      assert.equal(again.isSessionReused(), true);
      assert.throws(() => again.setSession(session), { code: 'ERR_INVALID_STATE' });
      again.destroy();
    } finally {
      server.close();
    }
  });
}

test('setServername() before the handshake sets the SNI; after it, or on a server, it throws', async () => {
  const names: (string | false)[] = [];
  const server = createServer(serverOptions, (s) => {
    names.push(s.servername);
    assert.throws(() => s.setServername('x'), { code: 'ERR_TLS_SNI_FROM_SERVER' });
    s.end();
  });
  const port = await listen(server);
  try {
    const socket = connect({ host: '127.0.0.1', port, ca: pki.ca.certPem });
    assert.throws(() => socket.setServername(5 as unknown as string), { code: 'ERR_INVALID_ARG_TYPE', message: 'The "name" argument must be of type string. Received type number (5)' });
    socket.setServername('localhost');
    await Promise.all([once(socket, 'secureConnect'), once(server, 'secureConnection')]);
    assert.equal(socket.servername, 'localhost');
    assert.throws(() => socket.setServername('other'), { code: 'ERR_INVALID_STATE' });
    socket.destroy();
    const plain = connect({ host: '127.0.0.1', port, ca: pki.ca.certPem });
    await Promise.all([once(plain, 'secureConnect'), once(server, 'secureConnection')]);
    plain.destroy();
    assert.deepEqual(names, ['localhost', false]);
  } finally {
    server.close();
  }
});

test('getCertificate() / getX509Certificate() are our own certificate, getPeerX509Certificate() the peer\'s, as node:tls', async () => {
  let serverSide: TLSSocket | undefined;
  const server = createServer({ ...serverOptions, ca: pki.ca.certPem, requestCert: true }, (s) => {
    serverSide = s;
    s.end();
  });
  const port = await listen(server);
  try {
    // node:tls's client, to compare shapes: what it sees of the server is what our server says of itself.
    const viaNode = nodeTls.connect({ ...clientOptions, port, cert: pki.clientEcdsa.certPem, key: pki.clientEcdsa.keyPem });
    await Promise.all([once(viaNode, 'secureConnect'), once(server, 'secureConnection')]);
    const nodeView = viaNode.getPeerCertificate();
    const ours = serverSide!.getCertificate() as nodeTls.PeerCertificate;
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(nodeView).sort());
    assert.equal(ours.fingerprint256, nodeView.fingerprint256);
    assert.deepEqual(ours.subject, nodeView.subject);
    assert.equal(serverSide!.getX509Certificate()?.fingerprint256, nodeView.fingerprint256);
    assert.equal(serverSide!.getPeerX509Certificate()?.fingerprint256, viaNode.getCertificate() && (viaNode.getCertificate() as nodeTls.PeerCertificate).fingerprint256);
    viaNode.destroy();

    // Our client with a certificate, then without one ({} and undefined, as node:tls).
    const withCert = await connected({ ...clientOptions, port, cert: pki.clientRsa.certPem, key: pki.clientRsa.keyPem });
    assert.equal((withCert.getCertificate() as nodeTls.PeerCertificate).subject.CN, 'tlsglass test client (RSA)');
    assert.equal(withCert.getX509Certificate()?.fingerprint256, (withCert.getCertificate() as nodeTls.PeerCertificate).fingerprint256);
    const peer = withCert.getPeerX509Certificate()!;
    assert.equal(peer.fingerprint256, withCert.getPeerCertificate().fingerprint256);
    // As node:tls: linked along the chain the server sent, which ends at the CA (its automatic chain from `ca`).
    assert.equal(peer.issuerCertificate?.fingerprint256, new X509Certificate(pki.ca.certPem).fingerprint256);
    assert.equal(peer.issuerCertificate?.issuerCertificate, undefined);
    withCert.destroy();
    const without = connect({ ...clientOptions, port });
    assert.deepEqual(without.getCertificate(), {});
    assert.equal(without.getX509Certificate(), undefined);
    without.on('error', () => {}); // the server requires a certificate
    await new Promise((resolve) => without.on('close', resolve));
    assert.deepEqual(without.getCertificate(), {});
  } finally {
    server.close();
  }
});

test('readyState and pending follow net.Socket, as node:tls', async () => {
  const server = createServer(serverOptions, (s) => s.end());
  const port = await listen(server);
  try {
    const states = async (open: (o: object) => nodeTls.TLSSocket | TLSSocket): Promise<unknown[]> => {
      const s = open({ ...clientOptions, port });
      const seen: unknown[] = [s.readyState, s.pending];
      await once(s, 'secureConnect');
      seen.push(s.readyState, s.pending);
      s.destroy();
      await once(s, 'close');
      seen.push(s.readyState);
      return seen;
    };
    const ours = await states((o) => connect(o));
    assert.deepEqual(ours, ['opening', true, 'open', false, 'closed']);
    assert.deepEqual(await states((o) => nodeTls.connect(o)), ours);
  } finally {
    server.close();
  }
});

/** The TLS records in `bytes`: [content type, length] of each. */
function records(bytes: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let at = 0; at + 5 <= bytes.length; at += 5 + bytes.readUInt16BE(at + 3)) out.push([bytes[at]!, bytes.readUInt16BE(at + 3)]);
  return out;
}

test('setMaxSendFragment() validates as node:tls and limits the records we send', async () => {
  const probe = new nodeTls.TLSSocket(undefined as unknown as import('node:net').Socket);
  const sizes = [511, 512, 16384, 16385];
  const wire: Buffer[] = [];
  const server = createServer(serverOptions, (s) => {
    s.on('data', () => {});
    s.on('end', () => s.end());
  });
  const raw = (await import('node:net')).createServer((socket) => {
    socket.on('data', (d: Buffer) => wire.push(d));
    server.emit('connection', socket);
  });
  const port = await listen(raw);
  try {
    const send = async (fragment: number | undefined): Promise<number> => {
      wire.length = 0;
      const s = await connected({ ...clientOptions, port, maxVersion: 'TLSv1.2' });
      if (fragment !== undefined) {
        assert.deepEqual(sizes.map((n) => s.setMaxSendFragment(n)), sizes.map((n) => probe.setMaxSendFragment(n)));
        assert.throws(() => s.setMaxSendFragment(1000.5), { code: 'ERR_OUT_OF_RANGE' });
        assert.throws(() => s.setMaxSendFragment('a' as unknown as number), { code: 'ERR_INVALID_ARG_TYPE' });
        assert.equal(s.setMaxSendFragment(fragment), true);
      }
      s.end(Buffer.alloc(5000, 1));
      await once(s, 'close');
      // Application data records: the last type-23 records (TLS 1.2: the Finished is type 22).
      const data = records(Buffer.concat(wire)).filter(([type]) => type === 23);
      return Math.max(...data.map(([, length]) => length));
    };
    const overhead = 8 + 16; // TLS 1.2 AES-GCM: explicit nonce and tag
    assert.equal(await send(undefined), 5000 + overhead);
    assert.equal(await send(512), 512 + overhead);
  } finally {
    raw.close();
    probe.destroy();
  }
});

test('connect({ timeout }) sets the idle timeout: socket.timeout and a \'timeout\' event, as node:tls', async () => {
  const server = createServer(serverOptions, () => {}); // sends nothing after the handshake
  const port = await listen(server);
  try {
    const socket = connect({ ...clientOptions, port, timeout: 50 });
    const viaNode = nodeTls.connect({ ...clientOptions, port, timeout: 50 });
    assert.equal(socket.timeout, 50);
    assert.equal(socket.timeout, viaNode.timeout);
    await Promise.all([once(socket, 'timeout'), once(viaNode, 'timeout')]);
    socket.destroy();
    viaNode.destroy();
  } finally {
    server.close();
  }
});

test('connect({ allowHalfOpen: true }) keeps writing after the server\'s close_notify', async () => {
  const received = new Promise<string>((resolve) => {
    const server = createServer(serverOptions, (s) => {
      let text = '';
      s.on('data', (d: Buffer) => (text += d.toString()));
      s.on('end', () => {
        resolve(text);
        server.close();
      });
      s.end(); // close_notify at once
    });
    void listen(server).then((port) => {
      const socket = connect({ ...clientOptions, port, allowHalfOpen: true });
      socket.on('data', () => {});
      socket.on('end', () => {
        assert.equal(socket.writable, true);
        socket.end('after the server closed');
      });
    });
  });
  assert.equal(await received, 'after the server closed');
});

test('connect({ signal }): aborting, before or during the handshake, destroys the socket with node\'s AbortError', async () => {
  const server = createServer(serverOptions, (s) => s.end());
  const port = await listen(server);
  try {
    const errorOf = (socket: nodeTls.TLSSocket | TLSSocket): Promise<Error & { code?: string }> =>
      new Promise((resolve) => socket.once('error', resolve));
    const preAborted = AbortSignal.abort();
    const ours = await errorOf(connect({ ...clientOptions, port, signal: preAborted }));
    const nodes = await errorOf(nodeTls.connect({ ...clientOptions, port, signal: preAborted } as nodeTls.ConnectionOptions));
    for (const err of [ours, nodes]) {
      assert.equal(err.name, 'AbortError');
      assert.equal(err.code, 'ABORT_ERR');
      assert.equal(err.message, 'The operation was aborted');
    }
    assert.equal(ours.cause, preAborted.reason);
    const controller = new AbortController();
    const socket = connect({ ...clientOptions, port, signal: controller.signal });
    const failed = errorOf(socket);
    controller.abort();
    assert.equal((await failed).code, 'ABORT_ERR');
    assert.equal(socket.destroyed, true);
  } finally {
    server.close();
  }
});

test('connect({ lookup }) resolves the host with the given function, as net.connect', async () => {
  const server = createServer(serverOptions, (s) => s.end());
  const port = await listen(server);
  try {
    const asked: string[] = [];
    const lookup = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void): void => {
      asked.push(hostname);
      if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    }) as unknown as import('node:net').LookupFunction;
    const socket = await connected({ host: 'tlsglass.invalid', servername: 'localhost', ca: pki.ca.certPem, port, lookup });
    assert.equal(socket.remoteAddress, '127.0.0.1');
    assert.deepEqual(asked, ['tlsglass.invalid']);
    socket.destroy();
  } finally {
    server.close();
  }
});
