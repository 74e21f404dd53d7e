import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';
import { TLS12_SUITES } from '../../src/crypto/suites.js';
import { AlertDescription, CipherSuite, ContentType, HandshakeType } from '../../src/messages/enums.js';
import { readClientHello, writeClientHello } from '../../src/messages/client-hello.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { nodeKeyExchange } from '../../src/crypto/node/key-exchange.js';
import { respondWithNewShare, type CryptoProvider, type KeyShare } from '../../src/crypto/provider.js';
import { FFDHE_PRIMES } from '../../src/crypto/ffdhe-groups.js';
import { runPair, pump, plainAlert, splitRecord, handshakeTypes, type Tamper } from '../helpers/pair.js';
import { ClientConnection, ServerConnection } from '../../src/connection/connection.js';
import { parseGroups, type ClientOptions, type ServerOptions } from '../../src/config.js';

const ca = createCertificateAuthority({ commonName: 'tlsglass unit CA', keyType: 'ec' });
const rsaServer = issueCertificate({ issuer: ca, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'rsa' });
const ecServer = issueCertificate({ issuer: ca, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ec' });
const rsaClient = issueCertificate({ issuer: ca, commonName: 'rsa client', keyType: 'rsa', extKeyUsage: ['clientAuth'] });
const ecClient = issueCertificate({ issuer: ca, commonName: 'ec client', keyType: 'ec', extKeyUsage: ['clientAuth'] });

const server = (extra: ServerOptions = {}): ServerOptions => ({
  cert: [rsaServer.certPem, ecServer.certPem],
  key: [rsaServer.keyPem, ecServer.keyPem],
  ca: ca.certPem,
  ciphers: 'ALL',
  maxVersion: 'TLSv1.2',
  ...extra,
});
const client = (extra: ClientOptions = {}): ClientOptions => ({ servername: 'localhost', ca: ca.certPem, maxVersion: 'TLSv1.2', ...extra });
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('TLS 1.2 in memory: every suite and group', () => {
  for (const suite of TLS12_SUITES) {
    const groups = suite.kx === 'ECDHE' || suite.kx === 'ECDHE_PSK' ? ['X25519', 'P-256', 'P-384'] : suite.kx === 'DHE' ? ['ffdhe2048', 'ffdhe3072'] : ['X25519'];
    // PSK suites need both callbacks (RFC 4279): the same key on both sides.
    const psk = suite.auth === 'PSK' ? new Uint8Array(32).fill(9) : undefined;
    const pskServer = psk ? { pskLookup: () => psk } : {};
    const pskClient = psk ? { pskCallback: () => ({ psk, identity: 'unit' }) } : {};
    for (const group of groups) {
      test(`${suite.openssl} with ${group}`, () => {
        // The client also lists P-256, the curve of the ECDSA certificate (RFC 8422 §5.1); the server takes only `group`.
        const clientGroups = suite.auth === 'ECDSA' && group !== 'P-256' ? `${group}:P-256` : group;
        const r = runPair(server({ ecdhCurve: suite.kx === 'RSA' ? undefined : group, ...pskServer }), client({ ciphers: suite.openssl, ecdhCurve: clientGroups, ...pskClient }));
        assert.equal(r.clientError, undefined, String(r.clientError));
        assert.equal(r.serverError, undefined, String(r.serverError));
        assert.equal(r.client.cipher?.name, suite.openssl);
        assert.equal(r.server.cipher?.standardName, suite.name);
        assert.equal(r.client.protocol, 'TLSv1.2');
        assert.equal(r.client.authorized, true);
        if (suite.kx !== 'RSA' && suite.kx !== 'PSK') {
          assert.equal(r.server.negotiated.group, r.client.negotiated.group);
          assert.equal(r.client.negotiated.group, parseGroups(group)[0]);
        }
        assert.equal(r.client.negotiated.extendedMasterSecret, true);
        // Both Finished messages agree, and so does the exporter (RFC 5705).
        assert.deepEqual(r.client.finished, r.server.peerFinished);
        assert.deepEqual(r.server.finished, r.client.peerFinished);
        assert.deepEqual(r.client.exportKeyingMaterial(32, 'EXPERIMENTAL test'), r.server.exportKeyingMaterial(32, 'EXPERIMENTAL test'));
        r.client.write(text('ping'));
        r.server.write(text('pong'));
        pump(r);
        assert.deepEqual(appData(r.serverEvents), 'ping');
        assert.deepEqual(appData(r.clientEvents), 'pong');
      });
    }
  }
});

function appData(events: readonly { type: string; data?: Uint8Array }[]): string {
  return events.filter((e) => e.type === 'application-data').map((e) => new TextDecoder().decode(e.data)).join('');
}

describe('mutual TLS', () => {
  for (const [name, id] of [['RSA', rsaClient], ['ECDSA', ecClient]] as const) {
    test(`client certificate (${name}) is verified and CertificateVerify checked`, () => {
      const r = runPair(server({ requestCert: true }), client({ cert: id.certPem, key: id.keyPem }));
      assert.equal(r.serverError, undefined, String(r.serverError));
      assert.equal(r.server.authorized, true);
      assert.equal(r.server.peerCertificates.length, 1);
      assert.deepEqual(r.server.peerCertificates[0], id.certDer);
      assert.equal(r.client.negotiated.sentCertificate, true);
    });
  }

  test('a required certificate that is missing: handshake_failure from the server', () => {
    const r = runPair(server({ requestCert: true }), client());
    assert.equal(r.serverError?.alert, AlertDescription.handshake_failure);
    assert.equal(r.clientError?.code, 'ERR_TLSGLASS_PEER_ALERT_HANDSHAKE_FAILURE');
    // The client answered the CertificateRequest with an empty Certificate (RFC 5246 §7.4.6).
    const flight = r.wire.toServer[1]!;
    assert.equal(handshakeTypes(flight)[0], HandshakeType.certificate);
  });

  test('requestCert without rejectUnauthorized lets an unauthenticated client in', () => {
    const r = runPair(server({ requestCert: true, rejectUnauthorized: false }), client());
    assert.equal(r.serverError, undefined);
    assert.equal(r.server.isEstablished, true);
    assert.equal(r.server.authorized, false);
    assert.equal(r.server.authorizationError?.code, 'ERR_TLSGLASS_NO_PEER_CERTIFICATE');
  });

  test('a client certificate from an unknown CA is refused with unknown_ca', () => {
    const other = createCertificateAuthority({ commonName: 'other CA' });
    const stranger = issueCertificate({ issuer: other, commonName: 'stranger', extKeyUsage: ['clientAuth'] });
    const r = runPair(server({ requestCert: true }), client({ cert: stranger.certPem, key: stranger.keyPem }));
    assert.equal(r.serverError?.alert, AlertDescription.unknown_ca);
  });

  test('a client Certificate with no CertificateVerify is refused (unexpected_message)', () => {
    // Drop the CertificateVerify from the client's flight; the CCS then arrives where CertificateVerify is due.
    const tamper: Tamper = (record, direction) => {
      if (direction !== 'toServer' || record[0] !== ContentType.handshake) return [record];
      const types = handshakeTypes(record);
      if (!types.includes(HandshakeType.certificate_verify)) return [record];
      return [withoutHandshake(record, HandshakeType.certificate_verify)];
    };
    const r = runPair(server({ requestCert: true }), client({ cert: ecClient.certPem, key: ecClient.keyPem }), tamper);
    assert.equal(r.serverError?.alert, AlertDescription.unexpected_message);
    assert.match(r.serverError!.message, /expected certificate_verify, got ChangeCipherSpec/);
  });
});

/** Removes one handshake message from a plaintext handshake record. */
function withoutHandshake(record: Uint8Array, type: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let pos = 5;
  while (pos + 4 <= record.length) {
    const len = (record[pos + 1]! << 16) | (record[pos + 2]! << 8) | record[pos + 3]!;
    if (record[pos] !== type) parts.push(record.subarray(pos, pos + 4 + len));
    pos += 4 + len;
  }
  const body = concat(parts);
  return concat([Uint8Array.of(record[0]!, record[1]!, record[2]!, body.length >> 8, body.length & 0xff), body]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

describe('negative cases: the exact alert', () => {
  test('ServerKeyExchange skipped with an ECDHE suite: unexpected_message (SMACK)', () => {
    const tamper: Tamper = (record, direction) =>
      direction === 'toClient' && handshakeTypes(record).includes(HandshakeType.server_key_exchange)
        ? [withoutHandshake(record, HandshakeType.server_key_exchange)]
        : [record];
    const r = runPair(server(), client({ ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }), tamper);
    assert.equal(r.clientError?.alert, AlertDescription.unexpected_message);
    assert.deepEqual(r.wire.toServer.at(-1), plainAlert(AlertDescription.unexpected_message));
  });

  test('ChangeCipherSpec before ClientKeyExchange (CCS injection): unexpected_message', () => {
    const s = new ServerConnection(server());
    const c = new ClientConnection(client());
    c.start();
    for (const rec of c.takeOutgoing()) s.receive(rec);
    s.takeOutgoing();
    assert.throws(() => s.receive(Uint8Array.of(20, 3, 3, 0, 1, 1)), (e: { alert?: number }) => e.alert === AlertDescription.unexpected_message);
    assert.deepEqual(s.takeOutgoing(), [plainAlert(AlertDescription.unexpected_message)]);
  });

  test('a tampered Finished: decrypt_error (verify_data) or bad_record_mac (ciphertext)', () => {
    // Flip one bit in the last byte of the client's encrypted Finished record: the AEAD tag fails.
    const tamper: Tamper = (record, direction, index) => {
      if (direction === 'toServer' && index === 1) {
        const copy = record.slice();
        copy[copy.length - 1]! ^= 1;
        return [copy];
      }
      return [record];
    };
    const r = runPair(server(), client(), tamper);
    assert.equal(r.serverError?.alert, AlertDescription.bad_record_mac);
    assert.equal(r.client.isEstablished, false);
  });

  test('an oversized record: record_overflow, decided from the header', () => {
    const conn = new ServerConnection(server());
    // 2^14 + 2048 + 1 bytes declared: refused before the body arrives.
    assert.throws(() => conn.receive(Uint8Array.of(22, 3, 3, 0x48, 0x01)), (e: { alert?: number }) => e.alert === AlertDescription.record_overflow);
    const conn2 = new ServerConnection(server());
    // A plaintext record over 2^14.
    const big = new Uint8Array(5 + 16385);
    big.set([22, 3, 3, 0x40, 0x01]);
    assert.throws(() => conn2.receive(big), (e: { alert?: number }) => e.alert === AlertDescription.record_overflow);
  });

  test('a handshake message split across many 1-byte records still completes', () => {
    const tamper: Tamper = (record, direction, index) => (index === 0 || (direction === 'toClient' && index === 1) ? splitRecord(record, 1) : [record]);
    const r = runPair(server(), client(), tamper);
    assert.equal(r.serverError, undefined, String(r.serverError));
    assert.equal(r.client.isEstablished, true);
  });

  test('an unknown extension is ignored; a duplicated one is decode_error; either edit is caught by Finished', () => {
    const withExtra = (dup: boolean): Tamper => (record, direction, index) => {
      if (direction !== 'toServer' || index !== 0) return [record];
      return [addExtension(record, dup ? 0x0017 /* extended_master_secret */ : 0x7a7a)];
    };
    // The server ignores the unknown extension and answers with its flight...
    const ok = runPair(server(), client(), withExtra(false));
    assert.equal(handshakeTypes(ok.wire.toClient[0]!)[0], HandshakeType.server_hello);
    // ...but the edit changed the transcript, so the client's Finished cannot be opened (keys differ through EMS).
    assert.equal(ok.serverError?.alert, AlertDescription.bad_record_mac);
    assert.equal(ok.client.isEstablished, false);
    const bad = runPair(server(), client(), withExtra(true));
    assert.equal(bad.serverError?.alert, AlertDescription.decode_error);
    assert.deepEqual(bad.wire.toClient.at(-1), plainAlert(AlertDescription.decode_error));
  });

  for (const [label, value] of [
    ['0', (p: Uint8Array) => Uint8Array.of(0)],
    ['1', (_p: Uint8Array) => Uint8Array.of(1)],
    ['p−1', (p: Uint8Array) => { const v = p.slice(); v[v.length - 1]! -= 1; return v; }],
  ] as const) {
    test(`a DHE public value of ${label}: handshake_failure`, () => {
      const r = runPair(server(), client({ ciphers: 'DHE-RSA-AES128-GCM-SHA256', provider: withBadShare((group) => value(FFDHE_PRIMES.get(group)!.p)) }));
      assert.equal(r.serverError?.alert, AlertDescription.handshake_failure);
      assert.deepEqual(r.wire.toClient.at(-1), plainAlert(AlertDescription.handshake_failure));
    });
  }

  for (const [label, point] of [
    ['off-curve P-256 point', () => { const v = new Uint8Array(65); v[0] = 4; v[64] = 7; return v; }],
    ['compressed P-256 point', () => { const v = new Uint8Array(33); v[0] = 2; return v; }],
    ['all-zero X25519 share', () => new Uint8Array(32)],
  ] as const) {
    test(`an invalid curve point (${label}): illegal_parameter`, () => {
      const curve = label.includes('X25519') ? 'X25519' : 'P-256';
      const r = runPair(server(), client({ ecdhCurve: curve, provider: withBadShare(() => point()) }));
      assert.equal(r.serverError?.alert, AlertDescription.illegal_parameter);
      assert.deepEqual(r.wire.toClient.at(-1), plainAlert(AlertDescription.illegal_parameter));
    });
  }

  test('an ECDSA certificate on a curve the client did not list is not used (RFC 8422 §5.1)', () => {
    // Only a P-256 ECDSA identity, only ECDSA suites, and a client that lists only x25519 and P-384.
    const r = runPair(
      { cert: ecServer.certPem, key: ecServer.keyPem, maxVersion: 'TLSv1.2' },
      client({ ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256', ecdhCurve: 'X25519:P-384' }),
    );
    assert.equal(r.serverError?.alert, AlertDescription.handshake_failure);
  });

  test('TLS 1.1 is refused with protocol_version', () => {
    const r = runPair(server(), client(), (record, direction, index) => {
      if (direction !== 'toServer' || index !== 0) return [record];
      const copy = record.slice();
      copy[10] = 2; // client_version 0x0302
      return [copy];
    });
    assert.equal(r.serverError?.alert, AlertDescription.protocol_version);
  });

  test('renegotiation: a second ClientHello after the handshake gets a warning no_renegotiation; the connection carries on', () => {
    const r = runPair(server(), client());
    assert.equal(r.server.isEstablished, true);
    // A new ClientHello, sealed under the client's traffic keys (white-box: the key block is re-derived).
    const helloMessage = runPair(server(), client()).wire.toServer[0]!.subarray(5);
    const sealed = sealWithNewProtection(r, [helloMessage]);
    r.server.receive(sealed[0]!);
    assert.equal(r.server.isEstablished, true);
    // The answer is one warning alert, which the client takes and carries on from.
    const answer = r.server.takeOutgoing();
    assert.equal(answer.length, 1);
    r.client.receive(answer[0]!);
    assert.deepEqual(r.client.takeEvents().filter((e) => e.type === 'warning-alert'), [{ type: 'warning-alert', description: AlertDescription.no_renegotiation }]);
  });

  test('renegotiation: TLS_EMPTY_RENEGOTIATION_INFO_SCSV in a renegotiation ClientHello is handshake_failure (RFC 5746 §3.7); a flood is unexpected_message', () => {
    const r = runPair(server(), client());
    const hello = runPair(server(), client()).wire.toServer[0]!.subarray(5);
    const ch = readClientHello(hello.subarray(4));
    const body = writeClientHello({ ...ch, cipherSuites: [...ch.cipherSuites, CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV] });
    const withScsv = Uint8Array.of(HandshakeType.client_hello, 0, body.length >> 8, body.length & 0xff, ...body);
    assert.throws(() => r.server.receive(sealWithNewProtection(r, [withScsv])[0]!), (e: { alert?: number }) => e.alert === AlertDescription.handshake_failure);

    const f = runPair(server(), client());
    const sealed = sealWithNewProtection(f, [hello, hello, hello, hello, hello]);
    for (let i = 0; i < 4; i++) f.server.receive(sealed[i]!);
    assert.throws(() => f.server.receive(sealed[4]!), (e: { alert?: number }) => e.alert === AlertDescription.unexpected_message);
  });
});

import { keyBlock } from '../../src/keys/key-schedule-tls12.js';
import { Tls12Protection } from '../../src/record/protection-tls12.js';
function sealWithNewProtection(r: ReturnType<typeof runPair>, messages: readonly Uint8Array[]): Uint8Array[] {
  const n = r.client.negotiated;
  const kb = keyBlock(nodeCryptoProvider.hash, nodeCryptoProvider.aead, n.suite!, n.masterSecret!, n.clientRandom!, n.serverRandom!);
  const p = new Tls12Protection(nodeCryptoProvider, n.suite!, kb.clientWriteKey, kb.clientWriteIv);
  p.seal(ContentType.handshake, Uint8Array.of(0)); // sequence number 0 was the client's Finished
  return messages.map((m) => p.seal(ContentType.handshake, m));
}


/** Appends an extension (type, empty body) to the ClientHello in a plaintext record. */
function addExtension(record: Uint8Array, type: number): Uint8Array {
  const body = record.subarray(9); // after record header and handshake header
  // Walk to the extensions block: version(2) random(32) sid(1+n) suites(2+n) comp(1+n).
  let pos = 34;
  pos += 1 + body[pos]!;
  pos += 2 + ((body[pos]! << 8) | body[pos + 1]!);
  pos += 1 + body[pos]!;
  const extLen = (body[pos]! << 8) | body[pos + 1]!;
  const newExtLen = extLen + 4;
  const out = concat([body.subarray(0, pos), Uint8Array.of(newExtLen >> 8, newExtLen & 0xff), body.subarray(pos + 2), Uint8Array.of(type >> 8, type & 0xff, 0, 0)]);
  const hs = concat([Uint8Array.of(HandshakeType.client_hello, 0, out.length >> 8, out.length & 0xff), out]);
  return concat([Uint8Array.of(22, record[1]!, record[2]!, hs.length >> 8, hs.length & 0xff), hs]);
}

/** A provider whose key shares announce `publicFor(group)` instead of the real public value. */
function withBadShare(publicFor: (group: number) => Uint8Array): CryptoProvider {
  return {
    ...nodeCryptoProvider,
    keyExchange: {
      groups: nodeKeyExchange.groups,
      respond(group, peer) {
        return respondWithNewShare(this, group, peer);
      },
      generate(group): KeyShare {
        const real = nodeCryptoProvider.keyExchange.generate(group);
        return { group, publicKey: publicFor(group), deriveSecret: (peer) => real.deriveSecret(peer) };
      },
    },
  };
}
