/**
 * State-machine conformance matrix (security.md T01, issue #6 item 1).
 *
 * For client and server × TLS 1.2 and 1.3 × mutual TLS off/on (plus a HelloRetryRequest flow for
 * TLS 1.3), a real handshake runs in memory against a live legitimate peer, one peer message at a
 * time (test/helpers/hostile-driver.ts). At every point where the side under test (SUT) waits for
 * input, a fresh run is stopped there and something the RFCs do not allow there is delivered
 * instead: every handshake type (well-formed bodies recorded from real handshakes, re-framed one
 * message per record), ChangeCipherSpec (good, two-byte, and encrypted), application data, a
 * fatal and a warning alert, and plaintext records after keys. Each is protected exactly as the
 * SUT expects at that point (plaintext before keys; sealed with the peer's current keys after).
 *
 * The expected outcome of every cell comes from the table below (EXPECTED FLOWS + expectedOutcome),
 * written from RFC 5246 §7.3–7.4, RFC 8446 §2, §4, §5, §6 and security.md Appendix A, not from
 * the implementation's state classes. For each cell we assert the exact alert bytes the SUT sends
 * (plaintext `15 03 03 00 02 02 XX` before it has write keys, otherwise the record decrypted with
 * its keys), the error it reports, and that it never progresses afterwards: its state does not
 * change, the rest of the legitimate flow gets the same error and no bytes, and no
 * handshake-complete event appears.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PeerAlert, TlsError } from '../../src/errors.js';
import { AlertDescription, AlertLevel, ContentType, HandshakeType, nameOf } from '../../src/messages/enums.js';
import type { ClientOptions, ServerOptions } from '../../src/config.js';
import { HostileDriver } from '../helpers/hostile-driver.js';
import { cachedKeyProvider, plainRecord, type Side, type Unit } from '../helpers/hostile-wire.js';
import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';

const A = AlertDescription;
// ECDSA only (testPki() would also mint two RSA keys, which costs more than this whole file's crypto).
const ca = createCertificateAuthority({ commonName: 'tlsglass matrix CA', keyType: 'ec' });
const pki = {
  ca,
  serverEcdsa: issueCertificate({ issuer: ca, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ec' }),
  clientEcdsa: issueCertificate({ issuer: ca, commonName: 'matrix client', keyType: 'ec', extKeyUsage: ['clientAuth'] }),
};

// ---- configurations --------------------------------------------------------------------------

type Version = '1.2' | '1.3';
interface Config {
  readonly side: Side;
  readonly version: Version;
  readonly mtls: boolean;
  readonly hrr: boolean;
}

const CONFIGS: Config[] = [];
for (const side of ['client', 'server'] as const) {
  for (const version of ['1.2', '1.3'] as const) {
    for (const mtls of [false, true]) CONFIGS.push({ side, version, mtls, hrr: false });
  }
  CONFIGS.push({ side, version: '1.3', mtls: false, hrr: true });
}

function configName(c: Config): string {
  return `${c.side} TLS ${c.version}${c.mtls ? ' mTLS' : ''}${c.hrr ? ' HRR' : ''}`;
}

function options(c: Config): { server: ServerOptions; client: ClientOptions } {
  const v = c.version === '1.2' ? 'TLSv1.2' : 'TLSv1.3';
  return {
    server: {
      provider: cachedKeyProvider,
      cert: pki.serverEcdsa.certPem,
      key: pki.serverEcdsa.keyPem,
      ca: pki.ca.certPem,
      minVersion: v,
      maxVersion: v,
      requestCert: c.mtls,
      // A server that only takes P-256 makes the client (which sends an X25519 share) retry.
      ...(c.hrr && { ecdhCurve: 'P-256' }),
    },
    client: {
      provider: cachedKeyProvider,
      servername: 'localhost',
      ca: pki.ca.certPem,
      minVersion: v,
      maxVersion: v,
      ...(c.mtls && { cert: pki.clientEcdsa.certPem, key: pki.clientEcdsa.keyPem }),
    },
  };
}

// ---- the RFC table -------------------------------------------------------------------------------

/**
 * Inputs: handshake types by IANA name, plus
 *   ccs            ChangeCipherSpec {1} (TLS 1.3: always plaintext; TLS 1.2: under the current read keys)
 *   ccs.bad        ChangeCipherSpec {1, 1}
 *   ccs.protected  TLS 1.3: a ChangeCipherSpec sealed under the current keys (inner type 20)
 *   appdata        application data, plaintext before keys, sealed after
 *   alert.fatal    fatal handshake_failure
 *   alert.warning  warning-level no_renegotiation
 *   plain.handshake a plaintext handshake record (a Finished) after the SUT has read keys
 *   plain.alert    a plaintext fatal alert after the TLS 1.3 handshake
 *   hrr            a second HelloRetryRequest (TLS 1.3 client after a retry)
 */
