/**
 * Turns the raw bytes of one observed message into what a reader of the handshake wants: its
 * name, the fields that matter, and one line on what the message is for and why.
 *
 * A TraceDecoder holds the little context needed to decode later messages (which version the
 * ServerHello chose; in TLS 1.2 the ServerKeyExchange and ClientKeyExchange formats depend on the
 * suite) and collects the facts the summary and the diagnosis read back. Use one decoder per
 * connection, and feed it every message of that connection in wire order. It never throws: a
 * message it cannot decode is shown with the reason.
 *
 * TLS 1.3 encrypts everything after the ServerHello. The core's observer reports handshake
 * messages after decryption, with their bytes, so they decode here exactly as TLS 1.2's do; the
 * decoder only records which keys protected each one (`protection`).
 */
import { isHybridGroup, isKemGroup, shareParts } from '../crypto/kem-groups.js';
import { tls12SuiteById, tls13SuiteById, type KeyExchangeAlgorithm, type Tls12Suite, type Tls13Suite } from '../crypto/suites.js';
import { ffdheGroupFor } from '../crypto/ffdhe-groups.js';
import { HELLO_RETRY_REQUEST_RANDOM, isHelloRetryRequest } from '../handshake/tls13-common.js';
import { readAlert } from '../messages/alert.js';
import { readCertificateRequestTls12 } from '../messages/certificate-request.js';
import { readCertificateRequestTls13, readCertificateTls13 } from '../messages/certificate-tls13.js';
import { readCertificateVerify } from '../messages/certificate-verify.js';
import { readCertificateTls12 } from '../messages/certificate.js';
import { readCertificateStatus, readStatusRequest } from '../messages/certificate-status.js';
import { ocspField } from './ocsp-summary.js';
import { readClientHello } from '../messages/client-hello.js';
import { readClientKeyExchange, readPskClientKeyExchange } from '../messages/client-key-exchange.js';
import { readEncryptedExtensions } from '../messages/encrypted-extensions.js';
import {
  AlertDescription,
  AlertLevel,
  CipherSuite,
  ClientCertificateType,
  ContentType,
  ExtensionType,
  HandshakeType,
  NamedGroup,
  ProtocolVersion,
  SignatureScheme,
  nameOf,
} from '../messages/enums.js';
import { findExtension, type Extension } from '../messages/extensions/index.js';
import { readAlpn, readEcPointFormats, readEmpty, readRenegotiationInfo, readServerName, readU16ListExtension } from '../messages/extensions/simple.js';
import {
  readCookie,
  readKeyShareClient,
  readKeyShareRetry,
  readKeyShareServer,
  readPreSharedKeyClient,
  readPreSharedKeyServer,
  readPskModes,
  readSupportedVersionsClient,
  readSupportedVersionsServer,
  type PskIdentity,
} from '../messages/extensions/tls13.js';
import { readKeyUpdate, readNewSessionTicket, readNewSessionTicketTls12 } from '../messages/post-handshake.js';
import { readServerHello } from '../messages/server-hello.js';
import { readPskServerKeyExchange, readServerKeyExchange } from '../messages/server-key-exchange.js';
import { distinguishedName, summarizeCertificate, type CertificateSummary, type UnreadableCertificate } from './certificate-summary.js';
import { cipherSuiteName, extensionName, groupName, hexCode, pointFormatName } from './iana-names.js';

export type Side = 'client' | 'server';

export function otherSide(side: Side): Side {
  return side === 'client' ? 'server' : 'client';
}

/** A value as --json writes it. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * One decoded field, twice: `value` is what the ladder shows (a single line, or a list shown one
 * item per line, with prose); `raw` is what --json writes (full hex, IANA names, numbers as
 * numbers), with the prose apart in `note`.
 */
export interface Field {
  readonly name: string;
  readonly value: string | readonly string[];
  /** Long list items: print them full width under the field name rather than in the value column. */
  readonly block?: boolean;
  /** Undefined when another field carries it (a chain's certificates are one JSON list). */
  readonly raw: JsonValue | undefined;
  /** The --json key when it is not `name` (the IANA extension name where the ladder abbreviates). */
  readonly key?: string;
  /** What the value means, for --json (the ladder says it within `value`). */
  readonly note?: string;
}

export interface DecodedAlert {
  readonly level: string;
  readonly description: string;
  readonly fatal: boolean;
}

/** How a message travelled: in the clear, or encrypted (and under which keys). */
export type Protection = 'clear' | 'encrypted' | 'handshake keys' | 'application keys';

export interface DecodedMessage {
  /** "ClientHello", "HelloRetryRequest", "Certificate", "ChangeCipherSpec", "Alert", … */
  readonly name: string;
  readonly fields: readonly Field[];
  /** What the message is for, and why, in one or two sentences. */
  readonly note: string;
  /** How the record carrying it was protected. */
  readonly protection: Protection;
  /** A key-schedule step this message completes ("both sides now derive the handshake keys…"). */
  readonly milestone?: string;
  /** Certificate messages: the chain, leaf first. */
  readonly certificates?: readonly (CertificateSummary | UnreadableCertificate)[];
  /** Alert messages. */
  readonly alert?: DecodedAlert;
}

/** What the messages so far established; read by the summary and the diagnosis. */
export interface HandshakeFacts {
  /** The version the ServerHello chose (supported_versions in TLS 1.3). */
  version: 'TLSv1.2' | 'TLSv1.3' | undefined;
  /** The versions the ClientHello offered, highest first. */
  offeredVersions: readonly number[];
  offeredSuites: readonly number[];
  offeredGroups: readonly number[];
  /** TLS 1.3: groups the client sent a key share for (in its latest ClientHello). */
  offeredKeyShares: readonly number[];
  offeredAlpn: readonly string[];
  serverName: string | undefined;
  /** TLS 1.2 suite. */
  suite: Tls12Suite | undefined;
  /** TLS 1.3 suite. */
  suite13: Tls13Suite | undefined;
  /** The suite id the server chose, even one we do not know. */
  suiteId: number | undefined;
  group: number | undefined;
  alpn: string | undefined;
  extendedMasterSecret: boolean;
  secureRenegotiation: boolean;
  /** TLS 1.3: the server sent a HelloRetryRequest (asking for a key share for `retryGroup`). */
  helloRetry: boolean;
  retryGroup: number | undefined;
  /** The client offered to resume: a TLS 1.3 PSK, a TLS 1.2 ticket or session id. */
  resumptionOffered: boolean;
  /** The server accepted: a ticket's PSK selected (1.3), or the session id echoed (1.2). */
  resumed: boolean;
  /** TLS 1.3: the identities the client's latest pre_shared_key offered. */
  offeredPskIdentities: readonly PskIdentity[];
  /** An external PSK (not a ticket) authenticated the handshake, under this identity: no certificate. */
  pskIdentity: string | undefined;
  /** TLS 1.2 ServerHello.random ended with the RFC 8446 downgrade sentinel. */
  downgradeSentinel: boolean;
  serverCertificates: readonly (CertificateSummary | UnreadableCertificate)[];
  clientCertificates: readonly (CertificateSummary | UnreadableCertificate)[] | undefined;
  certificateRequested: boolean;
  /** The server proved its key with a CertificateVerify (TLS 1.3). */
  serverCertificateVerified: boolean;
  clientCertificateVerified: boolean;
  /** NewSessionTicket messages seen. */
  tickets: number;
  /** Which sides have sent ChangeCipherSpec (TLS 1.2: their later messages travel encrypted). */
  encrypting: Set<Side>;
  /** Which sides have sent their Finished. */
  finished: Set<Side>;
}

export class TraceDecoder {
  readonly facts: HandshakeFacts = {
    version: undefined,
    offeredVersions: [],
    offeredSuites: [],
    offeredGroups: [],
    offeredKeyShares: [],
    offeredAlpn: [],
    serverName: undefined,
    suite: undefined,
    suite13: undefined,
    suiteId: undefined,
    group: undefined,
    alpn: undefined,
    extendedMasterSecret: false,
    secureRenegotiation: false,
    helloRetry: false,
    retryGroup: undefined,
    resumptionOffered: false,
    resumed: false,
    offeredPskIdentities: [],
    pskIdentity: undefined,
    downgradeSentinel: false,
    serverCertificates: [],
    clientCertificates: undefined,
    certificateRequested: false,
    serverCertificateVerified: false,
    clientCertificateVerified: false,
    tickets: 0,
    encrypting: new Set(),
    finished: new Set(),
  };
  /** TLS 1.2: the session id the client offered, to tell an abbreviated handshake. */
  #clientSessionId: Uint8Array = new Uint8Array(0);
  #clientHellos = 0;

