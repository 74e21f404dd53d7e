/**
 * `tlsglass connect HOST:PORT`: a TLS client modelled on `openssl s_client`. stdin goes to the
 * server and the server's bytes go to stdout. Once connected, the negotiated parameters go to
 * stderr (`Protocol: TLSv1.2`, `Cipher: ECDHE-RSA-AES128-GCM-SHA256`, …). When stdin ends we send
 * close_notify and exit once the server has closed too.
 *
 * Unlike s_client, the server's certificate is checked by default (against --ca, else the system
 * roots) and a failure aborts with a non-zero exit and the error code; --insecure turns that off.
 * Exit codes: 0 clean close, 1 handshake/certificate/connection error, 2 bad command line.
 */
import { connect } from '../node/connect.js';
import type { ConnectionOptions } from '../node/connect.js';
import { keylogFileSink } from '../node/keylog.js';
import type { TLSSocket } from '../node/tls-socket.js';
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

const CONNECT_OPTIONS: readonly OptionSpec[] = [
  { names: ['--connect', '-connect'], key: 'connect', kind: 'value', help: 'HOST:PORT (or give it as the argument)' },
  { names: ['--servername', '-servername'], key: 'servername', kind: 'value', help: 'SNI name and the name the certificate must match (default: the host, unless an IP)' },
  { names: ['--insecure', '-k'], key: 'insecure', kind: 'flag', help: 'do not abort when the server certificate does not verify' },
  { names: ['--timeout'], key: 'timeout', kind: 'value', help: 'seconds to wait for the handshake (default 30)' },
  ...COMMON_TLS_OPTIONS,
];

/** How long we wait for the server to close after our close_notify. */
const CLOSE_GRACE_MS = 10_000;

const USAGE = `Usage: tlsglass connect HOST:PORT [options]

${describeOptions(CONNECT_OPTIONS)}

stdin is sent to the server and the server's bytes are written to stdout. The negotiated
protocol, cipher, ALPN protocol and server certificate are printed on stderr.
`;

/** Connects, relays stdin/stdout, and resolves to the exit code. */
export async function connectCommand(argv: string[]): Promise<number> {
  let options: ConnectionOptions;
  let timeoutMs: number;
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, CONNECT_OPTIONS);
    if (args.flags.has('help')) {
      process.stdout.write(USAGE);
      return 0;
    }
    const target = args.values.get('connect') ?? args.positional[0];
    if (target === undefined) throw new UsageError('missing HOST:PORT');
    if (args.positional.length > (args.values.has('connect') ? 0 : 1)) throw new UsageError(`unexpected argument ${args.positional.at(-1)}`);
    const { host, port } = splitHostPort(target, 'localhost');
    options = clientOptions(args, host, port);
    timeoutMs = Number(args.values.get('timeout') ?? '30') * 1000;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tlsglass connect: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`tlsglass connect: ${(err as Error).message}\n`);
    return 1;
  }

  let socket: TLSSocket;
  try {
    socket = connect(options);
  } catch (err) {
    process.stderr.write(`tlsglass connect: ${(err as Error).message}\n`);
    return 1;
  }
  const keylog = args.values.get('keylog');
  if (keylog) {
    const sink = keylogFileSink(keylog);
    socket.on('keylog', (line: Buffer) => sink(line.toString('latin1').trimEnd()));
  }

  return new Promise<number>((resolve) => {
    let code = 0;
    let secure = false;
    const timer = setTimeout(() => {
      socket.destroy(Object.assign(new Error(`no handshake within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);

    socket.once('secureConnect', () => {
      secure = true;
      clearTimeout(timer);
      process.stderr.write(describe(socket));
      process.stdin.pipe(socket); // stdin's end ends the socket: close_notify, then FIN
    });
    socket.once('finish', () => {
      // Our close_notify is out; a server that never answers it does not keep us forever.
      setTimeout(() => {
        process.stderr.write(`warning: no close from the server within ${CLOSE_GRACE_MS / 1000} s of our close_notify\n`);
        socket.destroy();
      }, CLOSE_GRACE_MS).unref();
    });
    socket.on('data', (chunk: Buffer) => process.stdout.write(chunk));
    socket.on('end', () => {
      if (socket.truncated) process.stderr.write('warning: the server closed without close_notify (truncation)\n');
    });
    socket.on('error', (err: Error & { code?: string }) => {
      code = 1;
      const when = secure ? 'connection error' : 'handshake failed';
      process.stderr.write(`${when}: ${err.code ?? 'ERROR'}: ${err.message}\n`);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      process.stdin.unpipe(socket);
      process.stdin.destroy();
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
  const ca = v.get('ca');
  const pass = passphrase(v.get('pass'));
  const servername = v.get('servername');
  return {
    host,
    port,
    ...(servername !== undefined && { servername }),
    ...(ca !== undefined && { ca: readOptionFile('ca', ca) }),
    ...(certFile !== undefined && { cert: readOptionFile('cert', certFile) }),
    ...(keyFile !== undefined && { key: readOptionFile('key', keyFile) }),
    ...(pass !== undefined && { passphrase: pass }),
    ...(v.has('ciphers') && { ciphers: v.get('ciphers')! }),
    ...(v.has('curves') && { ecdhCurve: v.get('curves')! }),
    ...(v.has('sigalgs') && { sigalgs: v.get('sigalgs')! }),
    ...(v.has('alpn') && { ALPNProtocols: v.get('alpn')!.split(',').filter(Boolean) }),
    ...(args.flags.has('require-ems') && { requireExtendedMasterSecret: true }),
    rejectUnauthorized: !args.flags.has('insecure'),
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
    `Verification: ${socket.authorized ? 'OK' : `failed (${socket.authorizationError ?? 'unknown'}), continuing because of --insecure`}`,
  ];
  return lines.join('\n') + '\n';
}

/** As s_client prints it: `X25519, 253 bits`, `ECDH, prime256v1, 256 bits`, `DH, 2048 bits`; `none` for RSA key transport. */
function tempKey(socket: TLSSocket): string {
  const key = socket.getEphemeralKeyInfo();
  if (!key || !key.type) return 'none';
  if (key.name === 'X25519') return `X25519, ${key.size} bits`;
  return key.name ? `${key.type}, ${key.name}, ${key.size} bits` : `${key.type}, ${key.size} bits`;
}
