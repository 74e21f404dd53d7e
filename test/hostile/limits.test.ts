/**
 * Resource limits against hostile peers (issue #6 "Resource limits", security.md T11/T13/T14,
 * R3–R5): huge but legal ClientHellos in bounded CPU, a 16 MiB handshake message refused from its
 * header, empty-record and warning-alert floods, a 64 KiB ClientHello in 1-byte records, the
 * handshake timeout against a client that stops half-way, and bounded memory when a peer never
 * reads or the application never reads.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { ClientConnection, ServerConnection } from '../../src/connection/connection.js';
import { connect, createServer, type Server, type TLSSocket } from '../../src/index.js';
import type { TlsServerOptions } from '../../src/node/server.js';
import { LocalAlert, type TlsError } from '../../src/errors.js';
import { readClientHello, writeClientHello } from '../../src/messages/client-hello.js';
import { AlertDescription, AlertLevel, ContentType, ExtensionType, HandshakeType } from '../../src/messages/enums.js';
import { HostileDriver } from '../helpers/hostile-driver.js';
import { cachedKeyProvider, concatBytes, plainRecord } from '../helpers/hostile-wire.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const A = AlertDescription;
const LIMIT = { timeout: 30_000 };
const serverOpts = { provider: cachedKeyProvider, cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem, ca: pki.ca.certPem };
const clientOpts = { provider: cachedKeyProvider, servername: 'localhost', ca: pki.ca.certPem };

/** CPU time (user + system) of `fn`, in ms. */
function cpuMs(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/** The real ClientHello body of a default client, decoded. */
function realHello(extra = {}) {
  const c = new ClientConnection({ ...clientOpts, ...extra });
  c.start();
  const record = c.takeOutgoing()[0]!;
  return readClientHello(record.subarray(9));
}

/** Frames a handshake message and cuts it into plaintext records of at most `size` bytes. */
function handshakeRecords(type: number, body: Uint8Array, size = 16384): Uint8Array[] {
  const msg = new Uint8Array(4 + body.length);
  msg.set([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]);
  msg.set(body, 4);
  const out: Uint8Array[] = [];
  for (let off = 0; off < msg.length; off += size) out.push(plainRecord(ContentType.handshake, msg.subarray(off, off + size)));
  return out;
}

function serverFlightTypes(s: ServerConnection): number[] {
  const out = s.takeOutgoing();
  return out.filter((r) => r[0] === ContentType.handshake).map((r) => r[5]!);
}

describe('huge but legal ClientHellos are handled in bounded CPU', () => {
  test('a ClientHello with 30 000 cipher suites: < 200 ms CPU, answered', () => {
    const ch = realHello({ maxVersion: 'TLSv1.2' });
    // 30 000 suites nobody implements, then the real ones last: the server has to look at all of them.
    const junk = Array.from({ length: 30_000 - ch.cipherSuites.length }, (_, i) => 0x2000 + (i % 0x3000)); // 0x2000–0x4fff: no real suite, no SCSV
    const body = writeClientHello({ ...ch, cipherSuites: [...junk, ...ch.cipherSuites] });
    assert.ok(body.length > 60_000 && body.length < 65_536, `ClientHello of ${body.length} bytes`);
    const records = handshakeRecords(HandshakeType.client_hello, body);
    // Warm the code paths once (JIT), then measure.
    new ServerConnection(serverOpts).receive(concatBytes(handshakeRecords(HandshakeType.client_hello, writeClientHello(ch))));
    const s = new ServerConnection(serverOpts);
    const ms = cpuMs(() => s.receive(concatBytes(records)));
    assert.equal(s.failure, undefined);
    assert.equal(serverFlightTypes(s)[0], HandshakeType.server_hello);
    assert.ok(ms < 200, `${ms.toFixed(1)} ms CPU`);
  });

  test('a ClientHello with 16 000 empty unknown extensions: < 200 ms CPU, answered', () => {
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const ch = realHello({ maxVersion: version });
      const unknown = Array.from({ length: 16_000 }, (_, i) => ({ type: 0x1000 + i, data: new Uint8Array(0) }));
      const body = writeClientHello({ ...ch, extensions: [...unknown, ...ch.extensions] });
      assert.ok(body.length > 64_000 && body.length < 65_536, `ClientHello of ${body.length} bytes`);
      const s = new ServerConnection(serverOpts);
      const ms = cpuMs(() => s.receive(concatBytes(handshakeRecords(HandshakeType.client_hello, body))));
      assert.equal(s.failure, undefined, String(s.failure));
      assert.equal(serverFlightTypes(s)[0], HandshakeType.server_hello);
      assert.ok(ms < 200, `${version}: ${ms.toFixed(1)} ms CPU`);
    }
  });

  test('a 64 KiB ClientHello in 1-byte records (~65 000 records): completes, < 200 ms CPU', () => {
    const ch = realHello({ maxVersion: 'TLSv1.2' });
    const room = 65_536 - 4 - writeClientHello(ch).length - 4 - 1;
    const body = writeClientHello({ ...ch, extensions: [...ch.extensions, { type: ExtensionType.padding, data: new Uint8Array(room) }] });
    assert.ok(body.length + 4 <= 65_536 && body.length > 65_000, `ClientHello of ${body.length} bytes`);
    const records = handshakeRecords(HandshakeType.client_hello, body, 1);
    const stream = concatBytes(records);
    // Warm up on a small hello in 1-byte records.
    new ServerConnection(serverOpts).receive(concatBytes(handshakeRecords(HandshakeType.client_hello, writeClientHello(ch), 1)));
    let best = Infinity;
    for (let attempt = 0; attempt < 2 && best >= 200; attempt++) {
      const s = new ServerConnection(serverOpts);
      // Delivered as a TCP stack would: 4 KiB reads.
      const ms = cpuMs(() => {
        for (let off = 0; off < stream.length; off += 4096) s.receive(stream.subarray(off, off + 4096));
      });
      assert.equal(s.failure, undefined, String(s.failure));
      assert.equal(serverFlightTypes(s)[0], HandshakeType.server_hello);
      best = Math.min(best, ms);
    }
    assert.ok(best < 200, `${records.length} records: ${best.toFixed(1)} ms CPU`);
  });
});

