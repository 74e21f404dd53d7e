/**
 * Full in-memory handshakes with the noble provider on one side and the node:crypto provider on the
 * other, both ways round (and noble on both sides): TLS 1.3 with X25519, P-256 and X25519MLKEM768,
 * ECDSA and RSA-PSS server certificates; TLS 1.2 ECDHE-ECDSA, ECDHE-RSA, DHE-RSA and (as a client
 * only) the RSA key exchange; mutual TLS with RSA and ECDSA client certificates in both versions.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClientOptions, ServerOptions } from '../../src/config.js';
import { nobleCryptoProvider } from '../../src/crypto/noble/index.js';
import { RSA_DECRYPT_REFUSED } from '../../src/crypto/noble/rsa-key-transport.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { AlertDescription, NamedGroup, SignatureScheme } from '../../src/messages/enums.js';
import { pump, runPair } from '../helpers/pair.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const appData = (events: readonly { type: string; data?: Uint8Array }[]): string =>
  events.filter((e) => e.type === 'application-data').map((e) => new TextDecoder().decode(e.data)).join('');

const SIDES: ReadonlyArray<[string, CryptoProvider, CryptoProvider]> = [
  ['noble client, node server', nobleCryptoProvider, nodeCryptoProvider],
  ['node client, noble server', nodeCryptoProvider, nobleCryptoProvider],
  ['noble on both sides', nobleCryptoProvider, nobleCryptoProvider],
];

interface Case {
  readonly name: string;
  readonly server: ServerOptions;
  readonly client: ClientOptions;
  readonly version: 'TLSv1.2' | 'TLSv1.3';
  readonly group?: number;
  readonly scheme?: number;
  /** A client certificate the server must verify. */
  readonly mutual?: boolean;
}

const ecdsaServer = { cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem };
const rsaServer = { cert: pki.serverRsa.certPem, key: pki.serverRsa.keyPem };
const rsaClient = { cert: pki.clientRsa.certPem, key: pki.clientRsa.keyPem };
const ecdsaClient = { cert: pki.clientEcdsa.certPem, key: pki.clientEcdsa.keyPem };
const tls12 = { maxVersion: 'TLSv1.2' } as const;

