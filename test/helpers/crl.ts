import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate, type IssuedCertificate } from '../../src/node/issue.js';

/**
 * CRLs made by `openssl ca -gencrl` for a CA of ours: a throwaway openssl ca directory
 * (index.txt, crlnumber, a config naming the CA's certificate and key), where `openssl ca -revoke`
 * records revocations. Each CrlAuthority has its own database.
 */
export class CrlAuthority {
  readonly #dir: string;
  readonly #config: string;

  constructor(readonly ca: IssuedCertificate) {
    this.#dir = mkdtempSync(join(tmpdir(), 'tlsglass-crl-'));
    const file = (name: string, text: string): string => {
      const path = join(this.#dir, name);
      writeFileSync(path, text);
      return path;
    };
    const index = file('index.txt', '');
    const crlnumber = file('crlnumber', '1000\n');
    const certificate = file('ca.pem', ca.certPem);
    const privateKey = file('ca.key', ca.keyPem);
    this.#config = file(
      'ca.cnf',
      `[ca]\ndefault_ca = d\n[d]\ndatabase = ${index}\ncrlnumber = ${crlnumber}\ncertificate = ${certificate}\nprivate_key = ${privateKey}\ndefault_md = sha256\ndefault_crl_days = 30\n` +
        // The authorityKeyIdentifier every CRL carries, and the extensions of a scoped CRL (crl({ scoped: true })).
        'crl_extensions = crlext\n[crlext]\nauthorityKeyIdentifier = keyid:always\n' +
        '[nokeyid]\n[scoped]\nauthorityKeyIdentifier = keyid:always\nissuingDistributionPoint = critical, @idp\n[idp]\nfullname = URI:http://crl.example/part1.crl\n',
    );
  }

  /** `openssl ca -revoke` with a CRL reason (keyCompromise, superseded, …). */
  revoke(cert: IssuedCertificate, reason = 'keyCompromise'): void {
    const path = join(this.#dir, 'revoke.pem');
    writeFileSync(path, cert.certPem);
    this.#openssl(['-revoke', path, '-crl_reason', reason]);
  }

  /**
   * `openssl ca -gencrl`: the CRL's PEM; lastUpdate/nextUpdate as YYYYMMDDHHMMSSZ when given;
   * `scoped` adds a critical issuingDistributionPoint (a partitioned CRL); `keyId: false` leaves out
   * the authorityKeyIdentifier, so only the name says which CA the CRL is from.
   */
  crl(times: { lastUpdate?: string; nextUpdate?: string; scoped?: boolean; keyId?: boolean } = {}): string {
    const out = join(this.#dir, 'out.crl');
    const extensions = times.scoped ? ['-crlexts', 'scoped'] : times.keyId === false ? ['-crlexts', 'nokeyid'] : [];
    this.#openssl(['-gencrl', '-out', out, ...extensions, ...(times.lastUpdate ? ['-crl_lastupdate', times.lastUpdate] : []), ...(times.nextUpdate ? ['-crl_nextupdate', times.nextUpdate] : [])]);
    return readFileSync(out, 'latin1');
  }

  dispose(): void {
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #openssl(args: readonly string[]): void {
    const run = spawnSync('openssl', ['ca', '-batch', '-config', this.#config, ...args], { encoding: 'latin1' });
    if (run.status !== 0) throw new Error(`openssl ca ${args.join(' ')}: ${run.stderr || run.error?.message}`);
  }
}

/** DER of a PEM block's body. */
export function pemDer(pem: string): Uint8Array {
  return new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));
}

/**
 * Root → intermediate → leaves, for revocation tests: `server` (localhost, serverAuth) and `client`
 * (clientAuth) issued by the intermediate; `impostor` has the intermediate's name but another key.
 */
export interface CrlPki {
  readonly root: IssuedCertificate;
  readonly intermediate: IssuedCertificate;
  readonly impostor: IssuedCertificate;
  readonly server: IssuedCertificate;
  readonly client: IssuedCertificate;
}

export function crlPki(): CrlPki {
  const root = createCertificateAuthority({ commonName: 'tlsglass CRL test root', keyType: 'ec' });
  const intermediate = createCertificateAuthority({ commonName: 'tlsglass CRL test intermediate', keyType: 'ec', issuer: root });
  const impostor = createCertificateAuthority({ commonName: 'tlsglass CRL test intermediate', keyType: 'ec' });
  const server = issueCertificate({ issuer: intermediate, commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], keyType: 'ec' });
  const client = issueCertificate({ issuer: intermediate, commonName: 'tlsglass CRL test client', keyType: 'ec', extKeyUsage: ['clientAuth'] });
  return { root, intermediate, impostor, server, client };
}
