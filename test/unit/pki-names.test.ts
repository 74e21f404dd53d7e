/**
 * Our DER reading of names, subjectAltName, extKeyUsage and keys against node:crypto's
 * X509Certificate, which the verifier and traces used before (issue 16): the same text, field for
 * field, on every root Node bundles and on certificates built here with the awkward cases
 * (RFC 2253 specials, leading/trailing spaces and '#', control characters, multi-valued RDNs,
 * BMPString/T61String/UniversalString values, unknown attribute types, every GeneralName form).
 * X509Certificate parses without checking signatures, so the built certificates carry a dummy one.
 */
import assert from 'node:assert/strict';
import { X509Certificate, constants, createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { rootCertificates } from 'node:tls';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { issuedBy, signedBy } from '../../src/pki/certificate-signature.js';
import * as der from '../../src/pki/der-writer.js';
import { nameKey } from '../../src/pki/name.js';
import { parseCertificateCached } from '../../src/pki/parsed-certificate.js';
import { decodePem } from '../../src/pki/pem.js';
import { nodeIsNode } from '../helpers/runtime.js';

const tlv = der.tlv;
const text = (s: string) => new TextEncoder().encode(s);
const utf16 = (s: string) => Uint8Array.from([...s].flatMap((c) => [c.charCodeAt(0) >> 8, c.charCodeAt(0) & 0xff]));
const ucs4 = (s: string) => Uint8Array.from([...s].flatMap((c) => { const p = c.codePointAt(0)!; return [p >>> 24, (p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff]; }));
const atv = (oid: string, value: Uint8Array) => der.sequence(der.oid(oid), value);
const rdn = (...atvs: Uint8Array[]) => der.setOf(...atvs);
const name = (...rdns: Uint8Array[]) => der.sequence(...rdns);
const CN = '2.5.4.3';
const O = '2.5.4.10';

const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' });

/** A certificate with these names and extensions, and a signature nobody checks. */
function certificate(subject: Uint8Array, issuer: Uint8Array, extensions: Uint8Array[] = [], spki: Uint8Array = ecKey): Uint8Array {
  const alg = der.sequence(der.oid('1.2.840.10045.4.3.2'));
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)),
    der.integer(Uint8Array.of(1)),
    alg,
    issuer,
    der.sequence(der.time(new Date('2025-01-01T00:00:00Z')), der.time(new Date('2035-01-01T00:00:00Z'))),
    subject,
    spki,
    ...(extensions.length > 0 ? [der.explicit(3, der.sequence(...extensions))] : []),
  );
  return der.sequence(tbs, alg, der.bitString(new Uint8Array(8)));
}

const ISSUER = 'CN=issuer\\, with comma';
const SAN_TEXT = 'DNS:a.example, DNS:*.b.example, DNS:"odd\\u002c\\"dns\'", IP Address:127.0.0.1, IP Address:2001:DB8:0:0:0:0:0:1, email:me@a.example, URI:"https://a.example/x?y=1\\u002c2", DirName:"CN=d\\\\+e\\u002cO=Dir\\\\\\u002c Org\\u002cC=DE", Registered ID:1.2.3.4, othername:UPN:upn@ä.example, othername:SRVName:_xmpp.a.example, othername:<unsupported>, othername:<unsupported>';
const extension = (oid: string, value: Uint8Array) => der.sequence(der.oid(oid), der.octetString(value));

/** A certificate's text as X509Certificate shows it, in our field names. */
interface CertText {
  readonly subject: string;
  readonly issuer: string;
  readonly subjectAltName: string;
  readonly extKeyUsage: readonly string[] | undefined;
  readonly key: { readonly type: string | undefined; readonly bits: number | undefined; readonly curve: string | undefined };
}

function ourText(certDer: Uint8Array, label: string): CertText {
  const c = parseCertificateCached(certDer, label);
  return { subject: c.subjectText, issuer: c.issuerText, subjectAltName: c.subjectAltNameText, extKeyUsage: c.extKeyUsage, key: { type: c.key.type, bits: c.key.modulusLength, curve: c.key.namedCurve } };
}

