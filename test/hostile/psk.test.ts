/**
 * External PSKs under attack or misuse (RFC 4279 §2, RFC 8446 §4.2.11): each failure reaches the
 * peer as the alert the RFC names, on the wire, and a server with a certificate falls back to it.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientOptions, ServerOptions } from '../../src/config.js';
import { PeerAlert } from '../../src/errors.js';
import { AlertDescription as A, HandshakeType } from '../../src/messages/enums.js';
import { cachedKeyProvider } from '../helpers/hostile-wire.js';
import { handshakeTypes, plainAlert, runPair } from '../helpers/pair.js';
import { testPki } from '../helpers/pki.js';

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i);
const pki = testPki();

const server = (extra: Partial<ServerOptions> = {}): ServerOptions => ({
  provider: cachedKeyProvider,
  pskLookup: (identity) => (identity === 'alice' ? KEY : null),
  pskIdentityHint: 'tlsglass-test',
  ciphers: 'PSK:TLS_AES_128_GCM_SHA256',
  ...extra,
});
const client = (version: 'TLSv1.2' | 'TLSv1.3', identity = 'alice', psk = KEY): ClientOptions => ({
  provider: cachedKeyProvider,
  servername: 'localhost',
  minVersion: version,
  maxVersion: version,
  ciphers: 'PSK:TLS_AES_128_GCM_SHA256',
  pskCallback: () => ({ psk, identity }),
});

test('TLS 1.2 and 1.3: a known identity completes without any certificate', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    const r = runPair(server(), client(version));
    assert.equal(r.clientError, undefined, version);
    assert.equal(r.serverError, undefined, version);
    assert.equal(r.client.negotiated.pskIdentity, 'alice', version);
    assert.equal(r.server.negotiated.pskIdentity, 'alice', version);
    assert.deepEqual(r.client.peerCertificates, [], version);
    assert.ok(r.client.authorized, `${version}: the PSK authenticated the server`);
    assert.equal(r.server.negotiated.ourCertificates, undefined, `${version}: the server sent no Certificate`);
  }
});

test('TLS 1.2: an unknown identity is unknown_psk_identity (RFC 4279 §2)', () => {
  const r = runPair(server(), client('TLSv1.2', 'mallory'));
  assert.equal(r.serverError?.alert, A.unknown_psk_identity);
  assert.deepEqual(r.wire.toClient.at(-1), plainAlert(A.unknown_psk_identity));
  assert.ok(r.clientError instanceof PeerAlert);
  assert.equal(r.clientError.description, A.unknown_psk_identity);
});

test('TLS 1.2: a ClientKeyExchange whose psk_identity overruns the message is decode_error', () => {
  const r = runPair(server(), client('TLSv1.2'), (record, direction) => {
    if (direction !== 'toServer' || record[0] !== 22 || !handshakeTypes(record).includes(HandshakeType.client_key_exchange)) return [record];
    const bad = new Uint8Array(record);
    bad[9] = 0xff; // psk_identity's length, high byte: now longer than the message
    return [bad];
  });
  assert.equal(r.serverError?.alert, A.decode_error);
  assert.deepEqual(r.wire.toClient.at(-1), plainAlert(A.decode_error));
});

test('TLS 1.3: a binder made with another key is decrypt_error (RFC 8446 §4.2.11, §6.2)', () => {
  const r = runPair(server(), client('TLSv1.3', 'alice', KEY.map((b) => b ^ 1)));
  assert.equal(r.serverError?.alert, A.decrypt_error);
  assert.deepEqual(r.wire.toClient, [plainAlert(A.decrypt_error)], 'the server answers the ClientHello with the alert only');
});

test('TLS 1.3: a pre_shared_key whose binders list is malformed is decode_error', () => {
  const r = runPair(server(), client('TLSv1.3'), (record, direction, index) => {
    if (direction !== 'toServer' || index !== 0) return [record];
    const bad = new Uint8Array(record);
    // binders<33..2^16-1> is the last field: 2-byte length, 1-byte binder length, 32-byte binder.
    bad[bad.length - 35] = 0;
    bad[bad.length - 34] = 0;
    return [bad];
  });
  assert.equal(r.serverError?.alert, A.decode_error);
  assert.deepEqual(r.wire.toClient, [plainAlert(A.decode_error)]);
});

test('TLS 1.3: an unknown identity at a server without a certificate is handshake_failure', () => {
  const r = runPair(server(), client('TLSv1.3', 'mallory'));
  assert.equal(r.serverError?.alert, A.handshake_failure);
  assert.deepEqual(r.wire.toClient, [plainAlert(A.handshake_failure)]);
});

test('TLS 1.3: an unknown identity at a server with a certificate falls back to the certificate', () => {
  const withCert = server({ cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem });
  const r = runPair(withCert, { ...client('TLSv1.3', 'mallory'), ca: pki.ca.certPem });
  assert.equal(r.clientError, undefined);
  assert.equal(r.serverError, undefined);
  assert.equal(r.client.negotiated.pskIdentity, undefined);
  assert.equal(r.client.peerCertificates.length, 1, 'the server authenticated with its certificate');
  assert.ok(r.client.authorized);
});

test('PSK suites are neither offered nor chosen without a PSK callback', () => {
  // The client has no pskCallback: a server that only takes PSK suites has nothing in common with it.
  const r = runPair(server(), { provider: cachedKeyProvider, servername: 'localhost', maxVersion: 'TLSv1.2', ciphers: 'PSK:ECDHE' });
  assert.equal(r.serverError?.alert, A.handshake_failure);
  assert.match(String(r.serverError?.message), /no cipher suite in common/);
});

test('TLS 1.3: after a HelloRetryRequest the external PSK is offered again, re-bound, and accepted', () => {
  // The client's one key share is x25519; a server that takes only P-256 asks again (RFC 8446 §4.1.4).
  const r = runPair(server({ ecdhCurve: 'P-256' }), client('TLSv1.3'));
  assert.equal(r.serverError, undefined, String(r.serverError));
  assert.equal(r.clientError, undefined, String(r.clientError));
  assert.equal(r.client.negotiated.helloRetry, true);
  assert.equal(r.client.negotiated.pskIdentity, 'alice');
  assert.equal(r.server.negotiated.pskIdentity, 'alice');
});

test('TLS 1.2: a ServerKeyExchange whose psk_identity_hint overruns the message is decode_error from the client', () => {
  const r = runPair(server(), client('TLSv1.2'), (record, direction) => {
    if (direction !== 'toClient' || record[0] !== 22) return [record];
    // Walk the handshake messages of the flight to the ServerKeyExchange's body.
    for (let pos = 5; pos + 4 <= record.length; pos += 4 + ((record[pos + 1]! << 16) | (record[pos + 2]! << 8) | record[pos + 3]!)) {
      if (record[pos] !== HandshakeType.server_key_exchange) continue;
      const bad = new Uint8Array(record);
      bad[pos + 4] = 0xff; // psk_identity_hint's length, high byte
      return [bad];
    }
    return [record];
  });
  assert.equal(r.clientError?.alert, A.decode_error);
  assert.deepEqual(r.wire.toServer.at(-1), plainAlert(A.decode_error));
});

test('a key outside OpenSSL\u2019s 1..512 bytes from a pskCallback fails the handshake with internal_error, saying why', () => {
  const r = runPair(server({ pskLookup: () => new Uint8Array(600) }), client('TLSv1.3'));
  assert.equal(r.serverError?.alert, A.internal_error);
  assert.match(String(r.serverError?.message), /pskCallback returned a key of 600 bytes: 1 to 512/);
  assert.deepEqual(r.wire.toClient, [plainAlert(A.internal_error)]);
});
