/**
 * TLS 1.3 over the RFC 7919 finite-field groups, in memory (RFC 8446 §4.2.7, §4.2.8.1, §7.4.1).
 *
 * The server takes ffdhe2048/3072/4096 by default after the ECDHE groups; the client offers them
 * for TLS 1.3 only when `ecdhCurve` names them. Shares are Y left-padded to |p| bytes and must be
 * exactly that long and in 1 < Y < p − 1 (illegal_parameter otherwise, from either side), and the
 * shared secret Z keeps its leading zero bytes in TLS 1.3 (TLS 1.2 strips them). The padding is
 * tested deterministically: fixed private exponents chosen so that Z starts with a zero byte.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { ServerSessionStore } from '../../src/session/server-store.js';
import { FfdheShare, nodeKeyExchange } from '../../src/crypto/node/key-exchange.js';
import { FFDHE2048_P, ffdheParams } from '../../src/crypto/ffdhe-groups.js';
import { respondWithNewShare, type CryptoProvider, type KeyShare } from '../../src/crypto/provider.js';
import type { ClientOptions, ServerOptions } from '../../src/config.js';
import { readClientHello } from '../../src/messages/client-hello.js';
import { readServerHello } from '../../src/messages/server-hello.js';
import { AlertDescription, ExtensionType, NamedGroup } from '../../src/messages/enums.js';
import { findExtension } from '../../src/messages/extensions/index.js';
import { readU16ListExtension } from '../../src/messages/extensions/simple.js';
import { readKeyShareClient, readKeyShareServer } from '../../src/messages/extensions/tls13.js';
import { isFfdhe } from '../../src/handshake/negotiation.js';
import { ecdheClient } from '../../src/handshake/tls12-key-exchange/ecdhe.js';
import { testPki } from '../helpers/pki.js';
import { runPair, pump, plainAlert } from '../helpers/pair.js';

const pki = testPki();
const server = (extra: ServerOptions = {}): ServerOptions => ({
  cert: [pki.serverRsa.certPem, pki.serverEcdsa.certPem],
  key: [pki.serverRsa.keyPem, pki.serverEcdsa.keyPem],
  ca: pki.ca.certPem,
  ...extra,
});
const client = (extra: ClientOptions = {}): ClientOptions => ({ servername: 'localhost', ca: pki.ca.certPem, ...extra });
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The handshake message bodies in a plaintext record holding one message (ClientHello, ServerHello). */
const body = (record: Uint8Array): Uint8Array => record.subarray(9);
const helloOf = (record: Uint8Array) => readClientHello(body(record));
const supportedGroups = (record: Uint8Array): number[] => readU16ListExtension(findExtension(helloOf(record).extensions, ExtensionType.supported_groups)!, 'supported_groups');
const clientShares = (record: Uint8Array) => readKeyShareClient(findExtension(helloOf(record).extensions, ExtensionType.key_share)!);
const serverShare = (record: Uint8Array) => readKeyShareServer(findExtension(readServerHello(body(record)).extensions, ExtensionType.key_share)!);

/** A 224-bit private exponent named by a label (what OpenSSL uses for ffdhe2048 is 225 bits). */
const exponent = (label: string): Uint8Array => createHash('sha256').update(label).digest().subarray(0, 28);

