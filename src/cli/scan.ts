/**
 * `tlsglass scan HOST[:PORT]`: what a server accepts (versions, suites, groups), what it prefers,
 * its certificate chain and features, and the findings with a grade (src/scan/). This file gives
 * the engine its TCP connections (node:net) and its verifier (--ca, else the default trust store),
 * and prints the report or --json. Exit 0, or 1 when a finding at or above --fail-on exists.
 */
import { writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { nodeCryptoProvider } from '../crypto/node/index.js';
import { DefaultVerifier } from '../pki/default-verifier.js';
import { certificatesFrom, PemError } from '../pki/pem.js';
import { ProbeTimeout, type ByteChannel, type Dial } from '../scan/channel.js';
import type { ScanResult } from '../scan/result.js';
import type { Severity } from '../scan/cipher-suites.js';
import { atLeast, SEVERITIES } from '../scan/findings.js';
import { renderReport } from '../scan/report.js';
import { renderHtmlReport } from '../scan/report-html.js';
import { scan } from '../scan/scan.js';
import { STARTTLS_PORTS, STARTTLS_PROTOCOLS, StarttlsError, type StarttlsProtocol } from '../scan/starttls.js';
import { DEFAULT_TRUST_STORE, describeOptions, EXIT, isNetworkError, parseArgs, readOptionFile, splitHostPort, UsageError, type OptionSpec } from './options.js';

const CMD = 'tlsglass scan localhost:4433';
/** "smtp, imap, pop3 or postgres" */
const STARTTLS_LIST = `${STARTTLS_PROTOCOLS.slice(0, -1).join(', ')} or ${STARTTLS_PROTOCOLS[STARTTLS_PROTOCOLS.length - 1]}`;

const SCAN_OPTIONS: readonly OptionSpec[] = [
  { names: ['--servername', '-servername'], key: 'servername', kind: 'value', arg: 'NAME', help: 'SNI name, and the name the certificate must cover (default: the host, unless an IP); NAME,NAME2,…: also fetch the chains NAME2, … get', example: 'tlsglass scan 127.0.0.1:4433 --servername localhost,www.localhost' },
  { names: ['--ca', '-CAfile'], key: 'ca', kind: 'value', arg: 'FILE', help: `trust anchors (PEM file) for the certificate verdict, instead of ${DEFAULT_TRUST_STORE}`, example: `${CMD} --ca ca.pem` },
  { names: ['--json'], key: 'json', kind: 'flag', help: 'print the result as JSON (schema tlsglass-scan/1, docs/scan.md) instead of the report', example: `${CMD} --json > scan.json` },
  { names: ['--html'], key: 'html', kind: 'value', arg: 'FILE', help: 'also write the report as a self-contained web page (no script, no external resources)', example: `${CMD} --html scan.html` },
  { names: ['--quick'], key: 'quick', kind: 'flag', help: 'fewer connections: suites of TLS 1.3 and the best older version only, one TLS 1.2 curve, one ALPN handshake', example: `${CMD} --quick` },
  { names: ['--fail-on'], key: 'fail-on', kind: 'value', arg: 'SEVERITY', help: 'exit 1 when a finding of this severity or worse exists: high, medium or low', example: `${CMD} --fail-on medium` },
  { names: ['--timeout'], key: 'timeout', kind: 'value', arg: 'SECONDS', help: 'deadline of each probe (default 5)', example: `${CMD} --timeout 10` },
  { names: ['--concurrency'], key: 'concurrency', kind: 'value', arg: 'N', help: 'connections open at once (default 4)', example: `${CMD} --concurrency 1` },
  { names: ['--starttls', '-starttls'], key: 'starttls', kind: 'value', arg: 'PROTOCOL', help: `ask for TLS the way the protocol does before each hello: ${STARTTLS_LIST} (docs/scan.md#starttls)`, example: 'tlsglass scan mail.example.org --starttls smtp' },
  { names: ['--debug'], key: 'debug', kind: 'flag', help: 'print stack traces with errors', example: `${CMD} --debug` },
  { names: ['--help', '-h', '-help'], key: 'help', kind: 'flag', help: 'this text', example: `${CMD} --help` },
];

const USAGE = `Usage: tlsglass scan HOST[:PORT] [options]

Asks the server, each question a ClientHello on a fresh connection, which protocol versions
(SSL 3.0 to TLS 1.3), cipher suites (including legacy CBC, RC4, 3DES, NULL, EXPORT and anonymous
ones) and key exchange groups it accepts and prefers, checks its certificate chain with one full
handshake, and prints the findings with a one-line verdict each and a grade. PORT defaults to 443;
with --starttls, the protocol's: ${STARTTLS_PROTOCOLS.map((p) => `${STARTTLS_PORTS[p]} for ${p}`).join(', ')}.

Options:
${describeOptions(SCAN_OPTIONS, CMD)}

Exit status:
  0   scanned (and no finding at or above --fail-on)
  1   a finding at or above --fail-on
  2   usage error
  3   network error: the server could not be reached at all (or, with --starttls, did not agree to TLS)
  70  internal error (run again with --debug for the stack trace)
`;

/** A node:net connection as a ByteChannel: reads queue up until asked for. */
function tcpDial(host: string, port: number): Dial {
  return () =>
    new Promise<ByteChannel>((resolve, reject) => {
      const socket: Socket = netConnect({ host, port });
      const queue: (Uint8Array | null)[] = [];
      let waiter: ((b: Uint8Array | null) => void) | undefined;
      let failure: Error | undefined;
      const push = (b: Uint8Array | null): void => {
        if (waiter) {
          const w = waiter;
          waiter = undefined;
          w(b);
        } else queue.push(b);
      };
      socket.on('data', (b: Buffer) => push(new Uint8Array(b.buffer, b.byteOffset, b.length)));
      socket.on('end', () => push(null));
      socket.on('close', () => push(null));
      socket.on('error', (err) => {
        failure = err;
        reject(err);
        push(null);
      });
      socket.once('connect', () =>
        resolve({
          write: (bytes) => void socket.write(bytes),
          read: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : failure ? Promise.resolve(null) : new Promise((r) => (waiter = r))),
          close: () => socket.destroy(),
        }),
      );
    });
}

