/**
 * tlsglass's own mutational fuzzer (issue #6 item 3; libFuzzer-style engines do not load here,
 * security.md §1.8).
 *
 * Seeds: the records one side received in real in-memory handshakes (client and server targets,
 * TLS 1.2 and 1.3, with and without mutual TLS), recorded with deterministic randomness and
 * memoized signatures, so that a fresh target replays the exact same handshake and the peer's
 * later, encrypted flights stay valid for it. Seeds are kept structured: the peer's stream as
 * units (handshake messages, CCS, alerts, application data) with the epoch each was protected in.
 *
 * Mutations work at two levels: on units, which are then re-framed and re-sealed with the right
 * keys (bit flips, byte insert/delete/duplicate, length-field tweaks, truncation, dropping,
 * duplicating and swapping messages, content-type and epoch changes, splicing messages from other
 * seeds, fragmenting messages across records, coalescing records, empty records), and on the
 * final wire bytes (bit flips, insert/delete, record-header tweaks, record splitting, truncation).
 * Each input goes to a fresh ServerConnection or ClientConnection, cut into random chunks.
 *
 * The oracle (security.md R1): receive() may only throw a TlsError; a local failure must carry a
 * valid alert that is not internal_error (the core maps any stray exception to internal_error,
 * so an internal_error IS a crash); the alert must be the last record sent; after a failure the
 * connection stays failed (same error, no more bytes, not established); no input may take more
 * than HANG_MS of wall time.
 *
 * Coverage: V8 precise block coverage through node:inspector (Profiler.takePreciseCoverage after
 * every execution, counters reset each time). An input that reaches a new (script, range, hit-count
 * bucket) under dist/src joins the corpus.
 */
import { createECDH, createHash, createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { Session } from 'node:inspector';
import { ClientConnection, ServerConnection, type Connection } from '../../src/connection/connection.js';
import type { ClientOptions, ServerOptions } from '../../src/config.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { nodeKeyExchange } from '../../src/crypto/node/key-exchange.js';
import { InvalidPublicKey, type CryptoProvider, type KeyShare, type PrivateKey, respondWithNewShare } from '../../src/crypto/provider.js';
import { PeerAlert, TlsError } from '../../src/errors.js';
import { AlertDescription, ContentType, NamedGroup, nameOf } from '../../src/messages/enums.js';
import { HostileDriver } from '../helpers/hostile-driver.js';
import { StreamSealer, concatBytes, type Side, type Unit } from '../helpers/hostile-wire.js';
import { scriptedProvider } from '../helpers/scripted-provider.js';
import { testPki } from '../helpers/pki.js';

export interface FuzzOptions {
  readonly seconds: number;
  readonly seed: number;
  /** Track V8 coverage (default true). */
  readonly coverage?: boolean;
  /** Called with progress lines (default: none). */
  readonly log?: (line: string) => void;
}

export interface Crash {
  readonly kind: string;
  readonly signature: string;
  readonly message: string;
  readonly target: string;
  /** The input, hex. */
  readonly input: string;
}

export interface FuzzReport {
  readonly executions: number;
  readonly seconds: number;
  readonly crashes: readonly Crash[];
  readonly corpusSize: number;
  readonly coverageKeys: number;
  readonly targets: number;
  readonly outcomes: Record<string, number>;
  /** Seeds replayed unmutated: how many reached the established state (should be all). */
  readonly seedsEstablished: number;
}

const HANG_MS = 2000;
const VALID_ALERTS = new Set<number>(Object.values(AlertDescription));

// ---- deterministic randomness --------------------------------------------------------------------

export class Prng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 0x9e3779b9;
  }
  /** mulberry32 */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

// ---- providers: deterministic replays --------------------------------------------------------------

