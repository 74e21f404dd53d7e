import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IssuedCertificate } from '../../src/node/issue.js';

/** `openssl pkcs12` arguments for the encryptions tests make PFX files with. */
export const PFX_FLAVOURS = {
  /** What OpenSSL 3 writes by default: PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), HMAC-SHA-256 MAC. */
  default: [],
  /** What Node's fixtures (and OpenSSL 1.1 for keys) use: pbeWithSHAAnd3-KeyTripleDES-CBC, HMAC-SHA-1 MAC. */
  tripleDes: ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1'],
  /** AES-128 with a SHA-384 MAC: the PKCS#12 KDF over 128-byte blocks. */
  aes128Sha384: ['-keypbe', 'AES-128-CBC', '-certpbe', 'AES-128-CBC', '-macalg', 'sha384'],
  /** OpenSSL 1.x's default: the certificates under pbeWithSHAAnd40BitRC2-CBC, which node:crypto lacks. */
  legacyRc2: ['-legacy'],
  /** No MAC and no encryption. */
  plain: ['-nomac', '-keypbe', 'NONE', '-certpbe', 'NONE'],
} as const;

/**
 * A PFX made by `openssl pkcs12 -export` from `identity` with `chain` as its other certificates,
 * under `passphrase` (empty: none), named `name`.
 */
export function makePfx(identity: IssuedCertificate, chain: readonly IssuedCertificate[], passphrase: string, flavour: readonly string[] = PFX_FLAVOURS.default, name = 'tlsglass test'): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'tlsglass-pfx-'));
  try {
    writeFileSync(join(dir, 'cert.pem'), identity.certPem);
    writeFileSync(join(dir, 'key.pem'), identity.keyPem, { mode: 0o600 });
    const args = ['pkcs12', '-export', '-in', join(dir, 'cert.pem'), '-inkey', join(dir, 'key.pem'), '-name', name, '-passout', `pass:${passphrase}`, '-out', join(dir, 'out.p12'), ...flavour];
    if (chain.length > 0) {
      writeFileSync(join(dir, 'chain.pem'), chain.map((c) => c.certPem).join(''));
      args.push('-certfile', join(dir, 'chain.pem'));
    }
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    return readFileSync(join(dir, 'out.p12'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
