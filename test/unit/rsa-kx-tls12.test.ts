import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { AlertDescription } from '../../src/messages/enums.js';
import { runPair, plainAlert } from '../helpers/pair.js';

/**
 * RSA key exchange with implicit rejection (RFC 5246 §7.4.7.1, security.md KX-1 / T06): every
 * malformed premaster must look exactly like a good one on the wire until the client's Finished,
 * which then fails with one bad_record_mac.
 */
const ca = createCertificateAuthority({ commonName: 'rsa-kx CA' });
const leaf = issueCertificate({ issuer: ca, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'rsa' });
const serverKey = createPublicKey(leaf.certPem);
const k = 256;

/** An encryption block 00 02 PS 00 M with the given tweaks, raw-RSA encrypted. */
function block(tweak: (em: Uint8Array) => Uint8Array | void, pmsLength = 48): Uint8Array {
  const em = new Uint8Array(k);
  em[1] = 2;
  const ps = randomBytes(k - 3 - pmsLength).map((b) => b || 1);
  em.set(ps, 2);
  const sep = k - pmsLength - 1;
  em[sep] = 0;
  em.set(randomBytes(pmsLength), sep + 1);
  em[k - 48] = 3;
  em[k - 47] = 3;
  const out = tweak(em) ?? em;
  return new Uint8Array(publicEncrypt({ key: serverKey, padding: constants.RSA_NO_PADDING }, out));
}

const modulus = new Uint8Array(Buffer.from(serverKey.export({ format: 'jwk' }).n!, 'base64url'));

const classes: Record<string, () => Uint8Array> = {
  'wrong block type 00 01': () => block((em) => void (em[1] = 1)),
  'wrong block type 00 03': () => block((em) => void (em[1] = 3)),
  'first byte not zero': () => block((em) => void (em[0] = 1)),
  'no separator': () => block((em) => void (em[k - 49] = 0x55)),
  'zero at the first padding byte': () => block((em) => void (em[2] = 0)),
  'zero at the last padding byte (PMS of 49 bytes)': () => block(() => undefined, 49),
  'separator early (PMS of 47 bytes)': () => block(() => undefined, 47),
  'PMS of 4 bytes': () => block(() => undefined, 4),
  'wrong version 00 00': () => block((em) => void ((em[k - 48] = 0), (em[k - 47] = 0))),
  'wrong version 02 02': () => block((em) => void ((em[k - 48] = 2), (em[k - 47] = 2))),
  'ciphertext all zeros': () => new Uint8Array(k),
  'ciphertext equal to n': () => modulus,
  'ciphertext one byte short': () => block(() => undefined).subarray(1),
};

function providerSending(ciphertext: () => Uint8Array): CryptoProvider {
  return { ...nodeCryptoProvider, rsaKeyTransport: { ...nodeCryptoProvider.rsaKeyTransport, encrypt: () => ciphertext() } };
}

const serverOptions = { cert: leaf.certPem, key: leaf.keyPem, ciphers: 'AES128-GCM-SHA256', maxVersion: 'TLSv1.2' } as const;
const clientOptions = { servername: 'localhost', ca: ca.certPem, ciphers: 'AES128-GCM-SHA256', maxVersion: 'TLSv1.2' } as const;

test('a correct premaster completes the handshake', () => {
  const r = runPair(serverOptions, clientOptions);
  assert.equal(r.serverError, undefined, String(r.serverError));
  assert.equal(r.client.isEstablished, true);
  assert.equal(r.client.cipher?.name, 'AES128-GCM-SHA256');
});

test('every malformed premaster fails identically: one bad_record_mac after Finished', () => {
  const traces = new Map<string, string>();
  for (const [name, ciphertext] of Object.entries(classes)) {
    const r = runPair(serverOptions, { ...clientOptions, provider: providerSending(ciphertext) });
    assert.equal(r.serverError?.alert, AlertDescription.bad_record_mac, `${name}: ${String(r.serverError)}`);
    // The server's only reply to the client's whole second flight is the one alert.
    assert.equal(r.wire.toClient.length, 2, name);
    assert.deepEqual(r.wire.toClient[1], plainAlert(AlertDescription.bad_record_mac), name);
    // The server consumed the whole flight (CKE, CCS, Finished) before failing.
    assert.equal(r.server.stateName, 'server.tls12.ExpectFinished', name);
    traces.set(name, r.wire.toClient.slice(1).map((x) => Buffer.from(x).toString('hex')).join());
  }
  assert.equal(new Set(traces.values()).size, 1, 'all classes give the same bytes');
});