/** Signatures memoized by (key, scheme, data): ECDSA and RSA-PSS are randomized, replays must not be. */
const signatureMemo = new Map<string, Uint8Array>();
function memoizedKey(id: string, key: PrivateKey): PrivateKey {
  return new Proxy(key, {
    get(target, prop) {
      if (prop === 'sign') {
        return (scheme: number, data: Uint8Array): Uint8Array => {
          const k = `${id}|${scheme}|${createHash('sha256').update(data).digest('hex')}`;
          let sig = signatureMemo.get(k);
          if (!sig) {
            sig = target.sign(scheme, data);
            signatureMemo.set(k, sig);
          }
          return sig;
        };
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/**
 * scriptedProvider (seeded randomness, X25519 from it) plus deterministic P-256 shares and
 * memoized signatures. Other groups fall back to node:crypto.
 */
/**
 * A deterministic X25519 share from 32 seeded bytes, with the checks of the production share
 * (src/crypto/node/key-exchange.ts: exactly 32 bytes, low-order points refused by OpenSSL, an
 * all-zero result refused). Private keys and peer keys are cached by their bytes (speed only).
 */
const x25519Keys = new Map<string, { priv: KeyObject; pub: Uint8Array }>();
const x25519Peers = new Map<string, KeyObject>();
function x25519From(secret: Uint8Array): KeyShare {
  const id = Buffer.from(secret).toString('hex');
  let k = x25519Keys.get(id);
  if (!k) {
    const priv = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), secret]), format: 'der', type: 'pkcs8' });
    k = { priv, pub: Uint8Array.from(Buffer.from(createPublicKey(priv).export({ format: 'jwk' }).x!, 'base64url')) };
    x25519Keys.set(id, k);
  }
  const { priv, pub } = k;
  let used = false;
  return {
    group: NamedGroup.x25519,
    publicKey: pub,
    deriveSecret(peer: Uint8Array): Uint8Array {
      if (used) throw new Error('ephemeral key share already used');
      if (peer.length !== 32) throw new InvalidPublicKey(`X25519 share must be 32 bytes, got ${peer.length}`);
      const pid = Buffer.from(peer).toString('hex');
      let z: Buffer;
      try {
        let pk = x25519Peers.get(pid);
        if (!pk) {
          pk = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peer).toString('base64url') }, format: 'jwk' });
          if (x25519Peers.size < 10_000) x25519Peers.set(pid, pk);
        }
        z = diffieHellman({ privateKey: priv, publicKey: pk });
      } catch (cause) {
        throw new InvalidPublicKey('X25519 derivation failed (low-order point)', { cause });
      }
      if (z.every((b) => b === 0)) throw new InvalidPublicKey('X25519 shared secret is all zero');
      used = true;
      return new Uint8Array(z);
    },
  };
}

const keyCache = new Map<string, PrivateKey>();
const spkiCache = new Map<string, ReturnType<CryptoProvider['signatures']['publicKeyFromSpki']>>();
function deterministicProvider(seed: string): CryptoProvider {
  const base = scriptedProvider(seed);
  return {
    ...base,
    keyExchange: {
      groups: nodeKeyExchange.groups,
      respond(group, peer) {
        return respondWithNewShare(this, group, peer);
      },
      generate(group): KeyShare {
        if (group === NamedGroup.x25519) return x25519From(base.random.bytes(32));
        if (group === NamedGroup.secp256r1) {
          const ecdh = createECDH('prime256v1');
          ecdh.setPrivateKey(base.random.bytes(32));
          return {
            group,
            publicKey: new Uint8Array(ecdh.getPublicKey()),
            deriveSecret(peer: Uint8Array): Uint8Array {
              if (peer.length !== 65 || peer[0] !== 4) throw new InvalidPublicKey('P-256 share must be an uncompressed point');
              try {
                return new Uint8Array(ecdh.computeSecret(peer));
              } catch (e) {
                throw new InvalidPublicKey(String(e));
              }
            },
          };
        }
        return nodeCryptoProvider.keyExchange.generate(group);
      },
    },
    signatures: {
      ...base.signatures,
      loadPrivateKey(key, passphrase) {
        const id = typeof key === 'string' ? key : Buffer.from(key).toString('base64');
        let k = keyCache.get(id);
        if (!k) {
          k = memoizedKey(id, base.signatures.loadPrivateKey(key, passphrase));
          keyCache.set(id, k);
        }
        return k;
      },
      // Parsed public keys are immutable: share them between executions (speed only).
      publicKeyFromSpki(spki) {
        const id = Buffer.from(spki).toString('base64');
        let k = spkiCache.get(id);
        if (!k) {
          k = base.signatures.publicKeyFromSpki(spki);
          spkiCache.set(id, k);
        }
        return k;
      },
    },
  };
}

