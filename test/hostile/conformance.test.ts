/**
 * The protocol deviations third-party conformance scripts (tlsfuzzer) found (issue 12), each as
 * a class: unsolicited server extensions, ClientHellos up to the largest their vectors can hold,
 * TLS 1.3 ChangeCipherSpec rules, legacy_version, ec_point_formats in TLS 1.3, the DHE fallback
 * of RFC 7919 §4, and the alert choices (README "Alert decisions"). In memory, over real
 * ServerConnection/ClientConnection objects; every case checks the alert on the wire.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientConnection, ServerConnection, type Connection } from '../../src/connection/connection.js';
import type { TlsError } from '../../src/errors.js';
import { readClientHello, writeClientHello, type ClientHello } from '../../src/messages/client-hello.js';
import {
  AlertDescription,
  CipherSuite,
  ContentType,
  ECPointFormat,
  ExtensionType,
  HandshakeType,
  NamedGroup,
  ProtocolVersion,
  SignatureScheme,
} from '../../src/messages/enums.js';
import { findExtension, type Extension } from '../../src/messages/extensions/index.js';
import { writeEcPointFormats, writeU16ListExtension } from '../../src/messages/extensions/simple.js';
import { readKeyShareClient, writeKeyShareClient } from '../../src/messages/extensions/tls13.js';
import { readServerHello } from '../../src/messages/server-hello.js';
import { solicited } from '../../src/handshake/server/solicited.js';
import { MAX_CLIENT_HELLO } from '../../src/record/handshake-joiner.js';
import { resolveServerConfig } from '../../src/config.js';
import { HostileDriver } from '../helpers/hostile-driver.js';
import { runPair } from '../helpers/pair.js';
import { cachedKeyProvider, concatBytes, plainRecord } from '../helpers/hostile-wire.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const A = AlertDescription;
type Version = 'TLSv1.2' | 'TLSv1.3';
const serverOpts = { provider: cachedKeyProvider, cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem, ca: pki.ca.certPem };
const rsaServerOpts = { provider: cachedKeyProvider, cert: pki.serverRsa.certPem, key: pki.serverRsa.keyPem, ca: pki.ca.certPem };
const clientOpts = { provider: cachedKeyProvider, servername: 'localhost', ca: pki.ca.certPem };

/** Our default client's ClientHello, decoded, for editing. */
function realHello(extra: object = {}): ClientHello {
  const c = new ClientConnection({ ...clientOpts, ...extra });
  c.start();
  return readClientHello(c.takeOutgoing()[0]!.subarray(9));
}

/** Frames a handshake message into plaintext records of at most 2^14 bytes. */
function helloRecords(body: Uint8Array): Uint8Array {
  const msg = new Uint8Array(4 + body.length);
  msg.set([HandshakeType.client_hello, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]);
  msg.set(body, 4);
  const out: Uint8Array[] = [];
  for (let off = 0; off < msg.length; off += 16384) out.push(plainRecord(ContentType.handshake, msg.subarray(off, off + 16384)));
  return concatBytes(out);
}

interface Answer {
  readonly error: TlsError | undefined;
  readonly records: Uint8Array[];
}

function send(s: Connection, bytes: Uint8Array): Answer {
  let error: TlsError | undefined;
  try {
    s.receive(bytes);
  } catch (e) {
    error = e as TlsError;
  }
  return { error, records: s.takeOutgoing() };
}

/** The server's answer to one ClientHello. */
function answer(ch: ClientHello, options: object = serverOpts): Answer & { server: ServerConnection } {
  const server = new ServerConnection(options);
  return { ...send(server, helloRecords(writeClientHello(ch))), server };
}

/** The ServerHello (or HelloRetryRequest) the server answered with. */
function serverHelloOf(a: Answer) {
  assert.equal(a.error, undefined, String(a.error));
  const first = a.records[0]!;
  assert.equal(first[0], ContentType.handshake);
  assert.equal(first[5], HandshakeType.server_hello);
  const length = (first[6]! << 16) | (first[7]! << 8) | first[8]!;
  return readServerHello(first.subarray(9, 9 + length));
}

