/**
 * name-constraints.ts (RFC 5280 §4.2.1.10): parsing, DNS/IP subtree matching, unsupported forms,
 * the comparison budget, and enforcement by DefaultVerifier with codes and alerts.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecodeError } from '../../src/codec/reader.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { AlertDescription } from '../../src/messages/enums.js';
import type { GeneralName } from '../../src/pki/certificate.js';
import { DefaultVerifier } from '../../src/pki/default-verifier.js';
import * as der from '../../src/pki/der-writer.js';
import { parseIpAddress } from '../../src/pki/host-match.js';
import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';
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
/** A Name of one attribute per RDN: [OID, string tag, value]. */
const dn = (...rdns: [string, number, string][]): Uint8Array =>
  der.sequence(...rdns.map(([oid, tag, v]) => der.setOf(der.sequence(der.oid(oid), der.tlv(tag, new TextEncoder().encode(v))))));
const O = '2.5.4.10';
const CN = '2.5.4.3';
const UTF8 = 0x0c;
const PRINTABLE = 0x13;
const EMPTY_NAME = der.sequence();
const subject = (names: GeneralName[], subjectName: Uint8Array = dn([CN, UTF8, 'leaf'])) => ({ subjectAltNames: names, subject: subjectName });
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
          subtree(der.implicitPrimitive(6, new TextEncoder().encode('.example.com'))),
        ),
      ),
      true,
    );
    const forms = nc.permitted!.map((s) => (s.form === 'unsupported' ? `${s.syntax ? 'syntax' : 'type'}:${s.tag.toString(16)}` : s.form));
    assert.deepEqual(forms, ['syntax:82', 'syntax:87', 'syntax:87', 'type:86']);
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
    const uri: NameConstraints = { critical: true, permitted: [{ form: 'unsupported', tag: 0x86, syntax: false, reason: 'URI constraints' }], excluded: [] };
    const uriName: GeneralName = { type: 'other', tag: 0x86, value: new TextEncoder().encode('https://a.com/') };
    assert.equal(checkNameConstraints(uri, subject([dns('a.com'), uriName]), budget())?.code, 'UNSUPPORTED_CONSTRAINT_TYPE');
    assert.equal(checkNameConstraints(uri, subject([dns('a.com')]), budget()), undefined);
    assert.equal(checkNameConstraints({ ...uri, critical: false }, subject([dns('a.com'), uriName]), budget()), undefined);
    const email: NameConstraints = { critical: true, permitted: undefined, excluded: [{ form: 'unsupported', tag: 0x81, syntax: false, reason: 'rfc822Name constraints' }] };
    assert.equal(checkNameConstraints(email, subject([dns('a.com')]), budget()), undefined);
    assert.equal(checkNameConstraints(email, subject([{ type: 'other', tag: 0x81, value: new Uint8Array(0) }]), budget())?.code, 'UNSUPPORTED_CONSTRAINT_TYPE');
  });

  test('directoryName subtrees: an RDN prefix of the subject and of directoryName SANs, compared as RFC 5280 §7.1 asks', () => {
    const parse = (permitted: Uint8Array[], excluded: Uint8Array[] = []): NameConstraints =>
      parseNameConstraints(
        der.sequence(
          ...(permitted.length ? [der.tlv(0xa0, ...permitted.map((n) => subtree(der.tlv(0xa4, n))))] : []),
          ...(excluded.length ? [der.tlv(0xa1, ...excluded.map((n) => subtree(der.tlv(0xa4, n))))] : []),
        ),
        true,
      );
    const acme = parse([dn([O, UTF8, 'Acme Corp'])]);
    assert.equal(acme.permitted?.[0]?.form, 'dn');
    // The base's RDNs must begin the name, attribute by attribute; case, string type and spacing do not matter.
    assert.equal(checkNameConstraints(acme, subject([], dn([O, UTF8, 'Acme Corp'], [CN, UTF8, 'www'])), budget()), undefined);
    assert.equal(checkNameConstraints(acme, subject([], dn([O, PRINTABLE, '  ACME   corp '], [CN, UTF8, 'www'])), budget()), undefined);
    assert.equal(checkNameConstraints(acme, subject([], dn([O, UTF8, 'Acme Corp'])), budget()), undefined);
    const outside = checkNameConstraints(acme, subject([], dn([O, UTF8, 'Acme Corporation'], [CN, UTF8, 'www'])), budget());
    assert.equal(outside?.code, 'PERMITTED_VIOLATION');
    assert.match(outside!.reason, /its subject \(o=acme corporation, cn=www\) is not within its issuer's permitted directoryName subtrees \(DirName:o=acme corp\)/);
    // Not a prefix: the same RDN later in the name, or another attribute type with the same value.
    assert.equal(checkNameConstraints(acme, subject([], dn([CN, UTF8, 'x'], [O, UTF8, 'Acme Corp'])), budget())?.code, 'PERMITTED_VIOLATION');
    assert.equal(checkNameConstraints(acme, subject([], dn([CN, UTF8, 'Acme Corp'])), budget())?.code, 'PERMITTED_VIOLATION');
    // An empty subject names nothing; a directoryName SAN is checked like the subject.
    assert.equal(checkNameConstraints(acme, subject([dns('a.com')], EMPTY_NAME), budget()), undefined);
    const sanOutside: GeneralName = { type: 'other', tag: 0xa4, value: dn([O, UTF8, 'Other']) };
    assert.equal(checkNameConstraints(acme, subject([sanOutside]), budget())?.code, 'PERMITTED_VIOLATION');
    assert.equal(checkNameConstraints(acme, subject([sanOutside], dn([O, UTF8, 'acme corp'])), budget())?.code, 'PERMITTED_VIOLATION');
    // Excluded subtrees; the empty Name as a base covers every name.
    const noAcme = parse([], [dn([O, UTF8, 'Acme Corp'])]);
    assert.equal(checkNameConstraints(noAcme, subject([], dn([O, UTF8, 'ACME CORP'], [CN, UTF8, 'www'])), budget())?.code, 'EXCLUDED_VIOLATION');
    assert.equal(checkNameConstraints(noAcme, subject([], dn([O, UTF8, 'Other'], [CN, UTF8, 'www'])), budget()), undefined);
    assert.equal(checkNameConstraints(parse([], [EMPTY_NAME]), subject([]), budget())?.code, 'EXCLUDED_VIOLATION');
    // directoryName constraints leave DNS names alone, and DNS constraints leave the subject alone.
    assert.equal(checkNameConstraints(acme, subject([dns('evil.test')], dn([O, UTF8, 'Acme Corp'])), budget()), undefined);
    // A base that is not a DER Name is an unreadable subtree.
    const broken = parseNameConstraints(der.sequence(der.tlv(0xa0, subtree(der.tlv(0xa4, der.sequence(der.integer(1)))))), true);
    assert.equal(checkNameConstraints(broken, subject([]), budget())?.code, 'UNSUPPORTED_CONSTRAINT_SYNTAX');
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

  test('a critical directoryName constraint is processed (no longer refused as unsupported) under both profiles', () => {
    const int = createCertificateAuthority({ commonName: 'DirName NC', issuer: root, nameConstraints: { permitted: ['DN:O=Acme'] } });
    const inside = issueCertificate({ issuer: int, commonName: 'l', organization: 'Acme', dnsNames: ['a.example'] });
    const outside = issueCertificate({ issuer: int, commonName: 'l', organization: 'Other', dnsNames: ['a.example'] });
    for (const profile of ['rfc5280', 'strict'] as const) {
      const v = new DefaultVerifier({ anchors: [root.certDer], provider: nodeCryptoProvider, profile });
      assert.equal(v.verifyServer([inside.certDer, int.certDer], { host: undefined, now }).error, undefined, profile);
      const r = v.verifyServer([outside.certDer, int.certDer], { host: undefined, now });
      assert.equal(r.error?.code, 'PERMITTED_VIOLATION', profile);
      assert.equal(r.error?.alert, AlertDescription.bad_certificate);
      assert.match(r.error!.message, /its subject \(o=other, cn=l\) is not within its issuer's permitted directoryName subtrees \(DirName:o=acme\)/);
    }
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