const HANDSHAKE_INPUTS = [
  'hello_request',
  'client_hello',
  'server_hello',
  'new_session_ticket',
  'end_of_early_data',
  'encrypted_extensions',
  'certificate',
  'server_key_exchange',
  'certificate_request',
  'server_hello_done',
  'certificate_verify',
  'client_key_exchange',
  'finished',
  'key_update',
  'message_hash',
  'unassigned_99',
] as const;
const OTHER_INPUTS = ['ccs', 'ccs.bad', 'ccs.protected', 'appdata', 'alert.fatal', 'alert.warning', 'plain.handshake', 'plain.alert', 'hrr'] as const;
type Input = (typeof HANDSHAKE_INPUTS)[number] | (typeof OTHER_INPUTS)[number];
const INPUTS: readonly Input[] = [...HANDSHAKE_INPUTS, ...OTHER_INPUTS];

interface Wait {
  readonly label: string;
  /** What may legally arrive here (these cells are not hostile and are not run). */
  readonly legal: readonly Input[];
  readonly traffic?: boolean;
}

/**
 * The legal flows, from the RFCs' message-flow figures. TLS 1.3 compatibility ChangeCipherSpec
 * records are not wait points of their own (they are dropped, RFC 8446 §5 / Appendix D.4).
 */
function expectedFlow(c: Config): Wait[] {
  const ticket = c.version === '1.2' && factsOf(c).ticketAcknowledged;
  if (c.version === '1.2' && c.side === 'client') {
    // RFC 5246 §7.3 Figure 1; ECDHE suite: ServerKeyExchange is mandatory (§7.4.3, SMACK / BoGo SkipServerKeyExchange).
    return [
      { label: 'before ServerHello', legal: ['server_hello'] },
      { label: 'before Certificate', legal: ['certificate'] },
      { label: 'before ServerKeyExchange', legal: ['server_key_exchange'] },
      { label: 'before CertificateRequest or ServerHelloDone', legal: ['certificate_request', 'server_hello_done'] },
      ...(c.mtls ? [{ label: 'before ServerHelloDone (after CertificateRequest)', legal: ['server_hello_done'] } satisfies Wait] : []),
      // RFC 5077 §3.3: a server that acknowledged session_ticket MUST send NewSessionTicket before its CCS.
      ...(ticket ? [{ label: 'before NewSessionTicket', legal: ['new_session_ticket'] } satisfies Wait] : []),
      { label: 'before ChangeCipherSpec', legal: ['ccs'] },
      { label: 'before Finished', legal: ['finished'] },
      { label: 'after the handshake', legal: ['appdata'], traffic: true },
    ];
  }
  if (c.version === '1.2') {
    return [
      { label: 'before ClientHello', legal: ['client_hello'] },
      // §7.4.6: a client that was asked MUST send Certificate (possibly empty).
      ...(c.mtls ? [{ label: 'before client Certificate', legal: ['certificate'] } satisfies Wait] : []),
      { label: 'before ClientKeyExchange', legal: ['client_key_exchange'] },
      // §7.4.8: CertificateVerify follows a client certificate with signing capability.
      ...(c.mtls ? [{ label: 'before CertificateVerify', legal: ['certificate_verify'] } satisfies Wait] : []),
      { label: 'before ChangeCipherSpec', legal: ['ccs'] },
      { label: 'before Finished', legal: ['finished'] },
      { label: 'after the handshake', legal: ['appdata'], traffic: true },
    ];
  }
  if (c.side === 'client') {
    // RFC 8446 §2 Figure 1 and §4.1.4 (HelloRetryRequest); CertificateRequest may precede Certificate (§4.3.2).
    return [
      { label: 'before ServerHello', legal: ['server_hello'] },
      ...(c.hrr ? [{ label: 'before ServerHello (after HelloRetryRequest)', legal: ['server_hello'] } satisfies Wait] : []),
      { label: 'before EncryptedExtensions', legal: ['encrypted_extensions'] },
      { label: 'before CertificateRequest or Certificate', legal: ['certificate_request', 'certificate'] },
      ...(c.mtls ? [{ label: 'before Certificate (after CertificateRequest)', legal: ['certificate'] } satisfies Wait] : []),
      { label: 'before CertificateVerify', legal: ['certificate_verify'] },
      { label: 'before Finished', legal: ['finished'] },
      // §4.6: NewSessionTicket and KeyUpdate are the post-handshake messages a client may get.
      { label: 'after the handshake', legal: ['appdata', 'new_session_ticket', 'key_update'], traffic: true },
    ];
  }
  return [
    { label: 'before ClientHello', legal: ['client_hello'] },
    ...(c.hrr ? [{ label: 'before second ClientHello', legal: ['client_hello'] } satisfies Wait] : []),
    ...(c.mtls
      ? [
          { label: 'before client Certificate', legal: ['certificate'] } satisfies Wait,
          // §4.4.3: a non-empty client Certificate is followed by CertificateVerify.
          { label: 'before CertificateVerify', legal: ['certificate_verify'] } satisfies Wait,
        ]
      : []),
    { label: 'before Finished', legal: ['finished'] },
    { label: 'after the handshake', legal: ['appdata', 'key_update'], traffic: true },
  ];
}

