/**
 * `tlsglass scan --starttls` against real servers that speak a plain-text protocol first, each
 * started here on a free port: nodemailer's `smtp-server` (RFC 3207 STARTTLS; TLS by node:tls),
 * dovecot (IMAP STARTTLS and POP3 STLS, RFC 2595; OpenSSL), proftpd (FTP AUTH TLS, RFC 4217;
 * OpenSSL), slapd (LDAP StartTLS, RFC 4513; GnuTLS) and PostgreSQL with ssl = on (SSLRequest).
 * The scan's findings (versions, suites, certificate verdicts) are asserted and cross-checked with
 * what `openssl s_client -starttls` and the server itself see. Then servers that will not get
 * there: STARTTLS not offered (SMTP, IMAP, POP3, FTP, LDAP), ssl = off, and hostile fakes (no
 * greeting at all, an endless greeting, an endless line, bytes pushed after the go-ahead, a 2 GiB
 * LDAP length): each scan fails within its deadline with a clear message and exit code 3.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import type { ScanResult } from '../../src/scan/result.js';
import { peerMissing, peerPath, runOpensslClient, runPeer, spawnPeer, TLSGLASS_CLI, type PeerRun, type Scope } from '../helpers/peers.js';
import { writePkiFiles, type PkiFiles } from '../helpers/pki.js';
import { onFreePort, postgresSkip, startPostgres } from '../helpers/postgres.js';

const LIMIT = { timeout: 90_000 };
const opensslMissing = peerMissing('openssl');

let dir: string;
let pki: PkiFiles;
/** Servers that live as long as the file's tests. */
const teardown: (() => unknown)[] = [];
const fileScope: Scope = { after: (fn) => void teardown.push(fn) };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-starttls-'));
  chmodSync(dir, 0o711); // postgres may run as another user: it needs to reach its own directory inside
  pki = writePkiFiles(join(dir, 'pki'));
});
after(async () => {
  for (const fn of teardown.reverse()) await fn();
  rmSync(dir, { recursive: true, force: true });
});

/** `tlsglass scan 127.0.0.1:PORT --starttls PROTOCOL …` as a user runs it; the time it took. */
async function scanCli(t: Scope, port: number, protocol: string, extra: readonly string[] = []): Promise<PeerRun & { ms: number }> {
  const started = Date.now();
  const run = await runPeer(t, process.execPath, [TLSGLASS_CLI, 'scan', `127.0.0.1:${port}`, '--starttls', protocol, '--servername', 'localhost', '--ca', pki.ca, ...extra], '', 60_000);
  return { ...run, ms: Date.now() - started };
}

async function scanJson(t: Scope & { diagnostic(text: string): void }, port: number, protocol: string): Promise<ScanResult> {
  const run = await scanCli(t, port, protocol, ['--json']);
  assert.equal(run.code, 0, run.report);
  assert.equal(run.stderr, '', run.report);
  const r = JSON.parse(run.stdout.toString('utf8')) as ScanResult;
  t.diagnostic(`scan --starttls ${protocol}: ${r.connections} connections, ${r.durationMs} ms, grade ${r.grade}, findings ${r.findings.map((f) => `${f.severity}:${f.id}`).join(' ')}`);
  return r;
}

const accepted = (r: ScanResult): string[] => r.versions.filter((v) => v.accepted).map((v) => v.version);
const suites = (r: ScanResult, version: string): string[] => r.suites.find((s) => s.version === version)?.suites.map((s) => s.name) ?? [];
const pemBody = (text: string): string => /-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/.exec(text)![1]!.replace(/\s+/g, '');

/** OpenSSL's cipher names to IANA's (`openssl ciphers -stdname`), for s_client's "Cipher is …". */
let stdNames: Map<string, string> | undefined;
async function ianaName(t: Scope, openssl: string): Promise<string> {
  if (!stdNames) {
    const run = await runPeer(t, 'openssl', ['ciphers', '-stdname', 'ALL:@SECLEVEL=0']);
    stdNames = new Map(run.stdout.toString('latin1').split('\n').map((l) => /^(\S+)\s+-\s+(\S+)/.exec(l)).filter((m) => m !== null).map((m) => [m[2]!, m[1]!]));
  }
  return stdNames.get(openssl) ?? openssl;
}