// ---- targets and seeds ---------------------------------------------------------------------------------

export interface Target {
  readonly name: string;
  readonly side: Side;
  readonly version: '1.2' | '1.3';
  readonly options: (provider: CryptoProvider) => { server: ServerOptions; client: ClientOptions };
  readonly providerSeed: string;
}

interface Seed {
  readonly target: Target;
  /** The peer's stream as the target received it. */
  readonly units: readonly FuzzUnit[];
  /** Builds a sealer for the peer's epochs (fresh sequence numbers). */
  readonly sealer: () => StreamSealer;
}

interface FuzzUnit extends Unit {
  /** Append to the previous record when it has the same type and epoch. */
  readonly join: boolean;
  /** Split this unit's body into separate records at these offsets. */
  readonly cuts?: readonly number[];
  /** Empty records (of this unit's type and epoch) sent before it. */
  readonly emptyBefore?: number;
}

type Input = { kind: 'units'; seed: Seed; units: FuzzUnit[]; chunking: number } | { kind: 'raw'; seed: Seed; bytes: Uint8Array; chunking: number };

function targets(): Target[] {
  const pki = testPki();
  const out: Target[] = [];
  for (const side of ['server', 'client'] as const) {
    for (const version of ['1.2', '1.3'] as const) {
      for (const mtls of [false, true]) {
        const v = version === '1.2' ? 'TLSv1.2' : 'TLSv1.3';
        out.push({
          name: `${side} TLS ${version}${mtls ? ' mTLS' : ''}`,
          side,
          version,
          providerSeed: `fuzz/${side}/${version}/${mtls}`,
          options: (provider) => ({
            server: {
              provider,
              cert: pki.serverEcdsa.certPem,
              key: pki.serverEcdsa.keyPem,
              ca: pki.ca.certPem,
              minVersion: v,
              maxVersion: v,
              requestCert: mtls,
              ecdhCurve: 'X25519:P-256',
              // Fixed ticket keys so that tickets (when the core issues them) do not depend on fresh randomness.
              ticketKeys: new Uint8Array(48).fill(7),
            } as ServerOptions,
            client: {
              provider,
              servername: 'localhost',
              ca: pki.ca.certPem,
              minVersion: v,
              maxVersion: v,
              ecdhCurve: 'X25519:P-256',
              ...(mtls && { cert: pki.clientEcdsa.certPem, key: pki.clientEcdsa.keyPem }),
            },
          }),
        });
      }
    }
  }
  return out;
}

/**
 * Records a seed: the target runs with its deterministic provider against a peer with another;
 * what the peer sent (decoded to units) is the seed. Replaying it into a fresh target with a fresh
 * provider of the same seed string reproduces the handshake exactly.
 */
function recordSeed(target: Target): Seed {
  const targetProvider = deterministicProvider(target.providerSeed);
  const peerProvider = deterministicProvider(`${target.providerSeed}/peer`);
  const t = target.options(targetProvider);
  const p = target.options(peerProvider);
  const d = new HostileDriver({ sut: target.side, server: target.side === 'server' ? t.server : p.server, client: target.side === 'client' ? t.client : p.client });
  const err = d.finish();
  if (err !== undefined) throw new Error(`recording ${target.name} failed: ${String(err)}`);
  // One application-data record from the peer too, so the traffic state gets fuzzed.
  d.peer.write(new TextEncoder().encode('fuzz seed application data'));
  d.shuttle();
  const units: FuzzUnit[] = [...d.delivered, ...d.queue].map((u) => ({ ...u, join: false }));
  const peerConn = d.peer;
  const keylog = d.keylog;
  const peerSide: Side = target.side === 'server' ? 'client' : 'server';
  return { target, units, sealer: () => new StreamSealer(peerSide, () => peerConn, keylog) };
}