  get #tls13(): boolean {
    return this.facts.version === 'TLSv1.3';
  }

  /** What the byte layout of the next message depends on (see layout.ts). */
  get layoutContext(): { readonly tls13: boolean; readonly kx: KeyExchangeAlgorithm | undefined } {
    return { tls13: this.#tls13, kx: this.facts.suite?.kx };
  }

  /** Decodes one message sent by `from`; `raw` is what the observer reported. */
  decode(from: Side, contentType: number, handshakeType: number | undefined, raw: Uint8Array): DecodedMessage {
    const protection = this.#protection(from, contentType);
    let body: Omit<DecodedMessage, 'protection'>;
    try {
      switch (contentType) {
        case ContentType.change_cipher_spec:
          body = this.#changeCipherSpec(from);
          break;
        case ContentType.alert:
          body = this.#alert(from, raw, protection);
          break;
        case ContentType.handshake:
          body = this.#handshake(from, handshakeType ?? raw[0] ?? -1, raw.subarray(4));
          break;
        default:
          body = { name: nameOf(ContentType, contentType, 'ContentType'), fields: [], note: '' };
      }
    } catch (e) {
      const name = handshakeType !== undefined ? messageName(handshakeType) : nameOf(ContentType, contentType, 'ContentType');
      const reason = e instanceof Error ? e.message : String(e);
      body = { name, fields: [{ name: 'undecodable', value: reason, raw: null, note: reason }], note: 'The trace could not decode this message.' };
    }
    if (contentType === ContentType.handshake && handshakeType === HandshakeType.finished) this.facts.finished.add(from);
    return { ...body, protection };
  }

  /** Which keys protected a message from `from`, given what came before it. */
  #protection(from: Side, contentType: number): Protection {
    const f = this.facts;
    if (contentType === ContentType.change_cipher_spec) return 'clear';
    if (this.#tls13) return f.finished.has(from) ? 'application keys' : 'handshake keys';
    return f.encrypting.has(from) ? 'encrypted' : 'clear';
  }

  #handshake(from: Side, type: number, body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    switch (type) {
      case HandshakeType.client_hello:
        return this.#clientHello(body);
      case HandshakeType.server_hello:
        return this.#serverHello(body);
      case HandshakeType.encrypted_extensions:
        return this.#encryptedExtensions(body);
      case HandshakeType.certificate:
        return this.#tls13 ? this.#certificate13(from, body) : this.#certificate(from, body);
      case HandshakeType.server_key_exchange:
        return this.#serverKeyExchange(body);
      case HandshakeType.certificate_request:
        return this.#tls13 ? this.#certificateRequest13(body) : this.#certificateRequest(body);
      case HandshakeType.server_hello_done:
        return {
          name: 'ServerHelloDone',
          fields: [],
          note:
            'The server has said everything it will say for now; it waits for the client.' +
            (this.facts.suite?.kx === 'RSA' ? ' (No ServerKeyExchange with RSA key exchange: the client encrypts the secret to the key in the certificate.)' : ''),
        };
      case HandshakeType.client_key_exchange:
        return this.#clientKeyExchange(body);
      case HandshakeType.certificate_verify:
        return this.#certificateVerify(from, body);
      case HandshakeType.finished:
        return this.#tls13 ? this.#finished13(from, body) : this.#finished(from, body);
      case HandshakeType.new_session_ticket:
        return this.#tls13 ? this.#newSessionTicket13(body) : this.#newSessionTicket12(body);
      case HandshakeType.key_update:
        return this.#keyUpdate(from, body);
      case HandshakeType.certificate_status:
        return {
          name: 'CertificateStatus',
          fields: [ocspField(readCertificateStatus(body))],
          note:
            'OCSP stapling (RFC 6066 \u00a78): a response signed by the CA\u2019s OCSP responder, saying the certificate was not revoked when it was produced; the server fetched it so the client need not ask the CA itself. ' +
            'tlsglass, like node:tls, hands it to the application and does not require it.',
        };
      default:
        return { name: messageName(type), fields: [{ name: 'length', value: `${body.length} bytes`, raw: body.length }], note: '' };
    }
  }

  #clientHello(body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const ch = readClientHello(body);
    const f = this.facts;
    const second = ++this.#clientHellos > 1;
    f.offeredSuites = ch.cipherSuites;
    this.#clientSessionId = ch.legacySessionId;
    const offers13 = ch.extensions.some((e) => e.type === ExtensionType.supported_versions);
    const sessionNote =
      ch.legacySessionId.length === 0
        ? 'empty (a new session, no resumption)'
        : offers13 && !ch.extensions.some((e) => e.type === ExtensionType.session_ticket && e.data.length > 0)
          ? `${ch.legacySessionId.length} random bytes: TLS 1.3 middlebox compatibility, it looks like a TLS 1.2 resumption`
          : `${ch.legacySessionId.length} bytes: an earlier session to resume, or a ticket's id`;
    const sessionId = ch.legacySessionId.length === 0 ? sessionNote : `${shortHex(ch.legacySessionId)} (${sessionNote})`;
    const fields: Field[] = [
      {
        name: offers13 ? 'legacy_version' : 'client_version',
        value: versionName(ch.legacyVersion) + (offers13 ? ': frozen; the real offer is supported_versions' : ''),
        raw: versionCode(ch.legacyVersion),
        ...(offers13 ? { note: 'frozen; the real offer is supported_versions' } : {}),
      },
      { name: 'random', value: shortHex(ch.random), raw: hex(ch.random) },
      { name: 'session_id', value: sessionId, raw: hex(ch.legacySessionId), note: sessionNote },
      {
        name: 'cipher_suites',
        value: [`${ch.cipherSuites.length} offered, in the client's order of preference:`, ...ch.cipherSuites.map(suiteLine)],
        block: true,
        raw: ch.cipherSuites.map(cipherSuiteName),
        note: "in the client's order of preference",
      },
      {
        name: 'compression_methods',
        value: ch.legacyCompressionMethods.length === 1 && ch.legacyCompressionMethods[0] === 0 ? 'null (none)' : hex(ch.legacyCompressionMethods),
        raw: Array.from(ch.legacyCompressionMethods),
      },
    ];
    if (ch.cipherSuites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV)) f.secureRenegotiation = true;
    f.offeredPskIdentities = [];
    fields.push(...this.#extensions(ch.extensions, 'client'));
    if (ch.legacySessionId.length > 0 && !offers13) f.resumptionOffered = true;
    let note: string;
    if (second) {
      note =
        'The client tries again, as the HelloRetryRequest asked: the same offer, now with a key share for the group the server picked. ' +
        'Still in the clear. The transcript now starts with a hash of the first ClientHello, so the retry cannot be spliced into another handshake.';
    } else if (f.offeredPskIdentities.length > 0 && f.offeredPskIdentities.every(isExternal)) {
      note =
        'The client offers an external pre-shared key (pre_shared_key): an identity both sides were configured with, and a binder, an HMAC over this ClientHello keyed by that PSK. ' +
        'The binder proves the client holds the key; a server that knows the identity needs no certificate. A key share is still sent, so the new keys are forward secret.';
    } else if (ch.extensions.some((e) => e.type === ExtensionType.pre_shared_key)) {
      note =
        'The client offers to resume: pre_shared_key carries the ticket from an earlier connection, and a binder, an HMAC over this ClientHello keyed by the ticket\u2019s secret. ' +
        'The binder proves the client holds that secret (a stolen ticket alone is useless) and ties the offer to this very hello. A key share is still sent, so the new keys are forward secret.';
    } else if (offers13) {
      note =
        'The client opens with its random and everything it can do, so the server can choose. For TLS 1.3 it also guesses a key exchange group and sends its public key (key_share) up front: ' +
        'if the guess is right, the handshake takes a single round trip. It travels in the clear, so an attacker could edit it; the Finished messages will catch that.';
    } else {
      note =
        'The client opens with its random (one of the two nonces every key is derived from) and everything it can do, so the server can choose. ' +
        'It travels in the clear, so an attacker could edit it; the Finished messages will catch that.';
    }
    return { name: 'ClientHello', fields, note };
  }

  #serverHello(body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const sh = readServerHello(body);
    const f = this.facts;
    const sv = sh.extensions.find((e) => e.type === ExtensionType.supported_versions);
    const chosen13 = sv !== undefined && readSupportedVersionsServer(sv.data) === ProtocolVersion.TLSv1_3;
    if (chosen13 && isHelloRetryRequest(sh.random)) return this.#helloRetryRequest(sh.cipherSuite, sh.extensions, sh.legacySessionId);

    f.suiteId = sh.cipherSuite;
    f.version = chosen13 ? 'TLSv1.3' : 'TLSv1.2';
    if (chosen13) f.suite13 = tls13SuiteById(sh.cipherSuite);
    else f.suite = tls12SuiteById(sh.cipherSuite);
    const sessionEcho = sh.legacySessionId.length > 0 && equalBytes(sh.legacySessionId, this.#clientSessionId);
    if (!chosen13 && sessionEcho) f.resumed = true;
    const sentinel = sh.random.subarray(24);
    f.downgradeSentinel = !chosen13 && hex(sentinel).startsWith('444f574e475244');

    const sentinelNote = `ends with "DOWNGRD\\x0${sentinel[7]}": the RFC 8446 downgrade sentinel`;
    const sessionNote =
      sh.legacySessionId.length === 0
        ? 'empty (this session cannot be resumed by id)'
        : chosen13
          ? "echoes the client's, for middleboxes"
          : sessionEcho
            ? "the client's own: the server resumes that session"
            : undefined;
    const fields: Field[] = [
      {
        name: chosen13 ? 'legacy_version' : 'server_version',
        value: versionName(sh.legacyVersion) + (chosen13 ? ': frozen; supported_versions says 1.3' : ''),
        raw: versionCode(sh.legacyVersion),
        ...(chosen13 ? { note: 'frozen; supported_versions says 1.3' } : {}),
      },
      {
        name: 'random',
        value: shortHex(sh.random) + (f.downgradeSentinel ? ` (${sentinelNote})` : ''),
        raw: hex(sh.random),
        ...(f.downgradeSentinel ? { note: sentinelNote } : {}),
      },
      {
        name: 'session_id',
        value: sh.legacySessionId.length === 0 || sessionNote === undefined ? (sessionNote ?? shortHex(sh.legacySessionId)) : `${shortHex(sh.legacySessionId)} (${sessionNote})`,
        raw: hex(sh.legacySessionId),
        ...(sessionNote ? { note: sessionNote } : {}),
      },
      { name: 'cipher_suite', value: chosenSuite(sh.cipherSuite, f.offeredSuites.length), raw: cipherSuiteName(sh.cipherSuite), note: `1 of ${f.offeredSuites.length} offered` },
      { name: 'compression_method', value: sh.legacyCompressionMethod === 0 ? 'null (none)' : String(sh.legacyCompressionMethod), raw: sh.legacyCompressionMethod },
      ...this.#extensions(sh.extensions, 'server'),
    ];
    if (chosen13) {
      const psk = f.resumed ? 'the PSK from the ticket, mixed with ' : '';
      const group = f.group === undefined ? 'key exchange' : nameOfGroup(f.group);
      return {
        name: 'ServerHello',
        fields,
        note:
          `The server picks TLS 1.3, a suite (${f.suite13?.name ?? 'unknown'}) and the client's ${group} share, and adds its own key share. ` +
          (f.pskIdentity !== undefined
            ? `It accepts the external PSK ${JSON.stringify(f.pskIdentity)} (pre_shared_key): both sides mix the shared key with the new shared secret, and no certificate is sent: the PSK authenticates both sides. From here on everything is encrypted.`
            : f.resumed
            ? 'It accepts the offered ticket (pre_shared_key): both sides mix the PSK with the new shared secret, and no certificate will be needed. From here on everything is encrypted.'
            : 'With the two shares, both sides compute the same secret; from here on everything is encrypted: the certificate and the rest of the handshake are hidden from onlookers, unlike TLS 1.2.'),
        milestone: `keys: ${psk}the ${group} shared secret \u2192 handshake traffic secrets, one per direction. Everything after this message is encrypted.`,
      };
    }
    const suite = f.suite;
    const kx = suite ? `${suite.kx} key exchange, ${suite.auth} certificate, ${suite.aead.toUpperCase()} record protection` : 'an unknown suite';
    let note = `The server picks one of each thing the client offered and adds its own random. Chosen: ${kx}; that fixes which messages follow.`;
    if (f.resumed) note = 'The server echoes the session id the client offered: it remembers that session (or the ticket carried it), so it skips the certificate and key exchange. Both sides derive fresh keys from the old master secret and the new randoms.';
    if (f.downgradeSentinel && f.offeredVersions.includes(ProtocolVersion.TLSv1_3)) {
      note += ' The client offered TLS 1.3 but the server chose 1.2; the sentinel in its random says that is the server\u2019s own choice, and it is covered by the signature, so an attacker cannot fake it.';
    } else if (f.downgradeSentinel) {
      note += ' Its random ends in "DOWNGRD\\x01" because this server can do TLS 1.3: a client that offered 1.3 and got this would know an attacker had forced TLS 1.2 (the randoms are bound into the keys and, with (EC)DHE, signed by the server, so the sentinel cannot be removed).';
    }
    return { name: 'ServerHello', fields, note, ...(f.resumed ? { milestone: 'keys: the resumed master secret + both new randoms \u2192 a fresh key block' } : {}) };
  }

  #helloRetryRequest(suiteId: number, extensions: readonly Extension[], sessionId: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const f = this.facts;
    f.helloRetry = true;
    f.suite13 = tls13SuiteById(suiteId);
    f.suiteId = suiteId;
    const fields: Field[] = [
      {
        name: 'random',
        value: 'cf21ad74\u2026 = SHA-256("HelloRetryRequest"): the fixed value that marks a retry request',
        raw: hex(HELLO_RETRY_REQUEST_RANDOM),
        note: 'SHA-256("HelloRetryRequest"): the fixed value that marks a retry request',
      },
      { name: 'session_id', value: sessionId.length === 0 ? 'empty' : `${shortHex(sessionId)} (echoes the client's)`, raw: hex(sessionId) },
      { name: 'cipher_suite', value: chosenSuite(suiteId, f.offeredSuites.length), raw: cipherSuiteName(suiteId) },
    ];
    for (const e of extensions) {
      switch (e.type) {
        case ExtensionType.supported_versions:
          fields.push({ name: 'supported_versions', value: `${versionName(readSupportedVersionsServer(e.data))} (selected)`, raw: versionCode(readSupportedVersionsServer(e.data)) });
          break;
        case ExtensionType.key_share: {
          const g = readKeyShareRetry(e.data);
          f.retryGroup = g;
          const offered = f.offeredKeyShares.map(groupName).join(', ') || 'none';
          fields.push({
            name: 'key_share',
            value: `selected_group ${groupName(g)} (the client sent a share for ${offered})`,
            raw: { selected_group: groupName(g) },
            note: `the client sent a share for ${offered}`,
          });
          break;
        }
        case ExtensionType.cookie: {
          const cookie = readCookie(e.data);
          fields.push({ name: 'cookie', value: `${cookie.length} bytes (to be sent back: lets a server stay stateless)`, raw: hex(cookie), note: 'to be sent back: lets a server stay stateless' });
          break;
        }
        default:
          fields.push(unknownExtension(e));
      }
    }
    const wanted = f.retryGroup === undefined ? 'another group' : nameOfGroup(f.retryGroup);
    return {
      name: 'HelloRetryRequest',
      fields,
      note:
        `A ServerHello in form, but its random is a fixed marker: the client guessed a key share the server does not take, so the server asks for a new ClientHello with a key share for ${wanted}. ` +
        'It costs one extra round trip. The client must not switch to a group it did not list, and the Finished messages still cover all of this.',
    };
  }

  #extensions(extensions: readonly Extension[], from: Side): Field[] {
    const f = this.facts;
    const fields: Field[] = [];
    /** A field whose ladder text is `raw` followed by a note in parentheses. */
    const noted = (name: string, text: string, raw: JsonValue, note: string, key?: string): Field => ({ name, value: `${text} (${note})`, raw, note, ...(key ? { key } : {}) });
    for (const e of extensions) {
      switch (e.type) {
        case ExtensionType.server_name: {
          const host = e.data.length === 0 ? undefined : readServerName(e.data);
          if (from === 'client') f.serverName = host;
          const text = e.data.length === 0 ? '(acknowledged)' : (host ?? '(no host name)');
          fields.push(
            from === 'client'
              ? noted('server_name', text, host ?? null, 'SNI: which site the client wants')
              : { name: 'server_name', value: text, raw: host ?? null, ...(e.data.length === 0 ? { note: 'acknowledged: the server used the name' } : {}) },
          );
          break;
        }
        case ExtensionType.supported_groups: {
          const groups = readU16ListExtension(e.data, 'supported_groups');
          if (from === 'client') f.offeredGroups = groups;
          const text = groups.map(groupName).join(', ');
          fields.push(from === 'server' ? noted('supported_groups', text, groups.map(groupName), 'the server\u2019s, for next time') : { name: 'supported_groups', value: text, raw: groups.map(groupName) });
          break;
        }
        case ExtensionType.ec_point_formats: {
          const formats = Array.from(readEcPointFormats(e.data), pointFormatName);
          fields.push({ name: 'ec_point_formats', value: formats.join(', '), raw: formats });
          break;
        }
        case ExtensionType.signature_algorithms:
        case ExtensionType.signature_algorithms_cert: {
          const name = e.type === ExtensionType.signature_algorithms ? 'signature_algorithms' : 'signature_algorithms_cert';
          const schemes = readU16ListExtension(e.data, name).map(schemeName);
          fields.push({ name, value: schemes.join(', '), raw: schemes });
          break;
        }
        case ExtensionType.application_layer_protocol_negotiation: {
          const protocols = readAlpn(e.data);
          if (from === 'client') f.offeredAlpn = protocols;
          else f.alpn = protocols[0];
          const key = 'application_layer_protocol_negotiation';
          fields.push(noted('ALPN', protocols.join(', '), protocols, from === 'client' ? 'application protocols, preferred first' : 'chosen', key));
          break;
        }
        case ExtensionType.status_request:
          if (from === 'client') {
            const ocsp = readStatusRequest(e.data);
            fields.push(noted('status_request', ocsp ? 'ocsp' : 'another status type', ocsp ? 'ocsp' : hex(e.data), 'asks the server to staple an OCSP response'));
          } else {
            readEmpty(e.data, 'status_request');
            fields.push({ name: 'status_request', value: 'acknowledged: a CertificateStatus follows the Certificate', raw: true, note: 'a CertificateStatus follows the Certificate' });
          }
          break;
        case ExtensionType.extended_master_secret:
          if (from === 'server') f.extendedMasterSecret = true;
          fields.push({
            name: 'extended_master_secret',
            value: from === 'client' ? 'offered (RFC 7627: bind the keys to the whole handshake)' : 'yes: the master secret covers the whole handshake',
            raw: true,
            note: from === 'client' ? 'offered (RFC 7627: bind the keys to the whole handshake)' : 'the master secret covers the whole handshake',
          });
          break;
        case ExtensionType.renegotiation_info: {
          const previous = readRenegotiationInfo(e.data);
          if (from === 'server') f.secureRenegotiation = true;
          fields.push(previous.length === 0 ? { name: 'renegotiation_info', value: 'empty (RFC 5746: a first handshake)', raw: '', note: 'RFC 5746: a first handshake' } : { name: 'renegotiation_info', value: shortHex(previous), raw: hex(previous) });
          break;
        }
        case ExtensionType.session_ticket:
          if (from === 'client' && e.data.length > 0) f.resumptionOffered = true;
          {
            const note =
              from === 'server'
                ? 'empty: a NewSessionTicket will follow (RFC 5077)'
                : e.data.length === 0
                  ? 'empty: the client can keep a ticket (RFC 5077)'
                  : `${e.data.length} bytes: a ticket from an earlier session, to resume it`;
            fields.push({ name: 'session_ticket', value: note, raw: hex(e.data), note });
          }
          break;
        case ExtensionType.supported_versions:
          if (from === 'client') {
            const versions = readSupportedVersionsClient(e.data);
            f.offeredVersions = versions;
            fields.push(noted('supported_versions', versions.map(versionName).join(', '), versions.map(versionCode), 'the real version offer'));
          } else {
            const version = readSupportedVersionsServer(e.data);
            fields.push(noted('supported_versions', versionName(version), versionCode(version), 'selected'));
          }
          break;
        case ExtensionType.key_share:
          if (from === 'client') {
            const shares = readKeyShareClient(e.data);
            f.offeredKeyShares = shares.map((s) => s.group);
            const raw = shares.map((s) => shareRaw(s.group, s.keyExchange, 'client'));
            fields.push(
              shares.length === 0
                ? { name: 'key_share', value: 'none (asks the server to pick a group first)', raw, note: 'none: asks the server to pick a group first' }
                : { name: 'key_share', value: shares.map((s) => shareLine(s.group, s.keyExchange, 'client')), raw },
            );
          } else {
            const share = readKeyShareServer(e.data);
            f.group = share.group;
            fields.push(
              noted(
                'key_share',
                shareLine(share.group, share.keyExchange, 'server'),
                shareRaw(share.group, share.keyExchange, 'server'),
                isKemGroup(share.group)
                  ? isHybridGroup(share.group)
                    ? "the server's ML-KEM ciphertext and one-time ECDH key: the secret stays safe unless both ML-KEM and the curve are broken, so traffic recorded now cannot be decrypted later by a quantum computer (harvest now, decrypt later)"
                    : "the server's ML-KEM ciphertext, encapsulated to the client's key"
                  : "the server's one-time public key",
              ),
            );
          }
          break;
        case ExtensionType.psk_key_exchange_modes: {
          const modes = Array.from(readPskModes(e.data));
          const names = modes.map((m) => (m === 1 ? 'psk_dhe_ke' : m === 0 ? 'psk_ke' : hexCode(m, 2)));
          fields.push({
            name: 'psk_key_exchange_modes',
            value: modes.map((m) => (m === 1 ? 'psk_dhe_ke (resume, with a fresh (EC)DHE for forward secrecy)' : m === 0 ? 'psk_ke (resume without (EC)DHE)' : String(m))).join(', '),
            raw: names,
          });
          break;
        }
        case ExtensionType.pre_shared_key:
          if (from === 'client') {
            f.resumptionOffered = true;
            const psk = readPreSharedKeyClient(e.data);
            f.offeredPskIdentities = psk.identities;
            // RFC 8446 §4.2.11: an external PSK's obfuscated_ticket_age is 0; a ticket's is masked by a random age_add.
            const lines = psk.identities.map((id, i) =>
              isExternal(id) ? `identity ${i}: the external PSK ${JSON.stringify(externalName(id))} (age 0)` : `identity ${i}: a ${id.identity.length}-byte ticket, obfuscated age ${id.obfuscatedAge >>> 0}`,
            );
            psk.binders.forEach((b, i) => lines.push(`binder ${i}: ${b.length} bytes  ${shortHex(b)} (HMAC over this ClientHello up to the binders, keyed by the ticket\u2019s secret)`));
            fields.push({
              name: 'pre_shared_key',
              value: lines,
              raw: {
                identities: psk.identities.map((id) => ({ identity: hex(id.identity), obfuscated_ticket_age: id.obfuscatedAge >>> 0 })),
                binders: psk.binders.map(hex),
              },
              note: 'each binder is an HMAC over this ClientHello up to the binders, keyed by the ticket\u2019s secret',
            });
          } else {
            const selected = readPreSharedKeyServer(e.data);
            const id = f.offeredPskIdentities[selected];
            if (id && isExternal(id)) {
              f.pskIdentity = externalName(id);
              const what = `identity ${selected} accepted: the external PSK ${JSON.stringify(f.pskIdentity)}; no certificate will be used`;
              fields.push({ name: 'pre_shared_key', value: what, raw: { selected_identity: selected }, note: 'accepted: an external PSK, no certificate' });
            } else {
              f.resumed = true;
              fields.push({ name: 'pre_shared_key', value: `identity ${selected} accepted: this is a resumption`, raw: { selected_identity: selected }, note: 'accepted: this is a resumption' });
            }
          }
          break;
        case ExtensionType.cookie: {
          const cookie = readCookie(e.data);
          fields.push(noted('cookie', `${cookie.length} bytes`, hex(cookie), 'sent back from the HelloRetryRequest'));
          break;
        }
        case ExtensionType.early_data: {
          const max = e.data.length === 4 ? new DataView(e.data.buffer, e.data.byteOffset, 4).getUint32(0) : undefined;
          fields.push(
            max === undefined
              ? { name: 'early_data', value: 'offered', raw: true }
              : { name: 'early_data', value: `up to ${max} bytes of 0-RTT data accepted with this ticket`, raw: { max_early_data_size: max }, note: '0-RTT data accepted with this ticket, in bytes' },
          );
          break;
        }
        default:
          fields.push(unknownExtension(e));
      }
    }
    return fields;
  }

  #encryptedExtensions(body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const extensions = readEncryptedExtensions(body);
    const fields = this.#extensions(extensions, 'server');
    return {
      name: 'EncryptedExtensions',
      fields: fields.length > 0 ? fields : [{ name: 'extensions', value: 'none', raw: [] }],
      note:
        'The first encrypted message: the server\u2019s answers to the client\u2019s extensions that are not needed to agree on keys (ALPN, SNI acknowledgement, \u2026). ' +
        'In TLS 1.2 they travelled in the ServerHello, readable by anyone on the path.',
    };
  }

  #certificate(from: Side, body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const chain = readCertificateTls12(body).map(summarizeCertificate);
    const f = this.facts;
    if (from === 'server') f.serverCertificates = chain;
    else f.clientCertificates = chain;
    const fields: Field[] = chain.length === 0 ? [EMPTY_CERTIFICATE_LIST] : chain.flatMap(certificateFields);
    let note: string;
    if (from === 'server') {
      const proof = f.suite?.kx === 'RSA' ? 'decrypts the ClientKeyExchange' : 'signs the ServerKeyExchange';
      note =
        'The server\u2019s certificate chain, leaf first. The client checks that it leads to a CA it trusts, is in date, and names the host it dialled. ' +
        `A certificate is public, so it proves nothing alone: the server proves it holds the private key when it ${proof}.`;
    } else if (chain.length === 0) {
      note = 'An empty list: the server asked for a certificate but the client has none configured. The server now decides whether to go on without client authentication or to abort.';
    } else {
      note = 'The client\u2019s chain, sent because the server asked (CertificateRequest). Certificates are public, so this alone proves nothing; the CertificateVerify below does.';
    }
    return { name: 'Certificate', fields, note, certificates: chain };
  }

  #certificate13(from: Side, body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const cert = readCertificateTls13(body);
    const chain = cert.entries.map((e) => summarizeCertificate(e.certData));
    const f = this.facts;
    if (from === 'server') f.serverCertificates = chain;
    else f.clientCertificates = chain;
    const fields: Field[] = [
      {
        name: 'certificate_request_context',
        value: cert.context.length === 0 ? 'empty (part of the handshake)' : `${shortHex(cert.context)} (answers a post-handshake CertificateRequest)`,
        raw: hex(cert.context),
        note: cert.context.length === 0 ? 'empty: part of the handshake' : 'answers a post-handshake CertificateRequest',
      },
    ];
    if (chain.length === 0) fields.push(EMPTY_CERTIFICATE_LIST);
    else fields.push(...chain.flatMap(certificateFields));
    const extensions = cert.entries.flatMap((e) => e.extensions.map((x) => extensionName(x.type)));
    if (extensions.length > 0) fields.push({ name: 'entry extensions', key: 'entry_extensions', value: extensions.join(', '), raw: extensions });
    // RFC 8446 §4.4.2.1: the leaf's stapled OCSP response.
    const status = cert.entries[0] && findExtension(cert.entries[0].extensions, ExtensionType.status_request);
    if (status !== undefined) fields.push(ocspField(readCertificateStatus(status)));
    let note: string;
    if (from === 'server') {
      note =
        'The server\u2019s certificate chain, leaf first, each entry with room for extensions (OCSP, SCTs). Unlike TLS 1.2 it is encrypted, so an onlooker cannot see which site this is. ' +
        'The client checks the chain leads to a CA it trusts, is in date and names the host; the CertificateVerify that follows proves the server holds the key.';
    } else if (chain.length === 0) {
      note = 'An empty list: the server asked for a certificate but the client has none configured. The server decides whether to go on without client authentication or to abort (certificate_required).';
    } else {
      note = 'The client\u2019s chain, sent because the server asked (CertificateRequest), encrypted like everything after the ServerHello. The client\u2019s CertificateVerify will prove it holds the key.';
    }
    return { name: 'Certificate', fields, note, certificates: chain };
  }

  #serverKeyExchange(body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const f = this.facts;
    if (f.suite?.auth === 'PSK') return this.#pskServerKeyExchange(body, f.suite.kx === 'ECDHE_PSK');
    const kind = f.suite?.kx === 'DHE' ? 'dhe' : 'ecdhe';
    const ske = readServerKeyExchange(body, kind);
    const fields: Field[] = [];
    let groupName: string;
    if (ske.params.kind === 'ecdhe') {
      f.group = ske.params.namedCurve;
      groupName = nameOfGroup(ske.params.namedCurve);
      fields.push({ name: 'curve_type', value: 'named_curve', raw: 'named_curve' });
      fields.push({ name: 'named_curve', value: groupName, raw: groupName });
      fields.push({ name: 'public', value: `${ske.params.publicKey.length} bytes  ${shortHex(ske.params.publicKey)} (one-time public key)`, raw: hex(ske.params.publicKey), note: 'one-time public key' });
    } else {
      const group = ffdheGroupFor(ske.params.p, ske.params.g);
      f.group = group;
      groupName = group === undefined ? 'custom (not an RFC 7919 group)' : nameOfGroup(group);
      fields.push({
        name: 'group',
        value: `${groupName} (p: ${bitLength(ske.params.p)} bits, g: ${hex(ske.params.g)})`,
        raw: group === undefined ? null : nameOfGroup(group),
        note: `${group === undefined ? 'custom, not an RFC 7919 group; ' : ''}p: ${bitLength(ske.params.p)} bits`,
      });
      fields.push({ name: 'dh_p', value: `${ske.params.p.length} bytes`, raw: hex(ske.params.p) });
      fields.push({ name: 'dh_g', value: hex(ske.params.g), raw: hex(ske.params.g) });
      fields.push({ name: 'dh_Ys', value: `${ske.params.ys.length} bytes  ${shortHex(ske.params.ys)} (one-time public value)`, raw: hex(ske.params.ys), note: 'one-time public value' });
    }
    fields.push({ name: 'signature_algorithm', value: schemeName(ske.scheme), raw: schemeName(ske.scheme) });
    fields.push({ name: 'signature', value: `${ske.signature.length} bytes over client_random + server_random + params`, raw: hex(ske.signature), note: 'over client_random + server_random + params' });
    return {
      name: 'ServerKeyExchange',
      fields,
      note:
        `The server\u2019s one-time ${groupName} key, signed with its certificate\u2019s private key over both randoms: the signature proves the server holds that key and ties this key to this handshake. ` +
        'The one-time key is discarded afterwards, so a key stolen later cannot decrypt this session (forward secrecy).',
    };
  }

  #certificateRequest(body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const cr = readCertificateRequestTls12(body);
    this.facts.certificateRequested = true;
    const cas = cr.certificateAuthorities.map(distinguishedName);
    return {
      name: 'CertificateRequest',
      fields: [
        {
          name: 'certificate_types',
          value: Array.from(cr.certificateTypes, (t) => nameOf(ClientCertificateType, t, 'ClientCertificateType')).join(', '),
          raw: Array.from(cr.certificateTypes, (t) => nameOrHex(ClientCertificateType, t, 2)),
        },
        { name: 'signature_algorithms', value: cr.signatureSchemes.map(schemeName).join(', '), raw: cr.signatureSchemes.map(schemeName) },
        { name: 'certificate_authorities', value: cas.length === 0 ? 'any (no list)' : cas, raw: cas, ...(cas.length === 0 ? { note: 'any: no list' } : {}) },
      ],
      note:
        'The server asks the client to authenticate as well; this is what makes TLS two-way. It lists the key types, signature schemes and CAs it accepts. ' +
        'The client must answer with a Certificate (possibly empty) and, if it sends one, prove it owns it with CertificateVerify.',
    };
  }

  #certificateRequest13(body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const cr = readCertificateRequestTls13(body);
    this.facts.certificateRequested = true;
    const fields: Field[] = [
      {
        name: 'certificate_request_context',
        value: cr.context.length === 0 ? 'empty (during the handshake)' : shortHex(cr.context),
        raw: hex(cr.context),
        ...(cr.context.length === 0 ? { note: 'empty: during the handshake' } : {}),
      },
    ];
    for (const e of cr.extensions) {
      if (e.type === ExtensionType.certificate_authorities) {
        const names = readDistinguishedNames(e.data);
        fields.push({ name: 'certificate_authorities', value: names, raw: names });
      } else {
        fields.push(...this.#extensions([e], 'server'));
      }
    }
    return {
      name: 'CertificateRequest',
      fields,
      note:
        'The server asks the client to authenticate as well; this is what makes TLS two-way. In TLS 1.3 the request is a list of extensions (which signature schemes, which CAs). ' +
        'The client answers after the server\u2019s Finished with a Certificate (possibly empty) and, if it has one, a CertificateVerify.',
    };
  }

  /** RFC 4279 §2, RFC 5489 §2: the identity hint, and for ECDHE_PSK the unsigned ECDHE params. */
  #pskServerKeyExchange(body: Uint8Array, ecdhe: boolean): Omit<DecodedMessage, 'protection'> {
    const ske = readPskServerKeyExchange(body, ecdhe);
    const hint = new TextDecoder().decode(ske.hint);
    const fields: Field[] = [{ name: 'psk_identity_hint', value: hint.length > 0 ? JSON.stringify(hint) : 'empty (no hint)', raw: hint }];
    if (ske.params) {
      this.facts.group = ske.params.namedCurve;
      const groupName = nameOfGroup(ske.params.namedCurve);
      fields.push({ name: 'named_curve', value: groupName, raw: groupName });
      fields.push({ name: 'public', value: `${ske.params.publicKey.length} bytes  ${shortHex(ske.params.publicKey)} (one-time public key)`, raw: hex(ske.params.publicKey), note: 'one-time public key' });
    }
    return {
      name: 'ServerKeyExchange',
      fields,
      note:
        'A PSK suite: no certificate, no signature. The hint tells the client which of its pre-shared keys this server expects' +
        (ske.params ? '; the one-time ECDHE key is not signed: the PSK mixed into the premaster secret is what authenticates it (RFC 5489).' : ' (RFC 4279).'),
    };
  }

  #clientKeyExchange(body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const suite = this.facts.suite;
    if (suite?.auth === 'PSK') {
      const cke = readPskClientKeyExchange(body, suite.kx === 'ECDHE_PSK');
      this.facts.pskIdentity = new TextDecoder().decode(cke.identity);
      const fields: Field[] = [{ name: 'psk_identity', value: JSON.stringify(this.facts.pskIdentity), raw: this.facts.pskIdentity }];
      if (cke.point) fields.push({ name: 'public', value: `${cke.point.length} bytes  ${shortHex(cke.point)}`, raw: hex(cke.point) });
      return {
        name: 'ClientKeyExchange',
        fields,
        note:
          `The client names its pre-shared key (${JSON.stringify(this.facts.pskIdentity)}); the key itself never crosses the wire. The premaster secret is ` +
          (cke.point ? 'the ECDHE shared secret followed by the PSK (RFC 5489).' : 'zeros followed by the PSK (RFC 4279): no forward secrecy.'),
        milestone: 'keys: premaster secret (from the PSK) + both randoms → master secret → a key block for each direction',
      };
    }
    const kx = suite?.kx ?? 'ECDHE';
    const value = readClientKeyExchange(body, kx);
    const group = this.facts.group === undefined ? '' : `${nameOfGroup(this.facts.group)} `;
    const milestone = `keys: premaster secret + both randoms \u2192 master secret${this.facts.extendedMasterSecret ? ' (over the session hash: EMS)' : ''} \u2192 a key block for each direction`;
    if (kx === 'RSA') {
      return {
        name: 'ClientKeyExchange',
        fields: [
          { name: 'kind', value: 'RSA key transport (RFC 5246 §7.4.7.1)', raw: 'RSA', note: 'RSA key transport (RFC 5246 §7.4.7.1)' },
          { name: 'encrypted_pre_master_secret', value: `${value.length} bytes  ${shortHex(value)}`, raw: hex(value) },
        ],
        note:
          'A fresh 48-byte premaster secret, encrypted with the RSA public key in the server\u2019s certificate: only the holder of the private key can read it. ' +
          'No forward secrecy: anyone who steals that key later can decrypt recorded sessions, which is why TLS 1.3 dropped RSA key exchange.',
        milestone,
      };
    }
    return {
      name: 'ClientKeyExchange',
      fields: [
        {
          name: 'kind',
          value: kx === 'DHE' ? 'DHE: the client\u2019s Diffie-Hellman public value (dh_Yc)' : 'ECDHE: the client\u2019s ephemeral public key',
          raw: kx,
          note: kx === 'DHE' ? 'the client\u2019s Diffie-Hellman public value (dh_Yc)' : 'the client\u2019s ephemeral public key',
        },
        { name: kx === 'DHE' ? 'dh_Yc' : 'public', value: `${value.length} bytes  ${shortHex(value)}`, raw: hex(value) },
      ],
      note:
        `The client\u2019s one-time ${group}public key. Each side combines its own private key with the other\u2019s public key and gets the same premaster secret, which never crosses the wire. ` +
        'With both randoms it becomes the master secret, and from that the keys for each direction.',
      milestone,
    };
  }

  #certificateVerify(from: Side, body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const cv = readCertificateVerify(body);
    const f = this.facts;
    if (from === 'client') f.clientCertificateVerified = true;
    else f.serverCertificateVerified = true;
    const scheme = schemeName(cv.scheme);
    if (this.#tls13) {
      return {
        name: 'CertificateVerify',
        fields: [
          { name: 'signature_algorithm', value: scheme, raw: scheme },
          {
            name: 'signature',
            value: `${cv.signature.length} bytes over 64 spaces + "TLS 1.3, ${from} CertificateVerify" + 0x00 + the transcript hash`,
            raw: hex(cv.signature),
            note: `over 64 spaces + "TLS 1.3, ${from} CertificateVerify" + 0x00 + the transcript hash`,
          },
        ],
        note:
          from === 'server'
            ? 'The server signs the hash of the whole handshake so far with its certificate\u2019s private key: proof that it holds the key, bound to this handshake (both randoms, both key shares). ' +
              'The context string keeps a signature made as a server from being replayed as a client\u2019s.'
            : 'The client proves it holds the private key of its certificate by signing the transcript; the server checks it with the public key in that certificate. ' +
              'Nothing is \u2018encrypted with the certificate\u2019: this signature is the whole of client authentication.',
      };
    }
    return {
      name: 'CertificateVerify',
      fields: [
        { name: 'signature_algorithm', value: scheme, raw: scheme },
        { name: 'signature', value: `${cv.signature.length} bytes over the hash of every handshake message so far`, raw: hex(cv.signature), note: 'over the hash of every handshake message so far' },
      ],
      note:
        'The client proves it holds the private key of its certificate by signing the transcript; the server checks the signature with the public key in that certificate. ' +
        'Nothing is \u2018encrypted with the certificate\u2019: this signature is the whole of client authentication.',
    };
  }

  #changeCipherSpec(from: Side): Omit<DecodedMessage, 'protection'> {
    if (this.#tls13 || this.facts.helloRetry) {
      return {
        name: 'ChangeCipherSpec',
        fields: [{ name: 'purpose', value: 'middlebox compatibility (RFC 8446 \u00a7D.4): changes nothing', raw: 'middlebox_compatibility', note: 'RFC 8446 \u00a7D.4: changes nothing' }],
        note:
          'A dummy, ignored by the peer: TLS 1.3 does not need it, but sending one makes the handshake look like a TLS 1.2 session resumption to old middleboxes that would otherwise drop the connection. ' +
          'It is not encrypted and not part of the transcript.',
      };
    }
    this.facts.encrypting.add(from);
    return {
      name: 'ChangeCipherSpec',
      fields: [],
      note: `Not a handshake message (so not in the transcript): one byte saying \u201cfrom my next record on, I encrypt with the new keys\u201d. Everything the ${from} sends after this is encrypted.`,
    };
  }

  #finished(from: Side, body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const fields: Field[] = [{ name: 'verify_data', value: `${hex(body)} (${body.length} bytes)`, raw: hex(body) }];
    const first = this.facts.finished.size === 0;
    let note: string;
    if (this.facts.resumed) {
      note = first
        ? 'An abbreviated handshake: the server goes first. Its MAC over the transcript, keyed by the resumed master secret, proves it knew that secret; no certificate was needed.'
        : 'The client\u2019s MAC over the whole transcript: both sides hold the resumed secret and saw the same messages. Application data may flow.';
    } else if (from === 'client') {
      note =
        'The first encrypted message: a MAC, keyed by the master secret, over every handshake message so far. ' +
        'A man in the middle who deleted strong suites from the ClientHello would make this fail \u2014 that is why downgrades are caught.';
    } else {
      note = 'The server\u2019s MAC over the whole transcript, the client\u2019s Finished included. When the client checks it, both sides know they saw the same handshake and hold the same keys: application data may flow.';
    }
    return { name: 'Finished', fields, note };
  }

  #finished13(from: Side, body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const hash = this.facts.suite13 ? `HMAC-${this.facts.suite13.hash.toUpperCase().replace('SHA', 'SHA-')}` : 'an HMAC';
    const fields: Field[] = [
      { name: 'verify_data', value: `${shortHex(body)} (${body.length} bytes: ${hash}, as long as the suite's hash)`, raw: hex(body), note: `${hash}, as long as the suite's hash` },
    ];
    if (from === 'server') {
      return {
        name: 'Finished',
        fields,
        note:
          'An HMAC over the hash of every message so far, keyed from the server\u2019s handshake secret. The server sends it without waiting for the client: ' +
          (this.facts.resumed ? 'in a resumption it proves the server knew the PSK, standing in for the certificate. ' : 'it confirms the whole handshake, and any tampering with the ClientHello (a downgrade) makes it fail. ') +
          'From here the server may already send application data.',
        milestone: 'keys: handshake secret \u2192 master secret \u2192 application traffic secrets (and the exporter secret)',
      };
    }
    return {
      name: 'Finished',
      fields,
      note:
        'The client\u2019s HMAC over the whole transcript, the server\u2019s Finished included: the last handshake message. ' +
        'The client switches to its application keys right after; the server switches when it has checked this.',
      milestone: 'keys: master secret + the full transcript \u2192 resumption master secret (tickets will be derived from it)',
    };
  }

  #newSessionTicket12(body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const nst = readNewSessionTicketTls12(body);
    this.facts.tickets++;
    return {
      name: 'NewSessionTicket',
      fields: [
        { name: 'ticket_lifetime_hint', value: `${nst.lifetimeHint} s`, raw: nst.lifetimeHint, note: 'seconds' },
        { name: 'ticket', value: `${nst.ticket.length} bytes  ${shortHex(nst.ticket)} (opaque to the client)`, raw: hex(nst.ticket), note: 'opaque to the client' },
      ],
      note:
        'RFC 5077: the server hands the client this session\u2019s state (master secret, suite), sealed under a key only the server knows, so it can resume later without the server keeping anything. ' +
        'Sent before the server\u2019s ChangeCipherSpec, so it travels in the clear; the sealing protects it.',
    };
  }

  #newSessionTicket13(body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const nst = readNewSessionTicket(body);
    this.facts.tickets++;
    const fields: Field[] = [
      { name: 'ticket_lifetime', value: `${nst.lifetime} s`, raw: nst.lifetime, note: 'seconds' },
      { name: 'ticket_age_add', value: `${hex(u32(nst.ageAdd))} (hides the ticket\u2019s age when it is reused)`, raw: nst.ageAdd >>> 0, note: 'hides the ticket\u2019s age when it is reused' },
      {
        name: 'ticket_nonce',
        value: nst.nonce.length === 0 ? 'empty' : `${hex(nst.nonce)} (makes this ticket\u2019s PSK distinct from the others)`,
        raw: hex(nst.nonce),
        note: 'makes this ticket\u2019s PSK distinct from the others',
      },
      { name: 'ticket', value: `${nst.ticket.length} bytes  ${shortHex(nst.ticket)} (opaque to the client)`, raw: hex(nst.ticket), note: 'opaque to the client' },
    ];
    fields.push(...this.#extensions(nst.extensions, 'server'));
    if (this.facts.tickets > 1) {
      return {
        name: 'NewSessionTicket',
        fields,
        note: `Ticket number ${this.facts.tickets}: servers often send several, so that a client can use each one only once; a ticket offered twice would let an onlooker link the two connections.`,
      };
    }
    return {
      name: 'NewSessionTicket',
      fields,
      note:
        'After the handshake, under the application keys: a ticket to resume this session later. The client stores it with a PSK it derives itself (resumption secret + nonce); ' +
        'the ticket is that session state sealed under a key only the server knows. Next time the client offers it in pre_shared_key and skips the certificate exchange.',
    };
  }

  #keyUpdate(from: Side, body: Uint8Array): Omit<DecodedMessage, 'protection'> {
    const request = readKeyUpdate(body);
    return {
      name: 'KeyUpdate',
      fields: [
        {
          name: 'request_update',
          value: request === 1 ? 'update_requested (the peer must update its keys too)' : 'update_not_requested',
          raw: request === 1 ? 'update_requested' : request === 0 ? 'update_not_requested' : request,
          ...(request === 1 ? { note: 'the peer must update its keys too' } : {}),
        },
      ],
      note:
        `The ${from} switches to fresh sending keys, derived one-way from the old ones: a key is not used for too many records, and a key leaked later cannot decrypt what was sent before. ` +
        'No new Diffie-Hellman: just the next step of the key chain.',
      milestone: `keys: the ${from}\u2019s traffic secret \u2192 the next one (HKDF-Expand-Label "traffic upd")`,
    };
  }

  #alert(from: Side, raw: Uint8Array, protection: Protection): Omit<DecodedMessage, 'protection'> {
    const a = readAlert(raw);
    const level = nameOf(AlertLevel, a.level, 'AlertLevel');
    const description = nameOf(AlertDescription, a.description, 'AlertDescription');
    const fatal = a.level === AlertLevel.fatal;
    const fields: Field[] = [
      { name: 'level', value: `${level} (${a.level})`, raw: nameOrHex(AlertLevel, a.level, 2) },
      { name: 'description', value: `${description} (${a.description})`, raw: nameOrHex(AlertDescription, a.description, 2) },
    ];
    if (protection !== 'clear') {
      fields.push({ name: 'protection', value: protection === 'encrypted' ? 'encrypted (sent after ChangeCipherSpec)' : `encrypted (${protection})`, raw: undefined }); // --json: the message's `protection`
    }
    let note: string;
    if (a.description === AlertDescription.close_notify) {
      note = 'close_notify: \u201cI will send nothing more\u201d. It lets the peer tell a clean end from an attacker cutting the connection short.';
    } else {
      const meaning = alertMeaning(a.description);
      note = fatal
        ? `A fatal alert: the ${from} gives up, and says why: ${description}, meaning ${meaning} The connection is dead; neither side may use it again.`
        : `A warning (${description}): ${meaning}`;
    }
    return { name: 'Alert', fields, note, alert: { level, description, fatal } };
  }
}

