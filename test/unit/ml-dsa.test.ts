/**
 * ML-DSA (draft-ietf-tls-mldsa, RFC 9881): keys in the crypto provider (all three PKCS#8 private
 * key forms, SPKI without parameters), certificate signatures in the verifier, TLS 1.3 handshakes
 * with ML-DSA certificates both ways, TLS 1.2 refusing the schemes with the alert on the wire, and
 * node:crypto's ML-DSA cross-checked against @noble/post-quantum's under Node 24.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeSignatures } from '../../src/crypto/node/signatures.js';
import { mlDsa, mlDsaPrivateKey, nativeMlDsa, nobleMlDsa } from '../../src/crypto/node/ml-dsa.js';
import { AlertDescription, ContentType, HandshakeType, SignatureScheme } from '../../src/messages/enums.js';
import { readClientHello } from '../../src/messages/client-hello.js';
import { findExtension } from '../../src/messages/extensions/index.js';
import { readU16ListExtension } from '../../src/messages/extensions/simple.js';
import { ML_DSA, encodeMlDsaPkcs8, encodeMlDsaSpki, parseMlDsaPkcs8, parseMlDsaSpki } from '../../src/pki/ml-dsa.js';
import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';
import { parseCertificate } from '../../src/pki/certificate.js';
import { readDer, Tag } from '../../src/pki/der-reader.js';
import * as der from '../../src/pki/der-writer.js';
import { DefaultVerifier } from '../../src/pki/default-verifier.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { encodePem } from '../../src/pki/pem.js';
import { handshakeTypes, plainAlert, runPair, type Tamper } from '../helpers/pair.js';
import { runPeer } from '../helpers/peers.js';
import { NODE24, OPENSSL35, pqPeerMissing } from '../helpers/pq-peers.js';

const message = new TextEncoder().encode('TLS 1.3, server CertificateVerify');
const ca = createCertificateAuthority({ commonName: 'ML-DSA-87 CA', keyType: 'ml-dsa-87' });
const server = issueCertificate({ issuer: ca, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ml-dsa-44' });
const client = issueCertificate({ issuer: ca, commonName: 'ML-DSA client', keyType: 'ml-dsa-65', extKeyUsage: ['clientAuth'] });
const ecCa = createCertificateAuthority({ commonName: 'EC CA', keyType: 'ec' });
const ecServer = issueCertificate({ issuer: ecCa, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ec' });
const ecClient = issueCertificate({ issuer: ecCa, commonName: 'EC client', keyType: 'ec', extKeyUsage: ['clientAuth'] });

const pkcs8Of = (pem: string): Uint8Array => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'));

describe('ML-DSA keys (RFC 9881)', () => {
  for (const params of ML_DSA) {
    test(`${params.label}: seed-only, expanded-only and both forms load as the same key; signatures verify only in TLS 1.3`, () => {
      const { pkcs8, publicKey } = nobleMlDsa.generate(params); // both forms (Node 24 writes the seed alone)
      const info = parseMlDsaPkcs8(pkcs8)!;
      assert.equal(info.params, params);
      assert.equal(info.seed?.length, 32);
      assert.equal(info.expanded?.length, params.privateKeyLength);
      const spki = encodeMlDsaSpki(params, publicKey);
      const pub = nodeSignatures.publicKeyFromSpki(spki);
      assert.equal(pub.type, params.name);
      for (const form of [encodeMlDsaPkcs8(params, info.seed, undefined), encodeMlDsaPkcs8(params, undefined, info.expanded), pkcs8]) {
        const key = nodeSignatures.loadPrivateKey(encodePem('PRIVATE KEY', form));
        assert.deepEqual(key.schemes, [params.scheme]);
        assert.equal(key.matches?.(spki), true);
        const sig = key.sign(params.scheme, message);
        assert.equal(sig.length, params.signatureLength);
        assert.equal(pub.verify(params.scheme, message, sig, { tls13: true }), true);
        assert.equal(pub.verify(params.scheme, message, sig), false, 'not in TLS 1.2');
        assert.equal(pub.fits(params.scheme), false);
        const other = ML_DSA.find((p) => p !== params)!;
        assert.equal(pub.verify(other.scheme, message, sig, { tls13: true }), false);
        assert.equal(pub.verify(params.scheme, message.subarray(1), sig, { tls13: true }), false);
        assert.throws(() => key.sign(other.scheme, message), /cannot sign/);
      }
    });
  }

  test('a key with both forms whose expanded key is not the seed\'s is refused, whichever implementation loads it', () => {
    const a = parseMlDsaPkcs8(nobleMlDsa.generate(ML_DSA[0]!).pkcs8)!;
    const b = parseMlDsaPkcs8(nobleMlDsa.generate(ML_DSA[0]!).pkcs8)!;
    const mixed = encodeMlDsaPkcs8(ML_DSA[0]!, a.seed, b.expanded);
    assert.throws(() => mlDsaPrivateKey(mixed, nobleMlDsa), /does not match the seed/);
    assert.throws(() => mlDsaPrivateKey(mixed, nativeMlDsa), /does not match the seed/);
    assert.throws(() => nodeSignatures.loadPrivateKey(encodePem('PRIVATE KEY', mixed)), /does not match the seed/);
  });

  test('SPKI: parameters present (even NULL) or a public key of the wrong length are refused', () => {
    const params = ML_DSA[1]!;
    const good = parseMlDsaSpki(parseCertificate(client.certDer).subjectPublicKeyInfo)!;
    const withNull = der.sequence(der.sequence(der.oid(params.oid), der.nullValue()), der.bitString(good.publicKey));
    assert.throws(() => parseMlDsaSpki(withNull), /takes no parameters/);
    assert.throws(() => nodeSignatures.publicKeyFromSpki(withNull), /takes no parameters/);
    assert.throws(() => parseMlDsaSpki(encodeMlDsaSpki(params, good.publicKey.subarray(1))), /1951 bytes, expected 1952/);
    assert.throws(() => parseMlDsaPkcs8(der.sequence(der.integer(0), der.sequence(der.oid(params.oid)), der.octetString(der.implicitPrimitive(0, new Uint8Array(31))))), /seed of 31 bytes/);
  });
});

describe('encrypted ML-DSA keys', () => {
  test('load on every runtime (node:crypto where it can, else our PBES2 reader), sign, and refuse a wrong passphrase', { skip: pqPeerMissing(OPENSSL35) }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tlsglass-mldsa-enc-'));
    const r = await runPeer(t, OPENSSL35, ['genpkey', '-algorithm', 'ML-DSA-65', '-aes256', '-pass', 'pass:secret', '-out', join(dir, 'key.pem')]);
    assert.equal(r.code, 0, r.report);
    const pem = readFileSync(join(dir, 'key.pem'), 'utf8');
    assert.match(pem, /BEGIN ENCRYPTED PRIVATE KEY/);
    const key = nodeSignatures.loadPrivateKey(pem, 'secret');
    assert.equal(key.type, 'ml-dsa-65');
    // The public half from OpenSSL 3.5 verifies what the loaded key signs.
    const pub = await runPeer(t, OPENSSL35, ['pkey', '-in', join(dir, 'key.pem'), '-passin', 'pass:secret', '-pubout', '-outform', 'DER', '-out', join(dir, 'pub.der')]);
    assert.equal(pub.code, 0, pub.report);
    const data = new TextEncoder().encode('CertificateVerify content');
    const sig = key.sign(SignatureScheme.mldsa65, data);
    assert.equal(nodeSignatures.publicKeyFromSpki(new Uint8Array(readFileSync(join(dir, 'pub.der')))).verify(SignatureScheme.mldsa65, data, sig, { tls13: true }), true);
    assert.throws(() => nodeSignatures.loadPrivateKey(pem, 'wrong'), /cannot load private key/);
  });
});

describe('ML-DSA certificate chains', () => {
  const verifier = new DefaultVerifier({ provider: nodeCryptoProvider, anchors: [ca.certDer] });
  const now = new Date();

  test('an ML-DSA-87 CA over ML-DSA-44 and ML-DSA-65 leaves verifies (and the key is usable)', () => {
    const r = verifier.verifyServer([server.certDer], { host: 'localhost', now });
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.leafKey.type, 'ml-dsa-44');
    assert.equal(verifier.verifyClient([client.certDer], { now }).error, undefined);
  });

  test('an ML-DSA signatureAlgorithm with parameters is refused, though the signature over the edited TBS is good', () => {
    const fields = parseCertificate(server.certDer);
    const alg = fields.signatureAlgorithm.raw;
    const withNull = der.sequence(der.oid(fields.signatureAlgorithm.oid), der.nullValue());
    const tbsBody = readDer(fields.tbsCertificate, Tag.SEQUENCE, 'tbs').value;
    const at = Buffer.from(tbsBody).indexOf(Buffer.from(alg));
    const tbs = der.sequence(tbsBody.subarray(0, at), withNull, tbsBody.subarray(at + alg.length));
    const signature = nodeSignatures.loadPrivateKey(ca.keyPem).sign(SignatureScheme.mldsa87, tbs);
    const cert = der.sequence(tbs, withNull, der.bitString(signature));
    const r = verifier.verifyServer([cert], { host: 'localhost', now });
    assert.equal(r.error?.code, 'CERT_SIGNATURE_FAILURE');
    assert.match(r.error!.message, /has parameters, which RFC 9881 forbids/);
  });

  test('a flipped bit in an ML-DSA certificate signature: CERT_SIGNATURE_FAILURE', () => {
    const bad = new Uint8Array(server.certDer);
    bad[bad.length - 100]! ^= 1;
    assert.equal(verifier.verifyServer([bad], { host: 'localhost', now }).error?.code, 'CERT_SIGNATURE_FAILURE');
  });
});

describe('ML-DSA in handshakes', () => {
  const serverOptions = { cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true };
  const clientOptions = { servername: 'localhost', ca: ca.certPem, cert: client.certPem, key: client.keyPem };

  test('TLS 1.3: ML-DSA-44 server and ML-DSA-65 client CertificateVerify, both verified', () => {
    const r = runPair(serverOptions, clientOptions);
    assert.equal(r.clientError, undefined, String(r.clientError));
    assert.equal(r.client.protocol, 'TLSv1.3');
    assert.equal(r.client.authorized, true);
    assert.equal(r.server.authorized, true);
    assert.equal(r.client.negotiated.peerSignatureScheme, SignatureScheme.mldsa44);
    assert.equal(r.server.negotiated.peerSignatureScheme, SignatureScheme.mldsa65);
  });

  test('the ClientHello lists mldsa44, mldsa65, mldsa87 first when it offers TLS 1.3 (as Chromium 156), none when TLS 1.2 only', () => {
    const schemesOf = (options: object): number[] => {
      const r = runPair({ ...serverOptions, maxVersion: 'TLSv1.2' }, { ...clientOptions, ...options });
      const hello = readClientHello(r.wire.toServer[0]!.subarray(9));
      return readU16ListExtension(findExtension(hello.extensions, 0x000d)!, 'signature_algorithms');
    };
    assert.deepEqual(schemesOf({}).slice(0, 4), [SignatureScheme.mldsa44, SignatureScheme.mldsa65, SignatureScheme.mldsa87, SignatureScheme.ecdsa_secp256r1_sha256]);
    assert.equal(schemesOf({ maxVersion: 'TLSv1.2' }).some((s) => s >= 0x0904 && s <= 0x0906), false);
  });

  test('TLS 1.2 with only an ML-DSA certificate: handshake_failure, on the wire, saying why', () => {
    const r = runPair({ ...serverOptions, requestCert: false }, { servername: 'localhost', ca: ca.certPem, maxVersion: 'TLSv1.2' });
    assert.equal(r.serverError?.alert, AlertDescription.handshake_failure);
    assert.match(r.serverError!.message, /our ML-DSA-44 certificate is for TLS 1\.3 only/);
    assert.deepEqual(r.wire.toClient.at(-1), plainAlert(AlertDescription.handshake_failure));
  });

  test('a server with ML-DSA and ECDSA certificates: ML-DSA for TLS 1.3 clients that list it, ECDSA for the others and for TLS 1.2', () => {
    const both = { cert: [server.certPem, ecServer.certPem], key: [server.keyPem, ecServer.keyPem] };
    const trust = { servername: 'localhost', ca: [ca.certPem, ecCa.certPem] };
    const schemeFor = (options: object): number | undefined => {
      const r = runPair(both, { ...trust, ...options });
      assert.equal(r.clientError, undefined, String(r.clientError));
      assert.equal(r.client.authorized, true);
      return r.client.negotiated.peerSignatureScheme;
    };
    assert.equal(schemeFor({}), SignatureScheme.mldsa44);
    assert.equal(schemeFor({ sigalgs: 'ECDSA+SHA256:RSA-PSS+SHA256' }), SignatureScheme.ecdsa_secp256r1_sha256);
    assert.equal(schemeFor({ maxVersion: 'TLSv1.2' }), SignatureScheme.ecdsa_secp256r1_sha256);
    assert.equal(schemeFor({ sigalgs: 'mldsa44:ECDSA+SHA256' }), SignatureScheme.mldsa44);
  });

  /** Rewrites the SignatureScheme of the `type` message in a plaintext handshake record. */
  const relabel = (type: number, schemeAt: (body: Uint8Array) => number, direction: 'toServer' | 'toClient'): Tamper => (record, dir) => {
    if (dir !== direction || record[0] !== ContentType.handshake || !handshakeTypes(record).includes(type)) return [record];
    const out = new Uint8Array(record);
    let pos = 5;
    while (out[pos] !== type) pos += 4 + ((out[pos + 1]! << 16) | (out[pos + 2]! << 8) | out[pos + 3]!);
    const at = pos + 4 + schemeAt(out.subarray(pos + 4));
    out[at] = 0x09;
    out[at + 1] = 0x05; // mldsa65
    return [out];
  };

  test('TLS 1.2: a ServerKeyExchange labelled mldsa65 (which the client offered, for TLS 1.3): illegal_parameter', () => {
    // ECDHE params: curve_type(1) named_curve(2) public<1..255>, then the SignatureScheme.
    const tamper = relabel(HandshakeType.server_key_exchange, (body) => 4 + body[3]!, 'toClient');
    const r = runPair({ cert: ecServer.certPem, key: ecServer.keyPem, maxVersion: 'TLSv1.2' }, { servername: 'localhost', ca: ecCa.certPem }, tamper);
    assert.equal(r.client.failure?.alert, AlertDescription.illegal_parameter, String(r.clientError));
    assert.match(r.client.failure!.message, /ServerKeyExchange signed with mldsa65/);
    assert.deepEqual(r.wire.toServer.at(-1), plainAlert(AlertDescription.illegal_parameter));
  });

  test('TLS 1.2: a client CertificateVerify labelled mldsa65: illegal_parameter', () => {
    const tamper = relabel(HandshakeType.certificate_verify, () => 0, 'toServer');
    const r = runPair(
      { cert: ecServer.certPem, key: ecServer.keyPem, ca: ecCa.certPem, requestCert: true, maxVersion: 'TLSv1.2' },
      { servername: 'localhost', ca: ecCa.certPem, cert: ecClient.certPem, key: ecClient.keyPem },
      tamper,
    );
    assert.equal(r.server.failure?.alert, AlertDescription.illegal_parameter, String(r.serverError));
    assert.match(r.server.failure!.message, /CertificateVerify uses mldsa65/);
    assert.deepEqual(r.wire.toClient.at(-1), plainAlert(AlertDescription.illegal_parameter));
  });
});

describe('node:crypto ML-DSA against @noble/post-quantum (Node 24)', () => {
  test('the same seed gives the same public key; each verifies the other\'s signatures', { skip: pqPeerMissing(NODE24) }, async (t) => {
    const script = fileURLToPath(new URL('../helpers/ml-dsa-cross-check.js', import.meta.url));
    const r = await runPeer(t, NODE24, [script], '', 60_000);
    assert.equal(r.code, 0, r.report);
    const result = JSON.parse(r.stdout.toString()) as { backend: string; checks: Record<string, boolean> };
    assert.equal(result.backend, 'node:crypto');
    for (const params of ML_DSA) {
      for (const check of ['samePublicKey', 'nobleVerifiesNative', 'nativeVerifiesNoble', 'tamperedRefusedByBoth']) {
        assert.equal(result.checks[`${params.name} ${check}`], true, `${params.name} ${check}`);
      }
    }
  });
});