/** Frames and seals units into the wire bytes the target receives. */
function serialize(seed: Seed, units: readonly FuzzUnit[]): Uint8Array {
  const sealer = seed.sealer();
  const records: Uint8Array[] = [];
  let open: { type: number; epoch: number; parts: Uint8Array[]; size: number } | undefined;
  const seal = (type: number, body: Uint8Array, epoch: number): void => {
    try {
      records.push(sealer.seal(type, body, epoch));
    } catch {
      // No keys for that epoch (or a body too large to seal): send it in the clear instead.
      records.push(plain(type, body));
    }
  };
  const flush = (): void => {
    if (open) seal(open.type, concatBytes(open.parts), open.epoch);
    open = undefined;
  };
  for (const u of units) {
    for (let i = 0; i < (u.emptyBefore ?? 0); i++) {
      flush();
      seal(u.type, new Uint8Array(0), u.epoch);
    }
    const body = u.body;
    if (body.length > 16384 && !(u.cuts && u.cuts.length > 0)) {
      // Larger than one record: fragment it (handshake messages may span records).
      flush();
      for (let off = 0; off < body.length; off += 16384) seal(u.type, body.subarray(off, off + 16384), u.epoch);
      continue;
    }
    if (u.cuts && u.cuts.length > 0) {
      flush();
      let prev = 0;
      for (const c of [...u.cuts, body.length]) {
        const at = Math.min(Math.max(c, prev), body.length);
        if (at > prev || (prev === 0 && at === 0 && body.length === 0)) seal(u.type, body.subarray(prev, at), u.epoch);
        prev = at;
      }
      continue;
    }
    if (u.join && open && open.type === u.type && open.epoch === u.epoch && open.size + body.length <= 16384) {
      open.parts.push(body);
      open.size += body.length;
      continue;
    }
    flush();
    open = { type: u.type, epoch: u.epoch, parts: [body], size: body.length };
  }
  flush();
  return concatBytes(records);
}

function plain(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out.set([type & 0xff, 3, 3, (body.length >> 8) & 0xff, body.length & 0xff]);
  out.set(body, 5);
  return out;
}

// ---- mutations -------------------------------------------------------------------------------------

function mutateBytes(rng: Prng, b: Uint8Array): Uint8Array {
  const a = Array.from(b);
  switch (rng.int(9)) {
    case 0: // bit flip
      if (a.length) a[rng.int(a.length)]! ^= 1 << rng.int(8);
      break;
    case 1: // random byte
      if (a.length) a[rng.int(a.length)] = rng.int(256);
      break;
    case 2: // interesting byte
      if (a.length) a[rng.int(a.length)] = rng.pick([0, 1, 0x7f, 0x80, 0xff, 0xfe]);
      break;
    case 3: // insert bytes
      a.splice(rng.int(a.length + 1), 0, ...rng.bytes(1 + rng.int(8)));
      break;
    case 4: // delete bytes
      if (a.length) a.splice(rng.int(a.length), 1 + rng.int(8));
      break;
    case 5: {
      // duplicate a range
      if (!a.length) break;
      const from = rng.int(a.length);
      const len = 1 + rng.int(Math.min(32, a.length - from));
      a.splice(rng.int(a.length + 1), 0, ...a.slice(from, from + len));
      break;
    }
    case 6: {
      // length-field tweak: a 1-, 2- or 3-byte big-endian integer somewhere
      const width = 1 + rng.int(3);
      if (a.length < width) break;
      const at = rng.int(a.length - width + 1);
      let v = 0;
      for (let i = 0; i < width; i++) v = (v << 8) | a[at + i]!;
      const max = 2 ** (8 * width) - 1;
      v = rng.pick([v + 1, v - 1, v + 2, v - 2, 0, max, v + 1 + rng.int(300), Math.floor(v / 2), v * 2]);
      v = ((v % (max + 1)) + (max + 1)) % (max + 1);
      for (let i = width - 1; i >= 0; i--) {
        a[at + i] = v & 0xff;
        v = Math.floor(v / 256);
      }
      break;
    }
    case 7: // truncate
      a.length = rng.int(a.length + 1);
      break;
    default: // zero or fill a range
      if (a.length) {
        const from = rng.int(a.length);
        a.fill(rng.chance(0.5) ? 0 : 0xff, from, from + 1 + rng.int(16));
      }
  }
  return Uint8Array.from(a);
}

/** The handshake header length of a unit, fixed up after its body changed (half the time: lengths stay consistent). */
function fixHandshakeLength(u: FuzzUnit, body: Uint8Array, rng: Prng): Uint8Array {
  if (u.type !== ContentType.handshake || body.length < 4 || rng.chance(0.5)) return body;
  const len = body.length - 4;
  const out = body.slice();
  out[1] = (len >> 16) & 0xff;
  out[2] = (len >> 8) & 0xff;
  out[3] = len & 0xff;
  return out;
}