describe('oversized handshake messages are refused from the header, before buffering', () => {
  const refuse = (type: number, declared: number): void => {
    const s = new ServerConnection(serverOpts);
    const before = process.memoryUsage().arrayBuffers;
    const header = Uint8Array.of(type, declared >> 16, (declared >> 8) & 0xff, declared & 0xff);
    assert.throws(
      () => s.receive(plainRecord(ContentType.handshake, header)),
      (e: TlsError) => e.alert === A.decode_error,
    );
    assert.deepEqual(s.takeOutgoing(), [Uint8Array.of(21, 3, 3, 0, 2, 2, A.decode_error)]);
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 1 << 20, `${grown} bytes of buffers allocated for a header`);
  };

  test('a declared 16 MiB ClientHello (length 0xFFFFFF): decode_error from the 4-byte header', () => {
    refuse(HandshakeType.client_hello, 0xffffff);
  });

  test('just over the limits: 131,396 + 1 (ClientHello, the most its vectors can hold), 256 KiB + 1 (Certificate), 64 KiB + 1 (others)', () => {
    refuse(HandshakeType.client_hello, 131_397);
    refuse(HandshakeType.certificate, 256 * 1024 + 1);
    refuse(HandshakeType.client_key_exchange, 65_537);
  });

  test('at the limit the header is accepted and the body awaited', () => {
    const s = new ServerConnection(serverOpts);
    s.receive(plainRecord(ContentType.handshake, Uint8Array.of(HandshakeType.client_hello, 0x01, 0x00, 0x00)));
    assert.equal(s.failure, undefined);
    assert.deepEqual(s.takeOutgoing(), []);
  });

  test('a declared 16 MiB message split across records is refused as soon as its header is complete', () => {
    const s = new ServerConnection(serverOpts);
    s.receive(plainRecord(ContentType.handshake, Uint8Array.of(HandshakeType.client_hello, 0xff)));
    assert.throws(() => s.receive(plainRecord(ContentType.handshake, Uint8Array.of(0xff, 0xff))), (e: TlsError) => e.alert === A.decode_error);
  });
});