/** Node's X509Certificate (OpenSSL); Bun's and Deno's show other text (organizationIdentifier, otherName forms, no keyUsage OIDs). */
function nodeText(certDer: Uint8Array): CertText {
  const x = new X509Certificate(certDer);
  const details = x.publicKey.asymmetricKeyDetails;
  // Node gives undefined for an empty name (a SAN-only certificate, RFC 5280 §4.1.2.6); we give ''.
  return {
    subject: (x.subject ?? '').split('\n').join(', '),
    issuer: (x.issuer ?? '').split('\n').join(', '),
    subjectAltName: x.subjectAltName ?? '',
    extKeyUsage: x.keyUsage,
    key: { type: x.publicKey.asymmetricKeyType, bits: details?.modulusLength, curve: details?.namedCurve },
  };
}

/**
 * Our text has the fields `recorded` gives (Node 20's X509Certificate output, recorded here) on
 * every runtime; under Node every field also equals what X509Certificate shows now.
 */
function assertText(certDer: Uint8Array, label: string, recorded: Partial<CertText>): void {
  const ours = ourText(certDer, label);
  for (const [field, value] of Object.entries(recorded)) assert.deepEqual(ours[field as keyof CertText], value, `${label}: ${field}`);
  if (nodeIsNode) assert.deepEqual(ours, nodeText(certDer), `${label}: as X509Certificate`);
}

