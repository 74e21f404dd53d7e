/**
 * TLS 1.3 negative cases over 127.0.0.1 against a real tlsglass server (issue 5), where the
 * socket or a real peer matters; the in-memory variants are in test/unit/tls13-negative.test.ts.
 *
 * - A KeyUpdate flood: a sans-I/O client sends real sealed KeyUpdates, each under the key the
 *   previous one installed: 32 and then data are fine, 33 in a row are unexpected_message.
 * - A modified PSK binder: decrypt_error, in the clear (the server has no keys yet); the same
 *   ticket unmodified resumes.
 * - A ClientHello record that carries more handshake bytes after the message that switches keys:
 *   unexpected_message, read by the client after the server's flight.
 * - 0-RTT from a real peer: openssl s_client resumes an OpenSSL ticket that allows early data
 *   (minted by openssl s_server) and sends early data to our server, which cannot use the ticket
 *   and rejects 0-RTT: 8 KiB is skipped and the connection completes; 20 KiB is bad_record_mac.
 */
import { after, test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect } from '../../src/index.js';
import { ClientConnection } from '../../src/connection/connection.js';
import type { ClientOptions } from '../../src/config.js';
import type { ConnectionEvent } from '../../src/connection/events.js';
import type { TlsError } from '../../src/errors.js';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import { AlertDescription, ContentType, HandshakeType } from '../../src/messages/enums.js';
import { peerMissing, readAll, runOpensslClient, startOpensslServer, spawnPeer, startTlsglassServer, PEER_TIMEOUT_MS, type Scope } from '../helpers/peers.js';
import { testPki, writePkiFiles } from '../helpers/pki.js';
import { plainAlert } from '../helpers/pair.js';

const pki = testPki();
const serverOptions = { cert: pki.serverRsa.certPem, key: pki.serverRsa.keyPem, ca: pki.ca.certPem };
const clientOptions: ClientOptions = { servername: 'localhost', ca: pki.ca.certPem };
const LIMIT = { timeout: PEER_TIMEOUT_MS * 2 };

/** A sans-I/O ClientConnection over a real TCP socket; `rewrite` edits each outgoing record. */
class RawClient {
  readonly conn: ClientConnection;
  readonly received: Buffer[] = [];
  readonly events: ConnectionEvent[] = [];
  closed = false;
  #sent = 0;
  readonly #watchers = new Set<() => void>();

  private constructor(
    readonly socket: net.Socket,
    options: ClientOptions,
    private readonly rewrite: (record: Uint8Array, index: number) => Uint8Array[],
  ) {
    this.conn = new ClientConnection(options);
    socket.on('data', (d: Buffer) => {
      this.received.push(d);
      try {
        this.conn.receive(d);
      } catch {
        // kept in conn.failure
      }
      this.events.push(...this.conn.takeEvents());
      this.flush();
      this.#notify();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.#notify();
    });
  }

  static async open(scope: Scope, port: number, options: ClientOptions, rewrite: (record: Uint8Array, index: number) => Uint8Array[] = (r) => [r]): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1');
    scope.after(() => socket.destroy());
    await once(socket, 'connect');
    const c = new RawClient(socket, options, rewrite);
    c.conn.start();
    c.flush();
    return c;
  }

  flush(): void {
    if (this.socket.destroyed) return;
    for (const record of this.conn.takeOutgoing()) for (const piece of this.rewrite(record, this.#sent++)) this.socket.write(piece);
  }

  get bytes(): Buffer {
    return Buffer.concat(this.received);
  }

  appData(): string {
    return this.events.flatMap((e) => (e.type === 'application-data' ? [Buffer.from(e.data).toString()] : [])).join('');
  }

  /** Resolves once `done()` holds (checked on every read and at close); fails after the deadline. */
  until(done: () => boolean, what: string, timeoutMs = PEER_TIMEOUT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        this.#watchers.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#watchers.delete(check);
        reject(new Error(`timed out waiting for ${what} (failure: ${String(this.conn.failure)}, closed: ${this.closed})`));
      }, timeoutMs);
      this.#watchers.add(check);
      check();
    });
  }

  #notify(): void {
    for (const w of [...this.#watchers]) w();
  }
}

/**
 * Our server, echoing (and ending after `endAfter` bytes, if given); errors on established sockets
 * are collected (handshake failures go to clientErrors).
 */
async function echoServer(t: Scope, endAfter?: number): Promise<{ port: number; clientErrors: Error[]; socketErrors: Error[]; sockets: TLSSocket[] }> {
  const socketErrors: Error[] = [];
  const sockets: TLSSocket[] = [];
  const srv = await startTlsglassServer(t, serverOptions, (s) => {
    sockets.push(s);
    let got = 0;
    s.on('error', (e) => socketErrors.push(e));
    s.on('data', (d: Buffer) => {
      s.write(d);
      got += d.length;
      if (endAfter !== undefined && got >= endAfter) s.end();
    });
  });
  return { port: srv.port, clientErrors: srv.clientErrors, socketErrors, sockets };
}

