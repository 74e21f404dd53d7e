/**
 * Command-line option parsing for `connect` and `serve`: long GNU-style options (`--port 4433`,
 * `--port=4433`) and the single-dash OpenSSL spellings (`-accept 4433`, `-CAfile ca.pem`) map to one
 * key each, so the same table serves both habits. Unknown options are errors, because an option
 * that takes a value, if skipped, would shift every argument after it.
 */
import { readFileSync } from 'node:fs';

/** One option: every spelling, and whether it takes a value. */
export interface OptionSpec {
  readonly names: readonly string[];
  readonly key: string;
  /** 'value': takes the next argument; 'flag': boolean; 'ignored-value'/'ignored-flag': accepted for OpenSSL compatibility and dropped. */
  readonly kind: 'value' | 'list' | 'flag' | 'ignored-value' | 'ignored-flag';
  readonly help?: string;
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
    if (!spec) throw new UsageError(`unknown option ${name}`);
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

/** Options both commands share, with their OpenSSL spellings. */
export const COMMON_TLS_OPTIONS: readonly OptionSpec[] = [
  { names: ['--ca', '-CAfile'], key: 'ca', kind: 'value', help: 'trust anchors (PEM file); replaces the system roots' },
  { names: ['--cert', '-cert'], key: 'cert', kind: 'value', help: 'our certificate chain (PEM file, leaf first)' },
  { names: ['--key', '-key'], key: 'key', kind: 'value', help: 'our private key (PEM file)' },
  { names: ['--pass', '-pass'], key: 'pass', kind: 'value', help: 'passphrase of the key (pass:TEXT or TEXT)' },
  { names: ['--ciphers', '-cipher'], key: 'ciphers', kind: 'value', help: 'OpenSSL-style TLS 1.2 cipher list' },
  { names: ['--alpn', '-alpn'], key: 'alpn', kind: 'value', help: 'comma-separated ALPN protocols' },
  { names: ['--curves', '--groups', '-curves', '-groups', '-named_curve'], key: 'curves', kind: 'value', help: 'colon-separated groups, e.g. X25519:P-256' },
  { names: ['--sigalgs', '-sigalgs'], key: 'sigalgs', kind: 'value', help: 'colon-separated signature algorithms' },
  { names: ['--keylog', '-keylogfile'], key: 'keylog', kind: 'value', help: 'append NSS key log lines to FILE' },
  { names: ['--require-ems'], key: 'require-ems', kind: 'flag', help: 'refuse peers without extended_master_secret' },
  { names: ['--help', '-h', '-help'], key: 'help', kind: 'flag' },
  // OpenSSL switches that select what we do anyway, or that only change its console output.
  { names: ['-tls1_2', '-no_tls1_3', '-no_ssl3', '-no_tls1', '-no_tls1_1', '-quiet', '-brief', '-4', '-no_ticket', '-no_comp', '-ign_eof', '-nocommands', '-verify_return_error', '-state', '-msg', '-debug', '-serverpref'], key: '', kind: 'ignored-flag' },
];

/** Reads a file for an option, with the option in the error. */
export function readOptionFile(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`--${option} ${path}: ${(err as Error).message}`);
  }
}

/** Formats an options table for --help. */
export function describeOptions(specs: readonly OptionSpec[]): string {
  return specs
    .filter((s) => s.help)
    .map((s) => {
      const long = s.names.filter((n) => n.startsWith('--')).join(', ');
      const short = s.names.filter((n) => !n.startsWith('--')).join(', ');
      const arg = s.kind === 'value' || s.kind === 'list' ? ' X' : '';
      return `  ${(long + arg).padEnd(22)} ${s.help}${short ? ` (also ${short})` : ''}`;
    })
    .join('\n');
}

/** Splits an `host:port`, `[v6]:port` or bare `port` argument. */
export function splitHostPort(text: string, defaultHost: string): { host: string; port: number } {
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

/** OpenSSL's -pass takes `pass:TEXT` (also env:VAR); anything else is taken literally. */
export function passphrase(spec: string | undefined): string | undefined {
  if (spec === undefined) return undefined;
  if (spec.startsWith('pass:')) return spec.slice(5);
  if (spec.startsWith('env:')) return process.env[spec.slice(4)] ?? '';
  return spec;
}
