/**
 * `tlsglass scan` against the servers of test/helpers/scan-servers.ts, each configured in a known
 * way and started here on a port the OS picks: openssl s_server seven ways (TLS 1.2 only with one
 * CBC suite and neither EMS nor encrypt-then-MAC; every suite; TLS 1.3 only; a 1024-bit DH group;
 * an expired certificate; a chain without its intermediate; a chain out of order) and with a
 * stapled OCSP response, gnutls-serv (RSA and ECDSA certificates, its own suite order), node:tls
 * with an SNICallback and two certificates, and `tlsglass serve`. The scan runs as the command a
 * user runs (--json) and its findings are asserted exactly: versions, suites, groups, DH size,
 * certificate verdicts, connection counts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { ScanResult } from '../../src/scan/result.js';
import { peerMissing, runPeer, TLSGLASS_CLI, type Scope } from '../helpers/peers.js';
import { ScanServers, SNI_ECDSA_NAME } from '../helpers/scan-servers.js';

const LIMIT = { timeout: 60_000 };
const missing = peerMissing('openssl');

let dir: string;
let servers: ScanServers;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-scan-'));
  servers = new ScanServers(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const DOCS = readFileSync(fileURLToPath(new URL('../../../docs/scan.md', import.meta.url)), 'utf8');

/** Runs `tlsglass scan --json` (as localhost unless --servername is in `extra`); every finding id it reports must be in docs/scan.md's table. */
async function runScan(t: Scope & { diagnostic(text: string): void }, port: number, extra: readonly string[] = []): Promise<{ code: number | null; result: ScanResult; report: string }> {
  const name = extra.includes('--servername') ? [] : ['--servername', 'localhost'];
  const run = await runPeer(t, process.execPath, [TLSGLASS_CLI, 'scan', `127.0.0.1:${port}`, ...name, '--ca', servers.pki.ca, '--json', ...extra], '', 30_000);
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
    const server = await servers.start(t, 'tls12-cbc-no-ems');
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
    const text = await runPeer(t, process.execPath, [TLSGLASS_CLI, 'scan', `127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', servers.pki.ca, '--quick'], '', 30_000);
    assert.equal(text.code, 0, text.report);
    const report = text.stdout.toString('utf8');
    for (const line of [
      /^Protocols\n {2}SSLv2 +not offered \(alert [a-z_]+\)\n {2}SSLv3 +not offered \(alert [a-z_]+\)$/m,
      /^ {2}TLSv1\.2 +offered$/m,
      /^ {2}TLSv1\.2 \(1\)\n {4}0xc013 {2}TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA {2}CBC, no encrypt-then-MAC$/m,
      /^ {2}extended master secret +no$/m,
      /^ {2}MEDIUM no extended master secret \(RFC 7627\)$/m,
      /^ {2}LOW {4}CBC suites without encrypt-then-MAC: TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA$/m,
      /^Grade C {2}\(15 connections, \d+\.\d s\)$/m,
    ]) assert.match(report, line);
  });

  test('openssl s_server -cipher ALL:@SECLEVEL=0: TLS 1.0 and 1.1, anonymous suites', LIMIT, async (t) => {
    const server = await servers.start(t, 'all-suites');
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
    const server = await servers.start(t, 'tls13-only');
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
    const server = await servers.start(t, 'dh1024');
    const { result: r } = await runScan(t, server.port, ['--quick']);
    assert.deepEqual(suites(r, 'TLSv1.2'), ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256']);
    assert.deepEqual(r.groups.dhe, { bits: 1024, rfc7919: null, modp: false });
    assert.deepEqual(ids(r), ['info:no-tls13', 'medium:dh-weak', 'low:dh-custom', 'info:no-ocsp-stapling']);
    assert.equal(r.findings.find((f) => f.id === 'dh-weak')!.verdict, 'DH group 1024 bits');
  });

  test('openssl s_server with an expired certificate', LIMIT, async (t) => {
    // Its groups exclude x25519: the x25519 key share we offer makes it ask for P-384 by HelloRetryRequest.
    const server = await servers.start(t, 'expired');
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
    const server = await servers.start(t, 'missing-intermediate');
    const { result: r } = await runScan(t, server.port, ['--quick']);
    const c = r.certificate!;
    assert.deepEqual(c.chain.map((x) => x.subject), ['CN=example.org']);
    assert.equal(c.missingIntermediate, true);
    assert.equal(c.coversName, false);
    assert.deepEqual(ids(r).filter((i) => i.includes('cert')), ['high:cert-name', 'high:cert-missing-intermediate']);
    assert.equal(r.findings.find((f) => f.id === 'cert-name')!.verdict, 'certificate does not cover the name localhost');
  });

  test('openssl s_server sending its chain out of order (the root before the intermediate)', LIMIT, async (t) => {
    const server = await servers.start(t, 'unordered-chain');
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
    const server = await servers.start(t, 'tlsglass-serve');
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

  test('openssl s_server stapling an OCSP response (-status_file)', LIMIT, async (t) => {
    const server = await servers.start(t, 'ocsp-stapled');
    const { result: r } = await runScan(t, server.port, ['--quick']);
    assert.equal(r.certificate!.ocspStapled, true);
    assert.equal(r.features.ocspStapling, true);
    assert.equal(r.certificate!.verifyError, null);
    assert.deepEqual(ids(r), ['low:suite-no-forward-secrecy', 'low:client-order-TLSv1.2', 'info:dh-modp']);
    assert.equal(r.grade, 'B');
  });

  test('gnutls-serv: TLS 1.2 and 1.3 only, its own order, an RSA and an ECDSA certificate', { ...LIMIT, skip: peerMissing('gnutls-serv') }, async (t) => {
    const server = await servers.start(t, 'gnutls');
    const { result: r } = await runScan(t, server.port);
    assert.deepEqual(accepted(r), ['TLSv1.3', 'TLSv1.2']);
    assert.deepEqual(r.versions.map((v) => v.answer).slice(2), ['alert protocol_version', 'alert protocol_version', 'alert protocol_version', 'alert protocol_version']);
    assert.deepEqual(r.suites.map((s) => s.preference), ['server', 'server']);
    assert.deepEqual(suites(r, 'TLSv1.3'), ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_128_CCM_SHA256']);
    // Both certificates serve TLS 1.2: ECDSA suites first in GnuTLS's NORMAL order, then RSA's, then RSA key transport, then DHE.
    const kx = [...new Set(r.suites[1]!.suites.map((s) => s.keyExchange))];
    assert.deepEqual(kx, ['ECDHE_ECDSA', 'ECDHE_RSA', 'RSA', 'DHE_RSA']);
    assert.equal(suites(r, 'TLSv1.2').length, 25);
    // Its own group order puts P-256 first: our x25519 key share gets a HelloRetryRequest.
    assert.deepEqual(r.groups.tls13KeyShare, { offered: 'x25519', helloRetryFor: 'secp256r1' });
    assert.deepEqual(r.groups.tls13, ['secp256r1', 'secp384r1', 'secp521r1', 'x25519', 'x448', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096', 'ffdhe6144', 'ffdhe8192']);
    assert.deepEqual(r.groups.tls12Ecdhe, ['secp256r1', 'secp384r1', 'secp521r1', 'x25519', 'x448']);
    // GnuTLS answers an offered RFC 7919 group with it.
    assert.deepEqual(r.groups.dhe, { bits: 2048, rfc7919: 'ffdhe2048', modp: false });
    assert.deepEqual(r.downgrade, { sentinel: true, fallbackScsv: true });
    assert.equal(r.features.extendedMasterSecret, true);
    assert.equal(r.features.encryptThenMac, true);
    assert.equal(r.certificate!.verifyError, null);
    // gnutls-serv answers a ClientHello sent after the handshake with a ServerHello (secure, RFC 5746,
    // but a client can make it do a full handshake's work again and again).
    assert.equal(r.features.clientRenegotiation, true);
    assert.deepEqual(ids(r), ['low:suite-no-forward-secrecy', 'medium:client-renegotiation', 'info:no-ocsp-stapling']);
  });

  test('node:tls with an SNICallback and two certificates: each name its chain, an unknown name the default', LIMIT, async (t) => {
    const server = await servers.start(t, 'node-sni');
    const chains: Record<string, [string, string, boolean, string[]]> = {};
    for (const name of ['localhost', SNI_ECDSA_NAME, 'unknown.localhost']) {
      const { result: r } = await runScan(t, server.port, ['--quick', '--servername', name]);
      assert.equal(r.target.serverName, name);
      const c = r.certificate!;
      chains[name] = [c.chain[0]!.subject, c.chain[0]!.key, c.coversName, ids(r).filter((i) => i.includes('cert'))];
      assert.equal(c.chainError, null);
    }
    assert.deepEqual(chains, {
      localhost: ['CN=localhost', 'RSA 2048 bits', true, []],
      // The SNICallback's context adds the ECDSA certificate, the default RSA one stays: a client
      // offering only RSA signatures gets it for ecdsa.localhost, a name it does not cover.
      [SNI_ECDSA_NAME]: [`CN=${SNI_ECDSA_NAME}`, 'EC prime256v1', true, ['high:cert-name']],
      'unknown.localhost': ['CN=localhost', 'RSA 2048 bits', false, ['high:cert-name']],
    });
    const ecdsa = await runScan(t, server.port, ['--quick', '--servername', SNI_ECDSA_NAME]);
    assert.deepEqual(ecdsa.result.certificates.map((c) => [c.keyType, c.serverName, c.chain[0]!.subject, c.coversName]), [
      ['ECDSA', SNI_ECDSA_NAME, `CN=${SNI_ECDSA_NAME}`, true],
      ['RSA', SNI_ECDSA_NAME, 'CN=localhost', false],
    ]);
    assert.equal(ecdsa.result.findings.find((f) => f.id === 'cert-name')!.verdict, `RSA chain for ${SNI_ECDSA_NAME}: certificate does not cover the name ${SNI_ECDSA_NAME}`);
  });
});
