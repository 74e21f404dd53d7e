/**
 * The strict certificate profile (src/pki/strict-profile.ts) and verifyDepth beyond the corpus:
 * which profile applies by default, the options on createSecureContext/connect/createServer, the
 * alert a handshake sends, Node's bundled roots under the strict profile, and the decoding of
 * authorityKeyIdentifier. Each rule's failing certificate is a case of test/helpers/x509-corpus.ts.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { rootCertificates } from 'node:tls';
import { describe, test } from 'node:test';
import { createSecureContext } from '../../src/config.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { AlertDescription } from '../../src/messages/enums.js';
import { findExtension } from '../../src/pki/certificate.js';
import { DefaultVerifier } from '../../src/pki/default-verifier.js';
import * as der from '../../src/pki/der-writer.js';
import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';
import { parseCertificateCached } from '../../src/pki/parsed-certificate.js';
import { unhandledCriticalExtension } from '../../src/pki/path-checks.js';
import { decodePem } from '../../src/pki/pem.js';
import { BR_PROFILES_EFFECTIVE, checkStrictProfile, rootProfileViolation } from '../../src/pki/strict-profile.js';
import { runPair } from '../helpers/pair.js';
import { runtimeName } from '../helpers/runtime.js';

const provider = nodeCryptoProvider;
const now = new Date();
const root = createCertificateAuthority({ commonName: 'Strict Root' });
const int = createCertificateAuthority({ commonName: 'Strict Int', issuer: root });
const conforming = issueCertificate({ issuer: int, commonName: 'localhost', dnsNames: ['localhost'] });
const noAki = issueCertificate({ issuer: int, commonName: 'localhost', dnsNames: ['localhost'], extensionOverrides: { authorityKeyIdentifier: null } });
const chain = (leaf: { certDer: Uint8Array }): Uint8Array[] => [leaf.certDer, int.certDer];

describe('which profile applies', () => {
  test("DefaultVerifier: 'strict' with the bundled roots, 'rfc5280' with anchors of one's own, either on request", () => {
    assert.equal(new DefaultVerifier({ provider }).profile, 'strict');
    assert.equal(new DefaultVerifier({ provider, anchors: [root.certDer] }).profile, 'rfc5280');
    assert.equal(new DefaultVerifier({ provider, anchors: [root.certDer], profile: 'strict' }).profile, 'strict');
    assert.equal(new DefaultVerifier({ provider, profile: 'rfc5280' }).profile, 'rfc5280');
    const lenient = new DefaultVerifier({ provider, anchors: [root.certDer] });
    const strict = new DefaultVerifier({ provider, anchors: [root.certDer], profile: 'strict' });
    assert.equal(lenient.verifyServer(chain(noAki), { host: 'localhost', now }).error, undefined);
    assert.equal(strict.verifyServer(chain(noAki), { host: 'localhost', now }).error?.code, 'MISSING_AUTHORITY_KEY_IDENTIFIER');
  });

  test('createSecureContext/connect/createServer options: x509Profile and verifyDepth reach the built-in verifier', () => {
    const verifierOf = (o: Parameters<typeof createSecureContext>[0]): DefaultVerifier => createSecureContext(o).context.verifier as DefaultVerifier;
    assert.equal(verifierOf({}).profile, 'strict');
    assert.equal(verifierOf({ ca: root.certPem }).profile, 'rfc5280');
    assert.equal(verifierOf({ ca: root.certPem, x509Profile: 'strict' }).profile, 'strict');
    assert.equal(verifierOf({ x509Profile: 'rfc5280' }).profile, 'rfc5280');
    assert.equal(verifierOf({ ca: root.certPem, verifyDepth: 2 }).verifyDepth, 2);
    assert.equal(verifierOf({ ca: root.certPem }).verifyDepth, undefined);
    // Verifiers are shared per trust store, but never across profiles or depths.
    assert.equal(verifierOf({ ca: root.certPem }), verifierOf({ ca: root.certPem }));
    assert.notEqual(verifierOf({ ca: root.certPem }), verifierOf({ ca: root.certPem, x509Profile: 'strict' }));
    assert.notEqual(verifierOf({ ca: root.certPem, verifyDepth: 1 }), verifierOf({ ca: root.certPem, verifyDepth: 2 }));
    for (const bad of [-1, 1.5, Number.NaN]) assert.throws(() => verifierOf({ ca: root.certPem, verifyDepth: bad }), RangeError);
  });
});

describe('verifyDepth', () => {
  test('a path too long for the depth is abandoned for a shorter one when there is one', () => {
    // leaf → Depth Int → Mid → root (2 intermediates), or leaf → Depth Int (cross-signed) → otherRoot (1).
    const otherRoot = createCertificateAuthority({ commonName: 'Depth Other Root' });
    const mid = createCertificateAuthority({ commonName: 'Depth Mid', issuer: root });
    const depthInt = createCertificateAuthority({ commonName: 'Depth Int', issuer: mid });
    const depthIntCross = createCertificateAuthority({ commonName: 'Depth Int', issuer: otherRoot, privateKey: depthInt.key });
    const leaf = issueCertificate({ issuer: depthInt, commonName: 'localhost', dnsNames: ['localhost'] });
    // The long path's intermediates come first, so it is the one found first.
    const sent = [leaf.certDer, depthInt.certDer, mid.certDer, depthIntCross.certDer];
    const v = (verifyDepth: number): DefaultVerifier => new DefaultVerifier({ provider, anchors: [root.certDer, otherRoot.certDer], verifyDepth });
    const two = v(2).verifyServer(sent, { host: 'localhost', now });
    assert.equal(two.error, undefined);
    assert.equal(two.chain?.length, 4, 'depth 2: the first path found, through Mid');
    const one = v(1).verifyServer(sent, { host: 'localhost', now });
    assert.equal(one.error, undefined, one.error?.message);
    assert.deepEqual(one.chain, [leaf.certDer, depthIntCross.certDer, otherRoot.certDer]);
    assert.equal(v(0).verifyServer(sent, { host: 'localhost', now }).error?.code, 'CERT_CHAIN_TOO_LONG');
  });
});

describe('in a handshake', () => {
  const serverOptions = { cert: noAki.certPem + int.certPem, key: noAki.keyPem };

  test('a strict client refuses a leaf without authorityKeyIdentifier and sends bad_certificate; the rfc5280 profile accepts it', () => {
    const ok = runPair(serverOptions, { servername: 'localhost', ca: root.certPem });
    assert.equal(ok.clientError ?? ok.serverError, undefined, String(ok.clientError ?? ok.serverError));
    const r = runPair(serverOptions, { servername: 'localhost', ca: root.certPem, x509Profile: 'strict' });
    assert.equal(r.clientError?.code, 'MISSING_AUTHORITY_KEY_IDENTIFIER');
    assert.equal(r.clientError?.alert, AlertDescription.bad_certificate);
    assert.equal(r.serverError?.code, 'ERR_TLSGLASS_PEER_ALERT_BAD_CERTIFICATE');
  });

  test('verifyDepth 0 refuses a chain with an intermediate (CERT_CHAIN_TOO_LONG, unknown_ca); 1 accepts it', () => {
    const good = { cert: conforming.certPem + int.certPem, key: conforming.keyPem };
    const r = runPair(good, { servername: 'localhost', ca: root.certPem, verifyDepth: 0 });
    assert.equal(r.clientError?.code, 'CERT_CHAIN_TOO_LONG');
    assert.equal(r.clientError?.alert, AlertDescription.unknown_ca);
    assert.match(r.clientError!.message, /not reached within 0 intermediate CA certificates \(verifyDepth\)/);
    assert.equal(r.serverError?.code, 'ERR_TLSGLASS_PEER_ALERT_UNKNOWN_CA');
    const ok = runPair(good, { servername: 'localhost', ca: root.certPem, verifyDepth: 1 });
    assert.equal(ok.clientError ?? ok.serverError, undefined);
  });

  test('a strict server refuses a client certificate that breaks the profile', () => {
    const client = issueCertificate({ issuer: int, commonName: 'client', extKeyUsage: ['clientAuth', 'anyExtendedKeyUsage'] });
    const server = { cert: conforming.certPem + int.certPem, key: conforming.keyPem, ca: root.certPem, requestCert: true };
    const clientOptions = { servername: 'localhost', ca: root.certPem, cert: client.certPem + int.certPem, key: client.keyPem };
    const ok = runPair(server, clientOptions);
    assert.equal(ok.clientError ?? ok.serverError, undefined, String(ok.clientError ?? ok.serverError));
    const r = runPair({ ...server, x509Profile: 'strict' }, clientOptions);
    assert.equal(r.serverError?.code, 'ERR_TLSGLASS_LEAF_ANY_EXTENDED_KEY_USAGE');
    assert.equal(r.serverError?.alert, AlertDescription.unsupported_certificate);
    assert.equal(r.clientError?.code, 'ERR_TLSGLASS_PEER_ALERT_UNSUPPORTED_CERTIFICATE');
  });
});

describe("Node's bundled roots (tls.rootCertificates) under the strict profile", () => {
  const roots = rootCertificates.flatMap((pem) => decodePem(pem)).map((b) => parseCertificateCached(b.der, 'root'));
  const name = (c: (typeof roots)[number]): string => /CN=([^,]+)/.exec(c.subjectText)?.[1] ?? c.subjectText;

  test('every bundled root passes the anchor rules: none has an unknown critical extension or breaks the BR root profile', () => {
    assert.ok(roots.length > 100);
    for (const r of roots) {
      assert.equal(checkStrictProfile([r]), undefined, r.subjectText);
      assert.equal(unhandledCriticalExtension(r), undefined, r.subjectText);
    }
  });

  test('why the other rules stop at the trust anchor, and why the BR root rules are dated', () => {
    // Rules for the certificates a peer sends that some bundled roots break (docs/certificate-validation.md: strict profile).
    const serialZeroRoots = roots.filter((r) => r.fields.serialNumber.every((b) => b === 0));
    const noSkiRoots = roots.filter((r) => !findExtension(r.fields, '2.5.29.14'));
    const bcNotCriticalRoots = roots.filter((r) => findExtension(r.fields, '2.5.29.19')?.critical === false);
    // Roots whose AKI names issuer and serial: all older than the BR root profile, so exempt from it.
    const akiWithIssuer = roots.filter((r) => r.authorityKeyIdentifier?.authorityCertIssuer || r.authorityKeyIdentifier?.authorityCertSerialNumber);
    // Every root that breaks one of these rules predates the BR root profile, in any runtime's bundle.
    for (const r of [...serialZeroRoots, ...noSkiRoots, ...bcNotCriticalRoots, ...akiWithIssuer]) assert.ok(r.fields.notBefore < BR_PROFILES_EFFECTIVE, name(r));
    assert.ok(serialZeroRoots.length > 0 && noSkiRoots.length > 0, 'the bundle has roots that break the rules');
    // The counts are Node's bundles' (Bun bundles the same list); Deno bundles its own (webpki-roots).
    if (runtimeName === 'Deno') return;
    const serialZero = serialZeroRoots.map(name);
    const noSki = noSkiRoots.map(name);
    const bcNotCritical = bcNotCriticalRoots.map(name);
    assert.equal(serialZero.length, 6, serialZero.join('; '));
    assert.deepEqual(noSki, ['TWCA Global Root CA']);
    // Node 20's bundle has one root with a non-critical basicConstraints (Chunghwa's ePKI root) and three
    // whose AKI names issuer and serial; Node 22's (a later Mozilla list) dropped the three, Node 24's all four.
    const major = Number(process.versions.node.split('.')[0]);
    const legacy = major < 24;
    assert.deepEqual(bcNotCritical, legacy ? ['C=TW, O=Chunghwa Telecom Co.\\, Ltd., OU=ePKI Root Certification Authority'] : []);
    assert.deepEqual(akiWithIssuer.map(name).sort(), major < 22 ? ['Certigna', 'QuoVadis Root CA 2', 'QuoVadis Root CA 3'] : []);
  });

  test('rootProfileViolation applies to self-issued anchors issued since 2023-09-15 only', () => {
    const ekuRoot = parseCertificateCached(createCertificateAuthority({ commonName: 'EKU Root', extKeyUsage: ['serverAuth'] }).certDer, 'r');
    assert.equal(rootProfileViolation(ekuRoot)?.code, 'ERR_TLSGLASS_ROOT_EXTENDED_KEY_USAGE');
    const old = createCertificateAuthority({ commonName: 'Old EKU Root', extKeyUsage: ['serverAuth'], notBefore: new Date('2023-09-14T23:59:59Z') });
    assert.equal(rootProfileViolation(parseCertificateCached(old.certDer, 'r')), undefined);
    const ekuInt = parseCertificateCached(createCertificateAuthority({ commonName: 'EKU Int', issuer: root, extKeyUsage: ['serverAuth'] }).certDer, 'i');
    assert.equal(rootProfileViolation(ekuInt), undefined, 'an intermediate used as an anchor is not a root');
  });
});

describe('authorityKeyIdentifier decoding (both profiles)', () => {
  test('a malformed authorityKeyIdentifier makes the certificate unparseable: ERR_TLSGLASS_BAD_CERTIFICATE, bad_certificate', () => {
    const malformed = [der.sequence(der.integer(1)), der.sequence(der.implicitPrimitive(0, Uint8Array.of(1)), der.implicitPrimitive(0, Uint8Array.of(2))), der.octetString(Uint8Array.of(1))];
    for (const value of malformed) {
      const leaf = issueCertificate({ issuer: int, commonName: 'localhost', dnsNames: ['localhost'], extensionOverrides: { authorityKeyIdentifier: { value } } });
      for (const profile of ['strict', 'rfc5280'] as const) {
        const v = new DefaultVerifier({ provider, anchors: [root.certDer], profile });
        assert.throws(
          () => v.verifyServer(chain(leaf), { host: 'localhost', now }),
          (e: unknown) => (e as { code?: string }).code === 'ERR_TLSGLASS_BAD_CERTIFICATE' && (e as { alert?: number }).alert === AlertDescription.bad_certificate,
        );
      }
    }
  });

  test('keyIdentifier, authorityCertIssuer and authorityCertSerialNumber are told apart', () => {
    const aki = (value: Uint8Array) =>
      parseCertificateCached(issueCertificate({ issuer: int, commonName: 'a', extensionOverrides: { authorityKeyIdentifier: { value } } }).certDer, 'a').authorityKeyIdentifier;
    assert.deepEqual(aki(der.sequence(der.implicitPrimitive(0, Uint8Array.of(7)))), { keyIdentifier: Uint8Array.of(7), authorityCertIssuer: false, authorityCertSerialNumber: false });
    assert.deepEqual(aki(der.sequence(der.tlv(0xa1, der.tlv(0xa4, der.sequence())), der.implicitPrimitive(2, Uint8Array.of(1)))), {
      keyIdentifier: undefined,
      authorityCertIssuer: true,
      authorityCertSerialNumber: true,
    });
  });
});