/**
 * Asserts the server failed with `alert` and sent it as its last record: a plaintext alert record
 * carrying exactly that alert, or (after its TLS 1.3 flight) one protected record.
 */
function assertAlert(a: Answer, alert: number): void {
  assert.equal(a.error?.alert, alert, `expected ${alert}, got ${String(a.error)}`);
  const last = a.records[a.records.length - 1]!;
  if (last[0] === ContentType.alert) assert.deepEqual([...last.subarray(5)], [2, alert]);
  else assert.ok(last[0] === ContentType.application_data && a.records.length > 1, 'no alert record sent');
}

const without = (ch: ClientHello, ...types: number[]): ClientHello => ({ ...ch, extensions: ch.extensions.filter((e) => !types.includes(e.type)) });
const replacing = (ch: ClientHello, type: number, data: Uint8Array): ClientHello => ({
  ...ch,
  extensions: ch.extensions.map((e) => (e.type === type ? { type, data } : e)),
});

describe('1. a server sends only extensions the client offered (RFC 5246 §7.4.1.4, RFC 8446 §4.2, RFC 5746 §3.6)', () => {
  test('TLS 1.2: renegotiation_info only in answer to the extension or TLS_EMPTY_RENEGOTIATION_INFO_SCSV', () => {
    const ch = without(realHello({ maxVersion: 'TLSv1.2' }), ExtensionType.renegotiation_info);
    const types = (h: ClientHello): number[] => serverHelloOf(answer(h)).extensions.map((e) => e.type);
    assert.equal(types(ch).includes(ExtensionType.renegotiation_info), false, 'neither: none');
    assert.equal(types({ ...ch, cipherSuites: [...ch.cipherSuites, CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV] }).includes(ExtensionType.renegotiation_info), true, 'SCSV');
    assert.equal(types(realHello({ maxVersion: 'TLSv1.2' })).includes(ExtensionType.renegotiation_info), true, 'extension');
  });

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version}: with every optional extension left out in turn, ServerHello carries nothing unoffered`, () => {
      const ch = realHello({ maxVersion: version, ALPNProtocols: ['h2'] });
      const required: number[] = [ExtensionType.supported_versions, ExtensionType.key_share, ExtensionType.supported_groups, ExtensionType.signature_algorithms];
      for (const e of ch.extensions) {
        if (required.includes(e.type)) continue; // without these there is no handshake to answer
        const h = without(ch, e.type);
        const sh = serverHelloOf(answer(h, { ...serverOpts, ALPNProtocols: ['h2'] }));
        for (const x of sh.extensions) assert.ok(findExtension(h.extensions, x.type) !== undefined, `without ${e.type}: ServerHello has ${x.type}`);
      }
    });
  }

  test('TLS 1.3 HelloRetryRequest: only supported_versions and key_share, both offered', () => {
    const ch = realHello({ maxVersion: 'TLSv1.3', ecdhCurve: 'X25519:P-256' });
    const hrr = serverHelloOf(answer(ch, { ...serverOpts, ecdhCurve: 'P-256' }));
    assert.deepEqual(hrr.extensions.map((e) => e.type).sort(), [ExtensionType.supported_versions, ExtensionType.key_share].sort());
  });

  test('the check itself: an unoffered extension is refused on our side (internal_error), never sent', () => {
    const ch = without(realHello({ maxVersion: 'TLSv1.3' }), ExtensionType.application_layer_protocol_negotiation);
    assert.throws(
      () => solicited(ch, [{ type: ExtensionType.application_layer_protocol_negotiation, data: Uint8Array.of(0, 3, 2, 0x68, 0x32) }], 'EncryptedExtensions'),
      (e: TlsError) => e.alert === A.internal_error && /did not offer/.test(e.message),
    );
  });
});

describe('2. ClientHellos up to the most their vectors hold are answered; larger ones are decode_error', () => {
  /**
   * The largest ClientHello a version allows: 32 767 suites, a 32-byte session ID, a full extension
   * block and (TLS 1.2) 255 compression methods; TLS 1.3 allows only [null] (RFC 8446 §4.1.2).
   */
  function largest(version: Version): ClientHello {
    const ch = realHello({ maxVersion: version });
    const suites = Array.from({ length: 0x7fff - ch.cipherSuites.length }, (_, i) => 0x2000 + (i % 0x3000));
    const compression = version === 'TLSv1.2' ? new Uint8Array(255) : Uint8Array.of(0);
    const others = ch.extensions.reduce((n, e) => n + 4 + e.data.length, 0);
    // The padding goes first: in TLS 1.3 pre_shared_key (absent here) would have to stay last.
    const padding = { type: ExtensionType.padding, data: new Uint8Array(0xffff - others - 4) };
    return { ...ch, legacySessionId: new Uint8Array(32).fill(7), cipherSuites: [...suites, ...ch.cipherSuites], legacyCompressionMethods: compression, extensions: [padding, ...ch.extensions] };
  }

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version}: the largest ClientHello (full suite list and full extension block) gets a ServerHello`, () => {
      const ch = largest(version);
      assert.equal(writeClientHello(ch).length, MAX_CLIENT_HELLO - (version === 'TLSv1.2' ? 0 : 254));
      const a = answer(ch);
      assert.equal(serverHelloOf(a).cipherSuite !== 0, true);
    });

    test(`${version}: as many signature schemes as fit (~32 700), or 1 000 unassigned extensions, are answered`, () => {
      const ch = realHello({ maxVersion: version });
      const others = ch.extensions.reduce((n, e) => n + (e.type === ExtensionType.signature_algorithms ? 0 : 4 + e.data.length), 0);
      const count = Math.floor((0xffff - others - 4 - 2) / 2);
      assert.ok(count > 32_600, `${count} schemes`);
      const schemes = [...Array.from({ length: count - 1 }, (_, i) => 0x0900 + (i % 0x3000)), SignatureScheme.ecdsa_secp256r1_sha256];
      assert.equal(serverHelloOf(answer(replacing(ch, ExtensionType.signature_algorithms, writeU16ListExtension(schemes)))).extensions.length > 0, true);
      const unknown: Extension[] = Array.from({ length: 1000 }, (_, i) => ({ type: 0x2000 + i * 7, data: new Uint8Array(i % 8) }));
      assert.equal(serverHelloOf(answer({ ...ch, extensions: [...unknown, ...ch.extensions] })).extensions.length > 0, true);
    });
  }

  test('one byte more than a ClientHello can hold, declared in the header: decode_error', () => {
    const s = new ServerConnection(serverOpts);
    const n = MAX_CLIENT_HELLO + 1;
    const a = send(s, plainRecord(ContentType.handshake, Uint8Array.of(HandshakeType.client_hello, n >> 16, (n >> 8) & 0xff, n & 0xff)));
    assertAlert(a, A.decode_error);
  });
});

