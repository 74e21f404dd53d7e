/**
 * The server process of the soak test (soak.test.ts): a tlsglass server on 127.0.0.1:0 that
 * answers every secure connection with "hello" and echoes, counts what happens, and reports its
 * memory and open descriptors over IPC. Run with --expose-gc.
 *
 * IPC: it sends { type: 'listening', port }; on { type: 'stats' } it collects garbage and sends
 * { type: 'stats', ... }; on { type: 'exit' } it closes and exits.
 */
import { readdirSync } from 'node:fs';
import { createServer } from '../../src/index.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';

const [cert, key] = [process.env['SOAK_CERT']!, process.env['SOAK_KEY']!];
const handshakeTimeout = Number(process.env['SOAK_HANDSHAKE_TIMEOUT'] ?? 2000);

const counts = { secure: 0, tlsClientError: 0, socketError: 0, uncaught: 0, unhandled: 0 };
const errorCodes: Record<string, number> = {};
const uncaught: string[] = [];

process.on('uncaughtException', (e) => {
  counts.uncaught++;
  if (uncaught.length < 5) uncaught.push(String(e?.stack ?? e));
});
process.on('unhandledRejection', (e) => {
  counts.unhandled++;
  if (uncaught.length < 5) uncaught.push(`unhandledRejection: ${String((e as Error)?.stack ?? e)}`);
});

// The TLS 1.2 session-ID cache is bounded (20 480 entries by default) but retains what completed
// handshakes leave behind; a small cache keeps that out of the leak measurement (set
// SOAK_DEFAULT_SESSION_CACHE=1 to soak the default configuration instead).
const sessionStore =
  process.env['SOAK_DEFAULT_SESSION_CACHE'] === '1'
    ? undefined
    : await import('../../src/session/server-store.js')
        .then(({ ServerSessionStore }) => new ServerSessionStore(nodeCryptoProvider, { cacheSize: 16 }))
        .catch(() => undefined);

const server = createServer({ cert, key, handshakeTimeout, ...(sessionStore && { sessionStore }) } as Parameters<typeof createServer>[0], (socket) => {
  counts.secure++;
  socket.on('error', () => counts.socketError++);
  socket.on('data', (d: Buffer) => socket.write(d));
  socket.on('end', () => socket.end());
  socket.write('hello');
});
server.on('tlsClientError', (err: Error & { code?: string }) => {
  counts.tlsClientError++;
  const code = err.code ?? err.name;
  errorCodes[code] = (errorCodes[code] ?? 0) + 1;
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send!({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});

async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 6; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 20));
  }
}

process.on('message', (msg: { type: string }) => {
  if (msg.type === 'stats') {
    void settle().then(async () => {
      const connections = await new Promise<number>((resolve) => server.getConnections((_err, c) => resolve(c)));
      const m = process.memoryUsage();
      const { getHeapSpaceStatistics } = await import('node:v8');
      const codeSpace = getHeapSpaceStatistics()
        .filter((sp) => sp.space_name.startsWith('code'))
        .reduce((n, sp) => n + sp.space_used_size, 0);
      process.send!({
        type: 'stats',
        heapUsed: m.heapUsed,
        codeSpace,
        rss: m.rss,
        arrayBuffers: m.arrayBuffers,
        fds: readdirSync('/proc/self/fd').length,
        handles: process.getActiveResourcesInfo().length,
        connections,
        counts,
        errorCodes,
        uncaught,
      });
    });
  } else if (msg.type === 'snapshot') {
    // Diagnostics: SOAK_SNAPSHOT_DIR set by whoever investigates a heap regression.
    void settle().then(async () => {
      const { writeHeapSnapshot } = await import('node:v8');
      const file = writeHeapSnapshot(`${process.env['SOAK_SNAPSHOT_DIR'] ?? '.'}/soak-${Date.now()}.heapsnapshot`);
      process.send!({ type: 'snapshot', file });
    });
  } else if (msg.type === 'exit') {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  }
});

