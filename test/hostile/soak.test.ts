/**
 * Soak (issue #6 item 4, security.md T09, R1–R3): one child-process tlsglass server takes 10 000
 * hostile connections: random garbage, truncated and mutated ClientHellos, resets in the middle of
 * the handshake, floods of empty records after a real handshake, handshakes abandoned half-way,
 * and a few slowloris clients at 1 byte/s (bounded by the server's handshake timeout). Afterwards
 * the server must still complete a normal handshake, its heap (objects, without V8's code space)
 * must be back within 10% of the baseline after GC, no descriptor may have leaked, and nothing may have reached
 * uncaughtException or unhandledRejection.
 *
 * Slow tier: runs with TLSGLASS_SLOW=1 (`npm run test:slow`) and in CI (CI=true). SOAK_CONNECTIONS overrides the
 * count (default 10 000).
 */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ClientConnection } from '../../src/connection/connection.js';
import { connect } from '../../src/index.js';
import { ContentType } from '../../src/messages/enums.js';
import { Keylog, concatBytes, protectionOf } from '../helpers/hostile-wire.js';
import { testPki } from '../helpers/pki.js';

// CI runs the slow tier too (CI must never skip); a developer's `npm test` skips it, saying how to run it.
const SLOW = process.env['TLSGLASS_SLOW'] === '1' || process.env['CI'] === 'true';
const CONNECTIONS = Number(process.env['SOAK_CONNECTIONS'] ?? 10_000);
const CONCURRENCY = 48;
const HANDSHAKE_TIMEOUT_MS = 2000;
const PER_CONNECTION_LIMIT_MS = 15_000;
const pki = testPki();

interface Stats {
  heapUsed: number;
  /** V8 code space (JIT output), part of heapUsed. */
  codeSpace: number;
  rss: number;
  arrayBuffers: number;
  fds: number;
  handles: number;
  connections: number;
  counts: Record<string, number>;
  errorCodes: Record<string, number>;
  uncaught: string[];
}

