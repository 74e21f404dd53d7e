/**
 * node:tls's `crl` option (issue 14): certificate revocation lists made by `openssl ca -gencrl`,
 * given to tlsglass and to node:tls alike, with the same outcome expected from both. node:tls
 * (OpenSSL with CRL_CHECK | CRL_CHECK_ALL) needs a CRL for every certificate of the path, the
 * root included, so the good case gives the intermediate's CRL and the root's.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { after, test } from 'node:test';
import * as nodeTls from 'node:tls';
import { connect, createSecureContext, createServer } from '../../src/index.js';
import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';
import { CrlAuthority, crlPki } from '../helpers/crl.js';
import { peerMissing } from '../helpers/peers.js';

const missing = peerMissing('openssl');
const pki = crlPki();
const authorities = [pki.root, pki.intermediate, pki.impostor].map((ca) => new CrlAuthority(ca));
const [rootCa, intCa, impostorCa] = authorities as [CrlAuthority, CrlAuthority, CrlAuthority];
after(() => authorities.forEach((a) => a.dispose()));

interface Crls {
  root: string;
  int: string;
  intRevoked: string;
  intExpired: string;
  intFuture: string;
  impostor: string;
  impostorKeyId: string;
  rootRevokingInt: string;
  intScoped: string;
}

/** Made once: the revocations are recorded in the authorities' databases, so order matters. */
function makeCrls(): Crls {
  const root = rootCa.crl();
  const int = intCa.crl();
  const intExpired = intCa.crl({ lastUpdate: '20200101000000Z', nextUpdate: '20200201000000Z' });
  const intFuture = intCa.crl({ lastUpdate: '20990101000000Z', nextUpdate: '20990201000000Z' });
  const impostor = impostorCa.crl({ keyId: false });
  const impostorKeyId = impostorCa.crl();
  const intScoped = intCa.crl({ scoped: true });
  intCa.revoke(pki.server);
  intCa.revoke(pki.client, 'superseded');
  const intRevoked = intCa.crl();
  rootCa.revoke(pki.intermediate, 'cACompromise');
  const rootRevokingInt = rootCa.crl();
  return { root, int, intRevoked, intExpired, intFuture, impostor, impostorKeyId, rootRevokingInt, intScoped };
}
const crls = missing ? undefined : makeCrls();

const chain = pki.server.certPem + pki.intermediate.certPem;
const serverOptions = { cert: chain, key: pki.server.keyPem };

