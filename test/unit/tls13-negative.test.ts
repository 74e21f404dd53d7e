/**
 * TLS 1.3 negative cases in memory (issue 5), each asserting the exact alert, and where the alert
 * goes on the wire, the exact record:
 *
 * - a handshake message straddling a key change, on both sides and at every key change
 *   (ServerHello, ClientHello, the client's Finished, KeyUpdate) → unexpected_message;
 * - a TLS 1.2 ServerHello carrying a downgrade sentinel to a client that offered TLS 1.3 → illegal_parameter;
 * - rejected 0-RTT: a client that offers early_data (with a real PSK and x25519 share, its
 *   ClientHello built here with the message codecs) and sends early data the server cannot
 *   decrypt: up to 16 KiB is skipped and the handshake completes with our own Finished; more
 *   is bad_record_mac; after a HelloRetryRequest the skipped data does not disturb the retry;
 * - ClientHello rules: no key_share → missing_extension; a share for a group not in
 *   supported_groups, two shares for one group, pre_shared_key not last → illegal_parameter;
 *   pre_shared_key without psk_key_exchange_modes → missing_extension;
 * - the peer's encrypted flight, decrypted with its key-log secrets, edited and sealed again:
 *   a Certificate with a request context → illegal_parameter (both sides); CertificateVerify
 *   with rsa_pkcs1_sha256 → illegal_parameter (both sides); EncryptedExtensions with key_share →
 *   illegal_parameter; an unsolicited extension in EncryptedExtensions → unsupported_extension.
 *
 * CCS after the handshake, a second HelloRetryRequest, a modified binder, a PSK with the wrong
 * hash and the 33-KeyUpdate flood are in handshake-tls13.test.ts; socket-level variants in
 * test/interop/tls13-negative.test.ts.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientConnection, ServerConnection, type Connection } from '../../src/connection/connection.js';
import type { ClientOptions, ServerOptions } from '../../src/config.js';
import type { ConnectionEvent } from '../../src/connection/events.js';
import { nodeCryptoProvider as provider } from '../../src/crypto/node/index.js';
import type { KeyShare } from '../../src/crypto/provider.js';
import { TLS13_SUITES, tls13SuiteById, type Tls13Suite } from '../../src/crypto/suites.js';
import { EarlySecret, finishedVerifyData } from '../../src/keys/key-schedule-tls13.js';
import { writeClientHello, type ClientHello } from '../../src/messages/client-hello.js';
import { readCertificateVerify, writeCertificateVerify } from '../../src/messages/certificate-verify.js';
import { readCertificateRequestTls13, writeCertificateRequestTls13 } from '../../src/messages/certificate-tls13.js';
import { readEncryptedExtensions, writeEncryptedExtensions } from '../../src/messages/encrypted-extensions.js';
import { AlertDescription, ContentType, ExtensionType, HandshakeType, NamedGroup, SignatureScheme } from '../../src/messages/enums.js';
import { findExtension, type Extension } from '../../src/messages/extensions/index.js';
import { writeServerName, writeU16ListExtension } from '../../src/messages/extensions/simple.js';
import {
  readKeyShareServer,
  readPreSharedKeyServer,
  writeKeyShareClient,
  writeKeyShareServer,
  writePreSharedKeyClient,
  writeSupportedVersionsClient,
  type KeyShareEntry,
} from '../../src/messages/extensions/tls13.js';
import { frameHandshake, type HandshakeMessage } from '../../src/messages/handshake.js';
import { readServerHello } from '../../src/messages/server-hello.js';
import { HandshakeJoiner } from '../../src/record/handshake-joiner.js';
import type { RecordProtection } from '../../src/record/protection.js';
import { bindClientHello } from '../../src/handshake/psk.js';
import { protectionFor, DOWNGRADE_TLS11, DOWNGRADE_TLS12, isHelloRetryRequest } from '../../src/handshake/tls13-common.js';
import { ServerSessionStore } from '../../src/session/server-store.js';
import { decodeClientSession, type ClientSession } from '../../src/session/session.js';
import { testPki } from '../helpers/pki.js';
import { issueCertificate } from '../../src/node/issue.js';
import { plainAlert, pump, runPair, type Tamper } from '../helpers/pair.js';

const pki = testPki();
const serverOptions = (extra: ServerOptions = {}): ServerOptions => ({ cert: pki.serverRsa.certPem, key: pki.serverRsa.keyPem, ca: pki.ca.certPem, ...extra });
const clientOptions = (extra: ClientOptions = {}): ClientOptions => ({ servername: 'localhost', ca: pki.ca.certPem, ...extra });
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

// ---- records and messages ------------------------------------------------------------------------

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function plainRecord(type: number, fragment: Uint8Array, version = 0x0303): Uint8Array {
  return concat([Uint8Array.of(type, version >> 8, version & 0xff, fragment.length >> 8, fragment.length & 0xff), fragment]);
}

interface WireRecord {
  readonly type: number;
  readonly fragment: Uint8Array;
}

/** Splits bytes (or records) into records. */
function records(data: Uint8Array | readonly Uint8Array[]): WireRecord[] {
  const bytes = data instanceof Uint8Array ? data : concat(data);
  const out: WireRecord[] = [];
  for (let at = 0; at < bytes.length; ) {
    const length = (bytes[at + 3]! << 8) | bytes[at + 4]!;
    out.push({ type: bytes[at]!, fragment: bytes.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return out;
}

function handshakeMessages(fragments: readonly Uint8Array[]): HandshakeMessage[] {
  const joiner = new HandshakeJoiner();
  return fragments.flatMap((f) => joiner.push(f));
}

/** Opens protected records in order (one set of keys, its sequence numbers counting up). */
function openAll(protection: RecordProtection, recs: readonly WireRecord[]): { type: number; plaintext: Uint8Array }[] {
  return recs.map((r) => protection.open(r.type, r.fragment));
}

/** A secret from the connection's NSS key-log events. */
function keylogSecret(events: readonly ConnectionEvent[], label: string): Uint8Array {
  const line = events.flatMap((e) => (e.type === 'keylog' && e.line.startsWith(`${label} `) ? [e.line] : []))[0];
  assert.ok(line, `key-log line ${label}`);
  return Uint8Array.from(Buffer.from(line.split(' ')[2]!, 'hex'));
}

function deliver(to: Connection, recs: readonly Uint8Array[]): void {
  for (const r of recs) {
    if (to.failure) return;
    try {
      to.receive(r);
    } catch {
      // the failure is kept on the connection
    }
  }
}

function assertAlert(conn: Connection, alert: number, message?: RegExp): void {
  assert.equal(conn.failure?.alert, alert, `expected alert ${alert}, got ${String(conn.failure)}`);
  if (message) assert.match(conn.failure!.message, message);
}

// ---- a ClientHello built by hand ---------------------------------------------------------------------

interface HelloSpec {
  readonly random?: Uint8Array;
  readonly sessionId?: Uint8Array;
  readonly suites?: readonly number[];
  readonly groups?: readonly number[];
  /** undefined: no key_share extension at all. */
  readonly shares?: readonly KeyShareEntry[] | undefined;
  readonly earlyData?: boolean;
  readonly pskModes?: boolean;
  /** A PSK offer; `last: false` puts pre_shared_key before key_share. */
  readonly psk?: { readonly session: ClientSession; readonly last?: boolean; readonly prefix?: Uint8Array };
}

const SIGALGS = [SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.ecdsa_secp256r1_sha256, SignatureScheme.rsa_pkcs1_sha256];

/** A TLS 1.3 ClientHello (framed handshake message), with its PSK binder filled in when it offers one. */
function clientHello(spec: HelloSpec): Uint8Array {
  const ext: Extension[] = [
    { type: ExtensionType.server_name, data: writeServerName('localhost') },
    { type: ExtensionType.supported_groups, data: writeU16ListExtension(spec.groups ?? [NamedGroup.x25519]) },
    { type: ExtensionType.signature_algorithms, data: writeU16ListExtension(SIGALGS) },
    { type: ExtensionType.supported_versions, data: writeSupportedVersionsClient([0x0304]) },
  ];
  const keyShare: Extension | undefined = spec.shares && { type: ExtensionType.key_share, data: writeKeyShareClient(spec.shares) };
  if (spec.pskModes ?? spec.psk !== undefined) ext.push({ type: ExtensionType.psk_key_exchange_modes, data: Uint8Array.of(1, 1) });
  if (spec.earlyData) ext.push({ type: ExtensionType.early_data, data: new Uint8Array(0) });
  let hashLength = 0;
  let psk: Extension | undefined;
  if (spec.psk) {
    const s = spec.psk.session;
    hashLength = tls13SuiteById(s.suite)!.hash === 'sha384' ? 48 : 32;
    psk = { type: ExtensionType.pre_shared_key, data: writePreSharedKeyClient({ identity: s.ticket, obfuscatedAge: (Date.now() - s.created + s.ageAdd) >>> 0 }, hashLength) };
  }
  if (psk && spec.psk?.last === false) ext.push(psk, ...(keyShare ? [keyShare] : []));
  else ext.push(...(keyShare ? [keyShare] : []), ...(psk ? [psk] : []));
  const hello: ClientHello = {
    legacyVersion: 0x0303,
    random: spec.random ?? provider.random.bytes(32),
    legacySessionId: spec.sessionId ?? provider.random.bytes(32),
    cipherSuites: spec.suites ?? [TLS13_SUITES[0]!.id],
    legacyCompressionMethods: Uint8Array.of(0),
    extensions: ext,
  };
  const body = writeClientHello(hello);
  if (spec.psk && spec.psk.last !== false) {
    const s = spec.psk.session;
    bindClientHello(provider, tls13SuiteById(s.suite)!.hash, s.secret, spec.psk.prefix ?? new Uint8Array(0), body);
  }
  return frameHandshake(HandshakeType.client_hello, body).raw;
}

const share = (k: KeyShare): KeyShareEntry => ({ group: k.group, keyExchange: k.publicKey });

/** Sends one hand-built ClientHello to a fresh server; returns the server and what it wrote. */
function helloToServer(message: Uint8Array, options: ServerOptions = serverOptions()): { server: ServerConnection; out: Uint8Array[] } {
  const server = new ServerConnection(options);
  deliver(server, [plainRecord(ContentType.handshake, message, 0x0301)]);
  return { server, out: server.takeOutgoing() };
}

// ---- a key change with more handshake bytes in the same record ------------------------------------

/** A TLS 1.3 alert sealed under handshake keys: one record of 2 alert bytes + content type + 16-byte tag. */
function assertSealedAlert(out: readonly Uint8Array[]): void {
  const last = out.at(-1)!;
  assert.deepEqual([...last.subarray(0, 5)], [ContentType.application_data, 3, 3, 0, 19]);
}

describe('a handshake message straddling a key change: unexpected_message', () => {
  const fakeEe = frameHandshake(HandshakeType.encrypted_extensions, writeEncryptedExtensions([])).raw;

  for (const [what, extra, reason] of [
    ['a whole EncryptedExtensions in plaintext', fakeEe, /handshake data after a key change in the same record/],
    ['the first bytes of EncryptedExtensions', fakeEe.subarray(0, 3), /straddles a key change/],
  ] as const) {
    test(`client: ServerHello followed by ${what} in one record`, () => {
      const client = new ClientConnection(clientOptions());
      client.start();
      const { out } = helloToServerFromClient(client);
      const [sh, ...rest] = out;
      assert.equal(records(sh!)[0]!.fragment[0], HandshakeType.server_hello, 'the ServerHello travels in a record of its own');
      deliver(client, [plainRecord(ContentType.handshake, concat([records(sh!)[0]!.fragment, extra])), ...rest]);
      assertAlert(client, AlertDescription.unexpected_message, reason);
      // The client installed its handshake keys at ServerHello (as Go and BoringSSL): the alert is sealed.
      assertSealedAlert(client.takeOutgoing());
    });
  }

  for (const [what, extra, reason] of [
    ['a whole Finished', frameHandshake(HandshakeType.finished, new Uint8Array(32)).raw, /handshake data after a key change in the same record/],
    ['two bytes of a next message', Uint8Array.of(HandshakeType.finished, 0), /straddles a key change/],
  ] as const) {
    test(`server: ClientHello followed by ${what} in one record`, () => {
      const client = new ClientConnection(clientOptions());
      client.start();
      const [ch] = client.takeOutgoing();
      const server = new ServerConnection(serverOptions());
      deliver(server, [plainRecord(ContentType.handshake, concat([records(ch!)[0]!.fragment, extra]), 0x0301)]);
      assertAlert(server, AlertDescription.unexpected_message, reason);
      // The server had already sent its flight and switched to application keys: the client reads the alert after it.
      deliver(client, server.takeOutgoing());
      assert.equal(client.failure?.code, 'ERR_TLSGLASS_PEER_ALERT_UNEXPECTED_MESSAGE', String(client.failure));
    });
  }

  test("server: the client's Finished followed by the start of a next message (the switch to application keys)", () => {
    const { client, server, clientFlight, clientEvents } = toClientSecondFlight(serverOptions(), clientOptions());
    const secret = keylogSecret(clientEvents, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
    const suite = client.negotiated.suite13!;
    const protectedRecs = records(clientFlight).filter((r) => r.type === ContentType.application_data);
    const messages = handshakeMessages(openAll(protectionFor(provider, suite, secret), protectedRecs).map((r) => r.plaintext));
    assert.deepEqual(messages.map((m) => m.type), [HandshakeType.finished]);
    const resealed = protectionFor(provider, suite, secret).seal(ContentType.handshake, concat([messages[0]!.raw, Uint8Array.of(HandshakeType.key_update, 0, 0)]));
    deliver(server, [resealed]);
    assertAlert(server, AlertDescription.unexpected_message, /straddles a key change/);
    deliver(client, server.takeOutgoing());
    assert.equal(client.failure?.code, 'ERR_TLSGLASS_PEER_ALERT_UNEXPECTED_MESSAGE', String(client.failure));
  });

  test('after the handshake: a KeyUpdate followed by a second KeyUpdate in the same record', () => {
    const r = runPair(serverOptions(), clientOptions());
    assert.ok(r.client.isEstablished && r.server.isEstablished);
    const secret = keylogSecret(r.clientEvents, 'CLIENT_TRAFFIC_SECRET_0');
    const suite = r.client.negotiated.suite13!;
    r.client.keyUpdate(false);
    const [ku] = r.client.takeOutgoing();
    const [opened] = openAll(protectionFor(provider, suite, secret), records(ku!));
    assert.equal(opened!.plaintext[0], HandshakeType.key_update);
    const tampered = protectionFor(provider, suite, secret).seal(ContentType.handshake, concat([opened!.plaintext, frameHandshake(HandshakeType.key_update, Uint8Array.of(0)).raw]));
    deliver(r.server, [tampered]);
    assertAlert(r.server, AlertDescription.unexpected_message, /after a key change in the same record/);
  });
});

/** Runs the client's first flight into a fresh server; returns the server's records. */
function helloToServerFromClient(client: ClientConnection, options: ServerOptions = serverOptions()): { server: ServerConnection; out: Uint8Array[]; events: ConnectionEvent[] } {
  const server = new ServerConnection(options);
  deliver(server, client.takeOutgoing());
  return { server, out: server.takeOutgoing(), events: server.takeEvents() };
}

/** Runs a handshake up to the client's second flight, which is returned undelivered. */
function toClientSecondFlight(s: ServerOptions, c: ClientOptions): { client: ClientConnection; server: ServerConnection; clientFlight: Uint8Array[]; clientEvents: ConnectionEvent[]; serverEvents: ConnectionEvent[] } {
  const client = new ClientConnection(c);
  client.start();
  const { server, out, events } = helloToServerFromClient(client, s);
  deliver(client, out);
  assert.equal(client.failure, undefined, String(client.failure));
  return { client, server, clientFlight: client.takeOutgoing(), clientEvents: client.takeEvents(), serverEvents: events };
}

// ---- the downgrade sentinel ------------------------------------------------------------------------

describe('a TLS 1.2 ServerHello with a downgrade sentinel, to a client that offered TLS 1.3: illegal_parameter', () => {
  for (const [name, sentinel] of [
    ['DOWNGRD\\x01 (TLS 1.2)', DOWNGRADE_TLS12],
    ['DOWNGRD\\x00 (TLS 1.1 or below)', DOWNGRADE_TLS11],
  ] as const) {
    test(`the last 8 bytes of ServerHello.random patched to ${name}`, () => {
      // A 1.2-only server does not set the sentinel itself; a man in the middle who removed 1.3 from a 1.3 server would leave it there.
      const patch: Tamper = (record, direction, index) => {
        if (direction !== 'toClient' || index !== 0) return [record];
        assert.equal(record[0], ContentType.handshake);
        assert.equal(record[5], HandshakeType.server_hello);
        assert.deepEqual([record[9], record[10]], [3, 3], 'a TLS 1.2 ServerHello');
        const copy = record.slice();
        copy.set(sentinel, 5 + 4 + 2 + 24); // record header, handshake header, server_version, then random[24..32]
        return [copy];
      };
      const r = runPair(serverOptions({ maxVersion: 'TLSv1.2' }), clientOptions(), patch);
      // Checked at ServerHello, before the ServerKeyExchange signature (over the randoms) could fail instead.
      assertAlert(r.client, AlertDescription.illegal_parameter, /downgrade/);
      assert.deepEqual(r.wire.toServer.at(-1), plainAlert(AlertDescription.illegal_parameter));
      assert.equal(r.server.failure?.code, 'ERR_TLSGLASS_PEER_ALERT_ILLEGAL_PARAMETER');
    });
  }

  test('the same server unpatched: the client falls back to TLS 1.2', () => {
    const r = runPair(serverOptions({ maxVersion: 'TLSv1.2' }), clientOptions());
    assert.equal(r.clientError, undefined, String(r.clientError));
    assert.equal(r.client.protocol, 'TLSv1.2');
  });
});

// ---- rejected 0-RTT -----------------------------------------------------------------------------------

const EARLY_DATA_SKIP_LIMIT = 16384;

/** A session from our server (a real ticket and PSK) to offer 0-RTT with. */
function ticketFrom(store: ServerSessionStore): ClientSession {
  const r = runPair(serverOptions({ sessionStore: store }), clientOptions());
  r.server.write(text('x'));
  pump(r);
  const event = r.clientEvents.find((e) => e.type === 'session');
  assert.ok(event?.type === 'session', 'a session');
  return decodeClientSession(event.session)!;
}

/**
 * A minimal 0-RTT client: x25519 share, the PSK from a real ticket, early_data offered; early data
 * sealed under client_early_traffic_secret (which a server that rejects 0-RTT never derives). It
 * reads the server's flight and answers with a correctly computed Finished.
 */
class EarlyDataClient {
  readonly key = provider.keyExchange.generate(NamedGroup.x25519);
  readonly suite: Tls13Suite;
  readonly hello: Uint8Array;
  #transcript: Uint8Array[] = [];
  #clientHandshake: Uint8Array | undefined;
  serverApp: RecordProtection | undefined;
  clientApp: RecordProtection | undefined;

  constructor(readonly session: ClientSession) {
    this.suite = tls13SuiteById(session.suite)!;
    this.hello = clientHello({ suites: [this.suite.id], shares: [share(this.key)], earlyData: true, psk: { session } });
    this.#transcript.push(this.hello);
  }

  #hash(): Uint8Array {
    return provider.hash.digest(this.suite.hash, concat(this.#transcript));
  }

  helloRecord(): Uint8Array {
    return plainRecord(ContentType.handshake, this.hello, 0x0301);
  }

  /** Early data records of these sizes (plaintext bytes each), as a 0-RTT client sends them right after its ClientHello. */
  earlyData(sizes: readonly number[]): Uint8Array[] {
    const secret = new EarlySecret(provider.hash, this.suite.hash, this.session.secret).clientEarlyTrafficSecret(this.#hash());
    const p = protectionFor(provider, this.suite, secret);
    return sizes.map((n, i) => p.seal(ContentType.application_data, new Uint8Array(n).fill(0x30 + (i % 10))));
  }

  /** Reads the server's records up to its Finished; returns the EncryptedExtensions and the records after the flight. */
  readFlight(out: readonly Uint8Array[]): { extensions: Extension[]; after: WireRecord[] } {
    const recs = records(out);
    const sh = recs.shift()!;
    assert.equal(sh.type, ContentType.handshake);
    const [shMessage] = handshakeMessages([sh.fragment]);
    assert.equal(shMessage!.type, HandshakeType.server_hello);
    const hello = readServerHello(shMessage!.body);
    assert.equal(isHelloRetryRequest(hello.random), false);
    assert.equal(readPreSharedKeyServer(findExtension(hello.extensions, ExtensionType.pre_shared_key)!), 0, 'the server resumes with our PSK');
    const entry = readKeyShareServer(findExtension(hello.extensions, ExtensionType.key_share)!);
    this.#transcript.push(shMessage!.raw);
    const secrets = new EarlySecret(provider.hash, this.suite.hash, this.session.secret).handshakeSecret(this.key.deriveSecret(entry.keyExchange));
    const th = this.#hash();
    this.#clientHandshake = secrets.clientHandshakeTrafficSecret(th);
    const serverHandshake = secrets.serverHandshakeTrafficSecret(th);
    if (recs[0]?.type === ContentType.change_cipher_spec) recs.shift();
    const reader = protectionFor(provider, this.suite, serverHandshake);
    const joiner = new HandshakeJoiner();
    let extensions: Extension[] | undefined;
    for (;;) {
      const rec = recs.shift();
      assert.ok(rec, 'the whole server flight');
      const opened = reader.open(rec.type, rec.fragment);
      assert.equal(opened.type, ContentType.handshake);
      for (const m of joiner.push(opened.plaintext)) {
        if (m.type === HandshakeType.encrypted_extensions) extensions = readEncryptedExtensions(m.body);
        if (m.type === HandshakeType.finished) {
          assert.deepEqual(m.body, finishedVerifyData(provider.hash, this.suite.hash, serverHandshake, this.#hash()), 'the server Finished verifies');
          this.#transcript.push(m.raw);
          const master = secrets.masterSecret();
          const th2 = this.#hash();
          this.serverApp = protectionFor(provider, this.suite, master.serverApplicationTrafficSecret(th2));
          this.clientApp = protectionFor(provider, this.suite, master.clientApplicationTrafficSecret(th2));
          return { extensions: extensions!, after: recs };
        }
        this.#transcript.push(m.raw);
      }
    }
  }

  /** Our Finished, sealed under the client handshake traffic keys. */
  finished(): Uint8Array {
    const verifyData = finishedVerifyData(provider.hash, this.suite.hash, this.#clientHandshake!, this.#hash());
    return protectionFor(provider, this.suite, this.#clientHandshake!).seal(ContentType.handshake, frameHandshake(HandshakeType.finished, verifyData).raw);
  }
}

describe('0-RTT rejected: early data is skipped up to 16 KiB, more is bad_record_mac', () => {
  const store = new ServerSessionStore(provider);
  const session = ticketFrom(store);
  const resumingServer = (): ServerConnection => new ServerConnection(serverOptions({ sessionStore: store }));
  /** Record fragments cost their ciphertext length: plaintext + content type + 16-byte tag. */
  const sizesFor = (total: number, perRecord: number): number[] => {
    const out: number[] = [];
    for (let left = total; left > 0; left -= perRecord + 17) out.push(Math.min(perRecord, left - 17));
    return out;
  };

  for (const [name, sizes] of [
    ['three records, 6 KiB in all', [2000, 2000, 2000]],
    ['exactly 16 384 bytes of record fragments (the limit)', sizesFor(EARLY_DATA_SKIP_LIMIT, 4000)],
  ] as const) {
    test(`${name}: skipped; the server rejects 0-RTT, resumes, accepts our Finished and then our data`, () => {
      const c = new EarlyDataClient(session);
      const early = c.earlyData(sizes);
      assert.equal(early.reduce((n, r) => n + r.length - 5, 0), sizes.reduce((n, s) => n + s + 17, 0));
      if (name.startsWith('exactly')) assert.equal(early.reduce((n, r) => n + r.length - 5, 0), EARLY_DATA_SKIP_LIMIT);
      const server = resumingServer();
      deliver(server, [concat([c.helloRecord(), ...early])]); // as a 0-RTT client sends them: in one write
      assert.equal(server.failure, undefined, String(server.failure));
      const { extensions, after } = c.readFlight(server.takeOutgoing());
      assert.equal(findExtension(extensions, ExtensionType.early_data), undefined, 'EncryptedExtensions does not accept early data');
      assert.deepEqual(after, []);
      assert.equal(server.negotiated.resumed, true);
      deliver(server, [c.finished()]);
      assert.equal(server.failure, undefined, String(server.failure));
      assert.equal(server.isEstablished, true);
      // Application data under the client's application keys is read; the server's reply opens with ours (a resumed connection gets no new ticket).
      deliver(server, [c.clientApp!.seal(ContentType.application_data, text('after 0-RTT'))]);
      assert.deepEqual(server.takeEvents().flatMap((e) => (e.type === 'application-data' ? [decode(e.data)] : [])), ['after 0-RTT']);
      server.write(text('welcome'));
      const opened = openAll(c.serverApp!, records(server.takeOutgoing()));
      assert.deepEqual(opened.map((o) => o.type), [ContentType.application_data]);
      assert.equal(decode(opened[0]!.plaintext), 'welcome');
    });
  }

  for (const [name, sizes] of [
    ['one byte over the limit', [...sizesFor(EARLY_DATA_SKIP_LIMIT, 4000).slice(0, -1), sizesFor(EARLY_DATA_SKIP_LIMIT, 4000).at(-1)! + 1]],
    ['a flood of 64 KiB', sizesFor(64 * 1024, 16384)],
  ] as const) {
    test(`${name}: bad_record_mac, sealed under the server's application keys after its flight`, () => {
      const c = new EarlyDataClient(session);
      const server = resumingServer();
      deliver(server, [concat([c.helloRecord(), ...c.earlyData(sizes)])]);
      assertAlert(server, AlertDescription.bad_record_mac, /more rejected early data than we skip/);
      const { after } = c.readFlight(server.takeOutgoing());
      assert.equal(after.length, 1, 'one record after the flight');
      assert.deepEqual(openAll(c.serverApp!, after), [{ type: ContentType.alert, plaintext: Uint8Array.of(2, AlertDescription.bad_record_mac) }]);
    });
  }

  test('early data after a HelloRetryRequest is skipped (no keys yet); the second ClientHello is answered and resumes', () => {
    const first = provider.keyExchange.generate(NamedGroup.secp256r1);
    const random = provider.random.bytes(32);
    const sessionId = provider.random.bytes(32);
    const suite = tls13SuiteById(session.suite)!;
    const groups = [NamedGroup.secp256r1, NamedGroup.x25519];
    const ch1 = clientHello({ random, sessionId, suites: [suite.id], groups, shares: [share(first)], earlyData: true, psk: { session } });
    const early = protectionFor(provider, suite, new EarlySecret(provider.hash, suite.hash, session.secret).clientEarlyTrafficSecret(provider.hash.digest(suite.hash, ch1)));
    const server = new ServerConnection(serverOptions({ sessionStore: store, ecdhCurve: 'X25519' }));
    deliver(server, [concat([plainRecord(ContentType.handshake, ch1, 0x0301), ...[5000, 5000, 5000].map((n) => early.seal(ContentType.application_data, new Uint8Array(n)))])]);
    assert.equal(server.failure, undefined, String(server.failure));
    const retry = records(server.takeOutgoing());
    const [hrr] = handshakeMessages([retry[0]!.fragment]);
    assert.equal(isHelloRetryRequest(readServerHello(hrr!.body).random), true, 'a HelloRetryRequest');
    // The second ClientHello: an x25519 share, no early_data, the binder over message_hash(ClientHello1) ‖ HelloRetryRequest.
    const digest = provider.hash.digest(suite.hash, ch1);
    const prefix = concat([Uint8Array.of(HandshakeType.message_hash, 0, 0, digest.length), digest, hrr!.raw]);
    const second = provider.keyExchange.generate(NamedGroup.x25519);
    const ch2 = clientHello({ random, sessionId, suites: [suite.id], groups, shares: [share(second)], psk: { session, prefix } });
    deliver(server, [plainRecord(ContentType.change_cipher_spec, Uint8Array.of(1)), plainRecord(ContentType.handshake, ch2)]);
    assert.equal(server.failure, undefined, String(server.failure));
    const [sh] = handshakeMessages([records(server.takeOutgoing())[0]!.fragment]);
    const hello = readServerHello(sh!.body);
    assert.equal(isHelloRetryRequest(hello.random), false);
    assert.equal(readKeyShareServer(findExtension(hello.extensions, ExtensionType.key_share)!).group, NamedGroup.x25519);
    assert.equal(server.negotiated.resumed, true);
    assert.equal(server.negotiated.helloRetry, true);
  });
});

// ---- ClientHello rules ------------------------------------------------------------------------------

describe('TLS 1.3 ClientHello rules (server)', () => {
  const x25519 = (): KeyShareEntry => share(provider.keyExchange.generate(NamedGroup.x25519));
  const p256 = (): KeyShareEntry => share(provider.keyExchange.generate(NamedGroup.secp256r1));
  const store = new ServerSessionStore(provider);
  const session = ticketFrom(store);

  const cases: readonly [string, HelloSpec, number, RegExp][] = [
    ['no key_share: missing_extension', { shares: undefined }, AlertDescription.missing_extension, /without key_share/],
    ['a key share for a group not in supported_groups: illegal_parameter', { groups: [NamedGroup.x25519], shares: [p256()] }, AlertDescription.illegal_parameter, /not in supported_groups/],
    ['two key shares for one group: illegal_parameter', { groups: [NamedGroup.x25519], shares: [x25519(), x25519()] }, AlertDescription.illegal_parameter, /two key shares for one group/],
    ['pre_shared_key not the last extension: illegal_parameter', { shares: [x25519()], psk: { session, last: false } }, AlertDescription.illegal_parameter, /not the last extension/],
    ['pre_shared_key without psk_key_exchange_modes: missing_extension', { shares: [x25519()], psk: { session }, pskModes: false }, AlertDescription.missing_extension, /without psk_key_exchange_modes/],
  ];
  for (const [name, spec, alert, reason] of cases) {
    test(name, () => {
      const { server, out } = helloToServer(clientHello(spec), serverOptions({ sessionStore: store }));
      assertAlert(server, alert, reason);
      assert.deepEqual(out, [plainAlert(alert)], 'only the alert, in the clear');
    });
  }

  test('control: the same hand-built ClientHello, well formed, is answered with a ServerHello (and resumes with the PSK)', () => {
    const { server, out } = helloToServer(clientHello({ shares: [x25519()], psk: { session } }), serverOptions({ sessionStore: store }));
    assert.equal(server.failure, undefined, String(server.failure));
    assert.equal(records(out)[0]!.fragment[0], HandshakeType.server_hello);
    assert.equal(server.negotiated.resumed, true);
  });
});

// ---- the peer's encrypted flight, edited ---------------------------------------------------------------

/**
 * Delivers the server's flight to the client after `edit` has changed its encrypted handshake
 * messages (decrypted with the server's key-log secret and sealed again with the same keys).
 */
function editServerFlight(s: ServerOptions, c: ClientOptions, edit: (messages: HandshakeMessage[]) => HandshakeMessage[]): ClientConnection {
  const client = new ClientConnection(c);
  client.start();
  const { server, out, events } = helloToServerFromClient(client, s);
  const secret = keylogSecret(events, 'SERVER_HANDSHAKE_TRAFFIC_SECRET');
  const suite = server.negotiated.suite13!;
  const recs = records(out);
  const clear = recs.filter((r) => r.type !== ContentType.application_data).map((r) => plainRecord(r.type, r.fragment));
  const messages = handshakeMessages(openAll(protectionFor(provider, suite, secret), recs.filter((r) => r.type === ContentType.application_data)).map((r) => r.plaintext));
  const edited = protectionFor(provider, suite, secret).seal(ContentType.handshake, concat(edit(messages).map((m) => m.raw)));
  deliver(client, [...clear, edited]);
  return client;
}

/** Delivers the client's second flight to the server after `edit`; returns the server and the alert it sealed (opened). */
function editClientFlight(s: ServerOptions, c: ClientOptions, edit: (messages: HandshakeMessage[]) => HandshakeMessage[]): { server: ServerConnection; alert: Uint8Array | undefined } {
  const { client, server, clientFlight, clientEvents, serverEvents } = toClientSecondFlight(s, c);
  const secret = keylogSecret(clientEvents, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
  const suite = client.negotiated.suite13!;
  const recs = records(clientFlight);
  const clear = recs.filter((r) => r.type !== ContentType.application_data).map((r) => plainRecord(r.type, r.fragment));
  const messages = handshakeMessages(openAll(protectionFor(provider, suite, secret), recs.filter((r) => r.type === ContentType.application_data)).map((r) => r.plaintext));
  const edited = protectionFor(provider, suite, secret).seal(ContentType.handshake, concat(edit(messages).map((m) => m.raw)));
  deliver(server, [...clear, edited]);
  // The server's alert goes out under its application keys.
  const serverApp = protectionFor(provider, suite, keylogSecret(serverEvents, 'SERVER_TRAFFIC_SECRET_0'));
  const opened = openAll(serverApp, records(server.takeOutgoing()));
  const alert = opened.find((o) => o.type === ContentType.alert)?.plaintext;
  return { server, alert };
}

const replace = (type: number, body: (old: Uint8Array) => Uint8Array) => (messages: HandshakeMessage[]): HandshakeMessage[] =>
  messages.map((m) => (m.type === type ? frameHandshake(type, body(m.body)) : m));

/** Certificate body with a 1-byte certificate_request_context instead of the empty one. */
const withContext = (body: Uint8Array): Uint8Array => {
  assert.equal(body[0], 0, 'an empty context to start with');
  return concat([Uint8Array.of(1, 0x42), body.subarray(1)]);
};
/** CertificateVerify relabelled as rsa_pkcs1_sha256 (a PKCS#1 v1.5 scheme, not allowed in TLS 1.3). */
const asPkcs1 = (body: Uint8Array): Uint8Array => {
  const cv = readCertificateVerify(body);
  return writeCertificateVerify({ scheme: SignatureScheme.rsa_pkcs1_sha256, signature: cv.signature });
};

/** CertificateVerify relabelled with another scheme, signature kept. */
const relabel = (scheme: number) => (body: Uint8Array): Uint8Array => writeCertificateVerify({ scheme, signature: readCertificateVerify(body).signature });

/** ML-DSA-65 certificates from the test CA (draft-ietf-tls-mldsa), made on first use. */
let mlDsa: { server: ReturnType<typeof issueCertificate>; client: ReturnType<typeof issueCertificate> } | undefined;
const mlDsaPki = (): NonNullable<typeof mlDsa> =>
  (mlDsa ??= {
    server: issueCertificate({ issuer: pki.ca, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ml-dsa-65' }),
    client: issueCertificate({ issuer: pki.ca, commonName: 'ML-DSA client', keyType: 'ml-dsa-65', extKeyUsage: ['clientAuth'] }),
  });

describe("the server's encrypted flight, edited (client checks)", () => {
  const expectClientAlert = (client: ClientConnection, alert: number, reason: RegExp): void => {
    assertAlert(client, alert, reason);
    // The client installed its handshake keys at ServerHello (as Go and BoringSSL): its alert is sealed.
    assertSealedAlert(client.takeOutgoing());
  };

  test('control: the flight decrypted and sealed again unchanged is accepted', () => {
    const client = editServerFlight(serverOptions(), clientOptions(), (m) => m);
    assert.equal(client.failure, undefined, String(client.failure));
    assert.equal(client.isEstablished, true);
  });

  test('a server Certificate with a non-empty certificate_request_context: illegal_parameter', () => {
    const client = editServerFlight(serverOptions(), clientOptions(), replace(HandshakeType.certificate, withContext));
    expectClientAlert(client, AlertDescription.illegal_parameter, /request context/);
  });

  for (const [what, authorities] of [
    ['an empty list', Uint8Array.of(0, 0)],
    ['a list longer than its bytes', Uint8Array.of(0, 9, 0, 3, 0x30, 0x01, 0x00)],
    ['an empty DistinguishedName', Uint8Array.of(0, 2, 0, 0)],
  ] as const) {
    test(`a CertificateRequest whose certificate_authorities is ${what}: decode_error`, () => {
      const withAuthorities = (body: Uint8Array): Uint8Array => {
        const request = readCertificateRequestTls13(body);
        return writeCertificateRequestTls13({ ...request, extensions: [...request.extensions, { type: ExtensionType.certificate_authorities, data: authorities }] });
      };
      const client = editServerFlight(serverOptions({ requestCert: true }), clientOptions(), replace(HandshakeType.certificate_request, withAuthorities));
      expectClientAlert(client, AlertDescription.decode_error, /certificate_authorities|DistinguishedName/);
    });
  }

  test('CertificateVerify with rsa_pkcs1_sha256 (which the client offered, for TLS 1.2): illegal_parameter', () => {
    const client = editServerFlight(serverOptions(), clientOptions({ sigalgs: 'RSA-PSS+SHA256:RSA+SHA256' }), replace(HandshakeType.certificate_verify, asPkcs1));
    expectClientAlert(client, AlertDescription.illegal_parameter, /CertificateVerify uses rsa_pkcs1_sha256/);
  });

  test('an ML-DSA-65 CertificateVerify relabelled mldsa44 (offered, but not the key\'s): illegal_parameter', () => {
    const { server } = mlDsaPki();
    const client = editServerFlight(serverOptions({ cert: server.certPem, key: server.keyPem }), clientOptions(), replace(HandshakeType.certificate_verify, relabel(SignatureScheme.mldsa44)));
    expectClientAlert(client, AlertDescription.illegal_parameter, /uses mldsa44, which does not fit the certificate's ml-dsa-65 key/);
  });

  for (const [what, edit] of [
    ['one byte short', (sig: Uint8Array) => sig.subarray(1)],
    ['one bit flipped', (sig: Uint8Array) => sig.map((b, i) => (i === 100 ? b ^ 1 : b))],
  ] as const) {
    test(`an ML-DSA-65 CertificateVerify signature ${what}: decrypt_error`, () => {
      const { server } = mlDsaPki();
      const resign = (body: Uint8Array): Uint8Array => {
        const cv = readCertificateVerify(body);
        return writeCertificateVerify({ scheme: cv.scheme, signature: edit(cv.signature) });
      };
      const client = editServerFlight(serverOptions({ cert: server.certPem, key: server.keyPem }), clientOptions(), replace(HandshakeType.certificate_verify, resign));
      expectClientAlert(client, AlertDescription.decrypt_error, /signature/);
    });
  }

  test('an RSA certificate\'s CertificateVerify labelled mldsa65: illegal_parameter', () => {
    const client = editServerFlight(serverOptions(), clientOptions(), replace(HandshakeType.certificate_verify, relabel(SignatureScheme.mldsa65)));
    expectClientAlert(client, AlertDescription.illegal_parameter, /uses mldsa65, which does not fit the certificate's rsa key/);
  });

  test('EncryptedExtensions carrying key_share (offered in the ClientHello, but a ServerHello-only extension): illegal_parameter', () => {
    const keyShare = { type: ExtensionType.key_share, data: writeKeyShareServer(share(provider.keyExchange.generate(NamedGroup.x25519))) };
    const client = editServerFlight(serverOptions(), clientOptions(), replace(HandshakeType.encrypted_extensions, (b) => writeEncryptedExtensions([...readEncryptedExtensions(b), keyShare])));
    expectClientAlert(client, AlertDescription.illegal_parameter, /key_share is not allowed in EncryptedExtensions/);
  });

  test('an extension the client never offered in EncryptedExtensions (max_fragment_length): unsupported_extension', () => {
    const mfl = { type: ExtensionType.max_fragment_length, data: Uint8Array.of(1) };
    const client = editServerFlight(serverOptions(), clientOptions(), replace(HandshakeType.encrypted_extensions, (b) => writeEncryptedExtensions([...readEncryptedExtensions(b), mfl])));
    expectClientAlert(client, AlertDescription.unsupported_extension, /unsolicited max_fragment_length in EncryptedExtensions/);
  });
});

describe("the client's encrypted second flight, edited (server checks)", () => {
  const mutual = serverOptions({ requestCert: true });
  const withCert = clientOptions({ cert: pki.clientRsa.certPem, key: pki.clientRsa.keyPem });

  test('control: the flight decrypted and sealed again unchanged is accepted', () => {
    const { server, alert } = editClientFlight(mutual, withCert, (m) => m);
    assert.equal(server.failure, undefined, String(server.failure));
    assert.equal(alert, undefined);
    assert.equal(server.authorized, true);
  });

  test('a client Certificate with a non-empty certificate_request_context: illegal_parameter', () => {
    const { server, alert } = editClientFlight(mutual, withCert, replace(HandshakeType.certificate, withContext));
    assertAlert(server, AlertDescription.illegal_parameter, /request context/);
    assert.deepEqual(alert, Uint8Array.of(2, AlertDescription.illegal_parameter));
  });

  test('a client ML-DSA-65 CertificateVerify relabelled mldsa87: illegal_parameter', () => {
    const { client: cert } = mlDsaPki();
    const { server, alert } = editClientFlight(mutual, clientOptions({ cert: cert.certPem, key: cert.keyPem }), replace(HandshakeType.certificate_verify, relabel(SignatureScheme.mldsa87)));
    assertAlert(server, AlertDescription.illegal_parameter, /uses mldsa87, which does not fit the certificate's ml-dsa-65 key/);
    assert.deepEqual(alert, Uint8Array.of(2, AlertDescription.illegal_parameter));
  });

  test('a client CertificateVerify with rsa_pkcs1_sha256: illegal_parameter', () => {
    const { server, alert } = editClientFlight(serverOptions({ requestCert: true, sigalgs: 'RSA-PSS+SHA256:RSA+SHA256:ECDSA+SHA256' }), withCert, replace(HandshakeType.certificate_verify, asPkcs1));
    assertAlert(server, AlertDescription.illegal_parameter, /rsa_pkcs1_sha256/);
    assert.deepEqual(alert, Uint8Array.of(2, AlertDescription.illegal_parameter));
  });
});
