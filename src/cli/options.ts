/**
 * Command-line option parsing for `connect` and `serve`: long GNU-style options (`--port 4433`,
 * `--port=4433`) and the single-dash OpenSSL spellings (`-accept 4433`, `-CAfile ca.pem`) map to one
 * key each, so the same table serves both habits. Unknown options are errors, because an option
 * that takes a value, if skipped, would shift every argument after it.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { ConfigError, type OptionNamer } from '../errors.js';

/** One option: every spelling, and whether it takes a value. */
export interface OptionSpec {
  readonly names: readonly string[];
  readonly key: string;
  /** 'value': takes the next argument; 'flag': boolean; 'ignored-value'/'ignored-flag': accepted for OpenSSL compatibility and dropped. */
  readonly kind: 'value' | 'list' | 'flag' | 'ignored-value' | 'ignored-flag';
  readonly help?: string;
  /** What the value is, in --help ("FILE", "N"); default "X". */
  readonly arg?: string;
  /** A command line using it; "{cmd}" stands for a runnable command ("tlsglass connect localhost:4433"), "{base}" for one without our certificate. */
  readonly example?: string;
}

/**
 * Exit codes, the same for every command (documented in each --help):
 * 0 success; 1 the TLS handshake or connection failed (alerts, certificates, protocol);
 * 2 bad command line (unknown option, missing value, unreadable or invalid file);
 * 3 network error (refused, unreachable, reset, timed out, cannot listen);
 * 70 internal error (a bug: rerun with --debug for the stack trace).
 */
export const EXIT = { ok: 0, tls: 1, usage: 2, network: 3, internal: 70 } as const;

export const EXIT_HELP = `Exit status:
  0   success
  1   TLS failure: the handshake or the connection failed (the diagnosis says why)
  2   usage error: unknown option, missing value, unreadable or invalid file
  3   network error: connection refused, host not found, reset, timeout, cannot listen
  70  internal error (run again with --debug for the stack trace)`;

/** Error codes of the network, not of TLS. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRINUSE',
  'EADDRNOTAVAIL',
  'EACCES',
]);

/** Whether an error is the network's (exit 3) rather than TLS's (exit 1). */
export function isNetworkError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

export interface ParsedArgs {
  readonly values: Map<string, string>;
  /** Repeatable options ('list'), in order. */
  readonly lists: Map<string, string[]>;
  readonly flags: Set<string>;
  readonly positional: string[];
}

/** Thrown for bad command lines; the command prints it with its usage and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map<string, OptionSpec>();
  for (const s of specs) for (const n of s.names) byName.set(n, s);
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = byName.get(name);
    if (!spec) {
      const near = closest(name, [...byName.keys()]);
      throw new UsageError(`unknown option ${name}${near ? ` (did you mean ${near}?)` : ''}`);
    }
    const takesValue = spec.kind === 'value' || spec.kind === 'list' || spec.kind === 'ignored-value';
    let value: string | undefined;
    if (takesValue) {
      value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`option ${name} needs a value`);
    } else if (eq > 0) {
      throw new UsageError(`option ${name} takes no value`);
    }
    switch (spec.kind) {
      case 'value':
        values.set(spec.key, value!);
        break;
      case 'list':
        lists.set(spec.key, [...(lists.get(spec.key) ?? []), value!]);
        break;
      case 'flag':
        flags.add(spec.key);
        break;
      default:
        break;
    }
  }
  return { values, lists, flags, positional };
}

/** The spelling nearest to `name` (edit distance at most 2), for "did you mean". */
function closest(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const n of names) {
    const d = editDistance(name.replace(/^-+/, ''), n.replace(/^-+/, ''));
    if (d < bestDistance && n.startsWith('--') === name.startsWith('--')) {
      best = n;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = up;
    }
  }
  return row[b.length]!;
}

/**
 * What is trusted without --ca, in the words every help text and the README use: node:tls's
 * default store (src/pki/default-verifier.ts builds the same one).
 */
export const DEFAULT_TRUST_STORE = "the default trust store (Node's bundled roots, tls.rootCertificates, plus the PEM file named by NODE_EXTRA_CA_CERTS)";

