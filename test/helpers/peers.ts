/**
 * Real TLS peers for interop tests, over 127.0.0.1 with no fixed ports and no sleeps:
 * openssl s_server/s_client, gnutls-serv/gnutls-cli, curl, node:tls, and tlsglass itself.
 *
 * - Servers bind port 0. openssl s_server prints `ACCEPT 127.0.0.1:PORT`; gnutls-serv prints
 *   "port 0" even with -p 0, so its real port is read from /proc (the kernel's listening sockets
 *   owned by its pid) once it says it is listening; without /proc we fall back to a probed free
 *   port, retried on EADDRINUSE.
 * - Every process is tied to a test scope (`t.after`) and killed at teardown; every wait has a
 *   deadline and fails with the peer's stderr.
 * - `peerMissing(name)` feeds `test(…, { skip })`: a missing peer is a SKIP with the reason, except
 *   when CI=true, where the test runs and fails with "not installed".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer as netCreateServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import * as nodeTls from 'node:tls';
import { connect as tgConnect, type ConnectionOptions } from '../../src/node/connect.js';
import { createServer as tgCreateServer, type Server as TgServer, type TlsServerOptions } from '../../src/node/server.js';
import type { TLSSocket as TgSocket } from '../../src/node/tls-socket.js';

/** What helpers need from a test: somewhere to register teardown (node:test's TestContext fits). */
export interface Scope {
  after(fn: () => unknown): void;
}

/** Default deadline for one peer to start or finish. */
export const PEER_TIMEOUT_MS = 15_000;

// ---- availability ----------------------------------------------------------------------------

const found = new Map<string, string | undefined>();

/** Absolute path of an executable on PATH, or undefined. */
export function peerPath(name: string): string | undefined {
  if (!found.has(name)) {
    let hit: string | undefined;
    const dirs = name.includes('/') ? [''] : (process.env['PATH'] ?? '').split(delimiter);
    for (const dir of dirs) {
      const candidate = dir ? join(dir, name) : name;
      try {
        accessSync(candidate, constants.X_OK);
        hit = candidate;
        break;
      } catch {
        // not here
      }
    }
    found.set(name, hit);
  }
  return found.get(name);
}

export function peerAvailable(name: string): boolean {
  return peerPath(name) !== undefined;
}

/** True when CI=true: missing peers must fail, never skip. */
export const inCI = process.env['CI'] === 'true';

/** For `test(name, { skip: peerMissing('gnutls-cli') }, …)`: the skip reason, or false to run. */
export function peerMissing(...names: string[]): string | false {
  const missing = names.filter((n) => !peerAvailable(n));
  if (missing.length === 0 || inCI) return false;
  return `${missing.join(', ')} not installed (apt-get install ${missing.map(packageOf).join(' ')})`;
}

/** Throws a clear error when a peer is missing (reached in CI, where tests are not skipped). */
export function requirePeer(name: string): string {
  const path = peerPath(name);
  if (!path) throw new Error(`interop peer ${name} is not installed (package ${packageOf(name)}); CI requires every peer`);
  return path;
}

function packageOf(name: string): string {
  return name.startsWith('gnutls') ? 'gnutls-bin' : name === 'testssl' ? 'testssl.sh' : name;
}

// ---- processes -------------------------------------------------------------------------------

/** A spawned peer whose output is collected. */
export interface PeerProcess {
  readonly proc: ChildProcess;
  readonly command: string;
  stdout(): Buffer;
  stdoutText(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after 2 s; resolves when it is gone. */
  kill(): Promise<void>;
  /** Resolves with the first match of `pattern` on stdout or stderr; fails on exit or deadline. */
  waitFor(pattern: RegExp, what: string, timeoutMs?: number): Promise<RegExpMatchArray>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** Spawns `command args`, tied to `scope`, collecting stdout and stderr. */
export function spawnPeer(scope: Scope, command: string, args: readonly string[], input?: Uint8Array | string, env?: NodeJS.ProcessEnv): PeerProcess {
  const path = requirePeer(command);
  const proc = spawn(path, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(env && { env: { ...process.env, ...env } }) });
  live.add(proc);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const watchers = new Set<() => void>();
  const notify = (): void => watchers.forEach((w) => w());
  proc.stdout!.on('data', (d: Buffer) => {
    out.push(d);
    notify();
  });
  proc.stderr!.on('data', (d: Buffer) => {
    err.push(d);
    notify();
  });
  proc.stdin!.on('error', () => {}); // EPIPE when the peer exits before reading its input
  let spawnError: Error | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('error', (e) => {
      spawnError = e;
      live.delete(proc);
      resolve({ code: null, signal: null });
    });
    proc.on('close', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });
  let gone = false;
  void exited.then(() => {
    gone = true;
    notify();
  });
  if (input !== undefined) proc.stdin!.end(input);