type Outcome =
  /** A fatal alert X is sent, the connection fails with alert X, and it never progresses. */
  | { kind: 'alert'; alert: number }
  /** The SUT fails with the peer's alert and sends nothing. */
  | { kind: 'peer-alert' }
  /** Dropped: nothing is sent and the legitimate flow then completes. */
  | { kind: 'ignored' }
  /** A warning alert X is sent and the connection goes on. */
  | { kind: 'warning'; alert: number };

const alert = (x: number): Outcome => ({ kind: 'alert', alert: x });

/**
 * The expected outcome of `input` at wait `w` (index `wi`), or undefined when the cell does not
 * exist (the input is legal there, or the input makes no sense in that version or state).
 *
 * Documented exceptions to "unexpected_message":
 * - TLS 1.3: one ChangeCipherSpec {1} after the first ClientHello and before the peer's Finished
 *   is dropped (RFC 8446 §5); the peer's own has always come by the second wait, so an injected
 *   one is a second and unexpected_message. Before the version is known (the first wait of either
 *   side) TLS 1.2 rules apply, as in BoringSSL and Go: unexpected_message.
 * - A TLS 1.2 client that gets HelloRequest after the handshake answers with a warning
 *   no_renegotiation and carries on (RFC 5246 §7.4.1.1, RFC 5746 §4.2, security.md §0). During
 *   the handshake RFC 5246 says it "will be ignored"; we follow BoringSSL's stricter
 *   StrayHelloRequest rule (unexpected_message), which security.md §0 allows ("ignore or refuse").
 * - A TLS 1.2 server that gets a ClientHello after the handshake refuses with a warning
 *   no_renegotiation ("always a warning", RFC 5246 §7.2.2) and carries on, as OpenSSL does and
 *   tlsfuzzer expects. In TLS 1.3 it is unexpected_message (§4.1.2).
 * - Alerts: a fatal alert ends the connection without an answer (RFC 5246 §7.2.2, RFC 8446 §6).
 *   A warning alert is ignored in TLS 1.2 (RFC 5246 §7.2); in TLS 1.3 every alert but the closure
 *   alerts "MUST be treated as error alerts when received regardless of the AlertLevel"
 *   (RFC 8446 §6.2): the connection fails and nothing is sent.
 * - ChangeCipherSpec {1, 1}: TLS 1.3 "MUST abort … with an unexpected_message alert" (§5);
 *   TLS 1.2 names no alert, and we answer the same (README "Alert decisions", as tlsfuzzer expects).
 * - A plaintext record after keys: TLS 1.3 unexpected_message (§5, security.md T11); in TLS 1.2
 *   it is read as a ciphertext that does not authenticate: bad_record_mac (RFC 5246 §6.2.3.3).
 */
