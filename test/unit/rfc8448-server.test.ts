/**
 * RFC 8448 byte-exact replays, server side: our ServerConnection is given the RFC's server
 * random, ephemeral key and certificate key (test/helpers/rfc8448-provider.ts) and the RFC
 * client's records, for §3 "Simple 1-RTT Handshake", §5 "HelloRetryRequest", §6 "Client
 * Authentication" and §7 "Compatibility Mode".
 *
 * Each section first uses the public API (ServerConnection) and pins down where our output
 * differs from the RFC's and why:
 *  - ServerHello (and HelloRetryRequest): the RFC's values, but our extension order is
 *    supported_versions, key_share; RFC 8448 (NSS) writes key_share first;
 *  - EncryptedExtensions: ours is empty (ALPN only when negotiated); the RFC's server sends
 *    supported_groups, record_size_limit and an empty server_name;
 *  - HelloRetryRequest (§5): ours carries no cookie; ours is only sent when the client has no
 *    share for any group we accept (so the server is configured with P-256 alone here);
 *  - CertificateRequest (§6): ours lists our TLS 1.3 signature schemes; the RFC's echoes the
 *    client's 15-scheme list.
 * Then the same server runs with exactly those bodies replaced by the RFC's
 * (ShimmedServerConnection: the replacement happens as the body is handed to the record layer,
 * so the transcript hashes the RFC's bytes), and everything else it produces is compared with
 * the RFC byte for byte: records, CertificateVerify signatures (RSA-PSS with the RFC's salt;
 * §6's ECDSA replayed), Finished values and every traffic secret. What our server built in
 * place of each substituted body is asserted too, so the list of differences cannot drift.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerConnection } from '../../src/connection/connection.js';
import { ContentType, ExtensionType, HandshakeType, SignatureScheme } from '../../src/messages/enums.js';
import {
  deriveSecret,
  feed,
  finishedFor,
  hex,
  keylog,
  keyReplayingSignature,
  messages,
  nodeVerifiesPss,
  openRecord,
  p256Share,
  pinnedVerifier,
  rfc8448Provider,
  rsaKeyReplayingSalts,
  sealRecord,
  serverHelloExtensions,
  ShimmedServerConnection,
  toHex,
  trafficKeys,
  transcriptHash,
  withExtensions,
  x25519Share,
} from '../helpers/rfc8448-provider.js';
import {
  CLIENT_AUTH as A,
  COMPATIBILITY_MODE as C,
  HELLO_RETRY as H,
  SIMPLE_1RTT as V,
  SIMPLE_1RTT_RECORDS as R,
} from '../vectors/rfc8448.js';

/** The RFC's RSA certificate (§3, §5, §7), from its Certificate message. */
const certificateDer = hex(V.certificate).subarray(11, 11 + 0x1b0);

// ─── §3 Simple 1-RTT Handshake ───

const body = (message: string): Uint8Array => hex(message).subarray(4);
const frame = (type: number, b: Uint8Array): Uint8Array => Uint8Array.of(type, b.length >> 16, (b.length >> 8) & 0xff, b.length & 0xff, ...b);
const plainRecord = (type: number, fragment: Uint8Array): Uint8Array => Uint8Array.of(type, 3, 3, fragment.length >> 8, fragment.length & 0xff, ...fragment);

function server3(shimmed: boolean) {
  const provider = rfc8448Provider({
    randoms: [hex(R.serverRandom)],
    keyShares: [x25519Share(V.serverPrivateKey)],
    privateKeys: { 'rfc8448:rsa': rsaKeyReplayingSalts([hex(R.serverSignature)]) },
  });
  const options = { cert: certificateDer, key: 'rfc8448:rsa', provider };
  const bodies: Record<number, Uint8Array> = {};
  const conn = shimmed
    ? new ShimmedServerConnection(options, {
        outbound(type, ours) {
          bodies[type] = ours;
          if (type === HandshakeType.server_hello) return body(V.serverHello);
          if (type === HandshakeType.encrypted_extensions) return body(V.encryptedExtensions);
          return ours;
        },
      })
    : new ServerConnection(options);
  provider.arm();
  return { conn, provider, bodies };
}