/** A TLS 1.3 server under test, driven by a real client, stopped where the client's Finished is next. */
function tls13Server(): HostileDriver {
  const d = new HostileDriver({ sut: 'server', server: { ...serverOpts, minVersion: 'TLSv1.3' }, client: { ...clientOpts, minVersion: 'TLSv1.3' } });
  return d;
}

const CCS = Uint8Array.of(ContentType.change_cipher_spec, 3, 3, 0, 1, 1);

describe('3. TLS 1.3 ChangeCipherSpec: one unprotected CCS of value 1 before Finished, nothing else (RFC 8446 §5)', () => {
  test('server: the client’s one CCS is dropped and the handshake completes', () => {
    const d = tls13Server();
    assert.equal(d.finish(), undefined);
    assert.equal(d.sut.isEstablished, true);
  });

  test('server: a second CCS before the client’s Finished is unexpected_message', () => {
    const d = tls13Server();
    d.skipCompatCcs();
    const r = d.inject(CCS);
    assert.equal((r.error as TlsError | undefined)?.alert, A.unexpected_message);
    assert.equal(r.units.at(-1)?.type, ContentType.alert);
  });

  test('server: ClientHello and three CCS records in one segment: the flight, then unexpected_message', () => {
    const ch = realHello({ minVersion: 'TLSv1.3', ecdhCurve: 'X25519' });
    const s = new ServerConnection({ ...serverOpts, minVersion: 'TLSv1.3' });
    const a = send(s, concatBytes([helloRecords(writeClientHello(ch)), CCS, CCS, CCS]));
    assert.equal(a.records[0]![5], HandshakeType.server_hello, 'the flight went out first');
    assertAlert(a, A.unexpected_message);
  });

  test('server: several CCS bytes in one record, and a 2-byte CCS, are unexpected_message', () => {
    for (const body of [Uint8Array.of(1, 1), Uint8Array.of(1, 1, 1, 1), Uint8Array.of(2), new Uint8Array(0)]) {
      const ch = realHello({ minVersion: 'TLSv1.3' });
      const s = new ServerConnection({ ...serverOpts, minVersion: 'TLSv1.3' });
      const a = send(s, concatBytes([helloRecords(writeClientHello(ch)), plainRecord(ContentType.change_cipher_spec, body)]));
      assertAlert(a, A.unexpected_message);
    }
  });

  test('server: a protected CCS (inner type change_cipher_spec) is unexpected_message', () => {
    const d = tls13Server();
    d.skipCompatCcs();
    const r = d.inject(d.seal(ContentType.change_cipher_spec, Uint8Array.of(1), d.readEpoch()));
    assert.equal((r.error as TlsError | undefined)?.alert, A.unexpected_message);
  });

  test('client: a second CCS from the server is unexpected_message', () => {
    const d = new HostileDriver({ sut: 'client', server: { ...serverOpts, minVersion: 'TLSv1.3' }, client: { ...clientOpts, minVersion: 'TLSv1.3' } });
    d.skipCompatCcs();
    const r = d.inject(CCS);
    assert.equal((r.error as TlsError | undefined)?.alert, A.unexpected_message);
  });

  test('TLS 1.2: a 2-byte ChangeCipherSpec is unexpected_message too', () => {
    const d = new HostileDriver({ sut: 'server', server: { ...serverOpts, maxVersion: 'TLSv1.2' }, client: { ...clientOpts, maxVersion: 'TLSv1.2' } });
    while (d.queue[0]?.type !== ContentType.change_cipher_spec) assert.equal(d.deliverNext(), undefined);
    const r = d.inject(plainRecord(ContentType.change_cipher_spec, Uint8Array.of(1, 1)));
    assert.equal((r.error as TlsError | undefined)?.alert, A.unexpected_message);
  });
});

