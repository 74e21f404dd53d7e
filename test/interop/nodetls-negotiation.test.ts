/**
 * node:tls options that steer the negotiation (issue 14): ALPNCallback, honorCipherOrder,
 * minDHSize, ALPNProtocols as a wire-format buffer (convertALPNProtocols) and enableTrace. Over real sockets on 127.0.0.1, each compared with node:tls doing the same thing
 * where node:tls can.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import * as nodeTls from 'node:tls';
import tlsglass, { connect, createServer, type TLSSocket } from '../../src/index.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const serverOptions = { cert: pki.serverRsa.certPem, key: pki.serverRsa.keyPem };
const clientOptions = { host: '127.0.0.1', servername: 'localhost', ca: pki.ca.certPem };

async function listen(server: NetServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A node:tls client's outcome against `port`: the negotiated facts, or the error code. */
async function nodeClient(port: number, options: nodeTls.ConnectionOptions): Promise<{ alpn?: string | false | null; cipher?: string; protocol?: string | null; error?: string }> {
  const socket = nodeTls.connect({ ...clientOptions, port, ...options });
  try {
    await once(socket, 'secureConnect');
    return { alpn: socket.alpnProtocol, cipher: socket.getCipher().name, protocol: socket.getProtocol() };
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? String(err) };
  } finally {
    socket.destroy();
  }
}

/** The same server options on node:tls and on tlsglass: `check` runs against each. */
async function sideBySide(options: Record<string, unknown>, check: (port: number, which: string) => Promise<void>): Promise<void> {
  for (const [which, make] of [
    ['node:tls', () => nodeTls.createServer({ ...serverOptions, ...options } as nodeTls.TlsOptions, (s) => s.end())],
    ['tlsglass', () => createServer({ ...serverOptions, ...options }, (s) => s.end())],
  ] as const) {
    const server = make() as NetServer;
    server.on('tlsClientError', () => {});
    const port = await listen(server);
    try {
      await check(port, which);
    } finally {
      server.close();
    }
  }
}

test('ALPNCallback: gets the SNI name and the client\'s list, its answer is used; undefined is no_application_protocol (as node:tls)', async () => {
  const seen: unknown[] = [];
  await sideBySide(
    {
      ALPNCallback: ({ servername, protocols }: { servername: string; protocols: string[] }) => {
        seen.push({ servername, protocols });
        return protocols.includes('refuse') ? undefined : protocols[protocols.length - 1];
      },
    },
    async (port, which) => {
      assert.deepEqual(await nodeClient(port, { ALPNProtocols: ['h2', 'http/1.1'] }).then((r) => r.alpn), 'http/1.1', which);
      assert.deepEqual(await nodeClient(port, { ALPNProtocols: ['refuse'] }).then((r) => r.error), 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL', which);
    },
  );
  assert.deepEqual(seen.slice(0, 2), seen.slice(2), 'the same arguments from both servers');
  assert.deepEqual(seen[0], { servername: 'localhost', protocols: ['h2', 'http/1.1'] });
  assert.throws(() => createServer({ ...serverOptions, ALPNCallback: () => 'x', ALPNProtocols: ['x'] }), { code: 'ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS' });
});

test('honorCipherOrder: false takes the client\'s order, TLS 1.2 and 1.3; by default ours wins', async () => {
  const clientFirst = { ciphers: 'TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256' };
  const serverOrder = 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305';
  await sideBySide({ ciphers: serverOrder, honorCipherOrder: false }, async (port, which) => {
    assert.equal((await nodeClient(port, clientFirst)).cipher, 'TLS_CHACHA20_POLY1305_SHA256', which);
    assert.equal((await nodeClient(port, { ...clientFirst, maxVersion: 'TLSv1.2' })).cipher, 'ECDHE-RSA-CHACHA20-POLY1305', which);
  });
  await sideBySide({ ciphers: serverOrder, honorCipherOrder: true }, async (port, which) => {
    assert.equal((await nodeClient(port, clientFirst)).cipher, 'TLS_AES_128_GCM_SHA256', which);
    assert.equal((await nodeClient(port, { ...clientFirst, maxVersion: 'TLSv1.2' })).cipher, 'ECDHE-RSA-AES128-GCM-SHA256', which);
  });
});

test('minDHSize: a DHE prime smaller than asked is ERR_TLS_DH_PARAM_SIZE; ffdhe2048 meets the default', async () => {
  const server = createServer({ ...serverOptions, ciphers: 'DHE-RSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' }, (s) => s.end());
  server.on('tlsClientError', () => {});
  const port = await listen(server);
  try {
    const ok = connect({ ...clientOptions, port, ciphers: 'DHE-RSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' });
    await once(ok, 'secureConnect');
    assert.deepEqual(ok.getEphemeralKeyInfo(), { type: 'DH', size: 2048 });
    ok.destroy();
    const strict = connect({ ...clientOptions, port, ciphers: 'DHE-RSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2', minDHSize: 3072 });
    const [err] = (await once(strict, 'error')) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ERR_TLS_DH_PARAM_SIZE');
    assert.match(err.message, /DH parameter size 2048 is less than 3072/);
  } finally {
    server.close();
  }
  assert.throws(() => connect({ ...clientOptions, port: 1, minDHSize: 0 }), { code: 'ERR_INVALID_ARG_VALUE' });
});

test('ALPNProtocols as one wire-format buffer (convertALPNProtocols, as node:tls)', async () => {
  const out: { ALPNProtocols?: Buffer } = {};
  tlsglass.convertALPNProtocols(['h2', 'http/1.1'], out);
  const server = createServer({ ...serverOptions, ALPNProtocols: out.ALPNProtocols! }, (s) => s.end());
  const port = await listen(server);
  try {
    assert.equal((await nodeClient(port, { ALPNProtocols: ['http/1.1'] })).alpn, 'http/1.1');
    const socket: TLSSocket = connect({ ...clientOptions, port, ALPNProtocols: [Buffer.from('h2')] });
    await once(socket, 'secureConnect');
    assert.equal(socket.alpnProtocol, 'h2');
    socket.destroy();
  } finally {
    server.close();
  }
});

test('enableTrace: the handshake, decoded, on stderr', () => {
  const index = fileURLToPath(new URL('../../src/index.js', import.meta.url));
  const script = `
    import { connect, createServer } from ${JSON.stringify(index)};
    const [cert, key, ca] = JSON.parse(process.argv[1]);
    const server = createServer({ cert, key }, (s) => s.end('x'));
    server.listen(0, '127.0.0.1', () => {
      const socket = connect({ host: '127.0.0.1', port: server.address().port, servername: 'localhost', ca, enableTrace: true });
      socket.on('data', () => {});
      socket.on('close', () => server.close());
    });`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify([serverOptions.cert, serverOptions.key, pki.ca.certPem])], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(run.status, 0, run.stderr);
  for (const message of ['ClientHello', 'ServerHello', 'EncryptedExtensions', 'Certificate', 'Finished']) assert.match(run.stderr, new RegExp(message));
  assert.equal(run.stdout, '');
});
