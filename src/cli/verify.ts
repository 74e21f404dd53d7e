/**
 * `tlsglass verify`: the certificate verifier the handshakes use (DefaultVerifier, with the same
 * crypto provider and trust store rules), from the command line, as `openssl verify` is.
 * Exit codes: 0 the chain is trusted for the purpose, 1 it is not, 2 bad command line or an
 * input file that cannot be read.
 */
import { readFileSync } from 'node:fs';
import { nodeCryptoProvider } from '../crypto/node/index.js';
import { CertificateError, ConfigError } from '../errors.js';
import { revocationLists } from '../identities.js';
import type { CertificateList } from '../pki/crl.js';
import { AlertDescription, nameOf } from '../messages/enums.js';
import { DefaultVerifier } from '../pki/default-verifier.js';
import { parseIpAddress } from '../pki/host-match.js';
import { parseCertificateCached } from '../pki/parsed-certificate.js';
import { certificatesFrom, PemError } from '../pki/pem.js';
import type { X509Profile } from '../pki/strict-profile.js';
import type { VerificationResult } from '../pki/verifier.js';
import { crlEntries, DEFAULT_TRUST_STORE, describeOptions, parseArgs, readOptionFile, UsageError, type OptionSpec } from './options.js';

const VERIFY_OPTIONS: readonly OptionSpec[] = [
  { names: ['--ca', '-CAfile'], key: 'ca', kind: 'value', arg: 'FILE', help: `trust anchors (PEM file), used instead of ${DEFAULT_TRUST_STORE}`, example: 'tlsglass verify --ca pki/ca.pem pki/server.pem' },
  { names: ['--crl', '-CRLfile'], key: 'crl', kind: 'value', arg: 'FILE', help: 'certificate revocation lists (PEM file): every certificate of the path, trust anchor included, needs a current CRL from its issuer (as node:tls crl, openssl verify -crl_check_all)' },
  { names: ['--untrusted', '-untrusted'], key: 'untrusted', kind: 'value', arg: 'FILE', help: 'intermediates, as a peer would send them (PEM file, any order)' },
  { names: ['--host', '-verify_hostname'], key: 'host', kind: 'value', arg: 'NAME', help: 'check the leaf against this DNS name (U-labels are converted to A-labels)' },
  { names: ['--ip', '-verify_ip'], key: 'ip', kind: 'value', arg: 'ADDR', help: 'check the leaf against this IP address' },
  { names: ['--purpose', '-purpose'], key: 'purpose', kind: 'value', arg: 'server|client', help: 'server (default) or client; OpenSSL\'s sslserver/sslclient are accepted' },
  { names: ['--at', '-attime'], key: 'at', kind: 'value', arg: 'TIME', help: 'validate at this time (ISO 8601, or seconds since the epoch); default now' },
  { names: ['--key-usage'], key: 'key-usage', kind: 'value', arg: 'sign|encipher', help: 'sign (ECDHE/DHE, TLS 1.3) or encipher (RSA key exchange): the leaf\'s keyUsage must allow it' },
  { names: ['--strict', '-x509_strict'], key: 'strict', kind: 'flag', help: 'the strict certificate profile (RFC 5280 §4 and CA/B Forum BR issuance rules); the default without --ca' },
  { names: ['--no-strict'], key: 'no-strict', kind: 'flag', help: 'RFC 5280 §6 path validation only; the default with --ca' },
  { names: ['--verify-depth', '-verify_depth'], key: 'verify-depth', kind: 'value', arg: 'N', help: 'at most N intermediate CA certificates between the leaf and the trust anchor (as openssl verify -verify_depth)' },
  { names: ['--help', '-h'], key: 'help', kind: 'flag' },
];

