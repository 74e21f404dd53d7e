/**
 * A benchmark process. run.ts forks two of these, a server and a client, so that each side has
 * its own event loop and core, as in production (2 cores here), and run.ts itself stays idle.
 * Commands arrive over IPC as { id, cmd, ...args } and are answered with { id, ok, result }.
 */
import { Buffer } from 'node:buffer';
import type * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { ClientFactory, createServer, type ClientSocket, type Impl, type Pki, type TlsSpec } from './lib/spec.js';
import { loadReclaim, peerClient, peerServer } from './lib/peers.js';
import { inProcess, inProcessPaired } from './observer.js';

type ServerMode = 'handshake' | 'down' | 'up' | 'ttfb' | 'idle';

interface Request {
  readonly id: number;
  readonly cmd: string;
  readonly [arg: string]: unknown;
}

const CHUNK = 64 * 1024;
const payload = Buffer.alloc(CHUNK, 0x5a);
const CONNECT_TIMEOUT_MS = 15_000;

let pki: Pki | undefined;
const servers = new Map<number, { server: net.Server; stats: { secure: number; errors: number } }>();
const factories = new Map<string, ClientFactory | PeerFactory>();
const held: ClientSocket[] = [];
const heldServer: unknown[] = [];

/** The pure-JS peers (forge, reclaim) expose the same connect() shape as ClientFactory. */
export interface PeerFactory {
  readonly impl: Impl;
  readonly spec: TlsSpec;
  session?: unknown;
  connect(port: number): ClientSocket;
}

/** One factory per implementation, spec and server port: a resumption session belongs to one server. */
function factory(impl: Impl, spec: TlsSpec, port: number): ClientFactory | PeerFactory {
  const key = `${impl} ${port} ${JSON.stringify(spec)}`;
  let f = factories.get(key);
  if (!f) {
    f = impl === 'forge' || impl === 'reclaim' ? peerClient(impl, spec, pki!) : new ClientFactory(impl, spec, pki!);
    factories.set(key, f);
  }
  return f;
}

// ---- server side ---------------------------------------------------------------------------

async function serve(impl: Impl, spec: TlsSpec, mode: ServerMode): Promise<{ port: number }> {
  const stats = { secure: 0, errors: 0 };
  const onSecure = (s: ClientSocket): void => {
    stats.secure++;
    s.on('error', () => stats.errors++);
    switch (mode) {
      case 'handshake':
        s.resume();
        break;
      case 'idle':
        s.resume();
        heldServer.push(s);
        s.on('close', () => heldServer.splice(heldServer.indexOf(s), 1));
        break;
      case 'ttfb':
        s.resume();
        s.write(Buffer.of(0x31));
        break;
      case 'down':
      case 'up': {
        // The client opens with an 8-byte length: "send me L bytes" (down) or "L bytes follow" (up).
        let header = Buffer.alloc(0);
        let want = -1;
        let got = 0;
        s.on('data', (d: Buffer) => {
          if (want < 0) {
            header = Buffer.concat([header, d]);
            if (header.length < 8) return;
            want = Number(header.readBigUInt64BE(0));
            d = header.subarray(8);
            if (mode === 'down') pump(s, want, () => {});
          }
          if (mode === 'up') {
            got += d.length;
            if (got === want) s.write(Buffer.of(0x6b));
          }
        });
        break;
      }
    }
  };
  const server = impl === 'forge' ? peerServer(impl, spec, pki!, onSecure) : createServer(impl, spec, pki!, onSecure as never);
  server.on('tlsClientError', () => stats.errors++);
  const port = await new Promise<number>((resolve, reject) => {
    (server as net.Server).once('error', reject);
    (server as net.Server).listen(0, '127.0.0.1', 511, () => resolve(((server as net.Server).address() as net.AddressInfo).port));
  });
  servers.set(port, { server, stats });
  return { port };
}

function pump(s: ClientSocket, total: number, done: () => void): void {
  let sent = 0;
  const next = (): void => {
    while (sent < total) {
      const n = Math.min(CHUNK, total - sent);
      sent += n;
      if (!s.write(n === CHUNK ? payload : payload.subarray(0, n))) {
        s.once('drain', next);
        return;
      }
    }
    done();
  };
  next();
}

// ---- client side ---------------------------------------------------------------------------

