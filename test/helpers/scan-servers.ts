/**
 * The servers `tlsglass scan` is proven against (issue 18), each configured in one known way and
 * started on a port the OS picks, with no sleeps: test/interop/scan.test.ts asserts the scan's
 * findings on each, test/interop/scan-testssl.test.ts compares them with testssl.sh's.
 *
 * openssl s_server: TLS 1.2 only with one CBC suite and neither extended master secret nor
 * encrypt-then-MAC (OpenSSL 3.0's s_server has no -no_ems: an OPENSSL_CONF with
 * `Options = -ExtendedMasterSecret,-EncryptThenMac` does it); every suite it has (TLS 1.0 and 1.1,
 * anonymous suites); TLS 1.3 only; a 1024-bit -dhparam made by `openssl dhparam`; an expired
 * certificate; a leaf for another name without its intermediate; a chain out of order; an OCSP
 * response stapled (-status_file, made by `openssl ocsp` from an index signed by the test CA).
 * gnutls-serv: TLS 1.2 and 1.3 only, its own suite order (%SERVER_PRECEDENCE), an RSA and an
 * ECDSA certificate. node:tls: an SNICallback answering `ecdsa.localhost` with an ECDSA
 * certificate for that name, every other name with the default RSA one for localhost.
 * `tlsglass serve` with ALPN.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nodeTls from 'node:tls';
import { createCertificateAuthority, issueCertificate, type IssuedCertificate } from '../../src/node/issue.js';
import { testPki, writePkiFiles, type PkiFiles } from './pki.js';
import { runPeer, spawnPeer, startGnutlsServer, startNodeTlsServer, startTlsglassServeCli, type Scope } from './peers.js';

export type ScanServerName =
  | 'tls12-cbc-no-ems'
  | 'all-suites'
  | 'tls13-only'
  | 'dh1024'
  | 'expired'
  | 'missing-intermediate'
  | 'unordered-chain'
  | 'ocsp-stapled'
  | 'gnutls'
  | 'node-sni'
  | 'tlsglass-serve';

/** The name node:tls's SNICallback answers with the ECDSA certificate (any other: the RSA default for localhost). */
export const SNI_ECDSA_NAME = 'ecdsa.localhost';

export interface ScanServer {
  readonly port: number;
  /** The peer program, for skip reasons and reports. */
  readonly peer: string;
}

const DAY = 86_400_000;

/**
 * The catalogue over one directory of certificates, keys, DH parameters and OCSP responses,
 * each made once, on first use.
 */
export class ScanServers {
  readonly pki: PkiFiles;
  private readonly made = new Map<string, Promise<string>>();

  constructor(readonly dir: string) {
    this.pki = writePkiFiles(join(dir, 'pki'));
  }

  /** The peers a server needs (for `peerMissing`). */
  static peers(name: ScanServerName): string[] {
    return name === 'gnutls' ? ['gnutls-serv'] : name === 'node-sni' || name === 'tlsglass-serve' ? [] : ['openssl'];
  }

