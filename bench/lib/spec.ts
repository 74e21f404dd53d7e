/**
 * What the benchmark processes agree on: the PKI, the TLS configuration of a case (`TlsSpec`,
 * JSON so that it crosses the IPC channel), and how each implementation builds a server or a
 * client from it. Every implementation gets the same certificates, versions, suites and groups.
 */
import { Buffer } from 'node:buffer';
import * as net from 'node:net';
import * as nodeTls from 'node:tls';
import { connect as tgConnect, createSecureContext as tgCreateSecureContext, createServer as tgCreateServer, type SecureContext as TgSecureContext } from '../../src/index.js';
import { FFDHE2048_P } from '../../src/crypto/ffdhe-groups.js';
import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';

/** tlsglass, node:tls, plain TCP (no TLS) and the pure-JS peers. */
export type Impl = 'tlsglass' | 'node' | 'tcp' | 'forge' | 'reclaim';

export interface TlsSpec {
  readonly version: 'TLSv1.2' | 'TLSv1.3' | 'TLSv1.1';
  /** The server certificate's key ('rsa-rsaca': RSA-2048 under an RSA CA, for node-forge, which cannot verify EC). */
  readonly cert: 'rsa' | 'ecdsa' | 'rsa-rsaca';
  /** TLS 1.2: one OpenSSL suite name; TLS 1.3: one IANA suite name (TLS_AES_128_GCM_SHA256). */
  readonly cipher: string;
  /** ecdhCurve for both sides (default X25519). A TLS 1.2 ECDSA certificate needs its curve listed too (RFC 8422 §5.1). */
  readonly groups?: string;
  /** Mutual TLS: the server asks for a client certificate (RSA-2048) and verifies it. */
  readonly mutual?: boolean;
  /** Resume every connection from one session taken on a first, full handshake. */
  readonly resume?: boolean;
  /** tlsglass only: install a no-op observer on both sides (observer hook cost). */
  readonly observer?: boolean;
}

export interface Pem {
  readonly cert: string;
  readonly key: string;
}

/** The PKI every process uses: one P-256 CA, RSA-2048 and P-256 servers, an RSA-2048 client; plus ffdhe2048 for node:tls's dhparam. */
export interface Pki {
  readonly ca: string;
  readonly rsa: Pem;
  readonly ecdsa: Pem;
  readonly client: Pem;
  /** An RSA-2048 CA and a server certificate under it (node-forge verifies RSA only). */
  readonly rsaCa: string;
  readonly rsaChain: Pem;
  /** RFC 7919 ffdhe2048 as PEM DH PARAMETERS (node:tls `dhparam`), so both servers use the same group. */
  readonly dhparam: string;
}

