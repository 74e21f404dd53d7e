/**
 * `tlsglass connect HOST[:PORT]`: a TLS client modelled on `openssl s_client`. stdin goes to the
 * server and the server's bytes go to stdout. Once connected, the negotiated parameters go to
 * stderr (`Protocol: TLSv1.3`, `Cipher: TLS_AES_128_GCM_SHA256`, …). When stdin ends we send
 * close_notify and exit once the server has closed too.
 *
 * Unlike s_client, the server's certificate is checked by default (against --ca, else the default
 * trust store) and a failure aborts with a non-zero exit, the error code and a diagnosis; --insecure
 * turns the check off. --trace shows every handshake message as it happens; --json and --html
 * write the whole trace when the connection ends.
 */
import { createSecureContext } from '../config.js';
import { connect } from '../node/connect.js';
import type { ConnectionOptions } from '../node/connect.js';
import { keylogFileSink } from '../node/keylog.js';
import type { TLSSocket } from '../node/tls-socket.js';
import {
  COMMON_TLS_OPTIONS,
  commonTlsOptions,
  DEFAULT_TRUST_STORE,
  describeOptions,
  EXIT,
  EXIT_HELP,
  isNetworkError,
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
import { ocspLines } from '../trace/ocsp-summary.js';

const CMD = 'tlsglass connect localhost:4433';
/** The port of `connect HOST` without one: HTTPS's, as curl. */
const DEFAULT_PORT = 443;

const CONNECT_OPTIONS: readonly OptionSpec[] = [
  { names: ['--connect', '-connect'], key: 'connect', kind: 'value', arg: 'HOST[:PORT]', help: 'where to connect (or give it as the argument; port 443 when none)', example: 'tlsglass connect --connect example.com:443' },
  { names: ['--servername', '-servername'], key: 'servername', kind: 'value', arg: 'NAME', help: 'SNI name, and the name the certificate must match (default: the host, unless an IP)', example: 'tlsglass connect 127.0.0.1:4433 --servername localhost' },
  { names: ['--insecure', '-k'], key: 'insecure', kind: 'flag', help: 'do not abort when the server certificate does not verify', example: `${CMD} --insecure` },
  { names: ['--verify-depth', '-verify_depth'], key: 'verify-depth', kind: 'value', arg: 'N', help: 'at most N intermediate CA certificates between the server certificate and a trusted CA (as s_client -verify_depth)', example: `${CMD} --ca ca.pem --verify-depth 1` },
  { names: ['--status', '-status'], key: 'status', kind: 'flag', help: 'ask the server to staple an OCSP response (status_request) and print it decoded, as s_client -status; it is shown, not required', example: `${CMD} --ca ca.pem --status` },
  { names: ['--timeout'], key: 'timeout', kind: 'value', arg: 'SECONDS', help: 'seconds to wait for the handshake (default 30)', example: `${CMD} --timeout 5` },
  ...COMMON_TLS_OPTIONS,
];

/** How long we wait for the server to close after our close_notify. */
const CLOSE_GRACE_MS = 10_000;

const USAGE = `Usage: tlsglass connect HOST[:PORT] [options]

A TLS client, like openssl s_client: stdin is sent to the server and the server's bytes are
written to stdout. PORT defaults to ${DEFAULT_PORT}; the server's certificate is checked against
--ca, or else ${DEFAULT_TRUST_STORE}. The negotiated protocol, cipher, ALPN protocol and server certificate are
printed on stderr; so is, when the handshake fails, which step failed and the likely cause.

Options:
${describeOptions(CONNECT_OPTIONS, CMD)}

Examples:
  echo 'GET / HTTP/1.0' | tlsglass connect example.com --trace
  tlsglass connect localhost:4433 --ca ca.pem --cert me.pem --key me.key --html trace.html </dev/null

${EXIT_HELP}
`;

/** Connects, relays stdin/stdout, and resolves to the exit code. */
export async function connectCommand(argv: string[]): Promise<number> {
  let options: ConnectionOptions;
  let timeoutMs: number;
  let args: ParsedArgs;
  let target: { host: string; port: number };
  try {
    args = parseArgs(argv, CONNECT_OPTIONS);
    if (args.flags.has('help')) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    const where = args.values.get('connect') ?? args.positional[0];
    if (where === undefined) throw new UsageError('missing HOST[:PORT]');
    if (args.positional.length > (args.values.has('connect') ? 0 : 1)) throw new UsageError(`unexpected argument ${args.positional.at(-1)}`);
    target = splitHostPort(where, 'localhost', DEFAULT_PORT);
    options = clientOptions(args, target.host, target.port);
    const timeout = Number(args.values.get('timeout') ?? '30');
    if (!(timeout > 0)) throw new UsageError(`--timeout ${args.values.get('timeout')}: give a number of seconds`);
    timeoutMs = timeout * 1000;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tlsglass connect: ${err.message}\n\nUsage: tlsglass connect HOST[:PORT] [options]\nRun 'tlsglass connect --help' for every option, each with an example.\n`);
      return EXIT.usage;
    }
    throw err;
  }
  const debug = args.flags.has('debug');
  const json = args.flags.has('json');
  const html = args.values.get('html');
  const color = process.stderr.isTTY === true && !process.env['NO_COLOR'] && !args.flags.has('no-color');
  const width = process.stderr.isTTY ? Math.min(120, Math.max(80, process.stderr.columns ?? 100)) : 100;
  let tracer: ConnectionTracer;
  let socket: TLSSocket;
  try {
    tracer = new ConnectionTracer({
      side: 'client',
      trace: args.flags.has('trace'),
      streaming: true,
      ladder: { color, width },
      write: (text) => process.stderr.write(text),
      host: options.servername ?? target.host,
      target: `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`,
      timeoutSeconds: timeoutMs / 1000,
      anchors: certificatesOf(options.ca),
      ourChains: options.cert !== undefined ? [certificatesOf(options.cert) ?? []] : undefined,
      showData: args.flags.has('show-data'),
      ourSuites: ourSuiteNames(options.ciphers, { tls12: options.maxVersion !== 'TLSv1.3' && options.minVersion !== 'TLSv1.3', tls13: options.maxVersion !== 'TLSv1.2' }),
    });
    // Keys, certificates, suites and groups resolved before the TCP connection is opened.
    const secureContext = createSecureContext(options);
    socket = connect({ ...options, secureContext, observer: tracer.observer });
  } catch (err) {
    // The options were read but the core refused them (a bad key or PEM, an unknown cipher or group): a usage error.
    process.stderr.write(`tlsglass connect: ${optionErrorText(err, args)}\n${debug ? `${(err as Error).stack}\n` : ''}`);
    return EXIT.usage;
  }
  tracer.watchTransport(socket.socket);
  tracer.tapReads(socket);
  tracer.watchApplicationData(socket.connection);
  const keylog = args.values.get('keylog');
  if (keylog) {
    const sink = keylogFileSink(keylog);
    socket.on('keylog', (line: Buffer) => sink(line.toString('latin1').trimEnd()));
  }

  let sent = 0;
  let received = 0;
  return new Promise<number>((resolve) => {
    let code: number = EXIT.ok;
    let secure = false;
    const timer = setTimeout(() => {
      socket.destroy(Object.assign(new Error(`no handshake within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);

    let ocsp: Buffer | null = null;
    socket.once('OCSPResponse', (response: Buffer | null) => (ocsp = response));
    socket.once('secureConnect', () => {
      secure = true;
      clearTimeout(timer);
      tracer.handshakeDone(socket.connection);
      if (!json) process.stderr.write(describe(socket) + (options.requestOCSP ? describeOcsp(ocsp) : ''));
      process.stdin.on('data', (d: Buffer) => (sent += d.length));
      process.stdin.pipe(socket); // stdin's end ends the socket: close_notify, then FIN
    });
    socket.once('finish', () => {
      // Our close_notify is out; a server that never answers it does not keep us forever.
      setTimeout(() => {
        process.stderr.write(`warning: no close from the server within ${CLOSE_GRACE_MS / 1000} s of our close_notify\n`);
        socket.destroy();
      }, CLOSE_GRACE_MS).unref();
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (!json) process.stdout.write(chunk);
    });
    socket.on('end', () => {
      if (socket.truncated) process.stderr.write(`warning: the server closed without close_notify (truncation): ${TRUNCATION}\n`);
    });
    socket.on('error', (err: Error & { code?: string }) => {
      code = isNetworkError(err) && !tracer.timeline.messages.some((m) => m.decoded.alert) ? EXIT.network : EXIT.tls;
      const when = code === EXIT.network ? 'network error' : secure ? 'connection error' : 'handshake failed';
      process.stderr.write(`${when}: ${err.code ?? 'ERROR'}: ${err.message}\n`);
      if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
      tracer.failed(err, socket.connection);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      process.stdin.unpipe(socket);
      process.stdin.destroy();
      tracer.closed(socket.connection);
      const where = `${target.host}:${target.port}`;
      if (html !== undefined) {
        const problem = tracer.writeHtml(html, `tlsglass connect ${where}`, [`tlsglass as the client, connecting to ${where}${options.servername ? `, servername '${options.servername}'` : ''}`]);
        if (problem) process.stderr.write(`tlsglass connect: ${problem}\n`);
        else if (!json) process.stderr.write(`wrote the trace to ${html}\n`);
      }
      if (json) {
        const servername = tracer.timeline.facts.serverName ?? options.servername ?? null;
        const doc = tracer.toJson({ command: 'tlsglass connect', target: where, servername, exitCode: code, data: { sent, received } });
        process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      }
      // Resolve once stdout has taken everything written so far.
      process.stdout.write('', () => resolve(code));
    });
  });
}