/**
 * `openssl s_client -starttls PROTOCOL` at one version: what it negotiated, whether it verified
 * the chain, and the leaf it was sent.
 */
async function opensslView(t: Scope, port: number, protocol: string, version: string, extra: readonly string[] = []): Promise<{ protocol: string; cipher: string; verified: boolean; leaf: string; report: string }> {
  const run = await runOpensslClient(t, port, ['-starttls', protocol, '-servername', 'localhost', '-CAfile', pki.ca, '-verify_hostname', 'localhost', version, ...extra], '');
  const text = run.stdout.toString('latin1');
  // "New, TLSv1.0, Cipher is …" names the cipher's version, not the session's: that is the SSL-Session
  // block's "Protocol  : TLSv1.1", printed for TLS 1.2 and older (a TLS 1.3 cipher is TLS 1.3's only).
  const c = /^New, (\S+), Cipher is (\S+)$/m.exec(text);
  assert.ok(c, run.report);
  const p = /^\s+Protocol\s*: (\S+)$/m.exec(text)?.[1] ?? (c[1] === 'TLSv1.3' ? c[1] : undefined);
  assert.ok(p, run.report);
  return { protocol: p, cipher: await ianaName(t, c[2]!), verified: /^Verification: OK$/m.test(text), leaf: pemBody(text), report: run.report };
}

/** The scan's and openssl's views agree: the same leaf, trusted, and at each version the server's first choice. */
async function crossCheck(t: Scope, port: number, protocol: string, r: ScanResult, leafFile: string): Promise<void> {
  const leaf = pemBody(readFileSync(leafFile, 'latin1'));
  for (const [flag, version] of [['-tls1_3', 'TLSv1.3'], ['-tls1_2', 'TLSv1.2']] as const) {
    const o = await opensslView(t, port, protocol, flag);
    assert.equal(o.protocol, version);
    assert.equal(o.verified, true, o.report);
    assert.equal(o.leaf, leaf, 'openssl was sent the certificate the server was given');
    // Both servers pick by their own order: openssl (offering its defaults) gets the scan's first suite.
    assert.equal(r.suites.find((s) => s.version === version)!.preference, 'server');
    assert.equal(o.cipher, suites(r, version)[0], `${version}: openssl negotiated ${o.cipher}`);
  }
}

/**
 * The certificate verdicts every server here earns (its chain from our CA, for localhost, read over
 * TLS 1.3, no certificate finding), then the openssl cross-check; false when openssl is missing.
 */
async function certificateAndCrossCheck(t: Scope & { diagnostic(text: string): void }, port: number, protocol: string, r: ScanResult, server: { cert: string }, key: string): Promise<boolean> {
  const c = r.certificate!;
  assert.equal(c.protocol, 'TLSv1.3');
  assert.equal(c.verifyError, null);
  assert.equal(c.coversName, true);
  assert.deepEqual(c.chain.map((x) => [x.subject, x.key]), [['CN=localhost', key]]);
  assert.equal(r.findings.some((f) => f.id.startsWith('cert-') || f.id === 'no-certificate'), false, JSON.stringify(r.findings));
  if (opensslMissing) return (t.diagnostic('openssl not installed: no s_client cross-check'), false);
  await crossCheck(t, port, protocol, r, server.cert);
  return true;
}

// ---- SMTP ---------------------------------------------------------------------------------------

interface SmtpServer {
  port: number;
  /** What node:tls (the server's side) saw of each handshake completed after STARTTLS. */
  secured: { protocol: string | null; cipher: string }[];
}

async function startSmtp(t: Scope, options: { hideSTARTTLS?: boolean } = {}): Promise<SmtpServer> {
  const secured: SmtpServer['secured'] = [];
  const server = new SMTPServer({
    secure: false,
    key: readFileSync(pki.serverRsa.key),
    cert: readFileSync(pki.serverRsa.cert),
    authOptional: true,
    disableReverseLookup: true,
    logger: false,
    ...options,
    onSecure(socket, _session, callback) {
      const s = socket as TLSSocket;
      secured.push({ protocol: s.getProtocol(), cipher: s.getCipher().standardName });
      callback();
    },
  });
  server.on('error', () => {}); // the probes' refused handshakes (TLS 1.1, no shared suite, …) surface here
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, secured };
}