describe('certificate text from our DER equals node X509Certificate', () => {
  test('every root certificate the runtime bundles; those Node 20 bundles as X509Certificate showed them', () => {
    // test/fixtures/root-text.json: for each root in Node 20's tls.rootCertificates, the SHA-256 of its
    // DER → the first 16 hex digits of the SHA-256 of JSON.stringify(nodeText(der)) under Node 20.
    const recorded = JSON.parse(readFileSync(new URL('../../../test/fixtures/root-text.json', import.meta.url), 'utf8')) as Record<string, string>;
    const digest = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
    let n = 0;
    let known = 0;
    for (const pem of rootCertificates) {
      for (const b of decodePem(pem)) {
        const ours = ourText(b.der, `root ${n}`);
        if (nodeIsNode) assert.deepEqual(ours, nodeText(b.der), `root ${n}: as X509Certificate`);
        const expected = recorded[digest(b.der)];
        if (expected !== undefined) {
          known++;
          assert.equal(digest(JSON.stringify(ours)).slice(0, 16), expected, `root ${n}: ${ours.subject}, as Node 20 showed it`);
        }
        n++;
      }
    }
    assert.ok(n > 100, `${n} roots`);
    assert.ok(known > 100, `only ${known} of the ${n} roots are among Node 20's`);
  });

  // Each case with its subject as Node 20's X509Certificate showed it (the issuer is 'CN=issuer\\, with comma').
  const names: [string, Uint8Array, string][] = [
    ['RFC 2253 specials', name(rdn(atv(CN, der.utf8String('a,b+c"d\\e<f>g;h=i')))), 'CN=a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h=i'],
    ['leading and trailing space, leading #', name(rdn(atv(CN, der.utf8String(' #lead'))), rdn(atv(O, der.utf8String('trail '))), rdn(atv('2.5.4.11', der.utf8String('#'))), rdn(atv('2.5.4.11', der.utf8String(' ')))), 'CN=\\ #lead, O=trail\\ , OU=#, OU=\\ '],
    ['control characters and DEL', name(rdn(atv(CN, der.utf8String('a\u0000b\nc\u001fd\u007f')))), 'CN=a\\00b\\0Ac\\1Fd\\7F'],
    ['UTF-8, BMPString, T61String, UniversalString', name(rdn(atv(CN, der.utf8String('Grüße 東京 🔐'))), rdn(atv(O, tlv(0x1e, utf16('Ünïcode BMP')))), rdn(atv('2.5.4.7', tlv(0x14, Uint8Array.of(0x4d, 0xfc, 0x6e, 0x63, 0x68, 0x65, 0x6e)))), rdn(atv('2.5.4.8', tlv(0x1c, ucs4('Uni 🌍'))))), 'CN=Grüße 東京 🔐, O=Ünïcode BMP, L=München, ST=Uni 🌍'],
    ['multi-valued RDN', name(rdn(atv(CN, der.utf8String('x')), atv(O, der.printableString('Acme'))), rdn(atv('2.5.4.6', der.printableString('US')))), 'CN=x + O=Acme, C=US'],
    ['short names and unknown OIDs', name(...['2.5.4.5', '2.5.4.9', '2.5.4.12', '2.5.4.42', '2.5.4.97', '0.9.2342.19200300.100.1.25', '0.9.2342.19200300.100.1.1', '1.2.840.113549.1.9.1', '1.3.6.1.4.1.311.60.2.1.3', '1.2.3.4.5'].map((o) => rdn(atv(o, der.utf8String('v'))))), 'serialNumber=v, street=v, title=v, GN=v, organizationIdentifier=v, DC=v, UID=v, emailAddress=v, jurisdictionC=v, 1.2.3.4.5=v'],
    ['IA5String, NumericString, BIT STRING, SEQUENCE', name(rdn(atv(CN, der.ia5String('ia5'))), rdn(atv('2.5.4.5', tlv(0x12, text('123 45')))), rdn(atv(O, der.bitString(text('bits')))), rdn(atv('2.5.4.13', der.sequence(der.utf8String('inner'))))), 'CN=ia5, serialNumber=123 45, O=bits, description=0\\07\\0C\\05inner'],
    ['empty name', name(), ''],
  ];
  for (const [label, n, subject] of names) {
    test(label, () => assertText(certificate(n, name(rdn(atv(CN, der.utf8String('issuer, with comma'))))), label, { subject, issuer: ISSUER }));
  }

  test('a value OpenSSL does not read in a Name (OCTET STRING, INTEGER, VisibleString, UTCTime, SET) is refused, as by X509Certificate', () => {
    for (const value of [der.octetString(text('octets')), der.integer(5), tlv(0x1a, text('visible')), tlv(0x17, text('250101000000Z')), der.setOf(der.utf8String('x'))]) {
      const cert = certificate(name(rdn(atv(CN, value))), name(rdn(atv(CN, der.utf8String('i')))));
      if (nodeIsNode) assert.throws(() => new X509Certificate(cert)); // Bun's (BoringSSL) reads them
      assert.throws(() => parseCertificateCached(cert, 'odd value'), { code: 'ERR_TLSGLASS_BAD_CERTIFICATE' });
    }
  });

  test('every GeneralName form in subjectAltName, extKeyUsage', () => {
    const dirName = name(rdn(atv('2.5.4.6', der.printableString('DE'))), rdn(atv(O, der.utf8String('Dir, Org'))), rdn(atv(CN, der.utf8String('d+e'))));
    const otherName = (oid: string, value: Uint8Array) => tlv(0xa0, der.oid(oid), der.explicit(0, value));
    const san = der.sequence(
      der.implicitPrimitive(2, text('a.example')),
      der.implicitPrimitive(2, text('*.b.example')),
      der.implicitPrimitive(2, text('odd,"dns\'')),
      der.implicitPrimitive(7, Uint8Array.of(127, 0, 0, 1)),
      der.implicitPrimitive(7, Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)),
      der.implicitPrimitive(1, text('me@a.example')),
      der.implicitPrimitive(6, text('https://a.example/x?y=1,2')),
      tlv(0xa4, dirName),
      der.implicitPrimitive(8, der.oid('1.2.3.4').subarray(2)),
      otherName('1.3.6.1.4.1.311.20.2.3', der.utf8String('upn@ä.example')),
      otherName('1.3.6.1.5.5.7.8.7', der.ia5String('_xmpp.a.example')),
      otherName('1.3.6.1.5.5.7.8.5', der.ia5String('wrong type')),
      otherName('1.2.3.4', der.utf8String('unknown')),
    );
    const eku = der.sequence(der.oid('1.3.6.1.5.5.7.3.1'), der.oid('1.3.6.1.5.5.7.3.2'), der.oid('1.2.3.4.5'));
    const cert = certificate(name(rdn(atv(CN, der.utf8String('san')))), name(rdn(atv(CN, der.utf8String('i')))), [extension('2.5.29.17', san), extension('2.5.29.37', eku)]);
    assertText(cert, 'SAN', { subjectAltName: SAN_TEXT, extKeyUsage: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '1.2.3.4.5'] });
  });

  test('RSA, RSA-PSS, P-384, P-521, Ed25519, Ed448 keys', () => {
    // test/fixtures/keys (Bun cannot generate RSA-PSS or secp256k1 keys), with the key as Node 20's X509Certificate showed it.
    const keys: [string, CertText['key']][] = [
      ['rsa-2048', { type: 'rsa', bits: 2048, curve: undefined }],
      ['rsa-1031', { type: 'rsa', bits: 1031, curve: undefined }],
      ['rsa-pss-2048', { type: 'rsa-pss', bits: 2048, curve: undefined }],
      ['p-384', { type: 'ec', bits: undefined, curve: 'secp384r1' }],
      ['p-521', { type: 'ec', bits: undefined, curve: 'secp521r1' }],
      ['secp256k1', { type: 'ec', bits: undefined, curve: 'secp256k1' }],
      ['ed25519', { type: 'ed25519', bits: undefined, curve: undefined }],
      ['ed448', { type: 'ed448', bits: undefined, curve: undefined }],
    ];
    for (const [file, key] of keys) {
      const spki = decodePem(readFileSync(new URL(`../../../test/fixtures/keys/${file}.spki.pem`, import.meta.url), 'utf8'))[0]!.der;
      assertText(certificate(name(rdn(atv(CN, der.utf8String(file)))), name(rdn(atv(CN, der.utf8String('i')))), [], spki), file, { key });
    }
  });
});

