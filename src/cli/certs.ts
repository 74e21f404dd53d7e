/**
 * `tlsglass certs`: a throwaway PKI for trying tlsglass, openssl and curl against each other — a
 * CA, a server certificate (localhost, 127.0.0.1, ::1 and any --host) and a client certificate
 * for mutual TLS — minted by src/node/issue.ts (no openssl needed). Keys are written mode 0600.
 * Exit codes: 0 written, 1 could not write, 2 bad command line.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate, type IssuedCertificate } from '../node/issue.js';
import { parseIpAddress } from '../pki/host-match.js';
import type { MlDsaName } from '../pki/ml-dsa.js';
import { describeOptions, parseArgs, UsageError, type OptionSpec, type ParsedArgs } from './options.js';

const CERTS_OPTIONS: readonly OptionSpec[] = [
  { names: ['--out', '-o'], key: 'out', kind: 'value', arg: 'DIR', help: 'directory to write into (default ./tlsglass-certs)', example: 'tlsglass certs --out pki' },
  { names: ['--key-type'], key: 'key-type', kind: 'value', arg: 'TYPE', help: 'rsa (RSA-2048, default: works with every suite), ec (ECDSA P-256), or mldsa44, mldsa65, mldsa87 (ML-DSA, post-quantum, TLS 1.3 only)', example: 'tlsglass certs --out pki-ec --key-type ec' },
  { names: ['--pq'], key: 'pq', kind: 'flag', help: 'post-quantum ML-DSA-65 keys and signatures throughout (same as --key-type mldsa65; TLS 1.3 only)', example: 'tlsglass certs --out pki-pq --pq' },
  { names: ['--host'], key: 'host', kind: 'list', arg: 'NAME', help: 'another DNS name or IP address for the server certificate (repeatable)', example: 'tlsglass certs --out pki --host myhost.test --host 192.0.2.7' },
  { names: ['--days'], key: 'days', kind: 'value', arg: 'N', help: 'validity in days (default 365)', example: 'tlsglass certs --out pki --days 30' },
  { names: ['--force'], key: 'force', kind: 'flag', help: 'overwrite existing files', example: 'tlsglass certs --out pki --force' },
  { names: ['--help', '-h'], key: 'help', kind: 'flag' },
];

const USAGE = `Usage: tlsglass certs [--out DIR] [--key-type rsa|ec|mldsa44|mldsa65|mldsa87] [--pq] [--host NAME]... [--days N] [--force]

Writes a throwaway PKI for trying TLS: ca.pem (a CA), server.pem for localhost, 127.0.0.1 and ::1,
and client.pem for mutual TLS, each with its key (mode 0600). Then prints the tlsglass, openssl and
curl commands that use them.

Options:
${describeOptions(CERTS_OPTIONS)}

Examples:
  tlsglass certs --out pki
  tlsglass serve --cert pki/server.pem --key pki/server.key --port 4433
  tlsglass connect localhost:4433 --ca pki/ca.pem
  tlsglass verify --ca pki/ca.pem --host localhost pki/server.pem

Exit status: 0 written, 1 could not write (or the files exist; see --force), 2 usage error.
`;

type KeyType = 'rsa' | 'ec' | MlDsaName;
/** --key-type values: ours, and OpenSSL's names for the ML-DSA ones (-newkey mldsa65). */
const KEY_TYPES: Readonly<Record<string, KeyType>> = { rsa: 'rsa', ec: 'ec', mldsa44: 'ml-dsa-44', mldsa65: 'ml-dsa-65', mldsa87: 'ml-dsa-87', 'ml-dsa-44': 'ml-dsa-44', 'ml-dsa-65': 'ml-dsa-65', 'ml-dsa-87': 'ml-dsa-87' };
const KIND: Readonly<Record<KeyType, string>> = { rsa: 'RSA-2048', ec: 'ECDSA P-256', 'ml-dsa-44': 'ML-DSA-44 (TLS 1.3 only)', 'ml-dsa-65': 'ML-DSA-65 (TLS 1.3 only)', 'ml-dsa-87': 'ML-DSA-87 (TLS 1.3 only)' };

const FILES = ['ca.pem', 'ca.key', 'server.pem', 'server.key', 'client.pem', 'client.key'] as const;