describe('scan --starttls smtp: nodemailer smtp-server', () => {
  test('versions, suites and the certificate, as openssl s_client -starttls smtp and the server see them', LIMIT, async (t) => {
    const smtp = await startSmtp(t);
    const r = await scanJson(t, smtp.port, 'smtp');
    assert.deepEqual(r.target, { host: '127.0.0.1', port: smtp.port, serverName: 'localhost', starttls: 'smtp' });
    // node:tls's defaults: TLS 1.2 and 1.3, nothing older.
    assert.deepEqual(accepted(r), ['TLSv1.3', 'TLSv1.2']);
    assert.deepEqual([...suites(r, 'TLSv1.3')].sort(), ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);
    // An RSA certificate: ECDHE_RSA and RSA key exchange suites, no ECDSA ones, and no DHE (no dhparam given).
    const tls12 = suites(r, 'TLSv1.2');
    assert.ok(tls12.includes('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'), tls12.join(' '));
    assert.deepEqual(tls12.filter((s) => /ECDSA|DHE_RSA|_anon_|NULL|RC4|EXPORT/.test(s) && !s.startsWith('TLS_ECDHE_RSA')), []);
    assert.equal(r.downgrade.sentinel, true);
    assert.equal(r.downgrade.fallbackScsv, true);
    assert.equal(r.features.extendedMasterSecret, true);
    // The server's own view: every handshake it completed after STARTTLS (the certificate probe's
    // and the other full ones; the renegotiation and resumption probes make TLS 1.2 ones) was at a
    // version the scan reports, with a suite the scan reports for it; the certificate probe's at the
    // protocol it reports, with the scan's first TLS 1.3 suite.
    assert.ok(smtp.secured.length > 0);
    for (const s of smtp.secured) assert.ok(suites(r, s.protocol ?? '').includes(s.cipher), JSON.stringify(s));
    assert.ok(smtp.secured.some((s) => s.protocol === r.certificate!.protocol && s.cipher === suites(r, 'TLSv1.3')[0]), JSON.stringify(smtp.secured));
    await certificateAndCrossCheck(t, smtp.port, 'smtp', r, pki.serverRsa, 'RSA 2048 bits');
  });

  test('a server whose EHLO reply lacks STARTTLS: a clear error, exit 3', LIMIT, async (t) => {
    const smtp = await startSmtp(t, { hideSTARTTLS: true });
    const run = await scanCli(t, smtp.port, 'smtp');
    assert.equal(run.code, 3, run.report);
    assert.match(run.stderr, /^tlsglass scan: cannot scan 127\.0\.0\.1:\d+: the SMTP server does not offer STARTTLS \(its EHLO reply lists PIPELINING, .*8BITMIME.*\)\n$/);
    assert.equal(run.stdout.length, 0);
  });
});

/** A server daemon in the foreground on a free port: its config file written for that port, then started; resolves once `ready` is logged. */
function daemon(t: Scope, command: string, conf: string, config: (port: number) => string, args: (port: number) => string[], ready: RegExp): Promise<number> {
  return onFreePort(
    t,
    (port) => {
      writeFileSync(conf, config(port));
      return spawnPeer(t, command, args(port));
    },
    ready,
  );
}

// ---- IMAP and POP3 -----------------------------------------------------------------------------

/** dovecot's login processes run as its own users: it is started as root (as CI runs), else skipped. */
const dovecotSkip = !peerPath('dovecot') ? 'dovecot is not installed (Debian packages dovecot-imapd, dovecot-pop3d)' : process.getuid?.() !== 0 ? 'dovecot needs root to start its login processes' : false;

const DOVECOT_DH = '/usr/share/dovecot/dh.pem';

