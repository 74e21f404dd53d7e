/**
 * node:tls stream and error semantics (issue 14), over real sockets on 127.0.0.1, each compared
 * with what node:tls does in the same situation: 'end' on a socket nobody reads, 'close' with
 * hadError, servers without a certificate, a server-side TLSSocket over a secureContext, and the
 * codes and messages of the errors node:tls (OpenSSL) has words for.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as netCreateServer, connect as netConnect, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { test } from 'node:test';
import * as nodeTls from 'node:tls';
import { connect, createSecureContext, createServer, TLSSocket } from '../../src/index.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const serverOptions = { cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem };
const clientOptions = { host: '127.0.0.1', servername: 'localhost', ca: pki.ca.certPem };

async function listen(server: NetServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** An error event's code/message, or the thrown error's. */
function caught(fn: () => unknown): Error & { code?: string; reason?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  assert.fail('did not throw');
}

for (const [name, make] of [
  ['tlsglass', createServer],
  ['node:tls', nodeTls.createServer],
] as const) {
  test(`${name} server: a socket nobody reads still ends when the client closes, so server.close() completes`, async () => {
    const server = (make as typeof createServer)(serverOptions, () => {}); // never reads
    const port = await listen(server);
    const serverEnded = new Promise<void>((resolve) => server.once('secureConnection', (s: TLSSocket) => s.once('end', resolve)));
    const client = connect({ ...clientOptions, port });
    await once(client, 'secureConnect');
    client.end();
    await serverEnded;
    server.close();
    await once(server, 'close'); // waits for every connection to close
  });
}

