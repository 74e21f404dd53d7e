/**
 * TLS 1.3 interop matrix over 127.0.0.1 with real peers (issue 5).
 *
 * Our client against openssl s_server, gnutls-serv and a node:tls server; our server against
 * openssl s_client, gnutls-cli, curl and a node:tls client. The peer is held to TLS 1.3 only
 * (-tls1_3, -VERS-ALL:+VERS-TLS1.3, --tlsv1.3 --tls-max 1.3, minVersion); our side keeps its
 * defaults (1.2 and 1.3), so the peer's restriction and our preference meet at 1.3.
 *
 * Per peer: every suite (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
 * TLS_CHACHA20_POLY1305_SHA256) × both server certificate types (RSA → rsa_pss_rsae_*, ECDSA
 * P-256 → ecdsa_secp256r1_sha256), with the group (x25519, P-256, P-384), client authentication
 * (none, RSA, ECDSA certificate) and ALPN rotating so that each peer sees each value; plus two
 * HelloRetryRequest cells, where the client's first (and only) key share is for a group the
 * server does not take:
 *   - our client: `ecdhCurve: 'X25519:P-384'` (we share only the first) against a peer server
 *     that takes only P-384;
 *   - our server: a peer client whose first share is a group our server does not take
 *     (`s_client -groups X25519:P-256` against `ecdhCurve: 'P-256'`, and so on).
 * SNI is sent in every cell and checked from the server's end; a few cells echo 1 MiB both ways
 * (checked by SHA-256).
 *
 * FFDHE cells (RFC 8446 §4.2.7, RFC 7919), one to three per peer that has them: our client with
 * `ecdhCurve: 'ffdhe2048'` (its share) or `'X25519:ffdhe…'` (an X25519 share, then a
 * HelloRetryRequest) against `openssl s_server -groups ffdhe…` and gnutls-serv with
 * `-GROUP-ALL:+GROUP-FFDHE2048`; our server with its default groups against
 * `openssl s_client -groups ffdhe2048` / `ffdhe3072`, gnutls-cli with an FFDHE-only priority and a
 * node:tls client with `ecdhCurve: 'ffdhe2048'`, and with `ecdhCurve: 'ffdhe2048'` against
 * `s_client -groups X25519:ffdhe2048` (HelloRetryRequest).
 *
 * What was negotiated is checked from both ends: the peer's own report (parsed from its output,
 * or node:tls getters) and ours (getProtocol, getCipher, getEphemeralKeyInfo,
 * connection.negotiated.group / helloRetry / signature schemes). OpenSSL's view comes from
 * `-trace -msgfile` (the ServerHello/HelloRetryRequest it sent or received, the key_share group,
 * the CertificateVerify scheme, ALPN in EncryptedExtensions); GnuTLS's from `- Description:` and,
 * for HelloRetryRequest, its `-d 4` handshake log; curl's from `-v` (two ClientHellos = HRR).
 * node:tls cannot report a HelloRetryRequest, so its cells run over a tap that keeps the bytes
 * each way: its own ClientHellos (their key shares) or its own HelloRetryRequest/ServerHello
 * (selected group, suite) are decoded from the wire.
 */
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { Duplex } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { TLSSocket as NodeTlsSocket } from 'node:tls';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { tls13SuiteById } from '../../src/crypto/suites.js';
import { readClientHello } from '../../src/messages/client-hello.js';
import { ContentType, ExtensionType, HandshakeType, SignatureScheme } from '../../src/messages/enums.js';
import { findExtension } from '../../src/messages/extensions/index.js';
import { readKeyShareClient, readKeyShareRetry, readKeyShareServer } from '../../src/messages/extensions/tls13.js';
import { readServerHello } from '../../src/messages/server-hello.js';
import { HandshakeJoiner } from '../../src/record/handshake-joiner.js';
import { isHelloRetryRequest } from '../../src/handshake/tls13-common.js';
import {
  nodeTlsConnect,
  parseGnutls,
  parseOpensslClient,
  pattern,
  peerMissing,
  readAll,
  readExactly,
  runCurl,
  runGnutlsClient,
  runOpensslClient,
  sha256,
  splitGnutlsClientOutput,
  startGnutlsServer,
  startNodeTlsServer,
  startOpensslServer,
  startTlsglassServer,
  tlsglassConnect,
  PEER_TIMEOUT_MS,
} from '../helpers/peers.js';
import { writePkiFiles, type PkiFiles } from '../helpers/pki.js';

// ---- the matrix as data ------------------------------------------------------------------------

type SuiteName = 'TLS_AES_128_GCM_SHA256' | 'TLS_AES_256_GCM_SHA384' | 'TLS_CHACHA20_POLY1305_SHA256';
type Auth = 'RSA' | 'ECDSA';
type Group = 'X25519' | 'P-256' | 'P-384' | 'ffdhe2048' | 'ffdhe3072';
type ClientAuth = 'none' | 'RSA' | 'ECDSA';

const SUITES: readonly SuiteName[] = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const AUTHS: readonly Auth[] = ['RSA', 'ECDSA'];
/** The ECDHE groups the base cells rotate through; the FFDHE cells are listed per peer. */
const GROUPS: readonly Group[] = ['X25519', 'P-256', 'P-384'];
const CLIENT_AUTH: readonly ClientAuth[] = ['none', 'RSA', 'ECDSA'];

type OurRole = 'client' | 'server';
type PeerName = 'openssl s_server' | 'gnutls-serv' | 'node:tls server' | 'openssl s_client' | 'gnutls-cli' | 'curl' | 'node:tls client';