describe('4. legacy_version 0x0300 or below is protocol_version (RFC 8446 §D.5)', () => {
  for (const legacyVersion of [0x0300, 0x0200, 0x0002]) {
    test(`legacy_version 0x${legacyVersion.toString(16).padStart(4, '0')} with supported_versions offering TLS 1.3`, () => {
      assertAlert(answer({ ...realHello(), legacyVersion }), A.protocol_version);
    });
  }
  test('legacy_version 0x0301 with supported_versions offering TLS 1.3 is fine', () => {
    assert.equal(serverHelloOf(answer({ ...realHello(), legacyVersion: ProtocolVersion.TLSv1 })).legacyVersion, ProtocolVersion.TLSv1_2);
  });
});

describe('5. ec_point_formats is ignored in TLS 1.3 and checked in TLS 1.2 (RFC 8446 §4.2.8.2, RFC 8422 §5.1.2)', () => {
  const compressedOnly = writeEcPointFormats([1 /* ansiX962_compressed_prime */]);
  test('TLS 1.3: a compressed-only list does not matter', () => {
    const ch = realHello({ minVersion: 'TLSv1.3' });
    const h = { ...ch, extensions: [{ type: ExtensionType.ec_point_formats, data: compressedOnly }, ...ch.extensions] };
    assert.equal(serverHelloOf(answer(h)).extensions.some((e) => e.type === ExtensionType.key_share), true);
  });
  test('TLS 1.3: even a malformed (empty) list is ignored', () => {
    const ch = realHello({ minVersion: 'TLSv1.3' });
    const h = { ...ch, extensions: [{ type: ExtensionType.ec_point_formats, data: Uint8Array.of(0) }, ...ch.extensions] };
    serverHelloOf(answer(h));
  });
  test('TLS 1.2: a compressed-only list with EC curves offered is illegal_parameter; an empty list is decode_error', () => {
    const ch = realHello({ maxVersion: 'TLSv1.2' });
    assertAlert(answer(replacing(ch, ExtensionType.ec_point_formats, compressedOnly)), A.illegal_parameter);
    assertAlert(answer(replacing(ch, ExtensionType.ec_point_formats, Uint8Array.of(0))), A.decode_error);
  });
});

