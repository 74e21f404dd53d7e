/**
 * The trace, the ladder, the diagnosis and `tlsglass demo`: the demo's scenarios run for real
 * (TCP on 127.0.0.1), and their messages, text, JSON and web page are checked; each failure class
 * of the diagnosis is provoked through the real core in memory. Randoms and keys are never compared.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { demoCommand, demoHtml } from '../../src/cli/demo.js';
import { makeDemoPki, runScenario, runScenarios, sequenceOf, type DemoPki, type Scenario, type ScenarioResult } from '../../src/cli/demo-scenarios.js';
import { describeOptions, parseArgs, UsageError, COMMON_TLS_OPTIONS } from '../../src/cli/options.js';
import type { ClientOptions, ServerOptions } from '../../src/config.js';
import { ClientConnection, ServerConnection } from '../../src/connection/connection.js';
import { PeerAlert } from '../../src/errors.js';
import { writeClientHello } from '../../src/messages/client-hello.js';
import { frameHandshake } from '../../src/messages/handshake.js';
import { HandshakeType } from '../../src/messages/enums.js';
import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';
import { certificateLayout, summarizeCertificate } from '../../src/trace/certificate-summary.js';
import { TraceDecoder } from '../../src/trace/decode.js';
import { diagnose } from '../../src/trace/diagnose.js';
import { renderLadder, renderSummary } from '../../src/trace/ladder.js';
import { Timeline, type TraceMessage } from '../../src/trace/timeline.js';

const ONE_WAY_12 = ['C ClientHello', 'S ServerHello', 'S Certificate', 'S ServerKeyExchange', 'S ServerHelloDone', 'C ClientKeyExchange', 'C ChangeCipherSpec', 'C Finished', 'S NewSessionTicket', 'S ChangeCipherSpec', 'S Finished'];
const ONE_WAY_13 = ['C ClientHello', 'S ServerHello', 'S ChangeCipherSpec', 'S EncryptedExtensions', 'S Certificate', 'S CertificateVerify', 'S Finished', 'C ChangeCipherSpec', 'C Finished', 'S NewSessionTicket', 'S NewSessionTicket'];

/** Every scenario's message sequence, in wire order: the snapshot the demo must keep. */
const SEQUENCES: Record<string, readonly string[]> = {
  'one-way-ecdhe': ONE_WAY_12,
  mutual: [...ONE_WAY_12.slice(0, 4), 'S CertificateRequest', 'S ServerHelloDone', 'C Certificate', 'C ClientKeyExchange', 'C CertificateVerify', ...ONE_WAY_12.slice(6)],
  'rsa-key-exchange': ONE_WAY_12.filter((m) => m !== 'S ServerKeyExchange'),
  dhe: ONE_WAY_12,
  tls13: ONE_WAY_13,
  'tls13-mutual': [...ONE_WAY_13.slice(0, 4), 'S CertificateRequest', ...ONE_WAY_13.slice(4, 8), 'C Certificate', 'C CertificateVerify', ...ONE_WAY_13.slice(8)],
  'tls13-hello-retry': ['C ClientHello', 'S HelloRetryRequest', 'S ChangeCipherSpec', 'C ChangeCipherSpec', 'C ClientHello', 'S ServerHello', 'S EncryptedExtensions', 'S Certificate', 'S CertificateVerify', 'S Finished', 'C Finished', 'S NewSessionTicket', 'S NewSessionTicket'],
  'tls13-resumption': ['C ClientHello', 'S ServerHello', 'S ChangeCipherSpec', 'S EncryptedExtensions', 'S Finished', 'C ChangeCipherSpec', 'C Finished'],
  'tls13-post-quantum': ONE_WAY_13,
  'missing-client-certificate': [...ONE_WAY_12.slice(0, 4), 'S CertificateRequest', 'S ServerHelloDone', 'C Certificate', 'C ClientKeyExchange', 'C ChangeCipherSpec', 'C Finished', 'S Alert'],
};
const ORDER = Object.keys(SEQUENCES);

/** The numbered arrow lines of a plain ladder, as "id from name" ("S3 server Certificate"). */
function arrows(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const client = /^\s*(C\d+)\s{2}(\S[^─]*?) ─+.*▶$/.exec(line);
    const server = /^\s*(S\d+)\s{2}◀─.*─ (\S[^─]*)$/.exec(line);
    if (client) out.push(`${client[1]} client ${client[2]}`);
    else if (server) out.push(`${server[1]} server ${server[2]}`);
  }
  return out;
}