describe('TLS 1.3 negative cases against our server over a socket', () => {
  test('KeyUpdate flood: 32 sealed KeyUpdates then data are echoed; 33 in a row are unexpected_message', LIMIT, async (t) => {
    const srv = await echoServer(t);
    const c = await RawClient.open(t, srv.port, clientOptions);
    await c.until(() => c.conn.isEstablished, 'the handshake');
    assert.equal(c.conn.protocol, 'TLSv1.3');
    for (let i = 0; i < 32; i++) c.conn.keyUpdate(false);
    c.conn.write(new TextEncoder().encode('after 32 KeyUpdates'));
    c.flush();
    await c.until(() => c.appData() === 'after 32 KeyUpdates', 'the echo after 32 KeyUpdates');
    for (let i = 0; i < 33; i++) c.conn.keyUpdate(false);
    c.flush();
    await c.until(() => c.conn.failure !== undefined && c.closed, 'the alert and the close');
    // The alert is sealed under the server's (unchanged) application keys; our client opened it.
    assert.equal(c.conn.failure?.code, 'ERR_TLSGLASS_PEER_ALERT_UNEXPECTED_MESSAGE', String(c.conn.failure));
    assert.equal(srv.socketErrors.length, 1, String(srv.socketErrors));
    assert.equal((srv.socketErrors[0] as TlsError).alert, AlertDescription.unexpected_message);
    assert.match(srv.socketErrors[0]!.message, /too many KeyUpdates/);
  });

  test('a modified PSK binder: decrypt_error in the clear; the same ticket unmodified resumes', LIMIT, async (t) => {
    const srv = await echoServer(t);
    // A real ticket from our server, through the node:tls-style client.
    const first = connect({ ...clientOptions, host: '127.0.0.1', port: srv.port });
    t.after(() => first.destroy());
    let session: Buffer | undefined;
    first.on('session', (s: Buffer) => (session = s));
    await once(first, 'secureConnect');
    first.end('x');
    await readAll(first);
    assert.ok(session, 'a session ticket');

    const flipped = await RawClient.open(t, srv.port, { ...clientOptions, session }, (record, index) => {
      if (index !== 0) return [record];
      assert.equal(record[5], HandshakeType.client_hello);
      const copy = record.slice();
      copy[copy.length - 1]! ^= 0x01; // the binder is the ClientHello's last byte
      return [copy];
    });
    await untilClosed(flipped);
    assert.deepEqual(new Uint8Array(flipped.bytes), plainAlert(AlertDescription.decrypt_error), 'the server sent exactly a plaintext decrypt_error alert');
    assert.equal(flipped.conn.failure?.code, 'ERR_TLSGLASS_PEER_ALERT_DECRYPT_ERROR');
    assert.equal((srv.clientErrors.at(-1) as TlsError | undefined)?.alert, AlertDescription.decrypt_error, String(srv.clientErrors));
    assert.match(srv.clientErrors.at(-1)!.message, /binder/);

    const intact = await RawClient.open(t, srv.port, { ...clientOptions, session });
    await intact.until(() => intact.conn.isEstablished, 'the resumed handshake');
    intact.conn.write(new TextEncoder().encode('resumed'));
    intact.flush();
    await intact.until(() => intact.appData() === 'resumed', 'the echo');
    assert.equal(intact.conn.negotiated.resumed, true);
    assert.equal(srv.sockets.at(-1)?.isSessionReused(), true);
  });

  test('a ClientHello record with handshake bytes after the ClientHello (straddling the key change): unexpected_message', LIMIT, async (t) => {
    const srv = await echoServer(t);
    const c = await RawClient.open(t, srv.port, clientOptions, (record, index) => {
      if (index !== 0) return [record];
      const body = Buffer.concat([record.subarray(5), Buffer.from([HandshakeType.finished, 0])]);
      const header = Buffer.from([record[0]!, record[1]!, record[2]!, body.length >> 8, body.length & 0xff]);
      return [Buffer.concat([header, body])];
    });
    await untilClosed(c);
    // The server's flight went out before it read on; its alert follows under its application keys.
    assert.equal(c.conn.failure?.code, 'ERR_TLSGLASS_PEER_ALERT_UNEXPECTED_MESSAGE', String(c.conn.failure));
    assert.equal(c.bytes[0], ContentType.handshake);
    assert.equal((srv.clientErrors[0] as TlsError | undefined)?.alert, AlertDescription.unexpected_message, String(srv.clientErrors));
    assert.match(srv.clientErrors[0]!.message, /straddles a key change/);
  });
});