interface Cell {
  readonly peer: PeerName;
  readonly role: OurRole;
  readonly suite: SuiteName;
  /** The server's certificate. */
  readonly auth: Auth;
  /** The group the handshake ends up with. */
  readonly group: Group;
  /** HelloRetryRequest cells: the group of the client's first (only) key share, which the server does not take. */
  readonly firstShare: Group | undefined;
  readonly clientAuth: ClientAuth;
  readonly alpn: boolean;
  /** Echo 1 MiB both ways instead of a greeting. */
  readonly bulk: boolean;
  /** Our server keeps its default groups (else it takes only `group`); the peer client offers `group`. */
  readonly ourServerDefaults: boolean;
}

/** One FFDHE cell: the client's first share when it differs (HRR), the group, and whether our server keeps its defaults. */
interface FfdheCellSpec {
  readonly firstShare?: Group;
  readonly group: Group;
  readonly ourServerDefaults?: boolean;
}

interface PeerSpec {
  readonly name: PeerName;
  readonly role: OurRole;
  readonly binary?: string;
  /** Indexes of the cells (0–5 base, 6–7 HRR) that echo 1 MiB. */
  readonly bulkCells: readonly number[];
  /** The two HelloRetryRequest cells: [client's first share, the group the server takes]. */
  readonly retries: readonly (readonly [Group, Group])[];
  /** TLS 1.3 FFDHE cells (after the others). */
  readonly ffdhe: readonly FfdheCellSpec[];
}

const PEERS: readonly PeerSpec[] = [
  {
    name: 'openssl s_server',
    role: 'client',
    binary: 'openssl',
    bulkCells: [0, 6],
    retries: [['X25519', 'P-384'], ['P-256', 'X25519']],
    ffdhe: [{ group: 'ffdhe2048' }, { firstShare: 'X25519', group: 'ffdhe3072' }],
  },
  { name: 'gnutls-serv', role: 'client', binary: 'gnutls-serv', bulkCells: [1], retries: [['X25519', 'P-384'], ['P-384', 'P-256']], ffdhe: [{ firstShare: 'X25519', group: 'ffdhe2048' }] },
  { name: 'node:tls server', role: 'client', bulkCells: [4], retries: [['X25519', 'P-384'], ['P-384', 'X25519']], ffdhe: [] },
  {
    name: 'openssl s_client',
    role: 'server',
    binary: 'openssl',
    bulkCells: [3, 7],
    retries: [['X25519', 'P-256'], ['P-384', 'X25519']],
    ffdhe: [
      { group: 'ffdhe2048', ourServerDefaults: true },
      { group: 'ffdhe3072', ourServerDefaults: true },
      { firstShare: 'X25519', group: 'ffdhe2048' },
    ],
  },
  // GnuTLS sends a second share for the first group of another kind (X25519 next to the NIST
  // curves), so only a NIST-curve-first list against the other NIST curve forces a retry.
  // gnutls-cli feeds stdin slowly: no bulk cells.
  { name: 'gnutls-cli', role: 'server', binary: 'gnutls-cli', bulkCells: [], retries: [['P-256', 'P-384'], ['P-384', 'P-256']], ffdhe: [{ group: 'ffdhe2048', ourServerDefaults: true }] },
  { name: 'curl', role: 'server', binary: 'curl', bulkCells: [2], retries: [['X25519', 'P-256'], ['P-256', 'P-384']], ffdhe: [] },
  { name: 'node:tls client', role: 'server', bulkCells: [5], retries: [['X25519', 'P-256'], ['P-256', 'X25519']], ffdhe: [{ group: 'ffdhe2048', ourServerDefaults: true }] },
];

/** Per peer: every suite × both certificate types, rotating group, client auth and ALPN; then two HRR cells. */
function matrix(): Cell[] {
  return PEERS.flatMap((peer, p) => {
    const base = SUITES.flatMap((suite, s) =>
      AUTHS.map((auth, a): Cell => {
        const i = s * 2 + a;
        return {
          peer: peer.name,
          role: peer.role,
          suite,
          auth,
          group: GROUPS[(i + p) % 3]!,
          firstShare: undefined,
          clientAuth: CLIENT_AUTH[(s + a * 2 + p) % 3]!,
          alpn: (i + p) % 2 === 0,
          bulk: peer.bulkCells.includes(i),
          ourServerDefaults: false,
        };
      }),
    );
    const retries = peer.retries.map(([first, group], k): Cell => {
      const i = 6 + k;
      return {
        peer: peer.name,
        role: peer.role,
        suite: SUITES[(p + k) % 3]!,
        auth: AUTHS[(p + k) % 2]!,
        group,
        firstShare: first,
        clientAuth: CLIENT_AUTH[(p + k + 1) % 3]!,
        alpn: k === 0,
        bulk: peer.bulkCells.includes(i),
        ourServerDefaults: false,
      };
    });
    const ffdhe = peer.ffdhe.map((f, k): Cell => ({
      peer: peer.name,
      role: peer.role,
      suite: SUITES[(p + k) % 3]!,
      auth: AUTHS[(p + k + 1) % 2]!,
      group: f.group,
      firstShare: f.firstShare,
      clientAuth: k === 1 ? 'ECDSA' : 'none',
      alpn: false,
      bulk: false,
      ourServerDefaults: f.ourServerDefaults ?? false,
    }));
    return [...base, ...retries, ...ffdhe];
  });
}

function cellName(c: Cell): string {
  const parts: string[] = [c.suite, `${c.auth} certificate`, c.firstShare ? `HRR ${c.firstShare} → ${c.group}` : c.group, c.clientAuth === 'none' ? 'one-way' : `mutual ${c.clientAuth}`];
  if (c.ourServerDefaults) parts.push('our default groups');
  if (c.alpn) parts.push('ALPN');
  if (c.bulk) parts.push('1 MiB echo');
  return parts.join(', ');
}

/** The client's group list: the first share's group (HRR cells) then the cell's group. */
function clientGroups(c: Cell): string {
  return c.firstShare ? `${c.firstShare}:${c.group}` : c.group;
}

