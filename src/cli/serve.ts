/**
 * `tlsglass serve`: a TLS server for trying clients against, modelled on `openssl s_server`, whose
 * option spellings it also accepts (-accept, -cert, -key, -CAfile, -verify, -Verify, -cipher, -alpn,
 * -www, -naccept), so a conformance runner written for s_server can drive it.
 *
 * When listening it prints `ACCEPT HOST:PORT` on stdout with the real port, as s_server does.
 * What it does with a connection (`--mode`):
 * - auto (default): a connection whose first bytes are an HTTP request gets the status page
 *   (as `s_server -www`); any other gets s_server's plain behaviour: received bytes go to stdout,
 *   and stdin lines go to every such connection.
 * - www (`--www`, `-www`): always the status page. echo (`--echo`): bytes are sent back.
 * Handshake results and failures are logged on stderr, never on stdout.
 */
import { X509Certificate } from 'node:crypto';
import { createServer as createNetServer, isIPv6, type Server as NetServer, type Socket } from 'node:net';
import { resolveServerConfig, type ResolvedServerConfig } from '../config.js';
import { nodeCryptoProvider } from '../crypto/node/index.js';
import type { TlsServerOptions } from '../node/server.js';
import { ownTransport, TLSSocket, type TLSSocketOptions } from '../node/tls-socket.js';
import { keylogFileSink } from '../node/keylog.js';
import { ServerSessionStore } from '../session/server-store.js';
import {
  COMMON_TLS_OPTIONS,
  commonTlsOptions,
  describeOptions,
  EXIT,
  EXIT_HELP,
  optionErrorText,
  parseArgs,
  pskOptions,
  readOptionFile,
  splitHostPort,
  UsageError,
  type OptionSpec,
  type ParsedArgs,
} from './options.js';
import { certificatesOf, ConnectionTracer, ourSuiteNames, TRUNCATION } from './trace-output.js';
import { groupName } from '../trace/iana-names.js';

const CMD = 'tlsglass serve --cert s.pem --key s.key';

const SERVE_OPTIONS: readonly OptionSpec[] = [
  { names: ['--port', '-port', '-accept'], key: 'port', kind: 'value', arg: 'PORT', help: 'port, or HOST:PORT (default 4433; 0 picks a free port)', example: `${CMD} --port 8443` },
  { names: ['--host'], key: 'host', kind: 'value', arg: 'ADDRESS', help: 'address to listen on (default 127.0.0.1)', example: `${CMD} --host 0.0.0.0` },
  { names: ['--request-cert', '-verify'], key: 'request-cert', kind: 'flag', help: 'ask for a client certificate; accept clients without one', example: `${CMD} --ca ca.pem --request-cert` },
  { names: ['--require-cert', '-Verify'], key: 'require-cert', kind: 'flag', help: 'require a client certificate that verifies against --ca', example: `${CMD} --ca ca.pem --require-cert` },
  { names: ['--www', '-www'], key: 'www', kind: 'flag', help: 'answer every connection with the HTTP status page', example: `${CMD} --www` },
  { names: ['--echo'], key: 'echo', kind: 'flag', help: 'send received bytes back', example: `${CMD} --echo` },
  { names: ['--naccept', '-naccept'], key: 'naccept', kind: 'value', arg: 'N', help: 'exit after N connections', example: `${CMD} --naccept 1` },
  { names: ['--handshake-timeout'], key: 'handshake-timeout', kind: 'value', arg: 'SECONDS', help: 'seconds before an unfinished handshake is dropped (default 120)', example: `${CMD} --handshake-timeout 10` },
  { names: ['--dcert', '-dcert'], key: 'dcert', kind: 'value', arg: 'FILE', help: 'a second certificate chain (e.g. ECDSA beside RSA)', example: `${CMD} --dcert ec.pem --dkey ec.key` },
  { names: ['--psk-hint', '-psk_hint'], key: 'psk-hint', kind: 'value', arg: 'TEXT', help: 'TLS 1.2: the PSK identity hint sent to clients (with --psk)', example: 'tlsglass serve --psk 1a2b3c4d5e6f7a8b --psk-hint fleet-a' },
  { names: ['--dkey', '-dkey'], key: 'dkey', kind: 'value', arg: 'FILE', help: 'the key of --dcert', example: `${CMD} --dcert ec.pem --dkey ec.key` },
  { names: ['--ocsp-response', '-status_file'], key: 'ocsp-response', kind: 'value', arg: 'FILE', help: 'staple this OCSP response (DER, e.g. from openssl ocsp -respout) for clients that ask (as s_server -status_file)', example: `${CMD} --ocsp-response ocsp.der` },
  // s_server's -verify/-Verify take a depth; we parse it as the next argument when it is a number.
  ...COMMON_TLS_OPTIONS.map((o) =>
    o.key === 'html' ? { ...o, help: 'write the first connection\u2019s trace as a web page; with %n in FILE, one page per connection', example: `${CMD} --html trace-%n.html` } : o,
  ),
];

