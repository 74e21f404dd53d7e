/**
 * The CRL parser (src/pki/crl.ts) on CRLs made by `openssl ca -gencrl`, hostile variants of them
 * (every truncation, every byte flipped: a DecodeError or a parse, never another exception), and
 * revocation checking in DefaultVerifier with an injected clock.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { verifyCommand } from '../../src/cli/verify.js';
import { DecodeError } from '../../src/codec/reader.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { parseCrl } from '../../src/pki/crl.js';
import { DefaultVerifier } from '../../src/pki/default-verifier.js';
import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';
import { CrlAuthority, crlPki, pemDer } from '../helpers/crl.js';
import { peerMissing } from '../helpers/peers.js';

const missing = peerMissing('openssl');
const pki = crlPki();
const rootCa = new CrlAuthority(pki.root);
const intCa = new CrlAuthority(pki.intermediate);
after(() => {
  rootCa.dispose();
  intCa.dispose();
});

test('parseCrl: issuer, times, CRL number, and each revoked serial with its reason, as openssl ca wrote them', { skip: missing }, () => {
  intCa.revoke(pki.server, 'keyCompromise');
  intCa.revoke(pki.client, 'superseded');
  const crl = parseCrl(pemDer(intCa.crl({ lastUpdate: '20260101000000Z', nextUpdate: '20260201000000Z' })));
  assert.equal(crl.version, 2);
  assert.deepEqual(crl.issuer, parseCertificate(pki.intermediate.certDer).subject);
  assert.equal(crl.thisUpdate.toISOString(), '2026-01-01T00:00:00.000Z');
  assert.equal(crl.nextUpdate?.toISOString(), '2026-02-01T00:00:00.000Z');
  assert.equal(crl.crlNumber, '1000'); // openssl's crlnumber file is hex
  assert.equal(crl.signatureAlgorithm.oid, '1.2.840.10045.4.3.2');
  assert.deepEqual(
    [...crl.revoked.values()].map((r) => r.reason).sort(),
    ['keyCompromise', 'superseded'],
  );
  assert.ok(crl.authorityKeyId && crl.authorityKeyId.length === 20, 'openssl ca adds the CA\'s key identifier (crl_extensions)');
  assert.equal(crl.unhandledCritical, undefined);
  assert.equal(crl.partial, undefined);
  const scoped = parseCrl(pemDer(intCa.crl({ scoped: true })));
  assert.match(scoped.partial ?? '', /issuingDistributionPoint/);
  assert.equal(scoped.unhandledCritical, undefined, 'a critical issuingDistributionPoint is processed (by not using the CRL)');
});

test('parseCrl: every truncation and every flipped byte is a DecodeError or a parse, never another exception', { skip: missing }, () => {
  const der = pemDer(rootCa.crl());
  parseCrl(der);
  for (let n = 0; n < der.length; n++) {
    assert.throws(() => parseCrl(der.subarray(0, n)), DecodeError, `truncated to ${n} bytes`);
  }
  let parsed = 0;
  for (let i = 0; i < der.length; i++) {
    for (const mask of [0x01, 0x80, 0xff]) {
      const bad = new Uint8Array(der);
      bad[i]! ^= mask;
      try {
        parseCrl(bad);
        parsed++;
      } catch (e) {
        assert.ok(e instanceof DecodeError, `byte ${i} ^ ${mask}: ${String(e)}`);
      }
    }
  }
  assert.ok(parsed > 0, 'flips inside the signature or names still parse');
  assert.throws(() => parseCrl(new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])), DecodeError);
  assert.throws(() => parseCrl(new Uint8Array(0)), DecodeError);
});

/** openssl ca's time form, YYYYMMDDHHMMSSZ. */
function stamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