/** `dovecot -F` serving one protocol on a free port of 127.0.0.1, with its own config (STARTTLS offered unless ssl is off). */
async function startDovecot(t: Scope, protocol: 'imap' | 'pop3', ssl: boolean, dh = true): Promise<number> {
  const base = mkdtempSync(join(dir, `dovecot-${protocol}-`));
  mkdirSync(join(base, 'run'));
  const conf = join(base, 'dovecot.conf');
  const config = (port: number): string =>
    [
      `protocols = ${protocol}`,
      'listen = 127.0.0.1',
      `base_dir = ${base}/run`,
      `state_dir = ${base}/state`,
      'log_path = /dev/stderr',
      ssl ? 'ssl = yes' : 'ssl = no',
      `ssl_cert = <${pki.serverRsa.cert}`,
      `ssl_key = <${pki.serverRsa.key}`,
      'ssl_min_protocol = TLSv1.2',
      // Its own order, so openssl's default offer gets the scan's first suite (the cross-check).
      'ssl_prefer_server_ciphers = yes',
      // Debian's DH group, as its own dovecot.conf has it: without one, dovecot picks a DHE suite it
      // cannot serve and answers internal_error (tested below).
      ...(dh ? [`ssl_dh = <${DOVECOT_DH}`] : []),
      'passdb {\n  driver = static\n  args = nopassword=y\n}',
      `userdb {\n  driver = static\n  args = uid=nobody gid=nogroup home=${base}/home/%u\n}`,
      `service ${protocol}-login {\n  inet_listener ${protocol} {\n    port = ${port}\n  }\n  inet_listener ${protocol}s {\n    port = 0\n  }\n}`,
      'service anvil {\n  chroot =\n}',
      '',
    ].join('\n');
  // The master binds its listeners before it logs "starting up".
  return daemon(t, 'dovecot', conf, config, () => ['-F', '-c', conf], /master: Info: Dovecot v\S+ \(\w+\) starting up/);
}

for (const protocol of ['imap', 'pop3'] as const) {
  const command = protocol === 'imap' ? 'STARTTLS' : 'STLS';
  describe(`scan --starttls ${protocol}: dovecot`, { skip: dovecotSkip }, () => {
    test(`versions, suites and the certificate, as openssl s_client -starttls ${protocol} sees them`, LIMIT, async (t) => {
      const port = await startDovecot(t, protocol, true);
      const r = await scanJson(t, port, protocol);
      assert.deepEqual(r.target, { host: '127.0.0.1', port, serverName: 'localhost', starttls: protocol });
      assert.deepEqual(accepted(r), ['TLSv1.3', 'TLSv1.2']);
      assert.deepEqual([...suites(r, 'TLSv1.3')].sort(), ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);
      const tls12 = suites(r, 'TLSv1.2');
      assert.ok(tls12.includes('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'), tls12.join(' '));
      assert.deepEqual(tls12.filter((s) => /ECDSA|_anon_|NULL|RC4|EXPORT/.test(s)), []);
      assert.ok(tls12.includes('TLS_DHE_RSA_WITH_AES_256_GCM_SHA384'), tls12.join(' '));
      // The DHE prime the scan read is the one dovecot was given.
      const dh = await runPeer(t, 'openssl', ['dhparam', '-in', DOVECOT_DH, '-noout', '-text']);
      assert.equal(r.groups.dhe?.bits, Number(/\((\d+) bit\)/.exec(dh.stdout.toString('latin1'))![1]), dh.report);
      // Refused (dovecot closes; its log says "inappropriate fallback").
      assert.equal(r.downgrade.fallbackScsv, true);
      await certificateAndCrossCheck(t, port, protocol, r, pki.serverRsa, 'RSA 2048 bits');
    });

    if (protocol === 'imap') {
      test('no DH group: dovecot fails on the DHE suites it picks (internal_error); the scan still finds the others', LIMIT, async (t) => {
        const port = await startDovecot(t, protocol, true, false);
        const r = await scanJson(t, port, protocol);
        const tls12 = suites(r, 'TLSv1.2');
        assert.ok(tls12.includes('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384') && tls12.includes('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'), tls12.join(' '));
        assert.deepEqual(tls12.filter((s) => s.includes('_DHE_')), []);
        assert.equal(r.groups.dhe, null);
      });
    }

    test(`ssl = no: ${command} not among the capabilities, a clear error, exit 3`, LIMIT, async (t) => {
      const port = await startDovecot(t, protocol, false);
      const run = await scanCli(t, port, protocol);
      assert.equal(run.code, 3, run.report);
      assert.match(run.stderr, new RegExp(`: the ${protocol.toUpperCase()} server does not offer ${command} \\(its capabilities: [^)]*\\)\\n$`));
    });
  });
}