const USAGE = `Usage: tlsglass serve --cert FILE --key FILE [options]

A TLS server, like openssl s_server. Prints "ACCEPT HOST:PORT" on stdout once listening. An HTTP
GET gets a status page naming the protocol, cipher and client certificate; other input is printed
to stdout, and stdin lines are sent to the clients. Each connection is logged on stderr; a failed
handshake is logged with which step failed and the likely cause.

Options:
${describeOptions(SERVE_OPTIONS, CMD, 'tlsglass serve')}

With --json, every line of stdout is one JSON object (docs/json.md): {"event":"listening",...}
instead of the ACCEPT line, then one {"event":"connection",...} per connection when it ends
(raw-mode input is then not echoed to stdout).

Examples:
  tlsglass serve --cert server.pem --key server.key --port 0 --trace
  tlsglass serve --cert server.pem --key server.key --ca ca.pem --require-cert --naccept 1 --html trace.html

${EXIT_HELP}
`;

/** Runs the server until SIGINT/SIGTERM, or until --naccept connections are done. Resolves to the exit code. */
export async function serveCommand(argv: string[]): Promise<number> {
  let args: ParsedArgs;
  let options: TlsServerOptions;
  let listen: { host: string; port: number };
  let naccept = Infinity;
  try {
    args = parseArgs(dropVerifyDepth(argv), SERVE_OPTIONS);
    if (args.flags.has('help')) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    options = serverOptions(args);
    listen = splitHostPort(args.values.get('port') ?? '4433', args.values.get('host') ?? '127.0.0.1');
    if (args.values.has('host') && args.values.get('port')?.includes(':')) throw new UsageError('give the address with --host or -accept HOST:PORT, not both');
    if (args.values.has('naccept')) {
      naccept = Number(args.values.get('naccept'));
      if (!Number.isInteger(naccept) || naccept < 1) throw new UsageError(`--naccept ${args.values.get('naccept')}: give a whole number of connections`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tlsglass serve: ${err.message}\n\nUsage: tlsglass serve --cert FILE --key FILE [options]\nRun 'tlsglass serve --help' for every option, each with an example.\n`);
      return EXIT.usage;
    }
    throw err;
  }
  const debug = args.flags.has('debug');
  const json = args.flags.has('json');
  const html = args.values.get('html');
  const trace = args.flags.has('trace');
  const mode: Mode = args.flags.has('www') ? 'www' : args.flags.has('echo') ? 'echo' : 'auto';
  const keylog = args.values.get('keylog');
  const color = process.stderr.isTTY === true && !process.env['NO_COLOR'] && !args.flags.has('no-color');
  const width = process.stderr.isTTY ? Math.min(120, Math.max(80, process.stderr.columns ?? 100)) : 100;

  // As createServer() does: keys parsed once and one session store for every connection. The
  // TLSSockets are made here so that each gets its own observer before its first byte arrives.
  let resolved: ResolvedServerConfig;
  try {
    const sessionStore = new ServerSessionStore(nodeCryptoProvider);
    resolved = resolveServerConfig({ ...options, sessionStore });
  } catch (err) {
    // A bad key, certificate, cipher or group: refused before listening, in the command line's words.
    process.stderr.write(`tlsglass serve: ${optionErrorText(err, args)}\n${debug ? `${(err as Error).stack}\n` : ''}`);
    return EXIT.usage;
  }
  const ourSuites = ourSuiteNames(options.ciphers, { tls12: options.minVersion !== 'TLSv1.3', tls13: options.maxVersion !== 'TLSv1.2' });
  const anchors = certificatesOf(options.ca);
  const server: NetServer = createNetServer({ allowHalfOpen: true });
  const rawClients = new Set<TLSSocket>();
  const open = new Set<TLSSocket>();
  let accepted = 0;
  let done = 0;
  /** The address we listen on, once bound ("127.0.0.1:4433"). */
  let listening = `${listen.host}:${listen.port}`;

  if (keylog) {
    const sink = keylogFileSink(keylog);
    server.on('keylog', (line: Buffer) => sink(line.toString('latin1').trimEnd()));
  }

  server.on('connection', (socket: Socket) => {
    const n = ++accepted;
    const peer = socket.remoteAddress ? ` from ${socket.remoteAddress}:${socket.remotePort}` : '';
    let tls: TLSSocket;
    try {
      // The net.Server's sockets are half-open so that the TLSSocket sends FIN after close_notify ([ownTransport]).
      tls = new TLSSocket(socket, { ...options, resolvedConfig: resolved, isServer: true, server, [ownTransport]: true } as TLSSocketOptions);
    } catch (err) {
      socket.destroy();
      process.stderr.write(`connection ${n}${peer}: ${(err as Error).message}\n`);
      return;
    }
    const tracer = new ConnectionTracer({
      side: 'server',
      trace,
      streaming: false,
      ladder: { color, width },
      write: (text) => process.stderr.write(text),
      heading: `connection ${n}${peer}:`,
      ourSuites,
      anchors,
      ourChains: resolved.identities.map((i) => i.chain),
      showData: args.flags.has('show-data'),
    });
    tls.connection.observer = tracer.observer;
    tracer.watchApplicationData(tls.connection);
    tracer.watchTransport(socket);
    open.add(tls);
    let secure = false;
    // As node:tls, a TLSSocket we made over a net.Server's socket reports its failures as 'error', the handshake's too.
    tls.on('error', (err: Error & { code?: string }) => {
      process.stderr.write(`${secure ? 'connection error' : 'handshake failed'}${peerOf(tls)}: ${err.code ?? 'ERROR'}: ${err.message}\n`);
      if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
      tracer.failed(err, tls.connection);
    });
    tls.on('secure', () => {
      secure = true;
      tracer.handshakeDone(tls.connection);
      process.stderr.write(`${describeConnection(tls)}\n`);
      handle(tls, mode, rawClients, json);
    });
    tls.on('close', () => {
      if (tls.truncated) process.stderr.write(`connection ${n}${peer}: the client closed without close_notify (truncation): ${TRUNCATION}\n`);
      open.delete(tls);
      rawClients.delete(tls);
      tracer.closed(tls.connection);
      finish(n, tracer, peer);
    });
  });

  /** A connection ended: its JSON line and web page, and the --naccept count. */
  function finish(n: number, tracer: ConnectionTracer, peer: string): void {
    if (json) {
      const doc = tracer.toJson({
        event: 'connection',
        command: 'tlsglass serve',
        connection: n,
        peer: peer.replace(/^ from /, '') || null,
        servername: tracer.timeline.facts.serverName ?? null,
      });
      process.stdout.write(JSON.stringify(doc) + '\n');
    }
    if (html !== undefined && (n === 1 || html.includes('%n'))) {
      const file = html.replace(/%n/g, String(n));
      const problem = tracer.writeHtml(file, `tlsglass serve: connection ${n}${peer}`, [`tlsglass as the server on ${listening}; connection ${n}${peer}`]);
      process.stderr.write(problem ? `tlsglass serve: ${problem}\n` : `wrote the trace of connection ${n} to ${file}\n`);
    }
    if (++done >= naccept) server.close();
  }

  process.stdin.on('data', (line: Buffer) => {
    for (const c of rawClients) c.write(line);
  });
  process.stdin.on('error', () => {});

  return new Promise<number>((resolve) => {
    const stop = (): void => {
      server.close();
      for (const s of open) s.destroy();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    server.on('close', () => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      process.stdin.destroy();
      // Let the last lines reach stdout before the process may exit.
      process.stdout.write('', () => resolve(EXIT.ok));
    });
    server.on('error', (err: Error & { code?: string }) => {
      process.stderr.write(`tlsglass serve: cannot listen on ${listen.host}:${listen.port}: ${err.code ?? ''} ${err.message}\n`);
      process.stdin.destroy();
      resolve(EXIT.network);
    });
    server.listen(listen.port, listen.host, () => {
      const addr = server.address();
      if (addr && typeof addr === 'object') {
        const host = isIPv6(addr.address) ? `[${addr.address}]` : addr.address;
        listening = `${host}:${addr.port}`;
        // With --json every stdout line is JSON, the first one included.
        process.stdout.write(json ? `${JSON.stringify({ event: 'listening', command: 'tlsglass serve', address: listening })}\n` : `ACCEPT ${listening}\n`);
      }
    });
  });
}

type Mode = 'auto' | 'www' | 'echo';

function serverOptions(args: ParsedArgs): TlsServerOptions {
  const v = args.values;
  const certFile = v.get('cert');
  const keyFile = v.get('key');
  const psk = pskOptions(args);
  if ((certFile === undefined) !== (keyFile === undefined) || (!certFile && !psk)) throw new UsageError('--cert and --key are required (or --psk)');
  const cert: Buffer[] = certFile ? [readOptionFile('cert', certFile)] : [];
  const key: Buffer[] = keyFile ? [readOptionFile('key', keyFile)] : [];
  const dcert = v.get('dcert');
  const dkey = v.get('dkey');
  if ((dcert === undefined) !== (dkey === undefined)) throw new UsageError('--dcert and --dkey go together');
  if (dcert && dkey) {
    cert.push(readOptionFile('dcert', dcert));
    key.push(readOptionFile('dkey', dkey));
  }
  const require = args.flags.has('require-cert');
  const request = require || args.flags.has('request-cert');
  const ocsp = v.get('ocsp-response');
  const timeout = v.get('handshake-timeout');
  if (timeout !== undefined && !(Number(timeout) >= 0)) throw new UsageError(`--handshake-timeout ${timeout}: give a number of seconds`);
  return {
    ...(cert.length > 0 && { cert, key }),
    ...commonTlsOptions(args),
    ...(psk && { pskLookup: (identity: string) => (identity === psk.identity ? psk.key : null), pskIdentityHint: psk.hint }),
    requestCert: request,
    rejectUnauthorized: require,
    ...(timeout !== undefined && { handshakeTimeout: Number(timeout) * 1000 }),
    ...(ocsp !== undefined && { ocspResponse: readOptionFile('ocsp-response', ocsp) }),
  };
}

/** s_server's `-verify N` / `-Verify N` take a chain depth, which we do not use. */
function dropVerifyDepth(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    out.push(argv[i]!);
    if ((argv[i] === '-verify' || argv[i] === '-Verify') && /^\d+$/.test(argv[i + 1] ?? '')) i++;
  }
  return out;
}

/** Routes one established connection by mode. With --json, raw input is not copied to stdout. */
function handle(socket: TLSSocket, mode: Mode, rawClients: Set<TLSSocket>, quiet: boolean): void {
  if (mode === 'echo') {
    socket.pipe(socket);
    return;
  }
  let head = Buffer.alloc(0);
  let decided: 'http' | 'raw' | undefined = mode === 'www' ? 'http' : undefined;
  const onData = (chunk: Buffer): void => {
    if (decided === 'raw') {
      if (!quiet) process.stdout.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    if (decided === undefined) {
      if (head.length < 4 && HTTP_METHOD.test(head.toString('latin1'))) return; // too short to tell yet
      decided = HTTP_REQUEST.test(head.subarray(0, 8).toString('latin1')) ? 'http' : 'raw';
      if (decided === 'raw') {
        rawClients.add(socket);
        if (!quiet) process.stdout.write(head);
        return;
      }
    }
    const text = head.toString('latin1');
    const end = text.search(/\r?\n\r?\n/);
    if (end < 0 && head.length < MAX_REQUEST_HEAD) return;
    socket.removeListener('data', onData);
    answerHttp(socket, text.slice(0, end < 0 ? text.length : end));
  };
  socket.on('data', onData);
  socket.on('end', () => {
    if (decided === 'raw') return;
    if (!socket.writableEnded) socket.end();
  });
}

const HTTP_METHOD = /^(G|GE|GET|H|HE|HEA|P|PO|POS|PU|O|OP|D|DE)$/;
const HTTP_REQUEST = /^(GET|HEAD|POST|PUT|OPTIONS|DELETE) /;
const MAX_REQUEST_HEAD = 16 * 1024;

/** The s_server -www page: a plain-text status report, then close_notify and FIN. */
function answerHttp(socket: TLSSocket, head: string): void {
  const requestLine = head.split(/\r?\n/, 1)[0] ?? '';
  const method = requestLine.split(' ', 1)[0];
  if (method !== 'GET' && method !== 'HEAD') {
    socket.end('HTTP/1.0 501 Not Implemented\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    return;
  }
  const body = statusPage(socket, requestLine);
  const headers =
    'HTTP/1.0 200 ok\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n';
  socket.end(method === 'HEAD' ? headers : headers + body);
}

function statusPage(socket: TLSSocket, requestLine: string): string {
  const cipher = socket.getCipher();
  const protocol = socket.getProtocol() ?? 'unknown';
  const group = socket.connection.ephemeralKeyInfo;
  const lines = [
    'tlsglass serve',
    '',
    `New, ${protocol}, Cipher is ${cipher?.name ?? 'unknown'}`, // the line openssl s_server -www prints
    `Protocol: ${protocol}`,
    `Cipher: ${cipher?.name ?? 'unknown'} (${cipher?.standardName ?? '?'})`,
    `Key exchange: ${group ? `${group.type}${group.name ? ` ${group.name}` : ''}${group.size === undefined ? '' : ` ${group.size} bits`}` : 'none (RSA key transport)'}`,
    `ALPN: ${socket.alpnProtocol || 'none'}`,
    `SNI: ${socket.servername || 'none'}`,
    `Client certificate: ${clientCertificate(socket)}`,
    `Request: ${requestLine}`,
    '',
  ];
  return lines.join('\n');
}

function clientCertificate(socket: TLSSocket): string {
  const cert = socket.getPeerX509Certificate();
  if (!cert) return 'none';
  const subject = cert.subject.split('\n').join(', ');
  return socket.authorized ? `${subject} (verified)` : `${subject} (not verified: ${socket.authorizationError ?? 'unknown'})`;
}

function describeConnection(socket: TLSSocket): string {
  const cipher = socket.getCipher();
  const parts = [`${socket.getProtocol()} ${cipher?.name ?? '?'}`];
  const { group } = socket.connection.negotiated;
  if (group !== undefined) parts.push(`group ${groupName(group)}`);
  if (socket.alpnProtocol) parts.push(`ALPN ${socket.alpnProtocol}`);
  if (socket.servername) parts.push(`SNI ${socket.servername}`);
  const { pskIdentity } = socket.connection.negotiated;
  if (pskIdentity !== undefined) parts.push(`PSK identity ${JSON.stringify(pskIdentity)}`);
  if (socket.isSessionReused()) parts.push('resumed');
  if (socket.connection.negotiated.ocspResponse) parts.push('OCSP response stapled');
  const cert = socket.getPeerX509Certificate();
  if (cert) parts.push(`client ${subjectOf(cert)}${socket.authorized ? '' : ` (not verified: ${socket.authorizationError ?? '?'})`}`);
  return `connection${peerOf(socket)}: ${parts.join(', ')}`;
}

function subjectOf(cert: X509Certificate): string {
  return cert.subject.split('\n').join(', ');
}

function peerOf(socket: TLSSocket | undefined): string {
  return socket?.remoteAddress ? ` from ${socket.remoteAddress}:${socket.remotePort}` : '';
}
