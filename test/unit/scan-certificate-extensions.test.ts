/**
 * What the scan reads from certificates and CertificateRequests beyond the verifier's extensions
 * (src/scan/certificate-extensions.ts, client-auth.ts, pki/algorithm-policy.ts's names): must-staple
 * (RFC 7633), SCT lists (RFC 6962 §3.3), signature algorithm names, CA names, the chains kept, with malformed
 * values counted as absent rather than thrown. Real servers are in test/interop/scan-chains.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCertificate } from '../../src/pki/certificate.js';
import { signatureAlgorithmName } from '../../src/pki/algorithm-policy.js';
import { issueCertificate } from '../../src/node/issue.js';
import { embeddedSctCount, isMustStaple, ocspSctCount, sctListCount } from '../../src/scan/certificate-extensions.js';
import { analyzeChains } from '../../src/scan/chains.js';
import { clientAuthOf } from '../../src/scan/client-auth.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { DefaultVerifier } from '../../src/pki/default-verifier.js';
import type { Observation } from '../../src/scan/signature-algorithms.js';
import { testPki } from '../helpers/pki.js';

const TLS_FEATURE = '1.3.6.1.5.5.7.1.24';
const SCT_LIST = '1.3.6.1.4.1.11129.2.4.2';

function fieldsWith(extensions: { oid: string; value: Uint8Array }[], hash?: 'sha1') {
  const leaf = issueCertificate({ issuer: testPki().ca, commonName: 'x', dnsNames: ['x'], extraExtensions: extensions.map((e) => ({ ...e, critical: false })), ...(hash ? { hash } : {}) });
  return parseCertificate(leaf.certDer);
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/ /g, ''), 'hex'));
/** Two SerializedSCTs of 3 and 1 bytes (the count does not look inside them). */
const LIST = '0008 0003 000102 0001 ff';

describe('must-staple (RFC 7633 TLS Feature)', () => {
  test('status_request (5) among the features: must-staple', () => {
    assert.equal(isMustStaple(fieldsWith([{ oid: TLS_FEATURE, value: hex('3006 020111 020105') }])), true);
  });
  test('only status_request_v2 (17), none, or not DER: not must-staple', () => {
    assert.equal(isMustStaple(fieldsWith([{ oid: TLS_FEATURE, value: hex('3003 020111') }])), false);
    assert.equal(isMustStaple(fieldsWith([])), false);
    assert.equal(isMustStaple(fieldsWith([{ oid: TLS_FEATURE, value: hex('3005 020105') }])), false);
  });
});

describe('SCT lists (RFC 6962 §3.3)', () => {
  test('the TLS-encoded list counts its entries', () => {
    assert.equal(sctListCount(hex(LIST)), 2);
  });
  test('an empty list, a truncated entry, trailing bytes: 0', () => {
    assert.equal(sctListCount(hex('0000')), 0);
    assert.equal(sctListCount(hex('0005 0003 0001')), 0);
    assert.equal(sctListCount(hex(`${LIST} 00`)), 0);
  });
  test('embedded in the certificate: an OCTET STRING around the list', () => {
    assert.equal(embeddedSctCount(fieldsWith([{ oid: SCT_LIST, value: hex(`040a ${LIST}`) }])), 2);
    assert.equal(embeddedSctCount(fieldsWith([{ oid: SCT_LIST, value: hex(LIST) }])), 0); // no OCTET STRING
    assert.equal(embeddedSctCount(fieldsWith([])), 0);
  });
  test('a stapled OCSP response that is not one, or none: 0', () => {
    assert.equal(ocspSctCount(hex('3003 0a0100 00')), 0);
    assert.equal(ocspSctCount(hex('3003 0a0101')), 0); // malformedRequest: no responses
    assert.equal(ocspSctCount(undefined), 0);
  });
});

describe('every chain', () => {
  test('each distinct chain once, with its key type and name; a chain that does not parse is left out', () => {
    const pki = testPki();
    const verifier = new DefaultVerifier({ provider: nodeCryptoProvider, anchors: [pki.ca.certDer] });
    const seen = (chain: Uint8Array[], serverName: string | undefined): Observation => ({ scheme: undefined, chain, protocol: 'TLSv1.3', ocsp: false, tlsScts: 0, request: null, serverName });
    const chains = analyzeChains(
      [seen([pki.serverRsa.certDer], 'localhost'), seen([hex('3000')], 'localhost'), seen([pki.serverEcdsa.certDer], 'localhost'), seen([pki.serverRsa.certDer], undefined), seen([pki.serverEcdsa.certDer, pki.ca.certDer], undefined)],
      'localhost',
      verifier,
      new Date(),
    );
    assert.deepEqual(chains.map((c) => [c.keyType, c.serverName, c.chain.length, c.coversName, c.chainError]), [
      ['RSA', 'localhost', 1, true, null],
      ['ECDSA', 'localhost', 1, true, null],
      ['ECDSA', null, 2, true, null],
    ]);
  });
});

describe('names', () => {
  test("a certificate's signature algorithm as OpenSSL names it", () => {
    assert.equal(signatureAlgorithmName(fieldsWith([]).signatureAlgorithm), 'ecdsa-with-SHA256');
    assert.equal(signatureAlgorithmName(fieldsWith([], 'sha1').signatureAlgorithm), 'ecdsa-with-SHA1');
    assert.equal(signatureAlgorithmName({ oid: '1.2.3.4', parameters: undefined, raw: new Uint8Array(0) }), '1.2.3.4');
  });

  test('clientAuth: CA names printed as subjects are, schemes by IANA name; none asked; nothing seen', () => {
    const seen = (request: Observation['request']): Observation => ({ scheme: 0x0403, chain: [], protocol: 'TLSv1.3', ocsp: false, tlsScts: 0, request, serverName: 'x' });
    const ca = parseCertificate(testPki().ca.certDer).subject;
    assert.deepEqual(clientAuthOf([seen(null), seen({ signatureSchemes: [0x0804, 0x0201, 0x0301], certificateAuthorities: [ca, hex('3000'), hex('05')] })]), {
      requested: true,
      certificateAuthorities: ['O=tlsglass, CN=tlsglass test CA', '', '(unreadable name)'],
      signatureAlgorithms: ['rsa_pss_rsae_sha256', 'rsa_pkcs1_sha1', 'SignatureScheme(0x0301)'],
    });
    assert.deepEqual(clientAuthOf([seen(null)]), { requested: false, certificateAuthorities: [], signatureAlgorithms: [] });
    assert.equal(clientAuthOf([]), null);
  });
});
