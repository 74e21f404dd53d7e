/**
 * A white-box view of the wire for hostile tests: it turns one sender's records back into
 * logical units (handshake messages, ChangeCipherSpec, alerts, application data) tagged with the
 * epoch they were protected in, and it seals units again, one per record, under the right keys.
 *
 * Keys come from what the connections disclose anyway: TLS 1.3 secrets from their key-log events
 * (CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_TRAFFIC_SECRET_0, …) and TLS 1.2 keys from
 * `connection.negotiated` (master secret, randoms, suite) through the key schedule, as the
 * renegotiation test in handshake-tls12.test.ts does. No src/ code is changed or subclassed.
 *
 * Epochs: 0 = plaintext; TLS 1.2: 1 = after the sender's ChangeCipherSpec; TLS 1.3: 1 = handshake
 * traffic keys, 2 = application traffic keys (first generation).
 */
import { createECDH, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type ECDH, type KeyObject } from 'node:crypto';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { nodeKeyExchange } from '../../src/crypto/node/key-exchange.js';
import { InvalidPublicKey, type KeyShare, respondWithNewShare } from '../../src/crypto/provider.js';
import { NamedGroup } from '../../src/messages/enums.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { Connection } from '../../src/connection/connection.js';
import type { ConnectionEvent } from '../../src/connection/events.js';
import { makeProtections } from '../../src/handshake/tls12-common.js';
import { protectionFor } from '../../src/handshake/tls13-common.js';
import { ContentType, HandshakeType } from '../../src/messages/enums.js';
import type { RecordProtection } from '../../src/record/protection.js';

export type Side = 'client' | 'server';

/** One logical unit of a sender's stream. For handshake units `body` is the whole message (4-byte header included). */
export interface Unit {
  readonly type: number;
  readonly body: Uint8Array;
  readonly epoch: number;
}

/** Key-log lines of one handshake, by label (there is only one client random per test connection). */
export class Keylog {
  readonly #secrets = new Map<string, Uint8Array>();

  /** Takes the keylog events out of `events` (all events are kept by the caller). */
  absorb(events: readonly ConnectionEvent[]): void {
    for (const e of events) {
      if (e.type !== 'keylog') continue;
      const [label, , secret] = e.line.split(' ');
      if (label && secret) this.#secrets.set(label, Uint8Array.from(Buffer.from(secret, 'hex')));
    }
  }

  get(label: string): Uint8Array | undefined {
    return this.#secrets.get(label);
  }
}

/** The protection `sender` uses in `epoch`, as a fresh object (own sequence number from 0). */
export function protectionOf(sender: Side, epoch: number, conn: Connection, keylog: Keylog): RecordProtection | undefined {
  const n = conn.negotiated;
  if (epoch === 0) return undefined;
  if (n.version === 'TLSv1.2') {
    if (epoch !== 1 || !n.suite || !n.masterSecret || !n.clientRandom || !n.serverRandom) return undefined;
    const p = makeProtections(nodeCryptoProvider, n.suite, n.masterSecret, { client: n.clientRandom, server: n.serverRandom });
    return sender === 'client' ? p.client : p.server;
  }
  if (n.version === 'TLSv1.3' && n.suite13) {
    const label = epoch === 1 ? `${sender.toUpperCase()}_HANDSHAKE_TRAFFIC_SECRET` : epoch === 2 ? `${sender.toUpperCase()}_TRAFFIC_SECRET_0` : '';
    const secret = keylog.get(label);
    return secret ? protectionFor(nodeCryptoProvider, n.suite13, secret) : undefined;
  }
  return undefined;
}

/** A plaintext record: type ‖ 0x0303 ‖ length ‖ body. */
export function plainRecord(type: number, body: Uint8Array, version = 0x0303): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = type;
  out[1] = version >> 8;
  out[2] = version & 0xff;
  out[3] = body.length >> 8;
  out[4] = body.length & 0xff;
  out.set(body, 5);
  return out;
}

/** Splits a byte stream into whole records (assumes well-formed framing). */
export function splitRecords(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos + 5 <= bytes.length) {
    const len = (bytes[pos + 3]! << 8) | bytes[pos + 4]!;
    out.push(bytes.subarray(pos, pos + 5 + len));
    pos += 5 + len;
  }
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Decodes one sender's records in order. `conn` is any connection of the pair that knows the
 * negotiated parameters (either side does, once they matter).
 */
