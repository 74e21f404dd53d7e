/**
 * `tlsglass scan`'s signature-algorithm, chain and client-certificate probes against real servers
 * started here on ports the OS picks: openssl s_server with an RSA and an ECDSA certificate
 * (-cert/-dcert) asking for a client certificate (-verify with -CAfile: it names the CA), TLS 1.2
 * only requiring one (-Verify), signing with SHA-1 only (-sigalgs), serving a must-staple
 * certificate with embedded SCTs and more SCTs in the TLS extension (-serverinfo), and a SHA-1
 * signed certificate; node:tls with two key/cert pairs and an SNICallback for a second name; and
 * `tlsglass serve --dcert --request-cert`. The scan runs as the command a user runs (--json).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:tls';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { issueCertificate, type CertificateOptions } from '../../src/node/issue.js';
import * as der from '../../src/pki/der-writer.js';
import type { ScanResult } from '../../src/scan/result.js';
import { testPki, writePkiFiles, type PkiFiles } from '../helpers/pki.js';
import { peerMissing, runPeer, startOpensslServer, startTlsglassServeCli, TLSGLASS_CLI, type Scope } from '../helpers/peers.js';

const LIMIT = { timeout: 60_000 };
const DOCS = readFileSync(fileURLToPath(new URL('../../../docs/scan.md', import.meta.url)), 'utf8');
const CA = 'O=tlsglass, CN=tlsglass test CA';

let dir: string;
let pki: PkiFiles;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-scan-chains-'));
  pki = writePkiFiles(join(dir, 'pki'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `tlsglass scan --json` (--servername localhost unless `extra` gives one); every finding id must be documented. */
async function runScan(t: Scope & { diagnostic(text: string): void }, port: number, extra: readonly string[] = []): Promise<ScanResult> {
  const name = extra.includes('--servername') ? [] : ['--servername', 'localhost'];
  const run = await runPeer(t, process.execPath, [TLSGLASS_CLI, 'scan', `127.0.0.1:${port}`, ...name, '--ca', pki.ca, '--json', ...extra], '', 30_000);
  assert.equal(run.stderr, '', run.report);
  const result = JSON.parse(run.stdout.toString('utf8')) as ScanResult;
  for (const f of result.findings) assert.ok(DOCS.includes(`\`${f.id.replace(/TLSv[\d.]+$/, 'VERSION')}\``), `finding id ${f.id} is not in docs/scan.md`);
  t.diagnostic(`scan ${extra.join(' ')}: ${result.connections} connections, ${result.durationMs} ms, findings ${result.findings.map((f) => `${f.severity}:${f.id}`).join(' ')}`);
  return result;
}

/** A leaf for `name` from the test CA, written as name.pem / name.key. */
function mint(file: string, options: Partial<CertificateOptions> = {}): { cert: string; key: string } {
  const leaf = issueCertificate({ issuer: testPki().ca, commonName: 'localhost', dnsNames: ['localhost'], keyType: 'ec', ...options });
  const cert = join(dir, `${file}.pem`);
  const key = join(dir, `${file}.key`);
  writeFileSync(cert, leaf.certPem);
  writeFileSync(key, leaf.keyPem);
  return { cert, key };
}

/** A syntactically valid SignedCertificateTimestampList (RFC 6962 §3.3) of `n` SCTs with made-up log IDs and signatures. */
function sctList(n: number): Buffer {
  const sct = (i: number): Buffer =>
    Buffer.concat([Buffer.of(0), Buffer.alloc(32, i + 1), Buffer.alloc(8, 1), Buffer.of(0, 0), Buffer.of(4, 3, 0, 8), Buffer.alloc(8, 0x55)]);
  const entries = Buffer.concat(Array.from({ length: n }, (_, i) => sct(i)).map((s) => Buffer.concat([Buffer.of(s.length >> 8, s.length & 0xff), s])));
  return Buffer.concat([Buffer.of(entries.length >> 8, entries.length & 0xff), entries]);
}