async function listen(server: NetServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** 'OK' or the error code a client sees connecting to `port` with `crl`. */
async function clientOutcome(which: 'node:tls' | 'tlsglass', port: number, crl: readonly string[]): Promise<string> {
  const options = { host: '127.0.0.1', servername: 'localhost', port, ca: pki.root.certPem, crl: [...crl] };
  const socket = which === 'node:tls' ? nodeTls.connect(options) : connect(options);
  try {
    await once(socket, 'secureConnect');
    return 'OK';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  } finally {
    socket.destroy();
  }
}

async function withServer<T>(server: NetServer, run: (port: number) => Promise<T>): Promise<T> {
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  try {
    return await run(port);
  } finally {
    server.close();
  }
}

const clientCases: [string, (c: Crls) => string[], string][] = [
  ['the intermediate\'s and the root\'s current CRLs, nothing revoked: accepted', (c) => [c.int, c.root], 'OK'],
  ['the server certificate revoked: CERT_REVOKED', (c) => [c.intRevoked, c.root], 'CERT_REVOKED'],
  ['the intermediate revoked by the root: CERT_REVOKED', (c) => [c.int, c.rootRevokingInt], 'CERT_REVOKED'],
  ['the intermediate\'s CRL past its nextUpdate: CRL_HAS_EXPIRED', (c) => [c.intExpired, c.root], 'CRL_HAS_EXPIRED'],
  ['the intermediate\'s CRL not yet valid: CRL_NOT_YET_VALID', (c) => [c.intFuture, c.root], 'CRL_NOT_YET_VALID'],
  ['a CRL in the intermediate\'s name signed by another key: CRL_SIGNATURE_FAILURE', (c) => [c.impostor, c.root], 'CRL_SIGNATURE_FAILURE'],
  ['the same with the other key\'s authorityKeyIdentifier: not the intermediate\'s CRL, UNABLE_TO_GET_CRL', (c) => [c.impostorKeyId, c.root], 'UNABLE_TO_GET_CRL'],
  ['a CRL for the root only, none from the leaf\'s issuer: UNABLE_TO_GET_CRL', (c) => [c.root], 'UNABLE_TO_GET_CRL'],
  ['the intermediate\'s CRL only (CRL_CHECK_ALL: the root level needs one too): UNABLE_TO_GET_CRL', (c) => [c.int], 'UNABLE_TO_GET_CRL'],
  ['the intermediate\'s only CRL scoped by a critical issuingDistributionPoint the leaf is not in: UNABLE_TO_GET_CRL', (c) => [c.intScoped, c.root], 'UNABLE_TO_GET_CRL'],
  ['revoked leaf but no CRL from the root for the intermediate (the last error found wins): UNABLE_TO_GET_CRL', (c) => [c.intRevoked], 'UNABLE_TO_GET_CRL'],
];

for (const [name, pick, expected] of clientCases) {
  test(`crl, client side: ${name}; node:tls the same`, { skip: missing }, async () => {
    const outcomes = await withServer(createServer(serverOptions, (s) => s.end()), async (port) => ({
      tlsglass: await clientOutcome('tlsglass', port, pick(crls!)),
      node: await clientOutcome('node:tls', port, pick(crls!)),
    }));
    assert.deepEqual(outcomes, { tlsglass: expected, node: expected });
  });
}

test('crl from a CA whose keyUsage lacks cRLSign: refused; node:tls reports OpenSSL\'s KEYUSAGE_NO_CRL_SIGN as code UNSPECIFIED, and so do we', { skip: missing }, async () => {
  const root = createCertificateAuthority({ commonName: 'tlsglass CRL test root without cRLSign', keyType: 'ec', keyUsage: ['keyCertSign'] });
  const leaf = issueCertificate({ issuer: root, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ec' });
  const authority = new CrlAuthority(root);
  const crl = authority.crl();
  authority.dispose();
  const messages = await withServer(createServer({ cert: leaf.certPem, key: leaf.keyPem }, (s) => s.end()), async (port) => {
    const seen: Record<string, string> = {};
    for (const which of ['node:tls', 'tlsglass'] as const) {
      const options = { host: '127.0.0.1', servername: 'localhost', port, ca: root.certPem, crl };
      const socket = which === 'node:tls' ? nodeTls.connect(options) : connect(options);
      const [err] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
      seen[which] = `${err.code}: ${err.message}`;
      socket.destroy();
    }
    return seen;
  });
  assert.deepEqual(messages, { 'node:tls': 'UNSPECIFIED: key usage does not include CRL signing', tlsglass: 'UNSPECIFIED: key usage does not include CRL signing' });
});

/** What a server with `crl` (and requestCert) says of the client certificate: its authorizationError code, or 'OK'. */
async function serverVerdict(which: 'node:tls' | 'tlsglass', crl: readonly string[]): Promise<string> {
  const options = { ...serverOptions, ca: pki.root.certPem, crl: [...crl], requestCert: true, rejectUnauthorized: false };
  let verdict: string | undefined;
  const handler = (s: nodeTls.TLSSocket): void => {
    verdict = s.authorized ? 'OK' : String((s.authorizationError as NodeJS.ErrnoException | undefined)?.code ?? s.authorizationError);
    s.end();
  };
  const server = (which === 'node:tls' ? nodeTls.createServer(options, handler) : createServer(options, handler as never)) as NetServer;
  await withServer(server, async (port) => {
    const socket = nodeTls.connect({ host: '127.0.0.1', servername: 'localhost', port, ca: pki.root.certPem, cert: pki.client.certPem + pki.intermediate.certPem, key: pki.client.keyPem });
    socket.resume();
    await once(socket, 'close');
  });
  return verdict ?? 'no connection';
}

const serverCases: [string, (c: Crls) => string[], string][] = [
  ['current CRLs, nothing revoked: authorized', (c) => [c.int, c.root], 'OK'],
  ['the client certificate revoked: CERT_REVOKED', (c) => [c.intRevoked, c.root], 'CERT_REVOKED'],
  ['no CRL from the client certificate\'s issuer: UNABLE_TO_GET_CRL', (c) => [c.root], 'UNABLE_TO_GET_CRL'],
];

for (const [name, pick, expected] of serverCases) {
  test(`crl, server side (mutual TLS): ${name}; node:tls the same`, { skip: missing }, async () => {
    assert.deepEqual(
      { tlsglass: await serverVerdict('tlsglass', pick(crls!)), node: await serverVerdict('node:tls', pick(crls!)) },
      { tlsglass: expected, node: expected },
    );
  });
}

test('crl, server side with rejectUnauthorized: a revoked client certificate is refused, by tlsglass with the certificate_revoked alert (44), by node:tls by closing the socket', { skip: missing }, async () => {
  const codes: Record<string, string> = {};
  for (const which of ['tlsglass', 'node:tls'] as const) {
    const options = { ...serverOptions, ca: pki.root.certPem, crl: [crls!.intRevoked, crls!.root], requestCert: true, rejectUnauthorized: true, maxVersion: 'TLSv1.2' as const };
    const server = (which === 'node:tls' ? nodeTls.createServer(options, (s) => s.end()) : createServer(options, (s) => s.end())) as NetServer;
    codes[which] = await withServer(server, async (port) => {
      const socket = nodeTls.connect({ host: '127.0.0.1', servername: 'localhost', port, ca: pki.root.certPem, cert: pki.client.certPem + pki.intermediate.certPem, key: pki.client.keyPem });
      const [err] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
      return err.code ?? String(err);
    });
  }
    // node:tls accepts every certificate in OpenSSL's callback and destroys the socket afterwards, without an alert.
  assert.deepEqual(codes, { tlsglass: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED', 'node:tls': 'ECONNRESET' });
});

test('crl that is not a PEM CRL: createSecureContext throws ERR_CRYPTO_OPERATION_FAILED "Failed to parse CRL", as node:tls', { skip: missing }, () => {
  const good = crls!.int;
  const body = good.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const inputs: (string | Buffer)[] = [
    'not a CRL',
    '-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n',
    `-----BEGIN X509 CRL-----\n${body.slice(0, body.length - 40)}\n-----END X509 CRL-----\n`,
    Buffer.from(body, 'base64'), // DER: node:tls reads PEM only
    pki.root.certPem, // a certificate, not a CRL
  ];
  for (const input of inputs) {
    const seen = (make: () => unknown) => {
      try {
        make();
        return 'accepted';
      } catch (err) {
        return `${(err as NodeJS.ErrnoException).code}: ${(err as Error).message}`;
      }
    };
    const expected = 'ERR_CRYPTO_OPERATION_FAILED: Failed to parse CRL';
    assert.equal(seen(() => nodeTls.createSecureContext({ crl: input })), expected, `node:tls on ${String(input).slice(0, 40)}`);
    assert.equal(seen(() => createSecureContext({ crl: input })), expected, `tlsglass on ${String(input).slice(0, 40)}`);
    assert.equal(seen(() => createSecureContext({ crl: [good, input] })), expected, 'tlsglass, second entry');
  }
});