/** The RFC's ServerHello body with its extensions in our order: supported_versions, then key_share. */
function rfcServerHelloInOurOrder(): Uint8Array {
  const rfc = body(V.serverHello);
  const [keyShare, supportedVersions] = serverHelloExtensions(rfc);
  assert.equal(keyShare!.type, ExtensionType.key_share);
  assert.equal(supportedVersions!.type, ExtensionType.supported_versions);
  return withExtensions(rfc, 34, [supportedVersions!, keyShare!]);
}

describe('RFC 8448 §3 server, public API', () => {
  it('answers the RFC ClientHello with the RFC ServerHello, but its two extensions in the other order, and no ChangeCipherSpec', () => {
    const { conn, provider } = server3(false);
    const { out, error } = feed(conn, hex(R.clientHelloRecord));
    assert.equal(error, undefined);
    // The RFC's ClientHello has an empty legacy_session_id: no middlebox-compatibility CCS.
    assert.deepEqual(
      out.map((r) => r[0]),
      [ContentType.handshake, ContentType.application_data],
    );
    // Random, session id echo, suite, compression, key_share and supported_versions bodies are the RFC's…
    assert.equal(toHex(out[0]!), toHex(plainRecord(ContentType.handshake, frame(HandshakeType.server_hello, rfcServerHelloInOurOrder()))));
    // …and only the order differs: RFC 8448 (NSS) writes key_share before supported_versions.
    assert.notEqual(toHex(out[0]!), R.serverHelloRecord);
    assert.deepEqual(provider.draws, [{ n: 32, scripted: true }]);
    assert.deepEqual(provider.leftovers(), { randoms: 0, keyShares: 0 });
  });

  it('uses the RFC shared secret: its handshake traffic secrets are the RFC handshake secret over our transcript', () => {
    const { conn } = server3(false);
    const { out, events } = feed(conn, hex(R.clientHelloRecord));
    const secrets = keylog(events, R.clientRandom);
    const th = transcriptHash(hex(V.clientHello), out[0]!.subarray(5));
    assert.equal(secrets.CLIENT_HANDSHAKE_TRAFFIC_SECRET, deriveSecret(V.handshakeSecret, 'c hs traffic', th));
    assert.equal(secrets.SERVER_HANDSHAKE_TRAFFIC_SECRET, deriveSecret(V.handshakeSecret, 's hs traffic', th));
    // Transcript-dependent, so not the RFC's values:
    assert.notEqual(secrets.SERVER_HANDSHAKE_TRAFFIC_SECRET, V.serverHandshakeTrafficSecret);
  });

  it('sends an empty EncryptedExtensions, the RFC Certificate byte for byte, an RSA-PSS CertificateVerify and a correct Finished', () => {
    const { conn } = server3(false);
    const { out, events } = feed(conn, hex(R.clientHelloRecord));
    const secrets = keylog(events, R.clientRandom);
    const flight = openRecord(trafficKeys(secrets.SERVER_HANDSHAKE_TRAFFIC_SECRET!), 0, out[1]!);
    assert.equal(flight.type, ContentType.handshake);
    const [ee, certificate, certificateVerify, finished, ...rest] = messages(flight.content);
    assert.equal(rest.length, 0);
    // Ours: no extensions (ALPN only when negotiated). RFC: supported_groups, record_size_limit, server_name.
    assert.equal(toHex(ee!), '080000020000');
    assert.equal(toHex(certificate!), V.certificate);
    const sh = out[0]!.subarray(5);
    const cv = certificateVerify!;
    assert.equal(toHex(cv.subarray(0, 8)), '0f00008408040080', 'rsa_pss_rsae_sha256, 128-byte signature');
    const content = Buffer.concat([
      Buffer.alloc(64, 0x20),
      Buffer.from('TLS 1.3, server CertificateVerify\0'),
      transcriptHash(hex(V.clientHello), sh, ee!, certificate!),
    ]);
    assert.ok(nodeVerifiesPss(certificateDer, content, cv.subarray(8)));
    const verifyData = finishedFor(secrets.SERVER_HANDSHAKE_TRAFFIC_SECRET!, transcriptHash(hex(V.clientHello), sh, ee!, certificate!, cv));
    assert.equal(toHex(finished!), '14000020' + toHex(verifyData));
  });
});

