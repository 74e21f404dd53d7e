/**
 * Truncation and close over real sockets (issue #6 item 6, security.md CLOSE-1, R6, T14), for
 * TLS 1.2 and 1.3: close_notify in both orders, a FIN without close_notify after the handshake
 * reported as truncation (on either side; `truncated` and `rejectTruncation`, see
 * src/node/tls-socket.ts), no data lost on a half-close (1 MiB each way, SHA-256), and a
 * connection destroyed mid-handshake leaves no handle behind.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect as netConnect, createServer as netCreateServer, type AddressInfo, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { connect, createServer, type Server, type TLSSocket } from '../../src/index.js';
import type { TlsServerOptions } from '../../src/node/server.js';
import type { ConnectionOptions } from '../../src/node/connect.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const LIMIT = { timeout: 20_000 };
const VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
function pattern(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

interface Fixture {
  server: Server;
  port: number;
  accepted: Promise<TLSSocket>;
  errors: Error[];
  close(): void;
}

async function listen(version: (typeof VERSIONS)[number], options: TlsServerOptions = {}): Promise<Fixture> {
  let resolve!: (s: TLSSocket) => void;
  const accepted = new Promise<TLSSocket>((r) => (resolve = r));
  const server = createServer({ cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem, minVersion: version, maxVersion: version, ...options }, resolve);
  const errors: Error[] = [];
  server.on('tlsClientError', (e: Error) => errors.push(e));
  const raw = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    raw.add(s);
    s.once('close', () => raw.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    accepted,
    errors,
    close: () => {
      for (const s of raw) s.destroy();
      server.close();
    },
  };
}

function dial(f: Fixture, version: string, extra: ConnectionOptions = {}): TLSSocket {
  return connect({ host: '127.0.0.1', port: f.port, servername: 'localhost', ca: pki.ca.certPem, minVersion: version as 'TLSv1.2', maxVersion: version as 'TLSv1.2', ...extra });
}

/** Collects a stream until 'end'; rejects on 'error'. */
function drain(s: TLSSocket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.once('end', () => resolve(Buffer.concat(chunks)));
    s.once('error', reject);
  });
}

/** Resolves once the stream has emitted 'close' (at once if it already has). */
function closed(s: TLSSocket): Promise<unknown> {
  return s.closed ? Promise.resolve() : once(s, 'close');
}

/** Every TLS record type byte in a raw capture of one direction (to see what went over the wire). */
function recordTypes(bytes: Buffer): number[] {
  const out: number[] = [];
  for (let pos = 0; pos + 5 <= bytes.length; pos += 5 + bytes.readUInt16BE(pos + 3)) out.push(bytes[pos]!);
  return out;
}