function expectedOutcome(c: Config, w: Wait, wi: number, input: Input, keyed: boolean): Outcome | undefined {
  if (w.legal.includes(input)) return undefined;
  const v13 = c.version === '1.3';
  const first = wi === 0;
  switch (input) {
    case 'ccs':
      // TLS 1.3 (RFC 8446 §5): one compatibility CCS is dropped, but at every wait after the first
      // the peer's own CCS (sent after its first flight, which driverAt delivers) has already come,
      // so an injected one is a second: unexpected_message. The dropped one: conformance.test.ts.
      return alert(A.unexpected_message);
    case 'ccs.bad':
      if (v13) return first ? undefined : alert(A.unexpected_message);
      return alert(A.unexpected_message);
    case 'ccs.protected':
      return v13 && keyed ? alert(A.unexpected_message) : undefined;
    case 'appdata':
      return alert(A.unexpected_message);
    case 'alert.fatal':
      return { kind: 'peer-alert' };
    case 'alert.warning':
      return v13 ? { kind: 'peer-alert' } : { kind: 'ignored' };
    case 'plain.handshake':
      if (!keyed) return undefined;
      return alert(v13 ? A.unexpected_message : A.bad_record_mac);
    case 'plain.alert':
      return v13 && w.traffic ? alert(A.unexpected_message) : undefined;
    case 'hrr':
      // RFC 8446 §4.1.4: a second HelloRetryRequest is unexpected_message.
      return v13 && c.side === 'client' && c.hrr && wi === 1 ? alert(A.unexpected_message) : undefined;
    case 'hello_request':
      if (!v13 && c.side === 'client' && w.traffic) return { kind: 'warning', alert: A.no_renegotiation };
      return alert(A.unexpected_message);
    case 'client_hello':
      if (!v13 && c.side === 'server' && w.traffic) return { kind: 'warning', alert: A.no_renegotiation };
      return alert(A.unexpected_message);
    default:
      return alert(A.unexpected_message);
  }
}

/**
 * Cells where the implementation is known to diverge from the table: each is a core bug reported
 * to the lead; the test stays (as todo) so that the fix turns it green. None are open now.
 */
function knownCoreBug(_c: Config, _wi: number, _input: Input): string | undefined {
  return undefined;
}

/** Protocol facts of a configuration that the table depends on, read from one legitimate run. */
interface Facts {
  /** The ServerHello carries session_ticket (RFC 5077 §3.2): a NewSessionTicket precedes the server's CCS. */
  readonly ticketAcknowledged: boolean;
}
const factsCache = new Map<string, Facts>();
function factsOf(c: Config): Facts {
  const key = configName(c);
  let f = factsCache.get(key);
  if (!f) {
    const d = new HostileDriver({ sut: c.side, ...options(c) });
    d.skipCompatCcs();
    assert.equal(d.finish(), undefined, `${key}: the legitimate handshake failed`);
    const fromServer = c.side === 'server' ? d.sutUnits : d.delivered;
    const sh = fromServer.find((u) => u.type === ContentType.handshake && u.body[0] === HandshakeType.server_hello && !isHrr(u.body));
    assert.ok(sh, `${key}: no ServerHello`);
    f = { ticketAcknowledged: serverHelloExtensions(sh.body).includes(35 /* session_ticket */) };
    factsCache.set(key, f);
  }
  return f;
}

/** Extension types in a ServerHello message (header included). */
function serverHelloExtensions(raw: Uint8Array): number[] {
  let pos = 4 + 2 + 32;
  pos += 1 + raw[pos]!; // legacy_session_id
  pos += 2 + 1; // cipher_suite, compression
  if (pos + 2 > raw.length) return [];
  const end = pos + 2 + ((raw[pos]! << 8) | raw[pos + 1]!);
  const types: number[] = [];
  for (pos += 2; pos + 4 <= end; pos += 4 + ((raw[pos + 2]! << 8) | raw[pos + 3]!)) types.push((raw[pos]! << 8) | raw[pos + 1]!);
  return types;
}

// ---- message bodies recorded from real handshakes ---------------------------------------------------

type Catalog = Map<Input, Uint8Array>;

function handshakeName(type: number): Input | undefined {
  const name = nameOf(HandshakeType, type);
  return (HANDSHAKE_INPUTS as readonly string[]).includes(name) ? (name as Input) : undefined;
}

