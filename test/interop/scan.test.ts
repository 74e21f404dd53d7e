/**
 * `tlsglass scan` against servers configured in known ways, each started here on a port the OS
 * picks: openssl s_server with every suite it has (TLS 1.0 and 1.1, anonymous suites), TLS 1.2 only with one CBC suite and neither extended master secret nor
 * encrypt-then-MAC (OpenSSL 3.0's s_server has no -no_ems: an OPENSSL_CONF with
 * `Options = -ExtendedMasterSecret,-EncryptThenMac` does it), TLS 1.3 only, a 1024-bit -dhparam
 * made here by `openssl dhparam`, an expired certificate, a chain without its intermediate, a
 * chain out of order; and `tlsglass serve`. The scan runs as the command a user runs (--json) and its findings are
 * asserted exactly: versions, suites, groups, DH size, certificate verdicts, connection counts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';
import type { ScanResult } from '../../src/scan/result.js';
import { testPki, writePkiFiles, type PkiFiles } from '../helpers/pki.js';
import { peerMissing, runPeer, spawnPeer, startTlsglassServeCli, TLSGLASS_CLI, type PeerServer, type Scope } from '../helpers/peers.js';

const LIMIT = { timeout: 60_000 };
const missing = peerMissing('openssl');

let dir: string;
let pki: PkiFiles;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-scan-'));
  pki = writePkiFiles(join(dir, 'pki'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** s_server with its certificate and key, extra args and environment; the port from its ACCEPT line. */