export class StreamDecoder {
  /** The sender's current write epoch, as seen from its records. */
  epoch = 0;
  readonly #openers = new Map<number, RecordProtection>();
  #partial = new Uint8Array(0);
  #partialEpoch = 0;

  constructor(
    readonly sender: Side,
    private readonly conn: () => Connection,
    private readonly keylog: Keylog,
  ) {}

  #opener(epoch: number): RecordProtection | undefined {
    let p = this.#openers.get(epoch);
    if (!p) {
      p = protectionOf(this.sender, epoch, this.conn(), this.keylog);
      if (p) this.#openers.set(epoch, p);
    }
    return p;
  }

  /** Decodes one whole record into units; throws if it cannot be opened with any known key. */
  decode(record: Uint8Array): Unit[] {
    const type = record[0]!;
    const fragment = record.subarray(5);
    const version = this.conn().negotiated.version;
    let epoch = 0;
    let content = type;
    let plaintext = fragment;
    if (version === 'TLSv1.3' && type === ContentType.application_data) {
      // Trial-open with the current epoch first, then the later ones (a failed open does not advance the sequence).
      let opened = false;
      for (const e of [1, 2].filter((x) => x >= Math.max(1, this.epoch))) {
        const p = this.#opener(e);
        if (!p) continue;
        try {
          const r = p.open(type, fragment);
          content = r.type;
          plaintext = r.plaintext;
          epoch = e;
          opened = true;
          break;
        } catch {
          // not this epoch
        }
      }
      if (!opened) throw new Error(`${this.sender} record could not be opened (epoch ${this.epoch})`);
    } else if (version === 'TLSv1.2' && this.epoch === 1) {
      const p = this.#opener(1);
      if (!p) throw new Error('TLS 1.2 keys unknown');
      const r = p.open(type, fragment);
      content = r.type;
      plaintext = r.plaintext.slice();
      epoch = 1;
    } else {
      plaintext = fragment.slice();
    }
    if (epoch > this.epoch) this.epoch = epoch;
    const units: Unit[] = [];
    if (content === ContentType.handshake) {
      if (this.#partial.length > 0 && this.#partialEpoch !== epoch) throw new Error('handshake message straddles epochs');
      let data = this.#partial.length > 0 ? concatBytes([this.#partial, plaintext]) : plaintext;
      let pos = 0;
      while (data.length - pos >= 4) {
        const len = (data[pos + 1]! << 16) | (data[pos + 2]! << 8) | data[pos + 3]!;
        if (data.length - pos < 4 + len) break;
        const raw = data.slice(pos, pos + 4 + len);
        units.push({ type: content, body: raw, epoch });
        pos += 4 + len;
        // TLS 1.3: after the sender's Finished it writes with application keys.
        if (version === 'TLSv1.3' && raw[0] === HandshakeType.finished) this.epoch = 2;
      }
      this.#partial = data.slice(pos);
      this.#partialEpoch = epoch;
      data = new Uint8Array(0);
    } else {
      units.push({ type: content, body: plaintext, epoch: content === ContentType.change_cipher_spec && version === 'TLSv1.3' ? 0 : epoch });
      if (content === ContentType.change_cipher_spec && version === 'TLSv1.2') this.epoch = 1;
    }
    return units;
  }
}

/** Seals units one per record, in the epoch they name, with its own sequence numbers per epoch. */
export class StreamSealer {
  readonly #sealers = new Map<number, RecordProtection>();

  constructor(
    readonly sender: Side,
    private readonly conn: () => Connection,
    private readonly keylog: Keylog,
  ) {}

  /** True when `epoch` can be sealed now. */
  canSeal(epoch: number): boolean {
    return epoch === 0 || this.#sealer(epoch) !== undefined;
  }

  #sealer(epoch: number): RecordProtection | undefined {
    let p = this.#sealers.get(epoch);
    if (!p) {
      p = protectionOf(this.sender, epoch, this.conn(), this.keylog);
      if (p) this.#sealers.set(epoch, p);
    }
    return p;
  }

  seal(type: number, body: Uint8Array, epoch: number): Uint8Array {
    if (epoch === 0) return plainRecord(type, body);
    const p = this.#sealer(epoch);
    if (!p) throw new Error(`no keys for ${this.sender} epoch ${epoch}`);
    return p.seal(type, body);
  }
}