for (const version of VERSIONS) {
  describe(`close and truncation, ${version}`, () => {
    test('close_notify, client first: the server answers with its own, both sides end cleanly, nothing truncated', LIMIT, async () => {
      const f = await listen(version);
      try {
        const client = dial(f, version);
        await once(client, 'secureConnect');
        const server = await f.accepted;
        const serverGot = drain(server);
        const clientGot = drain(client);
        client.end('bye from client');
        // Without allowHalfOpen the server's writable side ends on our close_notify: it sends its own.
        assert.equal((await serverGot).toString(), 'bye from client');
        assert.equal((await clientGot).toString(), '');
        await Promise.all([closed(client), closed(server)]);
        assert.equal(server.truncated, false);
        assert.equal(client.truncated, false);
      } finally {
        f.close();
      }
    });

    test('close_notify, server first: data before it arrives, the client answers, both end cleanly', LIMIT, async () => {
      const f = await listen(version);
      try {
        const client = dial(f, version);
        await once(client, 'secureConnect');
        const server = await f.accepted;
        const serverGot = drain(server);
        const clientGot = drain(client);
        server.end('bye from server');
        assert.equal((await clientGot).toString(), 'bye from server');
        assert.equal((await serverGot).toString(), '');
        await Promise.all([closed(client), closed(server)]);
        assert.equal(server.truncated, false);
        assert.equal(client.truncated, false);
      } finally {
        f.close();
      }
    });

    test('the client FINs without close_notify after the handshake: the server reports truncation', LIMIT, async () => {
      const f = await listen(version);
      try {
        const client = dial(f, version);
        await once(client, 'secureConnect');
        const server = await f.accepted;
        const serverGot = drain(server);
        client.write('partial', () => (client.socket as Socket).end()); // raw TCP FIN
        assert.equal((await serverGot).toString(), 'partial');
        assert.equal(server.truncated, true);
        client.destroy();
      } finally {
        f.close();
      }
    });

    test('the server FINs without close_notify: with rejectTruncation the client gets ERR_TLS_TRUNCATED, without it a flagged end', LIMIT, async () => {
      for (const reject of [true, false]) {
        const f = await listen(version);
        try {
          const client = dial(f, version, { rejectTruncation: reject });
          await once(client, 'secureConnect');
          const server = await f.accepted;
          server.write('partial', () => (server.socket as Socket).end());
          if (reject) {
            client.resume();
            const [err] = (await once(client, 'error')) as [Error & { code?: string }];
            assert.equal(err.code, 'ERR_TLS_TRUNCATED');
          } else {
            assert.equal((await drain(client)).toString(), 'partial');
            assert.equal(client.truncated, true);
          }
          client.destroy();
        } finally {
          f.close();
        }
      }
    });

    test('the server side with rejectTruncation: a client FIN without close_notify is an ERR_TLS_TRUNCATED error on the socket', LIMIT, async () => {
      const f = await listen(version, { rejectTruncation: true });
      try {
        const client = dial(f, version);
        await once(client, 'secureConnect');
        const server = await f.accepted;
        server.resume();
        (client.socket as Socket).end();
        const [err] = (await once(server, 'error')) as [Error & { code?: string }];
        assert.equal(err.code, 'ERR_TLS_TRUNCATED');
        client.destroy();
      } finally {
        f.close();
      }
    });

    test('half-close: 1 MiB each way, nothing lost (client sends and closes, then the server answers)', LIMIT, async () => {
      const up = pattern(1 << 20, 11);
      const down = pattern(1 << 20, 12);
      const f = await listen(version, { allowHalfOpen: true });
      try {
        const client = dial(f, version, { allowHalfOpen: true });
        const clientGot = drain(client);
        client.end(up); // queued until the handshake completes, then close_notify
        const server = await f.accepted;
        const request = await drain(server);
        assert.equal(sha256(request), sha256(up), `server got ${request.length} bytes`);
        server.end(down);
        const reply = await clientGot;
        assert.equal(reply.length, down.length);
        assert.equal(sha256(reply), sha256(down));
        assert.equal(client.truncated, false);
        assert.equal(server.truncated, false);
      } finally {
        f.close();
      }
    });

    test('simultaneous close: both write 1 MiB and close at once; both receive everything', LIMIT, async () => {
      const a = pattern(1 << 20, 21);
      const b = pattern(1 << 20, 22);
      const f = await listen(version, { allowHalfOpen: true });
      try {
        const client = dial(f, version, { allowHalfOpen: true });
        await once(client, 'secureConnect');
        const server = await f.accepted;
        const clientGot = drain(client);
        const serverGot = drain(server);
        client.end(a);
        server.end(b);
        const [atServer, atClient] = await Promise.all([serverGot, clientGot]);
        assert.equal(sha256(atServer), sha256(a));
        assert.equal(sha256(atClient), sha256(b));
      } finally {
        f.close();
      }
    });

    test('close_notify goes on the wire after the data, then FIN (captured at TCP level)', LIMIT, async () => {
      const f = await listen(version);
      try {
        // A raw TCP relay between a tlsglass client and the server records what the server sends.
        const captured: Buffer[] = [];
        let upstreamEnded!: () => void;
        const done = new Promise<void>((r) => (upstreamEnded = r));
        const relay = netCreateServer({ allowHalfOpen: true }, (downstream) => {
          const upstream = netConnect({ port: f.port, host: '127.0.0.1', allowHalfOpen: true });
          downstream.pipe(upstream);
          upstream.on('data', (d: Buffer) => captured.push(d));
          upstream.pipe(downstream);
          upstream.on('end', () => upstreamEnded());
          downstream.on('error', () => {});
          upstream.on('error', () => {});
        });
        relay.listen(0, '127.0.0.1');
        await once(relay, 'listening');
        void f.accepted.then((s) => s.end('payload'));
        const client = connect({ host: '127.0.0.1', port: (relay.address() as AddressInfo).port, servername: 'localhost', ca: pki.ca.certPem, minVersion: version, maxVersion: version });
        const got = await drain(client);
        assert.equal(got.toString(), 'payload');
        await done; // the server's FIN came after everything else
        relay.close();
        const types = recordTypes(Buffer.concat(captured));
        // TLS 1.2: the alert record is type 21 (encrypted); TLS 1.3 hides it in type 23. Either way it is the last record.
        const last = types[types.length - 1];
        assert.ok(version === 'TLSv1.2' ? last === 21 : last === 23, `records: ${types.join(',')}`);
        client.destroy();
      } finally {
        f.close();
      }
    });
  });
}

test('a client destroyed mid-handshake: the server reports it, keeps no handle, and keeps serving', LIMIT, async () => {
  const f = await listen('TLSv1.3');
  try {
    const baseline = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    for (let i = 0; i < 5; i++) {
      const raw = netConnect(f.port, '127.0.0.1');
      raw.on('error', () => {});
      await once(raw, 'connect');
      raw.write(Uint8Array.of(22, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3)); // the start of a ClientHello
      raw.resetAndDestroy();
    }
    const deadline = Date.now() + 5000;
    while (f.errors.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(f.errors.length, 5, `${f.errors.length} tlsClientError events`);
    while (process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length > baseline && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const now = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    assert.ok(now <= baseline, `a socket handle leaked: ${now} TCP handles, ${baseline} before`);
    const ok = connect({ host: '127.0.0.1', port: f.port, servername: 'localhost', ca: pki.ca.certPem });
    await once(ok, 'secureConnect');
    ok.destroy();
  } finally {
    f.close();
  }
});
