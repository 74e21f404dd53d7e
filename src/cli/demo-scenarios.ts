/**
 * The demo's scenarios and the machinery that runs them: a throwaway PKI made in memory, then one
 * server and one client per scenario, over real TCP sockets on 127.0.0.1 (or, with
 * `transport: 'memory'`, the two sans-I/O connections pumped into each other). Both sides'
 * observer hooks feed one Timeline, so each message is listed once, in wire order.
 *
 * Each scenario says what it expects (success or the intended failure, the exact message
 * sequence, the key exchange…); `passed` is whether the run matched.
 */
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { ClientOptions, ServerOptions } from '../config.js';
import { ClientConnection, ServerConnection, type Connection } from '../connection/connection.js';
import { connect } from '../node/connect.js';
import { ownTransport, TLSSocket, type TLSSocketOptions } from '../node/tls-socket.js';
import { nodeCryptoProvider } from '../crypto/node/index.js';
import { ServerSessionStore } from '../session/server-store.js';
import { createCertificateAuthority, issueCertificate, type IssuedCertificate } from '../node/issue.js';
import type { Side } from '../trace/decode.js';
import { diagnose, type Diagnosis } from '../trace/diagnose.js';
import { certificatesOf } from './trace-output.js';
import { summarize, type HandshakeSummary } from '../trace/summary.js';
import { Timeline, type ApplicationDataRecord, type TraceMessage } from '../trace/timeline.js';

/** The throwaway PKI: one CA, an RSA and an ECDSA server certificate, and a client certificate. */
export interface DemoPki {
  readonly ca: IssuedCertificate;
  readonly rsaServer: IssuedCertificate;
  readonly ecdsaServer: IssuedCertificate;
  readonly client: IssuedCertificate;
}

export function makeDemoPki(): DemoPki {
  const ca = createCertificateAuthority({ commonName: 'tlsglass demo CA', keyType: 'ec' });
  const server = { issuer: ca, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
  return {
    ca,
    rsaServer: issueCertificate({ ...server, commonName: 'localhost', keyType: 'rsa' }),
    ecdsaServer: issueCertificate({ ...server, commonName: 'localhost', keyType: 'ec' }),
    client: issueCertificate({ issuer: ca, commonName: 'demo client', keyType: 'ec', extKeyUsage: ['clientAuth'] }),
  };
}

/** The host name the demo client asks for (SNI) and checks the certificate against. */
export const DEMO_SERVERNAME = 'localhost';

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** What the scenario shows, for the reader. */
  readonly about: string;
  readonly expect: 'success' | 'failure';
  /** Expected messages in wire order, "C ClientHello" / "S Alert". */
  readonly sequence: readonly string[];
  /**
   * Resumption: a first connection gets a session (a ticket), then a second one offers it.
   * `sequence` is the second connection's; `firstSequence` the first's.
   */
  readonly resume?: { readonly firstSequence: readonly string[] };
  client(pki: DemoPki): ClientOptions;
  server(pki: DemoPki): ServerOptions;
  /** Further expectations on the outcome; returns the problems found. */
  check(run: ScenarioRun): string[];
}

export interface ScenarioRun {
  readonly messages: readonly TraceMessage[];
  readonly summary: HandshakeSummary;
  readonly errors: Partial<Record<Side, Error>>;
  readonly diagnoses: Partial<Record<Side, Diagnosis>>;
  /** What the client sent after the handshake, and what came back (the server echoes). */
  readonly data: { readonly sent: string; readonly received: string } | undefined;
  /** The application data records, counted once each, from their sender. */
  readonly applicationData?: readonly ApplicationDataRecord[];
  /** Resumption scenarios: the first connection, which fetched the ticket the second one used. */
  readonly first?: { readonly messages: readonly TraceMessage[]; readonly summary: HandshakeSummary } | undefined;
}

