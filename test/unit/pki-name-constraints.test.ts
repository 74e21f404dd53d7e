/**
 * name-constraints.ts (RFC 5280 §4.2.1.10): parsing, DNS/IP subtree matching, unsupported forms,
 * the comparison budget, and enforcement by DefaultVerifier with codes and alerts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecodeError } from '../../src/codec/reader.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { AlertDescription } from '../../src/messages/enums.js';
import type { GeneralName } from '../../src/pki/certificate.js';
import { DefaultVerifier } from '../../src/pki/default-verifier.js';
import * as der from '../../src/pki/der-writer.js';
import { parseIpAddress } from '../../src/pki/host-match.js';
import { createCertificateAuthority, issueCertificate } from '../../src/pki/issue.js';
import {
  ComparisonBudget,
  checkNameConstraints,
  dnsWithin,
  ipWithin,
  parseNameConstraints,
  type NameConstraints,
} from '../../src/pki/name-constraints.js';

const dns = (value: string): GeneralName => ({ type: 'dns', value });
const ip = (text: string): GeneralName => ({ type: 'ip', value: parseIpAddress(text)! });
const subject = (names: GeneralName[], hasSubject = true) => ({ subjectAltNames: names, hasSubject });
const budget = (): ComparisonBudget => new ComparisonBudget(10_000);
const subtree = (base: Uint8Array, ...rest: Uint8Array[]): Uint8Array => der.sequence(base, ...rest);
const dnsBase = (name: string): Uint8Array => der.implicitPrimitive(2, Uint8Array.from(name, (c) => c.charCodeAt(0)));

describe('parseNameConstraints', () => {
  test('permitted and excluded DNS and IP subtrees', () => {
    const value = der.sequence(
      der.tlv(0xa0, subtree(dnsBase('Example.COM.')), subtree(der.implicitPrimitive(7, Uint8Array.of(10, 0, 0, 0, 255, 0, 0, 0)))),
      der.tlv(0xa1, subtree(dnsBase('bad.example.com'))),
    );
    const nc = parseNameConstraints(value, true);
    assert.equal(nc.critical, true);
    assert.deepEqual(nc.permitted?.[0], { form: 'dns', name: 'example.com' });
    assert.equal(nc.permitted?.[1]?.form, 'ip');
    assert.deepEqual(nc.excluded, [{ form: 'dns', name: 'bad.example.com' }]);
  });

  test('malformed DER is a DecodeError', () => {
    for (const value of [
      der.sequence(), // neither permitted nor excluded (§4.2.1.10)
      der.sequence(der.tlv(0xa0)), // GeneralSubtrees SIZE (1..MAX)
      der.sequence(der.tlv(0xa1, der.sequence())), // GeneralSubtree without base
      Uint8Array.of(0x30, 0x03, 0xa0, 0x01), // truncated
      der.sequence(der.tlv(0xa0, subtree(dnsBase('a.com'))), der.tlv(0xa0, subtree(dnsBase('b.com')))), // permitted twice
    ]) {
      assert.throws(() => parseNameConstraints(value, true), DecodeError);
    }
  });

  test('minimum/maximum, odd IP lengths, non-prefix masks and other forms are kept as unsupported', () => {
    const nc = parseNameConstraints(
      der.sequence(
        der.tlv(
          0xa0,
          subtree(dnsBase('a.com'), der.implicitPrimitive(1, Uint8Array.of(2))),
          subtree(der.implicitPrimitive(7, Uint8Array.of(10, 0, 0, 0))),
          subtree(der.implicitPrimitive(7, Uint8Array.of(10, 0, 0, 0, 255, 0, 255, 0))),
          subtree(der.tlv(0xa4, der.sequence())),
        ),
      ),
      true,
    );
    const forms = nc.permitted!.map((s) => (s.form === 'unsupported' ? `${s.syntax ? 'syntax' : 'type'}:${s.tag.toString(16)}` : s.form));
    assert.deepEqual(forms, ['syntax:82', 'syntax:87', 'syntax:87', 'type:a4']);
  });
});

describe('dnsWithin (RFC 5280 §4.2.1.10)', () => {
  const cases: Array<[string, string, 'permitted' | 'excluded', boolean]> = [
    ['example.com', 'example.com', 'permitted', true],
    ['www.example.com', 'example.com', 'permitted', true],
    ['a.b.example.com', 'example.com', 'permitted', true],
    ['WWW.Example.Com.', 'example.com', 'permitted', true],
    ['notexample.com', 'example.com', 'permitted', false],
    ['example.com', 'www.example.com', 'permitted', false],
    ['example.com', '.example.com', 'permitted', false],
    ['a.example.com', '.example.com', 'permitted', true],
    ['anything.test', '', 'permitted', true],
    ['*.example.com', 'example.com', 'permitted', true],
    ['*.example.com', 'www.example.com', 'permitted', false],
    ['*.example.com', 'bad.example.com', 'excluded', true], // the wildcard would match bad.example.com
    ['*.example.com', 'x.bad.example.com', 'excluded', false], // one label only
    ['*.example.com', '.bad.example.com', 'excluded', false],
    ['*.other.com', 'bad.example.com', 'excluded', false],
  ];
  for (const [name, constraint, role, expected] of cases) {
    test(`${name} within ${JSON.stringify(constraint)} (${role}) → ${expected}`, () => {
      assert.equal(dnsWithin(name, constraint, role), expected);
    });
  }
});

test('ipWithin: address under mask, families must agree', () => {
  const v4 = [Uint8Array.of(10, 0, 0, 0), Uint8Array.of(255, 0, 0, 0)] as const;
  assert.equal(ipWithin(parseIpAddress('10.200.3.4')!, ...v4), true);
  assert.equal(ipWithin(parseIpAddress('11.0.0.1')!, ...v4), false);
  assert.equal(ipWithin(parseIpAddress('::ffff:10.0.0.1')!, ...v4), false);
  const v6 = [parseIpAddress('2001:db8::')!, parseIpAddress('ffff:ffff::')!] as const;
  assert.equal(ipWithin(parseIpAddress('2001:db8:1::1')!, ...v6), true);
  assert.equal(ipWithin(parseIpAddress('2001:db9::1')!, ...v6), false);
});

describe('checkNameConstraints', () => {
  const nc: NameConstraints = {
    critical: true,
    permitted: [{ form: 'dns', name: 'example.com' }],
    excluded: [{ form: 'ip', address: Uint8Array.of(192, 168, 0, 0), mask: Uint8Array.of(255, 255, 0, 0) }],
  };

  test('only the forms listed in permittedSubtrees are restricted; excluded applies to every name', () => {
    assert.equal(checkNameConstraints(nc, subject([dns('a.example.com'), ip('10.0.0.1')]), budget()), undefined);
    assert.equal(checkNameConstraints(nc, subject([dns('a.example.org')]), budget())?.code, 'PERMITTED_VIOLATION');
    assert.equal(checkNameConstraints(nc, subject([ip('192.168.1.1')]), budget())?.code, 'EXCLUDED_VIOLATION');
    assert.equal(checkNameConstraints(nc, subject([]), budget()), undefined);
  });

  test('a critical constraint on an unsupported form rejects only when that form appears', () => {
    const dirName: NameConstraints = { critical: true, permitted: [{ form: 'unsupported', tag: 0xa4, syntax: false, reason: 'directoryName constraints' }], excluded: [] };
    assert.equal(checkNameConstraints(dirName, subject([dns('a.com')]), budget())?.code, 'UNSUPPORTED_CONSTRAINT_TYPE');
    assert.equal(checkNameConstraints(dirName, subject([dns('a.com')], false), budget()), undefined);
    assert.equal(checkNameConstraints({ ...dirName, critical: false }, subject([dns('a.com')]), budget()), undefined);
    const email: NameConstraints = { critical: true, permitted: undefined, excluded: [{ form: 'unsupported', tag: 0x81, syntax: false, reason: 'rfc822Name constraints' }] };
    assert.equal(checkNameConstraints(email, subject([dns('a.com')]), budget()), undefined);
    assert.equal(checkNameConstraints(email, subject([{ type: 'other', tag: 0x81 }]), budget())?.code, 'UNSUPPORTED_CONSTRAINT_TYPE');
  });

  test('an unreadable DNS/IP subtree rejects names of its form even when not critical', () => {
    const bad: NameConstraints = { critical: false, permitted: [{ form: 'unsupported', tag: 0x87, syntax: true, reason: 'x' }], excluded: [] };
    assert.equal(checkNameConstraints(bad, subject([ip('10.0.0.1')]), budget())?.code, 'UNSUPPORTED_CONSTRAINT_SYNTAX');
    assert.equal(checkNameConstraints(bad, subject([dns('a.com')]), budget()), undefined);
  });

  test('the comparison budget is shared and exhausts into a typed violation', () => {
    const b = new ComparisonBudget(5);
    const names = [dns('a.example.com'), dns('b.example.com')];
    assert.equal(checkNameConstraints(nc, subject(names), b), undefined); // 2 × 2 = 4
    assert.equal(checkNameConstraints(nc, subject(names), b)?.code, 'ERR_TLSGLASS_NAME_CONSTRAINTS_LIMIT');
  });
});

describe('DefaultVerifier: name constraints', () => {
  const now = new Date();
  const root = createCertificateAuthority({ commonName: 'NC Test Root' });
  const verifier = new DefaultVerifier({ anchors: [root.certDer], provider: nodeCryptoProvider });

  test('violations are bad_certificate, named by certificate and constraint', () => {
    const int = createCertificateAuthority({ commonName: 'NC Int', issuer: root, nameConstraints: { permitted: ['DNS:example.com'], excluded: ['IP:10.0.0.0/8'] } });
    const outside = issueCertificate({ issuer: int, commonName: 'l', dnsNames: ['example.org'] });
    const r = verifier.verifyServer([outside.certDer, int.certDer], { host: undefined, now });
    assert.equal(r.error?.code, 'PERMITTED_VIOLATION');
    assert.equal(r.error?.alert, AlertDescription.bad_certificate);
    assert.match(r.error!.message, /^permitted subtree violation: "CN=l" \(issuer "CN=NC Int"\): DNS:example\.org is not within .*DNS:example\.com.*constrained by "CN=NC Int"/);
    const excluded = issueCertificate({ issuer: int, commonName: 'l', ipAddresses: ['10.1.1.1'] });
    const e = verifier.verifyServer([excluded.certDer, int.certDer], { host: undefined, now });
    assert.equal(e.error?.code, 'EXCLUDED_VIOLATION');
    assert.equal(e.error?.alert, AlertDescription.bad_certificate);
  });

  test('a critical nameConstraints extension is processed, no longer refused as unhandled', () => {
    const int = createCertificateAuthority({ commonName: 'NC Int', issuer: root, nameConstraints: { permitted: ['DNS:example.com'] } });
    const ok = issueCertificate({ issuer: int, commonName: 'l', dnsNames: ['www.example.com'] });
    const r = verifier.verifyServer([ok.certDer, int.certDer], { host: 'www.example.com', now });
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.chain?.length, 3);
  });

  test('pathological constraints × names stop at the budget, quickly', () => {
    const permitted = Array.from({ length: 600 }, (_, i) => `DNS:allowed${i}.example`);
    const int = createCertificateAuthority({ commonName: 'Many constraints', issuer: root, nameConstraints: { permitted } });
    const dnsNames = Array.from({ length: 500 }, (_, i) => `h${i}.allowed${i}.example`);
    const l = issueCertificate({ issuer: int, commonName: 'many names', dnsNames });
    const t0 = performance.now();
    const r = verifier.verifyServer([l.certDer, int.certDer], { host: undefined, now });
    assert.ok(performance.now() - t0 < 1000);
    assert.equal(r.error?.code, 'ERR_TLSGLASS_NAME_CONSTRAINTS_LIMIT');
    assert.equal(r.error?.alert, AlertDescription.bad_certificate);
    // Under the budget (200 × 600 = 120,000 comparisons) the same CA validates.
    const fewer = issueCertificate({ issuer: int, commonName: 'fewer names', dnsNames: dnsNames.slice(0, 200) });
    assert.equal(verifier.verifyServer([fewer.certDer, int.certDer], { host: undefined, now }).error, undefined);
  });

  test('a critical directoryName constraint is refused as unsupported (unsupported_certificate)', () => {
    const dirNc = der.sequence(der.tlv(0xa0, subtree(der.tlv(0xa4, der.sequence()))));
    const int = createCertificateAuthority({
      commonName: 'DirName NC',
      issuer: root,
      extraExtensions: [{ oid: '2.5.29.30', critical: true, value: dirNc }],
    });
    const l = issueCertificate({ issuer: int, commonName: 'l', dnsNames: ['a.example'] });
    const r = verifier.verifyServer([l.certDer, int.certDer], { host: undefined, now });
    assert.equal(r.error?.code, 'UNSUPPORTED_CONSTRAINT_TYPE');
    assert.equal(r.error?.alert, AlertDescription.unsupported_certificate);
  });

  test('an iPAddress SAN of other than 4 or 16 octets makes the certificate unparseable, so no excluded subtree is evaded', () => {
    const int = createCertificateAuthority({ commonName: 'NC Int', issuer: root, nameConstraints: { excluded: ['IP:10.0.0.0/8'] } });
    const san = der.sequence(der.implicitPrimitive(7, Uint8Array.of(10, 0, 0, 1, 0)));
    const l = issueCertificate({ issuer: int, commonName: 'l', extraExtensions: [{ oid: '2.5.29.17', critical: false, value: san }] });
    assert.throws(
      () => verifier.verifyServer([l.certDer, int.certDer], { host: undefined, now }),
      (e: unknown) => (e as { code?: string }).code === 'ERR_TLSGLASS_BAD_CERTIFICATE' && /iPAddress: 5 octets/.test((e as Error).message),
    );
  });

  test('a malformed nameConstraints extension makes the certificate unparseable (ERR_TLSGLASS_BAD_CERTIFICATE)', () => {
    const int = createCertificateAuthority({ commonName: 'Bad NC', issuer: root, extraExtensions: [{ oid: '2.5.29.30', critical: true, value: der.sequence() }] });
    const l = issueCertificate({ issuer: int, commonName: 'l' });
    assert.throws(
      () => verifier.verifyServer([l.certDer, int.certDer], { host: undefined, now }),
      (e: unknown) => (e as { code?: string }).code === 'ERR_TLSGLASS_BAD_CERTIFICATE',
    );
  });
});
