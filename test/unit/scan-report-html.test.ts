/**
 * The scan's web page (src/scan/report-html.ts) from results built here: every string a server
 * controls (certificate names, ALPN, answers, errors, CA names) comes out escaped, and the
 * fields other probes add (signature algorithms, every chain, client-certificate request, 0-RTT,
 * resumption, ROBOT, STARTTLS, and fields this page has never heard of) are shown when present.
 * The page in a real browser, from a real scan, is test/interop/scan-html.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderHtmlReport } from '../../src/scan/report-html.js';
import type { ScanResult } from '../../src/scan/result.js';

const HOSTILE = '<script>alert(1)</script>';

/** Typed loosely on purpose: the result's types gain fields as probes are added. */
function certificate(subject: string) {
  return {
    protocol: 'TLSv1.3',
    chain: [
      { subject, issuer: 'CN=Test CA', notAfter: '2027-01-31T00:00:00.000Z', key: 'RSA 2048 bits', selfIssued: false },
      { subject: 'CN=Test CA', issuer: 'CN=Test CA', notAfter: '2030-01-01T00:00:00.000Z', key: 'EC P-256', selfIssued: true },
    ],
    subjectAltNames: `DNS:${HOSTILE}, DNS:localhost`,
    expiresInDays: 55,
    coversName: true,
    name: 'localhost',
    verifyError: null,
    chainError: null,
    inOrder: true,
    missingIntermediate: false,
    ocspStapled: false,
  };
}