/** An established in-memory pair whose peer records can be forged (hostile-driver.ts). */
function established(version: 'TLSv1.2' | 'TLSv1.3'): HostileDriver {
  const d = new HostileDriver({ sut: 'server', server: { ...serverOpts, maxVersion: version, minVersion: version }, client: { ...clientOpts, maxVersion: version, minVersion: version } });
  d.skipCompatCcs();
  assert.equal(d.finish(), undefined);
  assert.equal(d.sut.isEstablished, true);
  return d;
}

describe('record floods', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version}: 32 empty application-data records are tolerated, the 33rd is unexpected_message`, () => {
      const d = established(version);
      const epoch = d.readEpoch();
      for (let i = 0; i < 32; i++) d.sut.receive(d.seal(ContentType.application_data, new Uint8Array(0), epoch));
      assert.equal(d.sut.failure, undefined);
      assert.throws(() => d.sut.receive(d.seal(ContentType.application_data, new Uint8Array(0), epoch)), (e: TlsError) => e.alert === A.unexpected_message);
    });

    test(`${version}: the empty-record count is of consecutive records (data in between resets it)`, () => {
      const d = established(version);
      const epoch = d.readEpoch();
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 30; i++) d.sut.receive(d.seal(ContentType.application_data, new Uint8Array(0), epoch));
        d.sut.receive(d.seal(ContentType.application_data, Uint8Array.of(1), epoch));
      }
      assert.equal(d.sut.failure, undefined);
    });
  }

  test('TLS 1.3: 33 compatibility ChangeCipherSpec records during the handshake are unexpected_message', () => {
    const d = new HostileDriver({ sut: 'server', server: { ...serverOpts, minVersion: 'TLSv1.3' }, client: { ...clientOpts, minVersion: 'TLSv1.3' } });
    d.skipCompatCcs(); // the client's own CCS counts too
    const ccs = Uint8Array.of(20, 3, 3, 0, 1, 1);
    let failedAt = 0;
    for (let i = 1; i <= 40 && !failedAt; i++) {
      try {
        d.sut.receive(ccs);
      } catch (e) {
        assert.equal((e as TlsError).alert, A.unexpected_message);
        failedAt = i;
      }
    }
    assert.ok(failedAt > 0 && failedAt <= 33, `failed at CCS #${failedAt}`);
  });

  test('TLS 1.2: 4 warning alerts are tolerated, the 5th is unexpected_message', () => {
    const d = established('TLSv1.2');
    const epoch = d.readEpoch();
    const warning = (): Uint8Array => d.seal(ContentType.alert, Uint8Array.of(AlertLevel.warning, A.no_renegotiation), epoch);
    for (let i = 0; i < 4; i++) d.sut.receive(warning());
    assert.equal(d.sut.failure, undefined);
    assert.throws(() => d.sut.receive(warning()), (e: TlsError) => e instanceof LocalAlert && e.alert === A.unexpected_message);
    // Sealed under the server's keys: one alert record and nothing else.
    const out = d.sut.takeOutgoing();
    assert.equal(out.length, 1);
    assert.deepEqual(d.fromSut.decode(out[0]!).map((u) => [...u.body]), [[AlertLevel.fatal, A.unexpected_message]]);
  });

  test(
    'TLS 1.2: the warning-alert limit counts consecutive alerts (application data in between resets it)',
    () => {
      const d = established('TLSv1.2');
      const epoch = d.readEpoch();
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 3; i++) d.sut.receive(d.seal(ContentType.alert, Uint8Array.of(AlertLevel.warning, A.no_renegotiation), epoch));
        d.sut.receive(d.seal(ContentType.application_data, Uint8Array.of(1), epoch));
      }
      assert.equal(d.sut.failure, undefined);
    },
  );

  // 33 KeyUpdates in a row: already in test/unit/handshake-tls13.test.ts and test/interop/tls13-negative.test.ts.
});

