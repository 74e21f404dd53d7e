import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { TLS13_SUITES } from '../../src/crypto/suites.js';
import { AlertDescription, ContentType, HandshakeType } from '../../src/messages/enums.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { ServerSessionStore } from '../../src/session/server-store.js';
import { decodeClientSession } from '../../src/session/session.js';
import type { ClientOptions, ServerOptions } from '../../src/config.js';
import { testPki } from '../helpers/pki.js';
import { ClientConnection, ServerConnection } from '../../src/connection/connection.js';
import { runPair, pump, plainAlert, type Tamper } from '../helpers/pair.js';

const pki = testPki();
const server = (extra: ServerOptions = {}): ServerOptions => ({
  cert: [pki.serverRsa.certPem, pki.serverEcdsa.certPem],
  key: [pki.serverRsa.keyPem, pki.serverEcdsa.keyPem],
  ca: pki.ca.certPem,
  ...extra,
});
const client = (extra: ClientOptions = {}): ClientOptions => ({ servername: 'localhost', ca: pki.ca.certPem, ...extra });
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const appData = (events: readonly { type: string; data?: Uint8Array }[]): string =>
  events.filter((e) => e.type === 'application-data').map((e) => new TextDecoder().decode(e.data)).join('');
const sessionOf = (events: readonly { type: string; session?: Uint8Array }[]): Uint8Array | undefined => events.find((e) => e.type === 'session')?.session;

describe('TLS 1.3 in memory: every suite, group and certificate type', () => {
  for (const suite of TLS13_SUITES) {
    for (const group of ['X25519', 'P-256', 'P-384']) {
      for (const sigalgs of ['ECDSA+SHA256', 'RSA-PSS+SHA256']) {
        test(`${suite.name} ${group} ${sigalgs}`, () => {
          const r = runPair(server({ ecdhCurve: group }), client({ ciphers: suite.name, ecdhCurve: group, sigalgs }));
          assert.equal(r.clientError, undefined, String(r.clientError));
          assert.equal(r.server.protocol, 'TLSv1.3');
          assert.deepEqual(r.client.cipher, { name: suite.name, standardName: suite.name, version: 'TLSv1.3' });
          assert.equal(r.client.negotiated.helloRetry, false);
          assert.equal(r.client.authorized, true);
          assert.deepEqual(r.client.finished, r.server.peerFinished);
          assert.deepEqual(r.client.exportKeyingMaterial(32, 'EXPERIMENTAL x', text('ctx')), r.server.exportKeyingMaterial(32, 'EXPERIMENTAL x', text('ctx')));
          // Five NSS key-log lines per side, the same secrets on both.
          const lines = (ev: typeof r.clientEvents): string[] => ev.flatMap((e) => (e.type === 'keylog' ? [e.line] : [])).sort();
          assert.equal(lines(r.clientEvents).length, 5);
          assert.deepEqual(lines(r.clientEvents), lines(r.serverEvents));
          r.client.write(text('ping'));
          r.server.write(text('pong'));
          pump(r);
          assert.equal(appData(r.serverEvents), 'ping');
          assert.equal(appData(r.clientEvents), 'pong');
        });
      }
    }
  }
});