export async function scanCommand(argv: string[]): Promise<number> {
  let args;
  let target: { host: string; port: number };
  let starttls: StarttlsProtocol | undefined;
  let failOn: Severity | undefined;
  let timeout: number;
  let concurrency: number;
  let anchors: Uint8Array[] | undefined;
  try {
    args = parseArgs(argv, SCAN_OPTIONS);
    if (args.flags.has('help')) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    if (args.positional.length !== 1) throw new UsageError(args.positional.length === 0 ? 'missing HOST[:PORT]' : `unexpected argument ${args.positional[1]}`);
    const st = args.values.get('starttls');
    if (st !== undefined && !STARTTLS_PROTOCOLS.includes(st as StarttlsProtocol)) throw new UsageError(`--starttls ${st}: give ${STARTTLS_LIST}`);
    starttls = st as StarttlsProtocol | undefined;
    target = splitHostPort(args.positional[0]!, 'localhost', starttls ? STARTTLS_PORTS[starttls] : 443);
    const f = args.values.get('fail-on');
    if (f !== undefined && (!SEVERITIES.includes(f as Severity) || f === 'info')) throw new UsageError(`--fail-on ${f}: give high, medium or low`);
    failOn = f as Severity | undefined;
    timeout = Number(args.values.get('timeout') ?? '5');
    if (!(timeout > 0)) throw new UsageError(`--timeout ${args.values.get('timeout')}: give a number of seconds`);
    concurrency = Number(args.values.get('concurrency') ?? '4');
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) throw new UsageError(`--concurrency ${args.values.get('concurrency')}: give a whole number from 1 to 32`);
    const ca = args.values.get('ca');
    if (ca !== undefined) {
      anchors = certificatesFrom(readOptionFile('ca', ca));
      if (anchors.length === 0) throw new UsageError(`--ca ${ca}: no certificate in the file`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tlsglass scan: ${err.message}\n\nUsage: tlsglass scan HOST[:PORT] [options]\nRun 'tlsglass scan --help' for every option, each with an example.\n`);
      return EXIT.usage;
    }
    if (err instanceof PemError) {
      process.stderr.write(`tlsglass scan: --ca: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  const [serverName, ...serverNames] = args.values.get('servername')?.split(',') ?? [];
  let result: ScanResult;
  try {
    result = await scan({
      host: target.host,
      port: target.port,
      dial: tcpDial(target.host, target.port),
      ...(serverName !== undefined ? { serverName } : {}),
      serverNames,
      verifier: new DefaultVerifier({ provider: nodeCryptoProvider, ...(anchors ? { anchors } : {}) }),
      quick: args.flags.has('quick'),
      timeoutMs: timeout * 1000,
      concurrency,
      ...(starttls ? { starttls } : {}),
    });
  } catch (err) {
    // No probe got an answer of any kind: the server cannot be reached (or never answers).
    process.stderr.write(`tlsglass scan: cannot scan ${target.host}:${target.port}: ${(err as Error).message}\n`);
    return isNetworkError(err) || err instanceof ProbeTimeout || err instanceof StarttlsError ? EXIT.network : EXIT.tls;
  }
  const json = args.flags.has('json');
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : renderReport(result));
  const html = args.values.get('html');
  if (html !== undefined) {
    try {
      writeFileSync(html, renderHtmlReport(result));
      if (!json) process.stderr.write(`wrote the report to ${html}\n`);
    } catch (err) {
      process.stderr.write(`tlsglass scan: cannot write ${html}: ${(err as Error).message}\n`);
      return EXIT.usage;
    }
  }
  return failOn !== undefined && result.findings.some((f) => atLeast(f.severity, failOn!)) ? EXIT.tls : EXIT.ok;
}