const USAGE = `Usage: tlsglass verify [--ca FILE] [--crl FILE] [--untrusted FILE] [--host NAME | --ip ADDR] [--purpose server|client] [--at ISO-TIME] [--strict | --no-strict] [--verify-depth N] LEAF.pem

${describeOptions(VERIFY_OPTIONS)}

LEAF.pem holds the peer's certificate first; any further certificates in it are treated like
--untrusted ones. Prints OK and the chain that was built, or the error code and the reason.
As in the handshakes, the strict profile is on without --ca and off with it.

Examples (with the files of 'tlsglass certs --out pki'):
  tlsglass verify --ca pki/ca.pem --host localhost pki/server.pem
  tlsglass verify --ca pki/ca.pem --purpose client pki/client.pem
  tlsglass verify --ca pki/ca.pem --host example.com pki/server.pem      (fails: ERR_TLS_CERT_ALTNAME_INVALID)
  tlsglass verify --ca pki/ca.pem --at 2001-01-01T00:00:00Z pki/server.pem   (fails: CERT_NOT_YET_VALID)

Exit status: 0 trusted, 1 not trusted, 2 usage or input error.
`;

/** --purpose values, with OpenSSL's names for the same purposes. */
const PURPOSES: Record<string, 'server' | 'client'> = { server: 'server', sslserver: 'server', client: 'client', sslclient: 'client' };

/** Where the command writes; the process's streams by default (tests pass their own). */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CommandOutput = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

interface VerifyRequest {
  readonly leafFile: string;
  readonly purpose: 'server' | 'client';
  readonly host: string | undefined;
  readonly now: Date;
  readonly keyUsage: 'sign' | 'encipher' | undefined;
  readonly caFile: string | undefined;
  readonly crlFile: string | undefined;
  readonly untrustedFile: string | undefined;
  /** undefined: the verifier's default ('strict' without --ca, 'rfc5280' with it). */
  readonly profile: X509Profile | undefined;
  readonly verifyDepth: number | undefined;
}

export async function verifyCommand(argv: string[], io: CommandOutput = processOutput): Promise<number> {
  let request: VerifyRequest;
  try {
    const parsed = parseRequest(argv);
    if (parsed === 'help') {
      io.out(USAGE);
      return 0;
    }
    request = parsed;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`tlsglass verify: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }

  let chain: Uint8Array[];
  let verifier: DefaultVerifier;
  try {
    const leafFile = readCertificates(request.leafFile, 'LEAF');
    const untrusted = request.untrustedFile ? readCertificates(request.untrustedFile, '--untrusted') : [];
    chain = [...leafFile, ...untrusted];
    const anchors = request.caFile ? readCertificates(request.caFile, '--ca') : undefined;
    const crls = request.crlFile ? readCrls(request.crlFile) : [];
    verifier = new DefaultVerifier({
      ...(crls.length > 0 ? { crls } : {}),
      ...(anchors ? { anchors } : {}),
      provider: nodeCryptoProvider,
      ...(request.profile ? { profile: request.profile } : {}),
      ...(request.verifyDepth !== undefined ? { verifyDepth: request.verifyDepth } : {}),
    });
  } catch (err) {
    io.err(`tlsglass verify: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }

  let result: VerificationResult;
  try {
    result =
      request.purpose === 'client'
        ? verifier.verifyClient(chain, { now: request.now })
        : verifier.verifyServer(chain, { host: request.host, now: request.now, ...(request.keyUsage ? { keyUsage: request.keyUsage } : {}) });
  } catch (err) {
    // A leaf that does not parse: the handshake would abort with the same error.
    if (!(err instanceof CertificateError)) throw err;
    io.out(failureText(request.leafFile, err));
    return 1;
  }
  if (result.error) {
    io.out(failureText(request.leafFile, result.error));
    return 1;
  }
  io.out(`${request.leafFile}: OK\n${chainText(result.chain ?? [])}`);
  return 0;
}