describe('6. DHE fallback: a client that lists no FFDHE group gets our DHE group (RFC 7919 §4)', () => {
  const dheServer = { ...rsaServerOpts, ciphers: 'ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES256-GCM-SHA384' };
  const base = (): ClientHello => {
    const ch = realHello({ maxVersion: 'TLSv1.2' });
    return {
      ...replacing(ch, ExtensionType.supported_groups, writeU16ListExtension([0x000f /* secp160k1 */])),
      cipherSuites: [CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384],
    };
  };
  test('ECDHE and DHE suites, only a curve we lack: DHE over ffdhe2048', () => {
    const a = answer(base(), dheServer);
    assert.equal(serverHelloOf(a).cipherSuite, CipherSuite.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384);
    assert.equal(a.server.negotiated.group, NamedGroup.ffdhe2048);
  });
  test('the same client listing only FFDHE groups we lack: no DHE, and nothing else fits: insufficient_security (RFC 7919 §4)', () => {
    assertAlert(answer(replacing(base(), ExtensionType.supported_groups, writeU16ListExtension([0x000f, NamedGroup.ffdhe8192])), dheServer), A.insufficient_security);
    assertAlert(answer(replacing(base(), ExtensionType.supported_groups, writeU16ListExtension([0x01ff])), dheServer), A.insufficient_security);
  });
  test('FFDHE groups we lack but an ECDHE suite that fits: ECDHE, no alert', () => {
    const a = answer(replacing(base(), ExtensionType.supported_groups, writeU16ListExtension([NamedGroup.secp256r1, NamedGroup.ffdhe8192])), dheServer);
    assert.equal(serverHelloOf(a).cipherSuite, CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384);
  });
  test('without signature_algorithms the client implies SHA-1 signatures, which we refuse (RFC 9155): handshake_failure, saying so', () => {
    const a = answer(without(base(), ExtensionType.signature_algorithms), dheServer);
    assertAlert(a, A.handshake_failure);
    assert.match(a.error!.message, /no signature_algorithms, which means SHA-1 signatures only, and we refuse SHA-1/);
  });
  test('suites in common but no certificate of their key type: handshake_failure, saying which certificate is missing', () => {
    const ch = { ...realHello({ maxVersion: 'TLSv1.2' }), cipherSuites: [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256] };
    const a = answer(ch, rsaServerOpts);
    assertAlert(a, A.handshake_failure);
    assert.match(a.error!.message, /ECDHE-ECDSA-AES128-GCM-SHA256 needs an ECDSA certificate and we have none/);
  });
});