/** Options both commands share, with their OpenSSL spellings. */
export const COMMON_TLS_OPTIONS: readonly OptionSpec[] = [
  { names: ['--ca', '-CAfile'], key: 'ca', kind: 'value', arg: 'FILE', help: `trust anchors (PEM file), used instead of ${DEFAULT_TRUST_STORE}`, example: '{cmd} --ca ca.pem' },
  { names: ['--crl', '-CRL'], key: 'crl', kind: 'value', arg: 'FILE', help: 'certificate revocation lists (PEM file, one or more X509 CRL blocks), as node:tls crl: every certificate of the peer\'s chain, root included, needs a current CRL from its issuer', example: '{cmd} --ca ca.pem --crl crls.pem' },
  { names: ['--cert', '-cert'], key: 'cert', kind: 'value', arg: 'FILE', help: 'our certificate chain (PEM file, leaf first)', example: '{base} --cert me.pem --key me.key' },
  { names: ['--key', '-key'], key: 'key', kind: 'value', arg: 'FILE', help: 'our private key (PEM file)', example: '{base} --cert me.pem --key me.key' },
  { names: ['--pass', '-pass'], key: 'pass', kind: 'value', arg: 'PASS', help: 'passphrase of the key (pass:TEXT, env:VAR or TEXT)', example: '{base} --cert me.pem --key me.key --pass env:KEY_PASS' },
  { names: ['--ciphers', '-cipher', '-ciphersuites'], key: 'ciphers', kind: 'list', arg: 'LIST', help: 'cipher suites: OpenSSL-style TLS 1.2 names and/or TLS 1.3 names (TLS_AES_128_GCM_SHA256)', example: '{cmd} --ciphers ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384' },
  { names: ['--alpn', '-alpn'], key: 'alpn', kind: 'value', arg: 'LIST', help: 'comma-separated ALPN protocols', example: '{cmd} --alpn h2,http/1.1' },
  { names: ['--curves', '--groups', '-curves', '-groups', '-named_curve'], key: 'curves', kind: 'value', arg: 'LIST', help: 'colon-separated key exchange groups, preferred first, OpenSSL names (X25519MLKEM768, SecP256r1MLKEM768, X25519, P-256, ffdhe2048, …)', example: '{cmd} --groups X25519MLKEM768:X25519' },
  { names: ['--sigalgs', '-sigalgs'], key: 'sigalgs', kind: 'value', arg: 'LIST', help: 'colon-separated signature algorithms', example: '{cmd} --sigalgs ECDSA+SHA256:RSA-PSS+SHA256' },
  { names: ['--tls1.2', '-tls1_2', '-no_tls1_3'], key: 'tls1.2', kind: 'flag', help: 'TLS 1.2 only (default: TLS 1.3, or 1.2 when the peer has no 1.3)', example: '{cmd} --tls1.2' },
  { names: ['--tls1.3', '-tls1_3'], key: 'tls1.3', kind: 'flag', help: 'TLS 1.3 only', example: '{cmd} --tls1.3' },
  { names: ['--min-version', '-min_protocol'], key: 'min-version', kind: 'value', arg: 'VERSION', help: 'lowest version allowed: TLSv1.2 (default) or TLSv1.3, as node:tls minVersion', example: '{cmd} --min-version TLSv1.3' },
  { names: ['--max-version', '-max_protocol'], key: 'max-version', kind: 'value', arg: 'VERSION', help: 'highest version allowed: TLSv1.3 (default) or TLSv1.2, as node:tls maxVersion', example: '{cmd} --max-version TLSv1.2' },
  { names: ['--psk', '-psk'], key: 'psk', kind: 'value', arg: 'HEX', help: 'an external pre-shared key in hex, instead of certificates: TLS 1.3, or TLS 1.2 with a PSK suite in --ciphers', example: '{base} --psk 1a2b3c4d5e6f7a8b --psk-identity sensor-1' },
  { names: ['--psk-identity', '-psk_identity'], key: 'psk-identity', kind: 'value', arg: 'ID', help: 'the identity of --psk (default Client_identity, as openssl)', example: '{base} --psk 1a2b3c4d5e6f7a8b --psk-identity sensor-1' },
  { names: ['--require-ems'], key: 'require-ems', kind: 'flag', help: 'TLS 1.2: refuse peers without extended_master_secret', example: '{cmd} --tls1.2 --require-ems' },
  { names: ['--keylog', '-keylogfile'], key: 'keylog', kind: 'value', arg: 'FILE', help: 'append the secrets in NSS key log format, for Wireshark/tshark (keep it secret!)', example: '{cmd} --keylog keys.txt' },
  { names: ['--trace'], key: 'trace', kind: 'flag', help: 'print the handshake on stderr as an annotated ladder, message by message', example: '{cmd} --trace' },
  { names: ['--json'], key: 'json', kind: 'flag', help: 'write the trace as JSON on stdout (messages, fields, raw hex, states, outcome)', example: '{cmd} --json > trace.json' },
  { names: ['--show-data'], key: 'show-data', kind: 'flag', help: 'with --trace/--json/--html, show the contents of application data records, not only their count and sizes', example: '{cmd} --trace --show-data' },
  { names: ['--html'], key: 'html', kind: 'value', arg: 'FILE', help: 'write the trace as a self-contained web page (click a message for its fields and bytes)', example: '{cmd} --html trace.html' },
  { names: ['--no-color'], key: 'no-color', kind: 'flag', help: 'no colour in --trace (also off when stderr is not a terminal, or with NO_COLOR)', example: '{cmd} --trace --no-color' },
  { names: ['--debug'], key: 'debug', kind: 'flag', help: 'print stack traces with errors', example: '{cmd} --debug' },
  { names: ['--help', '-h', '-help'], key: 'help', kind: 'flag', help: 'this text', example: '{cmd} --help' },
  // OpenSSL switches that select what we do anyway, or that only change its console output.
  { names: ['-no_ssl3', '-no_tls1', '-no_tls1_1', '-quiet', '-brief', '-4', '-no_ticket', '-no_comp', '-ign_eof', '-nocommands', '-verify_return_error', '-state', '-msg', '-debug', '-serverpref'], key: '', kind: 'ignored-flag' },
];