export interface ScenarioResult extends ScenarioRun {
  readonly scenario: Scenario;
  readonly transport: 'tcp' | 'memory';
  /** "127.0.0.1:41234" over TCP. */
  readonly address: string | undefined;
  readonly passed: boolean;
  readonly problems: readonly string[];
  readonly ms: number;
}

const ONE_WAY = ['C ClientHello', 'S ServerHello', 'S Certificate', 'S ServerKeyExchange', 'S ServerHelloDone', 'C ClientKeyExchange', 'C ChangeCipherSpec', 'C Finished', 'S NewSessionTicket', 'S ChangeCipherSpec', 'S Finished'];

/** TLS 1.3, one-way: one round trip; the CCS messages are middlebox-compatibility dummies. */
const ONE_WAY_13 = ['C ClientHello', 'S ServerHello', 'S ChangeCipherSpec', 'S EncryptedExtensions', 'S Certificate', 'S CertificateVerify', 'S Finished', 'C ChangeCipherSpec', 'C Finished', 'S NewSessionTicket', 'S NewSessionTicket'];

const serverBase = (pki: DemoPki): ServerOptions => ({
  cert: [pki.rsaServer.certPem, pki.ecdsaServer.certPem],
  key: [pki.rsaServer.keyPem, pki.ecdsaServer.keyPem],
  ca: pki.ca.certPem,
  ALPNProtocols: ['http/1.1'],
});