function frame(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out[0] = type;
  out[1] = body.length >> 16;
  out[2] = (body.length >> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, 4);
  return out;
}

/** Runs full handshakes of `version` (mTLS, and a retry for 1.3) and keeps the first message of every type. */
function recordCatalog(version: Version): Catalog {
  const catalog: Catalog = new Map();
  const runs: Config[] = [{ side: 'server', version, mtls: true, hrr: false }];
  if (version === '1.3') runs.push({ side: 'client', version, mtls: false, hrr: true });
  for (const c of runs) {
    const d = new HostileDriver({ sut: c.side, ...options(c) });
    d.skipCompatCcs();
    const err = d.finish();
    assert.equal(err, undefined, `recording ${configName(c)} failed: ${String(err)}`);
    for (const u of [...d.delivered, ...d.sutUnits]) {
      if (u.type !== ContentType.handshake) continue;
      const name = handshakeName(u.body[0]!);
      if (name === 'server_hello' && isHrr(u.body)) {
        if (!catalog.has('hrr')) catalog.set('hrr', u.body);
        continue;
      }
      if (name && !catalog.has(name)) catalog.set(name, u.body);
    }
  }
  return catalog;
}

function isHrr(raw: Uint8Array): boolean {
  // ServerHello.random at body offset 2 equals SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
  return Buffer.from(raw.subarray(6, 38)).toString('hex') === 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';
}

/** Messages no recorded handshake has: built by hand in their RFC shape. */
function syntheticMessages(): Catalog {
  const nst = Uint8Array.from([
    ...[0, 0, 0x1c, 0x20], // ticket_lifetime 7200
    ...[1, 2, 3, 4], // ticket_age_add
    ...[1, 0], // ticket_nonce<0..255>
    ...[0, 4, 0xde, 0xad, 0xbe, 0xef], // ticket<1..2^16-1>
    ...[0, 0], // extensions
  ]);
  return new Map<Input, Uint8Array>([
    ['hello_request', frame(HandshakeType.hello_request, new Uint8Array(0))],
    ['end_of_early_data', frame(HandshakeType.end_of_early_data, new Uint8Array(0))],
    ['new_session_ticket', frame(HandshakeType.new_session_ticket, nst)],
    ['key_update', frame(HandshakeType.key_update, Uint8Array.of(0))],
    ['message_hash', frame(HandshakeType.message_hash, new Uint8Array(32).fill(7))],
    ['unassigned_99', frame(99, new Uint8Array(0))],
  ]);
}

let catalogs: Record<Version, Catalog> | undefined;
function catalogFor(version: Version): Catalog {
  if (!catalogs) {
    const c12 = recordCatalog('1.2');
    const c13 = recordCatalog('1.3');
    const synthetic = syntheticMessages();
    const merge = (own: Catalog, other: Catalog): Catalog => {
      const out: Catalog = new Map(synthetic);
      for (const [k, v] of other) out.set(k, v);
      for (const [k, v] of own) out.set(k, v);
      return out;
    };
    catalogs = { '1.2': merge(c12, c13), '1.3': merge(c13, c12) };
  }
  return catalogs[version];
}

// ---- running one cell ---------------------------------------------------------------------------

/** Builds the hostile record for `input` when the SUT reads in `epoch`. */
function hostileRecord(d: HostileDriver, c: Config, input: Input, epoch: number): { record: Uint8Array; unit: Unit } {
  const v13 = c.version === '1.3';
  const cat = catalogFor(c.version);
  const make = (type: number, body: Uint8Array, e: number): { record: Uint8Array; unit: Unit } => ({
    record: d.seal(type, body, e),
    unit: { type, body, epoch: e },
  });
  switch (input) {
    case 'ccs':
      return make(ContentType.change_cipher_spec, Uint8Array.of(1), v13 ? 0 : epoch);
    case 'ccs.bad':
      return make(ContentType.change_cipher_spec, Uint8Array.of(1, 1), v13 ? 0 : epoch);
    case 'ccs.protected':
      return make(ContentType.change_cipher_spec, Uint8Array.of(1), epoch);
    case 'appdata':
      return make(ContentType.application_data, new TextEncoder().encode('hostile application data'), epoch);
    case 'alert.fatal':
      return make(ContentType.alert, Uint8Array.of(AlertLevel.fatal, A.handshake_failure), epoch);
    case 'alert.warning':
      return make(ContentType.alert, Uint8Array.of(AlertLevel.warning, A.no_renegotiation), epoch);
    case 'plain.handshake':
      return { record: plainRecord(ContentType.handshake, cat.get('finished')!), unit: { type: ContentType.handshake, body: cat.get('finished')!, epoch: 0 } };
    case 'plain.alert': {
      const body = Uint8Array.of(AlertLevel.fatal, A.handshake_failure);
      return { record: plainRecord(ContentType.alert, body), unit: { type: ContentType.alert, body, epoch: 0 } };
    }
    default: {
      const body = cat.get(input);
      assert.ok(body, `no recorded body for ${input}`);
      return make(ContentType.handshake, body, epoch);
    }
  }
}