  const stdout = (): Buffer => Buffer.concat(out);
  const stderr = (): string => Buffer.concat(err).toString('utf8');
  const commandLine = `${command} ${args.join(' ')}`;
  const describe = (): string =>
    `${commandLine}\n--- stderr ---\n${tail(stderr())}\n--- stdout ---\n${tail(stdout().toString('latin1'))}` +
    (spawnError ? `\n--- spawn error ---\n${spawnError.message}` : '');

  const kill = async (): Promise<void> => {
    if (gone) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };
  scope.after(kill);

  const waitFor = (pattern: RegExp, what: string, timeoutMs = PEER_TIMEOUT_MS): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = (stdout().toString('latin1') + '\n' + stderr()).match(pattern);
        if (m) return done(() => resolve(m));
        if (gone) return done(() => reject(new Error(`${command} exited before ${what}\n${describe()}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${describe()}`))), timeoutMs);
      const done = (f: () => void): void => {
        clearTimeout(timer);
        watchers.delete(check);
        f();
      };
      watchers.add(check);
      check();
    });

  return {
    proc,
    command: commandLine,
    stdout,
    stdoutText: () => stdout().toString('latin1'),
    stderr,
    exited,
    kill,
    waitFor,
    toString: describe,
  } as PeerProcess;
}

/** The result of a client process run to completion. */
export interface PeerRun {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  /** The command line, stderr and stdout tails, for assertion messages. */
  readonly report: string;
}