describe('RFC 8448 §3 server, with the RFC ServerHello extension order and EncryptedExtensions substituted', () => {
  it('our own bodies differ from the RFC exactly there', () => {
    const { conn, bodies } = server3(true);
    feed(conn, hex(R.clientHelloRecord));
    assert.equal(toHex(bodies[HandshakeType.server_hello]!), toHex(rfcServerHelloInOurOrder()));
    assert.equal(toHex(bodies[HandshakeType.encrypted_extensions]!), '0000');
    // Everything else our server built is what it sent.
    assert.equal(toHex(bodies[HandshakeType.certificate]!), toHex(body(V.certificate)));
    assert.equal(toHex(bodies[HandshakeType.certificate_verify]!), toHex(body(V.certificateVerify)));
    assert.equal(toHex(bodies[HandshakeType.finished]!), toHex(body(V.serverFinished)));
  });

  it('sends the RFC ServerHello record and the RFC encrypted flight byte for byte, with the RFC secrets', () => {
    const { conn } = server3(true);
    const { out, events, error } = feed(conn, hex(R.clientHelloRecord));
    assert.equal(error, undefined);
    assert.equal(out.length, 2);
    assert.equal(toHex(out[0]!), R.serverHelloRecord);
    // EncryptedExtensions ‖ Certificate ‖ CertificateVerify (RSA-PSS, the RFC's salt) ‖ Finished, 679 octets.
    assert.equal(toHex(out[1]!), V.serverFlightRecord);
    assert.deepEqual(keylog(events, R.clientRandom), {
      CLIENT_HANDSHAKE_TRAFFIC_SECRET: V.clientHandshakeTrafficSecret,
      SERVER_HANDSHAKE_TRAFFIC_SECRET: V.serverHandshakeTrafficSecret,
      CLIENT_TRAFFIC_SECRET_0: V.clientApplicationTrafficSecret,
      SERVER_TRAFFIC_SECRET_0: V.serverApplicationTrafficSecret,
      EXPORTER_SECRET: V.exporterMasterSecret,
    });
    assert.equal(toHex(conn.finished!), toHex(body(V.serverFinished)));
  });

  it('accepts the RFC client Finished, application data and close_notify; its own application records are under the RFC keys', () => {
    const { conn } = server3(true);
    feed(conn, hex(R.clientHelloRecord));
    const done = feed(conn, hex(V.clientFinishedRecord));
    assert.equal(done.error, undefined);
    assert.ok(done.events.some((e) => e.type === 'handshake-complete'));
    assert.ok(conn.isEstablished);
    assert.equal(toHex(conn.peerFinished!), toHex(body(V.clientFinished)));
    assert.equal(conn.protocol, 'TLSv1.3');
    assert.equal(conn.cipher?.name, 'TLS_AES_128_GCM_SHA256');
    assert.equal(conn.serverName, 'server');

    // RFC: the server sends a NewSessionTicket first (sequence 0), then data at sequence 1.
    // Whatever our server sent after the handshake occupies the same sequence numbers.
    const keys = trafficKeys(V.serverApplicationTrafficSecret);
    const afterHandshake = done.out;
    afterHandshake.forEach((record, seq) => assert.equal(openRecord(keys, seq, record).type, ContentType.handshake));

    const data = feed(conn, hex(V.clientApplicationDataRecord));
    assert.deepEqual(
      data.events.map((e) => (e.type === 'application-data' ? toHex(e.data) : e.type)),
      [V.applicationData],
    );

    conn.write(hex(V.applicationData));
    conn.close();
    const [appRecord, closeRecord, ...more] = conn.takeOutgoing();
    assert.equal(more.length, 0);
    const seq = afterHandshake.length;
    assert.equal(toHex(appRecord!), toHex(sealRecord(keys, seq, ContentType.application_data, hex(V.applicationData))));
    assert.equal(toHex(closeRecord!), toHex(sealRecord(keys, seq + 1, ContentType.alert, Uint8Array.of(1, 0))));
    if (seq === 1) {
      // With one post-handshake record (the ticket) the sequence numbers are the RFC's.
      assert.equal(toHex(appRecord!), V.serverApplicationDataRecord);
      assert.equal(toHex(closeRecord!), V.serverCloseNotifyRecord);
    }

    const closed = feed(conn, hex(V.clientCloseNotifyRecord));
    assert.equal(closed.error, undefined);
    assert.deepEqual(
      closed.events.map((e) => e.type),
      ['peer-closed'],
    );
  });
});