const CASES: Case[] = [
  { name: 'TLS 1.3 X25519, ECDSA P-256', server: ecdsaServer, client: { ecdhCurve: 'X25519' }, version: 'TLSv1.3', group: NamedGroup.x25519, scheme: SignatureScheme.ecdsa_secp256r1_sha256 },
  { name: 'TLS 1.3 P-256, RSA-PSS', server: rsaServer, client: { ecdhCurve: 'P-256' }, version: 'TLSv1.3', group: NamedGroup.secp256r1, scheme: SignatureScheme.rsa_pss_rsae_sha256 },
  { name: 'TLS 1.3 X25519MLKEM768, ECDSA', server: ecdsaServer, client: { ecdhCurve: 'X25519MLKEM768' }, version: 'TLSv1.3', group: NamedGroup.X25519MLKEM768 },
  { name: 'TLS 1.3 ChaCha20, mutual TLS with an RSA client certificate', server: { ...ecdsaServer, requestCert: true }, client: { ...rsaClient, ciphers: 'TLS_CHACHA20_POLY1305_SHA256' }, version: 'TLSv1.3', mutual: true },
  { name: 'TLS 1.3 mutual TLS with an ECDSA client certificate', server: { ...rsaServer, requestCert: true }, client: ecdsaClient, version: 'TLSv1.3', mutual: true },
  { name: 'TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256', server: { ...ecdsaServer, ...tls12 }, client: { ...tls12, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256', ecdhCurve: 'P-256' }, version: 'TLSv1.2', group: NamedGroup.secp256r1 },
  { name: 'TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305 (X25519)', server: { ...rsaServer, ...tls12 }, client: { ...tls12, ciphers: 'ECDHE-RSA-CHACHA20-POLY1305' }, version: 'TLSv1.2', group: NamedGroup.x25519 },
  { name: 'TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384, PKCS#1 signature', server: { ...rsaServer, ...tls12 }, client: { ...tls12, ciphers: 'ECDHE-RSA-AES256-GCM-SHA384', sigalgs: 'RSA+SHA384' }, version: 'TLSv1.2', scheme: SignatureScheme.rsa_pkcs1_sha384 },
  { name: 'TLS 1.2 DHE-RSA-AES128-GCM-SHA256 (ffdhe2048)', server: { ...rsaServer, ...tls12, ciphers: 'DHE-RSA-AES128-GCM-SHA256', ecdhCurve: 'ffdhe2048' }, client: { ...tls12, ciphers: 'DHE-RSA-AES128-GCM-SHA256', ecdhCurve: 'ffdhe2048' }, version: 'TLSv1.2', group: NamedGroup.ffdhe2048 },
  { name: 'TLS 1.2 mutual TLS with an RSA client certificate', server: { ...ecdsaServer, ...tls12, requestCert: true }, client: { ...tls12, ...rsaClient }, version: 'TLSv1.2', mutual: true },
  { name: 'TLS 1.2 mutual TLS with an ECDSA client certificate', server: { ...rsaServer, ...tls12, requestCert: true }, client: { ...tls12, ...ecdsaClient }, version: 'TLSv1.2', mutual: true },
];

function handshake(c: Case, clientProvider: CryptoProvider, serverProvider: CryptoProvider) {
  return runPair({ ca: pki.ca.certPem, ...c.server, provider: serverProvider }, { servername: 'localhost', ca: pki.ca.certPem, ...c.client, provider: clientProvider });
}

describe('noble provider: full handshakes across providers', () => {
  for (const c of CASES) {
    for (const [sides, clientProvider, serverProvider] of SIDES) {
      test(`${c.name} — ${sides}`, () => {
        const r = handshake(c, clientProvider, serverProvider);
        assert.equal(r.clientError, undefined, String(r.clientError));
        assert.equal(r.serverError, undefined, String(r.serverError));
        assert.equal(r.client.protocol, c.version);
        assert.equal(r.server.protocol, c.version);
        assert.equal(r.client.authorized, true);
        if (c.group !== undefined) assert.equal(r.client.negotiated.group, c.group);
        if (c.scheme !== undefined) assert.equal(r.client.negotiated.peerSignatureScheme, c.scheme);
        if (c.mutual) {
          assert.equal(r.server.authorized, true);
          assert.equal(r.server.negotiated.peerCertificates.length, 1);
        }
        assert.deepEqual(r.client.finished, r.server.peerFinished);
        assert.deepEqual(r.client.exportKeyingMaterial(32, 'EXPERIMENTAL noble'), r.server.exportKeyingMaterial(32, 'EXPERIMENTAL noble'));
        r.client.write(text('ping'));
        r.server.write(text('pong'));
        pump(r);
        assert.equal(appData(r.serverEvents), 'ping');
        assert.equal(appData(r.clientEvents), 'pong');
      });
    }
  }

  const rsaKx: Case = { name: 'TLS 1.2 AES128-GCM-SHA256 (RSA key exchange)', server: { ...rsaServer, ...tls12, ciphers: 'AES128-GCM-SHA256' }, client: { ...tls12, ciphers: 'AES128-GCM-SHA256' }, version: 'TLSv1.2' };

  test('TLS 1.2 RSA key exchange: the noble provider as a client against the node provider', () => {
    const r = handshake(rsaKx, nobleCryptoProvider, nodeCryptoProvider);
    assert.equal(r.clientError, undefined, String(r.clientError));
    assert.equal(r.serverError, undefined, String(r.serverError));
    assert.equal(r.client.cipher?.name, 'AES128-GCM-SHA256');
    r.client.write(text('ping'));
    pump(r);
    assert.equal(appData(r.serverEvents), 'ping');
  });

  test('TLS 1.2 RSA key exchange: the noble provider as a server refuses to decrypt, with internal_error and the reason', () => {
    const r = handshake(rsaKx, nodeCryptoProvider, nobleCryptoProvider);
    assert.equal(r.serverError?.alert, AlertDescription.internal_error, String(r.serverError));
    assert.equal((r.serverError?.cause as Error | undefined)?.message, RSA_DECRYPT_REFUSED);
    assert.equal((r.clientError as { description?: number } | undefined)?.description, AlertDescription.internal_error, 'the client got the alert');
    assert.equal(r.client.peerFinished, undefined, 'the handshake did not complete');
  });
});