function inputName(u: Unit, v13: boolean): Input | undefined {
  if (u.type === ContentType.change_cipher_spec) return 'ccs';
  if (u.type === ContentType.application_data) return 'appdata';
  if (u.type !== ContentType.handshake) return undefined;
  if (v13 && u.body[0] === HandshakeType.server_hello && isHrr(u.body)) return 'server_hello';
  return handshakeName(u.body[0]!);
}

/** A driver stopped at wait `wi` of config `c`; also checks that the real flow matches the table. */
function driverAt(c: Config, wi: number): { d: HostileDriver; flow: Wait[] } {
  const flow = expectedFlow(c);
  const d = new HostileDriver({ sut: c.side, ...options(c) });
  for (let i = 0; i < wi; i++) {
    d.skipCompatCcs();
    const next = d.queue[0];
    assert.ok(next, `${configName(c)}: the peer sent nothing at "${flow[i]!.label}"`);
    const name = inputName(next, c.version === '1.3');
    assert.ok(name && flow[i]!.legal.includes(name), `${configName(c)}: the peer sent ${name} at "${flow[i]!.label}", the table allows ${flow[i]!.legal.join(', ')}`);
    const err = d.deliverNext();
    assert.equal(err, undefined, `${configName(c)}: the legitimate ${name} failed: ${String(err)}`);
  }
  d.skipCompatCcs();
  if (flow[wi]!.traffic) {
    // Post-handshake messages the peer sends on its own (e.g. TLS 1.3 NewSessionTicket) must be legal here too.
    while (d.queue.length > 0) {
      const name = inputName(d.queue[0]!, c.version === '1.3');
      assert.ok(name && flow[wi]!.legal.includes(name), `${configName(c)}: the peer sent ${name} after the handshake, the table allows ${flow[wi]!.legal.join(', ')}`);
      assert.equal(d.deliverNext(), undefined);
    }
    assert.equal(d.sut.isEstablished, true, `${configName(c)}: the handshake did not complete`);
  }
  return { d, flow };
}

function decodeAlert(u: Unit): [number, number] {
  assert.equal(u.type, ContentType.alert, `expected an alert record, got content type ${u.type}`);
  assert.equal(u.body.length, 2);
  return [u.body[0]!, u.body[1]!];
}

/** Application data still flows both ways. */
function assertDataFlows(d: HostileDriver): void {
  const before = d.sutEvents.length;
  d.peer.write(new TextEncoder().encode('ping'));
  d.shuttle();
  assert.equal(d.finish(), undefined);
  const got = d.sutEvents.slice(before).filter((e) => e.type === 'application-data');
  assert.equal(got.length, 1, 'the SUT did not get application data after the ignored input');
  d.sut.write(new TextEncoder().encode('pong'));
  d.shuttle();
  assert.ok(d.peerEvents.some((e) => e.type === 'application-data'), 'the peer did not get application data');
}