function mutateUnits(rng: Prng, units: FuzzUnit[], seeds: readonly Seed[], seed: Seed): FuzzUnit[] {
  const us = units.slice();
  const i = rng.int(us.length);
  const u = us[i];
  switch (rng.int(13)) {
    case 0:
    case 1:
    case 2:
    case 3:
      if (u) us[i] = { ...u, body: fixHandshakeLength(u, mutateBytes(rng, u.body), rng) };
      break;
    case 4: // drop a unit
      if (us.length > 1) us.splice(i, 1);
      break;
    case 5: // duplicate a unit
      if (u) us.splice(rng.int(us.length + 1), 0, u);
      break;
    case 6: {
      // swap two units
      const j = rng.int(us.length);
      if (u && us[j]) [us[i], us[j]] = [us[j]!, u];
      break;
    }
    case 7: // content type
      if (u) us[i] = { ...u, type: rng.chance(0.8) ? rng.pick([20, 21, 22, 23]) : rng.int(256) };
      break;
    case 8: // epoch
      if (u) us[i] = { ...u, epoch: rng.int(3) };
      break;
    case 9: {
      // splice a unit from another seed of the same version
      const others = seeds.filter((s) => s.target.version === seed.target.version);
      const other = rng.pick(others);
      const v = rng.pick(other.units);
      us.splice(rng.int(us.length + 1), 0, { ...v, epoch: u?.epoch ?? v.epoch, join: false });
      break;
    }
    case 11: {
      // grow: repeat entries of a Certificate message's list, keeping every length consistent (large legal-looking messages)
      const grown = u && u.type === ContentType.handshake ? growCertificate(rng, u.body, seed.target.version) : undefined;
      if (u && grown) us[i] = { ...u, body: grown };
      break;
    }
    case 10: // fragment a unit across records
      if (u && u.body.length > 1) {
        const cuts = Array.from({ length: 1 + rng.int(4) }, () => rng.int(u.body.length + 1)).sort((a, b) => a - b);
        us[i] = { ...u, cuts };
      }
      break;
    default: // coalesce with the previous record, or empty records before
      if (u) us[i] = rng.chance(0.6) ? { ...u, join: true } : { ...u, emptyBefore: 1 + rng.int(rng.chance(0.1) ? 40 : 3) };
  }
  return us;
}

/**
 * A Certificate message (header included) with its last entry repeated n times: TLS 1.2
 * certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>; TLS 1.3 adds a request context before the
 * list and extensions after each cert_data. Undefined when the message is not a Certificate.
 */
function growCertificate(rng: Prng, raw: Uint8Array, version: '1.2' | '1.3'): Uint8Array | undefined {
  if (raw[0] !== 11 || raw.length < 8) return undefined;
  let pos = 4;
  if (version === '1.3') pos += 1 + raw[pos]!;
  if (pos + 3 > raw.length) return undefined;
  const listStart = pos + 3;
  const listEnd = listStart + ((raw[pos]! << 16) | (raw[pos + 1]! << 8) | raw[pos + 2]!);
  if (listEnd !== raw.length) return undefined;
  // Walk to the last entry.
  let at = listStart;
  let last = -1;
  while (at + 3 <= listEnd) {
    last = at;
    at += 3 + ((raw[at]! << 16) | (raw[at + 1]! << 8) | raw[at + 2]!);
    if (version === '1.3') at += 2 + ((raw[at]! << 8) | raw[at + 1]!);
  }
  if (last < 0 || at !== listEnd) return undefined;
  const entry = raw.subarray(last, listEnd);
  const times = 1 + rng.int(rng.chance(0.3) ? 600 : 40);
  const extra = Math.min(times, Math.floor((300 * 1024) / entry.length));
  // Appended: the first entry (the leaf) stays first.
  const body = concatBytes([raw.subarray(4, listEnd), ...Array.from({ length: extra }, () => entry)]);
  const listLen = listEnd - listStart + extra * entry.length;
  const out = concatBytes([Uint8Array.of(11, 0, 0, 0), body]);
  const bodyLen = out.length - 4;
  out.set([(bodyLen >> 16) & 0xff, (bodyLen >> 8) & 0xff, bodyLen & 0xff], 1);
  const lenAt = 4 + (listStart - 3 - 4);
  out.set([(listLen >> 16) & 0xff, (listLen >> 8) & 0xff, listLen & 0xff], lenAt);
  return out;
}

