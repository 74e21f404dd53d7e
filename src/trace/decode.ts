/**
 * Turns the raw bytes of one observed message into what a reader of the handshake wants: its
 * name, the fields that matter, and one line on what the message is for and why.
 *
 * A TraceDecoder holds the little context TLS 1.2 needs to decode later messages (the
 * ServerKeyExchange and ClientKeyExchange formats depend on the suite the ServerHello chose) and
 * collects the facts the summary and the diagnosis read back. Use one decoder per connection, and
 * feed it every message of that connection in wire order. It never throws: a message it cannot
 * decode is shown with the reason.
 */
import { tls12SuiteById, type Tls12Suite } from '../crypto/suites.js';
import { ffdheGroupFor } from '../crypto/ffdhe-groups.js';
import { readAlert } from '../messages/alert.js';
import { readCertificateRequestTls12 } from '../messages/certificate-request.js';
import { readCertificateVerify } from '../messages/certificate-verify.js';
import { readCertificateTls12 } from '../messages/certificate.js';
import { readClientHello } from '../messages/client-hello.js';
import { readClientKeyExchange } from '../messages/client-key-exchange.js';
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
import type { Extension } from '../messages/extensions/index.js';
import { readAlpn, readEcPointFormats, readRenegotiationInfo, readServerName, readU16ListExtension } from '../messages/extensions/simple.js';
import { readServerHello } from '../messages/server-hello.js';
import { readServerKeyExchange } from '../messages/server-key-exchange.js';
import { distinguishedName, summarizeCertificate, type CertificateSummary } from './certificate-summary.js';

export type Side = 'client' | 'server';

export function otherSide(side: Side): Side {
  return side === 'client' ? 'server' : 'client';
}

/** One decoded field: a single line, or a list shown one item per line. */
export interface Field {
  readonly name: string;
  readonly value: string | readonly string[];
  /** Long list items: print them full width under the field name rather than in the value column. */
  readonly block?: boolean;
}

export interface DecodedAlert {
  readonly level: string;
  readonly description: string;
  readonly fatal: boolean;
}

export interface DecodedMessage {
  /** "ClientHello", "Certificate", "ChangeCipherSpec", "Alert", … */
  readonly name: string;
  readonly fields: readonly Field[];
  /** What the message is for, and why, in one or two sentences. */
  readonly note: string;
  /** Certificate messages: the chain, leaf first. */
  readonly certificates?: readonly (CertificateSummary | { readonly error: string })[];
  /** Alert messages. */
  readonly alert?: DecodedAlert;
}

/** What the messages so far established; read by the summary and the diagnosis. */
export interface HandshakeFacts {
  offeredSuites: readonly number[];
  offeredGroups: readonly number[];
  offeredAlpn: readonly string[];
  serverName: string | undefined;
  suite: Tls12Suite | undefined;
  /** The suite id the server chose, even one we do not know. */
  suiteId: number | undefined;
  group: number | undefined;
  alpn: string | undefined;
  extendedMasterSecret: boolean;
  secureRenegotiation: boolean;
  serverCertificates: readonly (CertificateSummary | { readonly error: string })[];
  clientCertificates: readonly (CertificateSummary | { readonly error: string })[] | undefined;
  certificateRequested: boolean;
  clientCertificateVerified: boolean;
  /** Which sides have sent ChangeCipherSpec (their later messages travel encrypted). */
  encrypting: Set<Side>;
}

export class TraceDecoder {
  readonly facts: HandshakeFacts = {
    offeredSuites: [],
    offeredGroups: [],
    offeredAlpn: [],
    serverName: undefined,
    suite: undefined,
    suiteId: undefined,
    group: undefined,
    alpn: undefined,
    extendedMasterSecret: false,
    secureRenegotiation: false,
    serverCertificates: [],
    clientCertificates: undefined,
    certificateRequested: false,
    clientCertificateVerified: false,
    encrypting: new Set(),
  };