function runCell(c: Config, wi: number, input: Input): void {
  const { d, flow } = driverAt(c, wi);
  const w = flow[wi]!;
  const epoch = d.readEpoch();
  assert.equal(epoch > 0, keyedAt(c, flow, wi), `${configName(c)} ${w.label}: the table and the driver disagree on whether keys are in use`);
  const outcome = expectedOutcome(c, w, wi, input, epoch > 0);
  assert.ok(outcome, 'not a cell');
  const stateBefore = d.sut.stateName;
  const sutHadKeys = d.fromSut.epoch > 0;
  const { record } = hostileRecord(d, c, input, epoch);
  const { error, records, units } = d.inject(record);
  const where = `${configName(c)} ${w.label} (${stateBefore}) ← ${input}`;

  if (outcome.kind === 'ignored' || outcome.kind === 'warning') {
    assert.equal(error, undefined, `${where}: expected it to be ${outcome.kind === 'ignored' ? 'dropped' : 'answered with a warning'}, got ${String(error)}`);
    if (outcome.kind === 'ignored') {
      assert.deepEqual(records, [], `${where}: sent something for an input that must be dropped`);
    } else {
      assert.equal(units.length, 1, `${where}: expected one warning alert`);
      assert.deepEqual(decodeAlert(units[0]!), [AlertLevel.warning, outcome.alert]);
    }
    const err = d.finish();
    assert.equal(err, undefined, `${where}: the legitimate flow failed afterwards: ${String(err)}`);
    assert.equal(d.sut.isEstablished, true, `${where}: the handshake did not complete afterwards`);
    assert.equal(d.peer.isEstablished, true, `${where}: the peer did not complete`);
    assertDataFlows(d);
    return;
  }

  assert.ok(error instanceof TlsError, `${where}: expected a TlsError, got ${String(error)}`);
  if (outcome.kind === 'peer-alert') {
    assert.ok(error instanceof PeerAlert, `${where}: expected the peer's alert to end the connection, got ${String(error)}`);
    assert.deepEqual(records, [], `${where}: answered a fatal alert`);
  } else {
    assert.equal(
      error.alert,
      outcome.alert,
      `${where}: expected ${nameOf(A, outcome.alert)}, got ${error.alert === undefined ? 'no alert' : nameOf(A, error.alert)} (${error.message})`,
    );
    assert.equal(records.length, 1, `${where}: expected exactly one alert record, got ${records.length}`);
    assert.deepEqual(decodeAlert(units[0]!), [AlertLevel.fatal, outcome.alert]);
    if (!sutHadKeys && units[0]!.epoch === 0) {
      assert.deepEqual(records[0], Uint8Array.of(21, 3, 3, 0, 2, 2, outcome.alert), `${where}: plaintext alert bytes`);
    } else {
      assert.equal(records[0]![0], c.version === '1.3' ? ContentType.application_data : ContentType.alert, `${where}: the alert is not protected`);
    }
  }
  // It never progresses: same state, same error forever, no more bytes, no handshake-complete.
  assert.equal(d.sut.stateName, stateBefore, `${where}: the state moved on`);
  assert.equal(d.sut.failure, error);
  for (const u of [...d.queue.splice(0), { type: ContentType.application_data, body: Uint8Array.of(1), epoch }]) {
    assert.throws(() => d.sut.receive(d.seal(u.type, u.body, u.epoch)), (e) => e === error, `${where}: a later record did not get the same error`);
  }
  assert.deepEqual(d.sut.takeOutgoing(), [], `${where}: sent bytes after failing`);
  const later = d.sut.takeEvents();
  assert.ok(!later.some((e) => e.type === 'handshake-complete'), `${where}: completed after failing`);
  assert.equal(d.sut.isEstablished, false, `${where}: still established after a fatal error`);
}

// ---- the matrix -----------------------------------------------------------------------------------

const tally = { cells: 0, passed: 0, todo: 0, waits: 0 };
const spotlight = new Map<string, { c: Config; wi: number; input: Input }>();

for (const c of CONFIGS) {
  describe(`state matrix: ${configName(c)}`, () => {
    const flow = expectedFlow(c);
    flow.forEach((w, wi) => {
      tally.waits++;
      for (const input of INPUTS) {
        // Whether the SUT reads under keys at this wait is a protocol fact: after ServerHello (1.3) or CCS (1.2).
        const keyed = keyedAt(c, flow, wi);
        const outcome = expectedOutcome(c, w, wi, input, keyed);
        if (!outcome) continue;
        tally.cells++;
        const bug = knownCoreBug(c, wi, input);
        const name = `${w.label} ← ${input}: ${describeOutcome(outcome)}`;
        spotlight.set(`${configName(c)}|${w.label}|${input}`, { c, wi, input });
        test(name, bug ? { todo: bug } : {}, () => {
          try {
            runCell(c, wi, input);
            tally.passed++;
          } catch (e) {
            if (bug) tally.todo++;
            throw e;
          }
        });
      }
    });
  });
}

