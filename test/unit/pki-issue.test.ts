/**
 * issue.ts / der-writer.ts / der-reader.ts / certificate.ts: minted certificates parse with
 * node:crypto and the openssl CLI, `openssl verify` accepts the chains for the right purpose and
 * host, and the DER reader is strict and reads every root in node:tls.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DecodeError } from '../../src/codec/reader.js';
import { basicConstraintsOf, parseCertificate, subjectAltNamesOf } from '../../src/pki/certificate.js';
import { DerReader, Tag, decodeOid, readDer } from '../../src/pki/der-reader.js';
import * as der from '../../src/pki/der-writer.js';
import { createCertificateAuthority, issueCertificate, type IssuedCertificate } from '../../src/node/issue.js';
import { decodePem } from '../../src/pki/pem.js';
import { parseCertificateCached } from '../../src/pki/parsed-certificate.js';
import { runtimeName } from '../helpers/runtime.js';

const OPENSSL = '/usr/bin/openssl';
const haveOpenssl = existsSync(OPENSSL);
const dir = mkdtempSync(join(tmpdir(), 'tlsglass-pki-issue-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, c: IssuedCertificate | string): string {
  const path = join(dir, name);
  writeFileSync(path, typeof c === 'string' ? c : c.certPem);
  return path;
}

/** `openssl verify …`: [exit status, combined output]. */
function opensslVerify(...args: string[]): [number, string] {
  const r = spawnSync(OPENSSL, ['verify', ...args], { encoding: 'utf8' });
  return [r.status ?? -1, `${r.stdout}${r.stderr}`];
}

const root = createCertificateAuthority({ commonName: 'Issue Test Root', organization: 'tlsglass', keyType: 'rsa' });
const int = createCertificateAuthority({ commonName: 'Issue Test Int P-384', issuer: root, curve: 'P-384', pathLength: 0 });
const rsaLeaf = issueCertificate({
  issuer: int,
  commonName: 'localhost',
  keyType: 'rsa',
  dnsNames: ['localhost', '*.example.test'],
  ipAddresses: ['127.0.0.1', '::1'],
});
const ecLeaf = issueCertificate({ issuer: root, commonName: 'ec.test', dnsNames: ['ec.test'], curve: 'P-256', extKeyUsage: ['serverAuth', 'clientAuth'] });
const client = issueCertificate({ issuer: int, commonName: 'client', extKeyUsage: ['clientAuth'] });

/**
 * extKeyUsage as X509Certificate.keyUsage shows it (OpenSSL under Node, BoringSSL under Bun); Deno's
 * keyUsage is the keyUsage extension instead, so there our DER reader reads it.
 */
const ekuOf = (c: { certPem: string; certDer: Uint8Array }): readonly string[] | undefined =>
  runtimeName === 'Deno' ? parseCertificateCached(c.certDer, 'eku').extKeyUsage : new X509Certificate(c.certPem).keyUsage;

