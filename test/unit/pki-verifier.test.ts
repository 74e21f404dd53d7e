/**
 * DefaultVerifier: the accept paths and one test per error code, asserting the code and the alert.
 * Every certificate is minted here with src/node/issue.ts (ECDSA P-256 unless a case needs RSA).
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { CertificateError } from '../../src/errors.js';
import { AlertDescription } from '../../src/messages/enums.js';
import { DefaultVerifier } from '../../src/pki/default-verifier.js';
import { createCertificateAuthority, issueCertificate, type IssuedCertificate } from '../../src/node/issue.js';
import type { VerificationResult } from '../../src/pki/verifier.js';

const provider = nodeCryptoProvider;
const now = new Date();
const DAY = 86400_000;

const root = createCertificateAuthority({ commonName: 'Test Root', organization: 'tlsglass tests' });
const int = createCertificateAuthority({ commonName: 'Test Intermediate', issuer: root });
const leaf = issueCertificate({
  issuer: int,
  commonName: 'server.test',
  dnsNames: ['localhost', 'server.test', '*.wild.test'],
  ipAddresses: ['127.0.0.1', '::1'],
});
const otherRoot = createCertificateAuthority({ commonName: 'Other Root' });
const verifier = new DefaultVerifier({ anchors: [root.certDer], provider });

function server(chain: readonly IssuedCertificate[], host?: string, at = now, v = verifier): VerificationResult {
  return v.verifyServer(
    chain.map((c) => c.certDer),
    { host, now: at },
  );
}

function assertRejected(result: VerificationResult, code: string, alert: AlertDescription, message?: RegExp): void {
  assert.ok(result.error, `expected ${code}, got success`);
  assert.ok(result.error instanceof CertificateError);
  assert.equal(result.error.code, code, result.error.message);
  assert.equal(result.error.alert, alert, `alert for ${code}`);
  if (message) assert.match(result.error.message, message);
}

describe('DefaultVerifier: accepted chains', () => {
  test('leaf + intermediate to a trusted root, by DNS name and by IP', () => {
    for (const host of ['localhost', 'SERVER.test.', '127.0.0.1', '::1', '0:0::1', undefined]) {
      const r = server([leaf, int], host);
      assert.equal(r.error, undefined, `${host}: ${r.error?.message}`);
    }
    const r = server([leaf, int], 'localhost');
    assert.equal(r.leafKey.type, 'ec');
    assert.equal(r.leafKey.curve, 'P-256');
  });

  test('unordered, duplicated and extra certificates are accepted', () => {
    const stray = issueCertificate({ issuer: otherRoot, commonName: 'stray' });
    assert.equal(server([leaf, stray, root, int, int, otherRoot], 'localhost').error, undefined);
  });

  test('a leaf issued directly by the root needs no chain', () => {
    const direct = issueCertificate({ issuer: root, commonName: 'direct', dnsNames: ['direct.test'] });
    assert.equal(server([direct], 'direct.test').error, undefined);
  });

  test('a peer certificate that is itself a trust anchor is trusted, even a self-signed CA (openssl req -x509 style)', () => {
    const selfSigned = issueCertificate({ commonName: 'localhost', dnsNames: ['localhost'], basicConstraints: { ca: true } });
    const v = new DefaultVerifier({ anchors: [selfSigned.certDer], provider });
    assert.equal(server([selfSigned], 'localhost', now, v).error, undefined);
  });

  test('an alternative path is found when the first candidate issuer is expired or untrusted', () => {
    // Same subject and key as `int`, but expired / issued by an untrusted root.
    const expiredInt = createCertificateAuthority({
      commonName: 'Test Intermediate',
      issuer: root,
      privateKey: int.key,
      notBefore: new Date(now.getTime() - 400 * DAY),
      notAfter: new Date(now.getTime() - 30 * DAY),
    });
    const crossInt = createCertificateAuthority({ commonName: 'Test Intermediate', issuer: otherRoot, privateKey: int.key });
    assert.equal(server([leaf, expiredInt, crossInt, int], 'localhost').error, undefined);
    // With only the bad alternatives, the expired one is reported.
    assertRejected(server([leaf, crossInt, expiredInt], 'localhost'), 'CERT_HAS_EXPIRED', AlertDescription.certificate_expired);
  });

  test('an RSA leaf under an ECDSA chain; leafKey reflects the leaf', () => {
    const rsa = issueCertificate({ issuer: int, commonName: 'rsa', keyType: 'rsa', dnsNames: ['rsa.test'] });
    const r = server([rsa, int], 'rsa.test');
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.leafKey.type, 'rsa');
    assert.equal(r.leafKey.bits, 2048);
  });

  test('verifyClient accepts a clientAuth certificate, and one without extendedKeyUsage', () => {
    const client = issueCertificate({ issuer: int, commonName: 'client', extKeyUsage: ['clientAuth'] });
    const noEku = issueCertificate({ issuer: int, commonName: 'any', extKeyUsage: null });
    for (const c of [client, noEku]) {
      const r = verifier.verifyClient([c.certDer, int.certDer], { now });
      assert.equal(r.error, undefined, r.error?.message);
    }
  });

  test('an accepted result carries the chain it built, leaf first through the anchor; a rejected one none', () => {
    const stray = issueCertificate({ issuer: otherRoot, commonName: 'stray' });
    const r = server([leaf, stray, int, int], 'localhost');
    assert.deepEqual(r.chain, [leaf.certDer, int.certDer, root.certDer]);
    assert.equal(server([leaf], 'localhost').chain, undefined);
    const selfSigned = issueCertificate({ commonName: 'localhost', dnsNames: ['localhost'], basicConstraints: { ca: true } });
    const v = new DefaultVerifier({ anchors: [selfSigned.certDer], provider });
    assert.deepEqual(server([selfSigned], 'localhost', now, v).chain, [selfSigned.certDer]);
  });

  test('trustedIssuerOf finds the anchor that issued a certificate', () => {
    assert.deepEqual(verifier.trustedIssuerOf(int.certDer), root.certDer);
    assert.equal(verifier.trustedIssuerOf(leaf.certDer), undefined);
  });
});

describe('DefaultVerifier: validity (RFC 5280 §6.1.3 (a)(2))', () => {
  test('expired leaf → CERT_HAS_EXPIRED / certificate_expired', () => {
    const old = issueCertificate({ issuer: int, commonName: 'old', dnsNames: ['localhost'], notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2021-01-01T00:00:00Z') });
    assertRejected(server([old, int], 'localhost'), 'CERT_HAS_EXPIRED', AlertDescription.certificate_expired, /certificate has expired: "CN=old" \(issuer "CN=Test Intermediate"\): it expired at 2021-01-01T00:00:00.000Z/);
  });

  test('expired intermediate → CERT_HAS_EXPIRED', () => {
    const oldInt = createCertificateAuthority({ commonName: 'Old Int', issuer: root, notBefore: new Date(now.getTime() - 10 * DAY), notAfter: new Date(now.getTime() - DAY) });
    const l = issueCertificate({ issuer: oldInt, commonName: 'l', dnsNames: ['localhost'] });
    assertRejected(server([l, oldInt], 'localhost'), 'CERT_HAS_EXPIRED', AlertDescription.certificate_expired, /"CN=Old Int"/);
  });

  test('not yet valid → CERT_NOT_YET_VALID / certificate_expired', () => {
    const future = issueCertificate({ issuer: int, commonName: 'future', dnsNames: ['localhost'], notBefore: new Date(now.getTime() + DAY) });
    assertRejected(server([future, int], 'localhost'), 'CERT_NOT_YET_VALID', AlertDescription.certificate_expired, /certificate is not yet valid/);
  });

  test('the clock is injectable, and both ends are inclusive at one-second resolution', () => {
    const nb = new Date('2030-06-01T12:00:00Z');
    const na = new Date('2030-06-02T12:00:00Z');
    const longRoot = createCertificateAuthority({ commonName: 'Long Root', notBefore: new Date('2020-01-01Z'), notAfter: new Date('2060-01-01Z') });
    const c = issueCertificate({ issuer: longRoot, commonName: 'window', notBefore: nb, notAfter: na });
    const v = new DefaultVerifier({ anchors: [longRoot.certDer], provider });
    const at = (t: number): VerificationResult => v.verifyServer([c.certDer], { host: undefined, now: new Date(t) });
    assert.equal(at(nb.getTime()).error, undefined);
    assert.equal(at(na.getTime() + 999).error, undefined);
    assert.equal(at(nb.getTime() - 1).error?.code, 'CERT_NOT_YET_VALID');
    assert.equal(at(na.getTime() + 1000).error?.code, 'CERT_HAS_EXPIRED');
  });
});

describe('DefaultVerifier: path building errors', () => {
  test('leaf alone, issuer unknown → UNABLE_TO_VERIFY_LEAF_SIGNATURE / unknown_ca', () => {
    assertRejected(server([leaf], 'localhost'), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', AlertDescription.unknown_ca, /unable to verify the first certificate: "CN=server.test"/);
  });

  test('chain to an untrusted root that was not sent → UNABLE_TO_GET_ISSUER_CERT_LOCALLY / unknown_ca', () => {
    const v = new DefaultVerifier({ anchors: [otherRoot.certDer], provider });
    assertRejected(server([leaf, int], 'localhost', now, v), 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', AlertDescription.unknown_ca, /"CN=Test Intermediate"/);
  });

  test('untrusted self-signed root sent in the chain → SELF_SIGNED_CERT_IN_CHAIN / unknown_ca', () => {
    const v = new DefaultVerifier({ anchors: [otherRoot.certDer], provider });
    assertRejected(server([leaf, int, root], 'localhost', now, v), 'SELF_SIGNED_CERT_IN_CHAIN', AlertDescription.unknown_ca, /self-signed certificate in certificate chain: "O=tlsglass tests, CN=Test Root"/);
  });

  test('self-signed leaf that is not an anchor → DEPTH_ZERO_SELF_SIGNED_CERT / unknown_ca', () => {
    const selfSigned = issueCertificate({ commonName: 'localhost', dnsNames: ['localhost'] });
    assertRejected(server([selfSigned], 'localhost'), 'DEPTH_ZERO_SELF_SIGNED_CERT', AlertDescription.unknown_ca, /self-signed certificate: "CN=localhost"/);
    // Also when an anchor has the same name (a regenerated self-signed certificate).
    const previous = issueCertificate({ commonName: 'localhost', dnsNames: ['localhost'], basicConstraints: { ca: true } });
    const v = new DefaultVerifier({ anchors: [previous.certDer], provider });
    assertRejected(server([selfSigned], 'localhost', now, v), 'DEPTH_ZERO_SELF_SIGNED_CERT', AlertDescription.unknown_ca);
  });

  test('default trust store (tls.rootCertificates) does not trust a test CA', () => {
    const v = new DefaultVerifier({ provider });
    assertRejected(server([leaf, int, root], 'localhost', now, v), 'SELF_SIGNED_CERT_IN_CHAIN', AlertDescription.unknown_ca);
  });

  test('a tampered signature → CERT_SIGNATURE_FAILURE / bad_certificate', () => {
    const der = new Uint8Array(leaf.certDer);
    der[der.length - 1]! ^= 0x01; // last octet of the ECDSA s value
    const r = verifier.verifyServer([der, int.certDer], { host: 'localhost', now });
    assertRejected(r, 'CERT_SIGNATURE_FAILURE', AlertDescription.bad_certificate, /does not verify with the key of "CN=Test Intermediate"/);
  });

  test('issuer without basicConstraints cA → INVALID_CA / bad_certificate (present with cA FALSE, and absent)', () => {
    for (const basicConstraints of [{ ca: false }, null]) {
      const notCa = issueCertificate({ issuer: root, commonName: 'Not A CA', basicConstraints, keyUsage: ['keyCertSign', 'digitalSignature'], extKeyUsage: null });
      const l = issueCertificate({ issuer: notCa, commonName: 'l', dnsNames: ['localhost'] });
      assertRejected(server([l, notCa], 'localhost'), 'INVALID_CA', AlertDescription.bad_certificate, /invalid CA certificate: "CN=Not A CA".*is not a CA/);
    }
  });

  test('a CA certificate as the leaf → INVALID_CA / bad_certificate', () => {
    const caLeaf = createCertificateAuthority({ commonName: 'CA as leaf', issuer: root });
    assertRejected(server([caLeaf], undefined), 'INVALID_CA', AlertDescription.bad_certificate, /used as an end-entity/);
  });

  test('pathLenConstraint exceeded → PATH_LENGTH_EXCEEDED / unknown_ca', () => {
    const int0 = createCertificateAuthority({ commonName: 'Int pathlen 0', issuer: root, pathLength: 0 });
    const int1 = createCertificateAuthority({ commonName: 'Int below', issuer: int0 });
    const l = issueCertificate({ issuer: int1, commonName: 'l' });
    assertRejected(server([l, int1, int0]), 'PATH_LENGTH_EXCEEDED', AlertDescription.unknown_ca, /"CN=Int pathlen 0"/);
    // pathLen 0 still allows a leaf directly below.
    assert.equal(server([issueCertificate({ issuer: int0, commonName: 'ok' }), int0]).error, undefined);
  });

  test('more than 10 issuers → CERT_CHAIN_TOO_LONG / unknown_ca', () => {
    const chain: IssuedCertificate[] = [];
    let issuer = root;
    for (let i = 0; i < 11; i++) {
      issuer = createCertificateAuthority({ commonName: `Int ${i}`, issuer });
      chain.unshift(issuer);
    }
    const l = issueCertificate({ issuer, commonName: 'deep' });
    assertRejected(server([l, ...chain]), 'CERT_CHAIN_TOO_LONG', AlertDescription.unknown_ca);
    // Ten issuers above the leaf (nine intermediates + root) is fine.
    const l9 = issueCertificate({ issuer: chain[2]!, commonName: 'nine' });
    assert.equal(server([l9, ...chain.slice(2)]).error, undefined);
  });

  test('path building stops after 100 signature checks → ERR_TLSGLASS_PATH_BUILDING_LIMIT / unknown_ca', () => {
    // 60 copies of one intermediate (same name and key), each cross-signed by its own untrusted
    // root: every leaf → copy → root path verifies, so 120 signatures would be checked.
    const key = createCertificateAuthority({ commonName: 'Key holder' }).key;
    const sent: IssuedCertificate[] = [];
    for (let i = 0; i < 60; i++) {
      const r = createCertificateAuthority({ commonName: `Pain Root ${i}` });
      sent.push(createCertificateAuthority({ commonName: 'Pain Int', issuer: r, privateKey: key }), r);
    }
    const l = issueCertificate({ issuer: sent[0]!, commonName: 'pain' });
    const t0 = performance.now();
    const r = server([l, ...sent]);
    assert.ok(performance.now() - t0 < 1000);
    assertRejected(r, 'ERR_TLSGLASS_PATH_BUILDING_LIMIT', AlertDescription.unknown_ca, /100 signature checks/);
  });

  test('an issuance loop terminates (A issued by B, B issued by A)', () => {
    const a1 = createCertificateAuthority({ commonName: 'Loop A' });
    const b = createCertificateAuthority({ commonName: 'Loop B', issuer: a1 });
    const a2 = createCertificateAuthority({ commonName: 'Loop A', issuer: b, privateKey: a1.key });
    const l = issueCertificate({ issuer: a2, commonName: 'looped' });
    const t0 = performance.now();
    const r = server([l, a2, b, a2, b]);
    assert.ok(performance.now() - t0 < 1000);
    assertRejected(r, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', AlertDescription.unknown_ca);
  });
});

describe('DefaultVerifier: algorithms, keys and extensions', () => {
  test('SHA-1-signed leaf → CA_MD_TOO_WEAK / bad_certificate', () => {
    const sha1 = issueCertificate({ issuer: int, commonName: 'sha1', dnsNames: ['localhost'], hash: 'sha1' });
    assertRejected(server([sha1, int], 'localhost'), 'CA_MD_TOO_WEAK', AlertDescription.bad_certificate, /ecdsa-with-SHA1/);
  });

  test('SHA-1 self-signature on the trust anchor itself is not checked', () => {
    const sha1Root = createCertificateAuthority({ commonName: 'SHA-1 Root', hash: 'sha1' });
    const l = issueCertificate({ issuer: sha1Root, commonName: 'l' });
    const v = new DefaultVerifier({ anchors: [sha1Root.certDer], provider });
    assert.equal(server([l], undefined, now, v).error, undefined);
  });

  test('RSA-1024 leaf → EE_KEY_TOO_SMALL; RSA-1024 intermediate → CA_KEY_TOO_SMALL (bad_certificate)', () => {
    const weak = issueCertificate({ issuer: int, commonName: 'weak', keyType: 'rsa', rsaBits: 1024 });
    assertRejected(server([weak, int]), 'EE_KEY_TOO_SMALL', AlertDescription.bad_certificate, /1024 bits/);
    const weakInt = createCertificateAuthority({ commonName: 'Weak Int', issuer: root, keyType: 'rsa', rsaBits: 1024 });
    const l = issueCertificate({ issuer: weakInt, commonName: 'l' });
    assertRejected(server([l, weakInt]), 'CA_KEY_TOO_SMALL', AlertDescription.bad_certificate);
  });

  test('unknown critical extension → UNHANDLED_CRITICAL_EXTENSION / unsupported_certificate', () => {
    const ext = { oid: '1.3.6.1.4.1.99999.1', critical: true, value: Uint8Array.of(0x05, 0x00) };
    const l = issueCertificate({ issuer: int, commonName: 'crit', extraExtensions: [ext] });
    assertRejected(server([l, int]), 'UNHANDLED_CRITICAL_EXTENSION', AlertDescription.unsupported_certificate, /1\.3\.6\.1\.4\.1\.99999\.1/);
    // The same extension, not critical, is ignored (RFC 5280 §4.2).
    const ok = issueCertificate({ issuer: int, commonName: 'noncrit', extraExtensions: [{ ...ext, critical: false }] });
    assert.equal(server([ok, int]).error, undefined);
  });

  test('a malformed leaf throws ERR_TLSGLASS_BAD_CERTIFICATE / bad_certificate', () => {
    for (const der of [leaf.certDer.subarray(0, 100), Uint8Array.of(0x30, 0x80, 0, 0), new Uint8Array(0)]) {
      assert.throws(
        () => verifier.verifyServer([der], { host: 'localhost', now }),
        (e: unknown) => e instanceof CertificateError && e.code === 'ERR_TLSGLASS_BAD_CERTIFICATE' && e.alert === AlertDescription.bad_certificate,
      );
    }
    // Trailing garbage after the certificate is not DER either.
    const trailing = new Uint8Array([...leaf.certDer, 0]);
    assert.throws(() => verifier.verifyServer([trailing, int.certDer], { host: 'localhost', now }), CertificateError);
  });

  test('an empty chain throws', () => {
    assert.throws(() => verifier.verifyServer([], { host: 'localhost', now }), CertificateError);
  });
});

describe('DefaultVerifier: extendedKeyUsage (RFC 5280 §4.2.1.12)', () => {
  const clientOnly = issueCertificate({ issuer: int, commonName: 'client only', dnsNames: ['localhost'], extKeyUsage: ['clientAuth'] });
  const serverOnly = issueCertificate({ issuer: int, commonName: 'server only', extKeyUsage: ['serverAuth'] });

  test('a clientAuth-only certificate presented by a server → INVALID_PURPOSE / unsupported_certificate', () => {
    assertRejected(server([clientOnly, int], 'localhost'), 'INVALID_PURPOSE', AlertDescription.unsupported_certificate, /lacks serverAuth/);
  });

  test('a serverAuth-only certificate presented by a client → INVALID_PURPOSE / unsupported_certificate', () => {
    const r = verifier.verifyClient([serverOnly.certDer, int.certDer], { now });
    assertRejected(r, 'INVALID_PURPOSE', AlertDescription.unsupported_certificate, /lacks clientAuth/);
  });

  test('an intermediate whose EKU lacks the purpose constrains the leaf', () => {
    const clientInt = createCertificateAuthority({ commonName: 'Client CA', issuer: root, extKeyUsage: ['clientAuth'] });
    const l = issueCertificate({ issuer: clientInt, commonName: 'l', dnsNames: ['localhost'] });
    assertRejected(server([l, clientInt], 'localhost'), 'INVALID_PURPOSE', AlertDescription.unsupported_certificate, /Client CA/);
  });
});

describe('DefaultVerifier: host names (RFC 9525)', () => {
  const ALTNAME = 'ERR_TLS_CERT_ALTNAME_INVALID';
  const unknown = AlertDescription.certificate_unknown;

  test('wrong host → ERR_TLS_CERT_ALTNAME_INVALID / certificate_unknown, in Node\'s wording', () => {
    assertRejected(
      server([leaf, int], 'example.com'),
      ALTNAME,
      unknown,
      /^Hostname\/IP does not match certificate's altnames: Host: example\.com\. is not in the cert's altnames: DNS:localhost, DNS:server\.test, DNS:\*\.wild\.test, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1$/,
    );
  });

  test('wildcards: exactly one whole left-most label', () => {
    assert.equal(server([leaf, int], 'a.wild.test').error, undefined);
    assert.equal(server([leaf, int], 'A-B.WILD.TEST').error, undefined);
    assertRejected(server([leaf, int], 'wild.test'), ALTNAME, unknown);
    assertRejected(server([leaf, int], 'a.b.wild.test'), ALTNAME, unknown);
  });

  test('an IP host matches iPAddress entries only, never a DNS entry spelling the address', () => {
    const dnsIp = issueCertificate({ issuer: int, commonName: '10.0.0.1', dnsNames: ['10.0.0.1'] });
    assertRejected(server([dnsIp, int], '10.0.0.1'), ALTNAME, unknown, /IP: 10\.0\.0\.1 is not in the cert's list: $/);
    assertRejected(server([leaf, int], '127.0.0.2'), ALTNAME, unknown, /IP: 127\.0\.0\.2 is not in the cert's list: 127\.0\.0\.1, ::1/);
    // And a DNS host never matches an iPAddress entry.
    const ipOnly = issueCertificate({ issuer: int, commonName: 'ip only', ipAddresses: ['127.0.0.1'] });
    assertRejected(server([ipOnly, int], 'localhost'), ALTNAME, unknown, /Cert does not contain a DNS name/);
  });

  test('no fallback to the subject CN', () => {
    const cnOnly = issueCertificate({ issuer: int, commonName: 'localhost' });
    assertRejected(server([cnOnly, int], 'localhost'), ALTNAME, unknown, /Cert does not contain a DNS name/);
  });

  test('the host check applies to servers only, and is skipped when no host is given', () => {
    assert.equal(server([leaf, int], undefined).error, undefined);
  });
});
