/**
 * node:tls server-side behaviours (issue 14), each run against tlsglass and node:tls side by side
 * over real sockets on 127.0.0.1: an SNICallback that chooses a context without a certificate, a
 * server-side TLSSocket with its own SNICallback and no tls.Server, a certificate without a key
 * (taken when the server is made, failing each handshake), and the module object's DEFAULT_CIPHERS
 * and createSecureContext as connect() reads them.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer as netCreateServer, connect as netConnect, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import * as nodeTls from 'node:tls';
import tlsglass, { ClientConnection, connect, createSecureContext, createServer, TLSSocket } from '../../src/index.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const ec = pki.serverEcdsa;
const rsa = pki.serverRsa;
type Failure = Error & { code?: string };

async function listen(server: NetServer, t: { after(fn: () => void): void }): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
}

/** A tlsglass client's handshake against `port`: the server's certificate's key type, or the client's error. */
function handshake(port: number, servername = 'alpha.test'): Promise<{ keyType?: string; err?: Failure }> {
  return new Promise((resolve) => {
    const c = connect({ port, host: '127.0.0.1', servername, ca: pki.ca.certPem, checkServerIdentity: () => undefined });
    c.on('secureConnect', () => {
      resolve({ keyType: c.getPeerX509Certificate()?.publicKey.asymmetricKeyType });
      c.end();
    });
    c.on('error', (err: Failure) => resolve({ err }));
  });
}

/** Our ClientHello for `servername`, as bytes on the wire. */
function clientHello(servername: string): Buffer {
  const conn = new ClientConnection({ servername, ca: pki.ca.certPem });
  conn.start();
  return Buffer.concat(conn.takeOutgoing());
}

/** Everything a raw TCP client that sends `bytes` receives until the server closes. */
async function rawExchange(port: number, bytes: Buffer): Promise<Buffer> {
  const s = netConnect(port, '127.0.0.1', () => s.write(bytes));
  const chunks: Buffer[] = [];
  s.on('data', (d: Buffer) => chunks.push(d));
  await once(s, 'close');
  return Buffer.concat(chunks);
}

const HANDSHAKE_FAILURE_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);

const impls = [
  { name: 'tlsglass', createServer, createSecureContext, TLSSocket },
  { name: 'node:tls', createServer: nodeTls.createServer, createSecureContext: nodeTls.createSecureContext, TLSSocket: nodeTls.TLSSocket },
] as unknown as { name: string; createServer: typeof createServer; createSecureContext: typeof createSecureContext; TLSSocket: typeof TLSSocket }[];

