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
import { isIPv6 } from 'node:net';
import type { TlsServerOptions } from '../node/server.js';
import { createServer, type Server } from '../node/server.js';
import type { TLSSocket } from '../node/tls-socket.js';
import { keylogFileSink } from '../node/keylog.js';
import {
  COMMON_TLS_OPTIONS,
  describeOptions,
  parseArgs,
  passphrase,
  readOptionFile,
  splitHostPort,
  UsageError,
  type OptionSpec,
  type ParsedArgs,
} from './options.js';

const SERVE_OPTIONS: readonly OptionSpec[] = [
  { names: ['--port', '-port', '-accept'], key: 'port', kind: 'value', help: 'port, or HOST:PORT (default 4433; 0 picks a free port)' },
  { names: ['--host'], key: 'host', kind: 'value', help: 'address to listen on (default 127.0.0.1)' },
  { names: ['--request-cert', '-verify'], key: 'request-cert', kind: 'flag', help: 'ask for a client certificate; accept clients without one' },
  { names: ['--require-cert', '-Verify'], key: 'require-cert', kind: 'flag', help: 'require a client certificate that verifies against --ca' },
  { names: ['--www', '-www'], key: 'www', kind: 'flag', help: 'answer every connection with the HTTP status page' },
  { names: ['--echo'], key: 'echo', kind: 'flag', help: 'send received bytes back' },
  { names: ['--naccept', '-naccept'], key: 'naccept', kind: 'value', help: 'exit after N connections' },
  { names: ['--handshake-timeout'], key: 'handshake-timeout', kind: 'value', help: 'seconds before an unfinished handshake is dropped (default 120)' },
  { names: ['--dcert', '-dcert'], key: 'dcert', kind: 'value', help: 'a second certificate chain (e.g. ECDSA beside RSA)' },
  { names: ['--dkey', '-dkey'], key: 'dkey', kind: 'value', help: 'the key of --dcert' },
  // s_server's -verify/-Verify take a depth; we parse it as the next argument when it is a number.
  ...COMMON_TLS_OPTIONS,
];

const USAGE = `Usage: tlsglass serve --cert FILE --key FILE [options]

${describeOptions(SERVE_OPTIONS)}

Prints "ACCEPT HOST:PORT" on stdout once listening. An HTTP GET gets a status page naming the
protocol, cipher and client certificate; other input is printed to stdout, and stdin lines are sent
to the clients (as openssl s_server).
`;

/** Runs the server until SIGINT/SIGTERM, or until --naccept connections are done. Resolves to the exit code. */
export async function serveCommand(argv: string[]): Promise<number> {
  let args: ParsedArgs;
  let options: TlsServerOptions;
  let listen: { host: string; port: number };
  try {
    args = parseArgs(dropVerifyDepth(argv), SERVE_OPTIONS);
    if (args.flags.has('help')) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    options = serverOptions(args);
    listen = splitHostPort(args.values.get('port') ?? '4433', args.values.get('host') ?? '127.0.0.1');
    if (args.values.has('host') && args.values.get('port')?.includes(':')) throw new UsageError('give the address with --host or -accept HOST:PORT, not both');
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tlsglass serve: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`tlsglass serve: ${(err as Error).message}\n`);
    return 1;
  }

  const mode: Mode = args.flags.has('www') ? 'www' : args.flags.has('echo') ? 'echo' : 'auto';
  const naccept = args.values.has('naccept') ? Number(args.values.get('naccept')) : Infinity;
  const keylog = args.values.get('keylog');

  let server: Server;
  try {
    server = createServer(options);
  } catch (err) {
    process.stderr.write(`tlsglass serve: ${(err as Error).message}\n`);
    return 1;
  }
  const rawClients = new Set<TLSSocket>();
  const open = new Set<TLSSocket>();
  let accepted = 0;

  if (keylog) {
    const sink = keylogFileSink(keylog);
    server.on('keylog', (line: Buffer) => sink(line.toString('latin1').trimEnd()));
  }

  server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket | undefined) => {
    process.stderr.write(`handshake failed${peerOf(socket)}: ${err.code ?? 'ERROR'}: ${err.message}\n`);
    countDone();
  });

  server.on('secureConnection', (socket: TLSSocket) => {
    open.add(socket);
    process.stderr.write(`${describeConnection(socket)}\n`);
    socket.on('error', (err: Error & { code?: string }) => {
      process.stderr.write(`connection error${peerOf(socket)}: ${err.code ?? 'ERROR'}: ${err.message}\n`);
    });
    socket.on('close', () => {
      open.delete(socket);
      rawClients.delete(socket);
      countDone();
    });
    handle(socket, mode, rawClients);
  });

  function countDone(): void {
    accepted++;
    if (accepted >= naccept) server.close();
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
      resolve(0);
    });
    server.on('error', (err: Error & { code?: string }) => {
      process.stderr.write(`tlsglass serve: cannot listen on ${listen.host}:${listen.port}: ${err.code ?? ''} ${err.message}\n`);
      process.stdin.destroy();
      resolve(1);
    });
    server.listen(listen.port, listen.host, () => {
      const addr = server.address();
      if (addr && typeof addr === 'object') {
        const host = isIPv6(addr.address) ? `[${addr.address}]` : addr.address;
        process.stdout.write(`ACCEPT ${host}:${addr.port}\n`);
      }
    });
  });
}