// ---- names each party uses for the same thing ----------------------------------------------------

const ALPN = 'x-interop';
const GREETING = Buffer.from('hello from the tlsglass TLS 1.3 interop matrix\n');
const BULK_SIZE = 1 << 20;
const CONTEXT = Buffer.from('tlsglass');

const GROUP_ID: Record<Group, number> = { X25519: 29, 'P-256': 23, 'P-384': 24, ffdhe2048: 256, ffdhe3072: 257 };
/** What our getEphemeralKeyInfo() (and node:tls's) report; a DH group has no name there. */
const KEY_INFO: Record<Group, { type: string; name?: string; size: number }> = {
  X25519: { type: 'ECDH', name: 'X25519', size: 253 },
  'P-256': { type: 'ECDH', name: 'prime256v1', size: 256 },
  'P-384': { type: 'ECDH', name: 'secp384r1', size: 384 },
  ffdhe2048: { type: 'DH', size: 2048 },
  ffdhe3072: { type: 'DH', size: 3072 },
};
/** openssl s_client's "Server Temp Key:". */
const OPENSSL_TEMP_KEY: Record<Group, string> = {
  X25519: 'X25519, 253 bits',
  'P-256': 'ECDH, prime256v1, 256 bits',
  'P-384': 'ECDH, secp384r1, 384 bits',
  ffdhe2048: 'DH, 2048 bits',
  ffdhe3072: 'DH, 3072 bits',
};
/** openssl s_server's "Supported groups:" (our offer). */
const OPENSSL_GROUP: Record<Group, string> = { X25519: 'x25519', 'P-256': 'secp256r1', 'P-384': 'secp384r1', ffdhe2048: 'ffdhe2048', ffdhe3072: 'ffdhe3072' };
/** GnuTLS's names: key exchange in "- Description:", groups in priority strings and its handshake log. */
const GNUTLS_GROUP: Record<Group, string> = { X25519: 'X25519', 'P-256': 'SECP256R1', 'P-384': 'SECP384R1', ffdhe2048: 'FFDHE2048', ffdhe3072: 'FFDHE3072' };
/** GnuTLS's key exchange in "- Description:": ECDHE-X25519, DHE-FFDHE2048. */
const gnutlsKx = (g: Group): string => `${g.startsWith('ffdhe') ? 'DHE' : 'ECDHE'}-${GNUTLS_GROUP[g]}`;
const GNUTLS_CIPHER: Record<SuiteName, string> = {
  TLS_AES_128_GCM_SHA256: 'AES-128-GCM',
  TLS_AES_256_GCM_SHA384: 'AES-256-GCM',
  TLS_CHACHA20_POLY1305_SHA256: 'CHACHA20-POLY1305',
};
/** The signature part of GnuTLS's "- Description:" (the server's CertificateVerify). */
const GNUTLS_SIGNATURE: Record<Auth, RegExp> = { RSA: /^RSA-PSS-RSAE-SHA(256|384|512)$/, ECDSA: /^ECDSA-SECP256R1-SHA256$/ };
/** openssl s_client -brief's "Signature type:". */
const OPENSSL_SIGNATURE_TYPE: Record<Auth, string> = { RSA: 'RSA-PSS', ECDSA: 'ECDSA' };
/** The TLS 1.3 CertificateVerify schemes each key type may use here (RFC 8446 §4.4.3; the ECDSA keys are P-256). */
const SCHEMES: Record<Auth, readonly number[]> = {
  RSA: [SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.rsa_pss_rsae_sha384, SignatureScheme.rsa_pss_rsae_sha512],
  ECDSA: [SignatureScheme.ecdsa_secp256r1_sha256],
};
const CLIENT_CN: Record<Exclude<ClientAuth, 'none'>, string> = { RSA: 'tlsglass test client (RSA)', ECDSA: 'tlsglass test client (ECDSA)' };

// ---- OpenSSL's -trace output -----------------------------------------------------------------------

interface TracedMessage {
  readonly direction: 'sent' | 'received';
  readonly type: string;
  readonly lines: readonly string[];
}

/** Splits `openssl s_client/s_server -trace` output into handshake messages with their direction. */
function parseTrace(text: string): TracedMessage[] {
  const out: { direction: 'sent' | 'received'; type: string; lines: string[] }[] = [];
  let direction: 'sent' | 'received' = 'sent';
  let current: { lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('Sent Record')) direction = 'sent';
    else if (line.startsWith('Received Record')) direction = 'received';
    const m = /^ {4}(\w+), Length=\d+$/.exec(line);
    if (m) {
      current = { lines: [] };
      out.push({ direction, type: m[1]!, lines: current.lines });
    } else if (/^ {6}/.test(line) && current) current.lines.push(line.trim());
    else current = undefined;
  }
  return out;
}

/** What an OpenSSL trace says about the handshake, from one side's point of view. */
interface TraceFacts {
  /** ServerHellos in order (a HelloRetryRequest is a ServerHello with the special random). */
  readonly serverHellos: readonly { hrr: boolean; group: number | undefined; cipher: string | undefined }[];
  /** The key_share groups of each ClientHello. */
  readonly clientHelloShares: readonly (readonly number[])[];
  /** CertificateVerify signature schemes by who sent them. */
  readonly serverScheme: number | undefined;
  readonly clientScheme: number | undefined;
  /** ALPN in EncryptedExtensions. */
  readonly alpn: string | undefined;
}