/**
 * An OCSPResponse (RFC 6960 §4.2.1) whose one SingleResponse carries `list` in the RFC 6962 §3.3
 * extension; well formed, signed with zeros (a stapled response is shown, not judged).
 */
function ocspResponseWithScts(list: Uint8Array): Uint8Array {
  const generalized = (d: Date): Uint8Array => der.tlv(0x18, new TextEncoder().encode(`${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`));
  const certId = der.sequence(der.sequence(der.oid('1.3.14.3.2.26'), der.nullValue()), der.octetString(new Uint8Array(20)), der.octetString(new Uint8Array(20)), der.integer(1));
  const sctExtension = der.sequence(der.oid('1.3.6.1.4.1.11129.2.4.5'), der.octetString(der.octetString(list)));
  const single = der.sequence(certId, der.implicitPrimitive(0, new Uint8Array(0)), generalized(new Date()), der.explicit(1, der.sequence(sctExtension)));
  const tbs = der.sequence(der.tlv(0xa2, der.octetString(new Uint8Array(20))), generalized(new Date()), der.sequence(single));
  const basic = der.sequence(tbs, der.sequence(der.oid('1.2.840.10045.4.3.2')), der.bitString(new Uint8Array(64)));
  return der.sequence(der.tlv(0x0a, Uint8Array.of(0)), der.explicit(0, der.sequence(der.oid('1.3.6.1.5.5.7.48.1.1'), der.octetString(basic))));
}

const chains = (r: ScanResult): string[] => r.certificates.map((c) => `${c.keyType} ${c.serverName ?? '(no SNI)'} ${c.chain[0]!.subject} ${c.chain[0]!.key}${c.chainError ? ` ${c.chainError.code}` : ''}`);
const ids = (r: ScanResult): string[] => r.findings.map((f) => `${f.severity}:${f.id}`);
const verdict = (r: ScanResult, id: string): string[] => r.findings.filter((f) => f.id === id).map((f) => f.verdict);

