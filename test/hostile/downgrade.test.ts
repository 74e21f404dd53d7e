/**
 * Downgrade protection (issue #6 item 7, security.md NEG-1/NEG-2, T12), in memory with a
 * man-in-the-middle `tamper` hook (test/helpers/pair.ts):
 * - TLS_FALLBACK_SCSV (RFC 7507) in a ClientHello whose best version is below the server's best:
 *   inappropriate_fallback; not when it is not a fallback.
 * - The TLS 1.3 downgrade sentinels in ServerHello.random (RFC 8446 §4.1.3): a 1.3-capable client
 *   that is offered TLS 1.2 with DOWNGRD01/00 aborts with illegal_parameter before it sends
 *   anything else; a 1.2-only client ignores DOWNGRD01; a 1.3 server negotiating 1.2 sets it.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientConnection, ServerConnection } from '../../src/connection/connection.js';
import { PeerAlert } from '../../src/errors.js';
import { readClientHello, writeClientHello, type ClientHello } from '../../src/messages/client-hello.js';
import { AlertDescription, CipherSuite, HandshakeType } from '../../src/messages/enums.js';
import { handshakeTypes, plainAlert, runPair, type Tamper } from '../helpers/pair.js';
import { cachedKeyProvider } from '../helpers/hostile-wire.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const A = AlertDescription;
const server = (extra = {}) => ({ provider: cachedKeyProvider, cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem, ...extra });
const client = (extra = {}) => ({ provider: cachedKeyProvider, servername: 'localhost', ca: pki.ca.certPem, ...extra });

const DOWNGRD01 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01);
const DOWNGRD00 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00);

/** Rewrites the ClientHello (the first record to the server; one message in one record). */
function editHello(edit: (ch: ClientHello) => ClientHello): Tamper {
  return (record, direction, index) => {
    if (direction !== 'toServer' || index !== 0) return [record];
    const body = writeClientHello(edit(readClientHello(record.subarray(9))));
    const out = new Uint8Array(9 + body.length);
    out.set([record[0]!, record[1]!, record[2]!, (body.length + 4) >> 8, (body.length + 4) & 0xff, HandshakeType.client_hello, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]);
    out.set(body, 9);
    return [out];
  };
}

/** Sets the last 8 bytes of ServerHello.random (the first message of the server's first record). */
function serverRandomTail(tail: Uint8Array): Tamper {
  return (record, direction, index) => {
    if (direction !== 'toClient' || index !== 0 || handshakeTypes(record)[0] !== HandshakeType.server_hello) return [record];
    const copy = record.slice();
    copy.set(tail, 5 + 4 + 2 + 24); // record header, handshake header, legacy_version, random[0..24)
    return [copy];
  };
}

const withScsv = editHello((ch) => ({ ...ch, cipherSuites: [...ch.cipherSuites, CipherSuite.TLS_FALLBACK_SCSV] }));

describe('TLS_FALLBACK_SCSV (RFC 7507)', () => {
  test('a 1.2-max ClientHello with the SCSV to a 1.3-capable server: inappropriate_fallback', () => {
    const r = runPair(server(), client({ maxVersion: 'TLSv1.2' }), withScsv);
    assert.equal(r.serverError?.alert, A.inappropriate_fallback);
    assert.deepEqual(r.wire.toClient, [plainAlert(A.inappropriate_fallback)], 'the server sends only the alert');
    assert.ok(r.clientError instanceof PeerAlert && r.clientError.description === A.inappropriate_fallback);
    assert.equal(r.client.isEstablished, false);
  });

  // Not fallbacks: the edited ClientHello is fed to a server directly (the client's own transcript
  // would no longer match, so a full pair cannot finish); the server must answer with its flight.
  for (const [name, clientMax, serverMax, expectVersion] of [
    ['the SCSV in a 1.3-capable ClientHello is harmless', 'TLSv1.3', 'TLSv1.3', 'TLSv1.3'],
    ['the SCSV with TLS 1.2 to a server whose best is TLS 1.2', 'TLSv1.2', 'TLSv1.2', 'TLSv1.2'],
  ] as const) {
    test(`not a fallback: ${name}`, () => {
      const c = new ClientConnection(client({ maxVersion: clientMax }));
      c.start();
      const [hello] = withScsv(c.takeOutgoing()[0]!, 'toServer', 0);
      const s = new ServerConnection(server({ maxVersion: serverMax }));
      s.receive(hello!);
      assert.equal(s.failure, undefined, String(s.failure));
      assert.equal(s.protocol, expectVersion);
      assert.equal(handshakeTypes(s.takeOutgoing()[0]!)[0], HandshakeType.server_hello);
    });
  }
});

describe('TLS 1.3 downgrade sentinels (RFC 8446 §4.1.3)', () => {
  for (const [name, tail] of [
    ['DOWNGRD01', DOWNGRD01],
    ['DOWNGRD00', DOWNGRD00],
  ] as const) {
    test(`a 1.3-capable client offered TLS 1.2 with ${name}: illegal_parameter, and nothing else is sent`, () => {
      const r = runPair(server({ maxVersion: 'TLSv1.2' }), client(), serverRandomTail(tail));
      assert.equal(r.clientError?.alert, A.illegal_parameter, String(r.clientError));
      // The client's whole output: its ClientHello, then the plaintext alert. No ClientKeyExchange, no Finished.
      assert.equal(r.wire.toServer.length, 2);
      assert.equal(handshakeTypes(r.wire.toServer[0]!)[0], HandshakeType.client_hello);
      assert.deepEqual(r.wire.toServer[1], plainAlert(A.illegal_parameter));
      assert.equal(r.client.negotiated.masterSecret, undefined, 'no key was derived');
    });
  }

  // The man-in-the-middle variant (supported_versions stripped) is in test/unit/handshake-tls13.test.ts.

  test('a 1.2-only client accepts DOWNGRD01 from a 1.3-capable server (only 1.3 clients check it)', () => {
    const r = runPair(server(), client({ maxVersion: 'TLSv1.2' }));
    assert.equal(r.clientError, undefined, String(r.clientError));
    assert.equal(r.client.protocol, 'TLSv1.2');
    assert.deepEqual(r.client.negotiated.serverRandom?.subarray(24), DOWNGRD01);
  });

  test('a 1.2-only server does not set the sentinel', () => {
    const r = runPair(server({ maxVersion: 'TLSv1.2' }), client({ maxVersion: 'TLSv1.2' }));
    assert.equal(r.clientError, undefined);
    const tail = r.client.negotiated.serverRandom!.subarray(24);
    assert.notDeepEqual(tail, DOWNGRD01);
    assert.notDeepEqual(tail, DOWNGRD00);
  });
});