/** Does the SUT read under keys at wait `wi`? (RFC 5246: after the peer's CCS; RFC 8446: after ServerHello.) */
function keyedAt(c: Config, flow: Wait[], wi: number): boolean {
  const labels = flow.slice(0, wi + 1).map((w) => w.label);
  if (c.version === '1.2') return labels.includes('before Finished') || flow[wi]!.traffic === true;
  if (c.side === 'client') return labels.includes('before EncryptedExtensions');
  // Server: keys after its ServerHello, i.e. from the first wait after the (last) ClientHello.
  return !flow[wi]!.label.includes('ClientHello');
}

function describeOutcome(o: Outcome): string {
  switch (o.kind) {
    case 'alert':
      return nameOf(A, o.alert);
    case 'warning':
      return `warning ${nameOf(A, o.alert)}, continues`;
    case 'ignored':
      return 'dropped';
    case 'peer-alert':
      return 'fails, sends nothing';
  }
}

/** The cases security.md T01 and the issue name, run again under their own names. */
describe('state matrix: named cases', () => {
  const named: Array<[string, string, string, Input]> = [
    ['early CCS (TLS 1.2 client, before ServerKeyExchange)', 'client TLS 1.2', 'before ServerKeyExchange', 'ccs'],
    ['early CCS (TLS 1.2 server, before ClientKeyExchange: CCS injection)', 'server TLS 1.2', 'before ClientKeyExchange', 'ccs'],
    ['skipped ServerKeyExchange (ECDHE, SMACK)', 'client TLS 1.2', 'before ServerKeyExchange', 'server_hello_done'],
    ['skipped CertificateVerify after a client certificate (TLS 1.2)', 'server TLS 1.2 mTLS', 'before CertificateVerify', 'ccs'],
    ['skipped CertificateVerify after a client certificate (TLS 1.3)', 'server TLS 1.3 mTLS', 'before CertificateVerify', 'finished'],
    ['skipped server CertificateVerify (TLS 1.3)', 'client TLS 1.3', 'before CertificateVerify', 'finished'],
    ['skipped Finished: application data instead (TLS 1.2 client)', 'client TLS 1.2', 'before Finished', 'appdata'],
    ['skipped Finished: application data instead (TLS 1.2 server)', 'server TLS 1.2', 'before Finished', 'appdata'],
    ['application data before Finished (TLS 1.3 client)', 'client TLS 1.3', 'before Finished', 'appdata'],
    ['application data before Finished (TLS 1.3 server)', 'server TLS 1.3', 'before Finished', 'appdata'],
    ['duplicated Finished (TLS 1.2 client)', 'client TLS 1.2', 'after the handshake', 'finished'],
    ['duplicated Finished (TLS 1.2 server)', 'server TLS 1.2', 'after the handshake', 'finished'],
    ['duplicated Finished (TLS 1.3 client)', 'client TLS 1.3', 'after the handshake', 'finished'],
    ['duplicated Finished (TLS 1.3 server)', 'server TLS 1.3', 'after the handshake', 'finished'],
    ['post-handshake ClientHello (TLS 1.2): warning no_renegotiation', 'server TLS 1.2', 'after the handshake', 'client_hello'],
    ['post-handshake HelloRequest (TLS 1.2 client): warning no_renegotiation', 'client TLS 1.2', 'after the handshake', 'hello_request'],
    ['second HelloRetryRequest', 'client TLS 1.3 HRR', 'before ServerHello (after HelloRetryRequest)', 'hrr'],
    ['a second compatibility CCS during the TLS 1.3 handshake is unexpected_message', 'client TLS 1.3 mTLS', 'before Certificate (after CertificateRequest)', 'ccs'],
  ];
  for (const [title, config, label, input] of named) {
    test(title, () => {
      const chosen = spotlight.get(`${config}|${label}|${input}`);
      assert.ok(chosen, `no matrix cell ${config} / ${label} / ${input}`);
      runCell(chosen.c, chosen.wi, chosen.input);
    });
  }
});

after(() => {
  console.log(
    `state-matrix: ${tally.cells} cells over ${tally.waits} wait points in ${CONFIGS.length} configurations; ` +
      `${tally.passed} passed, ${tally.cells - tally.passed} not passing (${tally.todo} of them known core bugs marked todo)`,
  );
});