/** What an alert description means, in plain words (RFC 5246 §7.2.2, RFC 8446 §6.2). */
export function alertMeaning(description: number): string {
  return ALERT_MEANINGS[description] ?? 'see RFC 8446 §6.2.';
}

const ALERT_MEANINGS: Partial<Record<number, string>> = {
  [AlertDescription.unexpected_message]: 'a message arrived that the protocol does not allow at that point.',
  [AlertDescription.bad_record_mac]: 'a record failed its integrity check: it was altered, or the keys differ.',
  [AlertDescription.handshake_failure]: 'no acceptable set of parameters could be agreed, or a step the sender requires (such as a client certificate) was missing.',
  [AlertDescription.bad_certificate]: 'a certificate was corrupt or its signatures did not verify.',
  [AlertDescription.unsupported_certificate]: 'a certificate is of a type or purpose the sender does not accept.',
  [AlertDescription.certificate_expired]: 'a certificate has expired or is not yet valid.',
  [AlertDescription.certificate_unknown]: 'a certificate was refused for some other reason (often: it does not name the host).',
  [AlertDescription.illegal_parameter]: 'a field was out of range or inconsistent with the others.',
  [AlertDescription.unknown_ca]: 'the certificate chain does not lead to a CA the sender trusts.',
  [AlertDescription.decode_error]: 'a message could not be decoded.',
  [AlertDescription.decrypt_error]: 'a signature or a Finished did not verify.',
  [AlertDescription.protocol_version]: 'the protocol version offered is not supported.',
  [AlertDescription.insufficient_security]: 'the parameters offered are too weak.',
  [AlertDescription.internal_error]: 'something went wrong inside the sender, unrelated to the peer.',
  [AlertDescription.inappropriate_fallback]: 'the client retried with a lower version although the server supports a higher one (RFC 7507): someone interfered.',
  [AlertDescription.no_renegotiation]: 'renegotiation is refused.',
  [AlertDescription.missing_extension]: 'a TLS 1.3 message lacked an extension it must carry.',
  [AlertDescription.unsupported_extension]: 'an extension arrived that was not asked for.',
  [AlertDescription.unrecognized_name]: 'the server has no site of the name asked for (SNI).',
  [AlertDescription.unknown_psk_identity]: 'the PSK (ticket) offered is not known.',
  [AlertDescription.certificate_required]: 'a client certificate is required and none was sent.',
  [AlertDescription.no_application_protocol]: 'there is no application protocol (ALPN) in common.',
};

