/**
 * node:tls's session API (issue 14), each scenario run against tlsglass and against node:tls with
 * the same code over real sockets: getSession() when 'secureConnect' comes, the 'session' events a
 * full and a resumed handshake give, getTLSTicket(), and ticket keys (validation, and that new keys
 * retire the old ones).
 */
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as nodeTls from 'node:tls';
import * as glass from '../../src/index.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const serverOptions = { cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem };
const clientOptions = { host: '127.0.0.1', servername: 'localhost', ca: pki.ca.certPem };

const impls = [
  ['tlsglass', glass as unknown as typeof nodeTls],
  ['node:tls', nodeTls],
] as const;

interface Run {
  reused: boolean;
  /** getSession() and getTLSTicket() in 'secureConnect'. */
  atSecure: Buffer | undefined;
  ticketAtSecure: Buffer | undefined;
  /** Each 'session' event's blob, and getSession()/getTLSTicket() as it came. */
  sessions: { session: Buffer; got: Buffer | undefined; ticket: Buffer | undefined }[];
}

/** One connection that reads the server's greeting to its end, offering `session`. */
async function run(tls: typeof nodeTls, port: number, version: 'TLSv1.2' | 'TLSv1.3', session?: Buffer): Promise<Run> {
  const result: Run = { reused: false, atSecure: undefined, ticketAtSecure: undefined, sessions: [] };
  const socket = tls.connect({ ...clientOptions, port, maxVersion: version, ...(session ? { session } : {}) }, () => {
    result.reused = socket.isSessionReused();
    result.atSecure = socket.getSession();
    result.ticketAtSecure = socket.getTLSTicket();
  });
  socket.on('session', (s: Buffer) => result.sessions.push({ session: s, got: socket.getSession(), ticket: socket.getTLSTicket() }));
  socket.resume();
  await once(socket, 'close');
  return result;
}