/** Resolves once `path` exists and matches `done` (inotify via fs.watch on its directory; no polling). */
function fileComplete(path: string, done: RegExp, what: string, timeoutMs = PEER_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      try {
        return done.test(readFileSync(path, 'latin1'));
      } catch {
        return false;
      }
    };
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      watcher.close();
      if (err) reject(err);
      else resolve();
    };
    const watcher = watch(dirname(path), () => {
      if (check()) finish();
    });
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what} in ${path}`)), timeoutMs);
    if (check()) finish();
  });
}

function untilClosed(c: RawClient): Promise<void> {
  return c.until(() => c.closed, 'the server to close');
}

describe('0-RTT from openssl s_client, rejected by our server', { skip: peerMissing('openssl') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tlsglass-0rtt-'));
  const files = writePkiFiles(dir);
  const sess = join(dir, 'early.sess');
  after(() => rmSync(dir, { recursive: true, force: true }));
  let minted: Promise<void> | undefined;

  /** An OpenSSL session that allows 64 KiB of early data for "localhost", from openssl s_server -early_data. */
  function mintTicket(t: Scope): Promise<void> {
    return (minted ??= (async () => {
      const server = await startOpensslServer(t, ['-naccept', '1', '-tls1_3', '-early_data', '-max_early_data', '65536', '-num_tickets', '1', '-cert', files.serverRsa.cert, '-key', files.serverRsa.key]);
      const client = spawnPeer(t, 'openssl', ['s_client', '-connect', `127.0.0.1:${server.port}`, '-tls1_3', '-servername', 'localhost', '-CAfile', files.ca, '-sess_out', sess]);
      // s_client writes -sess_out when the ticket arrives (its own report of that sits in its stdout buffer).
      await fileComplete(sess, /-----END SSL SESSION PARAMETERS-----/, 'the ticket from openssl s_server');
      await client.kill();
      await server.kill();
      assert.match(readFileSync(sess, 'latin1'), /BEGIN SSL SESSION PARAMETERS/);
    })());
  }

  for (const [size, ok] of [
    [8 * 1024, true],
    [20 * 1024, false],
  ] as const) {
    test(`${size / 1024} KiB of early data: ${ok ? 'skipped, the handshake completes and data flows' : 'bad_record_mac'}`, LIMIT, async (t) => {
      await mintTicket(t);
      const srv = await echoServer(t, 'hello\n'.length);
      const early = join(dir, `early-${size}.txt`);
      writeFileSync(early, Buffer.alloc(size, 'e'));
      const trace = join(dir, `trace-${size}.txt`);
      const run = await runOpensslClient(
        t,
        srv.port,
        ['-tls1_3', '-brief', '-ign_eof', '-servername', 'localhost', '-CAfile', files.ca, '-sess_in', sess, '-early_data', early, '-trace', '-msgfile', trace],
        ok ? 'hello\n' : '',
      );
      const traced = readFileSync(trace, 'latin1');
      // Before anything came back, s_client sent its ClientHello (offering early_data and its PSK) and the early data.
      const before = traced.slice(0, traced.indexOf('Received Record'));
      assert.match(before, /extension_type=early_data\(42\)/, 'early_data offered');
      assert.match(before, /extension_type=psk\(41\)/, 'a PSK offered');
      const earlyBytes = [...before.matchAll(/Content Type = ApplicationData \(23\)\n {2}Length = (\d+)/g)].reduce((n, m) => n + Number(m[1]) - 17, 0);
      assert.equal(earlyBytes, size, `early data sent before the ServerHello\n${run.report}`);
      // Our EncryptedExtensions never accepts early data.
      const ee = /EncryptedExtensions, Length=\d+\n((?: {6}.*\n)*)/.exec(traced)?.[1] ?? '';
      assert.doesNotMatch(ee, /early_data/, ee);
      if (ok) {
        assert.equal(run.code, 0, run.report);
        assert.equal(run.stdout.toString(), 'hello\n', run.report);
        assert.match(run.stderr, /^Protocol version: TLSv1\.3$/m, run.report);
        assert.deepEqual(srv.clientErrors, []);
        assert.equal(srv.sockets[0]?.isSessionReused(), false, 'an OpenSSL ticket is not ours: full handshake');
      } else {
        assert.notEqual(run.code, 0, run.report);
        assert.match(run.stderr, /alert bad record mac[^\n]*SSL alert number 20/, run.report);
        assert.equal(srv.clientErrors.length, 1, String(srv.clientErrors));
        assert.equal((srv.clientErrors[0] as TlsError).alert, AlertDescription.bad_record_mac);
        assert.match(srv.clientErrors[0]!.message, /more rejected early data than we skip/);
      }
    });
  }
});