const MESSAGE_NAMES: Record<number, string> = {
  [HandshakeType.hello_request]: 'HelloRequest',
  [HandshakeType.client_hello]: 'ClientHello',
  [HandshakeType.server_hello]: 'ServerHello',
  [HandshakeType.new_session_ticket]: 'NewSessionTicket',
  [HandshakeType.end_of_early_data]: 'EndOfEarlyData',
  [HandshakeType.encrypted_extensions]: 'EncryptedExtensions',
  [HandshakeType.certificate]: 'Certificate',
  [HandshakeType.server_key_exchange]: 'ServerKeyExchange',
  [HandshakeType.certificate_request]: 'CertificateRequest',
  [HandshakeType.server_hello_done]: 'ServerHelloDone',
  [HandshakeType.certificate_verify]: 'CertificateVerify',
  [HandshakeType.client_key_exchange]: 'ClientKeyExchange',
  [HandshakeType.finished]: 'Finished',
  [HandshakeType.certificate_status]: 'CertificateStatus',
  [HandshakeType.key_update]: 'KeyUpdate',
};

/** The message name as the RFCs write it in prose ("ServerKeyExchange"). */
export function messageName(handshakeType: number): string {
  return MESSAGE_NAMES[handshakeType] ?? nameOf(HandshakeType, handshakeType, 'HandshakeType');
}

