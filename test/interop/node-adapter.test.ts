/**
 * The node adapter's own promises (security.md §4 R1–R6, performance.md §4.1), over real sockets:
 * queued early writes, backpressure both ways, half-close, truncation, error isolation, the
 * handshake timeout, key logging, and one transport write per flight over an arbitrary Duplex.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { connect, createServer, TLSSocket, type Server } from '../../src/index.js';
import type { TlsServerOptions } from '../../src/node/server.js';
import type { ConnectionOptions } from '../../src/node/connect.js';
import { pattern, readAll, readExactly, runTlsglassConnectCli, sha256, type Scope } from '../helpers/peers.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
/** Every test fails rather than hangs. */
const LIMIT = { timeout: 20_000 };
const serverOptions: TlsServerOptions = { cert: pki.serverRsa.certPem, key: pki.serverRsa.keyPem, maxVersion: 'TLSv1.2' };
const clientOptions = { host: '127.0.0.1', servername: 'localhost', ca: pki.ca.certPem, maxVersion: 'TLSv1.2' as const };

/** Our server on 127.0.0.1:0 with every raw socket destroyed at teardown. */
async function listen(scope: Scope, options: TlsServerOptions, onSecure: (s: TLSSocket) => void): Promise<{ server: Server; port: number; clientErrors: Error[] }> {
  const server = createServer(options, onSecure);
  const clientErrors: Error[] = [];
  server.on('tlsClientError', (err: Error) => clientErrors.push(err));
  const raw = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    raw.add(s);
    s.once('close', () => raw.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  scope.after(() => {
    for (const s of raw) s.destroy();
    server.close();
  });
  return { server, port: (server.address() as AddressInfo).port, clientErrors };
}

function dial(scope: Scope, port: number, extra: ConnectionOptions = {}): TLSSocket {
  const socket = connect({ ...clientOptions, port, ...extra });
  scope.after(() => socket.destroy());
  return socket;
}

/** Resolves when `predicate` holds, checking after each turn of the event loop; fails after `ms`. */
async function until(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('TLSSocket over TCP', () => {
  test('writes made before the handshake completes are queued and arrive in order, then close_notify', LIMIT, async (t) => {
    let serverSide: TLSSocket | undefined;
    const received = new Promise<Buffer>((resolve) => {
      void listen(t, serverOptions, (s) => {
        serverSide = s;
        void readAll(s).then(resolve);
      }).then(({ port }) => {
        const c = dial(t, port);
        c.write('one ');
        c.write('two ');
        c.end('three');
      });
    });
    assert.equal((await received).toString(), 'one two three');
    assert.equal(serverSide!.truncated, false, 'the end came with close_notify');
  });

  test('backpressure: write() reports a full pipe when the peer does not read, and every byte arrives later', LIMIT, async (t) => {
    const total = 8 << 20;
    const data = pattern(total, 3);
    let writerBlocked = false;
    let offered = 0;
    const { port } = await listen(t, serverOptions, (s) => {
      // Write 64 KiB at a time while write() says yes.
      const pump = (): void => {
        while (offered < total) {
          const ok = s.write(data.subarray(offered, offered + 65536));
          offered += 65536;
          if (!ok) {
            writerBlocked = true;
            s.once('drain', pump);
            return;
          }
        }
        s.end();
      };
      pump();
    });
    const client = dial(t, port);
    await once(client, 'secureConnect');
    // Nobody reads yet: the writer must be told to stop long before it has written everything...
    await until(() => writerBlocked, 'the server to see write() === false');
    assert.ok(offered < total, `write() kept accepting data (${offered} bytes)`);
    // ...and the reader stops pulling from TCP once its buffer is full.
    await until(() => (client.socket as Socket).isPaused(), 'the client to pause its TCP socket');
    assert.ok(client.readableLength < 1 << 20, `client buffered ${client.readableLength} bytes`);
    const got = await readAll(client);
    assert.equal(got.length, total);
    assert.equal(sha256(got), sha256(data));
  });

  test('clients share one read buffer (read-buffer.ts): four concurrent downloads arrive intact', LIMIT, async (t) => {
    const size = 3 << 20;
    const { port } = await listen(t, serverOptions, (s) => {
      s.once('data', (seed: Buffer) => s.end(pattern(size, seed[0]! + 10)));
    });
    const clients = [1, 2, 3, 4].map((seed) => {
      const c = dial(t, port);
      c.write(Buffer.of(seed));
      return readAll(c);
    });
    const got = await Promise.all(clients);
    got.forEach((bytes, i) => {
      assert.equal(bytes.length, size);
      assert.equal(sha256(bytes), sha256(pattern(size, i + 11)), `client ${i + 1}`);
    });
  });

  test('half-close: after our close_notify the peer can still answer (allowHalfOpen)', LIMIT, async (t) => {
    const { port } = await listen(t, { ...serverOptions, allowHalfOpen: true }, (s) => {
      void readAll(s).then((request) => s.end(`pong for ${request.toString()}`));
    });
    const client = dial(t, port, { allowHalfOpen: true });
    client.end('ping');
    assert.equal((await readAll(client)).toString(), 'pong for ping');
    assert.equal(client.truncated, false);
  });

  test('truncation: a FIN without close_notify is a plain end, flagged in .truncated', LIMIT, async (t) => {
    const { port } = await listen(t, serverOptions, (s) => {
      s.write('partial', () => (s.socket as Socket).end()); // raw TCP FIN, no close_notify
    });
    const client = dial(t, port);
    assert.equal((await readAll(client)).toString(), 'partial');
    assert.equal(client.truncated, true);
  });

  test('truncation with rejectTruncation: an ERR_TLS_TRUNCATED error', LIMIT, async (t) => {
    const { port } = await listen(t, serverOptions, (s) => {
      s.write('partial', () => (s.socket as Socket).end());
    });
    const client = dial(t, port, { rejectTruncation: true });
    client.resume();
    const [err] = (await once(client, 'error')) as [Error & { code?: string }];
    assert.equal(err.code, 'ERR_TLS_TRUNCATED');
  });

  test('a failed handshake: the client gets the code, the server a tlsClientError, and the server keeps serving', LIMIT, async (t) => {
    const { port, clientErrors } = await listen(t, serverOptions, (s) => s.end('hello'));
    const bad = dial(t, port, { ca: pki.serverEcdsa.certPem }); // not the CA that issued the server certificate
    const [err] = (await once(bad, 'error')) as [Error & { code?: string }];
    assert.equal(err.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    await until(() => clientErrors.length === 1, 'the server-side tlsClientError');
    // node:tls's code for the alert received (OpenSSL's reason): the client sent unknown_ca.
    assert.equal((clientErrors[0] as Error & { code?: string }).code, 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
    const good = dial(t, port);
    assert.equal((await readAll(good)).toString(), 'hello');
  });

  test('a client that sends garbage gets a fatal alert; nothing is thrown', LIMIT, async (t) => {
    const { port, clientErrors } = await listen(t, serverOptions, () => {});
    const raw = netConnect(port, '127.0.0.1');
    t.after(() => raw.destroy());
    raw.end('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const reply = await readAll(raw);
    assert.equal(reply[0], 21, 'an alert record');
    assert.equal(reply[5], 2, 'fatal');
    await until(() => clientErrors.length === 1, 'tlsClientError');
  });

  test('handshakeTimeout: a silent client is dropped with ERR_TLS_HANDSHAKE_TIMEOUT', LIMIT, async (t) => {
    const { clientErrors, port } = await listen(t, { ...serverOptions, handshakeTimeout: 150 }, () => {});
    const raw = netConnect(port, '127.0.0.1');
    t.after(() => raw.destroy());
    raw.resume();
    await once(raw, 'close');
    assert.equal((clientErrors[0] as Error & { code?: string } | undefined)?.code, 'ERR_TLS_HANDSHAKE_TIMEOUT');
  });

  test("setTimeout(ms, cb): an idle connection gets the transport's 'timeout' as an event and the callback", LIMIT, async (t) => {
    const { port } = await listen(t, serverOptions, () => {}); // the server never writes: the client stays idle
    const client = dial(t, port);
    await once(client, 'secureConnect');
    let called = 0;
    const started = Date.now();
    assert.equal(client.setTimeout(100, () => called++), client);
    await once(client, 'timeout');
    assert.equal(called, 1, 'the callback ran once');
    assert.ok(Date.now() - started >= 90, `'timeout' came after ${Date.now() - started} ms of a 100 ms idle timeout`);
    assert.equal(client.destroyed, false, "'timeout' only reports; closing is the application's choice");
    client.destroy();
  });

  test("keylog: the client's and the server's 'keylog' events give the same NSS line", LIMIT, async (t) => {
    const serverLines: string[] = [];
    const { server, port } = await listen(t, serverOptions, (s) => s.end());
    server.on('keylog', (line: Buffer) => serverLines.push(line.toString()));
    const client = dial(t, port);
    const clientLines: string[] = [];
    client.on('keylog', (line: Buffer) => clientLines.push(line.toString()));
    await readAll(client);
    assert.equal(clientLines.length, 1);
    assert.match(clientLines[0]!, /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}\n$/);
    assert.deepEqual(serverLines, clientLines);
  });

  test('SSLKEYLOGFILE: the CLI client appends the same line the server reports', LIMIT, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tlsglass-keylog-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, pki.ca.certPem);
    const serverLines: string[] = [];
    const { server, port } = await listen(t, serverOptions, (s) => s.end('bye'));
    server.on('keylog', (line: Buffer) => serverLines.push(line.toString()));
    const logFile = join(dir, 'keys.log');
    const run = await runTlsglassConnectCli(t, [`127.0.0.1:${port}`, '--servername', 'localhost', '--ca', caFile], '', undefined, { SSLKEYLOGFILE: logFile });
    assert.equal(run.code, 0, run.report);
    assert.equal(run.stdout.toString(), 'bye');
    assert.equal(readFileSync(logFile, 'latin1'), serverLines.join(''));
  });
});

describe('TLSSocket over any Duplex', () => {
  /** Two in-memory Duplexes wired to each other; counts the write operations each side makes. */
  function duplexPair(): [Duplex & { writes: number }, Duplex & { writes: number }] {
    const make = (): Duplex & { writes: number; peer?: Duplex } => {
      const d = new Duplex({
        read() {},
        write(chunk: Buffer, _e, cb) {
          d.writes++;
          d.peer!.push(chunk);
          cb();
        },
        writev(chunks, cb) {
          d.writes++;
          d.peer!.push(Buffer.concat(chunks.map((c) => c.chunk as Buffer)));
          cb();
        },
        final(cb) {
          d.peer!.push(null);
          cb();
        },
      }) as Duplex & { writes: number; peer?: Duplex };
      d.writes = 0;
      return d;
    };
    const a = make();
    const b = make();
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  test('each handshake flight leaves in one transport write (joined), and data flows', LIMIT, async () => {
    const [clientEnd, serverEnd] = duplexPair();
    const server = new TLSSocket(serverEnd, { isServer: true, ...serverOptions });
    const client = new TLSSocket(clientEnd, { servername: 'localhost', ca: pki.ca.certPem, maxVersion: 'TLSv1.2' });
    client.write(''); // as node:tls, a client TLSSocket made by hand starts its handshake at its first write
    await Promise.all([once(client, 'secureConnect'), once(server, 'secure')]);
    // TLS 1.2 full handshake: client [ClientHello], [ClientKeyExchange, CCS, Finished];
    // server [ServerHello, Certificate, ServerKeyExchange, ServerHelloDone], [CCS, Finished].
    assert.equal(clientEnd.writes, 2, 'client flights');
    assert.equal(serverEnd.writes, 2, 'server flights');
    client.end('over a Duplex');
    assert.equal((await readExactly(server, 13)).toString(), 'over a Duplex');
    server.destroy();
    client.destroy();
  });
});
