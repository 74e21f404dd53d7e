/**
 * Where tlsglass is deliberately stricter than node:tls (docs/node-tls-deviations.md): each
 * deviation side by side with node:tls doing the same thing over real sockets on 127.0.0.1, and
 * the option that relaxes it where there is one.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import * as nodeTls from 'node:tls';
import { checkServerIdentity, connect, createSecureContext, createServer, TLSSocket } from '../../src/index.js';
import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';

/** A node:tls server with `cert`/`key`, serving one connection after another. */
async function nodeServer(t: { after(fn: () => void): void }, options: nodeTls.TlsOptions): Promise<number> {
  const server = nodeTls.createServer(options, (s) => s.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
}

/** 'secureConnect' → 'ok', else the error's code. */
async function outcome(socket: TLSSocket | nodeTls.TLSSocket): Promise<string> {
  const result = await new Promise<string>((resolve) => {
    socket.once('secureConnect', () => resolve('ok'));
    socket.once('error', (e: Error & { code?: string }) => resolve(e.code ?? String(e)));
  });
  socket.destroy();
  return result;
}

const ca = createCertificateAuthority({ commonName: 'deviation CA', keyType: 'ec' });

test('no subject-CN fallback: a certificate without a DNS name is refused; checkServerIdentity: tls.checkServerIdentity gives node:tls\'s CN fallback', async (t) => {
  const cnOnly = issueCertificate({ issuer: ca, commonName: 'localhost', keyType: 'ec' }); // no subjectAltName
  const port = await nodeServer(t, { cert: cnOnly.certPem, key: cnOnly.keyPem });
  const options = { port, host: '127.0.0.1', servername: 'localhost', ca: ca.certPem };
  assert.equal(await outcome(nodeTls.connect(options)), 'ok'); // node:tls falls back to the CN
  assert.equal(await outcome(connect(options)), 'ERR_TLS_CERT_ALTNAME_INVALID');
  const nodeCheck = checkServerIdentity as (host: string, cert: unknown) => Error | undefined;
  assert.equal(await outcome(connect({ ...options, checkServerIdentity: nodeCheck })), 'ok');
});

test('RSA keys under 2048 bits are refused, ours when the context is made and the peer\'s when it is verified', async (t) => {
  const weakCa = createCertificateAuthority({ commonName: 'weak CA', keyType: 'rsa', rsaBits: 1024 });
  const leaf = issueCertificate({ issuer: weakCa, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ec' });
  const port = await nodeServer(t, { cert: leaf.certPem, key: leaf.keyPem });
  const options = { port, host: '127.0.0.1', servername: 'localhost', ca: weakCa.certPem };
  assert.equal(await outcome(nodeTls.connect(options)), 'ok'); // OpenSSL's default level 1 takes 1024-bit RSA
  assert.equal(await outcome(connect(options)), 'CA_KEY_TOO_SMALL');
  const weakLeaf = issueCertificate({ issuer: ca, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'rsa', rsaBits: 1024 });
  assert.doesNotThrow(() => nodeTls.createSecureContext({ cert: weakLeaf.certPem, key: weakLeaf.keyPem }));
  assert.throws(() => createSecureContext({ cert: weakLeaf.certPem, key: weakLeaf.keyPem }), /1024 bits refused/);
});

test("a client TLSSocket made by hand with rejectUnauthorized: true refuses an untrusted server (node:tls's only reports it)", async (t) => {
  const leaf = issueCertificate({ issuer: ca, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ec' });
  const port = await nodeServer(t, { cert: leaf.certPem, key: leaf.keyPem });
  const handMade = async (make: (raw: import('node:net').Socket) => TLSSocket | nodeTls.TLSSocket): Promise<string> => {
    const raw = netConnect(port, '127.0.0.1');
    await once(raw, 'connect');
    const socket = make(raw);
    socket.write('');
    return new Promise<string>((resolve) => {
      socket.once('secure', () => resolve(`secure, verifyError ${(socket as unknown as { ssl: { verifyError(): { code: string } | null } }).ssl.verifyError()?.code}`));
      socket.once('error', (e: Error & { code?: string }) => resolve(`error ${e.code}`));
    }).finally(() => socket.destroy());
  };
  const options = { rejectUnauthorized: true, servername: 'localhost' }; // no ca: the server's CA is unknown
  assert.equal(await handMade((raw) => new nodeTls.TLSSocket(raw, options as nodeTls.TLSSocketOptions)), 'secure, verifyError UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  assert.equal(await handMade((raw) => new TLSSocket(raw, options)), 'error UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  // Without the option, both only report it, as node:tls.
  assert.equal(await handMade((raw) => new TLSSocket(raw, { servername: 'localhost' })), 'secure, verifyError UNABLE_TO_VERIFY_LEAF_SIGNATURE');
});

test('SHA-1 certificate signatures: refused as node:tls refuses them (OpenSSL 3), so not a deviation', async (t) => {
  const sha1Leaf = issueCertificate({ issuer: ca, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ec', hash: 'sha1' });
  assert.throws(() => nodeTls.createSecureContext({ cert: sha1Leaf.certPem, key: sha1Leaf.keyPem }), /ca md too weak/);
  const server = createServer({ cert: sha1Leaf.certPem, key: sha1Leaf.keyPem }, (s) => s.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  assert.equal(await outcome(connect({ port, host: '127.0.0.1', servername: 'localhost', ca: ca.certPem })), 'CA_MD_TOO_WEAK');
});

test('TLS 1.0/1.1, CBC suites, custom dhparam and renegotiation do not exist here', () => {
  assert.throws(() => createSecureContext({ minVersion: 'TLSv1' as 'TLSv1.2' }), { code: 'ERR_TLS_INVALID_PROTOCOL_VERSION' });
  assert.doesNotThrow(() => nodeTls.createSecureContext({ minVersion: 'TLSv1' }));
  assert.throws(() => createSecureContext({ ciphers: 'AES128-SHA' }), { code: 'ERR_SSL_NO_CIPHER_MATCH' });
  assert.doesNotThrow(() => nodeTls.createSecureContext({ ciphers: 'AES128-SHA' }));
  assert.throws(() => createSecureContext({ dhparam: '-----BEGIN DH PARAMETERS-----\n' as 'auto' }), { code: 'ERR_TLSGLASS_DHPARAM', message: /RFC 7919/ });
  assert.doesNotThrow(() => createSecureContext({ dhparam: 'auto' }));
  assert.doesNotThrow(() => createSecureContext({ dhparam: null })); // null is none, as node:tls (test-tls-connect-secure-context)
  const server = createServer({});
  assert.equal('renegotiate' in server, false);
  server.close();
});