const EMPTY_CERTIFICATE_LIST: Field = { name: 'certificate_list', value: 'empty: no certificate', raw: [] };

/** One certificate of a chain: the ladder shows its summary; --json has the whole DER (and the summary under `certificates`). */
function certificateFields(c: CertificateSummary | UnreadableCertificate, i: number, chain: readonly (CertificateSummary | UnreadableCertificate)[]): Field[] {
  const label = `[${i}]`;
  const key = 'certificate_list';
  const raw = i === 0 ? chain.map((x) => x.der) : undefined;
  if ('error' in c) return [{ name: label, key, value: `unreadable: ${c.error}`, raw }];
  const lines = [
    `subject  ${c.subject}`,
    `issuer   ${c.issuer}${c.selfIssued ? ' (self-issued)' : ''}`,
    `valid    ${day(c.notBefore)} \u2192 ${day(c.notAfter)}`,
    `key      ${c.key}`,
  ];
  if (c.names.length > 0) lines.push(`names    ${c.names.join(', ')}`);
  return [{ name: label, key, value: lines, raw }];
}

/** certificate_authorities (RFC 8446 §4.2.4): DistinguishedName authorities<3..2^16-1>. */
function readDistinguishedNames(data: Uint8Array): string[] {
  const out: string[] = [];
  if (data.length < 2) return out;
  let i = 2;
  const end = Math.min(data.length, 2 + ((data[0]! << 8) | data[1]!));
  while (i + 2 <= end) {
    const len = (data[i]! << 8) | data[i + 1]!;
    out.push(distinguishedName(data.subarray(i + 2, i + 2 + len)));
    i += 2 + len;
  }
  return out;
}