  /** Decodes one message sent by `from`; `raw` is what the observer reported. */
  decode(from: Side, contentType: number, handshakeType: number | undefined, raw: Uint8Array): DecodedMessage {
    try {
      switch (contentType) {
        case ContentType.change_cipher_spec:
          return this.#changeCipherSpec(from);
        case ContentType.alert:
          return this.#alert(from, raw);
        case ContentType.handshake:
          return this.#handshake(from, handshakeType ?? raw[0] ?? -1, raw.subarray(4));
        default:
          return { name: nameOf(ContentType, contentType, 'ContentType'), fields: [], note: '' };
      }
    } catch (e) {
      const name = handshakeType !== undefined ? messageName(handshakeType) : nameOf(ContentType, contentType, 'ContentType');
      return { name, fields: [{ name: 'undecodable', value: e instanceof Error ? e.message : String(e) }], note: 'The trace could not decode this message.' };
    }
  }

  #handshake(from: Side, type: number, body: Uint8Array): DecodedMessage {
    switch (type) {
      case HandshakeType.client_hello:
        return this.#clientHello(body);
      case HandshakeType.server_hello:
        return this.#serverHello(body);
      case HandshakeType.certificate:
        return this.#certificate(from, body);
      case HandshakeType.server_key_exchange:
        return this.#serverKeyExchange(body);
      case HandshakeType.certificate_request:
        return this.#certificateRequest(body);
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
        return this.#certificateVerify(body);
      case HandshakeType.finished:
        return this.#finished(from, body);
      default:
        return { name: messageName(type), fields: [{ name: 'length', value: `${body.length} bytes` }], note: '' };
    }
  }

  #clientHello(body: Uint8Array): DecodedMessage {
    const ch = readClientHello(body);
    const f = this.facts;
    f.offeredSuites = ch.cipherSuites;
    const fields: Field[] = [
      { name: 'client_version', value: versionName(ch.legacyVersion) },
      { name: 'random', value: shortHex(ch.random) },
      { name: 'session_id', value: ch.legacySessionId.length === 0 ? 'empty (a new session, no resumption)' : shortHex(ch.legacySessionId) },
      { name: 'cipher_suites', value: [`${ch.cipherSuites.length} offered, in the client's order of preference:`, ...ch.cipherSuites.map(suiteLine)], block: true },
      { name: 'compression_methods', value: ch.legacyCompressionMethods.length === 1 && ch.legacyCompressionMethods[0] === 0 ? 'null (none)' : hex(ch.legacyCompressionMethods) },
    ];
    if (ch.cipherSuites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV)) f.secureRenegotiation = true;
    fields.push(...this.#extensions(ch.extensions, 'client'));
    return {
      name: 'ClientHello',
      fields,
      note:
        'The client opens with its random (one of the two nonces every key is derived from) and everything it can do, so the server can choose. ' +
        'It travels in the clear, so an attacker could edit it; the Finished messages will catch that.',
    };
  }

  #serverHello(body: Uint8Array): DecodedMessage {
    const sh = readServerHello(body);
    const f = this.facts;
    f.suiteId = sh.cipherSuite;
    f.suite = tls12SuiteById(sh.cipherSuite);
    const fields: Field[] = [
      { name: 'server_version', value: versionName(sh.legacyVersion) },
      { name: 'random', value: shortHex(sh.random) },
      { name: 'session_id', value: sh.legacySessionId.length === 0 ? 'empty (this session cannot be resumed by id)' : shortHex(sh.legacySessionId) },
      { name: 'cipher_suite', value: chosenSuite(sh.cipherSuite, f.offeredSuites.length) },
      { name: 'compression_method', value: sh.legacyCompressionMethod === 0 ? 'null (none)' : String(sh.legacyCompressionMethod) },
      ...this.#extensions(sh.extensions, 'server'),
    ];
    const suite = f.suite;
    const kx = suite ? `${suite.kx} key exchange, ${suite.auth} certificate, ${suite.aead.toUpperCase()} record protection` : 'an unknown suite';
    return {
      name: 'ServerHello',
      fields,
      note: `The server picks one of each thing the client offered and adds its own random. Chosen: ${kx}; that fixes which messages follow.`,
    };
  }

  #extensions(extensions: readonly Extension[], from: Side): Field[] {
    const f = this.facts;
    const fields: Field[] = [];
    for (const e of extensions) {
      switch (e.type) {
        case ExtensionType.server_name: {
          const host = e.data.length === 0 ? '(acknowledged)' : (readServerName(e.data) ?? '(no host name)');
          if (from === 'client') f.serverName = host;
          fields.push({ name: 'server_name', value: from === 'client' ? `${host} (SNI: which site the client wants)` : host });
          break;
        }
        case ExtensionType.supported_groups: {
          const groups = readU16ListExtension(e.data, 'supported_groups');
          f.offeredGroups = groups;
          fields.push({ name: 'supported_groups', value: groups.map((g) => nameOf(NamedGroup, g, 'NamedGroup')).join(', ') });
          break;
        }
        case ExtensionType.ec_point_formats:
          fields.push({ name: 'ec_point_formats', value: Array.from(readEcPointFormats(e.data), (p) => (p === 0 ? 'uncompressed' : String(p))).join(', ') });
          break;
        case ExtensionType.signature_algorithms:
          fields.push({ name: 'signature_algorithms', value: readU16ListExtension(e.data, 'signature_algorithms').map((s) => nameOf(SignatureScheme, s, 'SignatureScheme')).join(', ') });
          break;
        case ExtensionType.application_layer_protocol_negotiation: {
          const protocols = readAlpn(e.data);
          if (from === 'client') f.offeredAlpn = protocols;
          else f.alpn = protocols[0];
          fields.push({ name: 'ALPN', value: from === 'client' ? `${protocols.join(', ')} (application protocols, preferred first)` : `${protocols.join(', ')} (chosen)` });
          break;
        }
        case ExtensionType.extended_master_secret:
          if (from === 'server') f.extendedMasterSecret = true;
          fields.push({ name: 'extended_master_secret', value: from === 'client' ? 'offered (RFC 7627: bind the keys to the whole handshake)' : 'yes: the master secret covers the whole handshake' });
          break;
        case ExtensionType.renegotiation_info: {
          const previous = readRenegotiationInfo(e.data);
          if (from === 'server') f.secureRenegotiation = true;
          fields.push({ name: 'renegotiation_info', value: previous.length === 0 ? 'empty (RFC 5746: a first handshake)' : shortHex(previous) });
          break;
        }
        default:
          fields.push({ name: nameOf(ExtensionType, e.type, 'extension'), value: `${e.data.length} bytes` });
      }
    }
    return fields;
  }

  #certificate(from: Side, body: Uint8Array): DecodedMessage {
    const chain = readCertificateTls12(body).map(summarizeCertificate);
    const f = this.facts;
    if (from === 'server') f.serverCertificates = chain;
    else f.clientCertificates = chain;
    const fields: Field[] = chain.length === 0 ? [{ name: 'certificate_list', value: 'empty: no certificate' }] : chain.flatMap(certificateFields);
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

  #serverKeyExchange(body: Uint8Array): DecodedMessage {
    const f = this.facts;
    const kind = f.suite?.kx === 'DHE' ? 'dhe' : 'ecdhe';
    const ske = readServerKeyExchange(body, kind);
    const fields: Field[] = [];
    let groupName: string;
    if (ske.params.kind === 'ecdhe') {
      f.group = ske.params.namedCurve;
      groupName = nameOf(NamedGroup, ske.params.namedCurve, 'NamedGroup');
      fields.push({ name: 'curve_type', value: 'named_curve' });
      fields.push({ name: 'named_curve', value: groupName });
      fields.push({ name: 'public', value: `${ske.params.publicKey.length} bytes  ${shortHex(ske.params.publicKey)} (one-time public key)` });
    } else {
      const group = ffdheGroupFor(ske.params.p, ske.params.g);
      f.group = group;
      groupName = group === undefined ? 'custom (not an RFC 7919 group)' : nameOf(NamedGroup, group);
      fields.push({ name: 'group', value: `${groupName} (p: ${bitLength(ske.params.p)} bits, g: ${hex(ske.params.g)})` });
      fields.push({ name: 'dh_Ys', value: `${ske.params.ys.length} bytes  ${shortHex(ske.params.ys)} (one-time public value)` });
    }
    fields.push({ name: 'signature_algorithm', value: nameOf(SignatureScheme, ske.scheme, 'SignatureScheme') });
    fields.push({ name: 'signature', value: `${ske.signature.length} bytes over client_random + server_random + params` });
    return {
      name: 'ServerKeyExchange',
      fields,
      note:
        `The server\u2019s one-time ${groupName} key, signed with its certificate\u2019s private key over both randoms: the signature proves the server holds that key and ties this key to this handshake. ` +
        'The one-time key is discarded afterwards, so a key stolen later cannot decrypt this session (forward secrecy).',
    };
  }

  #certificateRequest(body: Uint8Array): DecodedMessage {
    const cr = readCertificateRequestTls12(body);
    this.facts.certificateRequested = true;
    const cas = cr.certificateAuthorities.map(distinguishedName);
    return {
      name: 'CertificateRequest',
      fields: [
        { name: 'certificate_types', value: Array.from(cr.certificateTypes, (t) => nameOf(ClientCertificateType, t, 'ClientCertificateType')).join(', ') },
        { name: 'signature_algorithms', value: cr.signatureSchemes.map((s) => nameOf(SignatureScheme, s, 'SignatureScheme')).join(', ') },
        { name: 'certificate_authorities', value: cas.length === 0 ? 'any (no list)' : cas },
      ],
      note:
        'The server asks the client to authenticate as well; this is what makes TLS two-way. It lists the key types, signature schemes and CAs it accepts. ' +
        'The client must answer with a Certificate (possibly empty) and, if it sends one, prove it owns it with CertificateVerify.',
    };
  }

  #clientKeyExchange(body: Uint8Array): DecodedMessage {
    const suite = this.facts.suite;
    const kx = suite?.kx ?? 'ECDHE';
    const value = readClientKeyExchange(body, kx);
    const group = this.facts.group === undefined ? '' : `${nameOf(NamedGroup, this.facts.group, 'NamedGroup')} `;
    if (kx === 'RSA') {
      return {
        name: 'ClientKeyExchange',
        fields: [
          { name: 'kind', value: 'RSA key transport (RFC 5246 §7.4.7.1)' },
          { name: 'encrypted_pre_master_secret', value: `${value.length} bytes  ${shortHex(value)}` },
        ],
        note:
          'A fresh 48-byte premaster secret, encrypted with the RSA public key in the server\u2019s certificate: only the holder of the private key can read it. ' +
          'No forward secrecy: anyone who steals that key later can decrypt recorded sessions, which is why TLS 1.3 dropped RSA key exchange.',
      };
    }
    return {
      name: 'ClientKeyExchange',
      fields: [
        { name: 'kind', value: kx === 'DHE' ? 'DHE: the client\u2019s Diffie-Hellman public value (dh_Yc)' : 'ECDHE: the client\u2019s ephemeral public key' },
        { name: kx === 'DHE' ? 'dh_Yc' : 'public', value: `${value.length} bytes  ${shortHex(value)}` },
      ],
      note:
        `The client\u2019s one-time ${group}public key. Each side combines its own private key with the other\u2019s public key and gets the same premaster secret, which never crosses the wire. ` +
        'With both randoms it becomes the master secret, and from that the keys for each direction.',
    };
  }

  #certificateVerify(body: Uint8Array): DecodedMessage {
    const cv = readCertificateVerify(body);
    this.facts.clientCertificateVerified = true;
    return {
      name: 'CertificateVerify',
      fields: [
        { name: 'signature_algorithm', value: nameOf(SignatureScheme, cv.scheme, 'SignatureScheme') },
        { name: 'signature', value: `${cv.signature.length} bytes over the hash of every handshake message so far` },
      ],
      note:
        'The client proves it holds the private key of its certificate by signing the transcript; the server checks the signature with the public key in that certificate. ' +
        'Nothing is \u2018encrypted with the certificate\u2019: this signature is the whole of client authentication.',
    };
  }

  #changeCipherSpec(from: Side): DecodedMessage {
    this.facts.encrypting.add(from);
    return {
      name: 'ChangeCipherSpec',
      fields: [],
      note: `Not a handshake message (so not in the transcript): one byte saying \u201cfrom my next record on, I encrypt with the new keys\u201d. Everything the ${from} sends after this is encrypted.`,
    };
  }

  #finished(from: Side, body: Uint8Array): DecodedMessage {
    const fields: Field[] = [{ name: 'verify_data', value: `${hex(body)} (${body.length} bytes)` }];
    const note =
      from === 'client'
        ? 'The first encrypted message: a MAC, keyed by the master secret, over every handshake message so far. ' +
          'A man in the middle who deleted strong suites from the ClientHello would make this fail \u2014 that is why downgrades are caught.'
        : 'The server\u2019s MAC over the whole transcript, the client\u2019s Finished included. When the client checks it, both sides know they saw the same handshake and hold the same keys: application data may flow.';
    return { name: 'Finished', fields, note };
  }

  #alert(from: Side, raw: Uint8Array): DecodedMessage {
    const a = readAlert(raw);
    const level = nameOf(AlertLevel, a.level, 'AlertLevel');
    const description = nameOf(AlertDescription, a.description, 'AlertDescription');
    const fatal = a.level === AlertLevel.fatal;
    const fields: Field[] = [
      { name: 'level', value: `${level} (${a.level})` },
      { name: 'description', value: `${description} (${a.description})` },
    ];
    if (this.facts.encrypting.has(from)) fields.push({ name: 'protection', value: 'encrypted (sent after ChangeCipherSpec)' });
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
  return ALERT_MEANINGS[description] ?? 'see RFC 5246 §7.2.';
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
  [AlertDescription.no_renegotiation]: 'renegotiation is refused.',
  [AlertDescription.unsupported_extension]: 'an extension arrived that was not asked for.',
  [AlertDescription.unrecognized_name]: 'the server has no site of the name asked for (SNI).',
  [AlertDescription.certificate_required]: 'a client certificate is required and none was sent.',
  [AlertDescription.no_application_protocol]: 'there is no application protocol (ALPN) in common.',
};