describe('what a server keeps after a handshake', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(
      `${version}: a client certificate chain over 64 KiB (within the 256 KiB Certificate limit) does not break the handshake`,
      async () => {
        const { runPair } = await import('../helpers/pair.js');
        const junk = pki.ca.certPem.repeat(150); // ~68 KB after the real leaf
        const r = runPair(
          { ...serverOpts, maxVersion: version, requestCert: true },
          { ...clientOpts, maxVersion: version, cert: pki.clientEcdsa.certPem + junk, key: pki.clientEcdsa.keyPem },
        );
        assert.equal(r.serverError, undefined, `server: ${r.serverError?.code} ${r.serverError?.message}`);
        assert.equal(r.server.isEstablished, true);
      },
    );
  }

  test(
    "TLS 1.2 session cache: a client's padded certificate chain is not kept (bounded memory per cached session)",
    async () => {
      const { ServerSessionStore } = await import('../../src/session/server-store.js');
      const { setFlagsFromString } = await import('node:v8');
      const { runInNewContext } = await import('node:vm');
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const { runPair } = await import('../helpers/pair.js');
      const store = new ServerSessionStore(cachedKeyProvider, {});
      const junk = pki.ca.certPem.repeat(90); // ~40 KB of extra certificates after the real leaf
      const server = { ...serverOpts, maxVersion: 'TLSv1.2' as const, requestCert: true, sessionStore: store };
      const client = { ...clientOpts, maxVersion: 'TLSv1.2' as const, cert: pki.clientEcdsa.certPem + junk, key: pki.clientEcdsa.keyPem };
      const first = runPair(server, client);
      assert.equal(first.serverError, undefined, String(first.serverError));
      // ArrayBuffers are released after the GC that finds them dead, in a later turn of the
      // event loop: collect and yield a few times before each reading.
      const settle = async (): Promise<void> => {
        for (let i = 0; i < 3; i++) {
          gc();
          await new Promise((r) => setImmediate(r));
        }
      };
      await settle();
      const before = process.memoryUsage();
      // Enough sessions that GC noise (tens of KiB) is small per session.
      const n = 200;
      for (let i = 0; i < n; i++) runPair(server, client);
      await settle();
      const after = process.memoryUsage();
      const perSession = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / n;
      assert.ok(perSession < 16 * 1024, `${(perSession / 1024).toFixed(1)} KiB retained per cached session`);
    },
  );
});

// ---- over real sockets --------------------------------------------------------------------------------

async function listen(options: TlsServerOptions, onSecure: (s: TLSSocket) => void = () => {}): Promise<{ server: Server; port: number; errors: Array<Error & { code?: string }> }> {
  const server = createServer({ cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem, ...options }, onSecure);
  const errors: Array<Error & { code?: string }> = [];
  server.on('tlsClientError', (e: Error) => errors.push(e));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, errors };
}

