/**
 * The trace, the ladder, the diagnosis and `tlsglass demo`: the demo's scenarios run for real
 * (TCP on 127.0.0.1), and their messages, text and JSON are checked; each failure class of the
 * diagnosis is provoked through the real core in memory. Randoms and keys are never compared.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { demoCommand } from '../../src/cli/demo.js';
import { makeDemoPki, runScenario, runScenarios, type DemoPki, type Scenario, type ScenarioResult } from '../../src/cli/demo-scenarios.js';
import type { ClientOptions, ServerOptions } from '../../src/config.js';
import { ClientConnection, ServerConnection } from '../../src/connection/connection.js';
import { PeerAlert } from '../../src/errors.js';
import { writeClientHello } from '../../src/messages/client-hello.js';
import { frameHandshake } from '../../src/messages/handshake.js';
import { HandshakeType } from '../../src/messages/enums.js';
import { createCertificateAuthority, issueCertificate } from '../../src/pki/issue.js';
import { TraceDecoder } from '../../src/trace/decode.js';
import { diagnose } from '../../src/trace/diagnose.js';
import { renderLadder, renderSummary } from '../../src/trace/ladder.js';
import { Timeline } from '../../src/trace/timeline.js';

const ONE_WAY = ['ClientHello', 'ServerHello', 'Certificate', 'ServerKeyExchange', 'ServerHelloDone', 'ClientKeyExchange', 'ChangeCipherSpec', 'Finished', 'NewSessionTicket', 'ChangeCipherSpec', 'Finished'];

/** "C ClientHello" for every message, in order. */
function sequence(r: ScenarioResult): string[] {
  return r.messages.map((m) => `${m.from === 'client' ? 'C' : 'S'} ${m.decoded.name}`);
}

/** The numbered arrow lines of a plain ladder, as [number, name, direction]. */
function arrows(text: string): { n: number; name: string; from: 'client' | 'server' }[] {
  const out: { n: number; name: string; from: 'client' | 'server' }[] = [];
  for (const line of text.split('\n')) {
    const client = /^\s*(\d+)\s{2}(\S[^─]*?) ─+.*▶$/.exec(line);
    const server = /^\s*(\d+)\s{2}◀─+.* (\S.*)$/.exec(line);
    if (client) out.push({ n: Number(client[1]), name: client[2]!, from: 'client' });
    else if (server) out.push({ n: Number(server[1]), name: server[2]!, from: 'server' });
  }
  return out;
}

/** Runs demoCommand with its output collected (never through process.stdout, which node:test uses). */
async function runDemo(argv: string[]): Promise<{ code: number; text: string; errors: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await demoCommand(argv, { write: (t: string) => out.push(t) }, { write: (t: string) => err.push(t) });
  return { code, text: out.join(''), errors: err.join('') };
}