/** Runs a peer to completion (stdin = input, then EOF), failing with its stderr after the deadline. */
export async function runPeer(scope: Scope, command: string, args: readonly string[], input: Uint8Array | string = '', timeoutMs = PEER_TIMEOUT_MS, env?: NodeJS.ProcessEnv): Promise<PeerRun> {
  const p = spawnPeer(scope, command, args, input, env);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void p.kill();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${command} to finish\n${String(p)}`));
    }, timeoutMs);
  });
  try {
    const { code } = await Promise.race([p.exited, deadline]);
    return { code, stdout: p.stdout(), stderr: p.stderr(), report: String(p) };
  } finally {
    clearTimeout(timer);
  }
}

function tail(text: string, max = 3000): string {
  return text.length > max ? `…${text.slice(-max)}` : text;
}

// ---- OpenSSL ---------------------------------------------------------------------------------

/** A peer server listening on 127.0.0.1. */
export interface PeerServer extends PeerProcess {
  readonly port: number;
}

/** `openssl s_server -accept 127.0.0.1:0 …`; the port comes from the `ACCEPT 127.0.0.1:PORT` line it prints. */
export async function startOpensslServer(scope: Scope, args: readonly string[], openssl = 'openssl'): Promise<PeerServer> {
  const p = spawnPeer(scope, openssl, ['s_server', '-accept', '127.0.0.1:0', ...args]);
  const m = await p.waitFor(/^ACCEPT 127\.0\.0\.1:(\d+)$/m, 'the ACCEPT line');
  return Object.assign(p, { port: Number(m[1]) });
}

/** `openssl s_client -connect 127.0.0.1:PORT …`, with `input` on stdin. */
export function runOpensslClient(scope: Scope, port: number, args: readonly string[], input: Uint8Array | string = '', timeoutMs?: number, openssl = 'openssl'): Promise<PeerRun> {
  return runPeer(scope, openssl, ['s_client', '-connect', `127.0.0.1:${port}`, ...args], input, timeoutMs);
}

/** What `openssl s_client` reports about the session (from its default or -brief output). */
export interface OpensslSession {
  protocol?: string;
  cipher?: string;
  /** e.g. 'X25519, 253 bits', 'ECDH, prime256v1, 256 bits', 'DH, 2048 bits' */
  tempKey?: string;
  alpn?: string;
  verified?: boolean;
}

/** Parses s_client's session report (stdout by default, stderr with -brief). */
export function parseOpensslClient(text: string): OpensslSession {
  const pick = (re: RegExp): string | undefined => re.exec(text)?.[1]?.trim();
  const s: OpensslSession = {};
  const protocol = pick(/^Protocol version: (\S+)/m) ?? pick(/^New, (TLSv[\d.]+),/m);
  const cipher = pick(/^Ciphersuite: (\S+)/m) ?? pick(/^New, TLSv[\d.]+, Cipher is (\S+)/m);
  const tempKey = pick(/^(?:Server|Peer) Temp Key: ([^\n]+)/m);
  const alpn = pick(/^ALPN protocol: (\S+)/m);
  const verify = pick(/^Verification: ([^\n]+)/m) ?? pick(/^Verify return code: ([^\n]+)/m);
  if (protocol !== undefined) s.protocol = protocol;
  if (cipher !== undefined) s.cipher = cipher;
  if (tempKey !== undefined) s.tempKey = tempKey;
  if (alpn !== undefined) s.alpn = alpn;
  if (verify !== undefined) s.verified = verify === 'OK' || verify.startsWith('0 (ok)');
  return s;
}

/** Splits s_client's default stdout into its session report and the application data after it. */
export function splitOpensslClientOutput(stdout: Buffer): { info: string; data: Buffer } {
  const text = stdout.toString('latin1');
  const m = /Verify return code: [^\n]*\n(?:[^\n]*\n)*?---\n/.exec(text);
  if (!m) return { info: text, data: Buffer.alloc(0) };
  const end = m.index + m[0].length;
  let data = stdout.subarray(end);
  const closed = Buffer.from('closed\n'); // printed when the server closes (without -quiet)
  if (data.subarray(-closed.length).equals(closed)) data = data.subarray(0, -closed.length);
  return { info: text.slice(0, end), data };
}

// ---- GnuTLS ----------------------------------------------------------------------------------

/** `gnutls-serv -p 0 …` (add --echo or --http); waits for "listening on IPv4 … done" and finds the bound port. */
export async function startGnutlsServer(scope: Scope, args: readonly string[]): Promise<PeerServer> {
  if (process.platform === 'linux') {
    const p = spawnPeer(scope, 'gnutls-serv', ['-p', '0', ...args]);
    await p.waitFor(/listening on IPv4 \S+ port \d+\.\.\.done/, 'gnutls-serv to listen');
    const port = listeningPorts(p.proc.pid!)[0];
    if (port === undefined) throw new Error(`gnutls-serv listens but no IPv4 listening socket was found in /proc\n${String(p)}`);
    return Object.assign(p, { port });
  }
  // Elsewhere: probe a free port and hand it over; another process may take it first, so retry.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const p = spawnPeer(scope, 'gnutls-serv', ['-p', String(port), ...args]);
    try {
      await p.waitFor(/listening on IPv4 \S+ port \d+\.\.\.done/, 'gnutls-serv to listen');
      return Object.assign(p, { port });
    } catch (err) {
      await p.kill();
      if (attempt >= 5 || !/in use|bind/i.test(p.stderr())) throw err;
    }
  }
}

/** IPv4 TCP ports in LISTEN state on sockets owned by `pid` (Linux /proc). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // fd closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const line of readFileSync(`/proc/${pid}/net/tcp`, 'latin1').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    if (f.length > 9 && f[3] === '0A' && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(':')[1]!, 16));
  }
  return ports;
}

/** A port that was free a moment ago (only for the non-Linux fallback). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netCreateServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** `gnutls-cli -p PORT 127.0.0.1 …`, with `input` on stdin. */
export function runGnutlsClient(scope: Scope, port: number, args: readonly string[], input: Uint8Array | string = '', timeoutMs?: number): Promise<PeerRun> {
  return runPeer(scope, 'gnutls-cli', ['-p', String(port), ...args, '127.0.0.1'], input, timeoutMs);
}

/** What gnutls-cli prints about the session, from its "- Description:" line. */
export interface GnutlsSession {
  /** e.g. '(TLS1.2-X.509)-(ECDHE-X25519)-(ECDSA-SHA256)-(CHACHA20-POLY1305)' */
  description?: string;
  /** 'TLS1.2' */
  protocol?: string;
  /** 'ECDHE-X25519', 'ECDHE-SECP256R1', 'DHE-FFDHE2048'?, 'RSA' */
  kx?: string;
  /** 'ECDSA-SHA256', 'RSA-PSS-RSAE-SHA256', … */
  signature?: string;
  /** 'AES-128-GCM', 'CHACHA20-POLY1305', … */
  cipher?: string;
  alpn?: string;
}

export function parseGnutls(text: string): GnutlsSession {
  const s: GnutlsSession = {};
  const d = /- Description: (\S+)/.exec(text)?.[1];
  if (d !== undefined) {
    s.description = d;
    const parts = [...d.matchAll(/\(([^)]*)\)/g)].map((m) => m[1]!);
    s.protocol = parts[0]?.replace(/-X\.509$/, '');
    s.kx = parts[1];
    // With RSA key transport there is no signature part: (TLS1.2-X.509)-(RSA)-(AES-128-GCM)
    if (parts.length >= 4) {
      s.signature = parts[2];
      s.cipher = parts[3];
    } else {
      s.cipher = parts[2];
    }
  }
  const alpn = /- Application protocol: (\S+)/.exec(text)?.[1];
  if (alpn !== undefined) s.alpn = alpn;
  return s;
}

/** Splits gnutls-cli's stdout into its session report and the application data after "- Simple Client Mode:". */
export function splitGnutlsClientOutput(stdout: Buffer): { info: string; data: Buffer } {
  const marker = Buffer.from('- Simple Client Mode:\n\n');
  const at = stdout.indexOf(marker);
  if (at < 0) return { info: stdout.toString('latin1'), data: Buffer.alloc(0) };
  let data = stdout.subarray(at + marker.length);
  const closed = Buffer.from('- Peer has closed the GnuTLS connection\n');
  if (data.subarray(-closed.length).equals(closed)) data = data.subarray(0, -closed.length);
  return { info: stdout.subarray(0, at).toString('latin1'), data };
}

// ---- curl ------------------------------------------------------------------------------------

/** `curl https://localhost:PORT/` with localhost pinned to 127.0.0.1, so the name check uses "localhost". */
export function runCurl(scope: Scope, port: number, args: readonly string[], path = '/', timeoutMs?: number): Promise<PeerRun> {
  return runPeer(scope, 'curl', ['-sS', '--max-time', '10', '--resolve', `localhost:${port}:127.0.0.1`, ...args, `https://localhost:${port}${path}`], '', timeoutMs);
}

// ---- the tlsglass CLI ----------------------------------------------------------------------------

/** The built CLI entry point (dist/src/cli/main.js). */
export const TLSGLASS_CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** `tlsglass serve --port 0 …` (or s_server-style args); the port comes from its `ACCEPT` line (with --json, its "listening" line). */
export async function startTlsglassServeCli(scope: Scope, args: readonly string[]): Promise<PeerServer> {
  const p = spawnPeer(scope, process.execPath, [TLSGLASS_CLI, 'serve', ...args]);
  const m = await p.waitFor(/^(?:ACCEPT |\{"event":"listening".*"address":")127\.0\.0\.1:(\d+)/m, 'the ACCEPT line');
  return Object.assign(p, { port: Number(m[1]) });
}

/** `tlsglass connect …` run to completion with `input` on stdin. */
export function runTlsglassConnectCli(scope: Scope, args: readonly string[], input: Uint8Array | string = '', timeoutMs?: number, env?: NodeJS.ProcessEnv): Promise<PeerRun> {
  return runPeer(scope, process.execPath, [TLSGLASS_CLI, 'connect', ...args], input, timeoutMs, env);
}

// ---- in-process servers and clients ----------------------------------------------------------

/** A server in this process, listening on 127.0.0.1. */
export interface InProcessServer<S> {
  readonly port: number;
  readonly server: S;
  /** Server-side handshake failures seen so far (tlsClientError). */
  readonly clientErrors: Error[];
  close(): Promise<void>;
}

/** A tlsglass server on 127.0.0.1:0; `onSecure` gets each established socket. Closed at teardown. */
export async function startTlsglassServer(scope: Scope, options: TlsServerOptions, onSecure: (socket: TgSocket) => void): Promise<InProcessServer<TgServer>> {
  const server = tgCreateServer(options, onSecure);
  return listenInProcess(scope, server);
}

/** A node:tls server on 127.0.0.1:0. Closed at teardown. */
export async function startNodeTlsServer(scope: Scope, options: nodeTls.TlsOptions, onSecure: (socket: nodeTls.TLSSocket) => void): Promise<InProcessServer<nodeTls.Server>> {
  const server = nodeTls.createServer(options, onSecure);
  return listenInProcess(scope, server);
}


async function listenInProcess<S extends NetServer>(scope: Scope, server: S): Promise<InProcessServer<S>> {
  const clientErrors: Error[] = [];
  const sockets = new Set<Socket>();
  server.on('tlsClientError', (err: Error) => void clientErrors.push(err));
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }));
  scope.after(close);
  return { port, server, clientErrors, close };
}

/** Connects with tlsglass and resolves once the handshake is done (rejects with the error otherwise). Destroyed at teardown. */
export function tlsglassConnect(scope: Scope, options: ConnectionOptions, timeoutMs = PEER_TIMEOUT_MS): Promise<TgSocket> {
  const socket = tgConnect({ host: '127.0.0.1', ...options });
  scope.after(() => socket.destroy());
  return secureOrError(socket, 'secureConnect', timeoutMs);
}

/** Connects with node:tls and resolves once the handshake is done. Destroyed at teardown. */
export function nodeTlsConnect(scope: Scope, options: nodeTls.ConnectionOptions, timeoutMs = PEER_TIMEOUT_MS): Promise<nodeTls.TLSSocket> {
  const socket = nodeTls.connect({ host: '127.0.0.1', ...options });
  scope.after(() => socket.destroy());
  return secureOrError(socket, 'secureConnect', timeoutMs);
}

function secureOrError<T extends { once(e: string, f: (...a: never[]) => void): unknown; removeListener(e: string, f: (...a: never[]) => void): unknown; destroy(): void }>(
  socket: T,
  event: string,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once('error', onError);
    socket.once(event, () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socket);
    });
  });
}

// ---- data ------------------------------------------------------------------------------------

/** Reads a stream to its end (without destroying it, unlike `for await`, so a half-closed socket can still write). */
export function readAll(stream: Readable, timeoutMs = PEER_TIMEOUT_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const cleanup = (): void => {
      clearTimeout(timer);
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
    };
    const onData = (c: Buffer): void => void chunks.push(c);
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`stream did not end within ${timeoutMs} ms (${chunks.reduce((n, c) => n + c.length, 0)} bytes read)`));
    }, timeoutMs);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}

/** Reads exactly `n` bytes from a stream (which may stay open). */
export function readExactly(stream: Readable, n: number, timeoutMs = PEER_TIMEOUT_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const cleanup = (): void => {
      clearTimeout(timer);
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', reject);
    };
    const onData = (c: Buffer): void => {
      chunks.push(c);
      got += c.length;
      if (got >= n) {
        cleanup();
        resolve(Buffer.concat(chunks));
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error(`stream ended after ${got} of ${n} bytes`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`only ${got} of ${n} bytes within ${timeoutMs} ms`));
    }, timeoutMs);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', reject);
  });
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Deterministic pseudo-random bytes (no two tests share a pattern by accident). */
export function pattern(size: number, seed = 1): Buffer {
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