function result(extra: Record<string, unknown> = {}): ScanResult {
  return {
    schema: 'tlsglass-scan/1',
    target: { host: '127.0.0.1', port: 4433, serverName: 'localhost' },
    quick: false,
    startedAt: '2026-12-07T12:00:00.000Z',
    durationMs: 812,
    connections: 57,
    versions: [
      { version: 'TLSv1.3', accepted: true, answer: 'ServerHello TLSv1.3' },
      { version: 'TLSv1.2', accepted: true, answer: 'ServerHello TLSv1.2' },
      { version: 'TLSv1', accepted: false, answer: `alert ${HOSTILE}` },
    ],
    downgrade: { sentinel: true, fallbackScsv: true },
    suites: [
      { version: 'TLSv1.3', suites: [{ code: 0x1301, name: 'TLS_AES_128_GCM_SHA256', keyExchange: 'TLS13' }], preference: null },
      {
        version: 'TLSv1.2',
        suites: [
          { code: 0xc02f, name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', keyExchange: 'ECDHE_RSA' },
          { code: 0x000a, name: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', keyExchange: 'RSA', encryptThenMac: false },
        ],
        preference: 'server',
      },
    ],
    groups: { tls13: ['X25519MLKEM768', 'x25519'], tls13KeyShare: { offered: 'x25519', helloRetryFor: null }, tls12Ecdhe: ['x25519'], dhe: null },
    certificate: certificate(`CN=${HOSTILE}, O="quoted" & 'single'`),
    certificateError: null,
    features: { alpn: [`<img src=x onerror=alert(2)>`, 'h2'], extendedMasterSecret: true, secureRenegotiation: true, sessionTicket: false, encryptThenMac: false, ocspStapling: false },
    findings: [
      { id: 'suite-sweet32', severity: 'medium', verdict: '64-bit block cipher (Sweet32): TLS_RSA_WITH_3DES_EDE_CBC_SHA' },
      { id: 'cbc-no-etm', severity: 'low', verdict: 'CBC suites without encrypt-then-MAC: TLS_RSA_WITH_3DES_EDE_CBC_SHA' },
      { id: 'no-ocsp-stapling', severity: 'info', verdict: 'no OCSP response stapled' },
    ],
    grade: 'C',
    ...extra,
  } as unknown as ScanResult;
}

/** The page's text with the tags removed and the entities read back, whitespace folded. */
function text(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('scan --html page', () => {
  test('a certificate subject, a SAN, an ALPN protocol and an answer carrying markup are escaped, and read back as the server sent them', () => {
    const html = renderHtmlReport(result());
    assert.doesNotMatch(html, /<script/i, 'the page has no script at all, and the hostile ones are text');
    assert.doesNotMatch(html, /<img/i);
    assert.ok(html.includes('CN=&lt;script&gt;alert(1)&lt;/script&gt;, O=&quot;quoted&quot; &amp; &#39;single&#39;'), 'the subject, escaped');
    const t = text(html);
    assert.ok(t.includes(`CN=${HOSTILE}, O="quoted" & 'single'`), 'the subject reads as sent');
    assert.ok(t.includes(`DNS:${HOSTILE}`));
    assert.ok(t.includes('<img src=x onerror=alert(2)>'));
    assert.ok(t.includes(`alert ${HOSTILE}`));
    // Self-contained: no URL of any kind, and a policy that forbids fetching one.
    assert.doesNotMatch(html, /\b(src|href)="(?!#)/);
    assert.doesNotMatch(html, /https?:\/\//);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/);
  });

  test('the header, the findings by severity, and one row per suite with its weakness', () => {
    const html = renderHtmlReport(result());
    const t = text(html);
    assert.match(html, /<div class="grade g-c"[^>]*><span>C<\/span>/);
    assert.match(t, /127\.0\.0\.1:4433 SNI localhost · scanned 2026-12-07 12:00 UTC · 57 connections · 0\.8 s/);
    assert.match(t, /0 high 1 medium 1 low 1 info/);
    assert.match(t, /medium 1 finding 64-bit block cipher \(Sweet32\) suite-sweet32 64-bit blocks: long connections leak plaintext/);
    assert.match(t, /0x000a TLS_RSA_WITH_3DES_EDE_CBC_SHA RSA 2 64-bit block cipher RSA key exchange CBC, MAC-then-encrypt 64-bit blocks leak plaintext/);
    assert.match(t, /TLS 1\.2 2 suites server order/);
    assert.match(t, /SWEET32 vulnerable derived TLS_RSA_WITH_3DES_EDE_CBC_SHA/);
    assert.match(t, /Expires in 55 days 2027-01-31 00:00 UTC/);
    assert.match(t, /CN=Test CA self-issued Issuer CN=Test CA Key EC P-256 Until 2030-01-01 00:00 UTC 1120 days left/);
    assert.doesNotMatch(t, /ROBOT|Client certificates|0-RTT|STARTTLS|More /, 'fields not in the result are not shown');
  });

  test('fields added by other probes are shown when present, and unknown ones generically', () => {
    const leaf = certificate('CN=localhost');
    const html = renderHtmlReport(
      result({
        target: { host: 'mail.example', port: 25, serverName: 'mail.example', starttls: 'smtp' },
        signatureAlgorithms: { tls13: ['rsa_pss_rsae_sha256'], tls12: ['rsa_pkcs1_sha1', 'rsa_pss_rsae_sha256'], used: ['rsa_pss_rsae_sha256'] },
        certificate: { ...leaf, signatureAlgorithm: 'sha256WithRSAEncryption', mustStaple: true, scts: 2 },
        certificates: [
          { ...leaf, signatureAlgorithm: 'sha256WithRSAEncryption', mustStaple: true, scts: 2, keyType: 'RSA', serverName: 'mail.example' },
          { ...leaf, chain: [{ ...leaf.chain[0]!, key: 'EC P-256', signatureAlgorithm: 'ecdsa-with-SHA1' }], signatureAlgorithm: 'ecdsa-with-SHA1', mustStaple: false, scts: 0, keyType: 'ECDSA', serverName: null },
        ],
        clientAuth: { requested: true, certificateAuthorities: [`CN=${HOSTILE}`], signatureAlgorithms: ['ecdsa_secp256r1_sha256'] },
        features: {
          ...result().features,
          clientRenegotiation: true,
          earlyData: { accepted: true, maxEarlyDataSize: 16384 },
          compression: false,
          heartbeat: null,
          recordSizeLimit: 16385,
          resumption: { sessionId: true, ticket: true, tls13Psk: false, ticketLifetimeSeconds: 7200 },
          futureFeature: { a: 1, b: [true, 'x'] },
        },
        vulnerabilities: { robot: { vulnerable: false, evidence: `same alert for every premaster ${HOSTILE}` }, futureOracle: { vulnerable: true, evidence: 'differs' } },
        somethingNew: ['one', 'two'],
      }),
    );
    assert.doesNotMatch(html, /<script/i);
    const t = text(html);
    assert.match(t, /STARTTLS smtp/);
    assert.match(html, /<code class="weak" title="SHA-1 or MD5: forgeable by collision">rsa_pkcs1_sha1<\/code><code>rsa_pss_rsae_sha256<\/code>/, 'SHA-1 flagged among the schemes');
    assert.match(t, /Signature schemes, TLS 1\.2 rsa_pkcs1_sha1 rsa_pss_rsae_sha256 SHA-1 or MD5 signatures/);
    assert.match(t, /RSA chain for SNI mail\.example/);
    assert.match(t, /ECDSA chain without SNI/);
    assert.match(t, /OCSP must-staple yes/);
    assert.match(t, /SCTs 2 /);
    assert.match(t, /Signature ecdsa-with-SHA1 SHA-1 signatures can be forged/);
    assert.match(t, /Key EC P-256 Until 2027-01-31 00:00 UTC 54 days left Signature algorithm ecdsa-with-SHA1 weak/, 'a field chain entries gain is shown in the card');
    assert.match(t, new RegExp(`Client certificates Requested yes .* CA names CN=${HOSTILE.replace(/[()/]/g, '\\$&')}`));
    assert.match(t, /Client-initiated renegotiation accepted/);
    assert.match(t, /0-RTT early data accepted max 16384 bytes/);
    assert.match(t, /TLS compression disabled/);
    assert.match(t, /Heartbeat n\/a/);
    assert.match(t, /Record size limit 16385 bytes/);
    assert.match(t, /Resumption session ID yes ticket yes TLS 1\.3 PSK no ticket lifetime 2\.0 h/);
    assert.match(t, /Future feature A: 1; B: yes, x/);
    assert.match(t, /CRIME not vulnerable derived/);
    assert.match(t, /ROBOT not vulnerable probed: same alert for every premaster/);
    assert.match(t, /Future oracle vulnerable probed: differs/);
    assert.match(t, /More Something new one, two/);
  });
});