test("'close' passes hadError = true after an error, false after a clean end (as net.Socket)", async () => {
  // A client that does not trust the server fails: 'error', then 'close' with true.
  const server = createServer(serverOptions, (s) => s.end());
  const port = await listen(server);
  try {
    const bad = connect({ port, host: '127.0.0.1', servername: 'localhost' }); // no ca: untrusted
    const [err] = await once(bad, 'error');
    assert.equal((err as { code?: string }).code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    const [hadError] = await once(bad, 'close');
    assert.equal(hadError, true);
    const good = connect({ ...clientOptions, port });
    good.resume();
    const [clean] = await once(good, 'close');
    assert.equal(clean, false);
  } finally {
    server.close();
  }
});

test('a server without a certificate is made; each handshake fails with tlsClientError, the client gets node:tls\'s handshake_failure error', async () => {
  const server = createServer({}, () => assert.fail('no handshake can complete'));
  const port = await listen(server);
  try {
    const clientError = once(server, 'tlsClientError');
    const client = nodeTls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    const [err] = await once(client, 'error');
    // What a node:tls client says when a node:tls server has no certificate either.
    assert.equal((err as { code?: string }).code, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
    const [serverErr] = await clientError;
    assert.equal(serverErr.code, 'ERR_SSL_NO_SHARED_CIPHER');
    assert.match(serverErr.message, /no shared cipher/);
    // And our client, told by the server's alert: node:tls's code and message for a received alert.
    const ours = connect({ ...clientOptions, port });
    const [oursErr] = await once(ours, 'error');
    assert.equal(oursErr.code, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
    assert.match(oursErr.message, /sslv3 alert handshake failure/);
  } finally {
    server.close();
  }
});

test('server-side new TLSSocket(socket, { isServer: true, secureContext }) serves that context', async () => {
  const secureContext = createSecureContext(serverOptions);
  const server = netCreateServer((raw: Socket) => {
    const tls = new TLSSocket(raw, { isServer: true, secureContext });
    tls.on('secure', () => tls.end('hello'));
  });
  const port = await listen(server);
  try {
    const client = nodeTls.connect({ ...clientOptions, port });
    await once(client, 'secureConnect');
    assert.equal(client.authorized, true);
    assert.equal(client.getPeerCertificate().subject.CN, 'localhost');
    let text = '';
    client.setEncoding('utf8').on('data', (d: string) => (text += d));
    await once(client, 'end');
    assert.equal(text, 'hello');
  } finally {
    server.close();
  }
});

test("a key that is not the certificate's: node:tls's code and message", () => {
  const options = { cert: pki.serverRsa.certPem, key: pki.clientRsa.keyPem };
  const theirs = caught(() => nodeTls.createSecureContext(options));
  const ours = caught(() => createSecureContext(options));
  assert.equal(ours.code, theirs.code);
  assert.equal(ours.message, theirs.message);
  assert.equal(String(ours), String(theirs)); // "Error: error:05800074:x509 certificate routines::key values mismatch"
  assert.match(ours.reason ?? '', /does not match the certificate/); // ours, saying more
});

test("an untrusted server certificate: node:tls's code and message", async () => {
  const server = createServer(serverOptions, (s) => s.end());
  const port = await listen(server);
  try {
    const failure = async (c: nodeTls.TLSSocket | TLSSocket): Promise<Error & { code?: string }> => (await once(c, 'error'))[0];
    const theirs = await failure(nodeTls.connect({ port, host: '127.0.0.1', servername: 'localhost' }));
    const ours = await failure(connect({ port, host: '127.0.0.1', servername: 'localhost' }));
    assert.equal(ours.code, theirs.code);
    assert.equal(ours.message, theirs.message); // 'unable to verify the first certificate'
  } finally {
    server.close();
  }
});

test("a client gone before the handshake: the server's tlsClientError is node:tls's ECONNRESET 'socket hang up'", async () => {
  for (const make of [createServer, nodeTls.createServer] as const) {
    const server = (make as typeof createServer)(serverOptions, () => assert.fail('no handshake'));
    const port = await listen(server);
    const clientError = once(server, 'tlsClientError');
    const raw = netConnect(port, '127.0.0.1', () => raw.destroy());
    const [err] = await clientError;
    assert.equal(err.code, 'ECONNRESET');
    assert.equal(err.message, 'socket hang up');
    server.close();
  }
});

test('new TLSSocket(undefined, { signal }) makes its own socket; an abort destroys it with ABORT_ERR', async () => {
  const controller = new AbortController();
  const socket = new TLSSocket(undefined, { signal: controller.signal });
  assert.equal(socket.connecting, false);
  controller.abort();
  const [err] = await once(socket, 'error');
  assert.equal(err.code, 'ABORT_ERR');
  assert.equal(socket.destroyed, true);
});

test("a client whose server hangs up before the handshake: node:tls's ECONNRESET, saying where it connected", async () => {
  const server = netCreateServer((c) => c.end());
  const port = await listen(server);
  try {
    for (const dial of [nodeTls.connect, connect] as const) {
      const client = (dial as typeof connect)(port, '127.0.0.1');
      const [err] = await once(client, 'error');
      assert.equal(err.code, 'ECONNRESET');
      assert.equal(err.message, 'Client network socket disconnected before secure TLS connection was established');
      assert.deepEqual([err.host, err.port, err.path, err.localAddress], ['127.0.0.1', port, undefined, undefined]);
    }
    // Its own socket, connected after connect(): the handshake waits for it; the error names nothing.
    for (const dial of [nodeTls.connect, connect] as const) {
      const { Socket: NetSocket } = await import('node:net');
      const raw = new NetSocket();
      const client = (dial as typeof connect)({ socket: raw });
      raw.connect(port, '127.0.0.1');
      const [err] = await once(client, 'error');
      assert.equal(err.code, 'ECONNRESET');
      assert.deepEqual([err.host, err.port, err.path, err.localAddress], [undefined, undefined, undefined, undefined]);
    }
  } finally {
    server.close();
  }
});

test('a key given as { pem, passphrase } (node:tls), and one with the wrong passphrase refused when the context is made, as node:tls words it', async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const encrypted = privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'sesame' }) as string;
  const decrypted = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  // Our certificate's key is the server's; check only that the entry form is read with its own passphrase.
  const server = { cert: pki.serverEcdsa.certPem, key: [{ pem: pki.serverEcdsa.keyPem }] };
  assert.doesNotThrow(() => createSecureContext(server));
  const wrongPassphrase = caught(() => createSecureContext({ key: [{ pem: encrypted, passphrase: 'wrong' }], cert: pki.serverEcdsa.certPem }));
  assert.equal(wrongPassphrase.code, 'ERR_OSSL_BAD_DECRYPT');
  assert.equal(wrongPassphrase.message, 'error:1C800064:Provider routines::bad decrypt'); // node:tls's words
  // With its passphrase the key loads and is then (rightly) not the certificate's key.
  const mismatch = caught(() => createSecureContext({ key: [{ pem: encrypted, passphrase: 'sesame' }], cert: pki.serverEcdsa.certPem }));
  assert.equal(mismatch.code, 'ERR_OSSL_X509_KEY_VALUES_MISMATCH');
  assert.equal(caught(() => nodeTls.createSecureContext({ key: decrypted, cert: pki.serverEcdsa.certPem })).code, mismatch.code);
});