function day(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d\d\.\d+Z$/, 'Z');
}

/** A ProtocolVersion as --json writes it: "TLSv1.2" (node:tls's spelling), else its hex code. */
export function versionCode(v: number): string {
  const names: Record<number, string> = {
    [ProtocolVersion.SSLv3]: 'SSLv3',
    [ProtocolVersion.TLSv1]: 'TLSv1',
    [ProtocolVersion.TLSv1_1]: 'TLSv1.1',
    [ProtocolVersion.TLSv1_2]: 'TLSv1.2',
    [ProtocolVersion.TLSv1_3]: 'TLSv1.3',
  };
  return names[v] ?? hexCode(v);
}

/** A value's name in one of the enums tables, else its hex code (for --json). */
function nameOrHex(table: Record<string, number>, v: number, digits: number): string {
  const name = nameOf(table, v);
  return name.endsWith(')') && name.startsWith('value(') ? hexCode(v, digits) : name;
}

/** A SignatureScheme's IANA name, else its hex code. */
function schemeName(v: number): string {
  const name = (Object.keys(SignatureScheme) as (keyof typeof SignatureScheme)[]).find((k) => SignatureScheme[k] === v);
  return name ?? hexCode(v);
}

/** A supported group's IANA name (for prose and JSON alike). */
function nameOfGroup(v: number): string {
  return groupName(v);
}

