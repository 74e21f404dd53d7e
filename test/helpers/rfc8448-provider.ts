/**
 * Replaying RFC 8448 through our real connection code (tests only).
 *
 *  - rfc8448Provider(): a CryptoProvider (node:crypto underneath) whose randomness, ephemeral
 *    key shares and private keys are the RFC's. Randomness is served from a script only while
 *    "armed", so draws made while a connection is being configured (e.g. ticket keys) cannot
 *    eat the RFC's randoms; every draw is logged.
 *  - The RFC's RSA server key, built from its published components (RFC 8448 §2), and an RSA-PSS
 *    signer that re-uses the salt of the RFC's own signature: the signature is a real EMSA-PSS
 *    encoding (RFC 8017 §9.1.1) of whatever content the core asks to sign, raw-RSA signed, so it
 *    equals the RFC's only when the content does. For §6, whose private keys the RFC does not
 *    publish, a signer that replays the RFC's signature for exactly the RFC's content.
 *  - ShimmedServerConnection / ReplayClientConnection: Connection subclasses that enter the
 *    handshake through the same protected begin() as ServerConnection / ClientConnection, with
 *    the core's own first states. A Shim may substitute the body of a message we send (to stand
 *    in for a choice where our core and the RFC's implementation differ) or what a state is
 *    shown of a received message (its raw bytes still go to the transcript). Every use of a
 *    shim is a documented difference; tests without shims use the public classes.
 *  - Independent record sealing/opening and key derivation (node:crypto only), to check records
 *    against secrets from the keylog events.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  verify as nodeVerify,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { resolveClientConfig, resolveServerConfig, type ClientOptions, type ResolvedClientConfig, type ServerOptions } from '../../src/config.js';
import { Connection } from '../../src/connection/connection.js';
import type { ConnectionEvent } from '../../src/connection/events.js';
import { nodeCryptoProvider, nodeSignatures } from '../../src/crypto/node/index.js';
import { InvalidPublicKey, type CryptoProvider, type KeyShare, type PrivateKey, type PublicKey, respondWithNewShare } from '../../src/crypto/provider.js';
import { tls13SuiteById, type Tls13Suite } from '../../src/crypto/suites.js';
import { ExpectServerHello, type ClientOffer } from '../../src/handshake/client/hello.js';
import { ExpectClientHello } from '../../src/handshake/server/hello.js';
import type { HandshakeIo, Incoming, State } from '../../src/handshake/state.js';
import { Transcript } from '../../src/handshake/transcript.js';
import { readClientHello } from '../../src/messages/client-hello.js';
import { ExtensionType, HandshakeType, NamedGroup, SignatureScheme } from '../../src/messages/enums.js';
import { findExtension, type Extension } from '../../src/messages/extensions/index.js';
import { readU16ListExtension } from '../../src/messages/extensions/simple.js';
import { readKeyShareClient, readSupportedVersionsClient } from '../../src/messages/extensions/tls13.js';
import type { HandshakeMessage } from '../../src/messages/handshake.js';
import { readEncryptedExtensions, writeEncryptedExtensions } from '../../src/messages/encrypted-extensions.js';
import { readServerHello } from '../../src/messages/server-hello.js';
import type { CertificateVerifier, VerificationResult } from '../../src/pki/verifier.js';
import { RSA_SERVER_KEY } from '../vectors/rfc8448.js';

// ─── bytes ───────────────────────────────────────────────────────────────────────────────

export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const equal = (a: Uint8Array, b: Uint8Array): boolean => buf(a).equals(buf(b));
const b64u = (h: string): string => Buffer.from(h, 'hex').toString('base64url');

// ─── ephemeral keys ──────────────────────────────────────────────────────────────────────

/** An X25519 KeyShare from an RFC private key. */
export function x25519Share(privateKeyHex: string): KeyShare {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), Buffer.from(privateKeyHex, 'hex')]);
  const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const publicKey = new Uint8Array(Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url'));
  return {
    group: NamedGroup.x25519,
    publicKey,
    deriveSecret(peer: Uint8Array): Uint8Array {
      if (peer.length !== 32) throw new InvalidPublicKey('X25519 share must be 32 bytes');
      const peerKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: buf(peer).toString('base64url') }, format: 'jwk' });
      return new Uint8Array(diffieHellman({ privateKey, publicKey: peerKey }));
    },
  };
}