function parseRequest(argv: readonly string[]): VerifyRequest | 'help' {
  const args = parseArgs(argv, VERIFY_OPTIONS);
  if (args.flags.has('help')) return 'help';
  if (args.positional.length !== 1) {
    throw new UsageError(args.positional.length === 0 ? 'the leaf certificate file is missing' : `unexpected argument ${args.positional[1]}`);
  }
  const purposeText = args.values.get('purpose') ?? 'server';
  const purpose = PURPOSES[purposeText];
  if (!purpose) throw new UsageError(`--purpose must be server or client, not ${purposeText}`);
  const hostName = args.values.get('host');
  const ip = args.values.get('ip');
  if (hostName !== undefined && ip !== undefined) throw new UsageError('give --host or --ip, not both');
  if (ip !== undefined && !parseIpAddress(ip)) throw new UsageError(`--ip ${ip}: not an IPv4 or IPv6 address`);
  if (hostName !== undefined && hostName === '') throw new UsageError('--host needs a name');
  const host = ip ?? hostName;
  if (host !== undefined && purpose === 'client') throw new UsageError('--host and --ip apply to server certificates only');
  const keyUsageText = args.values.get('key-usage');
  if (keyUsageText !== undefined && keyUsageText !== 'sign' && keyUsageText !== 'encipher') {
    throw new UsageError(`--key-usage must be sign or encipher, not ${keyUsageText}`);
  }
  if (keyUsageText !== undefined && purpose === 'client') throw new UsageError('--key-usage applies to server certificates (a client key always signs)');
  if (args.flags.has('strict') && args.flags.has('no-strict')) throw new UsageError('give --strict or --no-strict, not both');
  const depthText = args.values.get('verify-depth');
  if (depthText !== undefined && !/^\d{1,3}$/.test(depthText)) throw new UsageError(`--verify-depth must be a whole number of intermediate CAs (0 or more), not ${depthText}`);
  return {
    leafFile: args.positional[0]!,
    purpose,
    host,
    now: parseTime(args.values.get('at')),
    keyUsage: keyUsageText,
    caFile: args.values.get('ca'),
    crlFile: args.values.get('crl'),
    untrustedFile: args.values.get('untrusted'),
    profile: args.flags.has('strict') ? 'strict' : args.flags.has('no-strict') ? 'rfc5280' : undefined,
    verifyDepth: depthText === undefined ? undefined : Number(depthText),
  };
}

/** ISO 8601 with a time zone, or whole seconds since the epoch (openssl's -attime). */
function parseTime(text: string | undefined): Date {
  if (text === undefined) return new Date();
  if (/^\d{1,12}$/.test(text)) return new Date(Number(text) * 1000);
  // A time without a zone would be read as local time: require one, so the instant is unambiguous.
  if (!/^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d))?$/.test(text)) {
    throw new UsageError(`--at ${text}: not an ISO 8601 time with a zone (e.g. 2025-01-31T12:00:00Z) or epoch seconds`);
  }
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--at ${text}: not a valid time`);
  return d;
}

/** The CRLs of a PEM file, each X509 CRL block (revocationLists reads them as the `crl` option). */
function readCrls(file: string): CertificateList[] {
  try {
    return revocationLists(crlEntries(readOptionFile('crl', file)));
  } catch (err) {
    throw err instanceof ConfigError ? new Error(err.describe((_option, index) => `--crl ${file}${index ? ` (CRL ${index + 1})` : ''}`)) : err;
  }
}

function readCertificates(file: string, what: string): Uint8Array[] {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new Error(`${what} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  // PEM anywhere in the file, else one DER certificate (a SEQUENCE); anything else holds none.
  try {
    return certificatesFrom(bytes);
  } catch (err) {
    if (err instanceof PemError) throw new Error(`${what} ${file} ${err.problem}`);
    throw err;
  }
}

function failureText(file: string, error: CertificateError): string {
  const alert = error.alert === undefined ? 'none' : nameOf(AlertDescription, error.alert, 'alert');
  return `${file}: FAILED\nerror ${error.code} (alert ${alert}): ${error.message}\n`;
}

/** One line per certificate: `depth  subject ← issuer`, the anchor marked. */
function chainText(chain: readonly Uint8Array[]): string {
  const lines = chain.map((der, i) => {
    const c = parseCertificateCached(der, `chain certificate ${i}`);
    const mark = i === chain.length - 1 ? '  (trust anchor)' : '';
    return `  ${i}  ${c.subjectText} ← ${c.issuerText}${mark}\n`;
  });
  return `chain (leaf first, ${chain.length} certificate${chain.length === 1 ? '' : 's'}):\n${lines.join('')}`;
}
