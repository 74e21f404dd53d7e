/**
 * OCSP stapling on the wire (RFC 6066 §8; RFC 8446 §4.4.2.1): who may send what, and the alert
 * each side sends when the other breaks the rules. In memory, over real ClientConnection /
 * ServerConnection objects (HostileDriver re-seals edited messages as the peer would); every
 * failing case checks the alert record the side under test sent.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientConnection, ServerConnection } from '../../src/connection/connection.js';
import type { TlsError } from '../../src/errors.js';
import { readCertificateTls13, writeCertificateTls13 } from '../../src/messages/certificate-tls13.js';
import { writeCertificateStatus } from '../../src/messages/certificate-status.js';
import { readClientHello, writeClientHello } from '../../src/messages/client-hello.js';
import { AlertDescription, ContentType, ExtensionType, HandshakeType } from '../../src/messages/enums.js';
import type { Extension } from '../../src/messages/extensions/index.js';
import { readServerHello, writeServerHello } from '../../src/messages/server-hello.js';
import { HostileDriver } from '../helpers/hostile-driver.js';
import { cachedKeyProvider, plainRecord, type Unit } from '../helpers/hostile-wire.js';
import { runPair } from '../helpers/pair.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const A = AlertDescription;
type Version = 'TLSv1.2' | 'TLSv1.3';
/** Not a real OCSP response: stapling carries any bytes, as node:tls does ('hello world' in its own test). */
const RESPONSE = new TextEncoder().encode('a stapled response');
const serverOpts = (v: Version, ocspResponse: Uint8Array | null = RESPONSE) => ({ provider: cachedKeyProvider, cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem, minVersion: v, maxVersion: v, ...(ocspResponse && { ocspResponse }) });
const clientOpts = (v: Version, requestOCSP: boolean) => ({ provider: cachedKeyProvider, servername: 'localhost', ca: pki.ca.certPem, minVersion: v, maxVersion: v, requestOCSP });

/** A handshake message unit with a 4-byte header around `body`. */
function handshake(type: number, body: Uint8Array): Uint8Array {
  return Uint8Array.of(type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff, ...body);
}

/** Delivers legitimate peer units until the next one is the handshake message `type`; returns it (dequeued). */
function upTo(d: HostileDriver, type: number): Unit {
  for (;;) {
    const unit = d.queue[0];
    assert.ok(unit, `no ${type} came`);
    if (unit.type === ContentType.handshake && unit.body[0] === type) return d.queue.shift()!;
    assert.equal(d.deliverNext(), undefined);
  }
}

/** Delivers `unit`; asserts the SUT failed with `alert` and that its last record was that fatal alert. */
function assertAlert(d: HostileDriver, unit: Unit, alert: number): void {
  const r = d.inject(d.seal(unit.type, unit.body, unit.epoch));
  assert.equal((r.error as TlsError | undefined)?.alert, alert, String(r.error));
  const last = r.units.at(-1);
  assert.equal(last?.type, ContentType.alert);
  assert.deepEqual([...last.body], [2, alert]);
}