type Mode = 'auto' | 'www' | 'echo';

function serverOptions(args: ParsedArgs): TlsServerOptions {
  const v = args.values;
  const certFile = v.get('cert');
  const keyFile = v.get('key');
  if (!certFile || !keyFile) throw new UsageError('--cert and --key are required');
  const cert: Buffer[] = [readOptionFile('cert', certFile)];
  const key: Buffer[] = [readOptionFile('key', keyFile)];
  const dcert = v.get('dcert');
  const dkey = v.get('dkey');
  if ((dcert === undefined) !== (dkey === undefined)) throw new UsageError('--dcert and --dkey go together');
  if (dcert && dkey) {
    cert.push(readOptionFile('dcert', dcert));
    key.push(readOptionFile('dkey', dkey));
  }
  const require = args.flags.has('require-cert');
  const request = require || args.flags.has('request-cert');
  const pass = passphrase(v.get('pass'));
  const ca = v.get('ca');
  const timeout = v.get('handshake-timeout');
  return {
    cert,
    key,
    ...(pass !== undefined && { passphrase: pass }),
    ...(ca !== undefined && { ca: readOptionFile('ca', ca) }),
    requestCert: request,
    rejectUnauthorized: require,
    ...(v.has('ciphers') && { ciphers: v.get('ciphers')! }),
    ...(v.has('curves') && { ecdhCurve: v.get('curves')! }),
    ...(v.has('sigalgs') && { sigalgs: v.get('sigalgs')! }),
    ...(v.has('alpn') && { ALPNProtocols: v.get('alpn')!.split(',').filter(Boolean) }),
    ...(args.flags.has('require-ems') && { requireExtendedMasterSecret: true }),
    ...(timeout !== undefined && { handshakeTimeout: Number(timeout) * 1000 }),
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

/** Routes one established connection by mode. */
function handle(socket: TLSSocket, mode: Mode, rawClients: Set<TLSSocket>): void {
  if (mode === 'echo') {
    socket.pipe(socket);
    return;
  }
  let head = Buffer.alloc(0);
  let decided: 'http' | 'raw' | undefined = mode === 'www' ? 'http' : undefined;
  const onData = (chunk: Buffer): void => {
    if (decided === 'raw') {
      process.stdout.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    if (decided === undefined) {
      if (head.length < 4 && HTTP_METHOD.test(head.toString('latin1'))) return; // too short to tell yet
      decided = HTTP_REQUEST.test(head.subarray(0, 8).toString('latin1')) ? 'http' : 'raw';
      if (decided === 'raw') {
        rawClients.add(socket);
        process.stdout.write(head);
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
    `Key exchange: ${group ? `${group.type}${group.name ? ` ${group.name}` : ''} ${group.size} bits` : 'none (RSA key transport)'}`,
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
  if (socket.alpnProtocol) parts.push(`ALPN ${socket.alpnProtocol}`);
  if (socket.servername) parts.push(`SNI ${socket.servername}`);
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