/** node:crypto, except that FFDHE shares use fixed exponents (a list, one per share made). */
function fixedFfdhe(labels: string[]): CryptoProvider {
  return {
    ...nodeCryptoProvider,
    keyExchange: {
      groups: nodeKeyExchange.groups,
      respond(group, peer) {
        return respondWithNewShare(this, group, peer);
      },
      generate(group): KeyShare {
        if (!isFfdhe(group)) return nodeCryptoProvider.keyExchange.generate(group);
        return new FfdheShare(ffdheParams(group)!, exponent(labels.shift()!));
      },
    },
  };
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

const P = (group: number): Uint8Array => ffdheParams(group as NamedGroup)!.p;
function minusOne(p: Uint8Array): Uint8Array {
  const out = p.slice();
  out[out.length - 1]! -= 1; // every RFC 7919 prime ends in 0xff
  return out;
}
function padded(size: number, ...tail: number[]): Uint8Array {
  const out = new Uint8Array(size);
  out.set(tail, size - tail.length);
  return out;
}

describe('TLS 1.3 FFDHE: negotiation', () => {
  test('a client with ecdhCurve ffdhe2048 against a default server: one round trip, 256-byte shares both ways', () => {
    const r = runPair(server(), client({ ecdhCurve: 'ffdhe2048' }));
    assert.equal(r.clientError ?? r.serverError, undefined, String(r.clientError ?? r.serverError));
    for (const side of [r.client, r.server]) {
      assert.equal(side.protocol, 'TLSv1.3');
      assert.equal(side.negotiated.group, NamedGroup.ffdhe2048);
      assert.equal(side.negotiated.helloRetry, false);
      assert.deepEqual(side.ephemeralKeyInfo, { type: 'DH', size: 2048 }, 'as node:tls reports a DH group');
    }
    assert.deepEqual(supportedGroups(r.wire.toServer[0]!), [NamedGroup.ffdhe2048]);
    const [share] = clientShares(r.wire.toServer[0]!);
    assert.equal(share!.group, NamedGroup.ffdhe2048);
    assert.equal(share!.keyExchange.length, 256);
    assert.equal(serverShare(r.wire.toClient[0]!).keyExchange.length, 256);
    r.client.write(text('ping'));
    r.server.write(text('pong'));
    pump(r);
    assert.deepEqual(r.client.exportKeyingMaterial(32, 'EXPERIMENTAL x', text('c')), r.server.exportKeyingMaterial(32, 'EXPERIMENTAL x', text('c')));
    assert.equal(r.clientError ?? r.serverError, undefined);
  });

  test('HelloRetryRequest to ffdhe3072: the client listed it but shared X25519', () => {
    const r = runPair(server({ ecdhCurve: 'ffdhe3072' }), client({ ecdhCurve: 'X25519:ffdhe3072' }));
    assert.equal(r.clientError ?? r.serverError, undefined, String(r.clientError ?? r.serverError));
    assert.equal(r.client.negotiated.helloRetry, true);
    assert.equal(r.server.negotiated.helloRetry, true);
    assert.equal(r.client.negotiated.group, NamedGroup.ffdhe3072);
    assert.equal(r.server.negotiated.group, NamedGroup.ffdhe3072);
    assert.deepEqual(r.client.ephemeralKeyInfo, { type: 'DH', size: 3072 });
    // First ClientHello: X25519 only; second: exactly one share, 384 bytes of ffdhe3072.
    assert.deepEqual(clientShares(r.wire.toServer[0]!).map((s) => s.group), [NamedGroup.x25519]);
    const second = r.wire.toServer.find((rec, i) => i > 0 && rec[0] === 22)!;
    const shares = clientShares(second);
    assert.deepEqual(shares.map((s) => [s.group, s.keyExchange.length]), [[NamedGroup.ffdhe3072, 384]]);
  });

  test('resumption (psk_dhe_ke) with a fresh FFDHE exchange, after a HelloRetryRequest', () => {
    const sessionStore = new ServerSessionStore(nodeCryptoProvider);
    const first = runPair(server({ sessionStore }), client({ ecdhCurve: 'ffdhe2048' }));
    first.server.write(text('x'));
    pump(first);
    const session = first.clientEvents.find((e) => e.type === 'session')?.session;
    assert.ok(session, 'a session event');
    const r = runPair(server({ sessionStore, ecdhCurve: 'ffdhe3072' }), client({ ecdhCurve: 'X25519:ffdhe3072', session }));
    assert.equal(r.clientError ?? r.serverError, undefined, String(r.clientError ?? r.serverError));
    assert.equal(r.client.negotiated.resumed, true);
    assert.equal(r.client.negotiated.helloRetry, true);
    assert.equal(r.server.negotiated.group, NamedGroup.ffdhe3072);
  });

  test('the server takes a share the client sent over a group it prefers but would need a retry for', () => {
    const r = runPair(server({ ecdhCurve: 'ffdhe2048:X25519' }), client({ ecdhCurve: 'X25519:ffdhe2048' }));
    assert.equal(r.server.negotiated.group, NamedGroup.x25519);
    assert.equal(r.server.negotiated.helloRetry, false);
    const s = runPair(server(), client({ ecdhCurve: 'ffdhe4096:X25519' }));
    assert.equal(s.server.negotiated.group, NamedGroup.ffdhe4096, 'the only share sent, though the server prefers X25519');
    assert.equal(s.client.negotiated.helloRetry, false);
  });

  test('the client offers FFDHE for TLS 1.3 only when ecdhCurve names it (or DHE suites list it for TLS 1.2)', () => {
    const plain = runPair(server(), client());
    assert.deepEqual(supportedGroups(plain.wire.toServer[0]!), [NamedGroup.X25519MLKEM768, NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1]);
    assert.equal(plain.client.negotiated.group, NamedGroup.X25519MLKEM768);
    // A server that takes only FFDHE has nothing in common with a default client.
    const none = runPair(server({ ecdhCurve: 'ffdhe2048' }), client());
    assert.equal(none.serverError?.alert, AlertDescription.handshake_failure);
    assert.match(none.serverError!.message, /no key exchange group in common/);
    const listed = runPair(server(), client({ ecdhCurve: 'X25519:ffdhe2048' }));
    assert.deepEqual(supportedGroups(listed.wire.toServer[0]!), [NamedGroup.x25519, NamedGroup.ffdhe2048]);
    assert.deepEqual(clientShares(listed.wire.toServer[0]!).map((s) => s.group), [NamedGroup.x25519]);
    // supported_groups serves both versions (RFC 8446 §4.2.7): groups listed for TLS 1.2 DHE can be asked for.
    const dhe = runPair(server({ ecdhCurve: 'ffdhe2048' }), client({ ciphers: 'DHE' }));
    assert.equal(dhe.clientError ?? dhe.serverError, undefined, String(dhe.clientError ?? dhe.serverError));
    assert.equal(dhe.client.protocol, 'TLSv1.3');
    assert.equal(dhe.client.negotiated.helloRetry, true);
    assert.equal(dhe.client.negotiated.group, NamedGroup.ffdhe2048);
  });

  test('TLS 1.2 is unchanged: ECDHE never takes an FFDHE group, DHE still uses it', () => {
    const ecdhe = runPair(server(), client({ maxVersion: 'TLSv1.2', ecdhCurve: 'ffdhe2048:X25519' }));
    assert.equal(ecdhe.clientError ?? ecdhe.serverError, undefined, String(ecdhe.clientError ?? ecdhe.serverError));
    assert.equal(ecdhe.client.protocol, 'TLSv1.2');
    assert.equal(ecdhe.client.negotiated.suite?.kx, 'ECDHE');
    assert.equal(ecdhe.client.negotiated.group, NamedGroup.x25519);
    const dhe = runPair(server({ ciphers: 'DHE', maxVersion: 'TLSv1.2' }), client({ ciphers: 'DHE', ecdhCurve: 'ffdhe3072' }));
    assert.equal(dhe.clientError ?? dhe.serverError, undefined, String(dhe.clientError ?? dhe.serverError));
    assert.equal(dhe.client.negotiated.suite?.kx, 'DHE');
    assert.equal(dhe.client.negotiated.group, NamedGroup.ffdhe3072);
  });

  test('TLS 1.2 client: an ECDHE ServerKeyExchange naming an FFDHE group we listed is illegal_parameter', () => {
    const share = nodeCryptoProvider.keyExchange.generate(NamedGroup.ffdhe2048);
    const offered = [NamedGroup.x25519, NamedGroup.ffdhe2048];
    assert.throws(
      () => ecdheClient(nodeCryptoProvider, { kind: 'ecdhe', namedCurve: NamedGroup.ffdhe2048, publicKey: share.publicKey }, offered),
      (e: { alert?: number; message?: string }) => e.alert === AlertDescription.illegal_parameter && /not offer as an elliptic curve/.test(e.message ?? ''),
    );
  });
});

describe('TLS 1.3 FFDHE: peer values (RFC 8446 §4.2.8.1: illegal_parameter)', () => {
  const p = P(NamedGroup.ffdhe2048);
  const cases: Array<[string, (group: number) => Uint8Array]> = [
    ['Y = 0', (g) => padded(P(g).length, 0)],
    ['Y = 1', (g) => padded(P(g).length, 1)],
    ['Y = p − 1', (g) => minusOne(P(g))],
    ['Y = p', (g) => P(g)],
    ['a minimal encoding (255 bytes)', (g) => new Uint8Array(P(g).length - 1).fill(0x42)],
    ['one byte too long (257 bytes)', (g) => padded(P(g).length + 1, 2)],
    ['an empty share', () => new Uint8Array(0)],
  ];
  assert.equal(p.length, 256);
  for (const [what, value] of cases) {
    test(`${what} from the client: the server sends illegal_parameter`, () => {
      const r = runPair(server(), client({ ecdhCurve: 'ffdhe2048', provider: withBadShare(value) }));
      assert.equal(r.serverError?.alert, AlertDescription.illegal_parameter, String(r.serverError));
      assert.match(r.serverError!.message, /invalid client key share|empty key share/);
      assert.deepEqual(r.wire.toClient.at(-1), plainAlert(AlertDescription.illegal_parameter));
    });
    test(`${what} from the server: the client sends illegal_parameter`, () => {
      const r = runPair(server({ provider: withBadShare(value) }), client({ ecdhCurve: 'ffdhe2048' }));
      assert.equal(r.clientError?.alert, AlertDescription.illegal_parameter, String(r.clientError));
      assert.match(r.clientError!.message, /invalid server key share|empty key share/);
      assert.deepEqual(r.wire.toServer.at(-1), plainAlert(AlertDescription.illegal_parameter));
    });
  }
});

describe('TLS 1.3 FFDHE: Z keeps its leading zeros (RFC 8446 §7.4.1)', () => {
  // Found by search: with these exponents Z = g^(ab) mod p begins with a zero byte (1 pair in 256).
  const CLIENT = 'tlsglass ffdhe client';
  const SERVER = 'tlsglass ffdhe server 857';

  test('the known pair: Z is 256 bytes with a leading zero, the same both ways and equal to g^(ab) mod p', () => {
    const params = ffdheParams(NamedGroup.ffdhe2048)!;
    const a = new FfdheShare(params, exponent(CLIENT));
    const b = new FfdheShare(params, exponent(SERVER));
    const z = a.deriveSecret(b.publicKey);
    assert.equal(z.length, 256);
    assert.equal(z[0], 0);
    assert.equal(hex(b.deriveSecret(a.publicKey)), hex(z));
    const big = (x: Uint8Array): bigint => BigInt(`0x${hex(x)}`);
    assert.equal(big(z), modPow(2n, big(exponent(CLIENT)) * big(exponent(SERVER)), big(FFDHE2048_P)));
  });

  test('the handshake secrets are derived from the 256-byte Z, not the stripped one', () => {
    const r = runPair(
      server({ provider: fixedFfdhe([SERVER]) }),
      client({ ecdhCurve: 'ffdhe2048', ciphers: 'TLS_AES_128_GCM_SHA256', provider: fixedFfdhe([CLIENT]) }),
    );
    assert.equal(r.clientError ?? r.serverError, undefined, String(r.clientError ?? r.serverError));
    const z = new FfdheShare(ffdheParams(NamedGroup.ffdhe2048)!, exponent(CLIENT)).deriveSecret(new FfdheShare(ffdheParams(NamedGroup.ffdhe2048)!, exponent(SERVER)).publicKey);
    assert.equal(z[0], 0);
    // RFC 8446 §7.1, computed here with node:crypto HMAC: the client handshake traffic secret over ClientHello‖ServerHello.
    const th = createHash('sha256').update(r.wire.toServer[0]!.subarray(5)).update(r.wire.toClient[0]!.subarray(5)).digest();
    const expected = clientHandshakeTrafficSecret(z, th);
    const stripped = clientHandshakeTrafficSecret(z.subarray(1), th);
    const logged = (events: typeof r.clientEvents): string | undefined =>
      events.flatMap((e) => (e.type === 'keylog' && e.line.startsWith('CLIENT_HANDSHAKE_TRAFFIC_SECRET ') ? [e.line.split(' ')[2]!] : []))[0];
    assert.equal(logged(r.clientEvents), hex(expected));
    assert.equal(logged(r.serverEvents), hex(expected));
    assert.notEqual(hex(stripped), hex(expected));
  });
});

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  base %= mod;
  for (; exp > 0n; exp >>= 1n) {
    if (exp & 1n) result = (result * base) % mod;
    base = (base * base) % mod;
  }
  return result;
}

/** RFC 8446 §7.1 and §7.3 with SHA-256 and no PSK, straight from HMAC. */
function clientHandshakeTrafficSecret(sharedSecret: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
  const hmac = (key: Uint8Array, data: Uint8Array): Uint8Array => new Uint8Array(createHmac('sha256', key).update(data).digest());
  const expandLabel = (secret: Uint8Array, label: string, context: Uint8Array): Uint8Array => {
    const full = Buffer.from(`tls13 ${label}`);
    const info = Buffer.concat([Buffer.from([0, 32, full.length]), full, Buffer.from([context.length]), context, Buffer.from([1])]);
    return hmac(secret, info); // one block: HKDF-Expand for 32 bytes
  };
  const zeros = new Uint8Array(32);
  const early = hmac(zeros, zeros);
  const derived = expandLabel(early, 'derived', createHash('sha256').digest());
  const handshake = hmac(derived, sharedSecret);
  return expandLabel(handshake, 'c hs traffic', transcriptHash);
}
