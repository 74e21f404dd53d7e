/**
 * A Cloudflare Worker that runs our sans-I/O core (issue 16), bundled by esbuild and served by
 * workerd in test/interop/runtime-workerd.test.ts. POST /client with JSON options: a
 * ClientConnection over a `cloudflare:sockets` connect() to `port` on 127.0.0.1, which sends
 * `message` and returns what was negotiated and what the peer answered. POST /pair: a
 * ServerConnection and a ClientConnection pumped into each other in memory (Workers cannot accept
 * TCP). POST /bench: ms per in-memory handshake (bench/handshake-loop.ts). Not part of the library.
 */
import { connect } from 'cloudflare:sockets';
import { ClientConnection, ServerConnection, type Connection } from '../../src/connection/connection.js';
import type { ClientOptions, ServerOptions } from '../../src/config.js';
import { handshakeCases, handshakeLoop } from '../../bench/handshake-loop.js';
import { installDefaultProvider } from '../../src/platform-defaults.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';

// Workers have node:crypto (nodejs_compat) but are no Node entry: the Worker installs the provider itself.
installDefaultProvider(nodeCryptoProvider);

interface ClientRequest {
  readonly port: number;
  readonly message: string;
  readonly options: ClientOptions;
}

interface PairRequest {
  readonly server: ServerOptions;
  readonly client: ClientOptions;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    try {
      if (path === '/client') return Response.json(await client((await request.json()) as ClientRequest));
      if (path === '/pair') return Response.json(pair((await request.json()) as PairRequest));
      if (path === '/bench') return Response.json(bench((await request.json()) as { ca: string; cert: string; key: string }));
      return new Response('not found', { status: 404 });
    } catch (e) {
      return Response.json({ error: String((e as Error).stack ?? e) }, { status: 500 });
    }
  },
};

/** What a connection negotiated, as the test compares it with the peer's view. */
function negotiated(c: Connection): Record<string, unknown> {
  return { protocol: c.protocol, cipher: c.cipher?.standardName, authorized: c.authorized, peerCertificates: c.peerCertificates.length, group: c.ephemeralKeyInfo?.name };
}

async function client({ port, message, options }: ClientRequest): Promise<Record<string, unknown>> {
  const socket = connect({ hostname: '127.0.0.1', port });
  const writer = socket.writable.getWriter();
  const reader = socket.readable.getReader();
  const tls = new ClientConnection(options);
  const flush = async (): Promise<void> => {
    for (const record of tls.takeOutgoing()) await writer.write(record);
  };
  let answer = '';
  let established = false;
  const events = (): void => {
    for (const e of tls.takeEvents()) {
      if (e.type === 'handshake-complete') established = true;
      else if (e.type === 'application-data') answer += new TextDecoder().decode(e.data);
    }
  };
  tls.start();
  await flush();
  let sent = false;
  let result: Record<string, unknown> | undefined;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    tls.receive(value);
    events();
    if (established && !sent) {
      result = negotiated(tls);
      tls.write(new TextEncoder().encode(message));
      sent = true;
    }
    await flush();
    if (answer.includes('\n')) break;
  }
  tls.close();
  await flush().catch(() => undefined);
  await socket.close();
  return { ...result, answer };
}

/** ms per in-memory handshake inside the Worker (bench/handshake-loop.ts), for the README's table. */
function bench(pem: { ca: string; cert: string; key: string }): Record<string, string> {
  return Object.fromEntries(handshakeCases(pem).map((c) => [c.name, handshakeLoop(c.server, c.client, 50).toFixed(2)]));
}

function pair({ server: serverOptions, client: clientOptions }: PairRequest): Record<string, unknown> {
  const server = new ServerConnection(serverOptions);
  const client = new ClientConnection(clientOptions);
  client.start();
  for (let round = 0; round < 20; round++) {
    const toServer = client.takeOutgoing();
    for (const r of toServer) server.receive(r);
    const toClient = server.takeOutgoing();
    for (const r of toClient) client.receive(r);
    if (toServer.length === 0 && toClient.length === 0) break;
  }
  client.write(new TextEncoder().encode('ping'));
  for (const r of client.takeOutgoing()) server.receive(r);
  const data = server.takeEvents().filter((e) => e.type === 'application-data');
  return { client: negotiated(client), server: negotiated(server), received: data.map((e) => new TextDecoder().decode(e.data)).join('') };
}