describe('7. alert choices (README "Alert decisions")', () => {
  test('an empty alert, handshake or CCS record is unexpected_message; a 1- or 3-byte alert decode_error', () => {
    const cases = [
      [ContentType.alert, new Uint8Array(0), A.unexpected_message],
      [ContentType.handshake, new Uint8Array(0), A.unexpected_message],
      [ContentType.change_cipher_spec, new Uint8Array(0), A.unexpected_message],
      [ContentType.alert, Uint8Array.of(2), A.decode_error],
      [ContentType.alert, Uint8Array.of(2, 40, 0), A.decode_error],
    ] as const;
    for (const [type, body, alert] of cases) {
      const s = new ServerConnection(serverOpts);
      assertAlert(send(s, plainRecord(type, body)), alert);
    }
  });

  test('TLS 1.3: an empty key share is illegal_parameter', () => {
    const ch = realHello({ minVersion: 'TLSv1.3' });
    const shares = readKeyShareClient(findExtension(ch.extensions, ExtensionType.key_share)!);
    const empty = writeKeyShareClient(shares.map((s) => ({ group: s.group, keyExchange: new Uint8Array(0) })));
    assertAlert(answer(replacing(ch, ExtensionType.key_share, empty)), A.illegal_parameter);
  });

  /** Rewrites the scheme of the next CertificateVerify the peer sends, then delivers it. */
  function mismatchedCertificateVerify(sut: 'client' | 'server', scheme: number, version: Version): TlsError | undefined {
    const opts = { server: { ...serverOpts, requestCert: true, minVersion: version, maxVersion: version }, client: { ...clientOpts, cert: pki.clientEcdsa.certPem, key: pki.clientEcdsa.keyPem, minVersion: version, maxVersion: version } };
    const d = new HostileDriver({ sut, ...opts });
    for (;;) {
      const unit = d.queue[0];
      assert.ok(unit, 'no CertificateVerify came');
      if (unit.type === ContentType.handshake && unit.body[0] === HandshakeType.certificate_verify) break;
      assert.equal(d.deliverNext(), undefined);
    }
    const unit = d.queue.shift()!;
    const body = new Uint8Array(unit.body);
    body[4] = scheme >> 8;
    body[5] = scheme & 0xff;
    return d.deliver({ ...unit, body }) as TlsError | undefined;
  }

  for (const sut of ['client', 'server'] as const) {
    test(`TLS 1.3 ${sut}: a CertificateVerify scheme for another curve (ecdsa_secp384r1_sha384, P-256 key) is illegal_parameter`, () => {
      assert.equal(mismatchedCertificateVerify(sut, SignatureScheme.ecdsa_secp384r1_sha384, 'TLSv1.3')?.alert, A.illegal_parameter);
    });
    test(`TLS 1.3 ${sut}: a CertificateVerify scheme for another key type (rsa_pss_rsae_sha256, EC key) is illegal_parameter`, () => {
      assert.equal(mismatchedCertificateVerify(sut, SignatureScheme.rsa_pss_rsae_sha256, 'TLSv1.3')?.alert, A.illegal_parameter);
    });
  }
  test('TLS 1.2 server: a client CertificateVerify with an RSA scheme and an EC key is illegal_parameter', () => {
    assert.equal(mismatchedCertificateVerify('server', SignatureScheme.rsa_pkcs1_sha256, 'TLSv1.2')?.alert, A.illegal_parameter);
  });
  test('TLS 1.3 client: a right-scheme CertificateVerify whose signature is wrong stays decrypt_error', () => {
    const d = new HostileDriver({ sut: 'client', server: { ...serverOpts, minVersion: 'TLSv1.3' }, client: { ...clientOpts, minVersion: 'TLSv1.3' } });
    for (;;) {
      const unit = d.queue[0]!;
      if (unit.type === ContentType.handshake && unit.body[0] === HandshakeType.certificate_verify) break;
      assert.equal(d.deliverNext(), undefined);
    }
    const unit = d.queue.shift()!;
    const body = new Uint8Array(unit.body);
    body[body.length - 3] = body[body.length - 3]! ^ 1;
    assert.equal((d.deliver({ ...unit, body }) as TlsError | undefined)?.alert, A.decrypt_error);
  });
});

