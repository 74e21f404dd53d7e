/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1): HKDF-Extract / HKDF-Expand (RFC 5869 §2.2–2.3),
 * HKDF-Expand-Label and Derive-Secret, the three stages Early → Handshake → Master with the RFC's
 * secret names as methods, traffic keys (§7.3), Finished (§4.4.4), KeyUpdate (§7.2), exporters
 * (§7.5), resumption PSKs (§4.6.1) and PSK binders (§4.2.11.2).
 *
 * Built only on HashProvider.hmac and .digest (no node:crypto hkdfSync), so a scripted provider
 * sees every step. Every transcript hash passed in must be exactly Hash.length bytes: passing the
 * messages instead of their hash is the classic bug, and it fails loudly here.
 *
 *             0
 *             |
 *   PSK ->  HKDF-Extract = Early Secret ──> binder_key, c e traffic, e exp master
 *             |
 *       Derive-Secret(., "derived", "")
 *             |
 *  (EC)DHE -> HKDF-Extract = Handshake Secret ──> c hs traffic, s hs traffic
 *             |
 *       Derive-Secret(., "derived", "")
 *             |
 *     0 -> HKDF-Extract = Master Secret ──> c ap traffic, s ap traffic, exp master, res master
 */
import type { AeadProvider, HashAlgorithm, HashProvider } from '../crypto/provider.js';
import type { Tls13Suite } from '../crypto/suites.js';

/** RFC 8446 §5.3: the per-record nonce, and so the write IV, is 12 bytes for every TLS 1.3 AEAD. */
const IV_LENGTH = 12;
/** RFC 8446 §7.1: HkdfLabel.label = "tls13 " + Label. */
const LABEL_PREFIX = 'tls13 ';

/** HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 §2.2); an empty salt means HashLen zeros. */
export function hkdfExtract(hash: HashProvider, alg: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hash.hmac(alg, salt.length === 0 ? new Uint8Array(hash.outputLength(alg)) : salt, ikm);
}

/**
 * HKDF-Expand(PRK, info, L) (RFC 5869 §2.3): T(0) = "", T(i) = HMAC-Hash(PRK, T(i−1) ‖ info ‖ i),
 * output = the first L octets of T(1) ‖ T(2) ‖ …; L ≤ 255 · HashLen.
 */
export function hkdfExpand(
  hash: HashProvider,
  alg: HashAlgorithm,
  prk: Uint8Array,
  info: Uint8Array,
  length: number,
): Uint8Array {
  const hashLength = hash.outputLength(alg);
  if (!Number.isSafeInteger(length) || length < 0 || length > 255 * hashLength) {
    throw new RangeError(`HKDF-Expand length ${length} (max 255 × ${hashLength})`);
  }
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  const counter = new Uint8Array(1);
  for (let at = 0, i = 1; at < length; i++) {
    counter[0] = i;
    const block = hash.hmac(alg, prk, previous, info, counter);
    const n = Math.min(block.length, length - at);
    out.set(n === block.length ? block : block.subarray(0, n), at);
    at += n;
    previous = block;
  }
  return out;
}

/**
 * HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length) with
 * (RFC 8446 §7.1)
 *
 *   struct { uint16 length = Length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255> = Context; } HkdfLabel;
 *
 * `label` is given without the "tls13 " prefix.
 */
export function hkdfExpandLabel(
  hash: HashProvider,
  alg: HashAlgorithm,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const fullLabel = LABELS.get(label) ?? ascii(LABEL_PREFIX + label);
  if (fullLabel.length > 255) throw new RangeError(`HKDF label "${label}" is longer than 249 bytes`);
  if (context.length > 255) throw new RangeError(`HKDF context of ${context.length} bytes (max 255)`);
  if (!Number.isSafeInteger(length) || length < 0 || length > 0xffff) throw new RangeError(`HKDF-Expand-Label length ${length}`);
  const infoLength = 2 + 1 + fullLabel.length + 1 + context.length;
  // One spare byte: every secret, key and IV of the schedule is at most Hash.length long, so
  // HKDF-Expand is the single block T(1) = HMAC(Secret, HkdfLabel ‖ 0x01), hashed from one array.
  const info = new Uint8Array(infoLength + 1);
  info[0] = length >>> 8;
  info[1] = length & 0xff;
  info[2] = fullLabel.length;
  info.set(fullLabel, 3);
  info[3 + fullLabel.length] = context.length;
  info.set(context, 4 + fullLabel.length);
  const hashLength = hash.outputLength(alg);
  if (length > hashLength) return hkdfExpand(hash, alg, secret, info.subarray(0, infoLength), length); // long exporter outputs
  info[infoLength] = 1;
  const block = hash.hmac(alg, secret, info);
  if (length === hashLength) return block;
  const out = block.slice(0, length);
  block.fill(0);
  return out;
}