// ─── §5 HelloRetryRequest ───

const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';
const retryBody = hex(H.helloRetryRequestRecord).subarray(9);
const retryServerHelloBody = hex(H.serverHelloRecord).subarray(9);

/** The RFC HelloRetryRequest as our server writes it: supported_versions, key_share (P-256); no cookie. */
function rfcRetryAsOurs(): Uint8Array {
  const [keyShare, cookie, supportedVersions] = serverHelloExtensions(retryBody);
  assert.deepEqual([keyShare!.type, cookie!.type, supportedVersions!.type], [ExtensionType.key_share, ExtensionType.cookie, ExtensionType.supported_versions]);
  return withExtensions(retryBody, 34, [supportedVersions!, keyShare!]);
}

function rfcServerHelloAsOurs(): Uint8Array {
  const [keyShare, supportedVersions] = serverHelloExtensions(retryServerHelloBody);
  return withExtensions(retryServerHelloBody, 34, [supportedVersions!, keyShare!]);
}

function server5(shimmed: boolean) {
  const provider = rfc8448Provider({
    randoms: [hex(H.serverRandom)],
    keyShares: [p256Share(H.serverP256PrivateKey)],
    privateKeys: { 'rfc8448:rsa': rsaKeyReplayingSalts([hex(H.serverSignature)]) },
  });
  const options = { cert: certificateDer, key: 'rfc8448:rsa', provider, ecdhCurve: 'P-256' };
  const ours: Array<[number, string]> = [];
  const conn = shimmed
    ? new ShimmedServerConnection(options, {
        outbound(type, body) {
          ours.push([type, toHex(body)]);
          if (type === HandshakeType.server_hello) return toHex(body.subarray(2, 34)) === HRR_RANDOM ? retryBody : retryServerHelloBody;
          if (type === HandshakeType.encrypted_extensions) return hex(H.encryptedExtensions).subarray(4);
          return body;
        },
      })
    : new ServerConnection(options);
  provider.arm();
  return { conn, ours, provider };
}