test('argument and state errors as node:tls gives them', async () => {
  const { EventEmitter } = await import('node:events');
  for (const make of [(s: unknown) => new TLSSocket(s as Socket), (s: unknown) => new nodeTls.TLSSocket(s as Socket)]) {
    assert.throws(() => make(new EventEmitter()), TypeError);
  }
  const SNICallback = 'not a function' as unknown as undefined;
  for (const make of [createServer, nodeTls.createServer] as const) {
    assert.throws(() => (make as typeof createServer)({ SNICallback }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  }
  const { Socket: NetSocket } = await import('node:net');
  assert.throws(() => new TLSSocket(new NetSocket(), { isServer: true, SNICallback } as object), { code: 'ERR_INVALID_ARG_TYPE' });
  const tlsglass = (await import('../../src/index.js')).default as { rootCertificates: readonly string[] };
  assert.throws(() => {
    'use strict';
    tlsglass.rootCertificates = [];
  }, TypeError);
  // Before the handshake: exportKeyingMaterial is ERR_TLS_INVALID_STATE, with node:tls's message.
  const socket = new TLSSocket(undefined, {});
  assert.throws(() => socket.exportKeyingMaterial(32, 'label'), { code: 'ERR_TLS_INVALID_STATE', message: 'TLS socket connection must be securely established' });
  assert.throws(() => socket.exportKeyingMaterial(32, 'label', 'context' as unknown as Uint8Array), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => socket.setMaxSendFragment(2 ** 31), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  socket.destroy();
});

test('an IP address as servername: node:tls\'s DEP0123 warning, once', async () => {
  const server = createServer(serverOptions, (s) => s.end());
  const port = await listen(server);
  try {
    const warnings: (Error & { code?: string })[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    for (let i = 0; i < 2; i++) {
      const client = connect({ port, host: '127.0.0.1', servername: '127.0.0.1', ca: pki.ca.certPem });
      client.resume();
      await once(client, 'close');
    }
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    assert.deepEqual(warnings.map((w) => [w.name, w.code]), [['DeprecationWarning', 'DEP0123']]);
  } finally {
    server.close();
  }
});

test("the context SNI chooses brings its ca: a client certificate is checked against it (as node:tls's addContext)", async () => {
  const { createCertificateAuthority, issueCertificate } = await import('../../src/node/issue.js');
  const otherCa = createCertificateAuthority({ commonName: 'other CA', keyType: 'ec' });
  const client = issueCertificate({ issuer: otherCa, commonName: 'client', keyType: 'ec', extKeyUsage: ['clientAuth'] });
  for (const make of [createServer, nodeTls.createServer] as const) {
    const authorized: boolean[] = [];
    const server = (make as typeof createServer)({ ...serverOptions, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: false }, (s) => {
      authorized.push(s.authorized);
      s.end();
    });
    server.addContext('other.test', { ...serverOptions, ca: otherCa.certPem });
    const port = await listen(server);
    for (const servername of ['other.test', 'localhost']) {
      const c = nodeTls.connect({ port, host: '127.0.0.1', servername, rejectUnauthorized: false, cert: client.certPem, key: client.keyPem });
      c.resume();
      await once(c, 'close');
    }
    server.close();
    assert.deepEqual(authorized, [true, false]);
  }
});

test("getSharedSigalgs() on the server: node:tls's answer for the same client and server lists", async () => {
  const answers: string[][] = [];
  for (const make of [createServer, nodeTls.createServer] as const) {
    let shared: string[] = [];
    const server = (make as typeof createServer)({ ...serverOptions, sigalgs: 'RSA-PSS+SHA256:ECDSA+SHA256' }, (s) => {
      shared = s.getSharedSigalgs();
      s.end();
    });
    const port = await listen(server);
    const client = nodeTls.connect({ ...clientOptions, port, sigalgs: 'RSA-PSS+SHA256:RSA-PSS+SHA512:ECDSA+SHA256' });
    client.resume();
    await once(client, 'close');
    server.close();
    answers.push(shared);
  }
  assert.deepEqual(answers[0], ['RSA-PSS+SHA256', 'ECDSA+SHA256']);
  assert.deepEqual(answers[0], answers[1]);
});

test('a server whose cert is only the leaf sends the issuers it finds in ca, as node:tls (OpenSSL\'s automatic chain)', async () => {
  const { createCertificateAuthority, issueCertificate } = await import('../../src/node/issue.js');
  const root = createCertificateAuthority({ commonName: 'chain root', keyType: 'ec' });
  const intermediate = createCertificateAuthority({ commonName: 'chain intermediate', keyType: 'ec', issuer: root });
  const leaf = issueCertificate({ issuer: intermediate, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ec' });
  const sent: string[][] = [];
  for (const make of [createServer, nodeTls.createServer] as const) {
    const server = (make as typeof createServer)({ cert: leaf.certPem, key: leaf.keyPem, ca: [root.certPem, intermediate.certPem] }, (s) => s.end());
    const port = await listen(server);
    // The client trusts the root only: it needs the intermediate from the server.
    const client = nodeTls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: root.certPem });
    await once(client, 'secureConnect');
    assert.equal(client.authorized, true);
    const names: string[] = [];
    for (let c = client.getPeerCertificate(true); c && names.length < 5; c = c.issuerCertificate === c ? (undefined as never) : c.issuerCertificate) names.push(String(c.subject.CN));
    sent.push(names);
    client.destroy();
    server.close();
  }
  assert.deepEqual(sent[0], ['localhost', 'chain intermediate', 'chain root']);
  assert.deepEqual(sent[0], sent[1]);
});

test("ERR_INVALID_ARG_TYPE and ERR_OUT_OF_RANGE worded as node:tls's", async () => {
  const ours = new TLSSocket(undefined, {});
  const theirs = new nodeTls.TLSSocket(undefined as unknown as Socket);
  try {
    for (const value of [undefined, null, {}, 42, true, () => {}]) {
      assert.equal(caught(() => ours.setServername(value as string)).message, caught(() => (theirs as unknown as TLSSocket).setServername(value as string)).message);
    }
    const tooShort = caught(() => ours.exportKeyingMaterial(-3, 'label'));
    assert.deepEqual([tooShort.name, tooShort.code], ['RangeError', 'ERR_OUT_OF_RANGE']);
  } finally {
    ours.destroy();
    theirs.destroy();
  }
});

test("getPeerX509Certificate() links issuerCertificate along the chain the peer sent, and a server's setServername() is node:tls's ERR_TLS_SNI_FROM_SERVER", async () => {
  // With `ca`, the server sends leaf + CA (automatic chain), so the leaf has an issuer to link to.
  const server = createServer({ ...serverOptions, ca: pki.ca.certPem }, (s) => {
    assert.throws(() => s.setServername('x'), { code: 'ERR_TLS_SNI_FROM_SERVER', message: 'Cannot issue SNI from a TLS server-side socket' });
    s.end();
  });
  const port = await listen(server);
  try {
    const client = connect({ ...clientOptions, port });
    await once(client, 'secureConnect');
    const leaf = client.getPeerX509Certificate()!;
    assert.match(leaf.subject, /CN=localhost/);
    assert.ok(leaf.issuerCertificate instanceof (await import('node:crypto')).X509Certificate);
    assert.equal(leaf.issuerCertificate.subject, new (await import('node:crypto')).X509Certificate(pki.ca.certPem).subject);
    assert.equal(leaf.issuerCertificate.issuerCertificate, undefined); // the chain sent ends there
    client.resume();
    await once(client, 'close');
  } finally {
    server.close();
  }
});