describe('demo scenarios over TCP', () => {
  let pki: DemoPki;
  const results = new Map<string, ScenarioResult>();
  before(async () => {
    pki = makeDemoPki();
    for (const r of await runScenarios({ transport: 'tcp', pki })) results.set(r.scenario.id, r);
  });
  const get = (id: string): ScenarioResult => {
    const r = results.get(id);
    assert.ok(r, `scenario ${id} ran`);
    return r;
  };

  test('every scenario behaves as expected', () => {
    assert.equal(results.size, 5);
    for (const r of results.values()) assert.deepEqual(r.problems, [], r.scenario.id);
  });

  test('one-way ECDHE: exactly the ten messages, in order, with the right arrows', () => {
    const r = get('one-way-ecdhe');
    assert.deepEqual(
      r.messages.map((m) => m.decoded.name),
      ONE_WAY,
    );
    const ladder = renderLadder(r.messages, { color: false });
    assert.deepEqual(
      arrows(ladder).map((a) => `${a.n} ${a.from} ${a.name}`),
      ['1 client ClientHello', '2 server ServerHello', '3 server Certificate', '4 server ServerKeyExchange', '5 server ServerHelloDone', '6 client ClientKeyExchange', '7 client ChangeCipherSpec', '8 client Finished', '9 server NewSessionTicket', '10 server ChangeCipherSpec', '11 server Finished'],
    );
    assert.doesNotMatch(ladder, /\x1b\[/, 'plain text has no ANSI codes');
    assert.match(ladder, /named_curve\s+x25519/);
    assert.match(ladder, /random\s+[0-9a-f]{4}…[0-9a-f]{4}/);
    assert.match(ladder, /cipher_suites\s+6 offered/);
    assert.match(ladder, /ECDHE-ECDSA-AES128-GCM-SHA256\s+TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256/);
    assert.match(ladder, /server_name\s+localhost/);
    assert.match(ladder, /extended_master_secret\s+yes/);
    assert.match(ladder, /subject\s+CN=localhost/);
    assert.match(ladder, /issuer\s+CN=tlsglass demo CA/);
    assert.match(ladder, /verify_data\s+[0-9a-f]{24} \(12 bytes\)/);
    assert.match(ladder, /downgrades are caught/);
    const summary = renderSummary(r.summary, { color: false });
    assert.match(summary, /version\s+TLS 1\.2/);
    assert.match(summary, /key exchange\s+ECDHE over x25519 \(forward secret\)/);
    assert.match(summary, /server authenticated\s+yes, CN=localhost/);
    assert.match(summary, /client authenticated\s+no, one-way TLS/);
    assert.match(summary, /ALPN\s+http\/1\.1/);
    assert.match(summary, /resumed\s+no/);
    // Sent by one side and received by the other: one entry, both sides' states.
    const finished = r.messages[7]!;
    assert.ok(finished.sender && finished.receiver);
    assert.deepEqual(r.data, { sent: r.data?.sent, received: r.data?.sent });
  });

  test('mutual: CertificateRequest, client Certificate and CertificateVerify in their places', () => {
    const r = get('mutual');
    assert.deepEqual(sequence(r), [
      'C ClientHello',
      'S ServerHello',
      'S Certificate',
      'S ServerKeyExchange',
      'S CertificateRequest',
      'S ServerHelloDone',
      'C Certificate',
      'C ClientKeyExchange',
      'C CertificateVerify',
      'C ChangeCipherSpec',
      'C Finished',
      'S NewSessionTicket',
      'S ChangeCipherSpec',
      'S Finished',
    ]);
    const ladder = renderLadder(r.messages, { color: false });
    assert.match(ladder, /subject\s+CN=demo client/);
    const verify = r.messages.find((m) => m.decoded.name === 'CertificateVerify')!;
    assert.match(verify.decoded.note, /signing the transcript.*Nothing is ‘encrypted with the certificate’/);
    assert.match(ladder, /why\s+The client proves it holds the private key of its certificate by signing the\s+transcript/);
    assert.equal(r.summary.client.authenticated, true);
    assert.match(renderSummary(r.summary, { color: false }), /client authenticated\s+yes, CN=demo client/);
  });

  test('RSA key exchange has no ServerKeyExchange and no forward secrecy', () => {
    const r = get('rsa-key-exchange');
    assert.deepEqual(
      r.messages.map((m) => m.decoded.name),
      ONE_WAY.filter((n) => n !== 'ServerKeyExchange'),
    );
    assert.equal(r.summary.suite?.iana, 'TLS_RSA_WITH_AES_128_GCM_SHA256');
    assert.equal(r.summary.forwardSecrecy, false);
    assert.match(renderLadder(r.messages, { color: false }), /encrypted_pre_master_secret\s+256 bytes/);
  });

  test('DHE runs over ffdhe2048', () => {
    const r = get('dhe');
    assert.equal(r.summary.keyExchange, 'DHE over ffdhe2048');
    assert.match(renderLadder(r.messages, { color: false }), /group\s+ffdhe2048 \(p: 2048 bits, g: 02\)/);
  });

  test('missing client certificate: the server sends handshake_failure and the diagnosis says why', () => {
    const r = get('missing-client-certificate');
    const last = r.messages[r.messages.length - 1]!;
    assert.equal(last.from, 'server');
    assert.deepEqual(last.decoded.alert, { level: 'fatal', description: 'handshake_failure', fatal: true });
    const certificate = r.messages.find((m) => m.from === 'client' && m.decoded.name === 'Certificate');
    assert.equal(certificate?.decoded.certificates?.length, 0);
    // The client's flight after its empty Certificate was never read by the server.
    assert.deepEqual(
      r.messages.filter((m) => m.read === false).map((m) => m.decoded.name),
      ['ClientKeyExchange', 'ChangeCipherSpec', 'Finished'],
    );
    const ladder = renderLadder(r.messages, { color: false });
    assert.match(ladder, /◀─+ Alert: fatal handshake_failure$/m);
    assert.match(ladder, /ClientKeyExchange ─+ \(never read: the server had already stopped\) ─+▶/);
    const client = r.diagnoses.client!;
    assert.equal(client.cause, 'the server asked for a client certificate (CertificateRequest) but none was configured: pass --cert/--key.');
    assert.deepEqual(client.alert, { index: r.messages.length, from: 'server', description: 'handshake_failure' });
    assert.equal(client.step, "message 7: the client's Certificate (empty)");
    assert.equal(r.diagnoses.server?.code, 'ERR_TLSGLASS_NO_PEER_CERTIFICATE');
    assert.equal(r.summary.completed, false);
  });
});

describe('demoCommand', () => {
  test('--json parses and says every scenario passed', async () => {
    const { code, text } = await runDemo(['--json']);
    assert.equal(code, 0);
    const json = JSON.parse(text) as {
      allPassed: boolean;
      transport: string;
      scenarios: { id: string; passed: boolean; expect: string; messages: { name: string; from: string; hex: string }[] }[];
    };
    assert.equal(json.allPassed, true);
    assert.equal(json.transport, 'tcp');
    assert.deepEqual(
      json.scenarios.map((s) => [s.id, s.passed]),
      [
        ['one-way-ecdhe', true],
        ['mutual', true],
        ['rsa-key-exchange', true],
        ['dhe', true],
        ['missing-client-certificate', true],
      ],
    );
    const first = json.scenarios[0]!.messages[0]!;
    assert.equal(first.name, 'ClientHello');
    assert.match(first.hex, /^010001?[0-9a-f]+$/);
  });

  test('text output is plain when asked, and ends with the verdict', async () => {
    const { code, text } = await runDemo(['--no-color', '--in-memory']);
    assert.equal(code, 0);
    assert.doesNotMatch(text, /\x1b\[/);
    assert.match(text, /in memory/);
    assert.match(text, /failed as intended/);
    assert.match(text, /All 5 scenarios behaved as expected\.\n$/);
  });

  test('unknown options are a usage error', async () => {
    const { code, errors } = await runDemo(['--bogus']);
    assert.equal(code, 2);
    assert.match(errors, /unknown option --bogus/);
  });
});

describe('diagnosis of each failure class (real core, in memory)', () => {
  let pki: DemoPki;
  before(() => {
    pki = makeDemoPki();
  });

  /** A one-off failing scenario through the same runner as the demo. */
  function failing(client: (p: DemoPki) => ClientOptions, server: (p: DemoPki) => ServerOptions): Promise<ScenarioResult> {
    const scenario: Scenario = { id: 'x', title: 'x', about: '', expect: 'failure', sequence: [], client, server, check: () => [] };
    return runScenario(scenario, pki, 'memory');
  }
  const serverOptions = (p: DemoPki): ServerOptions => ({ cert: p.rsaServer.certPem, key: p.rsaServer.keyPem });

  test('expired server certificate', async () => {
    const day = 86_400_000;
    const expired = issueCertificate({
      issuer: pki.ca,
      commonName: 'localhost',
      dnsNames: ['localhost'],
      notBefore: new Date(Date.now() - 30 * day),
      notAfter: new Date(Date.now() - 3 * day),
    });
    const r = await failing(
      (p) => ({ ca: p.ca.certPem, servername: 'localhost', maxVersion: 'TLSv1.2' }),
      () => ({ cert: expired.certPem, key: expired.keyPem }),
    );
    assert.equal(r.diagnoses.client?.code, 'CERT_HAS_EXPIRED');
    assert.match(r.diagnoses.client!.cause, /^certificate for 'localhost' expired 3 days ago/);
    assert.equal(r.diagnoses.client?.alert?.description, 'certificate_expired');
    assert.equal(r.diagnoses.client?.alert?.from, 'client');
    assert.match(r.diagnoses.server!.cause, /rejected our certificate as expired/);
  });

  test('hostname mismatch', async () => {
    const r = await failing((p) => ({ ca: p.ca.certPem, servername: 'example.test', maxVersion: 'TLSv1.2' }), serverOptions);
    assert.equal(r.diagnoses.client?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.match(r.diagnoses.client!.cause, /^hostname 'example\.test' not in the certificate's names \[localhost, 127\.0\.0\.1\]: pass --servername/);
    assert.match(r.diagnoses.server!.cause, /does not name the host the client asked for: 'example\.test' \(its SNI\), while ours names \[localhost, 127\.0\.0\.1\]/);
  });

  test('unknown CA', async () => {
    const other = createCertificateAuthority({ commonName: 'some other CA' });
    const r = await failing(() => ({ ca: other.certPem, servername: 'localhost', maxVersion: 'TLSv1.2' }), serverOptions);
    assert.equal(r.diagnoses.client?.alert?.description, 'unknown_ca');
    assert.match(r.diagnoses.client!.cause, /issued by 'CN=tlsglass demo CA'\) does not lead to a CA we trust: pass --ca/);
    assert.match(r.diagnoses.server!.cause, /does not trust the CA that issued our certificate/);
  });

  test('no cipher suite in common, from both sides', async () => {
    const r = await failing((p) => ({ ca: p.ca.certPem, servername: 'localhost', ciphers: 'AES128-GCM-SHA256', maxVersion: 'TLSv1.2' }), serverOptions);
    assert.match(r.diagnoses.server!.cause, /^no cipher suite in common: the client offered \[AES128-GCM-SHA256\], we support \[.*ECDHE-RSA-AES128-GCM-SHA256.*\]: pass --ciphers/);
    assert.match(r.diagnoses.client!.cause, /^no cipher suite in common .*we offered \[AES128-GCM-SHA256\]/);
    assert.equal(r.diagnoses.client?.step, "message 1: the client's ClientHello");
  });

  test('protocol_version: a TLS 1.1 client, and a server that refuses TLS 1.2', () => {
    // Our server, offered only TLS 1.1.
    const server = new ServerConnection({ cert: pki.rsaServer.certPem, key: pki.rsaServer.keyPem });
    const timeline = new Timeline().attach(server, 'server');
    const hello = frameHandshake(
      HandshakeType.client_hello,
      writeClientHello({ legacyVersion: 0x0302, random: new Uint8Array(32), legacySessionId: new Uint8Array(0), cipherSuites: [0x009c], legacyCompressionMethods: Uint8Array.of(0), extensions: [] }),
    ).raw;
    let error: unknown;
    try {
      server.receive(Uint8Array.of(22, 3, 1, hello.length >> 8, hello.length & 0xff, ...hello));
    } catch (e) {
      error = e;
    }
    const serverView = diagnose({ error, side: 'server', messages: timeline.messages, facts: timeline.facts });
    assert.equal(serverView.alert?.description, 'protocol_version');
    assert.match(serverView.cause, /^the client does not offer TLS 1\.2 or higher/);
    assert.match(renderLadder(timeline.messages, { color: false }), /client_version\s+TLS 1\.1 \(0x0302\)/);

    // Our client, answered with a protocol_version alert.
    const client = new ClientConnection({ servername: 'localhost', maxVersion: 'TLSv1.2' });
    const clientTimeline = new Timeline().attach(client, 'client');
    client.start();
    assert.throws(() => client.receive(Uint8Array.of(21, 3, 3, 0, 2, 2, 70)), PeerAlert);
    const clientView = diagnose({ error: client.failure, side: 'client', messages: clientTimeline.messages, facts: clientTimeline.facts });
    assert.equal(clientView.cause, 'the server does not support TLS 1.2 or higher, the only versions tlsglass speaks (RFC 8996 retired TLS 1.0 and 1.1).');
    assert.deepEqual(clientView.alert, { index: 2, from: 'server', description: 'protocol_version' });
  });

  test('anything else falls back to the alert and the error message', () => {
    const d = diagnose({ error: new PeerAlert(80, 2), side: 'client', messages: [], facts: new TraceDecoder().facts });
    assert.equal(d.cause, 'the server sent the fatal alert internal_error: something went wrong inside the sender, unrelated to the peer.');
  });
});