describe('RFC 8448 §5 server', () => {
  it('public API: asks for P-256 with the RFC HelloRetryRequest minus its cookie, its extensions in the other order', () => {
    const { conn } = server5(false);
    const { out, error } = feed(conn, hex(H.clientHello1Record));
    assert.equal(error, undefined);
    assert.deepEqual(out.map((r) => toHex(r.subarray(9))), [toHex(rfcRetryAsOurs())], 'one record: no ChangeCipherSpec, the session id is empty');
  });

  it('public API: preferring P-256 but also accepting X25519, our server takes the offered x25519 share instead of asking for P-256 as the RFC\'s does', () => {
    const provider = rfc8448Provider({
      keyShares: [x25519Share(V.serverPrivateKey)],
      privateKeys: { 'rfc8448:rsa': rsaKeyReplayingSalts([hex(H.serverSignature)]) },
    });
    const conn = new ServerConnection({ cert: certificateDer, key: 'rfc8448:rsa', provider, ecdhCurve: 'P-256:X25519' });
    const { out } = feed(conn, hex(H.clientHello1Record));
    const random = toHex(out[0]!.subarray(11, 43));
    assert.notEqual(random, HRR_RANDOM, 'a ServerHello, not a HelloRetryRequest');
    assert.equal(conn.negotiated.group, 0x001d);
  });

  it('public API: answers the RFC second ClientHello with the RFC ServerHello (other extension order) and an empty EncryptedExtensions', () => {
    const { conn, provider } = server5(false);
    feed(conn, hex(H.clientHello1Record));
    // The RFC's second ClientHello echoes a cookie our server never sent; it is ignored.
    const { out, events, error } = feed(conn, hex(H.clientHello2Record));
    assert.equal(error, undefined);
    assert.equal(toHex(out[0]!.subarray(9)), toHex(rfcServerHelloAsOurs()));
    const secrets = keylog(events, H.clientRandom);
    const flight = openRecord(trafficKeys(secrets.SERVER_HANDSHAKE_TRAFFIC_SECRET!), 0, out[1]!);
    assert.equal(toHex(flight.content.subarray(0, 6)), '080000020000');
    assert.equal(toHex(flight.content.subarray(6, 6 + hex(V.certificate).length)), V.certificate);
    assert.deepEqual(provider.draws, [{ n: 32, scripted: true }]);
  });

  it('with the RFC HelloRetryRequest, ServerHello order and EncryptedExtensions substituted: every other byte is the RFC\'s', () => {
    const { conn, ours } = server5(true);
    const retry = feed(conn, hex(H.clientHello1Record));
    assert.deepEqual(retry.out.map(toHex), [H.helloRetryRequestRecord]);
    const flight = feed(conn, hex(H.clientHello2Record));
    assert.equal(flight.error, undefined);
    assert.deepEqual(flight.out.map(toHex), [H.serverHelloRecord, H.serverFlightRecord]);
    // What our server built before the substitution.
    assert.deepEqual(
      ours.map(([type, body]) => [type, type === HandshakeType.server_hello || type === HandshakeType.encrypted_extensions ? body : 'as sent']),
      [
        [HandshakeType.server_hello, toHex(rfcRetryAsOurs())],
        [HandshakeType.server_hello, toHex(rfcServerHelloAsOurs())],
        [HandshakeType.encrypted_extensions, '0000'],
        [HandshakeType.certificate, 'as sent'],
        [HandshakeType.certificate_verify, 'as sent'],
        [HandshakeType.finished, 'as sent'],
      ],
    );

    const done = feed(conn, hex(H.clientFinishedRecord));
    assert.equal(done.error, undefined);
    assert.ok(done.events.some((e) => e.type === 'handshake-complete'));
    const secrets = keylog([...retry.events, ...flight.events, ...done.events], H.clientRandom);
    const keys = trafficKeys(secrets.SERVER_TRAFFIC_SECRET_0!);
    done.out.forEach((record, seq) => assert.equal(openRecord(keys, seq, record).type, ContentType.handshake));
    conn.close();
    const [close] = conn.takeOutgoing();
    assert.equal(toHex(close!), toHex(sealRecord(keys, done.out.length, ContentType.alert, Uint8Array.of(1, 0))));
    if (done.out.length === 0) assert.equal(toHex(close!), H.serverCloseNotifyRecord);
    const closed = feed(conn, hex(H.clientCloseNotifyRecord));
    assert.deepEqual(
      closed.events.map((e) => e.type),
      ['peer-closed'],
    );
  });
});

// ─── §6 Client Authentication ───

const serverCertificateDer = hex(A.serverCertificate).subarray(11, 11 + 0x132);
const clientCertificateDer = hex(A.clientCertificateDer);
const authServerHelloBody = hex(A.serverHelloRecord).subarray(9);