// ---- FTP ----------------------------------------------------------------------------------------

const proftpdSkip = !peerPath('proftpd') ? 'proftpd is not installed (Debian packages proftpd-core, proftpd-mod-crypto)' : process.getuid?.() !== 0 ? 'proftpd needs root to switch to its User' : false;

/** `proftpd -n` (standalone, in the foreground) on a free port of 127.0.0.1; mod_tls with the server's certificate when `tls`. */
async function startProftpd(t: Scope, tls: boolean): Promise<number> {
  const base = mkdtempSync(join(dir, 'proftpd-'));
  const conf = join(base, 'proftpd.conf');
  const config = (port: number): string =>
    [
      'ServerType standalone',
      'DefaultAddress 127.0.0.1',
      `Port ${port}`,
      'User nobody',
      'Group nogroup',
      `PidFile ${base}/proftpd.pid`,
      `ScoreboardFile ${base}/scoreboard`,
      'DelayTable none',
      'UseReverseDNS off',
      'WtmpLog off',
      'LoadModule mod_tls.c',
      `TLSEngine ${tls ? 'on' : 'off'}`,
      'TLSProtocol TLSv1.2 TLSv1.3',
      'TLSServerCipherPreference on',
      `TLSRSACertificateFile ${pki.serverRsa.cert}`,
      `TLSRSACertificateKeyFile ${pki.serverRsa.key}`,
      '',
    ].join('\n');
  // proftpd binds its listener before it logs "standalone mode STARTUP".
  return daemon(t, 'proftpd', conf, config, () => ['-n', '-c', conf], /standalone mode STARTUP/);
}

describe('scan --starttls ftp: proftpd (mod_tls over OpenSSL)', { skip: proftpdSkip }, () => {
  test('versions, suites and the certificate, as openssl s_client -starttls ftp sees them', LIMIT, async (t) => {
    const port = await startProftpd(t, true);
    const r = await scanJson(t, port, 'ftp');
    assert.deepEqual(r.target, { host: '127.0.0.1', port, serverName: 'localhost', starttls: 'ftp' });
    assert.deepEqual(accepted(r), ['TLSv1.3', 'TLSv1.2']);
    assert.deepEqual([...suites(r, 'TLSv1.3')].sort(), ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);
    assert.deepEqual(suites(r, 'TLSv1.2').filter((s) => /ECDSA|_anon_|NULL|RC4|EXPORT/.test(s)), []);
    await certificateAndCrossCheck(t, port, 'ftp', r, pki.serverRsa, 'RSA 2048 bits');
  });

  test('TLSEngine off: AUTH TLS refused with the server\'s reply, exit 3', LIMIT, async (t) => {
    const port = await startProftpd(t, false);
    const run = await scanCli(t, port, 'ftp');
    assert.equal(run.code, 3, run.report);
    assert.match(run.stderr, /: the reply to AUTH TLS: the server answered 5\d\d .+\n$/);
  });
});

// ---- LDAP ---------------------------------------------------------------------------------------

/** Debian's slapd is built on GnuTLS: a third TLS stack behind a STARTTLS. */
const slapdSkip = peerPath('slapd') ? false : 'slapd is not installed (Debian package slapd)';

