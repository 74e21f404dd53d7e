/**
 * Post-quantum key exchange against real peers (draft-ietf-tls-ecdhe-mlkem): OpenSSL 3.5
 * s_server ↔ our client and s_client ↔ our server with each ML-KEM group forced on the peer, the
 * default offers of both sides, HelloRetryRequests into and out of X25519MLKEM768, and Node 24's
 * node:tls both ways. The group is read from the peer's own output: s_client's "Negotiated TLS1.3
 * group:" line, s_server's -trace of the ServerHello it sent, node24's getEphemeralKeyInfo().
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NamedGroup } from '../../src/messages/enums.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { runOpensslClient, runPeer, runTlsglassConnectCli, spawnPeer, startOpensslServer, startTlsglassServer, tlsglassConnect, type PeerServer, type Scope } from '../helpers/peers.js';
import { NODE24, OPENSSL35, pqPeerMissing } from '../helpers/pq-peers.js';
import { testPki, writePkiFiles } from '../helpers/pki.js';

const pki = testPki();
const serverOptions = { key: pki.serverEcdsa.keyPem, cert: pki.serverEcdsa.certPem };
const clientOptions = { ca: pki.ca.certPem, servername: 'localhost' };
const FORCED = ['X25519MLKEM768', 'SecP256r1MLKEM768', 'SecP384r1MLKEM1024', 'MLKEM768'] as const;

const files = writePkiFiles(mkdtempSync(join(tmpdir(), 'tlsglass-pq-')));

/** s_server on OpenSSL 3.5 with -trace, which shows the group of every ServerHello it sends. */
function opensslServer(t: Scope, groups: string | undefined): Promise<PeerServer> {
  return startOpensslServer(t, ['-naccept', '1', '-rev', '-trace', '-cert', files.serverEcdsa.cert, '-key', files.serverEcdsa.key, ...(groups ? ['-groups', groups] : [])], OPENSSL35);
}

/** The groups of the ServerHellos (and HelloRetryRequests, whose key_share is 2 bytes) s_server's -trace shows it sent. */
function tracedServerHellos(trace: string): { group: string; retry: boolean }[] {
  const out: { group: string; retry: boolean }[] = [];
  for (const m of trace.matchAll(/ServerHello, Length=\d+[\s\S]*?key_share\(51\), length=(\d+)\n\s+NamedGroup: (\S+) \(\d+\)/g)) {
    out.push({ group: m[2]!, retry: m[1] === '2' });
  }
  return out;
}

/** Our client writes a line to s_server -rev and reads it back reversed, then closes; the trace is then complete. */
async function talkTo(server: PeerServer, socket: TLSSocket): Promise<string> {
  socket.write('post-quantum\n');
  const back = await new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
  assert.equal(back, 'mutnauq-tsop\n');
  socket.end();
  await server.waitFor(/^CONNECTION CLOSED$/m, 's_server to close');
  return server.stdoutText() + server.stderr();
}

/** s_client on OpenSSL 3.5 against our server; returns its output and our server's socket. */
async function opensslClientToUs(t: Scope, ours: Record<string, unknown>, groups: string | undefined): Promise<{ text: string; socket: TLSSocket }> {
  let accepted: TLSSocket | undefined;
  const server = await startTlsglassServer(t, { ...serverOptions, ...ours }, (s) => {
    accepted = s;
    s.on('data', (d: Buffer) => s.end(d));
  });
  const run = await runOpensslClient(t, server.port, ['-servername', 'localhost', '-ign_eof', ...(groups ? ['-groups', groups] : [])], 'hello\n', undefined, OPENSSL35);
  const text = run.stdout.toString() + run.stderr;
  assert.ok(accepted, `our server completed no handshake\n${run.report}\n${server.clientErrors.join('\n')}`);
  return { text, socket: accepted };
}

const noOpenssl35 = pqPeerMissing(OPENSSL35);