/** TLS 1.3 is the default; the TLS 1.2 scenarios say maxVersion explicitly. */
const clientBase13 = (pki: DemoPki): ClientOptions => ({ ca: pki.ca.certPem, servername: DEMO_SERVERNAME, ALPNProtocols: ['h2', 'http/1.1'] });
const clientBase = (pki: DemoPki): ClientOptions => ({ ...clientBase13(pki), maxVersion: 'TLSv1.2' });

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'one-way-ecdhe',
    title: 'One-way TLS 1.2 with ECDHE',
    about: 'The everyday case, as in HTTPS: only the server proves who it is. The keys come from an ephemeral elliptic-curve Diffie-Hellman exchange.',
    expect: 'success',
    sequence: ONE_WAY,
    client: clientBase,
    server: serverBase,
    check: (run) => [...expectVersion(run, 'TLSv1.2'), ...expectKx(run, 'ECDHE'), ...expectAuth(run, true, false), ...(run.summary.alpn === 'http/1.1' ? [] : [`ALPN ${run.summary.alpn} instead of http/1.1`])],
  },
  {
    id: 'mutual',
    title: 'Two-way (mutual) TLS 1.2',
    about:
      'The server also wants to know who the client is. That takes three more messages: CertificateRequest, the client\u2019s Certificate and CertificateVerify. ' +
      'Nothing is \u201cencrypted with a certificate\u201d: certificates are public; the client signs the handshake with its private key, and the data is encrypted with keys from the key exchange.',
    expect: 'success',
    sequence: [
      ...ONE_WAY.slice(0, 4),
      'S CertificateRequest',
      'S ServerHelloDone',
      'C Certificate',
      'C ClientKeyExchange',
      'C CertificateVerify',
      ...ONE_WAY.slice(6),
    ],
    client: (pki) => ({ ...clientBase(pki), cert: pki.client.certPem, key: pki.client.keyPem }),
    server: (pki) => ({ ...serverBase(pki), requestCert: true }),
    check: (run) => [...expectKx(run, 'ECDHE'), ...expectAuth(run, true, true)],
  },
  {
    id: 'rsa-key-exchange',
    title: 'RSA key exchange (TLS 1.2)',
    about:
      'The old way: no ServerKeyExchange; the client encrypts the secret to the RSA key in the server\u2019s certificate. ' +
      'It works, but without forward secrecy; TLS 1.3 removed it.',
    expect: 'success',
    sequence: ONE_WAY.filter((m) => m !== 'S ServerKeyExchange'),
    client: (pki) => ({ ...clientBase(pki), ciphers: 'AES128-GCM-SHA256' }),
    server: (pki) => ({ ...serverBase(pki), ciphers: 'ALL' }),
    check: (run) => [...expectKx(run, 'RSA'), ...expectAuth(run, true, false)],
  },
  {
    id: 'dhe',
    title: 'DHE (finite-field Diffie-Hellman, ffdhe2048), TLS 1.2',
    about: 'Like ECDHE, but over the RFC 7919 ffdhe2048 group: the same messages, with much larger key shares.',
    expect: 'success',
    sequence: ONE_WAY,
    client: (pki) => ({ ...clientBase(pki), ciphers: 'DHE-RSA-AES128-GCM-SHA256', ecdhCurve: 'ffdhe2048' }),
    server: (pki) => ({ ...serverBase(pki), ciphers: 'ALL' }),
    check: (run) => [...expectKx(run, 'DHE'), ...(run.summary.keyExchange === 'DHE over ffdhe2048' ? [] : [`key exchange ${run.summary.keyExchange}, expected DHE over ffdhe2048`])],
  },
  {
    id: 'tls13',
    title: 'One-way TLS 1.3',
    about:
      'Today\u2019s default, in one round trip: the client sends a key share with its hello, so both sides have the keys after the ServerHello, and everything after it is encrypted, the certificate included. ' +
      'Gone are ServerKeyExchange, ServerHelloDone and ClientKeyExchange; the server proves its key with a CertificateVerify. The two ChangeCipherSpec messages are dummies for old middleboxes.',
    expect: 'success',
    sequence: ONE_WAY_13,
    client: clientBase13,
    server: serverBase,
    check: (run) => [...expectVersion(run, 'TLSv1.3'), ...expectKx(run, 'ECDHE'), ...expectAuth(run, true, false), ...(run.summary.resumed || run.summary.helloRetry ? ['unexpected resumption or retry'] : [])],
  },
  {
    id: 'tls13-mutual',
    title: 'Two-way (mutual) TLS 1.3',
    about:
      'The server asks for a certificate in an encrypted CertificateRequest; the client answers after the server\u2019s Finished with its Certificate and CertificateVerify, all encrypted: ' +
      'unlike TLS 1.2, an onlooker does not learn who the client is.',
    expect: 'success',
    sequence: [
      ...ONE_WAY_13.slice(0, 4),
      'S CertificateRequest',
      ...ONE_WAY_13.slice(4, 8),
      'C Certificate',
      'C CertificateVerify',
      ...ONE_WAY_13.slice(8),
    ],
    client: (pki) => ({ ...clientBase13(pki), cert: pki.client.certPem, key: pki.client.keyPem }),
    server: (pki) => ({ ...serverBase(pki), requestCert: true }),
    check: (run) => [...expectVersion(run, 'TLSv1.3'), ...expectAuth(run, true, true)],
  },
  {
    id: 'tls13-hello-retry',
    title: 'TLS 1.3 with a HelloRetryRequest',
    about:
      'The client guesses a key share for P-256 (secp256r1), but this server only takes x25519. Instead of failing, the server sends a HelloRetryRequest naming the group it wants, ' +
      'and the client sends a second ClientHello with an x25519 share: one extra round trip.',
    expect: 'success',
    sequence: ['C ClientHello', 'S HelloRetryRequest', 'S ChangeCipherSpec', 'C ChangeCipherSpec', 'C ClientHello', 'S ServerHello', 'S EncryptedExtensions', 'S Certificate', 'S CertificateVerify', 'S Finished', 'C Finished', 'S NewSessionTicket', 'S NewSessionTicket'],
    client: (pki) => ({ ...clientBase13(pki), ecdhCurve: 'P-256:X25519' }),
    server: (pki) => ({ ...serverBase(pki), ecdhCurve: 'X25519' }),
    check: (run) => [
      ...expectVersion(run, 'TLSv1.3'),
      ...(run.summary.helloRetry ? [] : ['no HelloRetryRequest in the summary']),
      ...(run.summary.keyExchange === 'ECDHE over x25519' ? [] : [`key exchange ${run.summary.keyExchange}, expected ECDHE over x25519`]),
    ],
  },
  {
    id: 'tls13-resumption',
    title: 'TLS 1.3 resumption with a ticket',
    about:
      'A first connection ends with two NewSessionTickets (one per connection to come, as OpenSSL). A second connection offers one of them as a pre-shared key (PSK), with a binder proving it holds the ticket\u2019s secret. ' +
      'The server accepts it, so no certificate is sent or checked: an abbreviated handshake, with a fresh X25519MLKEM768 exchange (ML-KEM-768 beside x25519) still mixed in for forward secrecy, and no new ticket (the session does not outlive its first handshake).',
    expect: 'success',
    resume: { firstSequence: ONE_WAY_13 },
    sequence: ['C ClientHello', 'S ServerHello', 'S ChangeCipherSpec', 'S EncryptedExtensions', 'S Finished', 'C ChangeCipherSpec', 'C Finished'],
    client: clientBase13,
    server: serverBase,
    check: (run) => [
      ...expectVersion(run, 'TLSv1.3'),
      ...(run.summary.resumed ? [] : ['the second handshake did not resume']),
      ...(run.first?.summary.resumed === false ? [] : ['the first handshake should be a full one']),
      ...(run.summary.keyExchange === 'PSK (resumed) + ECDHE + ML-KEM (hybrid) over X25519MLKEM768' ? [] : [`key exchange ${run.summary.keyExchange}`]),
    ],
  },
  {
    id: 'tls13-post-quantum',
    title: 'Post-quantum TLS 1.3: the X25519MLKEM768 hybrid',
    about:
      'This server takes only X25519MLKEM768 (draft-ietf-tls-ecdhe-mlkem), the group Chromium, Firefox, OpenSSL 3.5 and Node 24 offer first. ' +
      'The client\u2019s share is two public keys side by side: an ML-KEM-768 encapsulation key (1184 bytes, first) and an X25519 key (32 bytes); the server answers with an ML-KEM ciphertext (1088 bytes) and its own X25519 key. ' +
      'Both secrets feed the key schedule, so the keys stay safe unless both ML-KEM and X25519 are broken. That is the point: traffic recorded today cannot be decrypted later by a quantum computer (harvest now, decrypt later). ' +
      'The certificates are still classical: they only have to hold until the handshake ends.',
    expect: 'success',
    sequence: ONE_WAY_13,
    client: (pki) => ({ ...clientBase13(pki), ecdhCurve: 'X25519MLKEM768:X25519' }),
    server: (pki) => ({ ...serverBase(pki), ecdhCurve: 'X25519MLKEM768' }),
    check: (run) => [
      ...expectVersion(run, 'TLSv1.3'),
      ...(run.summary.keyExchange === 'ECDHE + ML-KEM (hybrid) over X25519MLKEM768' ? [] : [`key exchange ${run.summary.keyExchange}, expected ECDHE + ML-KEM (hybrid) over X25519MLKEM768`]),
      ...expectShare(run, 'ClientHello', 'X25519MLKEM768: 1216 bytes (ML-KEM-768 encapsulation key 1184 \u2016 X25519 public key 32)'),
      ...expectShare(run, 'ServerHello', 'X25519MLKEM768: 1120 bytes (ML-KEM-768 ciphertext 1088 \u2016 X25519 public key 32)'),
    ],
  },
  {
    id: 'missing-client-certificate',
    title: 'Failure on purpose: the server requires a client certificate the client lacks (TLS 1.2)',
    about: 'The server sends CertificateRequest and insists; the client has no certificate configured, so it answers with an empty Certificate. Watch who gives up, with which alert.',
    expect: 'failure',
    sequence: [
      ...ONE_WAY.slice(0, 4),
      'S CertificateRequest',
      'S ServerHelloDone',
      'C Certificate',
      'C ClientKeyExchange',
      'C ChangeCipherSpec',
      'C Finished',
      'S Alert',
    ],
    client: clientBase,
    server: (pki) => ({ ...serverBase(pki), requestCert: true, rejectUnauthorized: true }),
    check: (run) => {
      const problems: string[] = [];
      const last = run.messages[run.messages.length - 1];
      if (last?.from !== 'server' || last.decoded.alert?.description !== 'handshake_failure' || !last.decoded.alert.fatal) {
        problems.push('the server did not send a fatal handshake_failure alert last');
      }
      if (run.errors.server?.message !== 'the client sent no certificate') problems.push(`server error: ${run.errors.server?.message ?? 'none'}`);
      if (!/CertificateRequest.*--cert\/--key/.test(run.diagnoses.client?.cause ?? '')) problems.push(`client diagnosis: ${run.diagnoses.client?.cause ?? 'none'}`);
      return problems;
    },
  },
];

