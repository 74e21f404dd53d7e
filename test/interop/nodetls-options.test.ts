/**
 * node:tls's option checks and pass-through options (issue 14), each compared with node:tls itself:
 * the same bad option gives the same code and message from both, a falsy key/cert/ca is no value,
 * connect()'s `hints` reach the lookup and `highWaterMark` the stream.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { test } from 'node:test';
import * as nodeTls from 'node:tls';
import * as glass from '../../src/index.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const impls = [
  ['tlsglass', glass as unknown as typeof nodeTls],
  ['node:tls', nodeTls],
] as const;

/** The thrown error's name, code and message. */
function thrown(fn: () => unknown): { name: string; code: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    const e = err as Error & { code?: unknown };
    return { name: e.name, code: e.code, message: e.message };
  }
  assert.fail('did not throw');
}

const BAD_OPTIONS: object[] = [
  { ciphers: 1 },
  { ecdhCurve: 1 },
  { sigalgs: 1 },
  { key: 'dummykey', passphrase: 1 },
  { handshakeTimeout: 'abcd' },
  { sessionTimeout: 'abcd' },
  { minVersion: 'fhqwhgads' },
  { maxVersion: 1 },
  { ca: true },
  { ca: [pki.ca.certPem, {}] },
  { cert: 1 },
  { key: pki.serverEcdsa.keyPem, cert: [pki.serverEcdsa.certPem, true] },
  { key: true, cert: true }, // cert is checked first
  { key: [{ pem: pki.serverEcdsa.keyPem }, true] },
  { key: { pem: pki.serverEcdsa.keyPem } }, // { pem } only inside an array
];

test('a bad option gives node:tls\'s error from createServer(), createSecureContext() and connect()', () => {
  for (const options of BAD_OPTIONS) {
    const expected = thrown(() => nodeTls.createServer(options));
    assert.equal(expected.name, 'TypeError', JSON.stringify(options));
    assert.deepEqual(thrown(() => glass.createServer(options)), expected, `createServer(${JSON.stringify(options)})`);
    if ('handshakeTimeout' in options || 'sessionTimeout' in options) continue; // server options
    assert.deepEqual(thrown(() => glass.createSecureContext(options)), thrown(() => nodeTls.createSecureContext(options)));
    assert.deepEqual(thrown(() => glass.connect({ port: 1, ...options })), expected);
  }
});

test('a falsy key, cert or ca is no value, as node:tls', () => {
  for (const none of [null, false, undefined, '', 0]) {
    for (const tls of [glass as unknown as typeof nodeTls, nodeTls]) {
      tls.createSecureContext({ key: none, cert: none, ca: none } as object);
      tls.createServer({ key: pki.serverEcdsa.keyPem, cert: pki.serverEcdsa.certPem, ca: none } as object);
    }
  }
  // Keys as { pem } entries of an array, and DataViews.
  const dv = (pem: string): DataView => new DataView(new TextEncoder().encode(pem).buffer);
  glass.createSecureContext({ key: [{ pem: pki.serverEcdsa.keyPem }], cert: [pki.serverEcdsa.certPem] });
  glass.createSecureContext({ key: dv(pki.serverEcdsa.keyPem), cert: dv(pki.serverEcdsa.certPem), ca: dv(pki.ca.certPem) } as object);
});

for (const [name, tls] of impls) {
  test(`${name}: connect() hands \`hints\` and \`family\` to the lookup; \`highWaterMark\` sizes the stream`, async () => {
    const seen = await new Promise<object>((resolve) => {
      const socket = tls.connect({
        port: 42,
        hints: 512,
        lookup: (_host: string, options: object) => {
          resolve(options);
          queueMicrotask(() => socket.destroy());
        },
      } as nodeTls.ConnectionOptions);
      socket.on('error', () => {});
    });
    assert.deepEqual(seen, { family: undefined, hints: 512, all: true });

    const server = tls.createServer({ key: pki.serverEcdsa.keyPem, cert: pki.serverEcdsa.certPem }, (s) => s.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      for (const [highWaterMark, expected] of [[128000, 128000], [0, 0], [undefined, 16384]] as const) {
        const port = (server.address() as AddressInfo).port;
        const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.ca.certPem, highWaterMark } as nodeTls.ConnectionOptions);
        await once(socket, 'secureConnect');
        assert.equal(socket.readableHighWaterMark, expected);
        socket.destroy();
      }
    } finally {
      server.close();
    }
  });
}