const MESSAGE_NAMES: Record<number, string> = {
  [HandshakeType.hello_request]: 'HelloRequest',
  [HandshakeType.client_hello]: 'ClientHello',
  [HandshakeType.server_hello]: 'ServerHello',
  [HandshakeType.new_session_ticket]: 'NewSessionTicket',
  [HandshakeType.encrypted_extensions]: 'EncryptedExtensions',
  [HandshakeType.certificate]: 'Certificate',
  [HandshakeType.server_key_exchange]: 'ServerKeyExchange',
  [HandshakeType.certificate_request]: 'CertificateRequest',
  [HandshakeType.server_hello_done]: 'ServerHelloDone',
  [HandshakeType.certificate_verify]: 'CertificateVerify',
  [HandshakeType.client_key_exchange]: 'ClientKeyExchange',
  [HandshakeType.finished]: 'Finished',
  [HandshakeType.key_update]: 'KeyUpdate',
};

/** The message name as the RFCs write it in prose ("ServerKeyExchange"). */
export function messageName(handshakeType: number): string {
  return MESSAGE_NAMES[handshakeType] ?? nameOf(HandshakeType, handshakeType, 'HandshakeType');
}

function certificateFields(c: CertificateSummary | { readonly error: string }, i: number): Field[] {
  const label = `[${i}]`;
  if ('error' in c) return [{ name: label, value: `unreadable: ${c.error}` }];
  const lines = [
    `subject  ${c.subject}`,
    `issuer   ${c.issuer}${c.selfIssued ? ' (self-issued)' : ''}`,
    `valid    ${day(c.notBefore)} \u2192 ${day(c.notAfter)}`,
    `key      ${c.key}`,
  ];
  if (c.names.length > 0) lines.push(`names    ${c.names.join(', ')}`);
  return [{ name: label, value: lines }];
}

function day(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d\d\.\d+Z$/, 'Z');
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
  const iana = nameOf(CipherSuite, id, 'CipherSuite');
  return `${(iana.endsWith('_SCSV') ? '(a signal, not a suite)' : '(not supported here)').padEnd(31)}${iana}`;
}

function chosenSuite(id: number, offered: number): string[] {
  const s = tls12SuiteById(id);
  if (!s) return [nameOf(CipherSuite, id, 'CipherSuite')];
  return [`${s.openssl}, 1 of ${offered} offered`, s.name];
}

export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** First and last two bytes, `5f1c…9a02`: enough to tell values apart, short enough to read. */
export function shortHex(b: Uint8Array): string {
  if (b.length <= 6) return hex(b);
  return `${hex(b.subarray(0, 2))}\u2026${hex(b.subarray(b.length - 2))}`;
}

function bitLength(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
}