async function opensslServer(t: Scope, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<PeerServer> {
  const p = spawnPeer(t, 'openssl', ['s_server', '-accept', '127.0.0.1:0', '-www', ...args], undefined, env);
  const m = await p.waitFor(/^ACCEPT 127\.0\.0\.1:(\d+)$/m, 'the ACCEPT line');
  return Object.assign(p, { port: Number(m[1]) });
}

const rsa = (): string[] => ['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key];

const DOCS = readFileSync(fileURLToPath(new URL('../../../docs/scan.md', import.meta.url)), 'utf8');

/** Runs `tlsglass scan --json`; every finding id it reports must be in docs/scan.md's table. */
async function runScan(t: Scope & { diagnostic(text: string): void }, port: number, extra: readonly string[] = []): Promise<{ code: number | null; result: ScanResult; report: string }> {
  const run = await runPeer(t, process.execPath, [TLSGLASS_CLI, 'scan', `127.0.0.1:${port}`, '--servername', 'localhost', '--ca', pki.ca, '--json', ...extra], '', 30_000);
  assert.equal(run.stderr, '', run.report);
  const result = JSON.parse(run.stdout.toString('utf8')) as ScanResult;
  for (const f of result.findings) assert.ok(DOCS.includes(`\`${f.id.replace(/TLSv[\d.]+$/, 'VERSION')}\``), `finding id ${f.id} is not in docs/scan.md`);
  t.diagnostic(`scan ${extra.join(' ')}: ${result.connections} connections, ${result.durationMs} ms, grade ${result.grade}, findings ${result.findings.map((f) => `${f.severity}:${f.id}`).join(' ')}`);
  return { code: run.code, result, report: run.report };
}

const accepted = (r: ScanResult): string[] => r.versions.filter((v) => v.accepted).map((v) => v.version);
const suites = (r: ScanResult, version: string): string[] => r.suites.find((s) => s.version === version)?.suites.map((s) => s.name) ?? [];
const ids = (r: ScanResult): string[] => r.findings.map((f) => `${f.severity}:${f.id}`);

describe('tlsglass scan', { skip: missing }, () => {
  test('openssl s_server, TLS 1.2 only, one CBC suite, no EMS, no encrypt-then-MAC', LIMIT, async (t) => {
    const conf = join(dir, 'no-ems.cnf');
    writeFileSync(conf, 'openssl_conf = c\n[c]\nssl_conf = s\n[s]\nsystem_default = d\n[d]\nOptions = -ExtendedMasterSecret,-EncryptThenMac\n');
    const server = await opensslServer(t, [...rsa(), '-no_tls1_3', '-cipher', 'ECDHE-RSA-AES128-SHA'], { OPENSSL_CONF: conf });
    const { code, result: r } = await runScan(t, server.port);
    assert.equal(code, 0);
    assert.deepEqual(accepted(r), ['TLSv1.2']);
    assert.deepEqual(suites(r, 'TLSv1.2'), ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA']);
    assert.deepEqual(r.suites.find((s) => s.version === 'TLSv1.2')!.suites[0]!.encryptThenMac, false);
    assert.deepEqual(r.groups.tls12Ecdhe, ['x25519', 'secp256r1', 'secp384r1', 'secp521r1', 'x448']);
    assert.equal(r.groups.dhe, null);
    assert.deepEqual(r.downgrade, { sentinel: null, fallbackScsv: null });
    assert.equal(r.features.extendedMasterSecret, false);
    assert.equal(r.features.secureRenegotiation, true);
    // tlsglass does not negotiate CBC suites: the chain comes from the plaintext Certificate of a probe.
    assert.match(r.certificate!.protocol, /^TLSv1\.2 \(read from a probe/);
    assert.equal(r.certificate!.chainError, null);
    assert.equal(r.certificate!.coversName, true);
    assert.deepEqual(ids(r), ['info:no-tls13', 'low:cbc-no-etm', 'medium:no-ems', 'info:no-ocsp-stapling']);
    assert.equal(r.grade, 'C');
    // --fail-on: a medium finding fails at medium, not at high.
    assert.equal((await runScan(t, server.port, ['--quick', '--fail-on', 'medium'])).code, 1);
    assert.equal((await runScan(t, server.port, ['--quick', '--fail-on', 'high'])).code, 0);
    // The terminal report says the same, grouped.
    const text = await runPeer(t, process.execPath, [TLSGLASS_CLI, 'scan', `127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', pki.ca, '--quick'], '', 30_000);
    assert.equal(text.code, 0, text.report);
    const report = text.stdout.toString('utf8');
    for (const line of [
      /^Protocols\n {2}SSLv3 +not offered \(alert [a-z_]+\)$/m,
      /^ {2}TLSv1\.2 +offered$/m,
      /^ {2}TLSv1\.2 \(1\)\n {4}0xc013 {2}TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA {2}CBC, no encrypt-then-MAC$/m,
      /^ {2}extended master secret +no$/m,
      /^ {2}MEDIUM no extended master secret \(RFC 7627\)$/m,
      /^ {2}LOW {4}CBC suites without encrypt-then-MAC: TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA$/m,
      /^Grade C {2}\(9 connections, \d+\.\d s\)$/m,
    ]) assert.match(report, line);
  });

  test('openssl s_server -cipher ALL:@SECLEVEL=0: TLS 1.0 and 1.1, anonymous suites', LIMIT, async (t) => {
    const server = await opensslServer(t, [...rsa(), '-cipher', 'ALL:@SECLEVEL=0']);
    const { result: r } = await runScan(t, server.port, ['--quick']);
    assert.deepEqual(accepted(r), ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1']);
    assert.deepEqual(r.downgrade, { sentinel: true, fallbackScsv: true });
    // --quick: suites of TLS 1.3 and the best older version only.
    assert.deepEqual(r.suites.map((s) => [s.version, s.preference]), [['TLSv1.3', 'client'], ['TLSv1.2', 'client']]);
    assert.deepEqual(suites(r, 'TLSv1.2').filter((n) => n.includes('_anon_')), [
      'TLS_DH_anon_WITH_AES_128_GCM_SHA256', 'TLS_DH_anon_WITH_AES_256_GCM_SHA384', 'TLS_DH_anon_WITH_AES_128_CBC_SHA256', 'TLS_DH_anon_WITH_AES_256_CBC_SHA256',
      'TLS_DH_anon_WITH_AES_128_CBC_SHA', 'TLS_DH_anon_WITH_AES_256_CBC_SHA', 'TLS_ECDH_anon_WITH_AES_128_CBC_SHA', 'TLS_ECDH_anon_WITH_AES_256_CBC_SHA',
    ]);
    assert.deepEqual(r.groups.dhe, { bits: 2048, rfc7919: null, modp: true });
    assert.deepEqual(ids(r), ['medium:tls10', 'medium:tls11', 'low:suite-no-forward-secrecy', 'high:suite-anon', 'low:client-order-TLSv1.2', 'info:dh-modp', 'info:no-ocsp-stapling']);
    assert.equal(r.findings.find((f) => f.id === 'tls10')!.verdict, 'TLS 1.0 accepted (deprecated by RFC 8996)');
    assert.equal(r.grade, 'F');
  });

  test('openssl s_server, TLS 1.3 only', LIMIT, async (t) => {
    const server = await opensslServer(t, [...rsa(), '-tls1_3']);
    const { result: r } = await runScan(t, server.port);
    assert.deepEqual(accepted(r), ['TLSv1.3']);
    assert.deepEqual(suites(r, 'TLSv1.3'), ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);
    assert.equal(r.suites[0]!.preference, 'client');
    // OpenSSL 3.0's default group list, in its order: it picks by its own preference.
    assert.deepEqual(r.groups.tls13, ['x25519', 'secp256r1', 'x448', 'secp521r1', 'secp384r1', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096', 'ffdhe6144', 'ffdhe8192']);
    assert.deepEqual(r.groups.tls13KeyShare, { offered: 'x25519', helloRetryFor: null });
    assert.deepEqual(r.downgrade, { sentinel: null, fallbackScsv: null });
    assert.equal(r.features.extendedMasterSecret, null);
    assert.equal(r.certificate!.protocol, 'TLSv1.3');
    assert.equal(r.certificate!.verifyError, null);
    assert.deepEqual(ids(r), ['info:no-ocsp-stapling']);
    assert.equal(r.grade, 'A');
  });

  test('openssl s_server -dhparam with a 1024-bit group', LIMIT, async (t) => {
    const dh = join(dir, 'dh1024.pem');
    const gen = await runPeer(t, 'openssl', ['dhparam', '-out', dh, '1024'], '', 30_000);
    assert.equal(gen.code, 0, gen.report);
    const server = await opensslServer(t, [...rsa(), '-no_tls1_3', '-cipher', 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0', '-dhparam', dh]);
    const { result: r } = await runScan(t, server.port, ['--quick']);
    assert.deepEqual(suites(r, 'TLSv1.2'), ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256']);
    assert.deepEqual(r.groups.dhe, { bits: 1024, rfc7919: null, modp: false });
    assert.deepEqual(ids(r), ['info:no-tls13', 'medium:dh-weak', 'low:dh-custom', 'info:no-ocsp-stapling']);
    assert.equal(r.findings.find((f) => f.id === 'dh-weak')!.verdict, 'DH group 1024 bits');
  });

  test('openssl s_server with an expired certificate', LIMIT, async (t) => {
    const day = 86_400_000;
    const leaf = issueCertificate({ issuer: testPki().ca, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ec', notBefore: new Date(Date.now() - 400 * day), notAfter: new Date(Date.now() - 10 * day - 3_600_000) });
    writeFileSync(join(dir, 'expired.pem'), leaf.certPem);
    writeFileSync(join(dir, 'expired.key'), leaf.keyPem);
    // Its groups exclude x25519: the x25519 key share we offer makes it ask for P-384 by HelloRetryRequest.
    const server = await opensslServer(t, ['-cert', join(dir, 'expired.pem'), '-key', join(dir, 'expired.key'), '-groups', 'P-384:P-256']);
    const { code, result: r } = await runScan(t, server.port, ['--quick', '--fail-on', 'high']);
    assert.equal(code, 1);
    assert.deepEqual(accepted(r), ['TLSv1.3', 'TLSv1.2']);
    assert.deepEqual(r.groups.tls13, ['secp384r1', 'secp256r1']);
    assert.deepEqual(r.groups.tls13KeyShare, { offered: 'x25519', helloRetryFor: 'secp384r1' });
    // TLS 1.2: OpenSSL takes the client's order of curves (ours has P-256 first); --quick stops at the first.
    assert.deepEqual(r.groups.tls12Ecdhe, ['secp256r1']);
    assert.equal(r.certificate!.expiresInDays, -11);
    assert.equal(r.certificate!.chainError!.code, 'CERT_HAS_EXPIRED');
    assert.equal(r.certificate!.chain[0]!.key, 'EC prime256v1');
    assert.deepEqual(r.downgrade, { sentinel: true, fallbackScsv: true });
    assert.deepEqual(ids(r).filter((i) => i.includes('cert')), ['high:cert-expired']);
    assert.equal(r.findings.find((f) => f.id === 'cert-expired')!.verdict, 'certificate expired 11 days ago');
    assert.equal(r.grade, 'F');
  });

  test('openssl s_server sending its leaf without the intermediate, for another name', LIMIT, async (t) => {
    const root = testPki().ca;
    const intermediate = createCertificateAuthority({ issuer: root, commonName: 'tlsglass test intermediate', keyType: 'ec' });
    const leaf = issueCertificate({ issuer: intermediate, commonName: 'example.org', dnsNames: ['example.org'], keyType: 'ec' });
    writeFileSync(join(dir, 'leaf.pem'), leaf.certPem);
    writeFileSync(join(dir, 'leaf.key'), leaf.keyPem);
    const server = await opensslServer(t, ['-cert', join(dir, 'leaf.pem'), '-key', join(dir, 'leaf.key')]);
    const { result: r } = await runScan(t, server.port, ['--quick']);
    const c = r.certificate!;
    assert.deepEqual(c.chain.map((x) => x.subject), ['CN=example.org']);
    assert.equal(c.missingIntermediate, true);
    assert.equal(c.coversName, false);
    assert.deepEqual(ids(r).filter((i) => i.includes('cert')), ['high:cert-name', 'high:cert-missing-intermediate']);
    assert.equal(r.findings.find((f) => f.id === 'cert-name')!.verdict, 'certificate does not cover the name localhost');
  });

  test('openssl s_server sending its chain out of order (the root before the intermediate)', LIMIT, async (t) => {
    const root = testPki().ca;
    const intermediate = createCertificateAuthority({ issuer: root, commonName: 'tlsglass test intermediate', keyType: 'ec' });
    const leaf = issueCertificate({ issuer: intermediate, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ec' });
    writeFileSync(join(dir, 'ordered-leaf.pem'), leaf.certPem);
    writeFileSync(join(dir, 'ordered-leaf.key'), leaf.keyPem);
    writeFileSync(join(dir, 'unordered-chain.pem'), root.certPem + intermediate.certPem);
    const server = await opensslServer(t, ['-cert', join(dir, 'ordered-leaf.pem'), '-key', join(dir, 'ordered-leaf.key'), '-cert_chain', join(dir, 'unordered-chain.pem')]);
    const { result: r } = await runScan(t, server.port, ['--quick']);
    const c = r.certificate!;
    assert.deepEqual(c.chain.map((x) => x.subject), ['CN=localhost', 'O=tlsglass, CN=tlsglass test CA', 'CN=tlsglass test intermediate']);
    assert.deepEqual(c.chain.map((x) => x.selfIssued), [false, true, false]);
    assert.equal(c.inOrder, false);
    assert.equal(c.chainError, null); // the verifier builds the path whatever the order
    assert.equal(c.missingIntermediate, false);
    assert.deepEqual(ids(r).filter((i) => i.includes('cert')), ['low:cert-order']);
  });

  test('tlsglass serve', LIMIT, async (t) => {
    const server = await startTlsglassServeCli(t, ['--port', '0', '--host', '127.0.0.1', '--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key, '--alpn', 'h2,http/1.1']);
    const { result: r } = await runScan(t, server.port);
    assert.deepEqual(accepted(r), ['TLSv1.3', 'TLSv1.2']);
    assert.deepEqual(r.downgrade, { sentinel: true, fallbackScsv: true });
    assert.equal(r.features.extendedMasterSecret, true);
    assert.equal(r.features.secureRenegotiation, true);
    assert.deepEqual(r.features.alpn, ['h2', 'http/1.1']);
    assert.equal(r.certificate!.verifyError, null);
    assert.deepEqual(suites(r, 'TLSv1.3'), ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);
    assert.deepEqual(suites(r, 'TLSv1.2'), ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256']);
    assert.deepEqual(r.suites.map((s) => s.preference), ['server', 'server']);
    assert.deepEqual(r.groups, {
      tls13: ['X25519MLKEM768', 'SecP256r1MLKEM768', 'SecP384r1MLKEM1024', 'x25519', 'secp256r1', 'secp384r1', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096'],
      tls13KeyShare: { offered: 'x25519', helloRetryFor: null },
      tls12Ecdhe: ['x25519', 'secp256r1', 'secp384r1'],
      dhe: null,
    });
    assert.deepEqual(ids(r), ['info:no-ocsp-stapling']);
    assert.equal(r.grade, 'A');
    t.diagnostic(`${r.connections} connections, ${r.durationMs} ms; suites ${JSON.stringify(r.suites.map((s) => [s.version, s.suites.map((x) => x.name), s.preference]))}; groups ${JSON.stringify(r.groups)}; findings ${JSON.stringify(ids(r))}`);
  });
});