function request(child: ChildProcess, type: string): Promise<Stats> {
  return new Promise((resolve) => {
    const onMessage = (m: Stats & { type: string }): void => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}

/** A ClientHello from a real client (TLS 1.3-capable, so it is the large kind). */
function clientHello(): Uint8Array {
  const c = new ClientConnection({ servername: 'localhost', ca: pki.ca.certPem });
  c.start();
  return concatBytes(c.takeOutgoing());
}

/** Opens a raw TCP connection, runs `script`, and resolves when the connection is closed. */
function rawConnection(port: number, script: (s: Socket, received: () => number) => void): Promise<'closed' | 'timeout'> {
  return new Promise((resolve) => {
    const s = netConnect({ port, host: '127.0.0.1' });
    let got = 0;
    const timer = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, PER_CONNECTION_LIMIT_MS);
    s.on('data', (d: Buffer) => (got += d.length));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    s.once('connect', () => script(s, () => got));
  });
}

/** A real sans-I/O client over a raw socket: completes the handshake, then `after` may misbehave. */
function tlsThenMisbehave(port: number, after: (s: Socket, c: ClientConnection, keylog: Keylog) => void): Promise<'closed' | 'timeout'> {
  return rawConnection(port, (s) => {
    const c = new ClientConnection({ servername: 'localhost', ca: pki.ca.certPem, maxVersion: Math.random() < 0.5 ? 'TLSv1.2' : 'TLSv1.3' });
    const keylog = new Keylog();
    let done = false;
    const flush = (): void => {
      for (const r of c.takeOutgoing()) s.write(r);
      keylog.absorb(c.takeEvents());
    };
    s.on('data', (d: Buffer) => {
      try {
        c.receive(d);
      } catch {
        s.destroy();
        return;
      }
      flush();
      if (!done && c.isEstablished) {
        done = true;
        after(s, c, keylog);
      }
    });
    c.start();
    flush();
  });
}

type Kind = 'garbage' | 'truncated-hello' | 'mutated-hello' | 'reset-mid-handshake' | 'empty-record-flood' | 'abandoned' | 'valid-then-reset';

function pickKind(i: number): Kind {
  const r = i % 20;
  if (r < 5) return 'garbage';
  if (r < 9) return 'truncated-hello';
  if (r < 12) return 'mutated-hello';
  if (r < 15) return 'reset-mid-handshake';
  if (r < 17) return 'empty-record-flood';
  if (r < 18) return 'abandoned';
  return 'valid-then-reset';
}

function hostile(port: number, kind: Kind, hello: Uint8Array): Promise<'closed' | 'timeout'> {
  switch (kind) {
    case 'garbage':
      return rawConnection(port, (s) => {
        s.write(randomBytes(1 + Math.floor(Math.random() * 2000)));
        if (Math.random() < 0.5) s.end();
      });
    case 'truncated-hello':
      return rawConnection(port, (s) => {
        s.write(hello.subarray(0, 1 + Math.floor(Math.random() * (hello.length - 1))));
        if (Math.random() < 0.5) s.end();
        else setTimeout(() => s.resetAndDestroy(), 5);
      });
    case 'mutated-hello':
      return rawConnection(port, (s) => {
        const m = hello.slice();
        for (let k = 1 + Math.floor(Math.random() * 4); k > 0; k--) m[Math.floor(Math.random() * m.length)] = Math.floor(Math.random() * 256);
        s.write(m);
        // Leave it to the server: an alert and a close, or (if still acceptable) its flight and the handshake timeout.
      });
    case 'reset-mid-handshake':
      return rawConnection(port, (s, received) => {
        s.write(hello);
        const check = (): void => {
          if (received() > 0) s.resetAndDestroy();
          else setTimeout(check, 2);
        };
        check();
      });
    case 'empty-record-flood':
      return tlsThenMisbehave(port, (s, c, keylog) => {
        // 40 empty application-data records, sealed with the client's keys (white-box, as the
        // state matrix does): the server must stop at the 33rd with unexpected_message and close.
        const tls12 = c.protocol === 'TLSv1.2';
        const p = protectionOf('client', tls12 ? 1 : 2, c, keylog)!;
        if (tls12) p.seal(ContentType.handshake, new Uint8Array(1)); // sequence 0 was the client's Finished
        for (let i = 0; i < 40; i++) s.write(p.seal(ContentType.application_data, new Uint8Array(0)));
      });
    case 'abandoned':
      return rawConnection(port, (s) => {
        s.write(hello); // and then silence: the handshake timeout closes it
      });
    case 'valid-then-reset':
      return tlsThenMisbehave(port, (s) => s.resetAndDestroy());
  }
}

/** Slowloris: one byte per second of a ClientHello, until the server closes or `maxMs` passes. */
function slowloris(port: number, hello: Uint8Array, maxMs: number): Promise<{ closedAfterMs: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = netConnect({ port, host: '127.0.0.1' });
    s.on('error', () => {});
    let i = 0;
    const tick = setInterval(() => {
      if (Date.now() - t0 > maxMs || i >= hello.length) {
        clearInterval(tick);
        s.destroy();
        return;
      }
      s.write(hello.subarray(i, i + 1));
      i++;
    }, 1000);
    s.on('close', () => {
      clearInterval(tick);
      resolve({ closedAfterMs: Date.now() - t0 });
    });
  });
}

