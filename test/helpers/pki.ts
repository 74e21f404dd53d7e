import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate, type IssuedCertificate } from '../../src/node/issue.js';

/**
 * The throwaway PKI tests use, minted with src/node/issue.ts and cached per process: one
 * ECDSA P-256 CA; RSA-2048 and ECDSA P-256 servers (SAN localhost, 127.0.0.1; serverAuth);
 * RSA-2048 and ECDSA P-256 clients (clientAuth). Valid from an hour ago for a year.
 */
export interface TestPki {
  readonly ca: IssuedCertificate;
  readonly serverRsa: IssuedCertificate;
  readonly serverEcdsa: IssuedCertificate;
  readonly clientRsa: IssuedCertificate;
  readonly clientEcdsa: IssuedCertificate;
}

/** The same PKI as PEM files, for openssl/gnutls CLI peers (same shape as peers.ts's PkiFiles). */
export interface PkiFiles {
  readonly dir: string;
  /** CA certificate PEM. */
  readonly ca: string;
  /** CA private key PEM. */
  readonly caKey: string;
  readonly serverRsa: { cert: string; key: string };
  readonly serverEcdsa: { cert: string; key: string };
  readonly clientRsa: { cert: string; key: string };
  readonly clientEcdsa: { cert: string; key: string };
}

let cached: TestPki | undefined;

export function testPki(): TestPki {
  if (cached) return cached;
  const ca = createCertificateAuthority({ commonName: 'tlsglass test CA', organization: 'tlsglass', keyType: 'ec' });
  const server = { issuer: ca, commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
  cached = {
    ca,
    serverRsa: issueCertificate({ ...server, keyType: 'rsa' }),
    serverEcdsa: issueCertificate({ ...server, keyType: 'ec' }),
    clientRsa: issueCertificate({ issuer: ca, commonName: 'tlsglass test client (RSA)', keyType: 'rsa', extKeyUsage: ['clientAuth'] }),
    clientEcdsa: issueCertificate({ issuer: ca, commonName: 'tlsglass test client (ECDSA)', keyType: 'ec', extKeyUsage: ['clientAuth'] }),
  };
  return cached;
}

/** Writes testPki() into `dir` (created if needed); keys are mode 0600. */
export function writePkiFiles(dir: string): PkiFiles {
  const pki = testPki();
  mkdirSync(dir, { recursive: true });
  const write = (name: string, text: string, mode = 0o644): string => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode });
    chmodSync(path, mode);
    return path;
  };
  const pair = (name: string, c: IssuedCertificate): { cert: string; key: string } => ({
    cert: write(`${name}.pem`, c.certPem),
    key: write(`${name}.key`, c.keyPem, 0o600),
  });
  return {
    dir,
    ca: write('ca.pem', pki.ca.certPem),
    caKey: write('ca.key', pki.ca.keyPem, 0o600),
    serverRsa: pair('server-rsa', pki.serverRsa),
    serverEcdsa: pair('server-ecdsa', pki.serverEcdsa),
    clientRsa: pair('client-rsa', pki.clientRsa),
    clientEcdsa: pair('client-ecdsa', pki.clientEcdsa),
  };
}
