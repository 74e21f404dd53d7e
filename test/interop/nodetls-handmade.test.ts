/**
 * A TLSSocket made by hand, and the socket details libraries reach for (issue 14), each done with
 * tlsglass and with node:tls side by side over real sockets on 127.0.0.1: when a client made by
 * hand sends its ClientHello, `new TLSSocket(null, options).connect()`, `ssl.verifyError()`,
 * '_tlsError', `_destroySSL()`, the `onread` option, and writes cancelled by a failed connection.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as netCreateServer, connect as netConnect, type AddressInfo, type Server as NetServer } from 'node:net';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import * as nodeTls from 'node:tls';
import * as glass from '../../src/index.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const serverOptions = { cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem };
const impls = [
  ['tlsglass', glass as unknown as typeof nodeTls],
  ['node:tls', nodeTls],
] as const;

/** What node:tls has beyond its typings, and tlsglass too. */
type Socket = nodeTls.TLSSocket & {
  ssl: { verifyError(): (Error & { code: string }) | null; fd: number } | null;
  _start(): void;
  _destroySSL(): void;
  _undestroy(): void;
};

async function listen(server: NetServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

for (const [name, tls] of impls) {
  test(`${name}: a client TLSSocket made by hand sends nothing until _start() or its first write, even an empty one`, async () => {
    // Over a Duplex that cannot be written to: made and destroyed, it never writes.
    const unwritable = new tls.TLSSocket(new Duplex({ read() {} }) as never, { allowHalfOpen: true } as object);
    await tick();
    unwritable.destroy();
    for (const begin of [(s: Socket) => s.write(''), (s: Socket) => s._start()]) {
      const written: Buffer[] = [];
      let wrote!: () => void;
      const firstWrite = new Promise<void>((resolve) => (wrote = resolve));
      const transport = new Duplex({
        read() {},
        write(chunk: Buffer, _encoding, callback) {
          written.push(chunk);
          wrote();
          callback();
        },
      });
      const socket = new tls.TLSSocket(transport as never, { servername: 'localhost' } as object) as Socket;
      socket.on('error', () => {});
      await tick();
      await tick();
      assert.equal(written.length, 0, 'nothing before the first write');
      begin(socket);
      await firstWrite;
      assert.deepEqual([written[0]![0], written[0]![5]], [22, 1], 'a handshake record holding a ClientHello');
      socket.destroy();
    }
  });
}

test("new TLSSocket(null, options).connect(port, host, listener): TCP first, the handshake at the first write; an untrusted server is reported by ssl.verifyError(), not refused (as node:tls)", async () => {
  const outcomes: Record<string, unknown[]> = {};
  for (const [name, tls] of impls) {
    const received: string[] = [];
    const server = tls.createServer(serverOptions, (s) => {
      let text = '';
      s.on('data', (d: Buffer) => (text += d.toString()));
      s.on('end', () => {
        received.push(text);
        s.end();
      });
    });
    const port = await listen(server);
    outcomes[name] = [];
    for (const options of [{}, { ca: pki.ca.certPem }]) {
      const socket = new tls.TLSSocket(null as never, options) as Socket;
      const events: string[] = [];
      assert.equal(socket.connect(port, '127.0.0.1', () => {
        events.push('connect');
        socket.end('hello');
      }), socket);
      await once(socket, 'secure');
      const err = socket.ssl!.verifyError();
      outcomes[name]!.push(events, err && { code: err.code, message: err.message });
      await once(socket, 'close');
      assert.equal(socket.ssl, null, 'no handle once closed');
    }
    outcomes[name]!.push(received);
    server.close();
  }
  assert.deepEqual(outcomes.tlsglass, [
    ['connect'],
    { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'unable to verify the first certificate' },
    ['connect'],
    null,
    ['hello', 'hello'],
  ]);
  assert.deepEqual(outcomes.tlsglass, outcomes['node:tls']);
});

test("a TLSSocket made by hand that fails emits '_tlsError' and does not take the process down without an 'error' listener; connect()'s sockets emit 'error' only", async () => {
  const outcomes: Record<string, unknown[]> = {};
  for (const [name, tls] of impls) {
    const secureContext = tls.createSecureContext(serverOptions);
    const tlsErrors: string[] = [];
    const closed = new Promise<void>((resolve) => {
      const server: NetServer = netCreateServer((raw) => {
        const socket = new tls.TLSSocket(raw, { isServer: true, secureContext }); // no 'error' listener
        socket.on('_tlsError', (err: Error & { code?: string }) => tlsErrors.push(err.code ?? err.message));
        socket.on('close', () => {
          server.close();
          resolve();
        });
      });
      void listen(server).then((port) => {
        const raw = netConnect(port, '127.0.0.1', () => raw.write(Buffer.alloc(1024, 42)));
        raw.on('error', () => {});
      });
    });
    await closed;
    // tls.connect() releases the socket: its failure is a plain 'error'.
    const server = tls.createServer(serverOptions, () => {});
    server.on('tlsClientError', () => {});
    const port = await listen(server);
    const client = tls.connect({ port, host: '127.0.0.1', servername: 'localhost' }); // untrusted: refused
    let relayed = 0;
    client.on('_tlsError', () => relayed++);
    const [err] = await once(client, 'error');
    server.close();
    outcomes[name] = [tlsErrors, (err as { code?: string }).code, relayed];
  }
  assert.deepEqual(outcomes.tlsglass, [['ERR_SSL_WRONG_VERSION_NUMBER'], 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 0]);
  assert.deepEqual(outcomes.tlsglass, outcomes['node:tls']);
});

for (const [name, tls] of impls) {
  test(`${name}: _destroySSL() on a socket in the middle of a large transfer, then destroy(): no crash, the handle is gone`, async () => {
    const secureContext = tls.createSecureContext(serverOptions);
    const done = new Promise<void>((resolve) => {
      const server: NetServer = netCreateServer((raw) => {
        const socket = new tls.TLSSocket(raw, { isServer: true, secureContext, server }) as Socket;
        socket.once('data', () => {
          socket._destroySSL();
          assert.equal(socket.ssl, null);
          socket.destroy();
          server.close();
          socket.on('close', () => resolve());
        });
      });
      void listen(server).then((port) => {
        const client = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => client.write('*'.repeat(1 << 20)));
        client.on('error', () => client.destroy());
      });
    });
    await done;
  });
}