/**
 * Recycled X25519 and P-256 key shares: a few key pairs per group, reused round-robin, with the
 * derived secrets memoized. ONLY for state-machine tests that run thousands of handshakes whose
 * key freshness is not what is tested (key generation and peer-key import dominate their cost).
 * Peer values are still length-checked; all-zero X25519 results are still refused.
 */
function recycledKeyExchange(): CryptoProvider['keyExchange'] {
  const x25519: Array<{ priv: KeyObject; pub: Uint8Array }> = [];
  const p256: Array<{ ecdh: ECDH; pub: Uint8Array }> = [];
  const secrets = new Map<string, Uint8Array>();
  let next = 0;
  const memo = (slot: string, peer: Uint8Array, compute: () => Uint8Array): Uint8Array => {
    const k = `${slot}|${Buffer.from(peer).toString('hex')}`;
    let v = secrets.get(k);
    if (!v) {
      v = compute();
      secrets.set(k, v);
    }
    return v.slice();
  };
  return {
    groups: nodeKeyExchange.groups,
    respond(group, peer) {
      return respondWithNewShare(this, group, peer);
    },
    generate(group): KeyShare {
      const i = next++ % 3;
      if (group === NamedGroup.x25519) {
        if (!x25519[i]) {
          // Exported as DER by the generator itself, then re-imported: exporting generateKeyPairSync's
          // KeyObjects can deadlock in Node 20 (see X25519Share in src/crypto/node/key-exchange.ts).
          const pair = generateKeyPairSync('x25519', { privateKeyEncoding: { type: 'pkcs8', format: 'der' }, publicKeyEncoding: { type: 'spki', format: 'der' } });
          x25519[i] = { priv: createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' }), pub: Uint8Array.from(pair.publicKey.subarray(pair.publicKey.length - 32)) };
        }
        const slot = x25519[i]!;
        return {
          group,
          publicKey: slot.pub,
          deriveSecret: (peer) =>
            memo(`x${i}`, peer, () => {
              if (peer.length !== 32) throw new InvalidPublicKey('X25519 share must be 32 bytes');
              const key = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peer).toString('base64url') }, format: 'jwk' });
              const z = new Uint8Array(diffieHellman({ privateKey: slot.priv, publicKey: key }));
              if (z.every((b) => b === 0)) throw new InvalidPublicKey('all-zero X25519 result');
              return z;
            }),
        };
      }
      if (group === NamedGroup.secp256r1) {
        if (!p256[i]) {
          const ecdh = createECDH('prime256v1');
          p256[i] = { ecdh, pub: new Uint8Array(ecdh.generateKeys()) };
        }
        const slot = p256[i]!;
        return {
          group,
          publicKey: slot.pub,
          deriveSecret: (peer) =>
            memo(`p${i}`, peer, () => {
              if (peer.length !== 65 || peer[0] !== 4) throw new InvalidPublicKey('P-256 share must be an uncompressed point');
              try {
                return new Uint8Array(slot.ecdh.computeSecret(peer));
              } catch (e) {
                throw new InvalidPublicKey(String(e));
              }
            }),
        };
      }
      return nodeCryptoProvider.keyExchange.generate(group);
    },
  };
}

/**
 * node:crypto with private keys parsed once per PEM (a Connection parses its key on every
 * construction) and recycled key shares (above): for the state matrix's thousands of short
 * in-memory handshakes. Never for tests of key exchange itself.
 */
const keyCache = new Map<string, ReturnType<CryptoProvider['signatures']['loadPrivateKey']>>();
const spkiCache = new Map<string, ReturnType<CryptoProvider['signatures']['publicKeyFromSpki']>>();
export const cachedKeyProvider: CryptoProvider = {
  ...nodeCryptoProvider,
  keyExchange: recycledKeyExchange(),
  signatures: {
    ...nodeCryptoProvider.signatures,
    loadPrivateKey(key, passphrase) {
      const id = `${typeof key === 'string' ? key : Buffer.from(key).toString('base64')}|${passphrase ?? ''}`;
      let k = keyCache.get(id);
      if (!k) {
        k = nodeCryptoProvider.signatures.loadPrivateKey(key, passphrase);
        keyCache.set(id, k);
      }
      return k;
    },
    publicKeyFromSpki(spki) {
      const id = Buffer.from(spki).toString('base64');
      let k = spkiCache.get(id);
      if (!k) {
        k = nodeCryptoProvider.signatures.publicKeyFromSpki(spki);
        spkiCache.set(id, k);
      }
      return k;
    },
  },
};