function expectVersion(run: ScenarioRun, version: 'TLSv1.2' | 'TLSv1.3'): string[] {
  return run.summary.version === version ? [] : [`version ${run.summary.version ?? 'none'}, expected ${version}`];
}

/** The first `message`'s key_share field names the group and its parts as `line` says. */
function expectShare(run: ScenarioRun, message: string, line: string): string[] {
  const field = run.messages.find((m) => m.decoded.name === message)?.decoded.fields.find((f) => f.name === 'key_share');
  const values = field === undefined ? [] : typeof field.value === 'string' ? [field.value] : field.value;
  return values.some((v) => v.startsWith(line)) ? [] : [`${message} key_share ${values.join('; ') || 'missing'}, expected ${line}`];
}

function expectKx(run: ScenarioRun, kx: 'ECDHE' | 'DHE' | 'RSA'): string[] {
  return run.summary.keyExchange?.startsWith(kx) ? [] : [`key exchange ${run.summary.keyExchange ?? 'none'}, expected ${kx}`];
}

function expectAuth(run: ScenarioRun, server: boolean, client: boolean): string[] {
  const problems: string[] = [];
  if (run.summary.server.authenticated !== server) problems.push(`server authenticated: ${run.summary.server.how}`);
  if (run.summary.client.authenticated !== client) problems.push(`client authenticated: ${run.summary.client.how}`);
  return problems;
}