describe('name matching (RFC 5280 §7.1, as X509_NAME_cmp)', () => {
  test('case, surrounding and repeated white space, and string type do not matter; attribute order in an RDN does not', () => {
    const a = name(rdn(atv(CN, der.utf8String('Example  CA')), atv(O, der.utf8String('X'))));
    const b = name(rdn(atv(O, der.printableString('x')), atv(CN, der.printableString(' example ca '))));
    assert.equal(nameKey(a), nameKey(b));
    assert.notEqual(nameKey(a), nameKey(name(rdn(atv(CN, der.utf8String('Example CA'))), rdn(atv(O, der.utf8String('X'))))));
    assert.notEqual(nameKey(a), nameKey(name(rdn(atv(CN, der.utf8String('Example-CA')), atv(O, der.utf8String('X'))))));
  });

  test('issuedBy accepts an issuer whose name differs only in case and spacing, as checkIssued does', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = pair.publicKey.export({ format: 'der', type: 'spki' });
    const ca = certificate(name(rdn(atv(CN, der.printableString('My  Root')))), name(rdn(atv(CN, der.printableString('My  Root')))), [], spki);
    const leaf = certificate(name(rdn(atv(CN, der.utf8String('leaf')))), name(rdn(atv(CN, der.utf8String('my root ')))));
    if (nodeIsNode) assert.equal(new X509Certificate(leaf).checkIssued(new X509Certificate(ca)), true); // OpenSSL's checkIssued, the behaviour we follow
    assert.equal(issuedBy(parseCertificateCached(leaf, 'leaf'), parseCertificateCached(ca, 'ca')), true);
    // The dummy signature does not verify through the provider.
    assert.equal(signedBy(parseCertificateCached(leaf, 'leaf'), parseCertificateCached(ca, 'ca'), nodeCryptoProvider.signatures), false);
  });
});