export async function certsCommand(argv: string[]): Promise<number> {
  let args: ParsedArgs;
  let keyType: KeyType;
  let days: number;
  let hosts: string[];
  try {
    args = parseArgs(argv, CERTS_OPTIONS);
    if (args.flags.has('help')) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    const given = args.values.get('key-type');
    if (given !== undefined && args.flags.has('pq')) throw new UsageError('--pq and --key-type: give one (--pq is --key-type mldsa65)');
    const kt = KEY_TYPES[given ?? (args.flags.has('pq') ? 'mldsa65' : 'rsa')];
    if (kt === undefined) throw new UsageError(`--key-type must be rsa, ec, mldsa44, mldsa65 or mldsa87, not ${given}`);
    keyType = kt;
    const d = args.values.get('days') ?? '365';
    if (!/^[1-9]\d{0,5}$/.test(d)) throw new UsageError(`--days must be a positive whole number, not ${d}`);
    days = Number(d);
    hosts = args.lists.get('host') ?? [];
    for (const h of hosts) {
      if (!parseIpAddress(h) && !/^(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(h)) {
        throw new UsageError(`--host ${h}: not a DNS name (A-label form) or IP address`);
      }
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tlsglass certs: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }

  const dir = args.values.get('out') ?? './tlsglass-certs';
  if (!args.flags.has('force')) {
    const existing = FILES.filter((f) => existsSync(join(dir, f)));
    if (existing.length > 0) {
      process.stderr.write(`tlsglass certs: ${existing.map((f) => join(dir, f)).join(', ')} already exist; use --force to overwrite\n`);
      return 1;
    }
  }

  const notBefore = new Date(Date.now() - 3600_000);
  const notAfter = new Date(notBefore.getTime() + 3600_000 + days * 86400_000);
  const validity = { notBefore, notAfter, keyType };
  const dnsNames = ['localhost', ...hosts.filter((h) => !parseIpAddress(h))];
  const ipAddresses = ['127.0.0.1', '::1', ...hosts.filter((h) => parseIpAddress(h))];
  const ca = createCertificateAuthority({ ...validity, commonName: 'tlsglass test CA', organization: 'tlsglass' });
  const server = issueCertificate({ ...validity, issuer: ca, commonName: dnsNames[1] ?? 'localhost', dnsNames: unique(dnsNames), ipAddresses: unique(ipAddresses) });
  const client = issueCertificate({ ...validity, issuer: ca, commonName: 'tlsglass test client', extKeyUsage: ['clientAuth'] });

  try {
    mkdirSync(dir, { recursive: true });
    const write = (name: string, text: string, mode: number): void => {
      const path = join(dir, name);
      writeFileSync(path, text, { mode });
      chmodSync(path, mode); // the mode option only applies when the file is created
    };
    const pair = (name: string, c: IssuedCertificate): void => {
      write(`${name}.pem`, c.certPem, 0o644);
      write(`${name}.key`, c.keyPem, 0o600);
    };
    pair('ca', ca);
    pair('server', server);
    pair('client', client);
  } catch (err) {
    process.stderr.write(`tlsglass certs: ${(err as Error).message}\n`);
    return 1;
  }

  const p = (f: string): string => shellQuote(join(dir, f));
  const kind = KIND[keyType];
  const names = [...unique(dnsNames), ...unique(ipAddresses)].join(', ');
  process.stdout.write(`Wrote a test PKI (${kind} keys, valid until ${notAfter.toISOString().slice(0, 10)}) to ${dir}:
  ca.pem        CA certificate "tlsglass test CA" (trust anchor for both sides)
  ca.key        CA private key (mode 0600; not needed to run anything below)
  server.pem    server certificate for ${names} (serverAuth)
  server.key    server private key (mode 0600)
  client.pem    client certificate "tlsglass test client" (clientAuth, for mutual TLS)
  client.key    client private key (mode 0600)

tlsglass on both sides:
  tlsglass serve --cert ${p('server.pem')} --key ${p('server.key')} --port 4433
  tlsglass connect localhost:4433 --ca ${p('ca.pem')}

Mutual TLS:
  tlsglass serve --cert ${p('server.pem')} --key ${p('server.key')} --ca ${p('ca.pem')} --require-cert --port 4433
  tlsglass connect localhost:4433 --ca ${p('ca.pem')} --cert ${p('client.pem')} --key ${p('client.key')}

With OpenSSL and curl:
  openssl s_client -connect localhost:4433 -servername localhost -CAfile ${p('ca.pem')} -verify_hostname localhost -verify_return_error -cert ${p('client.pem')} -key ${p('client.key')}
  openssl s_server -accept 4433 -cert ${p('server.pem')} -key ${p('server.key')} -CAfile ${p('ca.pem')} -Verify 1 -www
  curl --cacert ${p('ca.pem')} --cert ${p('client.pem')} --key ${p('client.key')} https://localhost:4433/
`);
  return 0;
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/** POSIX shell quoting, only when needed. */
function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
