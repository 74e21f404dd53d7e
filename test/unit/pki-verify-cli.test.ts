/**
 * `tlsglass verify` (src/cli/verify.ts): output on success and failure, exit codes, option
 * spellings (ours and OpenSSL's), usage errors, and the dispatch from the tlsglass binary.
 * The corpus test runs it on every corpus case against DefaultVerifier.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { verifyCommand } from '../../src/cli/verify.js';
import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';
import { scriptArgs } from '../helpers/runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'tlsglass-verify-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const root = createCertificateAuthority({ commonName: 'CLI Root', organization: 'tlsglass' });
const int = createCertificateAuthority({ commonName: 'CLI Int', issuer: root });
const leaf = issueCertificate({ issuer: int, commonName: 'cli leaf', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
const client = issueCertificate({ issuer: int, commonName: 'cli client', extKeyUsage: ['clientAuth'] });
const file = (name: string, text: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const ca = file('ca.pem', root.certPem);
const untrusted = file('int.pem', int.certPem);
const leafPem = file('leaf.pem', leaf.certPem);
const leafDer = file('leaf.der', leaf.certDer);
const chainPem = file('chain.pem', leaf.certPem + int.certPem);
const clientPem = file('client.pem', client.certPem);
const noAkiPem = file('no-aki.pem', issueCertificate({ issuer: int, commonName: 'no aki', dnsNames: ['localhost'], extensionOverrides: { authorityKeyIdentifier: null } }).certPem);

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await verifyCommand(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

describe('tlsglass verify', () => {
  test('success: OK and the chain it built, subject ← issuer, leaf first, the anchor marked', async () => {
    const r = await run(['--ca', ca, '--untrusted', untrusted, '--host', 'localhost', leafPem]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal(
      r.out,
      `${leafPem}: OK\nchain (leaf first, 3 certificates):\n` +
        '  0  CN=cli leaf ← CN=CLI Int\n' +
        '  1  CN=CLI Int ← O=tlsglass, CN=CLI Root\n' +
        '  2  O=tlsglass, CN=CLI Root ← O=tlsglass, CN=CLI Root  (trust anchor)\n',
    );
    assert.equal(r.err, '');
  });

  test('failure: exit 1 with the code, the alert and the reason', async () => {
    const r = await run(['--ca', ca, '--untrusted', untrusted, '--host', 'example.com', leafPem]);
    assert.equal(r.code, 1);
    assert.match(r.out, /: FAILED\nerror ERR_TLS_CERT_ALTNAME_INVALID \(alert certificate_unknown\): Hostname\/IP does not match certificate's altnames: Host: example\.com\./);
    const expired = await run(['--ca', ca, '--untrusted', untrusted, '--at', '2099-01-01T00:00:00Z', leafPem]);
    assert.equal(expired.code, 1);
    assert.match(expired.out, /error CERT_HAS_EXPIRED \(alert certificate_expired\): certificate has expired: "CN=cli leaf"/);
  });

  test('a DER leaf, a PEM file with the chain after the leaf, OpenSSL spellings and epoch seconds', async () => {
    assert.equal((await run(['-CAfile', ca, '-untrusted', untrusted, leafDer])).code, 0);
    assert.equal((await run(['--ca', ca, chainPem])).code, 0);
    const at = String(Math.floor(Date.now() / 1000));
    assert.equal((await run(['-CAfile', ca, '-purpose', 'sslserver', '-verify_ip', '127.0.0.1', '-attime', at, chainPem])).code, 0);
  });

  test('--purpose client uses verifyClient (clientAuth)', async () => {
    assert.equal((await run(['--ca', ca, '--untrusted', untrusted, '--purpose', 'client', clientPem])).code, 0);
    const r = await run(['--ca', ca, '--untrusted', untrusted, '--purpose', 'client', leafPem]);
    assert.equal(r.code, 1);
    assert.match(r.out, /error INVALID_PURPOSE \(alert unsupported_certificate\): .*lacks clientAuth/);
  });

  test('without --ca the Node root store is used, which does not know our root', async () => {
    const r = await run(['--untrusted', untrusted, leafPem]);
    assert.equal(r.code, 1);
    assert.match(r.out, /error UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
  });

  test('--key-usage checks the leaf keyUsage for the key exchange', async () => {
    // An ECDSA leaf from issue.ts has keyUsage digitalSignature only.
    assert.equal((await run(['--ca', ca, '--untrusted', untrusted, '--key-usage', 'sign', leafPem])).code, 0);
    const r = await run(['--ca', ca, '--untrusted', untrusted, '--key-usage', 'encipher', leafPem]);
    assert.equal(r.code, 1);
    assert.match(r.out, /error INVALID_PURPOSE .*lacks keyEncipherment/);
  });

  test('--strict (-x509_strict) applies the strict profile to a --ca store; --no-strict and the default with --ca do not', async () => {
    for (const argv of [[], ['--no-strict']]) {
      const r = await run(['--ca', ca, '--untrusted', untrusted, ...argv, noAkiPem]);
      assert.equal(r.code, 0, `${argv.join(' ')}: ${r.out}`);
    }
    for (const flag of ['--strict', '-x509_strict']) {
      const r = await run(['--ca', ca, '--untrusted', untrusted, flag, noAkiPem]);
      assert.equal(r.code, 1, flag);
      assert.match(r.out, /error MISSING_AUTHORITY_KEY_IDENTIFIER \(alert bad_certificate\): missing authority key identifier: "CN=no aki" .*RFC 5280 §4\.2\.1\.1/);
    }
    assert.equal((await run(['--ca', ca, '--untrusted', untrusted, '--strict', leafPem])).code, 0);
  });

  test('--verify-depth N (-verify_depth) allows N intermediate CAs, as openssl verify', async () => {
    assert.equal((await run(['--ca', ca, '--untrusted', untrusted, '--verify-depth', '1', leafPem])).code, 0);
    const r = await run(['--ca', ca, '--untrusted', untrusted, '-verify_depth', '0', leafPem]);
    assert.equal(r.code, 1);
    assert.match(r.out, /error CERT_CHAIN_TOO_LONG \(alert unknown_ca\): certificate chain too long: "CN=CLI Int"/);
  });

  test('usage and input errors exit 2 on stderr', async () => {
    const garbage = file('garbage.pem', 'not a certificate');
    const badCa = file('bad-ca.pem', '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n');
    const cases: Array<[string[], RegExp]> = [
      [[], /the leaf certificate file is missing/],
      [[leafPem, leafPem], /unexpected argument/],
      [['--host', 'a', '--ip', '127.0.0.1', leafPem], /not both/],
      [['--ip', 'localhost', leafPem], /not an IPv4 or IPv6 address/],
      [['--purpose', 'email', leafPem], /--purpose must be server or client/],
      [['--purpose', 'client', '--host', 'a', leafPem], /server certificates only/],
      [['--at', 'yesterday', leafPem], /not an ISO 8601 time/],
      [['--at', '2025-01-01T00:00:00', leafPem], /with a zone/],
      [['--key-usage', 'both', leafPem], /sign or encipher/],
      [['--strict', '--no-strict', leafPem], /--strict or --no-strict, not both/],
      [['--verify-depth', '-1', leafPem], /--verify-depth must be a whole number/],
      [['--verify-depth', 'two', leafPem], /--verify-depth must be a whole number/],
      [['--bogus', leafPem], /unknown option --bogus/],
      [[join(dir, 'missing.pem')], /no such file/],
      [[garbage], /holds no certificate \(no "-----BEGIN CERTIFICATE-----" line, and it is not DER\)/],
      [['--ca', badCa, leafPem], /trust anchor 0 is not a valid X\.509 certificate/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.out, '');
      assert.match(r.err, message, argv.join(' '));
    }
  });

  test('a leaf that does not parse is a verification failure (exit 1, ERR_TLSGLASS_BAD_CERTIFICATE)', async () => {
    const truncated = file('truncated.der', leaf.certDer.subarray(0, 200));
    const r = await run(['--ca', ca, truncated]);
    assert.equal(r.code, 1);
    assert.match(r.out, /error ERR_TLSGLASS_BAD_CERTIFICATE \(alert bad_certificate\)/);
  });

  test('--help, and dispatch from the tlsglass binary', async () => {
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /^Usage: tlsglass verify .*\[--strict \| --no-strict\] \[--verify-depth N\]/);
    assert.match(help.out, /\n  --strict +the strict certificate profile .*\n.*the default without --ca \(also -x509_strict\)/);
    assert.match(help.out, /\n  --no-strict +RFC 5280 §6 path validation only; the default with --ca/);
    assert.match(help.out, /\n  --verify-depth N +at most N intermediate CA certificates .*\n.*openssl verify -verify_depth\) \(also -verify_depth\)/);
    const main = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
    const p = spawnSync(process.execPath, scriptArgs(main, 'verify', '--ca', ca, '--untrusted', untrusted, '--host', 'localhost', leafPem), { encoding: 'utf8', timeout: 15_000 });
    assert.equal(p.status, 0, p.stderr);
    assert.match(p.stdout, /: OK\n/);
    const bad = spawnSync(process.execPath, scriptArgs(main, 'verify', '--ca', ca, leafPem), { encoding: 'utf8', timeout: 15_000 });
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /error UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  });
});