  /** Starts `name`, tied to `t` (stopped at its teardown). */
  async start(t: Scope, name: ScanServerName): Promise<ScanServer> {
    const rsa = ['-cert', this.pki.serverRsa.cert, '-key', this.pki.serverRsa.key];
    const openssl = async (args: string[], env?: NodeJS.ProcessEnv): Promise<ScanServer> => {
      const p = spawnPeer(t, 'openssl', ['s_server', '-accept', '127.0.0.1:0', '-www', ...args], undefined, env);
      const m = await p.waitFor(/^ACCEPT 127\.0\.0\.1:(\d+)$/m, 'the ACCEPT line');
      return { port: Number(m[1]), peer: 'openssl s_server' };
    };
    switch (name) {
      case 'tls12-cbc-no-ems':
        return openssl([...rsa, '-no_tls1_3', '-cipher', 'ECDHE-RSA-AES128-SHA'], { OPENSSL_CONF: await this.noEmsConf() });
      case 'all-suites':
        return openssl([...rsa, '-cipher', 'ALL:@SECLEVEL=0']);
      case 'tls13-only':
        return openssl([...rsa, '-tls1_3']);
      case 'dh1024':
        return openssl([...rsa, '-no_tls1_3', '-cipher', 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0', '-dhparam', await this.dh1024(t)]);
      case 'expired': {
        // Its groups exclude x25519: an x25519 key share makes it ask for P-384 by HelloRetryRequest.
        const c = await this.expired();
        return openssl(['-cert', c.cert, '-key', c.key, '-groups', 'P-384:P-256']);
      }
      case 'missing-intermediate': {
        const c = await this.underIntermediate('example.org');
        return openssl(['-cert', c.cert, '-key', c.key]);
      }
      case 'unordered-chain': {
        const c = await this.underIntermediate('localhost');
        return openssl(['-cert', c.cert, '-key', c.key, '-cert_chain', c.unorderedChain]);
      }
      case 'ocsp-stapled':
        return openssl([...rsa, '-status_file', await this.ocspResponse(t)]);
      case 'gnutls': {
        const e = this.pki.serverEcdsa;
        const p = await startGnutlsServer(t, [
          '--http',
          '--priority', 'NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE',
          '--x509certfile', this.pki.serverRsa.cert, '--x509keyfile', this.pki.serverRsa.key,
          '--x509certfile', e.cert, '--x509keyfile', e.key,
        ]);
        return { port: p.port, peer: 'gnutls-serv' };
      }
      case 'node-sni': {
        const pki = testPki();
        const ecdsa = this.ecdsaNamed();
        const ecdsaContext = nodeTls.createSecureContext({ cert: ecdsa.certPem, key: ecdsa.keyPem });
        const s = await startNodeTlsServer(
          t,
          { cert: pki.serverRsa.certPem, key: pki.serverRsa.keyPem, SNICallback: (servername, cb) => cb(null, servername === SNI_ECDSA_NAME ? ecdsaContext : undefined) },
          (socket) => socket.end('HTTP/1.0 200 OK\r\n\r\nnode:tls\n'),
        );
        return { port: s.port, peer: 'node:tls' };
      }
      case 'tlsglass-serve': {
        const p = await startTlsglassServeCli(t, ['--port', '0', '--host', '127.0.0.1', '--cert', this.pki.serverRsa.cert, '--key', this.pki.serverRsa.key, '--alpn', 'h2,http/1.1']);
        return { port: p.port, peer: 'tlsglass serve' };
      }
    }
  }

  /** Runs `make` once per key; its promise (a file path) is shared by every caller. */
  private once(key: string, make: () => Promise<string>): Promise<string> {
    let p = this.made.get(key);
    if (!p) this.made.set(key, (p = make()));
    return p;
  }

  private file(name: string, text: string | Uint8Array): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  private noEmsConf(): Promise<string> {
    return this.once('no-ems', async () => this.file('no-ems.cnf', 'openssl_conf = c\n[c]\nssl_conf = s\n[s]\nsystem_default = d\n[d]\nOptions = -ExtendedMasterSecret,-EncryptThenMac\n'));
  }

  private dh1024(t: Scope): Promise<string> {
    return this.once('dh1024', async () => {
      const out = join(this.dir, 'dh1024.pem');
      const gen = await runPeer(t, 'openssl', ['dhparam', '-out', out, '1024'], '', 30_000);
      if (gen.code !== 0 || !existsSync(out)) throw new Error(`openssl dhparam failed\n${gen.report}`);
      return out;
    });
  }

  /** An ECDSA leaf for localhost that expired 10 days and an hour ago (the scan says -11 days). */
  private async expired(): Promise<{ cert: string; key: string }> {
    const path = await this.once('expired', async () => {
      const leaf = issueCertificate({ issuer: testPki().ca, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ec', notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - 10 * DAY - 3_600_000) });
      this.file('expired.key', leaf.keyPem);
      return this.file('expired.pem', leaf.certPem);
    });
    return { cert: path, key: path.replace(/\.pem$/, '.key') };
  }

  /** An ECDSA leaf for `name` under an intermediate under the test CA; the chain file has the root before the intermediate. */
  private async underIntermediate(name: string): Promise<{ cert: string; key: string; unorderedChain: string }> {
    const path = await this.once(`intermediate-${name}`, async () => {
      const root = testPki().ca;
      const intermediate = createCertificateAuthority({ issuer: root, commonName: 'tlsglass test intermediate', keyType: 'ec' });
      const leaf = issueCertificate({ issuer: intermediate, commonName: name, dnsNames: [name], keyType: 'ec' });
      this.file(`${name}-leaf.key`, leaf.keyPem);
      this.file(`${name}-unordered-chain.pem`, root.certPem + intermediate.certPem);
      return this.file(`${name}-leaf.pem`, leaf.certPem);
    });
    return { cert: path, key: path.replace(/\.pem$/, '.key'), unorderedChain: path.replace(/-leaf\.pem$/, '-unordered-chain.pem') };
  }

  private ecdsaLeaf: IssuedCertificate | undefined;

  /** The ECDSA certificate node:tls answers SNI_ECDSA_NAME with. */
  ecdsaNamed(): IssuedCertificate {
    return (this.ecdsaLeaf ??= issueCertificate({ issuer: testPki().ca, commonName: SNI_ECDSA_NAME, dnsNames: [SNI_ECDSA_NAME], keyType: 'ec' }));
  }

  /** A "good" OCSP response for the RSA server certificate, the test CA its own responder, valid 7 days. */
  private ocspResponse(t: Scope): Promise<string> {
    return this.once('ocsp', async () => {
      const { ca, caKey, serverRsa } = this.pki;
      const serial = new X509Certificate(readFileSync(serverRsa.cert)).serialNumber.toUpperCase();
      const index = this.file('ocsp.idx', `V\t351231235959Z\t\t${serial}\tunknown\t/CN=localhost\n`);
      const [req, resp] = [join(this.dir, 'ocsp.req'), join(this.dir, 'ocsp.der')];
      for (const args of [
        ['ocsp', '-issuer', ca, '-cert', serverRsa.cert, '-no_nonce', '-reqout', req],
        ['ocsp', '-index', index, '-rsigner', ca, '-rkey', caKey, '-CA', ca, '-reqin', req, '-respout', resp, '-ndays', '7'],
      ]) {
        const r = await runPeer(t, 'openssl', args);
        if (r.code !== 0) throw new Error(`openssl ocsp failed\n${r.report}`);
      }
      return resp;
    });
  }
}