describe('certificate signatures through the CryptoProvider (RFC 4055, RFC 5758, RFC 8410)', () => {
  const RSASSA_PSS = '1.2.840.113549.1.1.10';
  const hashAlg = (oid: string) => der.sequence(der.oid(oid), der.nullValue());
  const pssParams = (hashOid: string, salt: number, mgfHashOid = hashOid) =>
    der.sequence(der.explicit(0, hashAlg(hashOid)), der.explicit(1, der.sequence(der.oid('1.2.840.113549.1.1.8'), hashAlg(mgfHashOid))), der.explicit(2, der.integer(salt)));

  /** A certificate for `subjectSpki` signed by `issuer` with `alg` (an AlgorithmIdentifier) and node:crypto's sign options. */
  function signed(alg: Uint8Array, issuerKey: KeyObject, hash: string | null, options: object = {}): Uint8Array {
    const tbs = der.sequence(
      der.explicit(0, der.integer(2)),
      der.integer(Uint8Array.of(7)),
      alg,
      name(rdn(atv(CN, der.utf8String('Signer')))),
      der.sequence(der.time(new Date('2025-01-01T00:00:00Z')), der.time(new Date('2035-01-01T00:00:00Z'))),
      name(rdn(atv(CN, der.utf8String('signed')))),
      ecKey,
    );
    return der.sequence(tbs, alg, der.bitString(sign(hash, tbs, { key: issuerKey, ...options })));
  }

  function check(certDer: Uint8Array, issuerPublic: KeyObject): boolean {
    const issuer = certificate(name(rdn(atv(CN, der.utf8String('Signer')))), name(rdn(atv(CN, der.utf8String('Signer')))), [], issuerPublic.export({ format: 'der', type: 'spki' }));
    const ours = signedBy(parseCertificateCached(certDer, 'signed'), parseCertificateCached(issuer, 'issuer'), nodeCryptoProvider.signatures);
    // Each caller asserts the expected result; under Node, OpenSSL's X509_verify agrees (BoringSSL refuses PSS salts other than the hash length).
    if (nodeIsNode) assert.equal(ours, new X509Certificate(certDer).verify(issuerPublic), 'as X509Certificate.verify');
    return ours;
  }

  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  test('RSASSA-PSS with the salt its parameters name (OpenSSL signs with the largest), SHA-256/384/512', () => {
    const PSS = constants.RSA_PKCS1_PSS_PADDING;
    for (const [hash, oid, salt] of [['sha256', '2.16.840.1.101.3.4.2.1', 222], ['sha256', '2.16.840.1.101.3.4.2.1', 32], ['sha384', '2.16.840.1.101.3.4.2.2', 48], ['sha512', '2.16.840.1.101.3.4.2.3', 0]] as const) {
      assert.equal(check(signed(der.sequence(der.oid(RSASSA_PSS), pssParams(oid, salt)), rsa.privateKey, hash, { padding: PSS, saltLength: salt }), rsa.publicKey), true, `${hash} salt ${salt}`);
    }
    // The parameters say salt 32, the signature has 20: no.
    assert.equal(check(signed(der.sequence(der.oid(RSASSA_PSS), pssParams('2.16.840.1.101.3.4.2.1', 32)), rsa.privateKey, 'sha256', { padding: PSS, saltLength: 20 }), rsa.publicKey), false);
  });

  test('PKCS #1 v1.5, ECDSA with a hash that is not its curve’s, Ed25519; a wrong key fails', () => {
    assert.equal(check(signed(der.sequence(der.oid('1.2.840.113549.1.1.12'), der.nullValue()), rsa.privateKey, 'sha384'), rsa.publicKey), true);
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.equal(check(signed(der.sequence(der.oid('1.2.840.10045.4.3.3')), p256.privateKey, 'sha384'), p256.publicKey), true);
    const ed = generateKeyPairSync('ed25519');
    assert.equal(check(signed(der.sequence(der.oid('1.3.101.112')), ed.privateKey, null), ed.publicKey), true);
    assert.equal(check(signed(der.sequence(der.oid('1.3.101.112')), ed.privateKey, null), generateKeyPairSync('ed25519').publicKey), false);
  });
});