/** Runs every scenario in turn (or those whose id is listed). */
export async function runScenarios(options: { transport: 'tcp' | 'memory'; pki?: DemoPki; only?: readonly string[] }): Promise<ScenarioResult[]> {
  const pki = options.pki ?? makeDemoPki();
  const results: ScenarioResult[] = [];
  for (const scenario of SCENARIOS) {
    if (options.only && !options.only.includes(scenario.id)) continue;
    results.push(await runScenario(scenario, pki, options.transport));
  }
  return results;
}

export async function runScenario(scenario: Scenario, pki: DemoPki, transport: 'tcp' | 'memory'): Promise<ScenarioResult> {
  const started = performance.now();
  // Resumption needs both connections to reach one server session store (a server process has one).
  const store = scenario.resume ? new ServerSessionStore(nodeCryptoProvider) : undefined;
  const serverOptions = (): ServerOptions => ({ ...scenario.server(pki), ...(store ? { sessionStore: store } : {}) });
  const once = (clientOptions: ClientOptions, timeline: Timeline): Promise<RawRun> =>
    transport === 'tcp' ? overTcp(clientOptions, serverOptions(), timeline) : Promise.resolve(overMemory(clientOptions, serverOptions(), timeline));

  let first: ScenarioRun['first'];
  let clientOptions = scenario.client(pki);
  if (scenario.resume) {
    const timeline = new Timeline();
    const raw = await once(clientOptions, timeline);
    first = { messages: timeline.messages, summary: summarize({ messages: timeline.messages, facts: timeline.facts, client: raw.client, server: raw.server }) };
    if (raw.session) clientOptions = { ...clientOptions, session: raw.session };
  }
  const timeline = new Timeline();
  const raw = await once(clientOptions, timeline);
  const messages = timeline.messages;
  const summary = summarize({ messages, facts: timeline.facts, client: raw.client, server: raw.server });
  const diagnoses: Partial<Record<Side, Diagnosis>> = {};
  const host = clientOptions.servername ?? '127.0.0.1';
  for (const side of ['client', 'server'] as const) {
    const error = raw.errors[side];
    const options = side === 'client' ? clientOptions : serverOptions();
    const anchors = certificatesOf(options.ca);
    const ourChains = options.cert !== undefined ? [certificatesOf(options.cert as string | Uint8Array) ?? []] : undefined;
    if (error) diagnoses[side] = diagnose({ error, side, messages, facts: timeline.facts, host, anchors, ourChains });
  }
  const run: ScenarioRun = { messages, summary, errors: raw.errors, diagnoses, data: raw.data, applicationData: timeline.applicationData, ...(first ? { first } : {}) };
  const problems = [...checkOutcome(scenario, run), ...scenario.check(run)];
  return { ...run, scenario, transport, address: raw.address, passed: problems.length === 0, problems, ms: Math.round(performance.now() - started) };
}