test('DefaultVerifier with crls: the clock decides CRL_HAS_EXPIRED / CRL_NOT_YET_VALID; alerts certificate_revoked (44), unknown_ca (48), certificate_expired (45)', { skip: missing }, () => {
  const now = Date.now();
  const hour = 3_600_000;
  const window = { lastUpdate: stamp(new Date(now - hour / 2)), nextUpdate: stamp(new Date(now + 24 * hour)) };
  const root = new CrlAuthority(pki.root);
  const int = new CrlAuthority(pki.intermediate);
  const rootCrl = parseCrl(pemDer(root.crl({ ...window, nextUpdate: stamp(new Date(now + 100 * 24 * hour)) })));
  const intCrl = parseCrl(pemDer(int.crl(window)));
  const futureCrl = parseCrl(pemDer(int.crl({ lastUpdate: stamp(new Date(now + 2 * hour)), nextUpdate: stamp(new Date(now + 3 * hour)) })));
  int.revoke(pki.server);
  const revokedCrl = parseCrl(pemDer(int.crl(window)));
  root.dispose();
  int.dispose();
  const verify = (crls: ReturnType<typeof parseCrl>[], at: number): string | [string, number] => {
    const v = new DefaultVerifier({ anchors: [pki.root.certDer], provider: nodeCryptoProvider, crls });
    const { error } = v.verifyServer([pki.server.certDer, pki.intermediate.certDer], { host: 'localhost', now: new Date(at) });
    return error ? [error.code, error.alert ?? -1] : 'OK';
  };
  assert.equal(verify([intCrl, rootCrl], now), 'OK');
  assert.deepEqual(verify([intCrl, rootCrl], now + 2 * 24 * hour), ['CRL_HAS_EXPIRED', 45]);
  assert.deepEqual(verify([futureCrl, rootCrl], now), ['CRL_NOT_YET_VALID', 42]);
  // A current CRL is preferred to one not yet valid for the same issuer (OpenSSL's CRL scoring).
  assert.equal(verify([futureCrl, intCrl, rootCrl], now), 'OK');
  assert.deepEqual(verify([revokedCrl, rootCrl], now), ['CERT_REVOKED', 44]);
  assert.deepEqual(verify([rootCrl], now), ['UNABLE_TO_GET_CRL', 48]);
});

test('DefaultVerifier with crls: an issuer whose keyUsage lacks cRLSign cannot vouch by CRL (KEYUSAGE_NO_CRL_SIGN)', { skip: missing }, () => {
  const root = createCertificateAuthority({ commonName: 'root without cRLSign', keyType: 'ec', keyUsage: ['keyCertSign'] });
  const leaf = issueCertificate({ issuer: root, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ec' });
  const ca = new CrlAuthority(root);
  const crl = parseCrl(pemDer(ca.crl()));
  ca.dispose();
  const v = new DefaultVerifier({ anchors: [root.certDer], provider: nodeCryptoProvider, crls: [crl] });
  assert.equal(v.verifyServer([leaf.certDer], { host: 'localhost', now: new Date() }).error?.code, 'KEYUSAGE_NO_CRL_SIGN');
});

test('tlsglass verify --crl FILE: OK with current CRLs for the whole path, CERT_REVOKED once the leaf is revoked, exit 2 for a file with no CRL; openssl verify -crl_check_all agrees', { skip: missing }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlsglass-verify-crl-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const root = new CrlAuthority(pki.root);
  const int = new CrlAuthority(pki.intermediate);
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const ca = write('root.pem', pki.root.certPem);
  const leaf = write('chain.pem', pki.server.certPem + pki.intermediate.certPem);
  const good = write('good.pem', int.crl() + root.crl());
  int.revoke(pki.server);
  const revoked = write('revoked.pem', int.crl() + root.crl());
  root.dispose();
  int.dispose();
  const run = async (crl: string): Promise<[number, string]> => {
    let out = '';
    let err = '';
    const code = await verifyCommand(['--ca', ca, '--crl', crl, '--host', 'localhost', leaf], { out: (t) => void (out += t), err: (t) => void (err += t) });
    return [code, out + err];
  };
  const [okCode, okText] = await run(good);
  assert.equal(okCode, 0, okText);
  const [revokedCode, revokedText] = await run(revoked);
  assert.equal(revokedCode, 1);
  assert.match(revokedText, /CERT_REVOKED \(alert certificate_revoked\): certificate revoked: "CN=localhost".*keyCompromise/);
  const [badCode, badText] = await run(ca);
  assert.equal(badCode, 2);
  assert.match(badText, /--crl .*root\.pem holds no CRL/);
  // The same files through openssl verify, with node:tls's flags.
  const untrusted = write('int.pem', pki.intermediate.certPem);
  const leafOnly = write('leaf.pem', pki.server.certPem);
  const openssl = (crl: string) => spawnSync('openssl', ['verify', '-CAfile', ca, '-untrusted', untrusted, '-CRLfile', crl, '-crl_check_all', leafOnly], { encoding: 'latin1' });
  assert.equal(openssl(good).status, 0);
  assert.match(openssl(revoked).stdout + openssl(revoked).stderr, /certificate revoked/);
});