test('soak: 10 000 hostile connections against one server process', { skip: !SLOW && 'slow tier: set TLSGLASS_SLOW=1 (npm run test:slow)', timeout: 20 * 60_000 }, async () => {
  const t0 = Date.now();
  const child = fork(fileURLToPath(new URL('./soak-child.js', import.meta.url)), [], {
    execArgv: ['--expose-gc'],
    env: { ...process.env, SOAK_CERT: pki.serverEcdsa.certPem, SOAK_KEY: pki.serverEcdsa.keyPem, SOAK_HANDSHAKE_TIMEOUT: String(HANDSHAKE_TIMEOUT_MS) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const [ready] = (await once(child, 'message')) as [{ type: string; port: number }];
    const port = ready.port;
    const hello = clientHello();

    const normalHandshake = async (): Promise<void> => {
      const s = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.ca.certPem });
      const chunks: Buffer[] = [];
      s.on('data', (d: Buffer) => chunks.push(d));
      await once(s, 'secureConnect');
      while (Buffer.concat(chunks).toString() !== 'hello') await new Promise((r) => setTimeout(r, 5));
      s.end();
      await once(s, 'close');
    };

    // Warm up (JIT, lazily built tables, the small session cache) with normal and hostile traffic, then take the baseline.
    for (let i = 0; i < 20; i++) await normalHandshake();
    let warm = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (warm < 2000) await hostile(port, pickKind(warm++), hello);
      }),
    );
    await new Promise((r) => setTimeout(r, HANDSHAKE_TIMEOUT_MS + 500));
    const baseline = await request(child, 'stats');
    if (process.env['SOAK_SNAPSHOT_DIR']) await request(child, 'snapshot');

    // Slowloris in the background, bounded by the handshake timeout (plus slack).
    const lorises = Array.from({ length: 5 }, () => slowloris(port, hello, HANDSHAKE_TIMEOUT_MS * 3));

    const hostileStart = Date.now();
    const outcomes: Record<string, number> = {};
    let next = 0;
    let timeouts = 0;
    const checkpoints: number[] = [];
    const worker = async (): Promise<void> => {
      while (next < CONNECTIONS) {
        const i = next++;
        if (i > 0 && i % Math.ceil(CONNECTIONS / 4) === 0) void request(child, 'stats').then((st) => checkpoints.push(+(st.heapUsed / 2 ** 20).toFixed(2)));
        const kind = pickKind(i);
        const r = await hostile(port, kind, hello);
        outcomes[kind] = (outcomes[kind] ?? 0) + 1;
        if (r === 'timeout') timeouts++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const hostileMs = Date.now() - hostileStart;
    const loris = await Promise.all(lorises);

    // Let the last handshake timers fire and sockets close, then measure.
    await new Promise((r) => setTimeout(r, HANDSHAKE_TIMEOUT_MS + 500));
    const after = await request(child, 'stats');
    if (process.env['SOAK_SNAPSHOT_DIR']) await request(child, 'snapshot');
    await normalHandshake();

    const report = {
      connections: CONNECTIONS,
      hostileSeconds: +(hostileMs / 1000).toFixed(1),
      totalSeconds: +((Date.now() - t0) / 1000).toFixed(1),
      heapBeforeMiB: +(baseline.heapUsed / 2 ** 20).toFixed(2),
      heapAfterMiB: +(after.heapUsed / 2 ** 20).toFixed(2),
      heapWithoutCodeBeforeMiB: +((baseline.heapUsed - baseline.codeSpace) / 2 ** 20).toFixed(2),
      heapWithoutCodeAfterMiB: +((after.heapUsed - after.codeSpace) / 2 ** 20).toFixed(2),
      rssBeforeMiB: +(baseline.rss / 2 ** 20).toFixed(1),
      rssAfterMiB: +(after.rss / 2 ** 20).toFixed(1),
      fdsBefore: baseline.fds,
      fdsAfter: after.fds,
      handlesBefore: baseline.handles,
      handlesAfter: after.handles,
      openConnectionsAfter: after.connections,
      heapCheckpointsMiB: checkpoints,
      slowlorisClosedAfterMs: loris.map((l) => l.closedAfterMs),
      clientSideTimeouts: timeouts,
      kinds: outcomes,
      server: after.counts,
      serverErrorCodes: after.errorCodes,
    };
    console.log(`soak: ${JSON.stringify(report)}`);

    assert.deepEqual(after.uncaught, [], 'uncaughtException / unhandledRejection in the server');
    assert.equal(after.counts['uncaught'], 0);
    assert.equal(after.counts['unhandled'], 0);
    assert.equal(timeouts, 0, 'some connections were never closed by the server');
    for (const l of loris) assert.ok(l.closedAfterMs < HANDSHAKE_TIMEOUT_MS + 1500, `a slowloris client lived ${l.closedAfterMs} ms`);
    assert.equal(after.connections, 0, 'connections still open in the server');
    assert.ok(after.fds <= baseline.fds, `descriptors leaked: ${baseline.fds} → ${after.fds}`);
    // The heap criterion is on objects: V8's code space grows as the JIT optimizes more paths (a heap
    // snapshot diff of a 4 000-connection run showed only code objects and their metadata between
    // the baseline and the end, no connection state). The total is reported and bounded too.
    assert.ok(
      after.heapUsed - after.codeSpace <= (baseline.heapUsed - baseline.codeSpace) * 1.1,
      `heap (without code space) grew from ${report.heapWithoutCodeBeforeMiB} to ${report.heapWithoutCodeAfterMiB} MiB`,
    );
    assert.ok(after.heapUsed <= baseline.heapUsed * 1.2, `heap grew from ${report.heapBeforeMiB} to ${report.heapAfterMiB} MiB`);
  } finally {
    child.send({ type: 'exit' });
    await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 2000))]);
    child.kill();
  }
});