describe('TLS 1.3 handshake rules', () => {
  test('HelloRetryRequest when the client guessed the wrong group', () => {
    const r = runPair(server({ ecdhCurve: 'P-384' }), client());
    assert.equal(r.clientError, undefined, String(r.clientError));
    assert.equal(r.client.negotiated.helloRetry, true);
    assert.equal(r.client.ephemeralKeyInfo?.name, 'secp384r1');
  });

  test('a second HelloRetryRequest is unexpected_message', () => {
    const tamper: Tamper = (record, direction, index) => (direction === 'toClient' && index === 0 ? [record, record] : [record]);
    const r = runPair(server({ ecdhCurve: 'P-384' }), client(), tamper);
    assert.equal(r.clientError?.alert, AlertDescription.unexpected_message);
    assert.match(r.clientError!.message, /second HelloRetryRequest/);
  });

  test('mutual TLS with RSA and ECDSA client certificates', () => {
    for (const id of [pki.clientRsa, pki.clientEcdsa]) {
      const r = runPair(server({ requestCert: true }), client({ cert: id.certPem, key: id.keyPem }));
      assert.equal(r.serverError, undefined, String(r.serverError));
      assert.equal(r.server.authorized, true);
      assert.deepEqual(r.server.peerCertificates[0], id.certDer);
    }
  });

  test('a required certificate that is missing: certificate_required (RFC 8446 §4.4.2.4)', () => {
    const r = runPair(server({ requestCert: true }), client());
    assert.equal(r.serverError?.alert, AlertDescription.certificate_required);
    assert.equal(r.clientError?.code, 'ERR_TLSGLASS_PEER_ALERT_CERTIFICATE_REQUIRED');
  });

  test('KeyUpdate both ways, with update_requested answered', () => {
    const r = runPair(server(), client());
    r.client.keyUpdate(true);
    r.client.write(text('after client update'));
    pump(r);
    r.server.write(text('after server update'));
    r.server.keyUpdate(false);
    r.server.write(text(' and again'));
    pump(r);
    assert.equal(appData(r.serverEvents), 'after client update');
    assert.equal(appData(r.clientEvents), 'after server update and again');
    assert.equal(r.clientError ?? r.serverError, undefined);
  });

  test('more than 32 KeyUpdates without data: unexpected_message', () => {
    const r = runPair(server(), client());
    for (let i = 0; i < 33; i++) r.client.keyUpdate(false);
    pump(r);
    assert.equal(r.serverError?.alert, AlertDescription.unexpected_message);
  });

  test('AEAD usage limit: TLS 1.3 updates its keys before the limit; TLS 1.2 closes', () => {
    const r = runPair(server(), client({ aeadRecordLimit: 4 }));
    for (let i = 0; i < 10; i++) r.client.write(text(String(i)));
    pump(r);
    assert.equal(appData(r.serverEvents), '0123456789');
    assert.equal(r.serverError, undefined);
    const old = runPair(server({ maxVersion: 'TLSv1.2' }), client({ aeadRecordLimit: 4 }));
    // The client's Finished used sequence number 0; three more records fit.
    for (let i = 0; i < 3; i++) old.client.write(text(String(i)));
    assert.throws(() => old.client.write(text('x')), /record limit/);
    pump(old);
    assert.equal(appData(old.serverEvents), '012');
    assert.ok(old.serverEvents.some((e) => e.type === 'peer-closed'));
  });

  test('ChangeCipherSpec after the handshake: unexpected_message', () => {
    const r = runPair(server(), client());
    assert.throws(() => r.server.receive(Uint8Array.of(20, 3, 3, 0, 1, 1)), (e: { alert?: number }) => e.alert === AlertDescription.unexpected_message);
  });

  test('a 1.3 client falls back to a 1.2-only server, and a 1.3 server marks a forced 1.2 with the downgrade sentinel', () => {
    const fallback = runPair(server({ maxVersion: 'TLSv1.2' }), client());
    assert.equal(fallback.client.protocol, 'TLSv1.2');
    assert.equal(fallback.clientError, undefined);
    // A man in the middle removes TLS 1.3 from the ClientHello: the server's random carries DOWNGRD\x01 and the client aborts.
    const strip: Tamper = (record, direction, index) => (direction === 'toServer' && index === 0 ? [stripSupportedVersions(record)] : [record]);
    const attacked = runPair(server(), client(), strip);
    assert.equal(attacked.clientError?.alert, AlertDescription.illegal_parameter);
    assert.match(attacked.clientError!.message, /downgrade/);
    assert.deepEqual(attacked.wire.toServer.at(-1), plainAlert(AlertDescription.illegal_parameter));
  });
});