/**
 * A CRL file as `crl` entries: node:tls reads one CRL per entry, so each X509 CRL block is its
 * own; a file without one is passed whole, for the library's "Failed to parse CRL" refusal.
 */
export function crlEntries(file: Buffer): string[] {
  const text = file.toString('latin1');
  const blocks = text.match(/-----BEGIN X509 CRL-----[\s\S]*?-----END X509 CRL-----/g);
  return blocks ?? [text];
}

/** Reads a file for an option, with the option, the file and what to do in the error. */
export function readOptionFile(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why =
      code === 'ENOENT' ? `ENOENT: no such file${isAbsolute(path) ? '' : ` in ${process.cwd()}`}: check the path`
      : code === 'EACCES' ? 'EACCES: permission denied: make the file readable by this user'
      : code === 'EISDIR' ? 'EISDIR: a directory, not a file'
      : (err as Error).message;
    throw new UsageError(`--${option} ${path}: ${why}`);
  }
}

/** The library's options as this command line spells them: `--key server.key`, `--dcert ec.pem`, `--groups`. */
export function cliOptionNamer(args: ParsedArgs): OptionNamer {
  return (option, index) => {
    const flag = FLAGS[option]?.[index ?? 0] ?? option;
    const file = FILE_FLAGS.includes(flag) ? args.values.get(flag) : undefined;
    return file === undefined ? `--${flag}` : `--${flag} ${file}`;
  };
}

const FLAGS: Readonly<Record<string, readonly string[]>> = {
  cert: ['cert', 'dcert'],
  key: ['key', 'dkey'],
  ca: ['ca'],
  crl: ['crl'],
  passphrase: ['pass'],
  ciphers: ['ciphers'],
  ecdhCurve: ['groups'],
  sigalgs: ['sigalgs'],
  minVersion: ['min-version'],
  maxVersion: ['max-version'],
};
const FILE_FLAGS = ['cert', 'key', 'ca', 'crl', 'dcert', 'dkey'];

/** An error from resolving the options: a ConfigError in the command line's words, else its message. */
export function optionErrorText(err: unknown, args: ParsedArgs): string {
  return err instanceof ConfigError ? err.describe(cliOptionNamer(args)) : (err as Error).message;
}

/**
 * Formats an options table for --help: each option with its spellings, what it does and an
 * example. `cmd` replaces "{cmd}" in the examples.
 */
export function describeOptions(specs: readonly OptionSpec[], cmd = '', base = cmd): string {
  return specs
    .filter((s) => s.help)
    .map((s) => {
      const long = s.names.filter((n) => n.startsWith('--')).join(', ');
      const short = s.names.filter((n) => !n.startsWith('--')).join(', ');
      const arg = s.kind === 'value' || s.kind === 'list' ? ` ${s.arg ?? 'X'}` : '';
      const head = `  ${long}${arg}`;
      const text = wrapWords(`${s.help}${short ? ` (also ${short})` : ''}`, HELP_WIDTH - 25);
      const fits = head.length <= 24;
      const lines = [fits ? head.padEnd(25) + text[0] : head, ...text.slice(fits ? 1 : 0).map((l) => ' '.repeat(25) + l)];
      if (s.example) lines.push(`${' '.repeat(25)}e.g. ${s.example.replace('{cmd}', cmd).replace('{base}', base)}`);
      return lines.join('\n');
    })
    .join('\n');
}

const HELP_WIDTH = 100;