/** One connection: handshake, then close_notify both ways; resolves once the socket is closed. */
function connectOnce(f: ClientFactory | PeerFactory, port: number, onSecure?: (s: ClientSocket) => void): Promise<{ resumed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = f.connect(port);
    let resumed = false;
    let secured = false;
    let settled = false;
    const settle = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve({ resumed });
    };
    // Only 'close' or this timer settle a connection that got through its handshake, so that a
    // hung close shows up as an error instead of hanging the run.
    const timer = setTimeout(() => {
      s.destroy();
      settle(new Error(`${f.impl}: ${secured ? 'no close' : 'no handshake'} within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    s.on('error', (err: Error) => {
      s.destroy();
      if (!secured) settle(err);
    });
    s.once('secureConnect', () => {
      secured = true;
      resumed = s.isSessionReused?.() ?? false;
      s.resume();
      if (onSecure) onSecure(s);
      else s.end();
    });
    s.once('close', () => settle(secured ? undefined : new Error(`${f.impl}: closed before the handshake completed`)));
  });
}

async function handshakes(f: ClientFactory | PeerFactory, port: number, concurrency: number, ms: number): Promise<object> {
  let count = 0;
  let resumed = 0;
  let errors = 0;
  let lastError = '';
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + ms;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline && errors < 20) {
      try {
        const r = await connectOnce(f, port);
        count++;
        if (r.resumed) resumed++;
      } catch (err) {
        errors++;
        lastError = (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { count, resumed, errors, lastError, elapsedMs, cpuUs: cpu.user + cpu.system };
}

/** A first full handshake whose session later connections resume (TLS 1.3 tickets come after the handshake). */
async function prime(f: ClientFactory | PeerFactory, port: number): Promise<object> {
  f.session = undefined;
  await connectOnce(f, port, (s) => {
    const wait = Date.now();
    const check = (): void => {
      if (f.session !== undefined || Date.now() - wait > 2000) s.end();
      else setTimeout(check, 5);
    };
    check();
  });
  return { session: f.session !== undefined };
}

async function bulk(f: ClientFactory | PeerFactory, port: number, bytes: number, dir: 'down' | 'up'): Promise<object> {
  let t0 = 0;
  let t1 = 0;
  let cpu0 = process.cpuUsage();
  await connectOnce(f, port, (s) => {
    t0 = performance.now();
    cpu0 = process.cpuUsage();
    let got = 0;
    const want = dir === 'down' ? bytes : 1;
    const header = Buffer.alloc(8);
    header.writeBigUInt64BE(BigInt(bytes));
    s.write(header);
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= want && t1 === 0) {
        t1 = performance.now();
        s.end();
      }
    });
    if (dir === 'up') pump(s, bytes, () => {});
  });
  const cpu = process.cpuUsage(cpu0);
  if (t1 === 0) throw new Error(`${f.impl}: the connection closed before the transfer completed`);
  return { ms: t1 - t0, cpuUs: cpu.user + cpu.system };
}

/** Time from connect() to the first application byte (the server writes one on 'secure'). */
async function ttfb(f: ClientFactory | PeerFactory, port: number, n: number): Promise<object> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    let t0 = 0;
    let t1 = 0;
    t0 = performance.now();
    await connectOnce(f, port, (s) => {
      s.once('data', () => {
        t1 = performance.now();
        s.end();
      });
    });
    samples.push(t1 - t0);
  }
  return { samples };
}

/** Opens n connections and keeps them open and idle (memory). */
async function hold(f: ClientFactory | PeerFactory, port: number, n: number, concurrency: number): Promise<object> {
  let opened = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = f.connect(port);
      s.on('error', reject);
      s.once('secureConnect', () => {
        s.resume();
        held.push(s);
        resolve();
      });
    });
  const loop = async (): Promise<void> => {
    while (opened < n) {
      opened++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { held: held.length };
}

async function memory(): Promise<object> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, gc: gc !== undefined };
}

// ---- dispatch ------------------------------------------------------------------------------

async function handle(req: Request): Promise<unknown> {
  const impl = req['impl'] as Impl;
  const spec = req['spec'] as TlsSpec;
  const port = req['port'] as number;
  if (impl === 'reclaim') await loadReclaim();
  switch (req.cmd) {
    case 'init':
      pki = req['pki'] as Pki;
      return { pid: process.pid };
    case 'serve':
      return serve(impl, spec, req['mode'] as ServerMode);
    case 'unserve': {
      const s = servers.get(port);
      servers.delete(port);
      s?.server.close();
      return {};
    }
    case 'serverStats': {
      const s = servers.get(port);
      return { secure: s?.stats.secure ?? 0, errors: s?.stats.errors ?? 0 };
    }
    case 'cpu': {
      const c = process.cpuUsage();
      return { cpuUs: c.user + c.system };
    }
    case 'prime':
      return prime(factory(impl, spec, port), port);
    case 'handshakes':
      return handshakes(factory(impl, spec, port), port, req['concurrency'] as number, req['ms'] as number);
    case 'bulk':
      return bulk(factory(impl, spec, port), port, req['bytes'] as number, req['dir'] as 'down' | 'up');
    case 'ttfb':
      return ttfb(factory(impl, spec, port), port, req['n'] as number);
    case 'hold':
      return hold(factory(impl, spec, port), port, req['n'] as number, (req['concurrency'] as number | undefined) ?? 32);
    case 'release':
      for (const s of held.splice(0)) s.destroy();
      return {};
    case 'memory':
      return memory();
    case 'inProcess':
      return inProcess(pki!, req['version'] as 'TLSv1.2' | 'TLSv1.3', req['observer'] as boolean, req['n'] as number, req['records'] as number);
    case 'inProcessPaired':
      return inProcessPaired(pki!, req['version'] as 'TLSv1.2' | 'TLSv1.3', req['n'] as number);
    case 'exit':
      setImmediate(() => process.exit(0));
      return {};
    default:
      throw new Error(`unknown command ${req.cmd}`);
  }
}

process.on('message', (req: Request) => {
  handle(req).then(
    (result) => process.send!({ id: req.id, ok: true, result }),
    (err: Error) => process.send!({ id: req.id, ok: false, error: `${err.message}\n${err.stack ?? ''}` }),
  );
});
process.on('disconnect', () => process.exit(0));