describe('tlsglass scan: signature algorithms, chains, client certificates', { skip: peerMissing('openssl') }, () => {
  test('openssl s_server with an RSA and an ECDSA certificate, -verify 1 -CAfile', LIMIT, async (t) => {
    const server = await startOpensslServer(t, ['-www', '-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, '-dcert', pki.serverEcdsa.cert, '-dkey', pki.serverEcdsa.key, '-verify', '1', '-CAfile', pki.ca]);
    const r = await runScan(t, server.port);
    // OpenSSL 3.0: ECDSA first when a client offers both; TLS 1.3 ties ECDSA to the curve (P-256 here), TLS 1.2 does not.
    assert.deepEqual(r.signatureAlgorithms, {
      tls13: ['ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512'],
      tls12: ['ecdsa_secp256r1_sha256', 'ecdsa_secp384r1_sha384', 'ecdsa_secp521r1_sha512', 'rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512', 'rsa_pkcs1_sha256', 'rsa_pkcs1_sha384', 'rsa_pkcs1_sha512'],
      used: ['ecdsa_secp256r1_sha256'],
    });
    // Both chains, each once (the no-SNI probe got the same two).
    assert.deepEqual(chains(r), ['ECDSA localhost CN=localhost EC prime256v1', 'RSA localhost CN=localhost RSA 2048 bits']);
    assert.equal(r.certificates[1]!.protocol, 'TLSv1.3');
    assert.deepEqual(r.certificates.map((c) => c.signatureAlgorithm), ['ecdsa-with-SHA256', 'ecdsa-with-SHA256']);
    assert.equal(r.certificate!.signatureAlgorithm, 'ecdsa-with-SHA256');
    assert.deepEqual([r.certificate!.mustStaple, r.certificate!.scts], [false, 0]);
    // -verify asks (TLS 1.3, read by our client's handshake) and names the -CAfile's CA.
    assert.equal(r.clientAuth!.requested, true);
    assert.deepEqual(r.clientAuth!.certificateAuthorities, [CA]);
    assert.ok(r.clientAuth!.signatureAlgorithms.includes('rsa_pss_rsae_sha256') && r.clientAuth!.signatureAlgorithms.includes('ecdsa_secp256r1_sha256'));
    assert.deepEqual(ids(r).filter((i) => /cert|sha1|staple/.test(i)), []);

    // --quick: per key type only (no per-scheme walk, no TLS 1.2 walk beside TLS 1.3, no SNI-less probe).
    const q = await runScan(t, server.port, ['--quick']);
    assert.deepEqual(q.signatureAlgorithms, { tls13: ['ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha256'], tls12: [], used: ['ecdsa_secp256r1_sha256'] });
    assert.deepEqual(chains(q), chains(r));
    assert.equal(r.connections - q.connections > 10, true, `${r.connections} vs ${q.connections}`);

    // The terminal report says the same.
    const text = await runPeer(t, process.execPath, [TLSGLASS_CLI, 'scan', `127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', pki.ca, '--quick'], '', 30_000);
    assert.equal(text.code, 0, text.report);
    const report = text.stdout.toString('utf8');
    for (const line of [
      /^ {2}signature +ecdsa-with-SHA256\n {2}must-staple +no\n {2}SCTs +0$/m,
      /^Signature algorithms\n {2}TLS 1\.3 +ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256\n {2}TLS 1\.2 +not probed \(--quick\)\n {2}used +ecdsa_secp256r1_sha256$/m,
      /^Chains \(2 distinct\)\n {2}ECDSA, SNI localhost \(the certificate above\): CN=localhost \(EC prime256v1\), trusted, covers localhost\n {2}RSA, SNI localhost: CN=localhost \(RSA 2048 bits\), trusted, covers localhost$/m,
      /^ {2}client certificate +requested; CAs: O=tlsglass, CN=tlsglass test CA; signatures: ecdsa_secp256r1_sha256, /m,
    ]) assert.match(report, line);
  });

  test('openssl s_server, TLS 1.2 only, -Verify 1 (required): the CertificateRequest of the plaintext flight', LIMIT, async (t) => {
    const server = await startOpensslServer(t, ['-www', '-no_tls1_3', ...['-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key], '-Verify', '1', '-CAfile', pki.ca]);
    const r = await runScan(t, server.port, ['--quick']);
    assert.deepEqual(r.clientAuth, {
      requested: true,
      certificateAuthorities: [CA],
      signatureAlgorithms: r.clientAuth!.signatureAlgorithms, // OpenSSL's list, checked below
    });
    assert.ok(r.clientAuth!.signatureAlgorithms.includes('rsa_pkcs1_sha256'));
    assert.deepEqual(r.signatureAlgorithms, { tls13: [], tls12: ['rsa_pss_rsae_sha256'], used: ['rsa_pss_rsae_sha256'] });
    assert.deepEqual(chains(r), ['RSA localhost CN=localhost RSA 2048 bits']);
    assert.match(r.certificates[0]!.protocol, /^TLSv1\.2 \(read from a probe\)$/);
  });

  test('openssl s_server signing TLS 1.2 with SHA-1 only (-sigalgs RSA+SHA1)', LIMIT, async (t) => {
    const server = await startOpensslServer(t, ['-www', '-no_tls1_3', '-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, '-sigalgs', 'RSA+SHA1', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0']);
    const r = await runScan(t, server.port);
    assert.deepEqual(r.signatureAlgorithms, { tls13: [], tls12: ['rsa_pkcs1_sha1'], used: ['rsa_pkcs1_sha1'] });
    assert.deepEqual(verdict(r, 'sha1-signature'), ['the server signs the handshake with SHA-1 (rsa_pkcs1_sha1) although the client offers better (RFC 9155)']);
    assert.equal(r.findings.find((f) => f.id === 'sha1-signature')!.severity, 'medium');
  });

  test('openssl s_server with a must-staple certificate, embedded SCTs, SCTs in the TLS extension and in a stapled OCSP response; and a SHA-1 signed one', LIMIT, async (t) => {
    const tlsFeature = Buffer.from('3003020105', 'hex'); // Features ::= SEQUENCE OF INTEGER { status_request (5) }
    const list = sctList(2);
    assert.ok(list.length < 0x80);
    const embedded = Buffer.concat([Buffer.of(0x04, list.length), list]); // OCTET STRING, DER's short length
    const leaf = mint('staple', {
      extraExtensions: [
        { oid: '1.3.6.1.5.5.7.1.24', critical: false, value: tlsFeature },
        { oid: '1.3.6.1.4.1.11129.2.4.2', critical: false, value: embedded },
      ],
    });
    // -serverinfo: extension 18 (signed_certificate_timestamp) with a list of 3, for clients that ask (TLS 1.2 here).
    const tlsList = sctList(3);
    const info = Buffer.concat([Buffer.of(0, 18, tlsList.length >> 8, tlsList.length & 0xff), tlsList]);
    const serverinfo = join(dir, 'serverinfo.pem');
    writeFileSync(serverinfo, `-----BEGIN SERVERINFO FOR CT-----\n${info.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END SERVERINFO FOR CT-----\n`);
    const server = await startOpensslServer(t, ['-www', '-cert', leaf.cert, '-key', leaf.key, '-serverinfo', serverinfo]);
    const r = await runScan(t, server.port);
    assert.equal(r.certificate!.mustStaple, true);
    assert.equal(r.certificate!.scts, 2); // our TLS 1.3 handshake: the embedded ones
    assert.deepEqual(r.certificates.map((c) => [c.protocol, c.mustStaple, c.scts]), [['TLSv1.3', true, 2]]);
    assert.deepEqual(verdict(r, 'must-staple'), ['certificate is must-staple (RFC 7633) but no OCSP response was stapled: clients that honour it refuse the connection']);

    // TLS 1.2 only: the TLS 1.2 probes read the extension's 3 as well.
    const server12 = await startOpensslServer(t, ['-www', '-no_tls1_3', '-cert', leaf.cert, '-key', leaf.key, '-serverinfo', serverinfo]);
    const r12 = await runScan(t, server12.port, ['--quick']);
    assert.deepEqual(r12.certificates.map((c) => [c.protocol, c.scts]), [['TLSv1.2 (read from a probe)', 5]]);

    // With an OCSP response stapled (-status_file) carrying 4 more SCTs: must-staple satisfied, 2 + 4 SCTs.
    const status = join(dir, 'status.der');
    writeFileSync(status, ocspResponseWithScts(sctList(4)));
    const stapled = await startOpensslServer(t, ['-www', '-cert', leaf.cert, '-key', leaf.key, '-status_file', status]);
    const st = await runScan(t, stapled.port, ['--quick']);
    assert.deepEqual([st.certificate!.ocspStapled, st.certificate!.mustStaple, st.certificate!.scts], [true, true, 6]);
    assert.deepEqual(ids(st).filter((i) => /staple/.test(i)), []);

    // A leaf its CA signed with SHA-1 (OpenSSL serves it at security level 0).
    const sha1 = mint('sha1', { hash: 'sha1' });
    const server1 = await startOpensslServer(t, ['-www', '-cert', sha1.cert, '-key', sha1.key, '-cipher', 'DEFAULT:@SECLEVEL=0']);
    const s = await runScan(t, server1.port, ['--quick']);
    assert.equal(s.certificate!.signatureAlgorithm, 'ecdsa-with-SHA1');
    assert.deepEqual(verdict(s, 'cert-sha1'), ['certificate signed with SHA-1: CN=localhost (ecdsa-with-SHA1)']);
    assert.equal(s.certificate!.chainError!.code, 'CA_MD_TOO_WEAK');
  });

  test('node:tls with an RSA and an ECDSA pair, and an SNICallback for a second name', LIMIT, async (t) => {
    const other = mint('other', { commonName: 'other.localhost', dnsNames: ['other.localhost'], keyType: 'rsa' });
    const pair = (p: { cert: string; key: string }) => ({ cert: readFileSync(p.cert), key: readFileSync(p.key) });
    const rsa = pair(pki.serverRsa);
    const ec = pair(pki.serverEcdsa);
    const server: Server = createServer({
      key: [rsa.key, ec.key],
      cert: [rsa.cert, ec.cert],
      SNICallback: (name, cb) => {
        if (name !== 'other.localhost') return cb(null, undefined);
        import('node:tls').then((tls) => cb(null, tls.createSecureContext(pair(other))), cb);
      },
    });
    server.on('secureConnection', (s) => s.end());
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as { port: number }).port;

    const r = await runScan(t, port, ['--servername', 'localhost,other.localhost']);
    assert.deepEqual(chains(r), [
      'ECDSA localhost CN=localhost EC prime256v1',
      'RSA localhost CN=localhost RSA 2048 bits',
      'RSA other.localhost CN=other.localhost RSA 2048 bits',
    ]);
    assert.equal(r.certificates[2]!.name, 'other.localhost');
    assert.equal(r.certificates[2]!.coversName, true);
    assert.equal(r.clientAuth!.requested, false);
    assert.deepEqual(ids(r).filter((i) => /cert/.test(i)), []);

    // Scanned as other.localhost. Node's SNICallback context only adds its RSA pair to the connection
    // (SSL_use_certificate over the default's): a client that offers only ECDSA still gets the default
    // localhost ECDSA chain, which does not cover other.localhost; so does the RSA chain sent without SNI.
    const o = await runScan(t, port, ['--servername', 'other.localhost']);
    assert.deepEqual(chains(o), ['ECDSA other.localhost CN=localhost EC prime256v1', 'RSA other.localhost CN=other.localhost RSA 2048 bits', 'RSA (no SNI) CN=localhost RSA 2048 bits']);
    assert.equal(o.certificate!.chain[0]!.key, 'EC prime256v1'); // our default offer: ECDSA first
    assert.deepEqual(verdict(o, 'cert-name'), [
      'certificate does not cover the name other.localhost',
      'RSA chain without SNI: certificate does not cover the name other.localhost',
    ]);
  });

  test('tlsglass serve --dcert --request-cert', LIMIT, async (t) => {
    const server = await startTlsglassServeCli(t, ['--port', '0', '--host', '127.0.0.1', '--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key, '--dcert', pki.serverEcdsa.cert, '--dkey', pki.serverEcdsa.key, '--ca', pki.ca, '--request-cert']);
    const r = await runScan(t, server.port);
    assert.deepEqual(chains(r).sort(), ['ECDSA localhost CN=localhost EC prime256v1', 'RSA localhost CN=localhost RSA 2048 bits']);
    // tlsglass names no CAs (any certificate is welcome) and lists its own schemes.
    assert.equal(r.clientAuth!.requested, true);
    assert.deepEqual(r.clientAuth!.certificateAuthorities, []);
    assert.ok(r.clientAuth!.signatureAlgorithms.includes('ecdsa_secp256r1_sha256'));
    assert.ok(!r.signatureAlgorithms.tls12.includes('rsa_pkcs1_sha1'));
    assert.deepEqual(ids(r).filter((i) => /cert|sha1|staple/.test(i)), []);
    t.diagnostic(`signature algorithms ${JSON.stringify(r.signatureAlgorithms)}; client auth ${JSON.stringify(r.clientAuth)}`);
  });
});