function wrapWords(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

/**
 * Splits a `host:port`, `[v6]:port` or bare `port` argument. With `defaultPort`, a bare host
 * (`example.com`, `::1`, `[::1]`) is accepted too and gets that port, as `connect example.com` gets 443.
 */
export function splitHostPort(text: string, defaultHost: string, defaultPort?: number): { host: string; port: number } {
  if (defaultPort !== undefined && isBareHost(text)) return { host: text.replace(/^\[(.*)\]$/, '$1'), port: defaultPort };
  let host = defaultHost;
  let portText = text;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
  } else if (text.includes(':')) {
    const i = text.lastIndexOf(':');
    host = text.slice(0, i) || defaultHost;
    portText = text.slice(i + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`bad port in "${text}"`);
  return { host, port };
}

/** A host without a port: a name, an unbracketed IPv6 address or a bracketed one (a bare number is a port). */
function isBareHost(text: string): boolean {
  if (/^\d+$/.test(text)) return false;
  const colons = text.split(':').length - 1;
  return colons === 0 || /^\[[^\]]+\]$/.test(text) || (colons > 1 && !text.startsWith('['));
}

/** OpenSSL's -pass takes `pass:TEXT` (also env:VAR); anything else is taken literally. */
export function passphrase(spec: string | undefined): string | undefined {
  if (spec === undefined) return undefined;
  if (spec.startsWith('pass:')) return spec.slice(5);
  if (spec.startsWith('env:')) return process.env[spec.slice(4)] ?? '';
  return spec;
}

/** The TLS options connect and serve share, as core options (files read, versions resolved). */
export function commonTlsOptions(args: ParsedArgs): {
  ca?: Buffer;
  crl?: string[];
  passphrase?: string;
  ciphers?: string;
  ecdhCurve?: string;
  sigalgs?: string;
  ALPNProtocols?: string[];
  requireExtendedMasterSecret?: boolean;
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
} {
  const v = args.values;
  const only12 = args.flags.has('tls1.2');
  const only13 = args.flags.has('tls1.3');
  if (only12 && only13) throw new UsageError('--tls1.2 and --tls1.3 exclude each other (give neither to allow both)');
  const minVersion = versionOption(args, 'min-version') ?? (only13 ? 'TLSv1.3' : undefined);
  const maxVersion = versionOption(args, 'max-version') ?? (only12 ? 'TLSv1.2' : undefined);
  if (minVersion === 'TLSv1.3' && maxVersion === 'TLSv1.2') throw new UsageError('the minimum version is above the maximum (TLSv1.3 > TLSv1.2)');
  const ca = v.get('ca');
  const crl = v.get('crl');
  const pass = passphrase(v.get('pass'));
  const ciphers = args.lists.get('ciphers');
  return {
    ...(ca !== undefined && { ca: readOptionFile('ca', ca) }),
    ...(crl !== undefined && { crl: crlEntries(readOptionFile('crl', crl)) }),
    ...(pass !== undefined && { passphrase: pass }),
    ...(ciphers && { ciphers: ciphers.join(':') }),
    ...(v.has('curves') && { ecdhCurve: v.get('curves')! }),
    ...(v.has('sigalgs') && { sigalgs: v.get('sigalgs')! }),
    ...(v.has('alpn') && { ALPNProtocols: v.get('alpn')!.split(',').filter(Boolean) }),
    ...(args.flags.has('require-ems') && { requireExtendedMasterSecret: true }),
    ...(minVersion && { minVersion }),
    ...(maxVersion && { maxVersion }),
  };
}

/**
 * --psk and --psk-identity (openssl's -psk, -psk_identity) as the library's PSK callbacks: the
 * client offers the key under the identity; the server knows that one identity, and sends
 * --psk-hint (s_server's -psk_hint) in TLS 1.2.
 */
export function pskOptions(args: ParsedArgs): { key: Uint8Array; identity: string; hint: string | undefined } | undefined {
  const hex = args.values.get('psk');
  if (hex === undefined) {
    if (args.values.has('psk-identity') || args.values.has('psk-hint')) throw new UsageError('--psk-identity and --psk-hint need --psk');
    return undefined;
  }
  if (!/^([0-9a-fA-F]{2}){1,512}$/.test(hex)) throw new UsageError(`--psk ${hex}: give the key in hex, 1 to 512 bytes`);
  return { key: Buffer.from(hex, 'hex'), identity: args.values.get('psk-identity') ?? 'Client_identity', hint: args.values.get('psk-hint') };
}

/** --min-version/--max-version: node:tls's spellings, and OpenSSL's (TLSv1.2, tls1_2, 1.2). */
function versionOption(args: ParsedArgs, key: 'min-version' | 'max-version'): 'TLSv1.2' | 'TLSv1.3' | undefined {
  const text = args.values.get(key);
  if (text === undefined) return undefined;
  const m = /^(?:tlsv?)?1[._]([23])$/i.exec(text);
  if (!m) throw new UsageError(`--${key} ${text}: give TLSv1.2 or TLSv1.3 (TLS 1.1 and older are not implemented)`);
  return m[1] === '2' ? 'TLSv1.2' : 'TLSv1.3';
}