function traceFacts(text: string, ourSide: 'client' | 'server'): TraceFacts {
  const messages = parseTrace(text);
  const groupsIn = (lines: readonly string[]): number[] => lines.flatMap((l) => /^NamedGroup: .*\((\d+)\)$/.exec(l)?.[1] ?? []).map(Number);
  const serverHellos = messages
    .filter((m) => m.type === 'ServerHello')
    .map((m) => ({
      // RFC 8446 §4.1.3: SHA-256("HelloRetryRequest"); OpenSSL prints its first 4 bytes as gmt_unix_time.
      hrr: m.lines.some((l) => l === 'gmt_unix_time=0xCF21AD74'),
      group: groupsIn(m.lines)[0],
      cipher: m.lines.map((l) => /^cipher_suite \{[^}]*\} (\S+)$/.exec(l)?.[1]).find(Boolean),
    }));
  const clientHelloShares = messages.filter((m) => m.type === 'ClientHello').map((m) => groupsIn(m.lines));
  const schemeOf = (m: TracedMessage | undefined): number | undefined => {
    const hex = m?.lines.map((l) => /^Signature Algorithm: \S+ \(0x([0-9a-f]{4})\)$/.exec(l)?.[1]).find(Boolean);
    return hex === undefined ? undefined : parseInt(hex, 16);
  };
  // The server's messages are "sent" in the server's trace and "received" in the client's.
  const serverDirection = ourSide === 'server' ? 'received' : 'sent';
  const cvs = messages.filter((m) => m.type === 'CertificateVerify');
  const ee = messages.find((m) => m.type === 'EncryptedExtensions');
  const alpnAt = ee?.lines.findIndex((l) => l.startsWith('extension_type=application_layer_protocol_negotiation(16)')) ?? -1;
  return {
    serverHellos,
    clientHelloShares,
    serverScheme: schemeOf(cvs.find((m) => m.direction === serverDirection)),
    clientScheme: schemeOf(cvs.find((m) => m.direction !== serverDirection)),
    alpn: alpnAt >= 0 ? ee!.lines[alpnAt + 1] : undefined,
  };
}

/** Checks OpenSSL's view of the hellos for a cell: HRR or not, the shares it saw or sent, the final group and suite. */
function assertTraceHellos(facts: TraceFacts, cell: Cell, detail: string): void {
  const expectedHellos = cell.firstShare ? 2 : 1;
  assert.equal(facts.serverHellos.length, expectedHellos, `ServerHellos in the trace\n${detail}`);
  assert.equal(facts.serverHellos[0]!.hrr, cell.firstShare !== undefined, `first ServerHello is a HelloRetryRequest?\n${detail}`);
  if (cell.firstShare) {
    assert.equal(facts.serverHellos[0]!.group, GROUP_ID[cell.group], `HelloRetryRequest selected_group\n${detail}`);
    assert.equal(facts.serverHellos[1]!.hrr, false, detail);
    assert.deepEqual(facts.clientHelloShares, [[GROUP_ID[cell.firstShare]], [GROUP_ID[cell.group]]], `ClientHello key shares\n${detail}`);
  } else {
    assert.deepEqual(facts.clientHelloShares, [[GROUP_ID[cell.group]]], `ClientHello key shares\n${detail}`);
  }
  const last = facts.serverHellos.at(-1)!;
  assert.equal(last.group, GROUP_ID[cell.group], `ServerHello key_share group\n${detail}`);
  assert.equal(last.cipher, cell.suite, detail);
}

// ---- the plaintext hellos on the wire (for node:tls, which reports no HelloRetryRequest) -------------

interface Wire {
  readonly toServer: Buffer[];
  readonly toClient: Buffer[];
}

/** A TCP connection to 127.0.0.1:port behind a Duplex that records the bytes each way. */
function tappedConnection(t: TestContext, port: number): { socket: Duplex; wire: Wire } {
  const wire: Wire = { toServer: [], toClient: [] };
  const raw = netConnect(port, '127.0.0.1');
  t.after(() => raw.destroy());
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      wire.toServer.push(chunk);
      raw.write(chunk, callback);
    },
    final(callback) {
      raw.end();
      callback();
    },
    destroy(err, callback) {
      raw.destroy();
      callback(err);
    },
  });
  raw.on('data', (d: Buffer) => {
    wire.toClient.push(d);
    socket.push(d);
  });
  raw.on('end', () => socket.push(null));
  raw.on('error', (e) => socket.destroy(e));
  return { socket, wire };
}

/** The plaintext handshake messages at the start of one direction (up to the first protected record). */
function plaintextHandshake(chunks: readonly Buffer[]): { type: number; body: Uint8Array }[] {
  const bytes = Buffer.concat(chunks);
  const joiner = new HandshakeJoiner();
  const out: { type: number; body: Uint8Array }[] = [];
  for (let at = 0; at + 5 <= bytes.length; ) {
    const type = bytes[at]!;
    const length = bytes.readUInt16BE(at + 3);
    if (type === ContentType.application_data) break;
    if (type === ContentType.handshake) out.push(...joiner.push(bytes.subarray(at + 5, at + 5 + length)));
    at += 5 + length;
  }
  return out;
}

/** The hellos decoded from the wire, in the shape OpenSSL's trace gives (see assertTraceHellos). */
function wireFacts(wire: Wire): TraceFacts {
  const serverHellos = plaintextHandshake(wire.toClient)
    .filter((m) => m.type === HandshakeType.server_hello)
    .map((m) => {
      const sh = readServerHello(m.body);
      const hrr = isHelloRetryRequest(sh.random);
      const ks = findExtension(sh.extensions, ExtensionType.key_share);
      return { hrr, group: ks === undefined ? undefined : hrr ? readKeyShareRetry(ks) : readKeyShareServer(ks).group, cipher: tls13SuiteById(sh.cipherSuite)?.name };
    });
  const clientHelloShares = plaintextHandshake(wire.toServer)
    .filter((m) => m.type === HandshakeType.client_hello)
    .map((m) => readKeyShareClient(findExtension(readClientHello(m.body).extensions, ExtensionType.key_share)!).map((e) => e.group));
  return { serverHellos, clientHelloShares, serverScheme: undefined, clientScheme: undefined, alpn: undefined };
}