describe('issued certificates', () => {
  test('parse with X509Certificate: names, SANs, EKU, CA flag, issuance', () => {
    const x = new X509Certificate(rsaLeaf.certPem);
    assert.equal(x.subject, 'CN=localhost');
    assert.equal(x.issuer, 'CN=Issue Test Int P-384');
    // Deno's X509Certificate writes IPv6 addresses compressed.
    assert.equal(x.subjectAltName, `DNS:localhost, DNS:*.example.test, IP Address:127.0.0.1, IP Address:${runtimeName === 'Deno' ? '::1' : '0:0:0:0:0:0:0:1'}`);
    assert.deepEqual(ekuOf(rsaLeaf), ['1.3.6.1.5.5.7.3.1']);
    assert.equal(x.ca, false);
    assert.equal(x.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    const xi = new X509Certificate(int.certPem);
    const xr = new X509Certificate(root.certPem);
    assert.equal(xr.subject, 'O=tlsglass\nCN=Issue Test Root');
    assert.equal(xi.ca, true);
    assert.equal(xr.ca, true);
    assert.ok(x.checkIssued(xi) && x.verify(xi.publicKey));
    assert.ok(xi.checkIssued(xr) && xi.verify(xr.publicKey));
    assert.ok(xr.checkIssued(xr) && xr.verify(xr.publicKey));
    assert.deepEqual(ekuOf(ecLeaf), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.equal(ekuOf(client)?.join(), '1.3.6.1.5.5.7.3.2');
  });

  test('extensions as requested (read back with our DER reader)', () => {
    const f = parseCertificate(rsaLeaf.certDer);
    assert.equal(f.version, 3);
    assert.deepEqual(basicConstraintsOf(f), { ca: false, pathLength: undefined });
    assert.deepEqual(basicConstraintsOf(parseCertificate(int.certDer)), { ca: true, pathLength: 0 });
    assert.deepEqual(basicConstraintsOf(parseCertificate(root.certDer)), { ca: true, pathLength: undefined });
    assert.deepEqual(
      f.extensions.map((e) => [e.oid, e.critical]),
      [
        ['2.5.29.19', true],
        ['2.5.29.15', true],
        ['2.5.29.37', false],
        ['2.5.29.17', false],
        ['2.5.29.14', false],
        ['2.5.29.35', false],
      ],
    );
    assert.deepEqual(subjectAltNamesOf(f).map((n) => n.type), ['dns', 'dns', 'ip', 'ip']);
    // Serial: 16 octets, positive.
    assert.equal(f.serialNumber.length, 16);
    assert.equal(f.serialNumber[0]! & 0x80, 0);
    // Signature algorithms: the issuer's key decides (P-384 → ecdsa-with-SHA384; RSA → sha256WithRSAEncryption).
    assert.equal(f.signatureAlgorithm.oid, '1.2.840.10045.4.3.3');
    assert.equal(parseCertificate(int.certDer).signatureAlgorithm.oid, '1.2.840.113549.1.1.11');
    assert.equal(parseCertificate(ecLeaf.certDer).signatureAlgorithm.oid, '1.2.840.113549.1.1.11');
    assert.equal(parseCertificate(issueCertificate({ issuer: ecLeaf, commonName: 'x' }).certDer).signatureAlgorithm.oid, '1.2.840.10045.4.3.2');
  });

  test('departures for strict-profile tests: extensionOverrides, rawSerialNumber, anyExtendedKeyUsage, OU and DN: constraints', () => {
    const odd = issueCertificate({
      issuer: int,
      commonName: 'odd',
      organizationalUnit: 'Web',
      dnsNames: ['a.test'],
      rawSerialNumber: Uint8Array.of(0x80, 0x01),
      extKeyUsage: ['serverAuth', 'anyExtendedKeyUsage'],
      extensionOverrides: {
        authorityKeyIdentifier: null,
        subjectAltName: { critical: true },
        basicConstraints: { critical: false },
        subjectKeyIdentifier: { value: der.octetString(Uint8Array.of(1, 2, 3)) },
      },
    });
    const f = parseCertificate(odd.certDer);
    assert.deepEqual(
      f.extensions.map((e) => [e.oid, e.critical]),
      [
        ['2.5.29.19', false],
        ['2.5.29.15', true],
        ['2.5.29.37', false],
        ['2.5.29.17', true],
        ['2.5.29.14', false],
      ],
    );
    assert.deepEqual(f.serialNumber, Uint8Array.of(0x80, 0x01));
    assert.deepEqual(readDer(f.extensions[4]!.value, Tag.OCTET_STRING, 'ski').value, Uint8Array.of(1, 2, 3));
    const x = new X509Certificate(odd.certPem);
    assert.equal(x.subject, 'OU=Web\nCN=odd');
    assert.deepEqual(ekuOf(odd), ['1.3.6.1.5.5.7.3.1', '2.5.29.37.0']);
    assert.ok(x.verify(new X509Certificate(int.certPem).publicKey));
    const dnCa = createCertificateAuthority({ commonName: 'DN NC', issuer: root, nameConstraints: { permitted: ['DN:O=Acme,OU=Web'], excluded: ['DNS:bad.test'] } });
    if (haveOpenssl) {
      const text = execFileSync(OPENSSL, ['x509', '-noout', '-text'], { input: dnCa.certPem, encoding: 'utf8' });
      assert.match(text, /Permitted:\s+DirName:O = Acme, OU = Web\s+Excluded:\s+DNS:bad\.test/);
    }
    assert.throws(() => createCertificateAuthority({ commonName: 'x', nameConstraints: { permitted: ['DN:C=US'] } }), RangeError);
  });

  test('UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)', () => {
    const c = issueCertificate({ commonName: 'dates', notBefore: new Date('2049-12-31T23:59:59Z'), notAfter: new Date('2050-01-01T00:00:00Z') });
    const tbs = new DerReader(new DerReader(readDer(c.certDer, Tag.SEQUENCE, 'cert').value).read(Tag.SEQUENCE, 'tbs').value);
    for (const what of ['version', 'serial', 'signature', 'issuer']) tbs.read(undefined, what);
    const validity = new DerReader(tbs.read(Tag.SEQUENCE, 'validity').value);
    const nb = validity.read(undefined, 'notBefore');
    const na = validity.read(undefined, 'notAfter');
    assert.equal(nb.tag, Tag.UTCTime);
    assert.equal(new TextDecoder().decode(nb.value), '491231235959Z');
    assert.equal(na.tag, Tag.GeneralizedTime);
    assert.equal(new TextDecoder().decode(na.value), '20500101000000Z');
    const f = parseCertificate(c.certDer);
    assert.equal(f.notBefore.toISOString(), '2049-12-31T23:59:59.000Z');
    assert.equal(f.notAfter.toISOString(), '2050-01-01T00:00:00.000Z');
    assert.equal(new X509Certificate(c.certPem).validTo, 'Jan  1 00:00:00 2050 GMT');
  });

  test('default validity: from an hour ago, for a year', () => {
    const f = parseCertificate(client.certDer);
    const hour = 3600_000;
    assert.ok(Math.abs(f.notBefore.getTime() - (Date.now() - hour)) < 60_000);
    assert.ok(Math.abs(f.notAfter.getTime() - f.notBefore.getTime() - (hour + 365 * 86400_000)) < 2000);
  });
});

describe('openssl agrees', { skip: haveOpenssl ? false : 'openssl not installed' }, () => {
  test('`openssl x509 -noout -text` shows what was asked for', () => {
    const text = execFileSync(OPENSSL, ['x509', '-noout', '-text', '-in', file('rsa-leaf.pem', rsaLeaf)], { encoding: 'utf8' });
    assert.match(text, /Version: 3 \(0x2\)/);
    assert.match(text, /Signature Algorithm: ecdsa-with-SHA384/);
    assert.match(text, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
    assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment/);
    assert.match(text, /X509v3 Extended Key Usage:\s+TLS Web Server Authentication/);
    assert.match(text, /DNS:localhost, DNS:\*\.example\.test, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
    const intText = execFileSync(OPENSSL, ['x509', '-noout', '-text', '-in', file('int.pem', int)], { encoding: 'utf8' });
    assert.match(intText, /CA:TRUE, pathlen:0/);
    assert.match(intText, /Certificate Sign, CRL Sign/);
    const ecText = execFileSync(OPENSSL, ['x509', '-noout', '-text', '-in', file('ec-leaf.pem', ecLeaf)], { encoding: 'utf8' });
    assert.match(ecText, /X509v3 Key Usage: critical\s+Digital Signature\n/);
  });

  test('`openssl verify` accepts the chains for their purpose and names', () => {
    const ca = file('root.pem', root);
    const untrusted = file('int.pem', int);
    const ok = (args: string[]): void => {
      const [status, out] = opensslVerify('-CAfile', ca, ...args);
      assert.equal(status, 0, out);
      assert.match(out, /: OK/);
    };
    ok(['-untrusted', untrusted, '-purpose', 'sslserver', '-verify_hostname', 'localhost', file('rsa-leaf.pem', rsaLeaf)]);
    ok(['-untrusted', untrusted, '-purpose', 'sslserver', '-verify_hostname', 'a.example.test', file('rsa-leaf.pem', rsaLeaf)]);
    ok(['-untrusted', untrusted, '-purpose', 'sslserver', '-verify_ip', '::1', file('rsa-leaf.pem', rsaLeaf)]);
    ok(['-purpose', 'sslserver', '-verify_hostname', 'ec.test', file('ec-leaf.pem', ecLeaf)]);
    ok(['-purpose', 'sslclient', file('ec-leaf.pem', ecLeaf)]);
    ok(['-untrusted', untrusted, '-purpose', 'sslclient', file('client.pem', client)]);
  });

  test('`openssl verify` rejects what should be rejected', () => {
    const ca = file('root.pem', root);
    const untrusted = file('int.pem', int);
    const bad = (args: string[], error: RegExp): void => {
      const [status, out] = opensslVerify('-CAfile', ca, ...args);
      assert.notEqual(status, 0, out);
      assert.match(out, error);
    };
    bad(['-untrusted', untrusted, '-purpose', 'sslclient', file('rsa-leaf.pem', rsaLeaf)], /unsuitable certificate purpose/);
    bad(['-untrusted', untrusted, '-purpose', 'sslserver', file('client.pem', client)], /unsuitable certificate purpose/);
    bad(['-untrusted', untrusted, '-verify_hostname', 'other.test', file('rsa-leaf.pem', rsaLeaf)], /hostname mismatch/);
    const expired = issueCertificate({ issuer: root, commonName: 'old', notBefore: new Date('2020-01-01Z'), notAfter: new Date('2021-01-01Z') });
    bad([file('expired.pem', expired)], /certificate has expired/);
    const below = createCertificateAuthority({ commonName: 'Below pathlen 0', issuer: int });
    const deep = issueCertificate({ issuer: below, commonName: 'deep' });
    bad(['-untrusted', file('chain.pem', int.certPem + below.certPem), file('deep.pem', deep)], /path length constraint exceeded/);
  });
});

describe('der-writer and der-reader', () => {
  test('INTEGER is minimal and positive', () => {
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    assert.equal(hex(der.integer(0)), '020100');
    assert.equal(hex(der.integer(127)), '02017f');
    assert.equal(hex(der.integer(128)), '02020080');
    assert.equal(hex(der.integer(256)), '02020100');
    assert.equal(hex(der.integer(Uint8Array.of(0, 0, 0x7f))), '02017f');
    assert.equal(hex(der.integer(Uint8Array.of(0xff))), '020200ff');
  });

  test('OBJECT IDENTIFIER round-trips', () => {
    for (const oid of ['2.5.29.19', '1.2.840.113549.1.1.11', '1.3.6.1.4.1.311.60.2.1.3', '2.999.1']) {
      assert.equal(decodeOid(readDer(der.oid(oid), Tag.OBJECT_IDENTIFIER, 'oid').value), oid);
    }
  });

  test('named bits drop trailing zeros (X.690 §11.2.2)', () => {
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    assert.equal(hex(der.namedBits([0])), '03020780'); // digitalSignature
    assert.equal(hex(der.namedBits([0, 2])), '030205a0'); // + keyEncipherment
    assert.equal(hex(der.namedBits([5, 6])), '03020106'); // keyCertSign, cRLSign
  });

  test('long lengths are written and read back', () => {
    const big = der.octetString(new Uint8Array(300));
    assert.equal(Buffer.from(big.subarray(0, 4)).toString('hex'), '0482012c');
    assert.equal(readDer(big, Tag.OCTET_STRING, 'x').value.length, 300);
  });

  test('BER forms are refused', () => {
    const bad: Array<[string, number[]]> = [
      ['indefinite length', [0x30, 0x80, 0x00, 0x00]],
      ['non-minimal long form', [0x04, 0x81, 0x01, 0x00]],
      ['leading zero length octet', [0x04, 0x82, 0x00, 0x81, ...new Array<number>(0x81).fill(0)]],
      ['length past the end', [0x04, 0x05, 0x00]],
      ['trailing bytes', [0x05, 0x00, 0x00]],
      ['high tag number', [0x1f, 0x20, 0x00]],
    ];
    for (const [what, bytes] of bad) {
      assert.throws(() => readDer(Uint8Array.from(bytes), bytes[0]!, what), DecodeError, what);
    }
  });

  test('certificate-level strictness: duplicate extensions and explicit critical FALSE', () => {
    const ext = { oid: '1.3.6.1.4.1.99999.2', critical: false, value: Uint8Array.of(5, 0) };
    const dup = issueCertificate({ commonName: 'dup', extraExtensions: [ext, ext] });
    assert.throws(() => parseCertificate(dup.certDer), /appears twice/);
  });

  test('every root certificate in node:tls parses with our strict reader', () => {
    let n = 0;
    for (const pem of rootCertificates) {
      for (const block of decodePem(pem)) {
        const f = parseCertificate(block.der);
        assert.ok(f.notBefore < f.notAfter);
        n++;
      }
    }
    assert.ok(n > 100, `${n} roots`);
  });
});