function clientOptions(args: ParsedArgs, host: string, port: number): ConnectionOptions {
  const v = args.values;
  const certFile = v.get('cert');
  const keyFile = v.get('key');
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--cert and --key go together');
  const servername = v.get('servername');
  const psk = pskOptions(args);
  const depth = v.get('verify-depth');
  if (depth !== undefined && !/^\d{1,3}$/.test(depth)) throw new UsageError(`--verify-depth must be a whole number of intermediate CAs (0 or more), not ${depth}`);
  return {
    host,
    port,
    ...(servername !== undefined && { servername }),
    ...commonTlsOptions(args),
    ...(certFile !== undefined && { cert: readOptionFile('cert', certFile) }),
    ...(keyFile !== undefined && { key: readOptionFile('key', keyFile) }),
    rejectUnauthorized: !args.flags.has('insecure'),
    ...(psk && { pskCallback: () => ({ psk: psk.key, identity: psk.identity }) }),
    ...(depth !== undefined && { verifyDepth: Number(depth) }),
    ...(args.flags.has('status') && { requestOCSP: true }),
  };
}

/** The s_client-style summary printed on stderr once connected. */
function describe(socket: TLSSocket): string {
  const cipher = socket.getCipher();
  const cert = socket.getPeerX509Certificate();
  const lines = [
    `Protocol: ${socket.getProtocol() ?? 'unknown'}`,
    `Cipher: ${cipher?.name ?? 'unknown'}`,
    `Server Temp Key: ${tempKey(socket)}`,
    `ALPN: ${socket.alpnProtocol || 'none'}`,
    `Peer certificate: ${cert ? cert.subject.split('\n').join(', ') : 'none'}`,
    `Verification: ${socket.authorized ? 'OK' : socket.isSessionReused() ? 'OK (resumed session)' : `failed (${socket.authorizationError ?? 'unknown'}), continuing because of --insecure`}`,
  ];
  const { pskIdentity, resumed } = socket.connection.negotiated;
  if (pskIdentity !== undefined) lines.push(`PSK identity: ${pskIdentity}`);
  if (resumed) lines.push('Resumed: yes');
  return lines.join('\n') + '\n';
}

/** The stapled OCSP response (--status), decoded; s_client says "no response sent" likewise. */
function describeOcsp(response: Buffer | null): string {
  if (!response) return 'OCSP response: no response sent\n';
  return `OCSP response: ${response.length} bytes (shown, not checked: tlsglass, like node:tls, does not use OCSP to validate)\n${ocspLines(response).map((l) => `  ${l}\n`).join('')}`;
}

/** As s_client prints it: `X25519, 253 bits`, `ECDH, prime256v1, 256 bits`, `DH, 2048 bits`; `none` for RSA key transport. */
function tempKey(socket: TLSSocket): string {
  const key = socket.getEphemeralKeyInfo();
  if (!key || !key.type) return 'none';
  if (key.name === 'X25519') return `X25519, ${key.size} bits`;
  return key.name ? `${key.type}, ${key.name}, ${key.size} bits` : `${key.type}, ${key.size} bits`;
}