describe('an SNICallback that chooses a context without a certificate', () => {
  for (const impl of impls) {
    for (const [what, options] of [
      ['no certificate', {}],
      ['a certificate and no key', { cert: rsa.certPem }],
    ] as const) {
      test(`${impl.name}: ${what}: the server's own certificate serves; with none, tlsClientError ERR_SSL_PASSED_A_NULL_PARAMETER and the client hears handshake_failure`, async (t) => {
        const empty = impl.createSecureContext(options);
        const withOwn = impl.createServer({ cert: ec.certPem, key: ec.keyPem, SNICallback: (_name, cb) => cb(null, empty) }, (s) => s.end());
        assert.equal((await handshake(await listen(withOwn, t))).keyType, 'ec');
        const server = impl.createServer({ SNICallback: (_name, cb) => cb(null, empty) }, () => assert.fail('no secureConnection'));
        const port = await listen(server, t);
        const serverError = once(server, 'tlsClientError') as Promise<[Failure, TLSSocket]>;
        const { err } = await handshake(port);
        assert.equal(err?.code, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
        const [failure, socket] = await serverError;
        assert.equal(failure.code, 'ERR_SSL_PASSED_A_NULL_PARAMETER');
        assert.match(failure.message, /passed a null parameter/);
        assert.ok(socket.encrypted);
      });
    }
  }

  test('tlsglass: the alert on the wire is handshake_failure, then the connection closes', async (t) => {
    const server = createServer({ SNICallback: (_name, cb) => cb(null, createSecureContext()) });
    const port = await listen(server, t);
    server.on('tlsClientError', () => {});
    assert.deepEqual(await rawExchange(port, clientHello('alpha.test')), HANDSHAKE_FAILURE_ALERT);
  });
});

describe('a server-side TLSSocket with its own SNICallback, over a net.Server (no tls.Server)', () => {
  /** A net.Server whose connections become server-side TLSSockets with `SNICallback`, and an RSA certificate unless `own` is false. */
  async function sniServer(t: { after(fn: () => void): void }, impl: (typeof impls)[number], SNICallback: (name: string, cb: (err: Error | null, context?: unknown) => void) => void, own = true): Promise<{ port: number; errors: Error[] }> {
    const errors: Error[] = [];
    const server = netCreateServer((raw: Socket) => {
      const secureContext = impl.createSecureContext(own ? { cert: rsa.certPem, key: rsa.keyPem } : {});
      const s = new impl.TLSSocket(raw, { isServer: true, secureContext, SNICallback } as never);
      s.on('error', (err: Error) => errors.push(err));
      s.on('secure', () => s.end());
    });
    return { port: await listen(server, t), errors };
  }

  for (const impl of impls) {
    test(`${impl.name}: the callback hears the name; its context, or none (the socket's own), serves the handshake`, async (t) => {
      const names: string[] = [];
      let answer: unknown = null;
      const { port } = await sniServer(t, impl, (name, cb) => {
        names.push(name);
        setImmediate(() => cb(null, answer));
      });
      assert.equal((await handshake(port, 'alpha.test')).keyType, 'rsa');
      answer = impl.createSecureContext({ cert: ec.certPem, key: ec.keyPem });
      assert.equal((await handshake(port, 'beta.test')).keyType, 'ec');
      answer = impl.createSecureContext();
      assert.equal((await handshake(port, 'gamma.test')).keyType, 'rsa');
      assert.deepEqual(names, ['alpha.test', 'beta.test', 'gamma.test']);
    });

    test(`${impl.name}: the callback's error is the socket's 'error'; a context without a certificate, on a socket without one, fails with handshake_failure`, async (t) => {
      const mine = Object.assign(new Error('no such site'), { code: 'E_SITE' });
      const { port, errors } = await sniServer(t, impl, (_name, cb) => cb(mine));
      const dropped = await handshake(port);
      assert.ok(dropped.err, 'the client fails');
      assert.deepEqual(errors, [mine]);
      const bare = await sniServer(t, impl, (_name, cb) => cb(null, impl.createSecureContext()), false);
      assert.equal((await handshake(bare.port)).err?.code, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
    });
  }

  test('tlsglass: a ClientHello in one-byte pieces is held until complete; the callback is asked once', async (t) => {
    const names: string[] = [];
    const { port } = await sniServer(
      t,
      impls[0]!,
      (name, cb) => {
        names.push(name);
        cb(null, createSecureContext());
      },
      false,
    );
    const s = netConnect(port, '127.0.0.1');
    await once(s, 'connect');
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    for (const byte of clientHello('alpha.test')) s.write(Buffer.of(byte));
    await once(s, 'close');
    assert.deepEqual(Buffer.concat(chunks), HANDSHAKE_FAILURE_ALERT);
    assert.deepEqual(names, ['alpha.test']);
  });
});

describe('a certificate without a key', () => {
  for (const impl of impls) {
    test(`${impl.name}: the server is made; each handshake fails with tlsClientError and the client hears handshake_failure`, async (t) => {
      assert.doesNotThrow(() => impl.createSecureContext({ key: ec.keyPem }));
      const server = impl.createServer({ cert: ec.certPem }, () => assert.fail('no secureConnection'));
      const port = await listen(server, t);
      const serverError = once(server, 'tlsClientError');
      assert.equal((await handshake(port)).err?.code, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
      await serverError; // OpenSSL says "no suitable signature algorithm" (TLS 1.3), tlsglass "no shared cipher"
    });
  }
});

describe("the module object's DEFAULT_CIPHERS and createSecureContext, read by connect()", () => {
  const nodeModule = createRequire(import.meta.url)('node:tls') as typeof nodeTls & { DEFAULT_CIPHERS: string };
  const modules = [
    ['tlsglass', tlsglass],
    ['node:tls', nodeModule],
  ] as unknown as [string, typeof tlsglass][];

  for (const [name, tls] of modules) {
    test(`${name}: an assigned DEFAULT_CIPHERS is the ciphers of a connection that names none`, async (t) => {
      const server = nodeTls.createServer({ cert: ec.certPem, key: ec.keyPem, maxVersion: 'TLSv1.2' }, (s) => s.end());
      const port = await listen(server, t);
      const saved = tls.DEFAULT_CIPHERS;
      t.after(() => (tls.DEFAULT_CIPHERS = saved));
      for (const suite of ['ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305']) {
        tls.DEFAULT_CIPHERS = suite;
        const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.ca.certPem });
        await once(c, 'secureConnect');
        assert.equal(c.getCipher().name, suite);
        c.destroy();
      }
    });

    test(`${name}: a createSecureContext assigned to it makes connect()'s context, with ciphers = DEFAULT_CIPHERS, before any socket`, async (t) => {
      const own = tls.createSecureContext;
      t.after(() => (tls.createSecureContext = own));
      const server = nodeTls.createServer({ cert: ec.certPem, key: ec.keyPem }, (s) => s.end()); // before the replacement, which node:tls's servers call too
      const port = await listen(server, t);
      class Refused extends Error {}
      const seen: (string | undefined)[] = [];
      tls.createSecureContext = (options) => {
        seen.push(options?.ciphers);
        throw new Refused();
      };
      assert.throws(() => tls.connect({ port: 9, host: '127.0.0.1' }), Refused);
      assert.deepEqual(seen, [tls.DEFAULT_CIPHERS]);
      // One that makes a context: the connection uses it (here, its ca).
      tls.createSecureContext = (options) => own({ ...options, ca: pki.ca.certPem });
      const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost' });
      await once(c, 'secureConnect');
      assert.equal(c.authorized, true);
      c.destroy();
    });
  }
});

describe("node:tls's own 'error' listeners: a TLSSocket made by hand re-emits its errors as '_tlsError', a Server's socket swallows those nobody hears", () => {
  for (const impl of impls) {
    test(`${impl.name}: garbage to a server-side TLSSocket made by hand: '_tlsError' with the error, then 'close', and no throw`, async (t) => {
      const seen: Failure[] = [];
      const closed = new Promise<boolean>((resolve) => {
        const server = netCreateServer((raw: Socket) => {
          const s = new impl.TLSSocket(raw, { isServer: true, secureContext: impl.createSecureContext({ cert: ec.certPem, key: ec.keyPem }) } as never);
          assert.equal(s.listenerCount('error'), 1);
          s.on('_tlsError', (err: Failure) => seen.push(err));
          s.on('close', resolve);
        });
        void listen(server, t).then((port) => {
          const c = netConnect(port, '127.0.0.1', () => c.write(Buffer.alloc(1024, 42)));
          c.on('error', () => {});
        });
      });
      assert.equal(await closed, true);
      assert.deepEqual(seen.map((e) => e.code), ['ERR_SSL_WRONG_VERSION_NUMBER']);
    });

    test(`${impl.name}: a Server's socket that fails after the handshake, with no 'error' listener, closes without throwing`, async (t) => {
      const closed = new Promise<boolean>((resolve) => {
        const server = impl.createServer({ cert: ec.certPem, key: ec.keyPem }, (s) => s.on('close', resolve)); // no 'error' listener
        void listen(server, t).then((port) => {
          const c = connect({ port, host: '127.0.0.1', servername: 'localhost', ca: pki.ca.certPem, maxVersion: 'TLSv1.2' });
          c.on('error', () => {});
          // A record the server cannot decrypt (bad_record_mac), past the TLS layer.
          c.on('secureConnect', () => (c.socket as Socket).write(Buffer.from([0x17, 0x03, 0x03, 0x00, 0x20, ...Buffer.alloc(0x20, 7)])));
        });
      });
      await closed; // a throw would fail the test (uncaught)
    });
  }
});