/** Renames supported_versions in a plaintext ClientHello record to an unknown extension type. */
function stripSupportedVersions(record: Uint8Array): Uint8Array {
  const copy = record.slice();
  for (let i = 9; i + 1 < copy.length; i++) {
    if (copy[i] === 0x00 && copy[i + 1] === 0x2b && copy[i + 3]! > 0 && copy[i + 4] === copy[i + 3]! - 1) {
      copy[i + 1] = 0x7a;
      return copy;
    }
  }
  throw new Error('supported_versions not found');
}

describe('resumption', () => {
  const store = new ServerSessionStore(nodeCryptoProvider);
  const withStore = (extra: ServerOptions = {}): ServerOptions => server({ sessionStore: store, ...extra });

  function firstSession(s: ServerOptions, c: ClientOptions): Uint8Array {
    const r = runPair(s, c);
    r.server.write(text('x'));
    pump(r);
    const session = sessionOf(r.clientEvents);
    assert.ok(session, 'a session event');
    return session;
  }

  test('TLS 1.3 ticket: PSK with (EC)DHE, no certificate messages, identity carried over', () => {
    const session = firstSession(withStore({ requestCert: true }), client({ cert: pki.clientEcdsa.certPem, key: pki.clientEcdsa.keyPem }));
    const r = runPair(withStore({ requestCert: true }), client({ session }));
    assert.equal(r.serverError, undefined, String(r.serverError));
    assert.equal(r.client.negotiated.resumed, true);
    assert.equal(r.server.negotiated.resumed, true);
    assert.equal(r.server.authorized, true, 'the client identity from the first handshake');
    assert.equal(r.client.authorized, true);
    // No Certificate in the server's encrypted flight (after ServerHello and CCS): only EncryptedExtensions + Finished.
    assert.equal(r.wire.toClient[1]![0], ContentType.change_cipher_spec);
    assert.ok(r.wire.toClient[2]!.length < 100, `encrypted flight of ${r.wire.toClient[2]!.length} bytes`);
  });

  test('TLS 1.3: a modified binder is decrypt_error', () => {
    const session = firstSession(withStore(), client());
    const flipBinder: Tamper = (record, direction, index) => {
      if (direction !== 'toServer' || index !== 0) return [record];
      const copy = record.slice();
      copy[copy.length - 1]! ^= 1; // the binder is the last byte of the ClientHello
      return [copy];
    };
    const r = runPair(withStore(), client({ session }), flipBinder);
    assert.equal(r.serverError?.alert, AlertDescription.decrypt_error);
  });

  test('TLS 1.3: a PSK made under another hash is not used (full handshake)', () => {
    const session = firstSession(withStore(), client({ ciphers: 'TLS_AES_256_GCM_SHA384' }));
    const r = runPair(withStore(), client({ session, ciphers: 'TLS_AES_128_GCM_SHA256' }));
    assert.equal(r.clientError, undefined, String(r.clientError));
    assert.equal(r.client.negotiated.resumed, false);
  });

  test('a session resumes only for the same SNI', () => {
    const session = firstSession(withStore(), client());
    const other = issueForHost('other.test');
    const r = runPair(withStore({ cert: other.certPem, key: other.keyPem }), client({ session, servername: 'other.test' }));
    assert.equal(r.client.negotiated.resumed, false);
    assert.equal(r.clientError, undefined, String(r.clientError));
  });

  for (const mode of ['ticket', 'session ID'] as const) {
    test(`TLS 1.2 resumption by ${mode}`, () => {
      let session = firstSession(withStore({ maxVersion: 'TLSv1.2' }), client());
      if (mode === 'session ID') {
        const decoded = decodeClientSession(session)!;
        assert.equal(decoded.sessionId.length, 32);
        session = encodeWithoutTicket(session);
      }
      const r = runPair(withStore({ maxVersion: 'TLSv1.2' }), client({ session }));
      assert.equal(r.serverError, undefined, String(r.serverError));
      assert.equal(r.client.protocol, 'TLSv1.2');
      assert.equal(r.client.negotiated.resumed, true);
      assert.equal(r.server.negotiated.resumed, true);
      assert.equal(r.client.negotiated.extendedMasterSecret, true);
      // Abbreviated: the server's first flight is ServerHello (+ NewSessionTicket) + CCS + Finished, no Certificate.
      assert.ok(!r.wire.toClient.some((x) => x[0] === ContentType.handshake && x.includes(HandshakeType.certificate) && x.length > 300));
    });
  }

  test('two stores with shared keys resume each other; new keys retire the old ones (as node:tls)', () => {
    const keys = new Uint8Array(48).fill(7);
    const a = new ServerSessionStore(nodeCryptoProvider, { ticketKeys: keys });
    const b = new ServerSessionStore(nodeCryptoProvider, { ticketKeys: keys });
    const session = firstSession(server({ sessionStore: a }), client());
    const onB = runPair(server({ sessionStore: b }), client({ session }));
    assert.equal(onB.server.negotiated.resumed, true, 'resumed on the other store');
    b.setTicketKeys(new Uint8Array(48).fill(8));
    assert.equal(runPair(server({ sessionStore: b }), client({ session })).server.negotiated.resumed, false, 'after a rotation');
    b.setTicketKeys(keys);
    assert.equal(runPair(server({ sessionStore: b }), client({ session })).server.negotiated.resumed, true, 'with the first keys back');
  });
});