/** "C ClientHello" for each message, in wire order. */
export function sequenceOf(messages: readonly TraceMessage[]): string[] {
  return messages.map((m) => `${m.from === 'client' ? 'C' : 'S'} ${m.decoded.name}`);
}

function checkOutcome(scenario: Scenario, run: ScenarioRun): string[] {
  const problems: string[] = [];
  const sequence = sequenceOf(run.messages);
  if (sequence.join(',') !== scenario.sequence.join(',')) problems.push(`messages were [${sequence.join(', ')}]`);
  if (scenario.resume && run.first && sequenceOf(run.first.messages).join(',') !== scenario.resume.firstSequence.join(',')) {
    problems.push(`first connection's messages were [${sequenceOf(run.first.messages).join(', ')}]`);
  }
  if (scenario.expect === 'success') {
    if (!run.summary.completed) problems.push('the handshake did not complete');
    for (const [side, e] of Object.entries(run.errors)) problems.push(`${side} failed: ${e.message}`);
    if (run.data?.received !== run.data?.sent || run.data === undefined) problems.push('application data did not make the round trip');
  } else {
    if (run.summary.completed) problems.push('the handshake completed, but it should have failed');
    if (!run.errors.client || !run.errors.server) problems.push('both sides should report the failure');
  }
  return problems;
}

interface RawRun {
  readonly client: Connection | undefined;
  readonly server: Connection | undefined;
  readonly errors: Partial<Record<Side, Error>>;
  readonly data: { sent: string; received: string } | undefined;
  readonly address: string | undefined;
  /** The last session the client was given (the 'session' event), to resume with. */
  readonly session: Uint8Array | undefined;
}

const PING = 'GET / HTTP/1.1';
/** Upper bound for one scenario over TCP; they take milliseconds. */
const SCENARIO_TIMEOUT_MS = 5000;

/**
 * Over TCP: the server side is a TLSSocket wrapped around each accepted socket (so the observer is
 * attached before the first byte arrives); the client is connect() with the observer in its
 * options, so its ClientHello is seen as it is sent. The trace runs until the echo of a few bytes
 * came back, so messages sent after the handshake (TLS 1.3's NewSessionTicket) are in it.
 */
