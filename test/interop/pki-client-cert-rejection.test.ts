/**
 * A tlsglass server with requestCert + rejectUnauthorized refuses client certificates for each
 * reason the verifier knows, with the mapped alert (verify-error.ts), seen from both sides:
 * `openssl s_client` reports the alert it received on stderr ("alert unknown ca"), and our own
 * client rejects with node:tls's code for the alert received (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA); the server's
 * tlsClientError carries the verifier's code. TLS 1.2, where the client certificate is checked
 * before the handshake completes. Without rejectUnauthorized the connection goes through with
 * authorized=false and the reason.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { TLSSocket } from '../../src/index.js';
import { createCertificateAuthority, issueCertificate, type IssuedCertificate } from '../../src/node/issue.js';
import { PEER_TIMEOUT_MS, peerMissing, readAll, runOpensslClient, startTlsglassServer, tlsglassConnect } from '../helpers/peers.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const dir = mkdtempSync(join(tmpdir(), 'tlsglass-client-cert-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string, mode = 0o644): string => {
  const path = join(dir, name);
  writeFileSync(path, text, { mode });
  return path;
};
const caFile = write('ca.pem', pki.ca.certPem);
const DAY = 86400_000;

/** The server's next tlsClientError code, or a failure after PEER_TIMEOUT_MS (no test waits forever). */
function nextClientError(server: { once(event: 'tlsClientError', f: (err: Error) => void): unknown }): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no tlsClientError on the server')), PEER_TIMEOUT_MS);
    server.once('tlsClientError', (err: Error) => {
      clearTimeout(timer);
      resolve((err as { code?: string }).code);
    });
  });
}

interface Reason {
  readonly name: string;
  readonly cert: IssuedCertificate;
  /** An intermediate the client sends after its certificate. */
  readonly chain?: IssuedCertificate;
  /** What the server's verifier reports (tlsClientError code). */
  readonly serverCode: string;
  /** The alert as openssl s_client prints it, and as our PeerAlert code names it. */
  readonly alertText: string;
  readonly peerAlertCode: string;
}

const otherCa = createCertificateAuthority({ commonName: 'Unknown Client CA' });
const ncCa = createCertificateAuthority({ commonName: 'Client CA for example.com', issuer: pki.ca, nameConstraints: { permitted: ['DNS:example.com'] } });
const client = (o: Partial<Parameters<typeof issueCertificate>[0]> = {}): IssuedCertificate =>
  issueCertificate({ issuer: pki.ca, commonName: 'tlsglass rejected client', extKeyUsage: ['clientAuth'], ...o });

const REASONS: readonly Reason[] = [
  { name: 'unknown CA', cert: client({ issuer: otherCa }), serverCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', alertText: 'unknown ca', peerAlertCode: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' },
  {
    name: 'expired',
    cert: client({ notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - 30 * DAY) }),
    serverCode: 'CERT_HAS_EXPIRED',
    alertText: 'certificate expired',
    peerAlertCode: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  },
  { name: 'wrong EKU (serverAuth only)', cert: client({ extKeyUsage: ['serverAuth'] }), serverCode: 'INVALID_PURPOSE', alertText: 'unsupported certificate', peerAlertCode: 'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE' },
  { name: 'self-signed', cert: issueCertificate({ commonName: 'self-signed client', extKeyUsage: ['clientAuth'] }), serverCode: 'DEPTH_ZERO_SELF_SIGNED_CERT', alertText: 'unknown ca', peerAlertCode: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' },
  {
    name: 'keyUsage without digitalSignature',
    cert: client({ keyUsage: ['keyEncipherment'] }),
    serverCode: 'INVALID_PURPOSE',
    alertText: 'unsupported certificate',
    peerAlertCode: 'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  },
  {
    name: 'name constraints violated',
    cert: client({ issuer: ncCa, dnsNames: ['client.evil.test'] }),
    chain: ncCa,
    serverCode: 'PERMITTED_VIOLATION',
    alertText: 'bad certificate',
    peerAlertCode: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  },
];

const serverOptions = {
  cert: pki.serverEcdsa.certPem,
  key: pki.serverEcdsa.keyPem,
  ca: pki.ca.certPem,
  requestCert: true,
  maxVersion: 'TLSv1.2',
} as const;

describe('client certificates the server rejects', () => {
  for (const [i, reason] of REASONS.entries()) {
    const slug = reason.name.replace(/\W+/g, '-');
    const certFile = write(`${i}-cert.pem`, reason.cert.certPem);
    const keyFile = write(`${i}-key.pem`, reason.cert.keyPem, 0o600);
    const chainArgs = reason.chain ? ['-cert_chain', write(`${i}-chain.pem`, reason.chain.certPem)] : [];

    test(`${reason.name}: openssl s_client receives "alert ${reason.alertText}"`, { skip: peerMissing('openssl') }, async (t) => {
      const server = await startTlsglassServer(t, { ...serverOptions, rejectUnauthorized: true }, (s) => s.end());
      const serverError = nextClientError(server.server);
      const run = await runOpensslClient(t, server.port, ['-tls1_2', '-CAfile', caFile, '-cert', certFile, '-key', keyFile, ...chainArgs]);
      assert.notEqual(run.code, 0, run.report);
      assert.match(run.stderr, new RegExp(`alert ${reason.alertText}`), run.report);
      assert.equal(await serverError, reason.serverCode, `${slug}: server-side code`);
    });

    test(`${reason.name}: our client rejects with ${reason.peerAlertCode}`, async (t) => {
      const server = await startTlsglassServer(t, { ...serverOptions, rejectUnauthorized: true }, (s) => s.end());
      const serverError = nextClientError(server.server);
      await assert.rejects(
        tlsglassConnect(t, {
          port: server.port,
          servername: 'localhost',
          ca: pki.ca.certPem,
          cert: reason.chain ? reason.cert.certPem + reason.chain.certPem : reason.cert.certPem,
          key: reason.cert.keyPem,
        }),
        (e: unknown) => (e as { code?: string }).code === reason.peerAlertCode,
      );
      assert.equal(await serverError, reason.serverCode);
    });
  }

  test('without rejectUnauthorized the connection goes through, authorized=false with the reason', async (t) => {
    const accepted: TLSSocket[] = [];
    const server = await startTlsglassServer(t, { ...serverOptions, rejectUnauthorized: false }, (s) => {
      accepted.push(s);
      s.end('ok');
    });
    const expired = REASONS[1]!.cert;
    const socket = await tlsglassConnect(t, { port: server.port, servername: 'localhost', ca: pki.ca.certPem, cert: expired.certPem, key: expired.keyPem });
    assert.equal((await readAll(socket)).toString(), 'ok');
    assert.equal(accepted.length, 1);
    assert.equal(accepted[0]!.authorized, false);
    assert.equal(accepted[0]!.authorizationError, 'CERT_HAS_EXPIRED');
  });
});