/** The labels of the key schedule itself, encoded once (exporters may bring any other label). */
const LABELS: ReadonlyMap<string, Uint8Array> = new Map(
  ['derived', 'ext binder', 'res binder', 'c e traffic', 'e exp master', 'c hs traffic', 's hs traffic', 'c ap traffic', 's ap traffic', 'exp master', 'res master', 'key', 'iv', 'finished', 'traffic upd', 'resumption', 'exporter'].map(
    (label) => [label, ascii(LABEL_PREFIX + label)],
  ),
);

/**
 * Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages), Hash.length)
 * (RFC 8446 §7.1). Takes the transcript hash itself, not the messages.
 */
export function deriveSecret(
  hash: HashProvider,
  alg: HashAlgorithm,
  secret: Uint8Array,
  label: string,
  transcriptHash: Uint8Array,
): Uint8Array {
  const hashLength = hash.outputLength(alg);
  checkTranscriptHash(transcriptHash, hashLength);
  return hkdfExpandLabel(hash, alg, secret, label, transcriptHash, hashLength);
}

/**
 * The Early Secret = HKDF-Extract(0, PSK) (RFC 8446 §7.1). Without a PSK the IKM is Hash.length
 * zeros, which is also what a full (EC)DHE handshake uses.
 */
export class EarlySecret {
  readonly secret: Uint8Array;
  readonly #hash: HashProvider;
  readonly #alg: HashAlgorithm;

  constructor(hash: HashProvider, alg: HashAlgorithm, psk?: Uint8Array) {
    this.#hash = hash;
    this.#alg = alg;
    const zeros = new Uint8Array(hash.outputLength(alg));
    // Without a PSK this is a public constant per hash: computed once (constants()).
    this.secret = psk ? hkdfExtract(hash, alg, zeros, psk) : constants(hash, alg).earlySecret;
  }