// ---- shared fixtures ---------------------------------------------------------------------------

let pki: PkiFiles;
let dir: string;
const pem = (path: string): Buffer => readFileSync(path);
const serverIdentity = (auth: Auth): { cert: string; key: string } => (auth === 'RSA' ? pki.serverRsa : pki.serverEcdsa);
const clientIdentity = (a: ClientAuth): { cert: string; key: string } | undefined => (a === 'RSA' ? pki.clientRsa : a === 'ECDSA' ? pki.clientEcdsa : undefined);
let traceCount = 0;
const traceFile = (): string => join(dir, `trace-${++traceCount}.txt`);

function payload(cell: Cell): Buffer {
  return cell.bulk ? pattern(BULK_SIZE, 0x1305 + cell.suite.length + GROUP_ID[cell.group]) : GREETING;
}

/** Text lines for the peers that echo lines (openssl s_server -rev reverses each; gnutls-serv --echo). */
function linesPayload(cell: Cell): { send: Buffer; reversed: Buffer } {
  const lines: string[] = [];
  const count = cell.bulk ? BULK_SIZE / 1024 : 1;
  for (let i = 0; i < count; i++) {
    let line = '';
    for (let j = 0; j < 1023; j++) line += String.fromCharCode(97 + ((i * 11 + j * 7) % 26));
    lines.push(line);
  }
  return {
    send: Buffer.from(lines.map((l) => l + '\n').join('')),
    reversed: Buffer.from(lines.map((l) => [...l].reverse().join('') + '\n').join('')),
  };
}

/** Our client's options: the peer alone restricts the version; we name the suite and our groups (we share the first). */
function ourClientOptions(cell: Cell, port: number): Parameters<typeof tlsglassConnect>[1] {
  const id = clientIdentity(cell.clientAuth);
  return {
    port,
    host: '127.0.0.1',
    servername: 'localhost',
    ca: pem(pki.ca),
    ciphers: cell.suite,
    ecdhCurve: clientGroups(cell),
    ...(id && { cert: pem(id.cert), key: pem(id.key) }),
    ...(cell.alpn && { ALPNProtocols: [ALPN] }),
  };
}

/** Our server's options: the cell's certificate, suite and group only (or our default groups). */
function ourServerOptions(cell: Cell, alpn: string): Parameters<typeof startTlsglassServer>[1] {
  const id = serverIdentity(cell.auth);
  return {
    cert: pem(id.cert),
    key: pem(id.key),
    ca: pem(pki.ca),
    ciphers: cell.suite,
    ...(!cell.ourServerDefaults && { ecdhCurve: cell.group }),
    requestCert: cell.clientAuth !== 'none',
    rejectUnauthorized: cell.clientAuth !== 'none',
    ...(cell.alpn && { ALPNProtocols: [alpn] }),
  };
}

/** Our side's view of a cell. */
function assertOurs(socket: TLSSocket, cell: Cell, alpn: string, detail: string): void {
  const n = socket.connection.negotiated;
  assert.equal(socket.getProtocol(), 'TLSv1.3', detail);
  assert.deepEqual(socket.getCipher(), { name: cell.suite, standardName: cell.suite, version: 'TLSv1.3' }, detail);
  assert.deepEqual(socket.connection.ephemeralKeyInfo, KEY_INFO[cell.group], detail);
  assert.equal(n.group, GROUP_ID[cell.group], detail);
  assert.equal(n.helloRetry, cell.firstShare !== undefined, `helloRetry\n${detail}`);
  assert.equal(n.resumed, false, detail);
  assert.equal(socket.alpnProtocol, cell.alpn ? alpn : false, detail);
  assert.equal(socket.servername, 'localhost', detail);
  const serverScheme = cell.role === 'client' ? n.peerSignatureScheme : n.ourSignatureScheme;
  assert.ok(SCHEMES[cell.auth].includes(serverScheme!), `server CertificateVerify scheme 0x${serverScheme?.toString(16)}\n${detail}`);
  if (cell.role === 'client') {
    assert.deepEqual(socket.getEphemeralKeyInfo(), KEY_INFO[cell.group], detail);
    assert.equal(socket.authorized, true, detail);
    assert.equal((socket.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN, 'localhost', detail);
    assert.equal(n.certificateRequested, cell.clientAuth !== 'none', detail);
    assert.equal(n.sentCertificate, cell.clientAuth !== 'none', detail);
    if (cell.clientAuth !== 'none') assert.ok(SCHEMES[cell.clientAuth].includes(n.ourSignatureScheme!), detail);
  } else if (cell.clientAuth !== 'none') {
    assert.equal(socket.authorized, true, detail);
    assert.equal(socket.getPeerX509Certificate()?.subject, `CN=${CLIENT_CN[cell.clientAuth]}`, detail);
    assert.ok(SCHEMES[cell.clientAuth].includes(n.peerSignatureScheme!), `client CertificateVerify scheme 0x${n.peerSignatureScheme?.toString(16)}\n${detail}`);
  } else {
    assert.equal(socket.getPeerX509Certificate(), undefined, detail);
  }
}

/** For "our server" cells: echoes exactly the payload length, then ends (close_notify). */
function echoExactly(length: number, seen: TLSSocket[]): (socket: TLSSocket) => void {
  return (socket) => {
    seen.push(socket);
    let got = 0;
    socket.on('data', (d: Buffer) => {
      got += d.length;
      socket.write(d);
      if (got >= length) socket.end();
    });
    socket.on('error', () => {});
  };
}

/** A tiny HTTP/1.1 server for curl: GET gets the greeting, POST gets its body back. */
function httpEcho(seen: TLSSocket[]): (socket: TLSSocket) => void {
  return (socket) => {
    seen.push(socket);
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    let need = -1;
    let bodyStart = 0;
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (need < 0) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        need = head.startsWith('GET ') ? 0 : Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        bodyStart = end + 4;
      }
      if (buf.length - bodyStart < need) return;
      const body = need === 0 ? GREETING : buf.subarray(bodyStart, bodyStart + need);
      socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body]));
    });
  };
}