describe('both sides: a server staples only for a client that asked, and only when it has a response', () => {
  for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${v}: asked → the client has the bytes the server sent; not asked → nothing on the wire`, () => {
      const asked = runPair(serverOpts(v), clientOpts(v, true));
      assert.equal(asked.clientError, undefined, String(asked.clientError));
      assert.deepEqual(asked.client.negotiated.ocspResponse, RESPONSE);
      assert.deepEqual(asked.server.negotiated.ocspResponse, RESPONSE);
      const notAsked = runPair(serverOpts(v), clientOpts(v, false));
      assert.equal(notAsked.clientError, undefined);
      assert.equal(notAsked.client.negotiated.ocspResponse, undefined);
      assert.equal(notAsked.server.negotiated.ocspResponse, undefined);
      const noResponse = runPair(serverOpts(v, null), clientOpts(v, true));
      assert.equal(noResponse.clientError, undefined);
      assert.equal(noResponse.client.negotiated.ocspResponse, undefined);
    });
  }
});

describe('TLS 1.2 client (RFC 6066 §8)', () => {
  test('a CertificateStatus the ServerHello did not announce is unexpected_message', () => {
    const d = new HostileDriver({ sut: 'client', server: serverOpts('TLSv1.2'), client: clientOpts('TLSv1.2', false) });
    const ske = upTo(d, HandshakeType.server_key_exchange);
    assertAlert(d, { ...ske, body: handshake(HandshakeType.certificate_status, writeCertificateStatus(RESPONSE)) }, A.unexpected_message);
  });

  test('status_request in a ServerHello when we did not offer it is unsupported_extension', () => {
    const d = new HostileDriver({ sut: 'client', server: serverOpts('TLSv1.2'), client: clientOpts('TLSv1.2', false) });
    const unit = upTo(d, HandshakeType.server_hello);
    const sh = readServerHello(unit.body.subarray(4));
    const extensions: Extension[] = [...sh.extensions, { type: ExtensionType.status_request, data: new Uint8Array(0) }];
    assertAlert(d, { ...unit, body: handshake(HandshakeType.server_hello, writeServerHello({ ...sh, extensions })) }, A.unsupported_extension);
  });

  test('a non-empty status_request in the ServerHello is decode_error', () => {
    const d = new HostileDriver({ sut: 'client', server: serverOpts('TLSv1.2'), client: clientOpts('TLSv1.2', true) });
    const unit = upTo(d, HandshakeType.server_hello);
    const sh = readServerHello(unit.body.subarray(4));
    const extensions = sh.extensions.map((e) => (e.type === ExtensionType.status_request ? { ...e, data: Uint8Array.of(1) } : e));
    assertAlert(d, { ...unit, body: handshake(HandshakeType.server_hello, writeServerHello({ ...sh, extensions })) }, A.decode_error);
  });

  for (const [what, body] of [
    ['status_type 2 (not ocsp)', Uint8Array.of(2, 0, 0, 1, 0x30)],
    ['an empty OCSPResponse (<1..2^24-1>)', Uint8Array.of(1, 0, 0, 0)],
    ['a length past the end', Uint8Array.of(1, 0, 0, 9, 0x30)],
    ['trailing bytes', Uint8Array.of(1, 0, 0, 1, 0x30, 0)],
    ['no status_type', new Uint8Array(0)],
  ] as const) {
    test(`a CertificateStatus with ${what} is decode_error`, () => {
      const d = new HostileDriver({ sut: 'client', server: serverOpts('TLSv1.2'), client: clientOpts('TLSv1.2', true) });
      const unit = upTo(d, HandshakeType.certificate_status);
      assertAlert(d, { ...unit, body: handshake(HandshakeType.certificate_status, body) }, A.decode_error);
    });
  }

  test('announced but not sent ("MAY also choose not to"): the client goes on to its flight', () => {
    const d = new HostileDriver({ sut: 'client', server: serverOpts('TLSv1.2'), client: clientOpts('TLSv1.2', true) });
    upTo(d, HandshakeType.certificate_status); // dropped
    for (const type of [HandshakeType.server_key_exchange, HandshakeType.server_hello_done]) {
      const unit = upTo(d, type);
      const r = d.inject(d.seal(unit.type, unit.body, unit.epoch));
      assert.equal(r.error, undefined, String(r.error));
    }
    assert.ok(d.sutUnits.some((u) => u.type === ContentType.handshake && u.body[0] === HandshakeType.client_key_exchange), 'the client sent ClientKeyExchange');
    assert.equal(d.client.negotiated.ocspResponse, undefined);
  });

  test('a second CertificateStatus is unexpected_message', () => {
    const d = new HostileDriver({ sut: 'client', server: serverOpts('TLSv1.2'), client: clientOpts('TLSv1.2', true) });
    const unit = upTo(d, HandshakeType.certificate_status);
    assert.equal(d.deliver(unit), undefined);
    assertAlert(d, unit, A.unexpected_message);
  });
});

describe('TLS 1.3 client (RFC 8446 §4.4.2, §4.4.2.1)', () => {
  /** The server's Certificate with `extensions` in the leaf's entry. */
  function withLeafExtensions(unit: Unit, extensions: Extension[]): Unit {
    const cert = readCertificateTls13(unit.body.subarray(4));
    return { ...unit, body: handshake(HandshakeType.certificate, writeCertificateTls13(cert.context, cert.entries.map((e) => e.certData), extensions)) };
  }

  test('status_request in a CertificateEntry when we did not offer it is unsupported_extension', () => {
    const d = new HostileDriver({ sut: 'client', server: serverOpts('TLSv1.3'), client: clientOpts('TLSv1.3', false) });
    const unit = upTo(d, HandshakeType.certificate);
    assertAlert(d, withLeafExtensions(unit, [{ type: ExtensionType.status_request, data: writeCertificateStatus(RESPONSE) }]), A.unsupported_extension);
  });

  test('an offered extension that does not belong in a CertificateEntry (server_name) is illegal_parameter', () => {
    const d = new HostileDriver({ sut: 'client', server: serverOpts('TLSv1.3'), client: clientOpts('TLSv1.3', true) });
    const unit = upTo(d, HandshakeType.certificate);
    assertAlert(d, withLeafExtensions(unit, [{ type: ExtensionType.server_name, data: new Uint8Array(0) }]), A.illegal_parameter);
  });

  test('a malformed status_request body in the leaf entry is decode_error', () => {
    const d = new HostileDriver({ sut: 'client', server: serverOpts('TLSv1.3'), client: clientOpts('TLSv1.3', true) });
    const unit = upTo(d, HandshakeType.certificate);
    assertAlert(d, withLeafExtensions(unit, [{ type: ExtensionType.status_request, data: Uint8Array.of(1, 0, 0, 0) }]), A.decode_error);
  });

  test('status_request in EncryptedExtensions (offered, but it belongs in the Certificate) is illegal_parameter', () => {
    const d = new HostileDriver({ sut: 'client', server: serverOpts('TLSv1.3'), client: clientOpts('TLSv1.3', true) });
    const unit = upTo(d, HandshakeType.encrypted_extensions);
    const body = Uint8Array.of(0, 4, 0, ExtensionType.status_request, 0, 0);
    assertAlert(d, { ...unit, body: handshake(HandshakeType.encrypted_extensions, body) }, A.illegal_parameter);
  });
});

describe('TLS 1.3 server: a client certificate entry', () => {
  test('with status_request, which our CertificateRequest did not ask for, is unsupported_extension', () => {
    const d = new HostileDriver({
      sut: 'server',
      server: { ...serverOpts('TLSv1.3'), ca: pki.ca.certPem, requestCert: true },
      client: { ...clientOpts('TLSv1.3', true), cert: pki.clientEcdsa.certPem, key: pki.clientEcdsa.keyPem },
    });
    const unit = upTo(d, HandshakeType.certificate);
    const cert = readCertificateTls13(unit.body.subarray(4));
    const body = writeCertificateTls13(cert.context, cert.entries.map((e) => e.certData), [{ type: ExtensionType.status_request, data: writeCertificateStatus(RESPONSE) }]);
    assertAlert(d, { ...unit, body: handshake(HandshakeType.certificate, body) }, A.unsupported_extension);
  });
});

describe('server: the client’s status_request', () => {
  for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
    for (const [what, data] of [
      ['truncated responder_id_list', Uint8Array.of(1, 0)],
      ['trailing bytes', Uint8Array.of(1, 0, 0, 0, 0, 0)],
      ['an empty body', new Uint8Array(0)],
    ] as const) {
      test(`${v}: a status_request with ${what} is decode_error`, () => {
        const c = new ClientConnection(clientOpts(v, true));
        c.start();
        const ch = readClientHello(c.takeOutgoing()[0]!.subarray(9));
        const extensions = ch.extensions.map((e) => (e.type === ExtensionType.status_request ? { ...e, data } : e));
        const body = writeClientHello({ ...ch, extensions });
        const s = new ServerConnection(serverOpts(v));
        assert.throws(() => s.receive(plainRecord(ContentType.handshake, handshake(HandshakeType.client_hello, body))), (e: TlsError) => e.alert === A.decode_error);
        assert.deepEqual([...s.takeOutgoing().at(-1)!], [ContentType.alert, 3, 3, 0, 2, 2, A.decode_error]);
      });
    }
  }

  test('a status_type other than ocsp is ignored (RFC 6066 §8): no staple, the handshake completes', () => {
    const r = runPair(serverOpts('TLSv1.2'), clientOpts('TLSv1.2', true), (record, direction, index) => {
      if (direction !== 'toServer' || index !== 0) return [record];
      const ch = readClientHello(record.subarray(9));
      const extensions = ch.extensions.map((e) => (e.type === ExtensionType.status_request ? { ...e, data: Uint8Array.of(2, 0, 0) } : e));
      return [plainRecord(ContentType.handshake, handshake(HandshakeType.client_hello, writeClientHello({ ...ch, extensions })))];
    });
    // The client's transcript differs from the server's (we edited its ClientHello), so Finished fails; the server sent no staple before that.
    assert.equal(r.server.negotiated.ocspResponse, undefined);
    const first = r.wire.toClient[0]!;
    assert.equal(first[5], HandshakeType.server_hello);
    const sh = readServerHello(first.subarray(9, 9 + ((first[6]! << 16) | (first[7]! << 8) | first[8]!)));
    assert.ok(!sh.extensions.some((e) => e.type === ExtensionType.status_request), 'no status_request in the ServerHello');
  });
});