describe('OpenSSL 3.5 s_server ↔ tlsglass client', { skip: noOpenssl35 }, () => {
  for (const group of FORCED) {
    test(`${group} forced on s_server`, async (t) => {
      const server = await opensslServer(t, group);
      const socket = await tlsglassConnect(t, { ...clientOptions, port: server.port, ecdhCurve: `${group}:X25519` });
      const trace = await talkTo(server, socket);
      assert.deepEqual(tracedServerHellos(trace), [{ group, retry: false }], trace.slice(-2000));
      assert.deepEqual(socket.getEphemeralKeyInfo(), { type: 'TLSGroup', name: group });
    });
  }

  test('default offers negotiate X25519MLKEM768 without a retry', async (t) => {
    const server = await opensslServer(t, undefined);
    const socket = await tlsglassConnect(t, { ...clientOptions, port: server.port });
    const trace = await talkTo(server, socket);
    assert.deepEqual(tracedServerHellos(trace), [{ group: 'X25519MLKEM768', retry: false }]);
    assert.match(trace, /NamedGroup: X25519MLKEM768 \(4588\)\n\s+key_exchange: {2}\(len=1216\)[\s\S]*NamedGroup: ecdh_x25519 \(29\)\n\s+key_exchange: {2}\(len=32\)/, 'our ClientHello: X25519MLKEM768 and x25519 shares');
  });

  test('tlsglass connect --json --html against s_server -groups X25519MLKEM768: the group, the share sizes and the ML-KEM parts', async (t) => {
    const server = await opensslServer(t, 'X25519MLKEM768');
    const html = join(mkdtempSync(join(tmpdir(), 'tlsglass-pq-html-')), 'pq.html');
    const run = await runTlsglassConnectCli(t, [`localhost:${server.port}`, '--ca', files.ca, '--json', '--html', html], 'post-quantum\n');
    assert.equal(run.code, 0, run.report);
    const json = JSON.parse(run.stdout.toString()) as { messages: { name: string; fields: Record<string, unknown> }[]; outcome: { summary: Record<string, unknown> } };
    assert.equal(json.outcome.summary['group'], 'X25519MLKEM768');
    assert.equal(json.outcome.summary['keyExchange'], 'ECDHE + ML-KEM (hybrid) over X25519MLKEM768');
    const share = json.messages.find((m) => m.name === 'ServerHello')!.fields['key_share'] as { group: string; length: number; parts: unknown };
    assert.deepEqual({ group: share.group, length: share.length, parts: share.parts }, {
      group: 'X25519MLKEM768',
      length: 1120,
      parts: [{ name: 'ML-KEM-768 ciphertext', length: 1088, mlKem: true }, { name: 'X25519 public key', length: 32, mlKem: false }],
    });
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<th>Post-quantum<\/th><td>yes: [^<]*harvest now, decrypt later/);
    assert.match(page, /X25519MLKEM768: 1216 bytes \(ML-KEM-768 encapsulation key 1184 ‖ X25519 public key 32\)/);
    for (const label of ['X25519MLKEM768: ML-KEM-768 encapsulation key (1184 bytes)', 'X25519MLKEM768: ML-KEM-768 ciphertext (1088 bytes)', 'X25519MLKEM768: X25519 public key (32 bytes)']) {
      assert.ok(page.includes(JSON.stringify(label)), `the byte layout labels ${label}`);
    }
  });

  test('HelloRetryRequest x25519 → X25519MLKEM768', async (t) => {
    const server = await opensslServer(t, 'X25519MLKEM768');
    const socket = await tlsglassConnect(t, { ...clientOptions, port: server.port, ecdhCurve: 'X25519:X25519MLKEM768' });
    const trace = await talkTo(server, socket);
    assert.deepEqual(tracedServerHellos(trace), [{ group: 'X25519MLKEM768', retry: true }, { group: 'X25519MLKEM768', retry: false }]);
    assert.equal(socket.connection.negotiated.helloRetry, true);
  });

  test('HelloRetryRequest X25519MLKEM768 (+ P-256) → x25519', async (t) => {
    const server = await opensslServer(t, 'X25519');
    const socket = await tlsglassConnect(t, { ...clientOptions, port: server.port, ecdhCurve: 'X25519MLKEM768:P-256:X25519' });
    const trace = await talkTo(server, socket);
    assert.deepEqual(tracedServerHellos(trace), [{ group: 'ecdh_x25519', retry: true }, { group: 'ecdh_x25519', retry: false }]);
    assert.equal(socket.connection.negotiated.group, NamedGroup.x25519);
  });
});

describe('OpenSSL 3.5 s_client ↔ tlsglass server', { skip: noOpenssl35 }, () => {
  for (const group of FORCED) {
    test(`${group} forced on s_client`, async (t) => {
      // The pure ML-KEM groups are off by default (as OpenSSL): the server must name them.
      const { text, socket } = await opensslClientToUs(t, group.startsWith('MLKEM') ? { ecdhCurve: group } : {}, group);
      assert.match(text, new RegExp(`^Negotiated TLS1\\.3 group: ${group}$`, 'm'), text);
      assert.equal(socket.connection.negotiated.group, NamedGroup[group]);
    });
  }

  test('default offers negotiate X25519MLKEM768', async (t) => {
    const { text, socket } = await opensslClientToUs(t, {}, undefined);
    assert.match(text, /^Negotiated TLS1\.3 group: X25519MLKEM768$/m, text);
    assert.equal(socket.connection.negotiated.helloRetry, false);
  });

  test('hybridRetry: HelloRetryRequest x25519 → X25519MLKEM768; without it the x25519 share is taken', async (t) => {
    const retried = await opensslClientToUs(t, { hybridRetry: true }, 'X25519:X25519MLKEM768');
    assert.match(retried.text, /^Negotiated TLS1\.3 group: X25519MLKEM768$/m, retried.text);
    assert.equal(retried.socket.connection.negotiated.helloRetry, true);
    const plain = await opensslClientToUs(t, {}, 'X25519:X25519MLKEM768');
    assert.match(plain.text, /^Peer Temp Key: X25519, 253 bits$/m, plain.text);
    assert.equal(plain.socket.connection.negotiated.helloRetry, false);
  });

  test('HelloRetryRequest X25519MLKEM768 → x25519 from a server without ML-KEM groups', async (t) => {
    const { text, socket } = await opensslClientToUs(t, { ecdhCurve: 'X25519' }, 'X25519MLKEM768:X25519');
    assert.match(text, /^Peer Temp Key: X25519, 253 bits$/m, text);
    assert.equal(socket.connection.negotiated.helloRetry, true);
  });
});