function mutateRaw(rng: Prng, bytes: Uint8Array): Uint8Array {
  if (rng.chance(0.6)) return mutateBytes(rng, bytes);
  // Record-level edits: find record boundaries (as framed).
  const starts: number[] = [];
  for (let pos = 0; pos + 5 <= bytes.length; pos += 5 + ((bytes[pos + 3]! << 8) | bytes[pos + 4]!)) starts.push(pos);
  if (starts.length === 0) return mutateBytes(rng, bytes);
  const at = rng.pick(starts);
  const out = bytes.slice();
  switch (rng.int(4)) {
    case 0: {
      // record length
      const len = ((out[at + 3]! << 8) | out[at + 4]!) + rng.pick([-1, 1, -16, 16, 0x4000, -0x100]);
      const v = Math.max(0, Math.min(0xffff, len));
      out[at + 3] = v >> 8;
      out[at + 4] = v & 0xff;
      return out;
    }
    case 1: // record version / type
      out[at + rng.pick([0, 1, 2])] = rng.pick([0, 1, 2, 3, 4, 20, 21, 22, 23, 24, 0x80, 0xff]);
      return out;
    case 2: {
      // split a record in two (same header fields)
      const len = (out[at + 3]! << 8) | out[at + 4]!;
      if (len < 2) return out;
      const k = 1 + rng.int(len - 1);
      const first = plainFrom(out, at, out.subarray(at + 5, at + 5 + k));
      const second = plainFrom(out, at, out.subarray(at + 5 + k, at + 5 + len));
      return concatBytes([out.subarray(0, at), first, second, out.subarray(at + 5 + len)]);
    }
    default: // truncate at a record boundary or inside one
      return out.subarray(0, rng.chance(0.5) ? at : at + rng.int(bytes.length - at + 1));
  }
}

function plainFrom(src: Uint8Array, headerAt: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out.set(src.subarray(headerAt, headerAt + 3));
  out[3] = body.length >> 8;
  out[4] = body.length & 0xff;
  out.set(body, 5);
  return out;
}

// ---- execution and oracle ---------------------------------------------------------------------------

interface ExecResult {
  readonly outcome: string;
  readonly crash?: { kind: string; message: string; signature: string };
  readonly established: boolean;
}