test('convertALPNProtocols() and a bad secureContext, as node:tls', () => {
  for (const tls of [glass.default as unknown as typeof nodeTls, nodeTls]) {
    const convert = (tls as unknown as { convertALPNProtocols: (p: unknown, out: { ALPNProtocols?: Buffer }) => void }).convertALPNProtocols;
    const out: { ALPNProtocols?: Buffer } = {};
    convert(['h2', 'http/1.1'], out);
    assert.deepEqual(out.ALPNProtocols, Buffer.from('\x02h2\x08http/1.1', 'latin1'));
    const given = Buffer.from('abcd');
    convert(new DataView(given.buffer, given.byteOffset, given.byteLength), out);
    out.ALPNProtocols!.write('efgh');
    assert.equal(given.toString(), 'abcd', 'a copy');
    assert.deepEqual(thrown(() => convert(['a'.repeat(500)], {})), {
      name: 'RangeError',
      code: 'ERR_OUT_OF_RANGE',
      message: 'The byte length of the protocol at index 0 exceeds the maximum length. It must be <= 255. Received 500',
    });
    for (const isServer of [false, true]) {
      assert.deepEqual(thrown(() => new tls.TLSSocket(null as unknown as Duplex, { isServer, secureContext: {} as nodeTls.SecureContext })), {
        name: 'TypeError',
        code: 'ERR_TLS_INVALID_CONTEXT',
        message: 'context must be a SecureContext',
      });
    }
  }
});

test('createSecurePair() (deprecated, DEP0064): a client pair whose encrypted side is piped to a TCP socket talks to a server', async () => {
  const server = glass.createServer({ key: pki.serverEcdsa.keyPem, cert: pki.serverEcdsa.certPem }, (s) => s.end('over a pair'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const tcp = (await import('node:net')).connect((server.address() as AddressInfo).port, '127.0.0.1');
    const pair = glass.createSecurePair(glass.createSecureContext({ ca: pki.ca.certPem }), false, false, true, { servername: 'localhost' });
    tcp.pipe(pair.encrypted).pipe(tcp);
    pair.cleartext.write(''); // as node:tls's pair: the client's first write starts the handshake
    const secure = once(pair, 'secure');
    let text = '';
    pair.cleartext.on('data', (d: Buffer) => (text += d.toString()));
    await secure;
    assert.equal(pair.cleartext.authorized, true);
    await once(pair.cleartext, 'end');
    assert.equal(text, 'over a pair');
    pair.destroy();
    tcp.destroy();
  } finally {
    server.close();
  }
});

test('secureProtocol pins the version as node:tls does; unknown names and conflicts with minVersion/maxVersion are refused in its words', async () => {
  for (const options of [{ secureProtocol: 'Foo' }, { secureProtocol: 'TLSv1_2_method', minVersion: 'TLSv1.2' }]) {
    assert.deepEqual(thrown(() => glass.createSecureContext(options as object)), thrown(() => nodeTls.createSecureContext(options as nodeTls.SecureContextOptions)));
  }
  for (const tls of [glass as unknown as typeof nodeTls, nodeTls]) {
    const server = tls.createServer({ key: pki.serverEcdsa.keyPem, cert: pki.serverEcdsa.certPem, secureProtocol: 'TLSv1_2_method' }, (s) => s.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const socket = glass.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: 'localhost', ca: pki.ca.certPem });
      await once(socket, 'secureConnect');
      assert.equal(socket.getProtocol(), 'TLSv1.2');
      socket.destroy();
    } finally {
      server.close();
    }
  }
});

test('a null sessionTimeout or handshakeTimeout is no value, as node:tls', () => {
  for (const [name, impl] of impls) {
    assert.doesNotThrow(() => impl.createServer({ sessionTimeout: null, handshakeTimeout: null } as never).close(), name);
    assert.doesNotThrow(() => impl.createSecureContext({ sessionTimeout: null } as never), name);
  }
});
