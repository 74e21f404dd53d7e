/**
 * `tlsglass relay`: a WebSocket client (the `ws` package) through the relay process to a TCP echo
 * server on 127.0.0.1. An allowed target carries bytes both ways; a target not on --allow is
 * closed with 1008 and its reason, logged, and never connected; a message larger than the relay's
 * bound closes the connection (1009); the page is served over HTTP on the same port. And the
 * browser's transport, webSocketStreams(), under connectStreams() in Node (the `ws` client has the
 * browser's WebSocket interface), through the relay to openssl s_server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { peerMissing, spawnPeer, startOpensslServer, TLSGLASS_CLI, type PeerProcess, type Scope } from '../helpers/peers.js';
import { testPki, writePkiFiles } from '../helpers/pki.js';
import { RELAY_MAX_MESSAGE } from '../../src/cli/relay.js';
import { nobleCryptoProvider } from '../../src/crypto/noble/index.js';
import { connectStreams } from '../../src/web/stream.js';
import { webSocketStreams, type WebSocketLike } from '../../src/web/websocket.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A TCP echo server on 127.0.0.1:0 counting its connections. */
async function echoServer(t: Scope): Promise<{ server: Server; port: number; connections: () => number }> {
  let n = 0;
  const server = createServer((s: Socket) => {
    n++;
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, connections: () => n };
}

async function startRelay(t: Scope, allow: string): Promise<{ relay: PeerProcess; port: number }> {
  const relay = spawnPeer(t, process.execPath, [TLSGLASS_CLI, 'relay', '--listen', '0', '--allow', allow]);
  const m = await relay.waitFor(/^LISTEN http:\/\/127\.0\.0\.1:(\d+)\/$/m, 'the LISTEN line');
  return { relay, port: Number(m[1]) };
}

/** Opens a WebSocket to the relay and resolves with how it closed, after `onOpen`. */
function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

test('relay: an allowed target relays bytes both ways; a refused one is closed with the reason and logged, never connected', async (t) => {
  const echo = await echoServer(t);
  const { relay, port } = await startRelay(t, `localhost:1,127.0.0.1:${echo.port}`);

  const ws = new WebSocket(`ws://127.0.0.1:${port}/?target=127.0.0.1:${echo.port}`);
  await once(ws, 'open');
  const message = once(ws, 'message');
  const payload = Buffer.from(Array.from({ length: 5000 }, (_, i) => i & 0xff));
  ws.send(payload);
  const [echoed] = (await message) as [Buffer];
  assert.deepEqual(Buffer.from(echoed), payload);
  const closed = closeOf(ws);
  ws.close(1000);
  await closed;
  await relay.waitFor(new RegExp(`relay: connection 1 from 127\\.0\\.0\\.1:\\d+ to 127\\.0\\.0\\.1:${echo.port}: connected`), 'the connected log line');

  // Same host, another port: not on the list.
  const refused = new WebSocket(`ws://127.0.0.1:${port}/?target=127.0.0.1:${echo.port + 1}`);
  const how = await closeOf(refused);
  assert.deepEqual(how, { code: 1008, reason: `target 127.0.0.1:${echo.port + 1} is not allowed` });
  await relay.waitFor(new RegExp(`relay: connection 2 from 127\\.0\\.0\\.1:\\d+: refused "127\\.0\\.0\\.1:${echo.port + 1}": not on the allow-list`), 'the refusal log line');
  // No target at all.
  assert.equal((await closeOf(new WebSocket(`ws://127.0.0.1:${port}/`))).code, 1008);
  assert.equal(echo.connections(), 1, 'only the allowed connection reached a TCP server');
});

test('relay: bounded: a message larger than the per-connection limit closes the connection (1009)', async (t) => {
  const echo = await echoServer(t);
  const { relay, port } = await startRelay(t, `127.0.0.1:${echo.port}`);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/?target=127.0.0.1:${echo.port}`);
  await once(ws, 'open');
  const closed = closeOf(ws);
  ws.send(Buffer.alloc(RELAY_MAX_MESSAGE + 1));
  assert.equal((await closed).code, 1009);
  await relay.waitFor(/relay: connection 1 .*: WebSocket error: Max payload size exceeded/, 'the log line');
});

test('relay: serves the page on the same port; --allow is required; --help describes it', async (t) => {
  const echo = await echoServer(t);
  const { port } = await startRelay(t, `127.0.0.1:${echo.port}`);
  const page = await fetch(`http://127.0.0.1:${port}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<script type="module" src="app.js">/);
  const app = await fetch(`http://127.0.0.1:${port}/app.js`);
  assert.equal(app.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal((await fetch(`http://127.0.0.1:${port}/../package.json`)).status, 404);

  const noAllow = spawnPeer(t, process.execPath, [TLSGLASS_CLI, 'relay', '--listen', '0']);
  assert.equal((await noAllow.exited).code, 2);
  assert.match(noAllow.stderr(), /--allow HOST:PORT is required/);
  const help = spawnPeer(t, process.execPath, [TLSGLASS_CLI, 'relay', '--help']);
  assert.equal((await help.exited).code, 0);
  assert.match(help.stdoutText(), /Usage: tlsglass relay --allow HOST:PORT/);
});

test('webSocketStreams: connectStreams over a WebSocket through the relay to openssl s_server (TLS 1.3, noble provider)', { skip: peerMissing('openssl') }, async (t) => {
  const files = writePkiFiles(mkdtempSync(join(tmpdir(), 'tlsglass-relay-')));
  const server = await startOpensslServer(t, ['-cert', files.serverEcdsa.cert, '-key', files.serverEcdsa.key, '-www']);
  const { port } = await startRelay(t, `127.0.0.1:${server.port}`);
  const socket = new WebSocket(`ws://127.0.0.1:${port}/?target=127.0.0.1:${server.port}`) as unknown as WebSocketLike;
  const tls = connectStreams(webSocketStreams(socket), { provider: nobleCryptoProvider, ca: testPki().ca.certPem, servername: 'localhost' });
  const info = await tls.handshake;
  assert.equal(info.protocol, 'TLSv1.3');
  assert.equal(info.authorized, true);
  const writer = tls.writable.getWriter();
  await writer.write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
  let reply = '';
  const reader = tls.readable.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) reply += new TextDecoder().decode(r.value);
  assert.match(reply, /^HTTP\/1\.0 200 ok/);
  assert.match(reply, new RegExp(`New, TLSv1\\.3, Cipher is ${info.cipher.name}`));
});