export function makePki(): Pki {
  const ca = createCertificateAuthority({ commonName: 'tlsglass bench CA', organization: 'tlsglass', keyType: 'ec' });
  const server = { issuer: ca, commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
  const rsa = issueCertificate({ ...server, keyType: 'rsa' });
  const ecdsa = issueCertificate({ ...server, keyType: 'ec' });
  const client = issueCertificate({ issuer: ca, commonName: 'bench client', keyType: 'rsa', extKeyUsage: ['clientAuth'] });
  const rsaCa = createCertificateAuthority({ commonName: 'tlsglass bench RSA CA', organization: 'tlsglass', keyType: 'rsa' });
  const rsaChain = issueCertificate({ ...server, issuer: rsaCa, keyType: 'rsa' });
  return {
    ca: ca.certPem,
    rsa: { cert: rsa.certPem, key: rsa.keyPem },
    ecdsa: { cert: ecdsa.certPem, key: ecdsa.keyPem },
    client: { cert: client.certPem, key: client.keyPem },
    rsaCa: rsaCa.certPem,
    rsaChain: { cert: rsaChain.certPem, key: rsaChain.keyPem },
    dhparam: dhParamsPem(FFDHE2048_P, 2),
  };
}

/** DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER } (PKCS #3), PEM-armoured. */
function dhParamsPem(p: Uint8Array, g: number): string {
  const int = (bytes: Uint8Array): Buffer => {
    const body = bytes[0]! & 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : Buffer.from(bytes);
    return Buffer.concat([Buffer.of(0x02), derLength(body.length), body]);
  };
  const content = Buffer.concat([int(p), int(Uint8Array.of(g))]);
  const der = Buffer.concat([Buffer.of(0x30), derLength(content.length), content]);
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN DH PARAMETERS-----\n${b64}\n-----END DH PARAMETERS-----\n`;
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  if (n < 0x100) return Buffer.of(0x81, n);
  return Buffer.of(0x82, n >> 8, n & 0xff);
}

function identity(spec: TlsSpec, pki: Pki): Pem {
  return spec.cert === 'rsa' ? pki.rsa : spec.cert === 'ecdsa' ? pki.ecdsa : pki.rsaChain;
}

/** The trust anchor a client of this spec verifies the server with. */
export function caFor(spec: TlsSpec, pki: Pki): string {
  return spec.cert === 'rsa-rsaca' ? pki.rsaCa : pki.ca;
}

function isTls13(spec: TlsSpec): boolean {
  return spec.version === 'TLSv1.3';
}

const noop = (): void => {};

// ---- servers ------------------------------------------------------------------------------

/** Any of the three servers: a net.Server whose 'secure' callback gets a Duplex. */
export type SecureHandler = (socket: net.Socket | nodeTls.TLSSocket | import('../../src/index.js').TLSSocket) => void;

export function createServer(impl: Impl, spec: TlsSpec, pki: Pki, onSecure: SecureHandler): net.Server {
  const id = identity(spec, pki);
  switch (impl) {
    case 'tcp':
      return net.createServer({ noDelay: true }, (s) => {
        s.on('error', noop);
        onSecure(s);
      });
    case 'node': {
      const server = nodeTls.createServer({
        cert: id.cert,
        key: id.key,
        minVersion: spec.version,
        maxVersion: spec.version,
        ciphers: spec.version === 'TLSv1.1' ? `${spec.cipher}:@SECLEVEL=0` : spec.cipher,
        ecdhCurve: spec.groups ?? 'X25519',
        dhparam: pki.dhparam,
        ...(spec.mutual ? { requestCert: true, rejectUnauthorized: true, ca: pki.ca } : {}),
        noDelay: true,
      });
      server.on('secureConnection', (s) => {
        s.on('error', noop);
        onSecure(s);
      });
      server.on('tlsClientError', noop);
      return server;
    }
    case 'tlsglass': {
      if (spec.version === 'TLSv1.1') throw new Error('tlsglass has no TLS 1.1');
      const server = tgCreateServer({
        cert: id.cert,
        key: id.key,
        minVersion: spec.version,
        maxVersion: spec.version,
        ciphers: spec.cipher,
        // ffdhe2048 is only used by the DHE suites; listing it keeps the DHE case on the same group as node:tls.
        ecdhCurve: `${spec.groups ?? 'X25519'}:ffdhe2048`,
        ...(spec.mutual ? { requestCert: true, rejectUnauthorized: true, ca: pki.ca } : {}),
        ...(spec.observer ? { observer: noop } : {}),
      });
      server.on('secureConnection', (s) => {
        s.on('error', noop);
        onSecure(s);
      });
      server.on('tlsClientError', noop);
      return server;
    }
    default:
      throw new Error(`no ${impl} server here (see peers.ts)`);
  }
}

// ---- clients ------------------------------------------------------------------------------

/** What a client connection looks like to the benchmark loops. */
export interface ClientSocket extends NodeJS.EventEmitter {
  write(data: Uint8Array, cb?: () => void): boolean;
  end(): unknown;
  destroy(): unknown;
  resume(): unknown;
  isSessionReused?(): boolean;
}

/**
 * Makes connections of one implementation and spec. Both libraries get one shared SecureContext
 * (their best practice; a context per connection costs node:tls 0.57–0.76×, performance.md §3.1).
 */
export class ClientFactory {
  session: Buffer | undefined;
  readonly #context: nodeTls.SecureContext | undefined;
  readonly #tgContext: TgSecureContext | undefined;

  constructor(
    readonly impl: Impl,
    readonly spec: TlsSpec,
    readonly pki: Pki,
  ) {
    if (impl === 'node') {
      this.#context = nodeTls.createSecureContext({
        ca: caFor(spec, pki),
        minVersion: spec.version,
        maxVersion: spec.version,
        ciphers: spec.version === 'TLSv1.1' ? `${spec.cipher}:@SECLEVEL=0` : spec.cipher,
        ecdhCurve: spec.groups ?? 'X25519',
        ...(spec.mutual ? { cert: pki.client.cert, key: pki.client.key } : {}),
      });
    } else if (impl === 'tlsglass' && spec.version !== 'TLSv1.1') {
      this.#tgContext = tgCreateSecureContext({
        ca: caFor(spec, pki),
        minVersion: spec.version,
        maxVersion: spec.version,
        ciphers: spec.cipher,
        ecdhCurve: `${spec.groups ?? 'X25519'}:ffdhe2048`,
        ...(spec.mutual ? { cert: pki.client.cert, key: pki.client.key } : {}),
      });
    }
  }

  /** Opens one connection; 'secureConnect' (or 'connect' for TCP) fires when it is ready. */
  connect(port: number): ClientSocket {
    const { spec, pki } = this;
    const session = spec.resume ? this.session : undefined;
    switch (this.impl) {
      case 'tcp': {
        const s = net.connect({ port, host: '127.0.0.1', noDelay: true });
        s.once('connect', () => s.emit('secureConnect'));
        return s;
      }
      case 'node': {
        const s = nodeTls.connect({
          port,
          host: '127.0.0.1',
          servername: 'localhost',
          secureContext: this.#context!,
          ...(session ? { session } : {}),
        });
        s.setNoDelay(true);
        if (spec.resume) s.on('session', (sess: Buffer) => (this.session ??= sess));
        return s;
      }
      case 'tlsglass': {
        if (spec.version === 'TLSv1.1') throw new Error('tlsglass has no TLS 1.1');
        const s = tgConnect({
          port,
          host: '127.0.0.1',
          servername: 'localhost',
          secureContext: this.#tgContext!,
          ...(spec.observer ? { observer: noop } : {}),
          ...(session ? { session } : {}),
        });
        if (spec.resume) s.on('session', (sess: Buffer) => (this.session ??= sess));
        return s;
      }
      default:
        throw new Error(`no ${this.impl} client here (see peers.ts)`);
    }
  }
}

export { isTls13 };