function chunks(rng: Prng, bytes: Uint8Array, mode: number): Uint8Array[] {
  if (mode === 0 || bytes.length < 2) return [bytes];
  if (mode === 1) {
    // one record at a time
    const out: Uint8Array[] = [];
    let pos = 0;
    while (pos + 5 <= bytes.length) {
      const end = Math.min(bytes.length, pos + 5 + ((bytes[pos + 3]! << 8) | bytes[pos + 4]!));
      out.push(bytes.subarray(pos, end));
      pos = end;
    }
    if (pos < bytes.length) out.push(bytes.subarray(pos));
    return out;
  }
  const cuts = Array.from({ length: 1 + rng.int(12) }, () => 1 + rng.int(bytes.length - 1)).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    if (c > prev) out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

function newTarget(target: Target, deterministic: boolean): Connection {
  const provider = deterministic ? deterministicProvider(target.providerSeed) : nodeCryptoProvider;
  const o = target.options(provider);
  if (target.side === 'server') return new ServerConnection(o.server);
  const c = new ClientConnection(o.client);
  c.start();
  return c;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

function stackTop(e: unknown): string {
  const stack = e instanceof Error ? (e.stack ?? '') : '';
  const line = stack.split('\n').find((l) => l.includes('/src/'));
  return line ? line.trim().replace(/^at /, '').replace(/\(.*\/dist\//, '(').replace(/:\d+\)$/, ')') : '';
}

/** Runs one input and judges it. */
function execute(target: Target, deterministic: boolean, parts: readonly Uint8Array[]): ExecResult {
  const conn = newTarget(target, deterministic);
  conn.takeOutgoing();
  conn.takeEvents();
  let error: unknown;
  let lastOut: Uint8Array[] = [];
  try {
    for (const part of parts) {
      try {
        conn.receive(part);
      } catch (e) {
        error = e;
      }
      lastOut = conn.takeOutgoing();
      conn.takeEvents();
      if (error !== undefined) break;
    }
  } catch (e) {
    // takeOutgoing/takeEvents must never throw.
    return { outcome: 'crash', established: false, crash: { kind: 'takeOutgoing/takeEvents threw', message: describeError(e), signature: `take:${describeError(e).slice(0, 80)}` } };
  }
  if (error === undefined) return { outcome: conn.isEstablished ? 'established' : 'waiting', established: conn.isEstablished };

  const crash = (kind: string, message: string, extra = ''): ExecResult => ({
    outcome: 'crash',
    established: false,
    crash: { kind, message, signature: `${kind}|${message.replace(/\d+/g, 'N').slice(0, 100)}|${extra}` },
  });
  if (!(error instanceof TlsError)) return crash('non-TlsError thrown', describeError(error), stackTop(error));
  const cause = (error as { cause?: unknown }).cause;
  if (error.code === 'ERR_TLSGLASS_INTERNAL' || error.alert === AlertDescription.internal_error) {
    return crash('internal_error (an exception escaped the checks)', `${error.message}${cause ? ` <- ${describeError(cause)}` : ''}`, stackTop(cause ?? error));
  }
  if (!(error instanceof PeerAlert)) {
    if (error.alert === undefined || !VALID_ALERTS.has(error.alert)) return crash('failure without a valid alert', `${error.name} alert=${error.alert}: ${error.message}`);
    // The alert is the last thing sent; in plaintext it is exactly 15 03 03 00 02 02 XX.
    const last = lastOut[lastOut.length - 1];
    if (!last) return crash('alert not sent', `${nameOf(AlertDescription, error.alert)}: ${error.message}`);
    // Plaintext: exactly 15 03 03 00 02 02 XX. TLS 1.2 sealed: type 21, 2 bytes + GCM (8 + 16) or ChaCha (16) overhead.
    // TLS 1.3 sealed: type 23, 2 + 1 (inner type) + 16.
    const plainOk = last.length === 7 && [21, 3, 3, 0, 2, 2, error.alert].every((b, i) => last[i] === b);
    const sealed12 = last[0] === ContentType.alert && (last.length === 5 + 8 + 2 + 16 || last.length === 5 + 2 + 16);
    const sealed13 = last[0] === ContentType.application_data && last.length === 5 + 2 + 1 + 16;
    if (!plainOk && !sealed12 && !sealed13) {
      return crash('last record is not the alert', `${Buffer.from(last.subarray(0, 8)).toString('hex')}… (${last.length} bytes) for ${nameOf(AlertDescription, error.alert)}`);
    }
  }
  if (conn.failure !== error) return crash('failure not recorded', describeError(error));
  // It stays failed: the same error again, nothing more on the wire, never established.
  try {
    conn.receive(Uint8Array.of(23, 3, 3, 0, 1, 0));
    return crash('accepted input after failing', describeError(error));
  } catch (again) {
    if (again !== error) return crash('a different error after failing', `${describeError(again)} after ${describeError(error)}`);
  }
  if (conn.takeOutgoing().length !== 0) return crash('sent bytes after failing', describeError(error));
  if (conn.isEstablished) return crash('established after failing', describeError(error));
  return { outcome: error instanceof PeerAlert ? 'peer-alert' : nameOf(AlertDescription, error.alert!), established: false };
}

// ---- coverage ------------------------------------------------------------------------------------------

class Coverage {
  readonly #session = new Session();
  readonly #seen = new Set<string>();

  constructor() {
    this.#session.connect();
    this.#session.post('Profiler.enable');
    this.#session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }

  get size(): number {
    return this.#seen.size;
  }

  /** Takes (and resets) the counters; returns how many new (range, bucket) keys the last execution reached. */
  collect(): number {
    let result: { result: Array<{ url: string; functions: Array<{ ranges: Array<{ startOffset: number; endOffset: number; count: number }> }> }> } | undefined;
    this.#session.post('Profiler.takePreciseCoverage', (err, r) => {
      if (!err) result = r as typeof result;
    });
    if (!result) return 0;
    let fresh = 0;
    for (const script of result.result) {
      const i = script.url.indexOf('/dist/src/');
      if (i < 0) continue;
      const file = script.url.slice(i + 10);
      for (const fn of script.functions) {
        for (const r of fn.ranges) {
          if (r.count === 0) continue;
          const bucket = r.count === 1 ? 1 : r.count === 2 ? 2 : r.count <= 4 ? 4 : r.count <= 16 ? 16 : r.count <= 128 ? 128 : 999;
          const key = `${file}:${r.startOffset}-${r.endOffset}:${bucket}`;
          if (!this.#seen.has(key)) {
            this.#seen.add(key);
            fresh++;
          }
        }
      }
    }
    return fresh;
  }

  stop(): void {
    this.#session.post('Profiler.stopPreciseCoverage');
    this.#session.post('Profiler.disable');
    this.#session.disconnect();
  }
}

// ---- the loop ----------------------------------------------------------------------------------------

function inputBytes(input: Input): Uint8Array {
  return input.kind === 'raw' ? input.bytes : serialize(input.seed, input.units);
}

export function fuzz(options: FuzzOptions): FuzzReport {
  const rng = new Prng(options.seed);
  const log = options.log ?? (() => {});
  const seeds = targets().map(recordSeed);
  const coverage = options.coverage === false ? undefined : new Coverage();
  const corpus: Input[] = [];
  const crashes = new Map<string, Crash>();
  const outcomes: Record<string, number> = {};
  let executions = 0;
  let seedsEstablished = 0;
  const start = Date.now();

  const run = (input: Input, deterministic: boolean): ExecResult => {
    const bytes = inputBytes(input);
    const t0 = Date.now();
    let result = execute(input.seed.target, deterministic, chunks(rng, bytes, input.chunking));
    const ms = Date.now() - t0;
    if (ms > HANG_MS && !result.crash) {
      result = { outcome: 'crash', established: false, crash: { kind: 'slow input', message: `${ms} ms`, signature: `slow|${input.seed.target.name}` } };
    }
    executions++;
    outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
    if (result.crash && !crashes.has(result.crash.signature)) {
      const c: Crash = { ...result.crash, target: input.seed.target.name, input: Buffer.from(bytes).toString('hex') };
      crashes.set(result.crash.signature, c);
      log(`CRASH [${c.target}] ${c.kind}: ${c.message}`);
    }
    return result;
  };

  // The seeds themselves: each must replay to an established connection.
  for (const seed of seeds) {
    const input: Input = { kind: 'units', seed, units: [...seed.units], chunking: 0 };
    const r = run(input, true);
    if (r.established) seedsEstablished++;
    else log(`seed ${seed.target.name} did not replay to an established connection: ${r.outcome}`);
    coverage?.collect();
    corpus.push(input);
  }

  let lastLog = Date.now();
  while (Date.now() - start < options.seconds * 1000) {
    const parent = rng.chance(0.3) ? corpus[rng.int(seeds.length)]! : rng.pick(corpus);
    let child: Input;
    if (parent.kind === 'units' && rng.chance(0.8)) {
      let units = parent.units;
      for (let n = 1 + rng.int(3); n > 0; n--) units = mutateUnits(rng, units, seeds, parent.seed);
      child = { kind: 'units', seed: parent.seed, units, chunking: rng.int(3) };
    } else {
      let bytes = inputBytes(parent);
      for (let n = 1 + rng.int(3); n > 0; n--) bytes = mutateRaw(rng, bytes);
      child = { kind: 'raw', seed: parent.seed, bytes, chunking: rng.int(3) };
    }
    // Mostly deterministic replays (deep states); sometimes real node:crypto (the production key-share checks).
    run(child, rng.chance(0.85));
    if (coverage && coverage.collect() > 0 && corpus.length < 5000) corpus.push(child);
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      log(`${executions} execs, corpus ${corpus.length}, coverage keys ${coverage?.size ?? 'off'}, crashes ${crashes.size}`);
    }
  }
  coverage?.stop();
  return {
    executions,
    seconds: (Date.now() - start) / 1000,
    crashes: [...crashes.values()],
    corpusSize: corpus.length,
    coverageKeys: coverage?.size ?? 0,
    targets: seeds.length,
    outcomes,
    seedsEstablished,
  };
}