function gnutlsPriority(cell: Cell, groups: readonly Group[]): string {
  return `NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+${GNUTLS_CIPHER[cell.suite]}:-GROUP-ALL:${groups.map((g) => `+GROUP-${GNUTLS_GROUP[g]}`).join(':')}`;
}

/** GnuTLS's -d 4 handshake log: whether a HelloRetryRequest went by (sent by a server, received by a client). */
function gnutlsSawRetry(log: string): boolean {
  return /HELLO RETRY REQUEST (was queued|\(\d+\) was received)/.test(log);
}

// ---- one runner per peer -------------------------------------------------------------------------

type Runner = (t: TestContext, cell: Cell) => Promise<void>;

const runners: Record<PeerName, Runner> = {
  /**
   * -rev: each line comes back reversed. Without ALPN, -servername_fatal + -cert2 proves SNI: the
   * right certificate only exists behind "localhost" (s_server answers ALPN only on its first
   * context, so ALPN cells skip the trick). -trace shows the hellos it sent and received.
   */
  async 'openssl s_server'(t, cell) {
    const right = serverIdentity(cell.auth);
    const wrong = serverIdentity(cell.auth === 'RSA' ? 'ECDSA' : 'RSA');
    const trace = traceFile();
    const args = ['-naccept', '1', '-rev', '-tls1_3', '-ciphersuites', cell.suite, '-groups', cell.group, '-trace', '-msgfile', trace];
    if (cell.alpn) args.push('-cert', right.cert, '-key', right.key, '-alpn', ALPN);
    else args.push('-cert', wrong.cert, '-key', wrong.key, '-servername', 'localhost', '-servername_fatal', '-cert2', right.cert, '-key2', right.key);
    if (cell.clientAuth !== 'none') args.push('-Verify', '1', '-CAfile', pki.ca);
    const server = await startOpensslServer(t, args);
    const socket = await tlsglassConnect(t, ourClientOptions(cell, server.port));
    const { send, reversed } = linesPayload(cell);
    socket.write(send);
    const back = await readExactly(socket, reversed.length);
    assert.equal(sha256(back), sha256(reversed), 'reversed lines');
    socket.end();
    await server.waitFor(/^CONNECTION CLOSED$/m, 's_server to close the connection (-naccept 1)');
    const report = server.stderr();
    const facts = traceFacts(readFileSync(trace, 'latin1'), 'client');
    const detail = `${String(server)}\n${JSON.stringify(facts)}`;
    assertOurs(socket, cell, ALPN, detail);
    assert.match(report, /^Protocol version: TLSv1\.3$/m, detail);
    assert.match(report, new RegExp(`^Ciphersuite: ${cell.suite}$`, 'm'), detail);
    assert.match(report, new RegExp(`^Supported groups: ${clientGroups(cell).split(':').map((g) => OPENSSL_GROUP[g as Group]).join(':')}$`, 'm'), detail);
    assertTraceHellos(facts, cell, detail);
    assert.ok(SCHEMES[cell.auth].includes(facts.serverScheme!), detail);
    assert.equal(facts.serverScheme, socket.connection.negotiated.peerSignatureScheme, detail);
    assert.equal(facts.alpn, cell.alpn ? ALPN : undefined, detail);
    if (cell.clientAuth === 'none') assert.match(report, /^No peer certificate$/m, detail);
    else {
      assert.match(report, new RegExp(`^Peer certificate: CN = ${escape(CLIENT_CN[cell.clientAuth])}$`, 'm'), detail);
      assert.equal(facts.clientScheme, socket.connection.negotiated.ourSignatureScheme, detail);
    }
  },

  /** --http reports the session in its page; --echo for bulk. Its stdout logs each session; -d 4 logs a HelloRetryRequest. */
  async 'gnutls-serv'(t, cell) {
    const id = serverIdentity(cell.auth);
    const args = [cell.bulk ? '--echo' : '--http', '-d', '4', '--x509certfile', id.cert, '--x509keyfile', id.key, '--priority', gnutlsPriority(cell, [cell.group])];
    if (cell.clientAuth !== 'none') args.push('--require-client-cert', '--verify-client-cert', '--x509cafile', pki.ca);
    else args.push('--disable-client-cert'); // it asks for an optional certificate by default
    if (cell.alpn) args.push('--alpn', ALPN);
    const server = await startGnutlsServer(t, args);
    const socket = await tlsglassConnect(t, ourClientOptions(cell, server.port));
    if (cell.bulk) {
      const data = linesPayload(cell).send; // its echo mode handles text lines, not arbitrary bytes
      socket.write(data);
      const back = await readExactly(socket, data.length);
      assert.equal(sha256(back), sha256(data), 'echoed 1 MiB');
      socket.end();
    } else {
      socket.end('GET / HTTP/1.0\r\n\r\n');
      const page = (await readAll(socket)).toString('latin1');
      assert.match(page, /^HTTP\/1\.0 200 OK/, page);
    }
    await server.waitFor(/- Description: \S+/, 'gnutls-serv to log the session');
    const log = server.stdoutText();
    const info = parseGnutls(log);
    const detail = `${info.description}\n${String(server).slice(-3000)}`;
    assertOurs(socket, cell, ALPN, detail);
    assert.equal(info.protocol, 'TLS1.3', detail);
    assert.equal(info.kx, gnutlsKx(cell.group), detail);
    assert.match(info.signature ?? '', GNUTLS_SIGNATURE[cell.auth], detail);
    assert.equal(info.cipher, GNUTLS_CIPHER[cell.suite], detail);
    assert.equal(gnutlsSawRetry(server.stderr()), cell.firstShare !== undefined, `HelloRetryRequest in gnutls-serv's log\n${detail}`);
    assert.match(log, /- Given server name\[1\]: localhost/, detail);
    if (cell.clientAuth !== 'none') assert.match(log, new RegExp(`Subject: CN=${escape(CLIENT_CN[cell.clientAuth])}`), detail);
  },

  async 'node:tls server'(t, cell) {
    const id = serverIdentity(cell.auth);
    const seen: NodeTlsSocket[] = [];
    const server = await startNodeTlsServer(
      t,
      {
        cert: pem(id.cert),
        key: pem(id.key),
        ca: pem(pki.ca),
        minVersion: 'TLSv1.3',
        ciphers: cell.suite,
        ecdhCurve: cell.group, // the only group it takes: our first share, when different, gets a HelloRetryRequest
        requestCert: cell.clientAuth !== 'none',
        rejectUnauthorized: cell.clientAuth !== 'none',
        ...(cell.alpn && { ALPNProtocols: [ALPN] }),
      },
      (s) => {
        seen.push(s);
        s.pipe(s);
      },
    );
    const { socket: transport, wire } = tappedConnection(t, server.port);
    const socket = await tlsglassConnect(t, { ...ourClientOptions(cell, server.port), socket: transport });
    const data = payload(cell);
    socket.write(data);
    const back = await readExactly(socket, data.length);
    assert.equal(sha256(back), sha256(data), 'echo');
    socket.end();
    const theirs = seen[0]!;
    assertOurs(socket, cell, ALPN, 'our client');
    // node:tls's own HelloRetryRequest and ServerHello, as they crossed the wire.
    const facts = wireFacts(wire);
    assertTraceHellos(facts, cell, JSON.stringify(facts));
    assert.equal(theirs.getProtocol(), 'TLSv1.3');
    assert.equal(theirs.getCipher().name, cell.suite);
    assert.equal(theirs.servername, 'localhost');
    assert.equal(theirs.alpnProtocol, cell.alpn ? ALPN : false);
    if (cell.clientAuth !== 'none') {
      assert.equal(theirs.authorized, true, String(theirs.authorizationError));
      assert.equal(theirs.getPeerCertificate().subject.CN, CLIENT_CN[cell.clientAuth]);
    }
    // Both sides derived the same secrets: the exporter and both Finished values agree.
    assert.deepEqual(socket.exportKeyingMaterial(32, 'EXPERIMENTAL interop', CONTEXT), theirs.exportKeyingMaterial(32, 'EXPERIMENTAL interop', CONTEXT));
    assert.deepEqual(socket.getFinished(), theirs.getPeerFinished());
    assert.deepEqual(socket.getPeerFinished(), theirs.getFinished());
  },

  /** -brief: the session summary on stderr and only application data on stdout; -trace for the hellos, signatures and ALPN. */
  async 'openssl s_client'(t, cell) {
    const data = payload(cell);
    const seen: TLSSocket[] = [];
    const server = await startTlsglassServer(t, ourServerOptions(cell, ALPN), echoExactly(data.length, seen));
    const trace = traceFile();
    const args = ['-tls1_3', '-brief', '-ign_eof', '-servername', 'localhost', '-CAfile', pki.ca, '-verify_return_error', '-ciphersuites', cell.suite, '-groups', clientGroups(cell), '-trace', '-msgfile', trace];
    const id = clientIdentity(cell.clientAuth);
    if (id) args.push('-cert', id.cert, '-key', id.key);
    if (cell.alpn) args.push('-alpn', ALPN);
    const run = await runOpensslClient(t, server.port, args, data);
    assert.equal(run.code, 0, run.report);
    assert.equal(sha256(run.stdout), sha256(data), `echo\n${run.report.slice(0, 4000)}`);
    const facts = traceFacts(readFileSync(trace, 'latin1'), 'server');
    const detail = `${run.stderr}\n${JSON.stringify(facts)}`;
    assert.deepEqual(parseOpensslClient(run.stderr), { protocol: 'TLSv1.3', cipher: cell.suite, tempKey: OPENSSL_TEMP_KEY[cell.group], verified: true }, detail);
    assert.match(run.stderr, new RegExp(`^Signature type: ${OPENSSL_SIGNATURE_TYPE[cell.auth]}$`, 'm'), detail);
    assertTraceHellos(facts, cell, detail);
    assert.equal(facts.alpn, cell.alpn ? ALPN : undefined, detail);
    assert.deepEqual(server.clientErrors, []);
    const ours = seen[0]!;
    assertOurs(ours, cell, ALPN, detail);
    assert.equal(facts.serverScheme, ours.connection.negotiated.ourSignatureScheme, detail);
    if (cell.clientAuth !== 'none') assert.equal(facts.clientScheme, ours.connection.negotiated.peerSignatureScheme, detail);
  },

  async 'gnutls-cli'(t, cell) {
    const data = payload(cell);
    const seen: TLSSocket[] = [];
    const server = await startTlsglassServer(t, ourServerOptions(cell, ALPN), echoExactly(data.length, seen));
    const groups: Group[] = cell.firstShare ? [cell.firstShare, cell.group] : [cell.group];
    const args = ['-d', '4', '--x509cafile', pki.ca, '--sni-hostname', 'localhost', '--verify-hostname', 'localhost', '--priority', gnutlsPriority(cell, groups)];
    const id = clientIdentity(cell.clientAuth);
    if (id) args.push('--x509certfile', id.cert, '--x509keyfile', id.key);
    if (cell.alpn) args.push('--alpn', ALPN);
    const run = await runGnutlsClient(t, server.port, args, data);
    assert.equal(run.code, 0, run.report);
    const { info, data: back } = splitGnutlsClientOutput(run.stdout);
    assert.equal(sha256(back), sha256(data), run.report);
    const theirs = parseGnutls(info);
    const detail = `${theirs.description}\n${run.report.slice(-3000)}`;
    assert.equal(theirs.protocol, 'TLS1.3', detail);
    assert.equal(theirs.kx, gnutlsKx(cell.group), detail);
    assert.match(theirs.signature ?? '', GNUTLS_SIGNATURE[cell.auth], detail);
    assert.equal(theirs.cipher, GNUTLS_CIPHER[cell.suite], detail);
    assert.equal(theirs.alpn, cell.alpn ? ALPN : undefined, detail);
    assert.equal(gnutlsSawRetry(run.stderr), cell.firstShare !== undefined, `HelloRetryRequest in gnutls-cli's log\n${detail}`);
    assert.deepEqual(server.clientErrors, []);
    assertOurs(seen[0]!, cell, ALPN, detail);
  },

  /** -v: the protocol and suite, ALPN, and each ClientHello it sends (two = it got a HelloRetryRequest). */
  async curl(t, cell) {
    const seen: TLSSocket[] = [];
    const server = await startTlsglassServer(t, ourServerOptions(cell, 'http/1.1'), httpEcho(seen));
    const args = ['-v', '--http1.1', '--tlsv1.3', '--tls-max', '1.3', '--cacert', pki.ca, '--tls13-ciphers', cell.suite, '--curves', clientGroups(cell)];
    const id = clientIdentity(cell.clientAuth);
    if (id) args.push('--cert', id.cert, '--key', id.key);
    if (!cell.alpn) args.push('--no-alpn');
    let expected: Buffer = GREETING;
    if (cell.bulk) {
      expected = payload(cell);
      const file = join(dir, `curl-body-${cell.suite}-${cell.auth}`);
      writeFileSync(file, expected);
      args.push('--data-binary', `@${file}`, '-H', 'Content-Type: application/octet-stream');
    }
    const run = await runCurl(t, server.port, args);
    assert.equal(run.code, 0, run.report);
    assert.equal(sha256(run.stdout), sha256(expected), run.report);
    assert.match(run.stderr, new RegExp(`SSL connection using TLSv1\\.3 / ${cell.suite}`), run.report);
    const clientHellos = run.stderr.match(/TLSv1\.3 \(OUT\), TLS handshake, Client hello \(1\)/g)?.length ?? 0;
    assert.equal(clientHellos, cell.firstShare ? 2 : 1, `ClientHellos curl sent\n${run.report}`);
    if (cell.alpn) assert.match(run.stderr, /ALPN[:,] server accepted (to use )?http\/1\.1/, run.report);
    assert.deepEqual(server.clientErrors, []);
    assertOurs(seen[0]!, cell, 'http/1.1', run.report);
  },

  async 'node:tls client'(t, cell) {
    const data = payload(cell);
    const seen: TLSSocket[] = [];
    const server = await startTlsglassServer(t, ourServerOptions(cell, ALPN), echoExactly(data.length, seen));
    const id = clientIdentity(cell.clientAuth);
    const { socket: transport, wire } = tappedConnection(t, server.port);
    const theirs = await nodeTlsConnect(t, {
      socket: transport,
      servername: 'localhost',
      ca: pem(pki.ca),
      minVersion: 'TLSv1.3',
      ciphers: cell.suite,
      ecdhCurve: clientGroups(cell), // OpenSSL shares only its first group
      ...(id && { cert: pem(id.cert), key: pem(id.key) }),
      ...(cell.alpn && { ALPNProtocols: [ALPN] }),
    });
    theirs.write(data);
    const back = await readExactly(theirs, data.length);
    assert.equal(sha256(back), sha256(data), 'echo');
    assert.equal(theirs.getProtocol(), 'TLSv1.3');
    assert.equal(theirs.getCipher().name, cell.suite);
    assert.deepEqual(theirs.getEphemeralKeyInfo(), KEY_INFO[cell.group]);
    assert.equal(theirs.alpnProtocol, cell.alpn ? ALPN : false);
    assert.equal(theirs.authorized, true, String(theirs.authorizationError));
    // node:tls's own ClientHellos as they crossed the wire: one share, for its first group (then the group we asked for).
    const facts = wireFacts(wire);
    assertTraceHellos(facts, cell, JSON.stringify(facts));
    const ours = seen[0]!;
    assertOurs(ours, cell, ALPN, 'our server');
    assert.deepEqual(ours.exportKeyingMaterial(32, 'EXPERIMENTAL interop', CONTEXT), theirs.exportKeyingMaterial(32, 'EXPERIMENTAL interop', CONTEXT));
    assert.deepEqual(ours.getFinished(), theirs.getPeerFinished());
    assert.deepEqual(ours.getPeerFinished(), theirs.getFinished());
    theirs.end();
  },
};

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---- known deviations (reported as TODO, so they show in every run until fixed) --------------------

/** Cells that fail because of a known bug in the core; the text says which. */
function knownIssue(_cell: Cell): string | undefined {
  return undefined;
}

// ---- the tests -----------------------------------------------------------------------------------

describe('TLS 1.3 interop matrix', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tlsglass-matrix13-'));
    pki = writePkiFiles(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const peer of PEERS) {
    const skip = peer.binary ? peerMissing(peer.binary) : false;
    describe(`${peer.name} ↔ tlsglass ${peer.role} (TLS 1.3)`, () => {
      for (const cell of matrix().filter((c) => c.peer === peer.name)) {
        const todo = knownIssue(cell);
        test(cellName(cell), { skip, timeout: PEER_TIMEOUT_MS * 2, ...(todo && { todo }) }, (t) => runners[cell.peer](t, cell));
      }
    });
  }
});