/** A secp256r1 KeyShare from an RFC private scalar. */
export function p256Share(privateKeyHex: string): KeyShare {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(privateKeyHex, 'hex'));
  return {
    group: NamedGroup.secp256r1,
    publicKey: new Uint8Array(ecdh.getPublicKey()),
    deriveSecret(peer: Uint8Array): Uint8Array {
      if (peer.length !== 65 || peer[0] !== 4) throw new InvalidPublicKey('P-256 share must be an uncompressed point');
      return new Uint8Array(ecdh.computeSecret(buf(peer)));
    },
  };
}

// ─── the RFC's RSA key and RSA-PSS with a given salt ─────────────────────────────────────

/** RFC 8448 §2's RSA key as a node KeyObject (from JWK: n, e, d, p, q, dp, dq, qi). */
export function rfcRsaKey(): KeyObject {
  const k = RSA_SERVER_KEY;
  return createPrivateKey({
    key: { kty: 'RSA', n: b64u(k.n), e: b64u(k.e), d: b64u(k.d), p: b64u(k.p), q: b64u(k.q), dp: b64u(k.dp), dq: b64u(k.dq), qi: b64u(k.qi) },
    format: 'jwk',
  });
}

const H_LEN = 32; // SHA-256

function mgf1(seed: Uint8Array, length: number): Buffer {
  const out: Buffer[] = [];
  for (let counter = 0; out.length * H_LEN < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    out.push(createHash('sha256').update(seed).update(c).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

function modulusBits(key: KeyObject): number {
  return key.asymmetricKeyDetails!.modulusLength!;
}

/**
 * Raw RSA (RSAVP1 with `e`, RSASP1 with `d`, RFC 8017 §5.2) in BigInt, from the key's JWK: Deno's
 * node:crypto has no RSA_NO_PADDING. Test-only, over the RFC's published key: nothing is secret.
 */
function rawRsa(key: KeyObject, exponent: 'e' | 'd', input: Uint8Array): Buffer {
  const jwk = key.export({ format: 'jwk' });
  const big = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
  const n = big(Buffer.from(jwk.n!, 'base64url'));
  let x = big(Buffer.from(jwk[exponent]!, 'base64url'));
  let b = big(input) % n;
  let r = 1n;
  for (; x > 0n; x >>= 1n, b = (b * b) % n) if (x & 1n) r = (r * b) % n;
  const k = Math.ceil(modulusBits(key) / 8);
  return Buffer.from(r.toString(16).padStart(2 * k, '0'), 'hex');
}

/** The salt inside an RSASSA-PSS (SHA-256, MGF1-SHA-256) signature, recovered with raw RSA and the public key. */
export function recoverPssSalt(publicKey: KeyObject, signature: Uint8Array): Uint8Array {
  const emBits = modulusBits(publicKey) - 1;
  const emLen = Math.ceil(emBits / 8);
  const k = Math.ceil(modulusBits(publicKey) / 8);
  const m = rawRsa(publicKey, 'e', signature);
  const em = m.subarray(k - emLen);
  if (em[emLen - 1] !== 0xbc) throw new Error('not a PSS encoding (no 0xbc trailer)');
  const maskedDb = em.subarray(0, emLen - H_LEN - 1);
  const h = em.subarray(emLen - H_LEN - 1, emLen - 1);
  const db = Buffer.from(maskedDb.map((x, i) => x ^ mgf1(h, maskedDb.length)[i]!));
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const one = db.indexOf(1);
  if (one < 0 || db.subarray(0, one).some((x) => x !== 0)) throw new Error('not a PSS encoding (bad padding)');
  return new Uint8Array(db.subarray(one + 1));
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with SHA-256 and the given salt, then RSASP1 (raw RSA) with the private key. */
export function pssSignWithSalt(privateKey: KeyObject, data: Uint8Array, salt: Uint8Array): Uint8Array {
  const emBits = modulusBits(privateKey) - 1;
  const emLen = Math.ceil(emBits / 8);
  const k = Math.ceil(modulusBits(privateKey) / 8);
  const mHash = createHash('sha256').update(data).digest();
  const h = createHash('sha256').update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLen - salt.length - H_LEN - 2), Buffer.of(1), buf(salt)]);
  const mask = mgf1(h, db.length);
  const maskedDb = Buffer.from(db.map((x, i) => x ^ mask[i]!));
  maskedDb[0]! &= 0xff >> (8 * emLen - emBits);
  const em = Buffer.concat([Buffer.alloc(k - emLen), maskedDb, h, Buffer.of(0xbc)]);
  return rawRsa(privateKey, 'd', em);
}

/**
 * The RFC's RSA key as our PrivateKey, signing rsa_pss_rsae_sha256 deterministically with the
 * salts recovered from `rfcSignatures`, one per signature, in order. Any other scheme, or a
 * signature beyond the script, throws: nothing unscripted is signed.
 */
export function rsaKeyReplayingSalts(rfcSignatures: readonly Uint8Array[]): PrivateKey {
  const keyObject = rfcRsaKey();
  const publicKey = createPublicKey(keyObject);
  const salts = rfcSignatures.map((s) => recoverPssSalt(publicKey, s));
  // Not nodeSignatures.loadPrivateKey(): our provider refuses RSA keys under 2048 bits, and the RFC's has 1024.
  return {
    type: 'rsa',
    curve: undefined,
    bits: modulusBits(keyObject),
    // The list nodeSignatures gives every RSA key, so the server's choice of scheme is its own.
    schemes: [
      SignatureScheme.rsa_pss_rsae_sha256,
      SignatureScheme.rsa_pss_rsae_sha384,
      SignatureScheme.rsa_pss_rsae_sha512,
      SignatureScheme.rsa_pkcs1_sha256,
      SignatureScheme.rsa_pkcs1_sha384,
      SignatureScheme.rsa_pkcs1_sha512,
    ],
    sign(scheme: number, data: Uint8Array): Uint8Array {
      if (scheme !== SignatureScheme.rsa_pss_rsae_sha256) throw new Error(`RFC 8448 replay: unexpected scheme 0x${scheme.toString(16)}`);
      const salt = salts.shift();
      if (!salt) throw new Error('RFC 8448 replay: no RFC signature left to take a salt from');
      return pssSignWithSalt(keyObject, data, salt);
    },
  };
}

/**
 * A key whose private half the RFC does not publish (§6): sign() returns the RFC's signature
 * for exactly the RFC's content, after checking that signature against the certificate's
 * public key; any other content throws with both values in hex.
 */
export function keyReplayingSignature(
  certificateDer: Uint8Array,
  scheme: number,
  expectedContent: Uint8Array,
  signature: Uint8Array,
): PrivateKey {
  const publicKey = publicKeyOf(certificateDer);
  if (!publicKey.verify(scheme, expectedContent, signature, { tls13: true })) throw new Error('RFC signature does not verify with its certificate');
  return {
    type: publicKey.type,
    curve: publicKey.curve,
    bits: publicKey.bits,
    schemes: [scheme as SignatureScheme],
    sign(s: number, data: Uint8Array): Uint8Array {
      if (s !== scheme) throw new Error(`RFC 8448 replay: asked for scheme 0x${s.toString(16)}, the RFC used 0x${scheme.toString(16)}`);
      if (!equal(data, expectedContent)) {
        throw new Error(`RFC 8448 replay: content to sign differs from the RFC's\n ours ${toHex(data)}\n  rfc ${toHex(expectedContent)}`);
      }
      return signature.slice();
    },
  };
}

/** Our PublicKey for a certificate's subjectPublicKeyInfo. */
export function publicKeyOf(certificateDer: Uint8Array): PublicKey {
  const spki = new X509Certificate(buf(certificateDer)).publicKey.export({ type: 'spki', format: 'der' });
  return nodeSignatures.publicKeyFromSpki(new Uint8Array(spki));
}

/** node:crypto's own verdict on an RSA-PSS-SHA256 signature (independent of our provider). */
export function nodeVerifiesPss(certificateDer: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const key = new X509Certificate(buf(certificateDer)).publicKey;
  return nodeVerify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
}

/** A verifier that trusts exactly these leaf certificates (the RFC's are self-signed, 1024-bit and named "rsa"/"client"/"ecdsa256"). */
export function pinnedVerifier(...pinned: Uint8Array[]): CertificateVerifier & { readonly seen: Uint8Array[][] } {
  const seen: Uint8Array[][] = [];
  const check = (chain: readonly Uint8Array[]): VerificationResult => {
    seen.push([...chain]);
    if (chain.length !== 1 || !pinned.some((p) => equal(p, chain[0]!))) throw new Error('pinnedVerifier: not the RFC certificate');
    return { leafKey: publicKeyOf(chain[0]!), error: undefined };
  };
  return { seen, verifyServer: check, verifyClient: check };
}

// ─── the scripted provider ───────────────────────────────────────────────────────────────

export interface Rfc8448Script {
  /** Values for random.bytes(n), in the order drawn while armed; each must have the length asked for. */
  readonly randoms?: readonly Uint8Array[];
  /** Key shares for keyExchange.generate(group), in order; the group must match. */
  readonly keyShares?: readonly KeyShare[];
  /** loadPrivateKey(marker) → key; markers stand in for PEM in the `key` option. */
  readonly privateKeys?: Readonly<Record<string, PrivateKey>>;
}

export interface Draw {
  readonly n: number;
  readonly scripted: boolean;
}

export interface Rfc8448Provider extends CryptoProvider {
  /** From now on random.bytes() serves the script (before, and once the script is used up, a fixed stream). */
  arm(): void;
  /** Every random draw made while armed, and whether it came from the script. */
  readonly draws: Draw[];
  /** Script entries not used. */
  leftovers(): { randoms: number; keyShares: number };
}

export function rfc8448Provider(script: Rfc8448Script): Rfc8448Provider {
  const randoms = [...(script.randoms ?? [])];
  const shares = [...(script.keyShares ?? [])];
  const draws: Draw[] = [];
  let armed = false;
  let counter = 0;
  // Not random at all: deterministic filler for draws outside the script (never used for anything compared with the RFC).
  const filler = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let off = 0; off < n; off += 32) {
      const block = createHash('sha256').update(`rfc8448-filler/${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - off)), off);
    }
    return out;
  };
  return {
    ...nodeCryptoProvider,
    random: {
      bytes(n: number): Uint8Array {
        if (!armed) return filler(n);
        const next = randoms.shift();
        draws.push({ n, scripted: next !== undefined });
        if (next === undefined) return filler(n);
        if (next.length !== n) throw new Error(`RFC 8448 script: random.bytes(${n}) but the next scripted value has ${next.length} bytes`);
        return next.slice();
      },
    },
    keyExchange: {
      groups: [NamedGroup.x25519, NamedGroup.secp256r1],
      respond(group, peer) {
        return respondWithNewShare(this, group, peer);
      },
      generate(group): KeyShare {
        const next = shares.shift();
        if (!next) throw new Error(`RFC 8448 script: no key share left for group 0x${group.toString(16)}`);
        if (next.group !== group) throw new Error(`RFC 8448 script: generate(0x${group.toString(16)}) but the next share is for 0x${next.group.toString(16)}`);
        return next;
      },
    },
    signatures: {
      ...nodeSignatures,
      loadPrivateKey(key: string | Uint8Array, passphrase?: string): PrivateKey {
        if (typeof key === 'string' && script.privateKeys?.[key]) return script.privateKeys[key]!;
        return nodeSignatures.loadPrivateKey(key, passphrase);
      },
    },
    arm() {
      armed = true;
    },
    draws,
    leftovers: () => ({ randoms: randoms.length, keyShares: shares.length }),
  };
}

// ─── connections entered through begin(), with optional shims ────────────────────────────

export interface Shim {
  /** The body to send instead of the one our core built (given type and our body). */
  outbound?(type: number, body: Uint8Array): Uint8Array;
  /** What the state machine is shown of a received message; `raw` must stay the received bytes (the transcript hashes raw). */
  inbound?(message: HandshakeMessage): HandshakeMessage;
}

/** Wraps the handshake states until the connection reaches traffic; then the core's own state takes over. */
class ShimState implements State {
  constructor(
    private readonly inner: State,
    private readonly shim: Shim,
  ) {}
  get name(): string {
    return this.inner.name;
  }
  handle(input: Incoming, io: HandshakeIo): State {
    // The core's io keeps its methods on a prototype (no closures per connection), so inherit rather than spread.
    const shimmed: HandshakeIo = Object.assign(Object.create(io) as HandshakeIo, {
      sendHandshake: (type: number, body: Uint8Array) => io.sendHandshake(type, this.shim.outbound ? this.shim.outbound(type, body) : body),
    });
    const shown: Incoming = input.kind === 'handshake' && this.shim.inbound ? { kind: 'handshake', message: this.shim.inbound(input.message) } : input;
    const next = this.inner.handle(shown, shimmed);
    return next.isTraffic ? next : new ShimState(next, this.shim);
  }
}

/** A server that starts in the core's ExpectClientHello, like ServerConnection, with a shim over its handshake states. */
export class ShimmedServerConnection extends Connection {
  constructor(options: ServerOptions, shim: Shim) {
    const config = resolveServerConfig(options);
    super(config);
    this.begin(() => new ShimState(new ExpectClientHello(config), shim));
  }
}

/**
 * A client whose first ClientHello is the RFC's own bytes instead of the one our core builds
 * (which differs, see rfc8448-client.test.ts). What the client "offered" is decoded from those
 * bytes; its key shares come from the provider, as in buildClientHello(). From the
 * ServerHello on, the core's own states run (ExpectServerHello onwards).
 */
export class ReplayClientConnection extends Connection {
  readonly #config: ResolvedClientConfig;
  #started = false;

  constructor(
    options: ClientOptions,
    private readonly clientHello: Uint8Array,
    private readonly shim: Shim & {
      /** Extensions to count as offered although the RFC's ClientHello does not carry them. */
      readonly alsoOffered?: readonly Extension[];
    } = {},
  ) {
    const config = resolveClientConfig(options);
    super(config);
    this.#config = config;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.begin((io) => {
      const hello = readClientHello(this.clientHello);
      const ext = (type: number): Uint8Array => {
        const data = findExtension(hello.extensions, type);
        if (data === undefined) throw new Error(`the RFC ClientHello has no extension ${type}`);
        return data;
      };
      const keyShares = readKeyShareClient(ext(ExtensionType.key_share)).map((entry) => {
        const share = io.provider.keyExchange.generate(entry.group as NamedGroup);
        if (!equal(share.publicKey, entry.keyExchange)) throw new Error('scripted key share does not match the RFC ClientHello');
        return share;
      });
      const offer = {
        hello: { ...hello, extensions: [...hello.extensions, ...(this.shim.alsoOffered ?? [])] },
        groups: readU16ListExtension(ext(ExtensionType.supported_groups), 'supported_groups'),
        signatureSchemes: readU16ListExtension(ext(ExtensionType.signature_algorithms), 'signature_algorithms'),
        alpn: [],
        versions: readSupportedVersionsClient(ext(ExtensionType.supported_versions)),
        suites13: hello.cipherSuites.map((id) => tls13SuiteById(id)).filter((s): s is Tls13Suite => s !== undefined),
        keyShares,
        session: undefined,
        external: undefined,
      } as ClientOffer;
      const transcript = new Transcript(io.provider.hash);
      transcript.add(io.sendHandshake(HandshakeType.client_hello, this.clientHello).raw);
      io.negotiated.clientRandom = hello.random;
      io.negotiated.serverName = this.#config.serverName;
      return new ShimState(new ExpectServerHello(this.#config, offer, transcript), this.shim);
    }, 0x0301);
  }
}

// ─── driving and inspecting ──────────────────────────────────────────────────────────────

/** Feeds records one at a time; returns what the connection sent in answer and the error, if any. */
export function feed(conn: Connection, ...records: Uint8Array[]): { out: Uint8Array[]; events: ConnectionEvent[]; error: Error | undefined } {
  let error: Error | undefined;
  for (const r of records) {
    try {
      conn.receive(r);
    } catch (e) {
      error = e as Error;
      break;
    }
  }
  return { out: conn.takeOutgoing(), events: conn.takeEvents(), error };
}

/** keylog events → { LABEL: secret hex }, checking every line carries `clientRandom`. */
export function keylog(events: readonly ConnectionEvent[], clientRandom: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of events) {
    if (e.type !== 'keylog') continue;
    const [label, random, secret] = e.line.split(' ');
    if (random !== clientRandom) throw new Error(`keylog line for client random ${random}, expected ${clientRandom}`);
    out[label!] = secret!;
  }
  return out;
}

/** Splits concatenated records. */
export function records(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < bytes.length; ) {
    const len = (bytes[off + 3]! << 8) | bytes[off + 4]!;
    out.push(bytes.subarray(off, off + 5 + len));
    off += 5 + len;
  }
  return out;
}

/** Handshake messages in a byte string: [type, raw] in order. */
export function messages(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < bytes.length; ) {
    const len = (bytes[off + 1]! << 16) | (bytes[off + 2]! << 8) | bytes[off + 3]!;
    out.push(bytes.subarray(off, off + 4 + len));
    off += 4 + len;
  }
  return out;
}

// Independent TLS 1.3 record protection (RFC 8446 §5.2, §7.1, §7.3) for TLS_AES_128_GCM_SHA256, on node:crypto only.

/** HKDF-Expand-Label (RFC 8446 §7.1) with SHA-256, for outputs up to 32 bytes. */
function hkdfExpandLabel(secret: Uint8Array, label: string, context: Uint8Array, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'ascii');
  const info = Buffer.concat([Buffer.of(length >> 8, length & 0xff, full.length), full, Buffer.of(context.length), buf(context)]);
  const t = createHmac('sha256', secret).update(info).update(Buffer.of(1)).digest();
  return t.subarray(0, length);
}

/** Derive-Secret(secret, label, transcript hash) (RFC 8446 §7.1), hex in and out. */
export function deriveSecret(secretHex: string, label: string, transcriptHash: Uint8Array): string {
  return hkdfExpandLabel(hex(secretHex), label, transcriptHash, 32).toString('hex');
}

/** Finished verify_data (RFC 8446 §4.4.4) over a transcript hash, from a handshake traffic secret. */
export function finishedFor(trafficSecretHex: string, transcriptHash: Uint8Array): Uint8Array {
  const finishedKey = hkdfExpandLabel(hex(trafficSecretHex), 'finished', new Uint8Array(0), 32);
  return new Uint8Array(createHmac('sha256', finishedKey).update(transcriptHash).digest());
}

/** SHA-256 over the concatenation of messages. */
export function transcriptHash(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

export function trafficKeys(secretHex: string): TrafficKeys {
  const secret = hex(secretHex);
  const none = new Uint8Array(0);
  return { key: new Uint8Array(hkdfExpandLabel(secret, 'key', none, 16)), iv: new Uint8Array(hkdfExpandLabel(secret, 'iv', none, 12)) };
}

function nonce(iv: Uint8Array, seq: number): Buffer {
  const n = Buffer.from(iv);
  for (let i = 0; i < 8; i++) n[11 - i]! ^= Math.floor(seq / 2 ** (8 * i)) & 0xff;
  return n;
}

/** TLSCiphertext for `content` of `innerType` (no padding), AES-128-GCM. */
export function sealRecord(keys: TrafficKeys, seq: number, innerType: number, content: Uint8Array): Uint8Array {
  const inner = Buffer.concat([buf(content), Buffer.of(innerType)]);
  const header = Buffer.of(23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff);
  const c = createCipheriv('aes-128-gcm', keys.key, nonce(keys.iv, seq));
  c.setAAD(header);
  const body = Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
  return new Uint8Array(Buffer.concat([header, body]));
}

/** Opens a TLSCiphertext; returns the inner content type and content (padding removed). Throws on a bad tag. */
export function openRecord(keys: TrafficKeys, seq: number, record: Uint8Array): { type: number; content: Uint8Array } {
  const header = record.subarray(0, 5);
  const body = record.subarray(5);
  const d = createDecipheriv('aes-128-gcm', keys.key, nonce(keys.iv, seq));
  d.setAAD(header);
  d.setAuthTag(body.subarray(body.length - 16));
  const inner = Buffer.concat([d.update(body.subarray(0, body.length - 16)), d.final()]);
  let end = inner.length - 1;
  while (end >= 0 && inner[end] === 0) end--;
  return { type: inner[end]!, content: new Uint8Array(inner.subarray(0, end)) };
}

/** Replaces the extension block of a ServerHello-shaped body (legacy_version … extensions) with these extensions, in this order. */
export function withExtensions(helloBody: Uint8Array, sessionIdOffset: number, extensions: readonly Extension[]): Uint8Array {
  const sidLen = helloBody[sessionIdOffset]!;
  const fixedEnd = sessionIdOffset + 1 + sidLen + 3; // cipher_suite(2) + compression(1)
  const parts: Buffer[] = [Buffer.from(helloBody.subarray(0, fixedEnd))];
  const list = Buffer.concat(extensions.map((e) => Buffer.concat([Buffer.of(e.type >> 8, e.type & 0xff, e.data.length >> 8, e.data.length & 0xff), buf(e.data)])));
  parts.push(Buffer.of(list.length >> 8, list.length & 0xff), list);
  return new Uint8Array(Buffer.concat(parts));
}

// ─── describing differences ──────────────────────────────────────────────────────────────

const EXTENSION_NAMES: Record<number, string> = {
  ...Object.fromEntries(Object.entries(ExtensionType).map(([k, v]) => [v, k])),
  28: 'record_size_limit',
};

export function extensionName(type: number): string {
  return EXTENSION_NAMES[type] ?? `extension_${type}`;
}

export interface HelloDifferences {
  readonly legacySessionId: 'same' | { readonly ours: string; readonly rfc: string };
  readonly cipherSuites: 'same' | { readonly ours: string; readonly rfc: string };
  readonly extensionOrder: { readonly ours: string[]; readonly rfc: string[] };
  readonly onlyInRfc: string[];
  readonly onlyInOurs: string[];
  readonly sameContent: string[];
  readonly differentContent: Record<string, { readonly ours: string; readonly rfc: string }>;
}

/** Field-by-field comparison of two ClientHello bodies (no handshake header). */
export function helloDifferences(oursBody: Uint8Array, rfcBody: Uint8Array): HelloDifferences {
  const ours = readClientHello(oursBody);
  const rfc = readClientHello(rfcBody);
  const suites = (s: readonly number[]): string => s.map((x) => x.toString(16).padStart(4, '0')).join(' ');
  const differentContent: Record<string, { ours: string; rfc: string }> = {};
  const sameContent: string[] = [];
  for (const e of rfc.extensions) {
    const mine = findExtension(ours.extensions, e.type);
    if (mine === undefined) continue;
    if (equal(mine, e.data)) sameContent.push(extensionName(e.type));
    else differentContent[extensionName(e.type)] = { ours: toHex(mine), rfc: toHex(e.data) };
  }
  return {
    legacySessionId: equal(ours.legacySessionId, rfc.legacySessionId) ? 'same' : { ours: toHex(ours.legacySessionId), rfc: toHex(rfc.legacySessionId) },
    cipherSuites: suites(ours.cipherSuites) === suites(rfc.cipherSuites) ? 'same' : { ours: suites(ours.cipherSuites), rfc: suites(rfc.cipherSuites) },
    extensionOrder: { ours: ours.extensions.map((e) => extensionName(e.type)), rfc: rfc.extensions.map((e) => extensionName(e.type)) },
    onlyInRfc: rfc.extensions.filter((e) => findExtension(ours.extensions, e.type) === undefined).map((e) => extensionName(e.type)),
    onlyInOurs: ours.extensions.filter((e) => findExtension(rfc.extensions, e.type) === undefined).map((e) => extensionName(e.type)),
    sameContent,
    differentContent,
  };
}

/** The extensions of a ServerHello body, in order. */
export function serverHelloExtensions(body: Uint8Array): Extension[] {
  return readServerHello(body).extensions.map((e) => ({ type: e.type, data: e.data }));
}

/** RFC 8449 record_size_limit: every RFC 8448 client offers it and every RFC 8448 server answers it in EncryptedExtensions. */
export const RECORD_SIZE_LIMIT = 28;

/**
 * An inbound shim: shows the client's EncryptedExtensions check the message without
 * record_size_limit, which our client does not implement. The transcript still hashes the
 * received bytes (`raw` is untouched).
 */
export function hideRecordSizeLimit(message: HandshakeMessage): HandshakeMessage {
  if (message.type !== HandshakeType.encrypted_extensions) return message;
  return { ...message, body: withoutExtension(message.body, RECORD_SIZE_LIMIT) };
}

/** Drops one extension from an EncryptedExtensions body. */
export function withoutExtension(encryptedExtensionsBody: Uint8Array, type: number): Uint8Array {
  const kept = readEncryptedExtensions(encryptedExtensionsBody).filter((e) => e.type !== type);
  return writeEncryptedExtensions(kept);
}

/**
 * How the ClientHello our client builds differs from RFC 8448's, with servername "server", the
 * RFC's suites in the RFC's order and our default groups and signature schemes. The RFC client's
 * hellos share their extensions, except that §3's also asks for a TLS 1.2 session ticket and
 * §5's lists only the three EC groups (the same list as ours).
 */
export function expectedHelloDifferences(o: {
  readonly rfcSessionId: string;
  readonly oursSessionId: string;
  readonly rfcSessionTicket: boolean;
  readonly rfcGroupsAreOurs: boolean;
}): HelloDifferences {
  const ticket = o.rfcSessionTicket ? ['session_ticket'] : [];
  const differentContent: Record<string, { ours: string; rfc: string }> = {};
  // RFC: x25519, P-256, P-384, P-521, ffdhe2048…8192. Ours: the EC groups we implement.
  if (!o.rfcGroupsAreOurs) differentContent.supported_groups = { ours: '0006001d00170018', rfc: '0012001d00170018001901000101010201030104' };
  // RFC: 15 schemes incl. ecdsa_sha1, rsa_pkcs1_sha1 and the DSA code points 0x0402/0x0502/0x0602/0x0202.
  // Ours: no SHA-1 (RFC 9155), no DSA, ed25519 added.
  differentContent.signature_algorithms = {
    ours: '001a0904090509060403050306030807080408050806040105010601', // mldsa44/65/87 first
    rfc: '001e040305030603020308040805080604010501060102010402050206020202',
  };
  return {
    legacySessionId: o.rfcSessionId === o.oursSessionId ? 'same' : { ours: o.oursSessionId, rfc: o.rfcSessionId },
    cipherSuites: 'same',
    extensionOrder: {
      ours: ['server_name', 'supported_groups', 'signature_algorithms', 'supported_versions', 'key_share'],
      rfc: [
        'server_name',
        'renegotiation_info',
        'supported_groups',
        ...ticket,
        'key_share',
        'supported_versions',
        'signature_algorithms',
        'psk_key_exchange_modes',
        'record_size_limit',
      ],
    },
    onlyInRfc: ['renegotiation_info', ...ticket, 'psk_key_exchange_modes', 'record_size_limit'],
    onlyInOurs: [],
    sameContent: ['server_name', ...(o.rfcGroupsAreOurs ? ['supported_groups'] : []), 'key_share', 'supported_versions'],
    differentContent,
  };
}