import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';
import { encodeClientSession } from '../../src/session/session.js';
void createCertificateAuthority;
function issueForHost(host: string): ReturnType<typeof issueCertificate> {
  return issueCertificate({ issuer: pki.ca, commonName: host, dnsNames: [host], keyType: 'ec' });
}
function encodeWithoutTicket(session: Uint8Array): Uint8Array {
  return encodeClientSession({ ...decodeClientSession(session)!, ticket: new Uint8Array(0) });
}

describe('TLS 1.3 alerts', () => {
  test('a client rejecting our certificate: its alert reaches the server, encrypted (ours) or in the clear (OpenSSL)', () => {
    const other = runPair(server(), client({ ca: pki.clientEcdsa.certPem }));
    assert.equal(other.clientError?.alert, AlertDescription.unknown_ca);
    assert.equal(other.serverError?.code, 'ERR_TLSGLASS_PEER_ALERT_UNKNOWN_CA');
    // OpenSSL's client sends it before switching keys: feed a plaintext alert after our flight.
    const s = new ServerConnection(server());
    const c = new ClientConnection(client());
    c.start();
    for (const rec of c.takeOutgoing()) s.receive(rec);
    s.takeOutgoing();
    assert.throws(() => s.receive(Uint8Array.of(21, 3, 3, 0, 2, 2, AlertDescription.unknown_ca)), (e: { code?: string }) => e.code === 'ERR_TLSGLASS_PEER_ALERT_UNKNOWN_CA');
  });

  test('a warning-level alert other than close_notify/user_canceled is an error (RFC 8446 §6)', () => {
    const r = runPair(server(), client());
    // Seal a warning unrecognized_name under the server's application keys (from its key log);
    // its NewSessionTicket already used sequence number 0.
    const line = r.serverEvents.flatMap((e) => (e.type === 'keylog' && e.line.startsWith('SERVER_TRAFFIC_SECRET_0') ? [e.line] : []))[0]!;
    const secret = Uint8Array.from(Buffer.from(line.split(' ')[2]!, 'hex'));
    const suite = r.server.negotiated.suite13!;
    const { key, iv } = trafficKeys(nodeCryptoProvider.hash, nodeCryptoProvider.aead, suite, secret);
    const sealed = new Tls13Protection(nodeCryptoProvider, suite, key, iv, 1n).seal(ContentType.alert, Uint8Array.of(1, AlertDescription.unrecognized_name));
    assert.throws(() => r.client.receive(sealed), (e: { code?: string }) => e.code === 'ERR_TLSGLASS_PEER_ALERT_UNRECOGNIZED_NAME');
  });
});

import { trafficKeys } from '../../src/keys/key-schedule-tls13.js';
import { Tls13Protection } from '../../src/record/protection-tls13.js';