describe('RFC 8448 §6 server, with the RFC ServerHello extension order, EncryptedExtensions and CertificateRequest substituted', () => {
  function server() {
    const provider = rfc8448Provider({
      randoms: [hex(A.serverRandom)],
      keyShares: [x25519Share(A.serverX25519PrivateKey)],
      privateKeys: {
        'rfc8448:ecdsa': keyReplayingSignature(serverCertificateDer, SignatureScheme.ecdsa_secp256r1_sha256, hex(A.serverMessageToSign), hex(A.serverSignature)),
      },
    });
    const verifier = pinnedVerifier(clientCertificateDer);
    const ours: Array<[number, string]> = [];
    const conn = new ShimmedServerConnection(
      { cert: serverCertificateDer, key: 'rfc8448:ecdsa', provider, verifier, requestCert: true },
      {
        outbound(type, body) {
          ours.push([type, toHex(body)]);
          if (type === HandshakeType.server_hello) return authServerHelloBody;
          if (type === HandshakeType.encrypted_extensions) return hex(A.encryptedExtensions).subarray(4);
          if (type === HandshakeType.certificate_request) return hex(A.certificateRequest).subarray(4);
          return body;
        },
      },
    );
    provider.arm();
    return { conn, ours, verifier };
  }

  it('sends the RFC ServerHello record and the RFC encrypted flight (EncryptedExtensions … CertificateRequest … Finished) byte for byte', () => {
    const { conn, ours } = server();
    const { out, error } = feed(conn, hex(A.clientHelloRecord));
    assert.equal(error, undefined);
    assert.deepEqual(out.map(toHex), [A.serverHelloRecord, A.serverFlightRecord]);
    const [keyShare, supportedVersions] = serverHelloExtensions(authServerHelloBody);
    assert.deepEqual(ours, [
      [HandshakeType.server_hello, toHex(withExtensions(authServerHelloBody, 34, [supportedVersions!, keyShare!]))],
      [HandshakeType.encrypted_extensions, '0000'],
      // Ours: empty context, signature_algorithms = our TLS 1.3 schemes (ML-DSA-44/65/87, ECDSA P-256/P-384/P-521, ed25519, RSA-PSS).
      // RFC: the client's 15-scheme list, SHA-1 and DSA code points included.
      [HandshakeType.certificate_request, '00' + '001a' + '000d0016' + '0014' + '090409050906' + '0403050306030807080408050806'],
      [HandshakeType.certificate, toHex(hex(A.serverCertificate).subarray(4))],
      [HandshakeType.certificate_verify, '0403' + '0047' + A.serverSignature],
      [HandshakeType.finished, toHex(hex(A.serverFinished).subarray(4))],
    ]);
  });

  it('verifies the RFC client Certificate, RSA-PSS CertificateVerify and Finished, and accepts its close_notify', () => {
    const { conn, verifier } = server();
    const hello = feed(conn, hex(A.clientHelloRecord));
    const done = feed(conn, hex(A.clientFlightRecord));
    assert.equal(done.error, undefined);
    assert.ok(done.events.some((e) => e.type === 'handshake-complete'));
    assert.ok(conn.authorized);
    assert.deepEqual(conn.peerCertificates.map(toHex), [toHex(clientCertificateDer)]);
    assert.equal(conn.negotiated.peerSignatureScheme, SignatureScheme.rsa_pss_rsae_sha256);
    assert.deepEqual(verifier.seen.map((chain) => chain.map(toHex)), [[toHex(clientCertificateDer)]]);

    const secrets = keylog([...hello.events, ...done.events], A.clientRandom);
    const keys = trafficKeys(secrets.SERVER_TRAFFIC_SECRET_0!);
    done.out.forEach((record, seq) => assert.equal(openRecord(keys, seq, record).type, ContentType.handshake));
    conn.close();
    const [close] = conn.takeOutgoing();
    assert.equal(toHex(close!), toHex(sealRecord(keys, done.out.length, ContentType.alert, Uint8Array.of(1, 0))));
    if (done.out.length === 0) assert.equal(toHex(close!), A.serverCloseNotifyRecord);
    const closed = feed(conn, hex(A.clientCloseNotifyRecord));
    assert.deepEqual(
      closed.events.map((e) => e.type),
      ['peer-closed'],
    );
  });
});