async function withServer<T>(tls: typeof nodeTls, options: object, body: (port: number, server: nodeTls.Server) => Promise<T>): Promise<T> {
  const server = tls.createServer({ ...serverOptions, ...options }, (s) => s.end('hello'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    return await body((server.address() as AddressInfo).port, server);
  } finally {
    server.close();
  }
}

for (const [name, tls] of impls) {
  test(`${name}, TLS 1.2: getSession() in 'secureConnect' is the session; a resumption gives no 'session' and keeps the ticket`, async () => {
    await withServer(tls, {}, async (port) => {
      const first = await run(tls, port, 'TLSv1.2');
      assert.equal(first.reused, false);
      assert.equal(first.sessions.length, 1);
      const [{ session, got, ticket }] = first.sessions as [Run['sessions'][0]];
      assert.ok(first.atSecure, 'getSession() in secureConnect');
      assert.equal(first.atSecure.compare(session), 0);
      assert.equal(got!.compare(session), 0);
      assert.ok(ticket && ticket.length > 0 && first.ticketAtSecure && ticket.equals(first.ticketAtSecure));
      const second = await run(tls, port, 'TLSv1.2', session);
      assert.equal(second.reused, true);
      assert.deepEqual(second.sessions, [], "no 'session' event: nothing new to keep");
      assert.equal(second.atSecure!.compare(session), 0, 'getSession() is the session resumed');
      assert.ok(second.ticketAtSecure!.equals(ticket));
    });
  });

  test(`${name}, TLS 1.3: right after the handshake getSession() is a session that does not resume; two tickets come; a resumption gets none`, async () => {
    await withServer(tls, {}, async (port) => {
      const first = await run(tls, port, 'TLSv1.3');
      assert.ok(first.atSecure, 'getSession() in secureConnect');
      assert.equal(first.ticketAtSecure, undefined, 'no ticket yet');
      assert.equal(first.sessions.length, 2, 'two NewSessionTickets');
      for (const { session, got, ticket } of first.sessions) {
        assert.equal(got!.compare(session), 0);
        assert.notEqual(first.atSecure.compare(session), 0);
        assert.ok(ticket && ticket.length > 16);
      }
      const early = await run(tls, port, 'TLSv1.3', first.atSecure);
      assert.equal(early.reused, false, 'the session from secureConnect does not resume');
      const session = first.sessions[0]!.session;
      const second = await run(tls, port, 'TLSv1.3', session);
      assert.equal(second.reused, true);
      assert.deepEqual(second.sessions, [], 'no new ticket on a resumed connection');
      assert.equal(second.atSecure!.compare(session), 0);
      assert.ok(second.ticketAtSecure!.equals(first.sessions[0]!.ticket!));
    });
  });

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${name}, ${version}: setTicketKeys() retires the old keys; setting them back resumes again`, async () => {
      const keys = randomBytes(48);
      await withServer(tls, { ticketKeys: keys }, async (port, server) => {
        assert.ok(server.getTicketKeys().equals(keys));
        const session = (await run(tls, port, version)).sessions[0]!.session;
        server.setTicketKeys(randomBytes(48));
        assert.equal((await run(tls, port, version, session)).reused, false, 'under new keys');
        server.setTicketKeys(keys);
        assert.equal((await run(tls, port, version, session)).reused, true, 'under the first keys again');
      });
    });
  }

  test(`${name}: ticket keys are checked as node:tls checks them`, () => {
    const server = new tls.Server();
    for (const bad of [null, undefined, 0, 'x', {}, [], true]) {
      assert.throws(() => server.setTicketKeys(bad as unknown as Buffer), {
        code: 'ERR_INVALID_ARG_TYPE',
        message: /^The "buffer" argument must be an instance of Buffer, TypedArray, or DataView\. Received/,
      });
    }
    for (const short of [new Uint8Array(1), Buffer.from([1]), new DataView(new ArrayBuffer(2))]) {
      assert.throws(() => server.setTicketKeys(short as Buffer), /Session ticket keys must be a 48-byte buffer/);
    }
    server.setTicketKeys(new Uint8Array(48).fill(3) as Buffer);
    assert.ok(server.getTicketKeys().equals(Buffer.alloc(48, 3)));
    assert.throws(() => tls.createServer({ ticketKeys: 'x' as unknown as Buffer }), {
      code: 'ERR_INVALID_ARG_TYPE',
      message: `The "options.ticketKeys" property must be an instance of Buffer, TypedArray, or DataView. Received type string ('x')`,
    });
    assert.throws(() => tls.createServer({ ticketKeys: Buffer.alloc(3) }), {
      code: 'ERR_INVALID_ARG_VALUE',
      message: "The property 'options.ticketKeys' must be exactly 48 bytes. Received 3",
    });
  });
}

test('cluster workers share ticket keys, as node:tls servers do: a session from one worker resumes on the others', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlsglass-cluster-'));
  const worker = join(dir, 'worker.mjs');
  writeFileSync(
    worker,
    `import tls from ${JSON.stringify(new URL('../../src/index.js', import.meta.url).href)};
const server = tls.createServer(JSON.parse(process.env.TLSGLASS_SERVER), (c) => {
  process.send({ reused: c.isSessionReused() });
  c.end('x');
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => m === 'die' && server.close(() => process.exit(0)));
`,
  );
  cluster.setupPrimary({ exec: worker });
  const env = { TLSGLASS_SERVER: JSON.stringify({ cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem }) };
  const workers = [cluster.fork(env), cluster.fork(env), cluster.fork(env)];
  try {
    const reused: boolean[] = [];
    const ports = await Promise.all(workers.map((w) => new Promise<number>((resolve) => w.on('message', (m: { port?: number; reused?: boolean }) => (m.port ? resolve(m.port) : reused.push(m.reused!))))));
    assert.equal(new Set(ports).size, 1, 'one shared port');
    let session: Buffer | undefined;
    for (let i = 0; i < 6; i++) {
      const socket = glass.connect({ ...clientOptions, port: ports[0]!, maxVersion: 'TLSv1.2', ...(session ? { session } : {}) });
      socket.once('session', (s: Buffer) => (session ??= s));
      socket.resume();
      await once(socket, 'close');
    }
    while (reused.length < 6) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(reused, [false, true, true, true, true, true]);
  } finally {
    for (const w of workers) w.send('die');
    await Promise.all(workers.map((w) => once(w, 'exit')));
    rmSync(dir, { recursive: true, force: true });
  }
});