/** `slapd -d 256` on a free port of 127.0.0.1, no database, TLS with the server's certificate when `tls`. */
async function startSlapd(t: Scope, tls: boolean): Promise<number> {
  const base = mkdtempSync(join(dir, 'slapd-'));
  const conf = join(base, 'slapd.conf');
  const lines = ['include /etc/ldap/schema/core.schema', `pidfile ${base}/slapd.pid`];
  // GnuTLS's NORMAL priorities (Debian 12: TLS 1.0 to 1.3), in the server's order for the cross-check.
  if (tls) lines.push(`TLSCertificateFile ${pki.serverRsa.cert}`, `TLSCertificateKeyFile ${pki.serverRsa.key}`, 'TLSCipherSuite NORMAL:%SERVER_PRECEDENCE');
  // slapd opens its listeners before it logs "slapd starting".
  return daemon(t, 'slapd', conf, () => [...lines, ''].join('\n'), (port) => ['-d', '256', '-h', `ldap://127.0.0.1:${port}/`, '-f', conf], /slapd starting/);
}

describe('scan --starttls ldap: slapd (OpenLDAP over GnuTLS)', { skip: slapdSkip }, () => {
  test('versions, suites and the certificate, as openssl s_client -starttls ldap sees them', LIMIT, async (t) => {
    const port = await startSlapd(t, true);
    const r = await scanJson(t, port, 'ldap');
    assert.deepEqual(r.target, { host: '127.0.0.1', port, serverName: 'localhost', starttls: 'ldap' });
    assert.deepEqual(accepted(r), ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1']);
    // GnuTLS offers TLS_AES_128_CCM_SHA256 too, which OpenSSL and node:tls leave out by default.
    assert.deepEqual([...suites(r, 'TLSv1.3')].sort(), ['TLS_AES_128_CCM_SHA256', 'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);
    assert.deepEqual(r.findings.filter((f) => f.id === 'tls10' || f.id === 'tls11').map((f) => f.id), ['tls10', 'tls11']);
    if (!(await certificateAndCrossCheck(t, port, 'ldap', r, pki.serverRsa, 'RSA 2048 bits'))) return;
    // The old versions the scan found, openssl reaches too (at security level 0, which allows them).
    for (const [flag, version] of [['-tls1_1', 'TLSv1.1'], ['-tls1', 'TLSv1']] as const) {
      const o = await opensslView(t, port, 'ldap', flag, ['-cipher', 'DEFAULT:@SECLEVEL=0']);
      assert.equal(o.protocol, version, o.report);
      assert.ok(suites(r, version).includes(o.cipher), `${version}: openssl negotiated ${o.cipher}, which the scan did not list`);
    }
  });

  test('no TLS configured: StartTLS refused with its result code, exit 3', LIMIT, async (t) => {
    const port = await startSlapd(t, false);
    const run = await scanCli(t, port, 'ldap');
    assert.equal(run.code, 3, run.report);
    assert.match(run.stderr, /: the LDAP server refused StartTLS: resultCode 2 \(protocolError\) "[^"]+"\n$/);
  });
});

// ---- PostgreSQL ---------------------------------------------------------------------------------

describe('scan --starttls postgres: postgres', { skip: postgresSkip }, () => {
  test('ssl = on: versions, suites and the certificate, as openssl s_client -starttls postgres sees them', LIMIT, async (t) => {
    const port = await startPostgres(fileScope, join(dir, 'pg-ssl'), {
      cert: pki.serverEcdsa.cert,
      key: pki.serverEcdsa.key,
      hba: ['hostssl all postgres 127.0.0.1/32 trust'],
      settings: ['ssl=on', 'ssl_min_protocol_version=TLSv1.2'],
    });
    const r = await scanJson(t, port, 'postgres');
    assert.deepEqual(r.target, { host: '127.0.0.1', port, serverName: 'localhost', starttls: 'postgres' });
    assert.deepEqual(accepted(r), ['TLSv1.3', 'TLSv1.2']);
    assert.match(r.versions.find((v) => v.version === 'TLSv1.1')!.answer, /^alert protocol_version$/);
    assert.deepEqual([...suites(r, 'TLSv1.3')].sort(), ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);
    // An EC certificate and ssl_ciphers 'HIGH:MEDIUM:+3DES:!aNULL': only ECDHE_ECDSA suites can be used.
    const tls12 = suites(r, 'TLSv1.2');
    assert.ok(tls12.length > 0);
    assert.deepEqual(tls12.filter((s) => !s.startsWith('TLS_ECDHE_ECDSA_')), []);
    await certificateAndCrossCheck(t, port, 'postgres', r, pki.serverEcdsa, 'EC prime256v1');
  });

  test("ssl = off: postgres answers 'N', a clear error, exit 3", LIMIT, async (t) => {
    const port = await startPostgres(fileScope, join(dir, 'pg-plain'), {
      cert: pki.serverEcdsa.cert,
      key: pki.serverEcdsa.key,
      hba: ['host all postgres 127.0.0.1/32 trust'],
      settings: ['ssl=off'],
    });
    const run = await scanCli(t, port, 'postgres');
    assert.equal(run.code, 3, run.report);
    assert.match(run.stderr, /: the PostgreSQL server does not accept TLS \(it answered 'N' to SSLRequest: ssl is off\)\n$/);
  });
});

// ---- Hostile servers ----------------------------------------------------------------------------

/** A TCP server that runs `behave` on each connection; every socket is destroyed with it. */
async function fakeServer(t: Scope, behave: (socket: Socket) => void): Promise<{ port: number; connections: () => number }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    behave(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, connections: () => count };
}

/** Writes `chunk` for as long as the peer keeps reading, until it closes. */
function flood(socket: Socket, chunk: Uint8Array): void {
  const more = (): void => {
    while (!socket.destroyed && socket.write(chunk));
  };
  socket.on('drain', more);
  more();
}

describe('scan --starttls against servers that never get there', () => {
  test('no greeting at all: each probe runs into its deadline; the error names what was awaited', LIMIT, async (t) => {
    const server = await fakeServer(t, () => {});
    const run = await scanCli(t, server.port, 'smtp', ['--timeout', '1']);
    assert.equal(run.code, 3, run.report);
    assert.match(run.stderr, /: no answer within 1000 ms while waiting for the SMTP server's 220 greeting\n$/);
    // Five version probes and the SSL 2.0 one, four at a time: two rounds of one second, then the scan gives up.
    assert.equal(server.connections(), 6);
    assert.ok(run.ms < 10_000, `took ${run.ms} ms`);
  });

  test('an endless multi-line greeting: refused after 100 lines, not read forever', LIMIT, async (t) => {
    const server = await fakeServer(t, (s) => flood(s, Buffer.from('220-still greeting you\r\n'.repeat(100))));
    const run = await scanCli(t, server.port, 'smtp');
    assert.equal(run.code, 3, run.report);
    assert.match(run.stderr, /: the SMTP server's 220 greeting: the reply goes on past 100 lines\n$/);
    assert.ok(run.ms < 10_000, `took ${run.ms} ms`);
  });

  test('an endless line: refused past 4096 bytes', LIMIT, async (t) => {
    const server = await fakeServer(t, (s) => flood(s, Buffer.alloc(65536, 'A')));
    const run = await scanCli(t, server.port, 'smtp');
    assert.equal(run.code, 3, run.report);
    assert.match(run.stderr, /: the SMTP server's 220 greeting: a line longer than 4096 bytes \(A{40}…\)\n$/);
    assert.ok(run.ms < 10_000, `took ${run.ms} ms`);
  });

  test("bytes pushed after the go-ahead ('S' and a fake ServerHello in one write): refused", LIMIT, async (t) => {
    const server = await fakeServer(t, (s) => s.once('data', () => s.write(Buffer.from('S\x16\x03\x03\x00\x00', 'latin1'))));
    const run = await scanCli(t, server.port, 'postgres');
    assert.equal(run.code, 3, run.report);
    assert.match(run.stderr, /: the server sent 5 bytes after agreeing to TLS, before our ClientHello: refused/);
  });

  test('an LDAP answer that announces a 2 GiB message: refused at its length, nothing more read', LIMIT, async (t) => {
    const server = await fakeServer(t, (s) => s.once('data', () => flood(s, Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff]))));
    const run = await scanCli(t, server.port, 'ldap');
    assert.equal(run.code, 3, run.report);
    assert.match(run.stderr, /: the reply to the StartTLS request: an LDAPMessage of 2147483647 bytes \(more than 4096\)\n$/);
    assert.ok(run.ms < 10_000, `took ${run.ms} ms`);
  });
});