/** An extension the trace does not decode: its IANA name (or hex code) and its data in hex. */
function unknownExtension(e: Extension): Field {
  return { name: extensionName(e.type), value: `${e.data.length} bytes`, raw: hex(e.data) };
}

export function versionName(v: number): string {
  const names: Record<number, string> = {
    [ProtocolVersion.SSLv3]: 'SSL 3.0',
    [ProtocolVersion.TLSv1]: 'TLS 1.0',
    [ProtocolVersion.TLSv1_1]: 'TLS 1.1',
    [ProtocolVersion.TLSv1_2]: 'TLS 1.2',
    [ProtocolVersion.TLSv1_3]: 'TLS 1.3',
  };
  return `${names[v] ?? 'unknown'} (0x${v.toString(16).padStart(4, '0')})`;
}

/** "ECDHE-RSA-AES128-GCM-SHA256  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" for one offered suite. */
export function suiteLine(id: number): string {
  const s = tls12SuiteById(id);
  if (s) return `${s.openssl.padEnd(31)}${s.name}`;
  const s13 = tls13SuiteById(id);
  if (s13) return `${'(TLS 1.3)'.padEnd(31)}${s13.name}`;
  const iana = cipherSuiteName(id);
  return `${(iana.endsWith('_SCSV') ? '(a signal, not a suite)' : '(not supported here)').padEnd(31)}${iana}`;
}