// ─── §7 Compatibility Mode ───

const compatServerHelloBody = hex(C.serverHelloRecord).subarray(9);

function server7(shimmed: boolean) {
  const provider = rfc8448Provider({
    randoms: [hex(C.serverRandom)],
    keyShares: [x25519Share(C.serverX25519PrivateKey)],
    privateKeys: { 'rfc8448:rsa': rsaKeyReplayingSalts([hex(C.serverSignature)]) },
  });
  const options = { cert: certificateDer, key: 'rfc8448:rsa', provider };
  const conn = shimmed
    ? new ShimmedServerConnection(options, {
        outbound(type, ours) {
          if (type === HandshakeType.server_hello) return compatServerHelloBody;
          // §7's EncryptedExtensions is §3's: supported_groups, record_size_limit, server_name.
          if (type === HandshakeType.encrypted_extensions) return hex(V.encryptedExtensions).subarray(4);
          return ours;
        },
      })
    : new ServerConnection(options);
  provider.arm();
  return conn;
}

describe('RFC 8448 §7 server', () => {
  it('public API: echoes the session id and sends the RFC ChangeCipherSpec record right after its ServerHello', () => {
    const conn = server7(false);
    const { out, error } = feed(conn, hex(C.clientHelloRecord));
    assert.equal(error, undefined);
    assert.deepEqual(
      out.map((r) => r[0]),
      [ContentType.handshake, ContentType.change_cipher_spec, ContentType.application_data],
    );
    const [keyShare, supportedVersions] = serverHelloExtensions(compatServerHelloBody);
    const inOurOrder = withExtensions(compatServerHelloBody, 34, [supportedVersions!, keyShare!]);
    assert.equal(toHex(out[0]!.subarray(9)), toHex(inOurOrder));
    assert.equal(toHex(out[1]!), C.serverCcsRecord);
  });

  it('with the RFC ServerHello extension order and EncryptedExtensions: the RFC ServerHello, ChangeCipherSpec and encrypted flight byte for byte', () => {
    const conn = server7(true);
    const { out, error } = feed(conn, hex(C.clientHelloRecord));
    assert.equal(error, undefined);
    assert.deepEqual(out.map(toHex), [C.serverHelloRecord, C.serverCcsRecord, C.serverFlightRecord]);
  });

  it('accepts the RFC client ChangeCipherSpec, Finished and close_notify; its close_notify is under the RFC keys', () => {
    const conn = server7(true);
    const hello = feed(conn, hex(C.clientHelloRecord));
    const done = feed(conn, hex(C.clientCcsRecord), hex(C.clientFinishedRecord));
    assert.equal(done.error, undefined);
    assert.ok(done.events.some((e) => e.type === 'handshake-complete'));
    const secrets = keylog([...hello.events, ...done.events], C.clientRandom);
    const keys = trafficKeys(secrets.SERVER_TRAFFIC_SECRET_0!);
    done.out.forEach((record, seq) => assert.equal(openRecord(keys, seq, record).type, ContentType.handshake));
    conn.close();
    const [close] = conn.takeOutgoing();
    assert.equal(toHex(close!), toHex(sealRecord(keys, done.out.length, ContentType.alert, Uint8Array.of(1, 0))));
    // The RFC's server sends nothing else under these keys before its close_notify.
    if (done.out.length === 0) assert.equal(toHex(close!), C.serverCloseNotifyRecord);
    const closed = feed(conn, hex(C.clientCloseNotifyRecord));
    assert.equal(closed.error, undefined);
    assert.deepEqual(
      closed.events.map((e) => e.type),
      ['peer-closed'],
    );
  });
});