describe('8. RFC 7627 §5.3: extended_master_secret and resumption', () => {
  /** A TLS 1.2 session (with EMS) from a full handshake against `config`, then the resuming client's ClientHello. */
  function resumingHello(): { config: ReturnType<typeof resolveServerConfig>; ch: ClientHello; suite: number; sessionId: Uint8Array } {
    const config = resolveServerConfig({ ...serverOpts, maxVersion: 'TLSv1.2' });
    const first = runPair(config as never, { ...clientOpts, maxVersion: 'TLSv1.2' });
    assert.equal(first.server.negotiated.extendedMasterSecret, true);
    const session = first.clientEvents.find((e) => e.type === 'session');
    assert.ok(session && session.type === 'session');
    const sh = serverHelloOf({ error: undefined, records: first.wire.toClient });
    return { config, ch: realHello({ maxVersion: 'TLSv1.2', session: session.session }), suite: first.server.negotiated.suite!.id, sessionId: sh.legacySessionId };
  }
  test('the same ClientHello resumes (the control)', () => {
    const { config, ch } = resumingHello();
    const a = answer(ch, config);
    serverHelloOf(a);
    assert.equal(a.server.negotiated.resumed, true);
  });
  test('resuming by session ID without the session\'s cipher suite: illegal_parameter (RFC 5246 §7.4.1.2)', () => {
    const { config, ch: withTicket, suite, sessionId } = resumingHello();
    // Without its ticket, and with the session ID the server gave: resumption by ID.
    const ch = { ...replacing(withTicket, ExtensionType.session_ticket, new Uint8Array(0)), legacySessionId: sessionId };
    const control = answer(ch, config);
    serverHelloOf(control);
    assert.equal(control.server.negotiated.resumed, true, 'resumed by ID');
    assertAlert(answer({ ...ch, cipherSuites: ch.cipherSuites.filter((s) => s !== suite) }, config), A.illegal_parameter);
  });
  test('an EMS session offered by a ClientHello without extended_master_secret: handshake_failure', () => {
    const { config, ch } = resumingHello();
    assertAlert(answer(without(ch, ExtensionType.extended_master_secret), config), A.handshake_failure);
  });
});

describe('9. the second ClientHello after HelloRetryRequest repeats the first (RFC 8446 §4.1.2)', () => {
  /** The server's HRR to a client that shares only X25519, then our answer with `edit` applied to the second ClientHello. */
  function retried(edit: (ch2: ClientHello) => ClientHello): Answer {
    const server = new ServerConnection({ ...serverOpts, ecdhCurve: 'P-256' });
    const client = new ClientConnection({ ...clientOpts, ecdhCurve: 'X25519:P-256' });
    client.start();
    const hrr = send(server, concatBytes(client.takeOutgoing()));
    assert.equal(hrr.error, undefined);
    client.receive(concatBytes(hrr.records));
    const out = client.takeOutgoing();
    const helloRecord = out.find((r) => r[0] === ContentType.handshake)!;
    const ch2 = readClientHello(helloRecord.subarray(9));
    return send(server, helloRecords(writeClientHello(edit(ch2))));
  }
  test('unchanged, and with padding added: the server answers with its ServerHello', () => {
    serverHelloOf(retried((ch) => ch));
    serverHelloOf(retried((ch) => ({ ...ch, extensions: [{ type: ExtensionType.padding, data: new Uint8Array(100) }, ...ch.extensions] })));
  });
  test('extensions reordered, a suite dropped, an extension added or changed: illegal_parameter', () => {
    assertAlert(retried((ch) => ({ ...ch, extensions: [...ch.extensions].reverse() })), A.illegal_parameter);
    assertAlert(retried((ch) => ({ ...ch, cipherSuites: ch.cipherSuites.slice(0, -1) })), A.illegal_parameter);
    assertAlert(retried((ch) => ({ ...ch, extensions: [{ type: 0x7a7a, data: new Uint8Array(0) }, ...ch.extensions] })), A.illegal_parameter);
    assertAlert(retried((ch) => replacing(ch, ExtensionType.supported_groups, writeU16ListExtension([NamedGroup.secp256r1]))), A.illegal_parameter);
  });
});