/** The name --ciphers takes for a suite: OpenSSL's for TLS 1.2, IANA's for TLS 1.3. */
export function cipherName(id: number): string {
  return tls12SuiteById(id)?.openssl ?? tls13SuiteById(id)?.name ?? cipherSuiteName(id);
}

function chosenSuite(id: number, offered: number): string[] {
  const s = tls12SuiteById(id);
  if (s) return [`${s.openssl}, 1 of ${offered} offered`, s.name];
  const s13 = tls13SuiteById(id);
  if (s13) return [`${s13.name}, 1 of ${offered} offered (${s13.aead.toUpperCase()} with ${s13.hash.toUpperCase()})`];
  return [cipherSuiteName(id)];
}

export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** First and last two bytes, `5f1c…9a02`: enough to tell values apart, short enough to read. */
export function shortHex(b: Uint8Array): string {
  if (b.length <= 6) return hex(b);
  return `${hex(b.subarray(0, 2))}\u2026${hex(b.subarray(b.length - 2))}`;
}

function u32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function bitLength(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
}

/** RFC 8446 §4.2.11: an externally established PSK identity carries an obfuscated_ticket_age of 0. */
function isExternal(id: PskIdentity): boolean {
  return id.obfuscatedAge === 0;
}

function externalName(id: PskIdentity): string {
  return new TextDecoder().decode(id.identity);
}

/** One key share for --json: group, length, the bytes, and for an ML-KEM group its parts in wire order. */
function shareRaw(group: number, share: Uint8Array, side: 'client' | 'server'): { [key: string]: JsonValue } {
  const parts = shareParts(group, side);
  const fits = parts !== undefined && share.length === parts.reduce((n, p) => n + p.length, 0);
  return {
    group: groupName(group),
    length: share.length,
    key_exchange: hex(share),
    ...(fits ? { parts: parts.map((p) => ({ name: p.name, length: p.length, mlKem: p.name.startsWith('ML-KEM') })) } : {}),
  };
}

/** One key share: group, size, and for an ML-KEM group which bytes are ML-KEM (draft-ietf-tls-ecdhe-mlkem §3). */
function shareLine(group: number, share: Uint8Array, side: 'client' | 'server'): string {
  const parts = shareParts(group, side);
  const layout = parts && share.length === parts.reduce((n, p) => n + p.length, 0) ? ` (${parts.map((p) => `${p.name} ${p.length}`).join(' ‖ ')})` : '';
  return `${groupName(group)}: ${share.length} bytes${layout}  ${shortHex(share)}`;
}