/** A sequence ("C ClientHello", …) as the ladder numbers it: by sender, "C1 client ClientHello". */
function numbered(sequence: readonly string[]): string[] {
  const count = { C: 0, S: 0 };
  return sequence.map((m) => {
    const side = m[0] as 'C' | 'S';
    return `${side}${++count[side]} ${side === 'C' ? 'client' : 'server'} ${m.slice(2)}`;
  });
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
  const ladder = (id: string): string => renderLadder(get(id).messages, { color: false });

  test('the notes’ TLS 1.2 flow first, then TLS 1.3, resumption, and the intended failure; each as expected', () => {
    assert.deepEqual([...results.keys()], ORDER);
    for (const r of results.values()) assert.deepEqual(r.problems, [], r.scenario.id);
  });

  test('every scenario sends exactly its messages, in order', () => {
    for (const [id, expected] of Object.entries(SEQUENCES)) assert.deepEqual(sequenceOf(get(id).messages), expected, id);
  });

  test('one-way ECDHE (TLS 1.2): the arrows and the fields that matter', () => {
    const r = get('one-way-ecdhe');
    const text = ladder('one-way-ecdhe');
    assert.deepEqual(arrows(text), numbered(ONE_WAY_12));
    assert.doesNotMatch(text, /\x1b\[/, 'plain text has no ANSI codes');
    assert.match(text, /client_version\s+TLS 1\.2 \(0x0303\)/);
    assert.match(text, /named_curve\s+x25519/);
    assert.match(text, /random\s+[0-9a-f]{4}…[0-9a-f]{4}/);
    assert.match(text, /cipher_suites\s+6 offered/);
    assert.match(text, /ECDHE-ECDSA-AES128-GCM-SHA256\s+TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256/);
    assert.match(text, /server_name\s+localhost/);
    assert.match(text, /extended_master_secret\s+yes/);
    assert.match(text, /subject\s+CN=localhost/);
    assert.match(text, /issuer\s+CN=tlsglass demo CA/);
    assert.match(text, /verify_data\s+[0-9a-f]{24} \(12 bytes\)/);
    assert.match(text, /downgrades are caught/);
    assert.match(text, /Finished ─+ \(encrypted\) ─+▶/, 'after its ChangeCipherSpec, the client encrypts');
    assert.match(text, /keys\s+premaster secret \+ both randoms → master secret/);
    const summary = renderSummary(r.summary, { color: false });
    assert.match(summary, /version\s+TLS 1\.2/);
    assert.match(summary, /key exchange\s+ECDHE over x25519 \(forward secret\)/);
    assert.match(summary, /server authenticated\s+yes, CN=localhost/);
    assert.match(summary, /client authenticated\s+no, one-way TLS/);
    assert.match(summary, /ALPN\s+http\/1\.1/);
    assert.match(summary, /resumed\s+no: a full handshake; the server issued a ticket/);
    // Sent by one side and received by the other: one entry, both sides' states.
    const finished = r.messages[7]!;
    assert.ok(finished.sender && finished.receiver);
    assert.equal(r.messages[0]!.sender?.before, 'NotStarted', 'the client observer sees its own ClientHello');
    assert.deepEqual(r.data, { sent: r.data?.sent, received: r.data?.sent });
  });

  test('mutual TLS 1.2: CertificateRequest, client Certificate and CertificateVerify in their places', () => {
    const r = get('mutual');
    const text = ladder('mutual');
    assert.match(text, /subject\s+CN=demo client/);
    const verify = r.messages.find((m) => m.decoded.name === 'CertificateVerify')!;
    assert.match(verify.decoded.note, /signing the transcript.*Nothing is ‘encrypted with the certificate’/);
    assert.equal(r.summary.client.authenticated, true);
    assert.match(renderSummary(r.summary, { color: false }), /client authenticated\s+yes, CN=demo client/);
  });

  test('RSA key exchange has no ServerKeyExchange and no forward secrecy; DHE runs over ffdhe2048', () => {
    const rsa = get('rsa-key-exchange');
    assert.equal(rsa.summary.suite?.iana, 'TLS_RSA_WITH_AES_128_GCM_SHA256');
    assert.equal(rsa.summary.forwardSecrecy, false);
    assert.match(ladder('rsa-key-exchange'), /encrypted_pre_master_secret\s+256 bytes/);
    assert.equal(get('dhe').summary.keyExchange, 'DHE over ffdhe2048');
    assert.match(ladder('dhe'), /group\s+ffdhe2048 \(p: 2048 bits, g: 02\)/);
  });

  test('TLS 1.3: one round trip, everything after the ServerHello encrypted, dummy ChangeCipherSpecs', () => {
    const r = get('tls13');
    const text = ladder('tls13');
    assert.deepEqual(arrows(text), numbered(ONE_WAY_13));
    assert.match(text, /legacy_version\s+TLS 1\.2 \(0x0303\): frozen; the real offer is supported_versions/);
    assert.match(text, /supported_versions\s+TLS 1\.3 \(0x0304\), TLS 1\.2 \(0x0303\)/);
    assert.match(text, /key_share\s+X25519MLKEM768: 1216 bytes \(ML-KEM-768 encapsulation key 1184 ‖\s+X25519 public key 32\)/);
    assert.match(text, /^\s+x25519: 32 bytes/m, 'and an x25519 share beside it');
    assert.match(text, /session_id\s+[0-9a-f]{4}…[0-9a-f]{4} \(32 random bytes: TLS 1\.3 middlebox compatibility/);
    assert.match(text, /supported_versions\s+TLS 1\.3 \(0x0304\) \(selected\)/);
    assert.match(text, /keys\s+the X25519MLKEM768 shared secret → handshake traffic secrets/);
    assert.match(text, /◀─+ \(encrypted: handshake keys\) ─+ EncryptedExtensions$/m);
    assert.match(text, /◀─+ \(encrypted: handshake keys\) ─+ Certificate$/m);
    assert.match(text, /◀─+ \(encrypted: application keys\) ─+ NewSessionTicket$/m);
    assert.match(text, /◀─{20,} ChangeCipherSpec$/m, 'the compatibility CCS travels in the clear');
    assert.match(text, /purpose\s+middlebox compatibility \(RFC 8446 §D\.4\)/);
    assert.match(text, /signature\s+256 bytes over 64 spaces \+ "TLS 1\.3, server/);
    assert.match(text, /verify_data\s+[0-9a-f]{4}…[0-9a-f]{4} \(32 bytes: HMAC-SHA-256/);
    assert.match(text, /ticket_lifetime\s+300 s/);
    assert.match(text, /certificate is encrypted|Unlike TLS 1\.2 it is encrypted/);
    const summary = renderSummary(r.summary, { color: false });
    assert.match(summary, /version\s+TLS 1\.3/);
    assert.match(summary, /cipher suite\s+TLS_AES_128_GCM_SHA256\n/);
    assert.match(r.summary.server.how, /server proved its key by signing the transcript \(CertificateVerify\)/);
    assert.doesNotMatch(summary, /extended master secret/, 'not a TLS 1.3 notion');
    assert.equal(r.summary.resumed, false);
  });

  test('TLS 1.3 mutual: the client authenticates, encrypted', () => {
    const r = get('tls13-mutual');
    assert.equal(r.summary.client.authenticated, true);
    const request = r.messages.find((m) => m.decoded.name === 'CertificateRequest')!;
    assert.equal(request.decoded.protection, 'handshake keys');
    assert.ok(request.decoded.fields.some((f) => f.name === 'signature_algorithms'));
    const clientCert = r.messages.find((m) => m.from === 'client' && m.decoded.name === 'Certificate')!;
    assert.equal(clientCert.decoded.protection, 'handshake keys');
    assert.match(renderLadder([clientCert], { color: false }), /subject\s+CN=demo client/);
  });

  test('HelloRetryRequest is named as such, with the group the server asked for', () => {
    const r = get('tls13-hello-retry');
    const text = ladder('tls13-hello-retry');
    assert.match(text, /◀─+ HelloRetryRequest$/m);
    assert.match(text, /key_share\s+selected_group x25519 \(the client sent a share for\s+secp256r1\)/);
    assert.match(text, /random\s+cf21ad74… = SHA-256\("HelloRetryRequest"\)/);
    assert.match(text, /key_share\s+secp256r1: 65 bytes/);
    assert.match(text, /The client tries again/);
    assert.equal(r.summary.helloRetry, true);
    assert.match(renderSummary(r.summary, { color: false }), /hello retry\s+yes/);
    // The server's and the client's compatibility CCS around the retry are both in the clear.
    assert.deepEqual(r.messages.slice(2, 4).map((m) => m.decoded.protection), ['clear', 'clear']);
  });

  test('resumption: a full first handshake with a ticket, then an abbreviated one offering it', () => {
    const r = get('tls13-resumption');
    assert.ok(r.first);
    assert.deepEqual(sequenceOf(r.first.messages), ONE_WAY_13);
    assert.equal(r.first.summary.resumed, false);
    assert.equal(r.summary.resumed, true);
    const text = ladder('tls13-resumption');
    assert.match(text, /pre_shared_key\s+identity 0: a \d+-byte ticket, obfuscated age \d+/);
    assert.match(text, /binder 0: 32 bytes/);
    assert.match(text, /psk_key_exchange_modes\s+psk_dhe_ke/);
    assert.match(text, /pre_shared_key\s+identity 0 accepted: this is a resumption/);
    assert.match(text, /binder proves the client holds that secret/);
    assert.doesNotMatch(text, /Certificate/);
    const summary = renderSummary(r.summary, { color: false });
    assert.match(summary, /resumed\s+yes: an abbreviated handshake/);
    assert.match(summary, /key exchange\s+PSK \(resumed\) \+ ECDHE \+ ML-KEM \(hybrid\) over X25519MLKEM768 \(forward\s+secret\)/);
    assert.match(summary, /server authenticated\s+yes, by the resumed session/);
    assert.match(renderLadder(r.first.messages, { color: false, compact: true }), /^\s+S7\s+◀─+ \(encrypted: application keys\) ─+ NewSessionTicket$/m);
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
    const text = ladder('missing-client-certificate');
    assert.match(text, /◀─+ Alert: fatal handshake_failure$/m);
    assert.match(text, /ClientKeyExchange ─+ \(never read: the server had already stopped\) ─+▶/);
    assert.match(text, /Finished ─+ \(encrypted; never read: the server had already stopped\) ─+▶/);
    const client = r.diagnoses.client!;
    assert.equal(client.cause, 'the server asked for a client certificate (CertificateRequest) but none was configured: pass --cert/--key.');
    assert.deepEqual(client.alert, { index: r.messages.length, from: 'server', description: 'handshake_failure' });
    assert.equal(client.step, "message 7: the client's Certificate (empty)");
    assert.equal(r.diagnoses.server?.code, 'ERR_TLSGLASS_NO_PEER_CERTIFICATE');
    assert.equal(r.summary.completed, false);
  });

  test('byte layouts cover each message exactly, and name the fields a reader looks for', () => {
    for (const r of results.values()) {
      for (const m of r.messages) {
        let at = 0;
        for (const region of m.layout) {
          assert.equal(region.start, at, `${r.scenario.id} #${m.index} ${m.decoded.name}: regions are contiguous`);
          assert.ok(region.end > region.start);
          at = region.end;
        }
        assert.equal(at, m.raw.length, `${r.scenario.id} #${m.index} ${m.decoded.name}: regions cover every byte`);
        assert.ok(!m.layout.some((x) => x.kind === 'unparsed'), `${r.scenario.id} #${m.index} ${m.decoded.name} parsed: ${JSON.stringify(m.layout.at(-1))}`);
      }
    }
    const hello = get('tls13').messages[0]!;
    const labels = hello.layout.map((x) => `${x.start}-${x.end} ${x.label}`);
    assert.ok(labels.includes('0-1 msg_type: ClientHello (1)'));
    assert.ok(labels.includes('1-4 length of the body: ' + (hello.raw.length - 4)));
    assert.ok(labels.includes('6-38 random (32 bytes)'));
    assert.ok(labels.some((l) => /cipher_suites: 9 suites, 2 bytes each$/.test(l)));
    assert.ok(labels.some((l) => /extension type: key_share \(51\)$/.test(l)));
    // key_share entry by entry, the hybrid's ML-KEM and X25519 parts apart (the HTML page's hex dump).
    const shares = (m: TraceMessage) => m.layout.filter((x) => x.kind === 'key' || /^(selected_)?group: |client_shares|key_exchange/.test(x.label)).map((x) => `${x.end - x.start} ${x.label}`);
    const pq = get('tls13-post-quantum').messages;
    assert.deepEqual(shares(pq[0]!), [
      '2 length of client_shares: 1256',
      '2 group: X25519MLKEM768 (4588)',
      '2 length of the X25519MLKEM768 key_exchange: 1216',
      '1184 X25519MLKEM768: ML-KEM-768 encapsulation key (1184 bytes)',
      '32 X25519MLKEM768: X25519 public key (32 bytes)',
      '2 group: x25519 (29)',
      '2 length of the x25519 key_exchange: 32',
      '32 x25519 key_exchange (32 bytes)',
    ]);
    assert.deepEqual(shares(pq[1]!), ['2 group: X25519MLKEM768 (4588)', '2 length of the X25519MLKEM768 key_exchange: 1120', '1088 X25519MLKEM768: ML-KEM-768 ciphertext (1088 bytes)', '32 X25519MLKEM768: X25519 public key (32 bytes)']);
    assert.deepEqual(shares(get('tls13-hello-retry').messages[1]!), ['2 selected_group: x25519 (29)']);
  });

  test('the web page: self-contained, one row per message, expandable details', () => {
    const page = demoHtml([...results.values()], 'tcp');
    assert.doesNotMatch(page, /\b(src|href)="(https?:)?\/\//, 'no network fetches');
    assert.doesNotMatch(page, /<link\b/);
    for (const [id, expected] of Object.entries(SEQUENCES)) {
      const section = page.slice(page.indexOf(`id="${id}-ladder"`));
      const names = [...section.slice(0, section.indexOf('</section>')).matchAll(/<div class="msg from-(client|server)[^"]*" data-index="\d+" data-name="([^"]+)"/g)].map((m) => `${m[1] === 'client' ? 'C' : 'S'} ${m[2]}`);
      assert.deepEqual(names, expected, id);
    }
    assert.match(page, /<div class="details" id="tls13-ladder-m1" hidden>/);
    assert.match(page, /<th>random<\/th>/);
    assert.match(page, /expired|valid now, \d+ days left/);
    assert.match(page, /Likely cause<\/dt><dd class="cause">the server asked for a client certificate/);
  });
});

describe('after the handshake', () => {
  test('KeyUpdate both ways and close: decoded under the application keys, with the key step', () => {
    const pki = makeDemoPki();
    const timeline = new Timeline();
    const client = new ClientConnection({ ca: pki.ca.certPem, servername: 'localhost', observer: timeline.observer('client') });
    const server = new ServerConnection({ cert: pki.ecdsaServer.certPem, key: pki.ecdsaServer.keyPem });
    timeline.attach(server, 'server');
    const pump = (): void => {
      for (let moved = true; moved; ) {
        moved = false;
        for (const r of client.takeOutgoing()) (server.receive(r), (moved = true));
        for (const r of server.takeOutgoing()) (client.receive(r), (moved = true));
      }
    };
    client.start();
    pump();
    client.keyUpdate(true);
    pump();
    const updates = timeline.messages.filter((m) => m.decoded.name === 'KeyUpdate');
    assert.deepEqual(updates.map((m) => `${m.from} ${m.decoded.fields[0]?.value}`), ['client update_requested (the peer must update its keys too)', 'server update_not_requested']);
    for (const m of updates) {
      assert.equal(m.decoded.protection, 'application keys');
      assert.match(m.decoded.milestone ?? '', /traffic secret → the next one/);
      assert.deepEqual(m.layout.map((r) => r.label), ['msg_type: KeyUpdate (24)', 'length of the body: 1', 'request_update']);
    }
    assert.match(renderLadder(updates, { color: false }), /KeyUpdate ─+ \(encrypted: application keys\) ─+▶/);
  });
});

describe('demoCommand', () => {
  test('--json: per scenario the message order and types, fields, hex, states and the outcome', async () => {
    const { code, text } = await runDemo(['--json']);
    assert.equal(code, 0);
    type Msg = { index: number; from: string; to: string; name: string; protection: string; fields: Record<string, unknown>; notes: Record<string, string>; hex: string; length: number; states: { sender: unknown; receiver: unknown }; layout: unknown[] };
    const json = JSON.parse(text) as {
      allPassed: boolean;
      transport: string;
      scenarios: { id: string; passed: boolean; expect: string; messages: Msg[]; first?: { messages: Msg[] }; outcome: { completed: boolean; summary: { version: string; resumed: boolean }; diagnoses: Record<string, { cause: string }> } }[];
    };
    assert.equal(json.allPassed, true);
    assert.equal(json.transport, 'tcp');
    assert.deepEqual(json.scenarios.map((s) => s.id), ORDER);
    for (const s of json.scenarios) {
      assert.equal(s.passed, true, s.id);
      assert.deepEqual(s.messages.map((m) => `${m.from === 'client' ? 'C' : 'S'} ${m.name}`), SEQUENCES[s.id], s.id);
      for (const m of s.messages) {
        assert.equal(m.to, m.from === 'client' ? 'server' : 'client');
        assert.match(m.hex, /^([0-9a-f]{2})+$/);
        assert.equal(m.hex.length, m.length * 2);
        assert.ok(m.layout.length > 0);
        assert.ok(m.states.sender || m.states.receiver, `${s.id} #${m.index} has states`);
      }
    }
    const byId = new Map(json.scenarios.map((s) => [s.id, s]));
    const first = byId.get('one-way-ecdhe')!.messages[0]!;
    assert.match(first.hex, /^010001?[0-9a-f]+$/);
    // Raw values: version names, full hex, IANA names, numbers; the prose apart in `notes`.
    assert.equal(first.fields['client_version'], 'TLSv1.2');
    assert.match(String(first.fields['random']), /^[0-9a-f]{64}$/);
    assert.ok((first.fields['cipher_suites'] as string[]).includes('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'));
    assert.deepEqual(first.fields['compression_methods'], [0]);
    assert.deepEqual(first.fields['ec_point_formats'], ['uncompressed']);
    assert.equal(first.notes['cipher_suites'], "in the client's order of preference");
    assert.deepEqual(byId.get('tls13')!.messages.map((m) => m.protection), ['clear', 'clear', 'clear', 'handshake keys', 'handshake keys', 'handshake keys', 'handshake keys', 'clear', 'handshake keys', 'application keys', 'application keys']);
    assert.equal(byId.get('tls13')!.outcome.summary.version, 'TLSv1.3');
    assert.equal(byId.get('tls13-resumption')!.outcome.summary.resumed, true);
    assert.deepEqual(byId.get('tls13-resumption')!.first?.messages.map((m) => m.name).slice(0, 2), ['ClientHello', 'ServerHello']);
    assert.equal(byId.get('missing-client-certificate')!.outcome.completed, false);
    assert.match(byId.get('missing-client-certificate')!.outcome.diagnoses['client']!.cause, /pass --cert\/--key/);
  });

  test('text output is plain when asked, and ends with the verdict', async () => {
    const { code, text } = await runDemo(['--no-color', '--in-memory']);
    assert.equal(code, 0);
    assert.doesNotMatch(text, /\x1b\[/);
    assert.match(text, /in memory/);
    assert.match(text, /═══ 5\/10  One-way TLS 1\.3 ═/);
    assert.match(text, /═══ 8\/10  TLS 1\.3 resumption with a ticket ═/);
    assert.match(text, /First connection: a full handshake that ends with a ticket/);
    assert.match(text, /failed as intended/);
    assert.match(text, /All 10 scenarios behaved as expected\.\n$/);
  });

  test('--only, and unknown options and scenarios are usage errors', async () => {
    const only = await runDemo(['--only', 'tls13-hello-retry', '--no-color']);
    assert.equal(only.code, 0);
    assert.match(only.text, /1 handshake, TLS 1\.2 and TLS 1\.3/);
    assert.match(only.text, /HelloRetryRequest/);
    const bogus = await runDemo(['--bogus']);
    assert.equal(bogus.code, 2);
    assert.match(bogus.errors, /unknown option --bogus/);
    const scenario = await runDemo(['--only', 'nope']);
    assert.equal(scenario.code, 2);
    assert.match(scenario.errors, /unknown scenario nope \(known: one-way-ecdhe/);
  });

  test('--help lists every option, each with an example', async () => {
    const { code, text } = await runDemo(['--help']);
    assert.equal(code, 0);
    for (const option of ['--json', '--html FILE', '--only IDS', '--no-color', '--in-memory', '--debug', '--help']) assert.match(text, new RegExp(`^  ${option} `, 'm'));
    assert.equal(text.match(/^\s+e\.g\. tlsglass demo/gm)?.length, 7);
  });
});

describe('command-line options', () => {
  test('an unknown option is a clear error, with a suggestion when one is close', () => {
    assert.throws(() => parseArgs(['--tarce'], COMMON_TLS_OPTIONS), (e: unknown) => e instanceof UsageError && e.message === 'unknown option --tarce (did you mean --trace?)');
    assert.throws(() => parseArgs(['--zzzzzz'], COMMON_TLS_OPTIONS), /^UsageError: unknown option --zzzzzz$/);
    assert.throws(() => parseArgs(['--keylog'], COMMON_TLS_OPTIONS), /option --keylog needs a value/);
  });

  test('every documented option has an example', () => {
    const text = describeOptions(COMMON_TLS_OPTIONS, 'tlsglass connect localhost:4433');
    for (const o of COMMON_TLS_OPTIONS.filter((x) => x.help)) {
      assert.ok(o.example, `${o.names[0]} has an example`);
      assert.ok(text.includes(o.names[0]!));
    }
    assert.match(text, /--trace\s+print the handshake on stderr/);
    assert.match(text, /e\.g\. tlsglass connect localhost:4433 --keylog keys\.txt/);
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

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`expired server certificate (${version})`, async () => {
      const day = 86_400_000;
      const expired = issueCertificate({
        issuer: pki.ca,
        commonName: 'localhost',
        dnsNames: ['localhost'],
        notBefore: new Date(Date.now() - 30 * day),
        notAfter: new Date(Date.now() - 3 * day),
      });
      const r = await failing(
        (p) => ({ ca: p.ca.certPem, servername: 'localhost', maxVersion: version }),
        () => ({ cert: expired.certPem, key: expired.keyPem }),
      );
      assert.equal(r.diagnoses.client?.code, 'CERT_HAS_EXPIRED');
      assert.match(r.diagnoses.client!.cause, /^certificate for 'localhost' expired 3 days ago/);
      assert.equal(r.diagnoses.client?.alert?.description, 'certificate_expired');
      assert.equal(r.diagnoses.client?.alert?.from, 'client');
      assert.match(r.diagnoses.client!.step!, /^message \d+: the server's Certificate$/);
      assert.match(r.diagnoses.server!.cause, /rejected our certificate as expired/);
    });
  }

  test('hostname mismatch', async () => {
    const r = await failing((p) => ({ ca: p.ca.certPem, servername: 'example.test', maxVersion: 'TLSv1.2' }), serverOptions);
    assert.equal(r.diagnoses.client?.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.match(r.diagnoses.client!.cause, /^hostname 'example\.test' not in the certificate's names \[localhost, 127\.0\.0\.1\]: pass --servername/);
    assert.match(r.diagnoses.server!.cause, /^the client refused our certificate: it asked for 'example\.test' \(its SNI\), but ours names \[localhost, 127\.0\.0\.1\]/);
  });

  test('unknown CA', async () => {
    const other = createCertificateAuthority({ commonName: 'some other CA' });
    const r = await failing(() => ({ ca: other.certPem, servername: 'localhost' }), serverOptions);
    assert.equal(r.diagnoses.client?.alert?.description, 'unknown_ca');
    assert.match(r.diagnoses.client!.cause, /^the server's certificate does not lead to a CA we trust: the server sent only its own certificate \('CN=localhost', issued by 'CN=tlsglass demo CA'\) and no CA in --ca is named 'CN=tlsglass demo CA'\. If 'CN=tlsglass demo CA' is a root CA, pass it with --ca/);
    assert.match(r.diagnoses.server!.cause, /does not trust the CA that issued our certificate/);
  });

  test('no cipher suite in common, TLS 1.2 and TLS 1.3, from both sides', async () => {
    const r = await failing((p) => ({ ca: p.ca.certPem, servername: 'localhost', ciphers: 'AES128-GCM-SHA256', maxVersion: 'TLSv1.2' }), serverOptions);
    assert.match(r.diagnoses.server!.cause, /^no cipher suite in common: the client offered \[AES128-GCM-SHA256\], we support \[.*ECDHE-RSA-AES128-GCM-SHA256.*\]: pass --ciphers/);
    assert.match(r.diagnoses.client!.cause, /^no cipher suite in common .*we offered \[AES128-GCM-SHA256\]/);
    assert.equal(r.diagnoses.client?.step, "message 1: the client's ClientHello");
    const r13 = await failing(
      (p) => ({ ca: p.ca.certPem, servername: 'localhost', ciphers: 'TLS_AES_256_GCM_SHA384', minVersion: 'TLSv1.3' }),
      (p) => ({ ...serverOptions(p), ciphers: 'TLS_CHACHA20_POLY1305_SHA256', minVersion: 'TLSv1.3' }),
    );
    assert.match(r13.diagnoses.server!.cause, /^no cipher suite in common: the client offered \[TLS_AES_256_GCM_SHA384\]/);
    assert.match(r13.diagnoses.client!.cause, /we offered \[TLS_AES_256_GCM_SHA384\]; the server did not say what it supports\. Pass --ciphers with others \(we also know TLS_AES_128_GCM_SHA256/);
  });

  test('missing client certificate under TLS 1.3: certificate_required, after the client thought it was done', async () => {
    const r = await failing((p) => ({ ca: p.ca.certPem, servername: 'localhost' }), (p) => ({ ...serverOptions(p), ca: p.ca.certPem, requestCert: true, rejectUnauthorized: true }));
    assert.equal(r.diagnoses.server?.alert?.description, 'certificate_required');
    assert.match(r.diagnoses.server!.step!, /^message \d+: the client's Certificate \(empty\)$/);
    assert.match(r.diagnoses.client!.cause, /pass --cert\/--key/);
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
    assert.equal(serverView.cause, 'the client offers only TLS 1.1, which we refuse (RFC 8996 retired TLS 1.0 and 1.1): the client must allow TLS 1.2 or 1.3.');
    assert.match(renderLadder(timeline.messages, { color: false }), /client_version\s+TLS 1\.1 \(0x0302\)/);

    // Our client, answered with a protocol_version alert.
    const client = new ClientConnection({ servername: 'localhost', maxVersion: 'TLSv1.2' });
    const clientTimeline = new Timeline().attach(client, 'client');
    client.start();
    assert.throws(() => client.receive(Uint8Array.of(21, 3, 3, 0, 2, 2, 70)), PeerAlert);
    const clientView = diagnose({ error: client.failure, side: 'client', messages: clientTimeline.messages, facts: clientTimeline.facts });
    assert.equal(clientView.cause, 'the server does not accept TLS 1.2, the only version we offered (--tls1.2 or --max-version TLSv1.2); it likely speaks only TLS 1.3: leave that option out.');
    assert.deepEqual(clientView.alert, { index: 2, from: 'server', description: 'protocol_version' });
  });

  test('a TLS 1.3-only client against a TLS 1.2 server is told to drop --tls1.3', async () => {
    const r = await failing((p) => ({ ca: p.ca.certPem, servername: 'localhost', minVersion: 'TLSv1.3' }), (p) => ({ ...serverOptions(p), maxVersion: 'TLSv1.2' }));
    assert.match(r.diagnoses.client!.cause, /does not accept TLS 1\.3, the only version we offered \(--tls1\.3 or --min-version TLSv1\.3\); it likely speaks only TLS 1\.2: leave that option out\.$/);
  });

  test('anything else falls back to the alert and the error message', () => {
    const d = diagnose({ error: new PeerAlert(80, 2), side: 'client', messages: [], facts: new TraceDecoder().facts });
    assert.equal(d.cause, 'the server sent the fatal alert internal_error: something went wrong inside the sender, unrelated to the peer.');
  });
});

describe('names from the IANA registries, and certificates field by field', () => {
  test('a ClientHello full of suites, groups and point formats tlsglass does not implement: each by its IANA name, unknown ones in hex', () => {
    const extension = (type: number, data: number[]): { type: number; data: Uint8Array } => ({ type, data: Uint8Array.from(data) });
    const groups = [0x0016, 0x001e, 0x0022, 0x11ec, 0x0a0a];
    const hello = writeClientHello({
      legacyVersion: 0x0303,
      random: new Uint8Array(32),
      legacySessionId: new Uint8Array(0),
      cipherSuites: [0x0005, 0xc0b4, 0x1304, 0xcafe],
      legacyCompressionMethods: Uint8Array.of(0),
      extensions: [extension(10, [0, groups.length * 2, ...groups.flatMap((g) => [g >> 8, g & 0xff])]), extension(11, [3, 0, 1, 2]), extension(27, [2, 0, 2]), extension(0x4469, [])],
    });
    const decoded = new TraceDecoder().decode('client', 22, HandshakeType.client_hello, frameHandshake(HandshakeType.client_hello, hello).raw);
    const field = (name: string) => decoded.fields.find((f) => f.name === name)!;
    assert.deepEqual(field('cipher_suites').raw, ['TLS_RSA_WITH_RC4_128_SHA', 'TLS_SHA256_SHA256', 'TLS_AES_128_CCM_SHA256', '0xcafe']);
    assert.match(String(field('cipher_suites').value), /\(not supported here\) +TLS_RSA_WITH_RC4_128_SHA/);
    assert.deepEqual(field('supported_groups').raw, ['secp256k1', 'x448', 'GC256A', 'X25519MLKEM768', '0x0a0a']);
    assert.equal(field('supported_groups').value, 'secp256k1, x448, GC256A, X25519MLKEM768, 0x0a0a');
    assert.deepEqual(field('ec_point_formats').raw, ['uncompressed', 'ansiX962_compressed_prime', 'ansiX962_compressed_char2']);
    // Extensions we do not decode: the IANA name (compress_certificate), else the hex code; the data in hex.
    assert.equal(field('compress_certificate').raw, '020002');
    assert.equal(field('0x4469').raw, '');
  });

  test('the DER of a certificate is laid out field by field, every byte accounted for', () => {
    const pki = makeDemoPki();
    const der = new Uint8Array(new X509Certificate(pki.rsaServer.certPem).raw);
    const summary = summarizeCertificate(der);
    assert.ok(!('error' in summary));
    assert.match(summary.serialNumber, /^[0-9a-f]+$/);
    assert.equal(summary.signatureAlgorithm, 'ecdsa-with-SHA256');
    assert.equal(summary.sha256, createHash('sha256').update(der).digest('hex'));
    const regions = certificateLayout(der);
    const labels = regions.map((r) => r.label);
    assert.ok(labels.includes(`serialNumber: ${summary.serialNumber}`));
    assert.ok(labels.includes('subject: CN=localhost'));
    assert.ok(labels.some((l) => l.startsWith('extension: subjectAltName')));
    assert.ok(labels.includes('signatureAlgorithm: ecdsa-with-SHA256'));
    assert.ok(!labels.some((l) => l.startsWith('not parsed')));
    // Regions never overlap and reach the last byte.
    for (let i = 1; i < regions.length; i++) assert.ok(regions[i]!.start >= regions[i - 1]!.end, labels[i]);
    assert.equal(regions.at(-1)!.end, der.length);
  });
});