async function overTcp(clientOptions: ClientOptions, serverOptions: ServerOptions, timeline: Timeline): Promise<RawRun> {
  const errors: Partial<Record<Side, Error>> = {};
  let serverSocket: TLSSocket | undefined;
  let serverDone!: () => void;
  const serverSettled = new Promise<void>((resolve) => (serverDone = resolve));
  const netServer: NetServer = createNetServer({ allowHalfOpen: true }, (socket: Socket) => {
    const tls = new TLSSocket(socket, { ...serverOptions, isServer: true, [ownTransport]: true } as TLSSocketOptions); // half-open for the TLSSocket's FIN
    timeline.attach(tls.connection, 'server');
    serverSocket = tls;
    tls.on('secure', () => serverDone());
    tls.on('error', (e: Error) => {
      errors.server ??= e;
      serverDone();
    });
    tls.on('data', (d: Buffer) => tls.write(d)); // echo
    tls.on('end', () => tls.end());
  });
  await new Promise<void>((resolve, reject) => {
    netServer.once('error', reject);
    netServer.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = netServer.address() as AddressInfo;
  try {
    const client = connect({ host: '127.0.0.1', port, ...clientOptions, observer: timeline.observer('client') });
    let session: Uint8Array | undefined;
    client.on('session', (s: Buffer) => (session = s));
    const clientSettled = new Promise<void>((resolve) => {
      client.once('secureConnect', () => resolve());
      client.on('error', (e: Error) => {
        errors.client ??= e;
        resolve();
      });
    });
    await withTimeout(Promise.all([clientSettled, serverSettled]), SCENARIO_TIMEOUT_MS, 'handshake');
    let data: RawRun['data'];
    if (!errors.client && !errors.server) {
      const received = await withTimeout(
        new Promise<string>((resolve) => {
          let text = '';
          client.on('data', (d: Buffer) => {
            text += d.toString('latin1');
            if (text.length >= PING.length) resolve(text);
          });
          client.write(PING);
        }),
        SCENARIO_TIMEOUT_MS,
        'echo',
      );
      data = { sent: PING, received };
      timeline.stop();
      client.end();
      await withTimeout(new Promise<void>((resolve) => client.once('close', () => resolve())), SCENARIO_TIMEOUT_MS, 'close');
    }
    timeline.stop();
    client.destroy();
    return { client: client.connection, server: serverSocket?.connection, errors, data, address: `127.0.0.1:${port}`, session };
  } finally {
    serverSocket?.destroy();
    await new Promise<void>((resolve) => netServer.close(() => resolve()));
  }
}

/** In memory: the two sans-I/O connections, each one's output fed to the other until both are quiet. */
function overMemory(clientOptions: ClientOptions, serverOptions: ServerOptions, timeline: Timeline): RawRun {
  const client = new ClientConnection({ ...clientOptions, observer: timeline.observer('client') });
  const server = new ServerConnection(serverOptions);
  timeline.attach(server, 'server');
  const errors: Partial<Record<Side, Error>> = {};
  const deliver = (from: Connection, to: Connection, side: Side): boolean => {
    const records = from.takeOutgoing();
    for (const r of records) {
      if (to.failure) break;
      try {
        to.receive(r);
      } catch (e) {
        errors[side] ??= e as Error;
      }
    }
    return records.length > 0;
  };
  const pump = (): void => {
    for (let moved = true; moved; ) moved = deliver(client, server, 'server') || deliver(server, client, 'client');
  };
  client.start();
  pump();
  let data: RawRun['data'];
  const clientEvents = [];
  if (client.isEstablished && server.isEstablished) {
    client.write(new TextEncoder().encode(PING));
    pump();
    for (const e of server.takeEvents()) if (e.type === 'application-data') server.write(e.data);
    pump();
    clientEvents.push(...client.takeEvents());
    const received = clientEvents.flatMap((e) => (e.type === 'application-data' ? [new TextDecoder().decode(e.data)] : [])).join('');
    data = { sent: PING, received };
  }
  timeline.stop();
  const sessions = clientEvents.flatMap((e) => (e.type === 'session' ? [e.session] : []));
  return { client, server, errors, data, address: undefined, session: sessions.at(-1) };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for the ${what} (${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