async function until(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('over TCP', () => {
  test('handshake timeout: a client that sends half a ClientHello and stops is closed with ERR_TLS_HANDSHAKE_TIMEOUT', LIMIT, async () => {
    const { server, port, errors } = await listen({ handshakeTimeout: 300 });
    try {
      const c = new ClientConnection(clientOpts);
      c.start();
      const hello = concatBytes(c.takeOutgoing());
      const raw = netConnect(port, '127.0.0.1');
      raw.on('error', () => {});
      const chunks: Buffer[] = [];
      raw.on('data', (d: Buffer) => chunks.push(d));
      await once(raw, 'connect');
      const t0 = Date.now();
      raw.write(hello.subarray(0, hello.length >> 1));
      await once(raw, 'close');
      const waited = Date.now() - t0;
      assert.ok(waited >= 250 && waited < 3000, `closed after ${waited} ms`);
      await until(() => errors.length === 1, 'tlsClientError');
      assert.equal(errors[0]!.code, 'ERR_TLS_HANDSHAKE_TIMEOUT');
      assert.equal(Buffer.concat(chunks).length, 0, 'nothing is sent to a client that timed out');
      // The listener is unharmed.
      const ok = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.ca.certPem });
      await once(ok, 'secureConnect');
      ok.destroy();
    } finally {
      server.close();
    }
  });

  test('backpressure: a peer that never reads while the server writes 64 MiB keeps memory bounded; write() says stop; drain resumes', LIMIT, async () => {
    const total = 64 << 20;
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    let offered = 0;
    let blocked = false;
    let drains = 0;
    let serverSide: TLSSocket | undefined;
    const { server, port } = await listen({}, (s) => {
      serverSide = s;
      const pump = (): void => {
        while (offered < total) {
          offered += chunk.length;
          if (!s.write(chunk)) {
            blocked = true;
            s.once('drain', () => {
              drains++;
              pump();
            });
            return;
          }
        }
        s.end();
      };
      pump();
    });
    try {
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.ca.certPem });
      await once(client, 'secureConnect');
      // Nobody reads: give the writer time to run into the wall.
      await until(() => blocked, 'write() === false');
      await new Promise((r) => setTimeout(r, 300));
      const stalledAt = offered;
      const rssStalled = process.memoryUsage().rss;
      assert.ok(stalledAt < 16 << 20, `the server kept writing: ${stalledAt} bytes accepted with nobody reading`);
      const queued = serverSide!.writableLength + (serverSide!.socket as Socket).writableLength;
      assert.ok(queued < 4 << 20, `${queued} bytes queued on the server side`);
      assert.ok(rssStalled - rssBefore < 48 << 20, `RSS grew by ${((rssStalled - rssBefore) / 2 ** 20).toFixed(1)} MiB`);
      console.log(`backpressure (peer never reads): write() refused after ${(stalledAt / 2 ** 20).toFixed(2)} MiB of 64; ${queued} bytes queued server-side; RSS +${((rssStalled - rssBefore) / 2 ** 20).toFixed(1)} MiB`);
      // Now read: everything arrives, and 'drain' let the writer continue.
      let got = 0;
      client.on('data', (d: Buffer) => (got += d.length));
      await once(client, 'end');
      assert.equal(got, total);
      assert.ok(drains > 0);
      client.destroy();
    } finally {
      server.close();
    }
  });

  test('backpressure the other way: a server application that never reads stops pulling from TCP; memory stays bounded', LIMIT, async () => {
    let serverSide: TLSSocket | undefined;
    const { server, port } = await listen({}, (s) => {
      serverSide = s; // never read
    });
    try {
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.ca.certPem });
      await once(client, 'secureConnect');
      const chunk = Buffer.alloc(64 * 1024, 0xa5);
      let written = 0;
      let blocked = false;
      while (written < 64 << 20) {
        written += chunk.length;
        if (!client.write(chunk)) {
          blocked = true;
          break;
        }
      }
      await until(() => serverSide !== undefined && (serverSide.socket as Socket).isPaused(), 'the server to pause its TCP socket');
      // Keep writing when the client drains, for a while: the server must not buffer it.
      const deadline = Date.now() + 500;
      while (Date.now() < deadline && written < 64 << 20) {
        if (client.writableNeedDrain) {
          await Promise.race([once(client, 'drain'), new Promise((r) => setTimeout(r, 50))]);
          continue;
        }
        written += chunk.length;
        client.write(chunk);
      }
      assert.ok(blocked, 'the client was never told to stop');
      assert.ok(serverSide!.readableLength < 1 << 20, `the server buffered ${serverSide!.readableLength} bytes of plaintext`);
      const rss = process.memoryUsage().rss;
      assert.ok(rss - rssBefore < 48 << 20, `RSS grew by ${((rss - rssBefore) / 2 ** 20).toFixed(1)} MiB`);
      console.log(`backpressure (application never reads): client wrote ${(written / 2 ** 20).toFixed(2)} MiB; server buffered ${serverSide!.readableLength} bytes; RSS +${((rss - rssBefore) / 2 ** 20).toFixed(1)} MiB`);
      client.destroy();
    } finally {
      serverSide?.destroy();
      server.close();
    }
  });
});