  /** binder_key = Derive-Secret(Early Secret, "res binder" | "ext binder", "") (RFC 8446 §7.1, §4.2.11.2). */
  binderKey(resumption: boolean): Uint8Array {
    return deriveSecret(this.#hash, this.#alg, this.secret, resumption ? 'res binder' : 'ext binder', emptyHash(this.#hash, this.#alg));
  }

  /** client_early_traffic_secret = Derive-Secret(., "c e traffic", ClientHello). */
  clientEarlyTrafficSecret(transcriptHash: Uint8Array): Uint8Array {
    return deriveSecret(this.#hash, this.#alg, this.secret, 'c e traffic', transcriptHash);
  }

  /** early_exporter_master_secret = Derive-Secret(., "e exp master", ClientHello). */
  earlyExporterMasterSecret(transcriptHash: Uint8Array): Uint8Array {
    return deriveSecret(this.#hash, this.#alg, this.secret, 'e exp master', transcriptHash);
  }

  /**
   * Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE) (RFC 8446 §7.1).
   * `sharedSecret` undefined (psk_ke) means Hash.length zeros. The (EC)DHE secret is used at full
   * length: X25519/ECDH x-coordinate, FFDHE left-padded to |p| (RFC 8446 §7.4).
   */
  handshakeSecret(sharedSecret: Uint8Array | undefined): HandshakeSecret {
    const c = constants(this.#hash, this.#alg);
    const secret =
      this.secret === c.earlySecret
        ? hkdfExtract(this.#hash, this.#alg, c.derivedFromEarly, sharedSecret ?? new Uint8Array(c.emptyHash.length))
        : nextStage(this.#hash, this.#alg, this.secret, sharedSecret);
    return new HandshakeSecret(this.#hash, this.#alg, secret);
  }
}

/** The Handshake Secret stage (RFC 8446 §7.1). Create it with EarlySecret.handshakeSecret(). */
export class HandshakeSecret {
  readonly #hash: HashProvider;
  readonly #alg: HashAlgorithm;

  /** @internal use EarlySecret.handshakeSecret() */
  constructor(
    hash: HashProvider,
    alg: HashAlgorithm,
    readonly secret: Uint8Array,
  ) {
    this.#hash = hash;
    this.#alg = alg;
  }

  /** client_handshake_traffic_secret = Derive-Secret(., "c hs traffic", ClientHello...ServerHello). */
  clientHandshakeTrafficSecret(transcriptHash: Uint8Array): Uint8Array {
    return deriveSecret(this.#hash, this.#alg, this.secret, 'c hs traffic', transcriptHash);
  }

  /** server_handshake_traffic_secret = Derive-Secret(., "s hs traffic", ClientHello...ServerHello). */
  serverHandshakeTrafficSecret(transcriptHash: Uint8Array): Uint8Array {
    return deriveSecret(this.#hash, this.#alg, this.secret, 's hs traffic', transcriptHash);
  }

  /** Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0) (RFC 8446 §7.1). */
  masterSecret(): MasterSecret {
    return new MasterSecret(this.#hash, this.#alg, nextStage(this.#hash, this.#alg, this.secret, undefined));
  }
}

/** The Master Secret stage (RFC 8446 §7.1). Create it with HandshakeSecret.masterSecret(). */
export class MasterSecret {
  readonly #hash: HashProvider;
  readonly #alg: HashAlgorithm;

  /** @internal use HandshakeSecret.masterSecret() */
  constructor(
    hash: HashProvider,
    alg: HashAlgorithm,
    readonly secret: Uint8Array,
  ) {
    this.#hash = hash;
    this.#alg = alg;
  }

  /** client_application_traffic_secret_0 = Derive-Secret(., "c ap traffic", ClientHello...server Finished). */
  clientApplicationTrafficSecret(transcriptHash: Uint8Array): Uint8Array {
    return deriveSecret(this.#hash, this.#alg, this.secret, 'c ap traffic', transcriptHash);
  }

  /** server_application_traffic_secret_0 = Derive-Secret(., "s ap traffic", ClientHello...server Finished). */
  serverApplicationTrafficSecret(transcriptHash: Uint8Array): Uint8Array {
    return deriveSecret(this.#hash, this.#alg, this.secret, 's ap traffic', transcriptHash);
  }

  /** exporter_master_secret = Derive-Secret(., "exp master", ClientHello...server Finished). */
  exporterMasterSecret(transcriptHash: Uint8Array): Uint8Array {
    return deriveSecret(this.#hash, this.#alg, this.secret, 'exp master', transcriptHash);
  }

  /** resumption_master_secret = Derive-Secret(., "res master", ClientHello...client Finished). */
  resumptionMasterSecret(transcriptHash: Uint8Array): Uint8Array {
    return deriveSecret(this.#hash, this.#alg, this.secret, 'res master', transcriptHash);
  }
}

/**
 * [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length);
 * [sender]_write_iv  = HKDF-Expand-Label(Secret, "iv", "", iv_length = 12) (RFC 8446 §7.3).
 */
export function trafficKeys(
  hash: HashProvider,
  aead: AeadProvider,
  suite: Tls13Suite,
  trafficSecret: Uint8Array,
): { key: Uint8Array; iv: Uint8Array } {
  const empty = new Uint8Array(0);
  return {
    key: hkdfExpandLabel(hash, suite.hash, trafficSecret, 'key', empty, aead.keyLength(suite.aead)),
    iv: hkdfExpandLabel(hash, suite.hash, trafficSecret, 'iv', empty, IV_LENGTH),
  };
}

/**
 * verify_data = HMAC(finished_key, Transcript-Hash(Handshake Context, Certificate*, CertificateVerify*)),
 * finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 §4.4.4).
 * BaseKey is the sender's handshake traffic secret (or application traffic secret after the handshake).
 * Compare a received value with a constant-time comparison (timingSafeEqual), not here.
 */
export function finishedVerifyData(
  hash: HashProvider,
  alg: HashAlgorithm,
  baseKey: Uint8Array,
  transcriptHash: Uint8Array,
): Uint8Array {
  const hashLength = hash.outputLength(alg);
  checkTranscriptHash(transcriptHash, hashLength);
  const finishedKey = hkdfExpandLabel(hash, alg, baseKey, 'finished', new Uint8Array(0), hashLength);
  const out = hash.hmac(alg, finishedKey, transcriptHash);
  finishedKey.fill(0);
  return out;
}

/** application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "", Hash.length) (RFC 8446 §7.2). */
export function nextTrafficSecret(hash: HashProvider, alg: HashAlgorithm, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(hash, alg, secret, 'traffic upd', new Uint8Array(0), hash.outputLength(alg));
}

/**
 * TLS-Exporter(label, context_value, key_length) =
 *   HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), key_length)
 * (RFC 8446 §7.5), Secret = exporter_master_secret (or early_exporter_master_secret).
 * Unlike RFC 5705, TLS 1.3 does not distinguish an absent context from an empty one: undefined
 * is the empty context. The label gets the "tls13 " prefix like any HKDF-Expand-Label label (so at
 * most 249 bytes), and is printable ASCII, as for the TLS 1.2 exporter.
 */
export function exportKeyingMaterial13(
  hash: HashProvider,
  alg: HashAlgorithm,
  exporterMasterSecret: Uint8Array,
  label: string,
  context: Uint8Array | undefined,
  length: number,
): Uint8Array {
  const derived = deriveSecret(hash, alg, exporterMasterSecret, label, emptyHash(hash, alg));
  const contextHash = hash.digest(alg, context ?? new Uint8Array(0));
  const out = hkdfExpandLabel(hash, alg, derived, 'exporter', contextHash, length);
  derived.fill(0);
  return out;
}

/** PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length) (RFC 8446 §4.6.1). */
export function resumptionPsk(
  hash: HashProvider,
  alg: HashAlgorithm,
  resumptionMasterSecret: Uint8Array,
  ticketNonce: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(hash, alg, resumptionMasterSecret, 'resumption', ticketNonce, hash.outputLength(alg));
}

/**
 * The PSK binder (RFC 8446 §4.2.11.2): computed as a Finished (§4.4.4) with BaseKey = binder_key,
 * over the transcript hash of the ClientHello truncated before the binders list (plus, after a
 * HelloRetryRequest, the earlier messages).
 */
export function pskBinder(
  hash: HashProvider,
  alg: HashAlgorithm,
  binderKey: Uint8Array,
  truncatedTranscriptHash: Uint8Array,
): Uint8Array {
  return finishedVerifyData(hash, alg, binderKey, truncatedTranscriptHash);
}

/** HKDF-Extract(Derive-Secret(secret, "derived", ""), ikm ?? zeros): one step down the schedule (RFC 8446 §7.1). */
function nextStage(hash: HashProvider, alg: HashAlgorithm, secret: Uint8Array, ikm: Uint8Array | undefined): Uint8Array {
  const salt = deriveSecret(hash, alg, secret, 'derived', emptyHash(hash, alg));
  const out = hkdfExtract(hash, alg, salt, ikm ?? new Uint8Array(hash.outputLength(alg)));
  salt.fill(0);
  return out;
}

/** Transcript-Hash of no messages: Hash(""). */
function emptyHash(hash: HashProvider, alg: HashAlgorithm): Uint8Array {
  return constants(hash, alg).emptyHash;
}

/**
 * The values of the schedule that depend on nothing secret, per provider and hash: Hash(""), the
 * Early Secret without a PSK = HKDF-Extract(0, 0), and Derive-Secret(that, "derived", ""). Every
 * full handshake needs them; computing them once saves four hash calls per handshake (issue 7).
 * They are shared: never wiped, never written.
 */
interface Constants {
  readonly emptyHash: Uint8Array;
  readonly earlySecret: Uint8Array;
  readonly derivedFromEarly: Uint8Array;
}
const CONSTANTS = new WeakMap<HashProvider, Map<HashAlgorithm, Constants>>();

function constants(hash: HashProvider, alg: HashAlgorithm): Constants {
  let byAlg = CONSTANTS.get(hash);
  if (!byAlg) CONSTANTS.set(hash, (byAlg = new Map()));
  let c = byAlg.get(alg);
  if (!c) {
    const empty = hash.digest(alg, new Uint8Array(0));
    const zeros = new Uint8Array(hash.outputLength(alg));
    const earlySecret = hkdfExtract(hash, alg, zeros, zeros);
    c = { emptyHash: empty, earlySecret, derivedFromEarly: hkdfExpandLabel(hash, alg, earlySecret, 'derived', empty, zeros.length) };
    byAlg.set(alg, c);
  }
  return c;
}

function checkTranscriptHash(transcriptHash: Uint8Array, hashLength: number): void {
  if (transcriptHash.length !== hashLength) {
    throw new Error(`transcript hash must be ${hashLength} bytes, got ${transcriptHash.length} (pass the hash, not the messages)`);
  }
}

/** Labels are ASCII in every RFC that defines one; anything else is a caller bug. */
function ascii(label: string): Uint8Array {
  const out = new Uint8Array(label.length);
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    if (c > 0x7e || c < 0x20) throw new Error(`HKDF label must be printable ASCII: ${JSON.stringify(label)}`);
    out[i] = c;
  }
  return out;
}