test("writes waiting for a handshake that failed are called back after 'error' with node:tls's ECANCELED", async () => {
  const outcomes: Record<string, string[]> = {};
  for (const [name, tls] of impls) {
    const server = netCreateServer((c) => c.destroy());
    const port = await listen(server);
    const events: string[] = [];
    const client = tls.connect({ port, host: '127.0.0.1' }) as Socket;
    // Undestroyed, as Node's own test does, so that the write's error reaches its callback as it is.
    client.on('error', (err: Error & { code?: string }) => {
      events.push(`error ${err.code}`);
      client._undestroy();
    });
    // What came up to the write's callback (then, as node:tls, its error is also the undestroyed socket's 'error').
    outcomes[name] = await new Promise<string[]>((resolve) =>
      client.write('hello', (err) => {
        const e = err as (Error & { code?: string; syscall?: string }) | null | undefined;
        events.push(`write ${e?.code} ${e?.syscall} ${e?.message}`);
        resolve([...events]);
      }),
    );
    server.close();
    client.destroy();
  }
  assert.deepEqual(outcomes.tlsglass, ['error ECONNRESET', 'write ECANCELED write write ECANCELED Canceled because of SSL destruction']);
  assert.deepEqual(outcomes.tlsglass, outcomes['node:tls']);
});

test('onread: decrypted bytes go into the caller\'s buffers through its callback, not to \'data\'; one buffer per delivery and one for the end; false from the callback pauses until resume()', async () => {
  const message = Buffer.from('hello world');
  const large = Buffer.alloc(64 * 1024, 'hello world');
  const outcomes: Record<string, unknown[]> = {};
  for (const [name, tls] of impls) {
    outcomes[name] = [];
    for (const [payload, bufferSize, pauseFirst] of [
      [message, 2, false],
      [large, 64, true],
    ] as const) {
      const server = tls.createServer(serverOptions, (s) => s.end(payload));
      const port = await listen(server);
      const pool = [Buffer.alloc(bufferSize), Buffer.alloc(bufferSize)];
      let asked = 0;
      const got: Buffer[] = [];
      const events: string[] = [];
      const client = tls.connect({
        port,
        host: '127.0.0.1',
        rejectUnauthorized: false,
        onread: {
          buffer: () => pool[asked++ % 2]!,
          callback: (n: number, buffer: Uint8Array) => {
            assert.equal(buffer, pool[(asked - 1) % 2]);
            got.push(Buffer.from(buffer.subarray(0, n)));
            if (events.length === 0 && pauseFirst) {
              events.push('paused');
              setImmediate(() => {
                events.push('resume');
                client.resume();
              });
              return false;
            }
            if (events.at(-1) === 'paused') events.push('delivered while paused');
            if (events.at(-1) === 'resume') events.push('delivered after resume');
            return true;
          },
        },
      } as nodeTls.ConnectionOptions);
      client.on('data', () => assert.fail("'data' with onread"));
      await once(client, 'end');
      const all = Buffer.concat(got);
      assert.ok(all.equals(payload), `${name}: the bytes sent`);
      outcomes[name]!.push(pauseFirst ? events : asked);
      client.destroy();
      server.close();
    }
  }
  // node:tls still delivers what it had decrypted in that read before it pauses; tlsglass stops at once.
  assert.deepEqual(outcomes.tlsglass, [7, ['paused', 'resume', 'delivered after resume']]);
  assert.deepEqual(outcomes['node:tls'], [7, ['paused', 'delivered while paused', 'resume', 'delivered after resume']]);
});