/** node:tls on Node 24: a server printing its port, or a client printing what it negotiated. */
const NODE24_SERVER = `
const tls = require('node:tls');
const s = tls.createServer({ key: process.env.KEY, cert: process.env.CERT, ecdhCurve: process.argv[1] }, (c) => c.on('data', (d) => c.end(d)));
s.listen(0, '127.0.0.1', () => console.log('PORT ' + s.address().port));`;
const NODE24_CLIENT = `
const tls = require('node:tls');
const c = tls.connect({ host: '127.0.0.1', port: +process.argv[1], ca: process.env.CA, servername: 'localhost', ecdhCurve: process.argv[2] }, () => {
  console.log(JSON.stringify({ protocol: c.getProtocol(), key: c.getEphemeralKeyInfo() }));
  c.end('x');
});
c.on('data', () => {});`;

describe('Node 24 node:tls ↔ tlsglass', { skip: pqPeerMissing(NODE24) }, () => {
  test("node24 server (ecdhCurve: 'X25519MLKEM768') ↔ our default client", async (t) => {
    const server = spawnPeer(t, NODE24, ['-e', NODE24_SERVER, 'X25519MLKEM768'], undefined, { KEY: pki.serverEcdsa.keyPem, CERT: pki.serverEcdsa.certPem });
    t.after(() => server.kill());
    const port = Number((await server.waitFor(/^PORT (\d+)$/m, 'the node24 server port'))[1]);
    const socket = await tlsglassConnect(t, { ...clientOptions, port });
    assert.deepEqual(socket.getEphemeralKeyInfo(), { type: 'TLSGroup', name: 'X25519MLKEM768' });
    socket.end('echo');
    const back = await new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
    assert.equal(back, 'echo');
  });

  test("node24's default server ↔ our default client: X25519MLKEM768", async (t) => {
    const server = spawnPeer(t, NODE24, ['-e', NODE24_SERVER, 'auto'], undefined, { KEY: pki.serverEcdsa.keyPem, CERT: pki.serverEcdsa.certPem });
    t.after(() => server.kill());
    const port = Number((await server.waitFor(/^PORT (\d+)$/m, 'the node24 server port'))[1]);
    const socket = await tlsglassConnect(t, { ...clientOptions, port });
    assert.deepEqual(socket.getEphemeralKeyInfo(), { type: 'TLSGroup', name: 'X25519MLKEM768' });
    assert.equal(socket.connection.negotiated.helloRetry, false);
    socket.end();
  });

  test("node24 client (ecdhCurve: 'X25519MLKEM768') ↔ our default server", async (t) => {
    let group: number | undefined;
    const server = await startTlsglassServer(t, serverOptions, (s) => {
      group = s.connection.negotiated.group;
      s.on('data', (d: Buffer) => s.end(d));
    });
    const run = await runPeer(t, NODE24, ['-e', NODE24_CLIENT, String(server.port), 'X25519MLKEM768'], '', undefined, { CA: pki.ca.certPem });
    assert.equal(run.code, 0, run.report);
    assert.deepEqual(JSON.parse(run.stdout.toString()), { protocol: 'TLSv1.3', key: { type: 'TLSGroup', name: 'X25519MLKEM768' } });
    assert.equal(group, NamedGroup.X25519MLKEM768);
  });

  test("node24's default client ↔ our default server: X25519MLKEM768", async (t) => {
    const server = await startTlsglassServer(t, serverOptions, (s) => s.on('data', (d: Buffer) => s.end(d)));
    const run = await runPeer(t, NODE24, ['-e', NODE24_CLIENT, String(server.port), 'auto'], '', undefined, { CA: pki.ca.certPem });
    assert.equal(run.code, 0, run.report);
    assert.deepEqual(JSON.parse(run.stdout.toString()).key, { type: 'TLSGroup', name: 'X25519MLKEM768' });
  });

  test('the ML-KEM unit tests pass on node24 (native ML-KEM, cross-checked against noble)', async (t) => {
    const unit = fileURLToPath(new URL('../unit/ml-kem.test.js', import.meta.url));
    // Without the parent runner's NODE_TEST_CONTEXT, which would make the child report in its binary protocol.
    const run = await runPeer(t, NODE24, ['--test', '--test-reporter=spec', unit], '', 60_000, { NODE_TEST_CONTEXT: undefined });
    assert.equal(run.code, 0, run.report);
    assert.match(run.stdout.toString(), /✔ ML-KEM-768 native: key from d ‖ z, decapsulation/, run.report);
    assert.match(run.stdout.toString(), /✔ ML-KEM-768: noble keys, native encapsulates, noble decapsulates/, run.report);
  });
});
