/**
 * The scan as a self-contained web page (`tlsglass scan --html FILE`): inline CSS, no script, no
 * fetch of any kind (a Content-Security-Policy says so), readable offline, printed or mailed.
 * A header with the target and the grade, the findings by severity with why each matters, then
 * the sections of testssl.sh's report: protocols, cipher suites per version, key exchange,
 * certificates, features, vulnerabilities. Every row says why it matters.
 *
 * The fields schema tlsglass-scan/1 gained after its first release (signatureAlgorithms,
 * certificates[], clientAuth, features.earlyData, vulnerabilities, target.starttls, …) are read as
 * optional, so a --json saved by an earlier tlsglass still renders; any other field a result has
 * is shown generically, so nothing in it is silently dropped. Every string from the server
 * (names, ALPN, errors) is escaped.
 */
import { suiteInfo, type Severity } from './cipher-suites.js';
import { SEVERITIES } from './findings.js';
import type { CertificateResult, FeaturesResult, Finding, ScanResult } from './result.js';

/** The certificate fields other probes add (read when present). */
type CertificateView = CertificateResult & {
  readonly signatureAlgorithm?: string;
  readonly mustStaple?: boolean;
  readonly scts?: number;
  readonly keyType?: string;
  readonly serverName?: string | null;
};

interface Flag {
  readonly vulnerable: boolean | null;
  readonly evidence: string;
}

/** The result with the fields other probes add (read when present). */
type ScanView = ScanResult & {
  readonly target: ScanResult['target'] & { readonly starttls?: string | null };
  readonly signatureAlgorithms?: { readonly tls13: readonly string[]; readonly tls12: readonly string[]; readonly used: readonly string[] };
  readonly certificates?: readonly CertificateView[];
  readonly clientAuth?: { readonly requested: boolean; readonly certificateAuthorities: readonly string[]; readonly signatureAlgorithms: readonly string[] } | null;
  readonly vulnerabilities?: { readonly robot?: Flag | null };
  readonly features: FeaturesResult & {
    readonly clientRenegotiation?: boolean | null;
    readonly earlyData?: { readonly accepted: boolean; readonly maxEarlyDataSize: number | null } | null;
    readonly compression?: boolean | null;
    readonly heartbeat?: boolean | null;
    readonly recordSizeLimit?: number | null;
    readonly resumption?: { readonly sessionId: boolean | null; readonly ticket: boolean | null; readonly tls13Psk: boolean | null; readonly ticketLifetimeSeconds: number | null };
  };
};

/** How a row reads: a severity, fine, or neutral. */
type Tone = Severity | 'ok' | 'none';

interface Row {
  readonly check: string;
  /** Trusted HTML (built with esc()). */
  readonly result: string;
  readonly tone: Tone;
  readonly why?: string;
}

const DAY = 86_400_000;

/** Why each finding matters, by id (the ids of docs/scan.md; `suite-*` and `client-order-*` by prefix). */
const FINDING_WHY: Readonly<Record<string, string>> = {
  'no-tls': 'No client can connect at all.',
  ssl2: 'SSL 2.0 has no real handshake integrity and export-grade ciphers; DROWN uses it to decrypt the same key\u2019s TLS sessions.',
  ssl3: 'POODLE decrypts SSL 3.0 CBC records byte by byte; RFC 7568 forbids SSL 3.0.',
  tls10: 'MD5/SHA-1 in the handshake and CBC-only suites; RFC 8996 deprecated it and browsers refuse it.',
  tls11: 'MD5/SHA-1 in the handshake and CBC-only suites; RFC 8996 deprecated it and browsers refuse it.',
  'no-tls12': 'Current clients need TLS 1.2 or 1.3 and will fail to connect.',
  'no-tls13': 'TLS 1.3 is a round trip faster, encrypts the certificate and drops every legacy construction.',
  'no-downgrade-sentinel': 'A man in the middle can hold TLS 1.3 clients to TLS 1.2 without their noticing.',
  'no-fallback-scsv': 'Clients that retry with a lower version after a failure can be downgraded on purpose.',
  'suite-null': 'The traffic is not encrypted at all.',
  'suite-export': 'Export keys are 40 to 56 bits: broken in hours (FREAK, Logjam).',
  'suite-anon': 'Nothing authenticates the server: anyone on the path can pose as it.',
  'suite-rc4': 'RC4 keystream biases reveal plaintext; RFC 7465 prohibits it.',
  'suite-des': 'A 56-bit key falls to brute force in a day.',
  'suite-sweet32': '64-bit blocks: long connections leak plaintext through birthday collisions (CVE-2016-2183).',
  'suite-no-forward-secrecy': 'Whoever gets the server\u2019s key later can decrypt every recorded session.',
  'cbc-no-etm': 'MAC-then-encrypt CBC has a long history of padding oracles (Lucky 13).',
  'client-order': 'A client that lists a weak suite first gets it; in server order the server keeps its best choice.',
  'dh-weak': 'DH groups under 2048 bits are within reach of precomputation (Logjam).',
  'dh-modp': 'A well-known, sound prime, but not one clients can ask for by name as they can an RFC 7919 group.',
  'dh-custom': 'The server\u2019s own prime: clients cannot tell whether it is a safe one.',
  'no-ems': 'Without RFC 7627 the master secret is not bound to the handshake (triple handshake attack).',
  'no-secure-renegotiation': 'An attacker can splice their own request in front of a client\u2019s (CVE-2009-3555).',
  'no-certificate': 'Without a certificate clients cannot authenticate the server.',
  'cert-expired': 'Clients refuse an expired certificate: the service is down for them.',
  'cert-expiring': 'Renew it before clients start refusing it.',
  'cert-name': 'Clients refuse a certificate that does not name the host they asked for.',
  'cert-missing-intermediate': 'Clients that do not already hold the intermediate cannot build the chain and refuse it.',
  'cert-untrusted': 'Clients cannot tie the certificate to a CA they trust.',
  'cert-order': 'Strict clients may fail to build the chain; a sign of a hand-assembled bundle.',
  'cert-key': 'An RSA key under 2048 bits is within reach of a well-funded attacker.',
  'no-ocsp-stapling': 'Clients must ask the CA about revocation themselves (slower, and it tells the CA who visits) or skip the check.',
  'client-renegotiation': 'Each renegotiation costs the server a full handshake, and clients never need to start one.',
  compression: 'An attacker who can add text to requests reads cookies from the compressed sizes.',
  heartbeat: 'TLS over TCP has no use for it: an extension less is attack surface less.',
  'early-data': 'Early data must be safe to run twice: a replayed request is executed again.',
  robot: 'The server\u2019s RSA key can be used to decrypt recorded sessions or to sign as the server.',
  'cert-sha1': 'SHA-1 collisions are practical (SHAttered); browsers refuse SHA-1 certificates.',
  'must-staple': 'Clients that honour must-staple refuse the connection outright.',
  'sha1-signature': 'A SHA-1 collision lets an attacker forge the handshake signature (SLOTH, RFC 9155).',
};

/** The same, shorter, for a row of the suite table, by weakness id (cipher-suites.ts). */
const SUITE_WHY: Readonly<Record<string, string>> = {
  null: 'traffic readable by anyone',
  export: 'keys broken in hours (FREAK, Logjam)',
  anon: 'anyone can pose as the server',
  rc4: 'keystream biases reveal plaintext',
  des: '56-bit key: brute-forced in a day',
  sweet32: '64-bit blocks leak plaintext on long connections',
  'no-forward-secrecy': 'a stolen key decrypts past traffic',
  'cbc-no-etm': 'padding oracles (Lucky 13)',
};

function findingWhy(id: string): string | undefined {
  return FINDING_WHY[id] ?? FINDING_WHY[id.replace(/-TLSv[\d.]+$/, '')];
}

const VERSION_LABEL: Readonly<Record<string, string>> = { SSLv2: 'SSL 2.0', SSLv3: 'SSL 3.0', TLSv1: 'TLS 1.0', 'TLSv1.1': 'TLS 1.1', 'TLSv1.2': 'TLS 1.2', 'TLSv1.3': 'TLS 1.3' };
const versionLabel = (v: string): string => VERSION_LABEL[v] ?? v;

const VERSION_WHY: Readonly<Record<string, string>> = {
  'TLSv1.3': 'The current version (RFC 8446): AEAD only, forward secrecy always, the certificate encrypted.',
  'TLSv1.2': 'Sound with AEAD suites and ECDHE; what clients without TLS 1.3 need.',
  'TLSv1.1': 'Deprecated by RFC 8996: MD5/SHA-1 in the handshake, CBC suites only.',
  TLSv1: 'Deprecated by RFC 8996: MD5/SHA-1 in the handshake, CBC suites only (BEAST).',
  SSLv2: 'Broken beyond repair; RFC 6176 forbids it, and a server speaking it lets DROWN decrypt its TLS sessions.',
  SSLv3: 'Broken by POODLE; RFC 7568 forbids it.',
};

export function renderHtmlReport(result: ScanResult): string {
  const r = result as ScanView;
  const host = r.target.host.includes(':') ? `[${r.target.host}]` : r.target.host;
  const target = `${host}:${r.target.port}`;
  const sections: [string, string, string][] = [
    ['findings', 'Findings', findings(r)],
    ['protocols', 'Protocols', table(protocolRows(r))],
    ['suites', 'Cipher suites', suites(r)],
    ['kex', 'Key exchange', table(keyExchangeRows(r))],
    ['certificate', 'Certificate', certificates(r)],
    ['features', 'Features', table(featureRows(r))],
    ['vulnerabilities', 'Vulnerabilities', `${table(vulnerabilityRows(r))}<p class="note">Derived rows are read from what the probes above found (versions, suites, DH group); probed rows come from a dedicated probe.</p>`],
  ];
  const others = otherRows(r);
  if (others.length > 0) sections.push(['more', 'More', table(others)]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="tlsglass scan (${esc(r.schema)})">
<title>${esc(`tlsglass scan ${target}: grade ${r.grade}`)}</title>
<style>${CSS}</style>
</head>
<body>
${header(r, target)}
<nav class="toc">${sections.map(([id, title]) => `<a href="#${id}">${title}</a>`).join('')}</nav>
<main>
${sections.map(([id, title, body]) => `<section id="${id}"><h2>${title}</h2>\n${body}</section>`).join('\n')}
</main>
<footer>Made by <b>tlsglass scan</b> \u00b7 schema <code>${esc(r.schema)}</code> \u00b7 every answer above comes from a ClientHello sent to the server, not from its version banner.</footer>
</body>
</html>
`;
}

function header(r: ScanView, target: string): string {
  const counts = SEVERITIES.map((s) => [s, r.findings.filter((f) => f.severity === s).length] as const);
  const facts = [
    r.target.serverName ? `SNI <b>${esc(r.target.serverName)}</b>` : 'no SNI',
    r.target.starttls ? `STARTTLS <b>${esc(r.target.starttls)}</b>` : '',
    `scanned ${esc(utc(r.startedAt))}`,
    `<b>${r.connections}</b> connections`,
    `<b>${(r.durationMs / 1000).toFixed(1)}</b> s`,
    r.quick ? '<b>--quick</b>' : '',
  ].filter((x) => x !== '');
  return `<header class="top">
<div class="grade g-${gradeClass(r.grade)}" title="grade"><span>${esc(r.grade)}</span><small>grade</small></div>
<div class="head">
<p class="kicker">TLS configuration report</p>
<h1>${esc(target)}</h1>
<p class="facts">${facts.join(' \u00b7 ')}</p>
<p class="counts">${counts.map(([s, n]) => `<a href="#sev-${s}" class="sev ${n === 0 ? 'zero' : s}"><b>${n}</b> ${s}</a>`).join('')}</p>
<p class="gradewhy">${esc(gradeWhy(r))}</p>
</div>
${glance(r)}
</header>`;
}

/** The header's summary: what a reader wants before scrolling. */
function glance(r: ScanView): string {
  const versions = [...r.versions].filter((v) => v.accepted).map((v) => pill(versionLabel(v.version), v.version === 'TLSv1.3' || v.version === 'TLSv1.2' ? 'ok' : v.version === 'SSLv3' || v.version === 'SSLv2' ? 'high' : 'medium'));
  const all = new Map(r.suites.flatMap((s) => s.suites.map((x) => [x.code, x] as const)));
  const weak = [...all.values()].filter((x) => suiteInfo(x.code).weaknesses.length > 0).length;
  const c = r.certificate;
  const cert = c
    ? `${esc(c.chain[0]?.subject ?? '')} ${pill(c.chainError ? 'untrusted' : 'trusted', c.chainError ? 'high' : 'ok')} ${pill(c.expiresInDays < 0 ? 'expired' : `${c.expiresInDays} days left`, c.expiresInDays < 0 ? 'high' : c.expiresInDays < 30 ? 'medium' : 'ok')}`
    : pill('not read', 'high');
  const kex = r.groups.tls13[0] ?? r.groups.tls12Ecdhe[0] ?? (r.groups.dhe ? `DH ${r.groups.dhe.bits} bits` : undefined);
  return `<dl class="glance"><dt>Protocols</dt><dd>${versions.join(' ') || pill('none', 'high')}</dd>
<dt>Cipher suites</dt><dd><b>${all.size}</b> accepted${weak > 0 ? `, ${pill(`${weak} weak`, r.findings.some((f) => f.id.startsWith('suite-') && f.severity === 'high') ? 'high' : 'low')}` : ''}</dd>
<dt>Key exchange</dt><dd>${kex ? `<code>${esc(kex)}</code> preferred` : 'n/a'}</dd>
<dt>Certificate</dt><dd>${cert}</dd></dl>`;
}

function gradeClass(g: string): string {
  return g === 'A+' ? 'aplus' : g.toLowerCase().replace(/[^a-z]/g, '');
}

function gradeWhy(r: ScanResult): string {
  const worst = SEVERITIES.find((s) => r.findings.some((f) => f.severity === s));
  switch (r.grade) {
    case 'F':
      return 'F: at least one high-severity finding.';
    case 'C':
      return 'C: medium-severity findings, none high.';
    case 'B':
      return 'B: low-severity findings only.';
    case 'A+':
      return 'A+: TLS 1.3 and nothing found at all.';
    default:
      return worst ? 'A: informational findings only.' : 'A: nothing found.';
  }
}

function findings(r: ScanResult): string {
  if (r.findings.length === 0) return '<p class="none">Nothing found.</p>';
  const out: string[] = ['<div class="findings">'];
  for (const s of SEVERITIES) {
    const mine = r.findings.filter((f) => f.severity === s);
    if (mine.length === 0) continue;
    out.push(`<div class="group ${s}" id="sev-${s}"><h3><span class="sev ${s}">${s}</span> ${mine.length} ${mine.length === 1 ? 'finding' : 'findings'}</h3><ul>`);
    out.push(...mine.map(finding));
    out.push('</ul></div>');
  }
  out.push('</div>');
  return out.join('\n');
}

function finding(f: Finding): string {
  // A verdict naming suites ("why: A, B, C") shows the names as a list of their own.
  const split = /^(suite-|cbc-no-etm$)/.test(f.id) ? f.verdict.lastIndexOf(': ') : -1;
  const text = f.verdict.charAt(0).toUpperCase() + f.verdict.slice(1);
  const names = split > 0 ? `<span class="names">${f.verdict.slice(split + 2).split(', ').map((n) => `<code>${esc(n)}</code>`).join(' ')}</span>` : '';
  const why = findingWhy(f.id);
  return `<li><span class="verdict">${esc(split > 0 ? text.slice(0, split) : text)}</span><code class="id">${esc(f.id)}</code>${why ? `<span class="why">${esc(why)}</span>` : ''}${names}</li>`;
}

function protocolRows(r: ScanResult): Row[] {
  const rows: Row[] = r.versions.map((v) => {
    const modern = v.version === 'TLSv1.3' || v.version === 'TLSv1.2';
    const tone: Tone = v.accepted ? (modern ? 'ok' : v.version === 'SSLv3' || v.version === 'SSLv2' ? 'high' : 'medium') : modern ? (v.version === 'TLSv1.3' ? 'info' : 'none') : 'ok';
    return { check: versionLabel(v.version), result: `${pill(v.accepted ? 'offered' : 'not offered', tone)} <small>${esc(v.answer)}</small>`, tone, why: VERSION_WHY[v.version] ?? '' };
  });
  rows.push(
    tri('Downgrade sentinel', r.downgrade.sentinel, 'present (RFC 8446 \u00a74.1.3)', 'missing', 'medium', 'A TLS 1.3 client notices an attacker who forced it down to TLS 1.2.'),
    tri('TLS_FALLBACK_SCSV', r.downgrade.fallbackScsv, 'honoured (RFC 7507)', 'not honoured', 'low', 'Stops an attacker from making clients retry with an older version.'),
  );
  return rows;
}

/**
 * The suites of every version in one table: a row per suite, a column per version giving its place
 * in the order the server chose them (blank: not accepted with that version).
 */
function suites(r: ScanResult): string {
  if (r.suites.length === 0) return '<p class="none">No cipher suite found.</p>';
  const seen = new Map<number, string>();
  for (const s of r.suites) for (const x of s.suites) if (!seen.has(x.code)) seen.set(x.code, x.name);
  const orders = r.suites.map((s) => {
    const weak = s.suites.some((x) => suiteInfo(x.code).weaknesses.length > 0 || x.encryptThenMac === false);
    const how = s.preference === 'server' ? pill('server order', 'ok') : s.preference === 'client' ? pill('client order', weak ? 'low' : 'info') : pill('one suite', 'none');
    return `<b>${esc(versionLabel(s.version))}</b> ${s.suites.length} ${s.suites.length === 1 ? 'suite' : 'suites'} ${how}`;
  });
  const head = r.suites.map((s) => `<th class="v">${esc(versionLabel(s.version).replace('TLS ', ''))}</th>`).join('');
  const rows = [...seen].map(([code, name]) => {
    const info = suiteInfo(code);
    const entries = r.suites.map((s) => s.suites.findIndex((x) => x.code === code));
    const etm = r.suites.flatMap((s) => s.suites.filter((x) => x.code === code).map((x) => x.encryptThenMac)).find((x) => x !== undefined);
    const notes: string[] = info.weaknesses.map((w) => pill(w.why.replace(/ \(.*\)$|:.*$/, ''), w.severity, w.why));
    const aead = /_(GCM|CCM|CHACHA20_POLY1305)/.test(info.name);
    const fs = info.keyExchange === 'TLS13' || /^(EC)?DHE_/.test(info.keyExchange);
    if (etm === true) notes.push(pill('CBC, encrypt-then-MAC', 'ok'));
    else if (etm === false) notes.push(pill('CBC, MAC-then-encrypt', 'low', 'no encrypt-then-MAC (RFC 7366): padding oracles such as Lucky 13'));
    if (notes.length === 0) notes.push(pill(`${aead ? 'AEAD' : 'CBC'}${fs ? ', forward secret' : ''}`, aead && fs ? 'ok' : 'none'));
    const worst = info.weaknesses[0];
    const tone: Tone = worst ? worst.severity : etm === false ? 'low' : 'ok';
    const why = worst ? (SUITE_WHY[worst.id] ?? worst.why) : etm === false ? SUITE_WHY['cbc-no-etm']! : aead && fs ? 'sound' : fs ? 'sound, if slower than AEAD' : '';
    const cells = entries.map((i) => `<td class="v">${i < 0 ? '' : `<span class="rank">${i + 1}</span>`}</td>`).join('');
    return `<tr class="t-${tone}"><td><code>0x${code.toString(16).padStart(4, '0')}</code></td><td><code class="suite">${esc(name)}</code></td><td>${esc(info.keyExchange === 'TLS13' ? '(any group)' : info.keyExchange)}</td>${cells}<td class="notes">${notes.join(' ')} <span class="why">${esc(why)}</span></td></tr>`;
  });
  return `<p class="order">${orders.join(' \u00a0\u00b7\u00a0 ')}</p>
<p class="note">A number is the suite\u2019s place in the order the server chose suites for that version (blank: not accepted with it). In <b>server order</b> the server picks from its own list whatever the client prefers; in <b>client order</b> it takes the client\u2019s first choice, weak or not.</p>
<table class="grid"><thead><tr><th>code</th><th>suite (IANA)</th><th>key exchange</th>${head}<th>notes, and why they matter</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`;
}

/** Names as a row of chips; `algorithms`: post-quantum groups marked, SHA-1 and MD5 schemes flagged. */
function chips(names: readonly string[], algorithms = false): string {
  const chip = (name: string): string =>
    `<code${!algorithms ? '' : /MLKEM/i.test(name) ? ' class="pq"' : /sha1|md5/i.test(name) ? ' class="weak" title="SHA-1 or MD5: forgeable by collision"' : ''}>${esc(name)}</code>`;
  return `<span class="chips">${names.map(chip).join('')}</span>`;
}

function keyExchangeRows(r: ScanView): Row[] {
  const g = r.groups;
  const rows: Row[] = [];
  if (g.tls13.length > 0) {
    const pq = g.tls13.some((n) => /MLKEM/i.test(n));
    rows.push({ check: 'TLS 1.3 groups', result: chips(g.tls13, true), tone: pq ? 'ok' : 'none', why: pq ? 'Includes post-quantum hybrids (ML-KEM): recorded traffic stays safe from a future quantum computer.' : 'The groups for the key exchange, in the server\u2019s order; no post-quantum hybrid offered.' });
  }
  if (g.tls13KeyShare) {
    const k = g.tls13KeyShare;
    rows.push({ check: 'TLS 1.3 key share', result: esc(k.helloRetryFor ? `${k.offered} not used: HelloRetryRequest for ${k.helloRetryFor}` : `${k.offered} used, no HelloRetryRequest`), tone: k.helloRetryFor ? 'info' : 'ok', why: 'A HelloRetryRequest costs a round trip for clients that guessed another group.' });
  }
  if (g.tls12Ecdhe.length > 0) rows.push({ check: 'ECDHE curves (TLS 1.2)', result: chips(g.tls12Ecdhe, true), tone: 'none', why: 'The curves for ECDHE in TLS 1.2 and older, in the server\u2019s order.' });
  if (g.dhe) {
    const d = g.dhe;
    const tone: Tone = d.bits < 1024 ? 'high' : d.bits < 2048 ? 'medium' : d.rfc7919 ? 'ok' : d.modp ? 'info' : 'low';
    const what = d.rfc7919 ? `${d.rfc7919} (RFC 7919)` : d.modp ? 'an RFC 3526 MODP group' : 'the server\u2019s own prime';
    rows.push({ check: 'DHE group', result: `${pill(`${d.bits} bits`, tone)} ${esc(what)}`, tone, why: d.bits < 2048 ? FINDING_WHY['dh-weak']! : d.rfc7919 ? 'A vetted group clients can ask for by name.' : (findingWhy(d.modp ? 'dh-modp' : 'dh-custom') ?? '') });
  }
  const sa = r.signatureAlgorithms;
  if (sa) {
    const weak = (xs: readonly string[]): boolean => xs.some((x) => /sha1|md5|sha224/i.test(x));
    const why = 'SHA-1 or MD5 signatures in the handshake let a collision forge it (SLOTH).';
    if (sa.tls13.length > 0) rows.push({ check: 'Signature schemes, TLS 1.3', result: chips(sa.tls13, true), tone: weak(sa.tls13) ? 'low' : 'ok', why: weak(sa.tls13) ? why : 'The schemes the server signs the TLS 1.3 handshake with.' });
    if (sa.tls12.length > 0) rows.push({ check: 'Signature schemes, TLS 1.2', result: chips(sa.tls12, true), tone: weak(sa.tls12) ? 'low' : 'ok', why: weak(sa.tls12) ? why : 'The schemes the server signs its key exchange with in TLS 1.2.' });
    if (sa.used.length > 0) rows.push({ check: 'Signature schemes used', result: chips(sa.used, true), tone: weak(sa.used) ? 'low' : 'none', why: 'What the server chose when the client offered its usual list.' });
  }
  if (rows.length === 0) return [{ check: 'Groups', result: 'none found', tone: 'none' }];
  return rows;
}

function certificates(r: ScanView): string {
  const all: readonly CertificateView[] = r.certificates && r.certificates.length > 0 ? r.certificates : r.certificate ? [r.certificate] : [];
  if (all.length === 0) return `<p class="bad">Not read: ${esc(r.certificateError ?? 'no handshake completed')}</p>`;
  const out = all.map((c) => certificateBlock(c, r.startedAt, all.length > 1));
  if (r.clientAuth !== undefined) out.push(`<h3>Client certificates</h3>${table(clientAuthRows(r.clientAuth))}`);
  return out.join('\n');
}

function certificateBlock(c: CertificateView, startedAt: string, titled: boolean): string {
  const out: string[] = [];
  if (titled || c.keyType !== undefined) {
    const what = [c.keyType ? `${c.keyType} chain` : 'Chain', c.serverName ? `for SNI ${c.serverName}` : c.serverName === null ? 'without SNI' : ''].filter((x) => x).join(' ');
    out.push(`<h3>${esc(what)}</h3>`);
  }
  out.push('<ol class="chain">');
  c.chain.forEach((x, i) => {
    const days = Math.floor((Date.parse(x.notAfter) - Date.parse(startedAt)) / DAY);
    const tone: Tone = days < 0 ? 'high' : days < 30 ? 'medium' : 'ok';
    out.push(
      `<li class="cert t-${tone}"><div class="cert-head"><span class="idx">${i}</span> <b>${esc(x.subject)}</b>${i === 0 ? ' <span class="pill">leaf</span>' : ''}${x.selfIssued ? ' <span class="pill">self-issued</span>' : ''}</div>` +
        `<dl><dt>Issuer</dt><dd>${esc(x.issuer)}</dd><dt>Key</dt><dd>${esc(x.key)}</dd><dt>Until</dt><dd>${esc(utc(x.notAfter))} ${pill(days < 0 ? `expired ${-days} days ago` : `${days} days left`, tone)}</dd>` +
        genericRows(x, ['subject', 'issuer', 'notAfter', 'key', 'selfIssued']).map((g) => `<dt>${esc(g.check)}</dt><dd>${g.result}${/sha1|md5/i.test(g.result) && !x.selfIssued ? ` ${pill('weak', 'high', 'a SHA-1 or MD5 signature can be forged by collision')}` : ''}</dd>`).join('') +
        '</dl></li>',
    );
  });
  out.push('</ol>');
  const expiry: Tone = c.expiresInDays < 0 ? 'high' : c.expiresInDays < 30 ? 'medium' : 'ok';
  const rows: Row[] = [
    { check: 'Trusted', result: c.chainError ? `${pill('no', 'high')} <code>${esc(c.chainError.code)}</code> <small>${esc(c.chainError.message)}</small>` : pill('yes', 'ok'), tone: c.chainError ? 'high' : 'ok', why: 'The chain leads to a CA the verifier trusts; otherwise every client warns or refuses.' },
    { check: 'Name', result: `${pill(c.coversName ? 'covered' : 'not covered', c.coversName ? 'ok' : 'high')} <b>${esc(c.name)}</b> ${c.subjectAltNames ? chips(c.subjectAltNames.split(', ')) : '<small>no subjectAltName</small>'}`, tone: c.coversName ? 'ok' : 'high', why: 'Clients check the certificate names the host they asked for.' },
    { check: 'Expires', result: `${pill(c.expiresInDays < 0 ? `expired ${-c.expiresInDays} days ago` : `in ${c.expiresInDays} days`, expiry)} ${esc(c.chain[0] ? utc(c.chain[0].notAfter) : '')}`, tone: expiry, why: 'An expired certificate takes the service down for every client.' },
    { check: 'Chain order', result: pill(c.inOrder ? 'in order' : 'not in order', c.inOrder ? 'ok' : 'low'), tone: c.inOrder ? 'ok' : 'low', why: 'Each certificate should be followed by its issuer (RFC 8446 \u00a74.4.2).' },
    { check: 'Chain complete', result: pill(c.missingIntermediate ? 'intermediate missing' : 'complete', c.missingIntermediate ? 'high' : 'ok'), tone: c.missingIntermediate ? 'high' : 'ok', why: 'Clients cannot fetch a missing intermediate themselves (browsers sometimes guess, others fail).' },
    tri('OCSP stapled', c.ocspStapled, 'yes', 'no', 'info', 'A stapled response spares clients asking the CA about revocation.'),
  ];
  if (c.mustStaple !== undefined) rows.push({ check: 'OCSP must-staple', result: pill(c.mustStaple ? 'yes' : 'no', c.mustStaple && !c.ocspStapled ? 'high' : 'none'), tone: 'none', why: 'With must-staple (RFC 7633) a client refuses the certificate without a stapled response.' });
  if (c.scts !== undefined) rows.push({ check: 'SCTs', result: pill(String(c.scts), c.scts > 0 ? 'ok' : 'info'), tone: c.scts > 0 ? 'ok' : 'info', why: 'Certificate Transparency proofs; Chrome and Safari require them for public certificates.' });
  if (c.signatureAlgorithm !== undefined) {
    const weak = /sha1|md5/i.test(c.signatureAlgorithm);
    rows.push({ check: 'Signature', result: pill(c.signatureAlgorithm, weak ? 'high' : 'ok'), tone: weak ? 'high' : 'ok', why: weak ? 'SHA-1 signatures can be forged by collision (SHAttered).' : 'The algorithm the issuer signed the leaf with.' });
  }
  rows.push({ check: 'Read from', result: `${esc(c.protocol)}; the verifier says <code>${esc(c.verifyError ? c.verifyError.code : 'OK')}</code>`, tone: 'none', why: 'The handshake the chain came from, and the verdict with the name check.' });
  rows.push(...genericRows(c, ['protocol', 'chain', 'subjectAltNames', 'expiresInDays', 'coversName', 'name', 'verifyError', 'chainError', 'inOrder', 'missingIntermediate', 'ocspStapled', 'mustStaple', 'scts', 'signatureAlgorithm', 'keyType', 'serverName']));
  out.push(table(rows));
  return out.join('\n');
}

function clientAuthRows(a: ScanView['clientAuth']): Row[] {
  if (!a) return [{ check: 'Requested', result: pill('no', 'none'), tone: 'none', why: 'The server does not ask clients for a certificate.' }];
  return [
    { check: 'Requested', result: pill(a.requested ? 'yes' : 'no', 'none'), tone: 'none', why: 'Whether the server asks clients for a certificate (mutual TLS).' },
    { check: 'CA names', result: a.certificateAuthorities.length > 0 ? a.certificateAuthorities.map((n) => `<div>${esc(n)}</div>`).join('') : '<small>none named</small>', tone: 'none', why: 'The CAs whose certificates the server accepts; these names are visible to anyone watching.' },
    { check: 'Signature schemes', result: chips(a.signatureAlgorithms, true), tone: 'none', why: 'What the client\u2019s CertificateVerify may be signed with.' },
  ];
}

function featureRows(r: ScanView): Row[] {
  const f = r.features;
  const rows: Row[] = [
    { check: 'ALPN', result: f.alpn.length > 0 ? chips(f.alpn) : '<small>none of h2, http/1.1</small>', tone: 'none', why: 'The application protocols the server speaks (h2: HTTP/2).' },
    tri('Extended master secret', f.extendedMasterSecret, 'yes (RFC 7627)', 'no', 'medium', 'Binds the keys to the whole handshake (triple handshake attack).'),
    tri('Secure renegotiation', f.secureRenegotiation, 'yes (RFC 5746)', 'no', 'medium', 'Without it, an attacker can prefix a client\u2019s request with their own.'),
    tri('Session ticket', f.sessionTicket, 'yes', 'no', 'none', 'Faster reconnections; the ticket key must be rotated to keep forward secrecy.'),
    tri('Encrypt-then-MAC', f.encryptThenMac, 'yes (RFC 7366)', 'no', 'low', 'Makes CBC suites immune to padding oracles.'),
    tri('OCSP stapling', f.ocspStapling, 'yes', 'no', 'info', 'Revocation status delivered with the handshake.'),
  ];
  if (f.clientRenegotiation !== undefined) rows.push(tri('Client-initiated renegotiation', f.clientRenegotiation, 'accepted', 'refused', 'none', 'Each renegotiation costs the server a full handshake: an easy denial of service.', { yes: 'medium', no: 'ok' }));
  if (f.earlyData !== undefined) {
    const e = f.earlyData;
    rows.push({ check: '0-RTT early data', result: e === null ? pill('n/a', 'none') : `${pill(e.accepted ? 'accepted' : 'not accepted', e.accepted ? 'info' : 'none')}${e.maxEarlyDataSize !== null ? ` <small>max ${e.maxEarlyDataSize} bytes</small>` : ''}`, tone: 'none', why: 'Saves a round trip, but early data can be replayed by an attacker (RFC 8446 \u00a78).' });
  }
  if (f.compression !== undefined) rows.push(tri('TLS compression', f.compression, 'enabled', 'disabled', 'none', 'Compression leaks secrets through the record sizes (CRIME).', { yes: 'high', no: 'ok' }));
  if (f.heartbeat !== undefined) rows.push(tri('Heartbeat', f.heartbeat, 'offered', 'not offered', 'none', 'Unneeded by TLS over TCP; the extension behind Heartbleed.', { yes: 'info', no: 'ok' }));
  if (f.recordSizeLimit !== undefined) rows.push({ check: 'Record size limit', result: f.recordSizeLimit === null ? pill('ignored', 'none') : pill(`${f.recordSizeLimit} bytes`, 'ok'), tone: 'none', why: 'Lets constrained clients receive small records (RFC 8449).' });
  if (f.resumption !== undefined) {
    const s = f.resumption;
    const one = (label: string, v: boolean | null): string => `${label} ${pill(v === null ? 'n/a' : v ? 'yes' : 'no', v ? 'ok' : 'none')}`;
    rows.push({ check: 'Resumption', result: [one('session ID', s.sessionId), one('ticket', s.ticket), one('TLS 1.3 PSK', s.tls13Psk)].join(' \u00a0 ') + (s.ticketLifetimeSeconds !== null ? ` <small>ticket lifetime ${esc(duration(s.ticketLifetimeSeconds))}</small>` : ''), tone: 'none', why: 'Resumed connections skip the key exchange and certificate: faster for returning clients.' });
  }
  rows.push(...genericRows(f, ['alpn', 'extendedMasterSecret', 'secureRenegotiation', 'sessionTicket', 'encryptThenMac', 'ocspStapling', 'clientRenegotiation', 'earlyData', 'compression', 'heartbeat', 'recordSizeLimit', 'resumption']));
  return rows;
}

function vulnerabilityRows(r: ScanView): Row[] {
  const names = new Set(r.suites.flatMap((s) => s.suites.map((x) => x.name)));
  const any = (re: RegExp): string[] => [...names].filter((n) => re.test(n));
  const derived = (check: string, hits: readonly string[] | boolean, severity: Severity, why: string, ok = 'not vulnerable'): Row => {
    const bad = typeof hits === 'boolean' ? hits : hits.length > 0;
    const list = typeof hits === 'boolean' || hits.length === 0 ? '' : ` ${chips(hits.slice(0, 4))}${hits.length > 4 ? ` <small>and ${hits.length - 4} more</small>` : ''}`;
    return { check, result: `${pill(bad ? 'vulnerable' : ok, bad ? severity : 'ok')} <small>derived</small>${list}`, tone: bad ? severity : 'ok', why };
  };
  const dhe = r.groups.dhe;
  const rows: Row[] = [
    derived('DROWN (SSL 2.0)', r.versions.some((x) => x.version === 'SSLv2' && x.accepted), 'high', 'A server that still answers SSL 2.0 with the same RSA key lets its TLS sessions be decrypted (CVE-2016-0800).'),
    derived('POODLE (SSL 3.0)', r.versions.some((x) => x.version === 'SSLv3' && x.accepted), 'high', 'CBC padding in SSL 3.0 is not checked: records are decrypted byte by byte (CVE-2014-3566).'),
    derived('BEAST', (r.suites.find((x) => x.version === 'TLSv1')?.suites ?? []).map((x) => x.name).filter((n) => /_CBC_/.test(n)), 'low', 'TLS 1.0 CBC with predictable IVs (CVE-2011-3389); clients work around it today.'),
    derived('SWEET32', any(/_(3DES|IDEA|RC2)_/), 'medium', 'Birthday collisions of 64-bit blocks (CVE-2016-2183).'),
    derived('FREAK', any(/^TLS_RSA_EXPORT/), 'high', 'Export RSA keys of 512 bits (CVE-2015-0204).'),
    derived('LOGJAM', [...any(/^TLS_DHE?_.*EXPORT/), ...(dhe && dhe.bits <= 1024 ? [`DH ${dhe.bits} bits`] : [])], 'high', 'Export or small DH groups, broken by precomputation (CVE-2015-4000).'),
    derived('RC4', any(/_RC4_/), 'high', 'Biases in RC4\u2019s keystream reveal plaintext (CVE-2013-2566, CVE-2015-2808).'),
    derived('Insecure renegotiation', r.features.secureRenegotiation === false, 'medium', 'Without RFC 5746, a renegotiation splices an attacker\u2019s data in front of a client\u2019s (CVE-2009-3555).'),
  ];
  if (r.features.compression !== undefined) rows.push(derived('CRIME', r.features.compression === true, 'high', 'TLS compression leaks secrets through the record sizes (CVE-2012-4929).'));
  const v = r.vulnerabilities;
  if (v) {
    if (v.robot !== undefined) rows.push(probed('ROBOT', v.robot, 'high', 'An RSA padding oracle lets an attacker decrypt or sign with the server\u2019s key (Bleichenbacher, 2017).'));
    for (const [k, x] of Object.entries(v)) {
      if (k === 'robot') continue;
      rows.push(isFlag(x) ? probed(label(k), x, 'high', '') : { check: label(k), result: esc(fmt(x)), tone: 'none' });
    }
  }
  return rows;
}

function probed(check: string, x: Flag | null, severity: Severity, why: string): Row {
  if (x === null) return { check, result: `${pill('not tested', 'none')} <small>not applicable</small>`, tone: 'none', why };
  const tone: Tone = x.vulnerable === null ? 'none' : x.vulnerable ? severity : 'ok';
  return { check, result: `${pill(x.vulnerable === null ? 'unknown' : x.vulnerable ? 'vulnerable' : 'not vulnerable', tone)} <small>probed: ${esc(x.evidence)}</small>`, tone, why };
}

function isFlag(x: unknown): x is Flag {
  return typeof x === 'object' && x !== null && 'vulnerable' in x && 'evidence' in x;
}

/** Top-level fields this page has no section for: shown as they are. */
function otherRows(r: ScanResult): Row[] {
  return genericRows(r, ['schema', 'target', 'quick', 'startedAt', 'durationMs', 'connections', 'versions', 'downgrade', 'suites', 'groups', 'certificate', 'certificateError', 'features', 'findings', 'grade', 'signatureAlgorithms', 'certificates', 'clientAuth', 'vulnerabilities']).concat(
    genericRows(r.target, ['host', 'port', 'serverName', 'starttls']).map((x) => ({ ...x, check: `target ${x.check}` })),
  );
}

function genericRows(o: object, known: readonly string[]): Row[] {
  return Object.entries(o)
    .filter(([k]) => !known.includes(k))
    .map(([k, v]) => ({ check: label(k), result: esc(fmt(v)), tone: 'none' as const }));
}

/** A value of a field this page does not know, as text. */
function fmt(v: unknown): string {
  if (v === null || v === undefined) return 'n/a';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map(fmt).join(', ');
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${label(k)}: ${fmt(x)}`).join('; ');
  return String(v);
}

/** "recordSizeLimit" → "Record size limit". */
function label(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A yes/no/n-a row: `bad` is the tone of "no" (or per-answer tones). */
function tri(check: string, v: boolean | null, yes: string, no: string, bad: Tone, why: string, tones?: { yes: Tone; no: Tone }): Row {
  const tone: Tone = v === null ? 'none' : v ? (tones?.yes ?? 'ok') : (tones?.no ?? bad);
  return { check, result: pill(v === null ? 'n/a' : v ? yes : no, tone), tone, why };
}

function table(rows: readonly Row[]): string {
  return `<table class="checks"><tbody>${rows
    .map((x) => `<tr class="t-${x.tone}"><th>${esc(x.check)}</th><td class="res">${x.result}</td><td class="why">${esc(x.why ?? '')}</td></tr>`)
    .join('\n')}</tbody></table>`;
}

function pill(text: string, tone: Tone, title?: string): string {
  return `<span class="pill ${tone}"${title ? ` title="${esc(title)}"` : ''}>${esc(text)}</span>`;
}

function duration(seconds: number): string {
  return seconds >= 86_400 && seconds % 3600 === 0 ? `${seconds / 3600} h` : seconds >= 3600 ? `${(seconds / 3600).toFixed(1)} h` : `${seconds} s`;
}

function utc(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}

/** Text for HTML content and attribute values alike. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

// The handshake ladder's page (src/trace/html.ts) sets the look: its palette, type and cards.
const CSS = `
:root{--ok:#2e7d32;--high:#c62828;--medium:#d84315;--low:#8a5a00;--info:#455a64;--muted:#5f6b7a;--line:#d7dde5;--bg:#f6f8fa;
--ok-bg:#e8f5e9;--high-bg:#ffebee;--medium-bg:#fbe9e7;--low-bg:#fff4dc;--info-bg:#eceff1;--accent:#1565c0}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2933;background:#fff}
code{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.88em}
a{color:var(--accent);text-decoration:none}
header.top{display:flex;gap:26px;align-items:center;padding:22px 32px 18px;border-bottom:1px solid var(--line);background:var(--bg)}
.grade{flex:none;width:116px;height:116px;border-radius:18px;color:#fff;display:flex;flex-direction:column;align-items:center;justify-content:center;box-shadow:0 2px 10px rgba(0,0,0,.12)}
.grade span{font-size:60px;font-weight:750;line-height:1;letter-spacing:-2px}
.grade small{color:#fff;font-size:12px;text-transform:uppercase;letter-spacing:2px;opacity:.85;margin-top:4px}
.g-aplus,.g-a{background:var(--ok)}.g-b{background:#9e7700}.g-c{background:var(--medium)}.g-f{background:var(--high)}
.head h1{margin:0 0 4px;font-size:28px;font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;word-break:break-all}
.kicker{margin:0;color:var(--muted);font-size:13px;text-transform:uppercase;letter-spacing:1.5px}
.facts{margin:2px 0 8px;color:#334}
.counts{margin:0 0 6px}
.gradewhy{margin:0;font-size:13px;color:var(--muted)}
.head{flex:1}
.glance{flex:none;display:grid;grid-template-columns:max-content auto;gap:5px 12px;margin:0;padding:12px 16px;background:#fff;border:1px solid var(--line);border-radius:8px;font-size:14px;max-width:460px}
.glance dt{color:var(--muted)}.glance dd{margin:0}
.sev{display:inline-block;font-size:13px;padding:1px 10px;border-radius:12px;margin-right:6px;text-transform:uppercase;letter-spacing:.5px;font-weight:600}
.sev b{font-size:14px}
.sev.high{background:var(--high);color:#fff}.sev.medium{background:var(--medium);color:#fff}.sev.low{background:#f0b429;color:#3d2b00}.sev.info{background:#90a4ae;color:#fff}
.sev.zero{background:#fff;color:#9aa5b1;border:1px solid var(--line)}
nav.toc{padding:8px 32px;border-bottom:1px solid var(--line);background:rgba(255,255,255,.96);font-size:14px}
nav.toc a{display:inline-block;margin-right:18px;font-weight:600}
main{padding:0 32px 24px;max-width:1280px}
section{padding:14px 0 10px;border-bottom:2px solid var(--line)}
section:last-child{border-bottom:0}
h2{font-size:20px;margin:6px 0 10px}
h3{font-size:16px;margin:14px 0 6px}
h3 small{font-weight:400;color:var(--muted)}
.none{color:var(--muted)}
p.bad{color:var(--high);font-weight:600}
.note{font-size:13px;color:var(--muted);margin:6px 0}
.findings{display:grid;gap:10px}
.group{border:1px solid var(--line);border-left:5px solid var(--c);border-radius:6px;padding:4px 14px 8px;background:#fff}
.group.high{--c:var(--high)}.group.medium{--c:var(--medium)}.group.low{--c:#f0b429}.group.info{--c:#90a4ae}
.group h3{margin:8px 0 4px;font-size:14px;color:var(--muted);font-weight:600}
.group ul{list-style:none;margin:0;padding:0}
.group li{display:grid;grid-template-columns:1fr auto;column-gap:16px;padding:6px 0}
.group li+li{border-top:1px solid #eef1f4}
.group .verdict{font-weight:600}
.group .why,.group .names{grid-column:1 / span 2;font-size:13.5px;color:var(--muted)}
.group .id{color:#9aa5b1;font-size:12px;align-self:start;padding-top:2px}
.names{margin-top:3px}
.names code,.chips code{display:inline-block;margin:1px 4px 1px 0;padding:0 6px;border-radius:4px;background:var(--bg);border:1px solid #e3e8ee;font-size:12.5px}
.chips code.pq{background:#ede7f6;border-color:#d1c4e9;color:#4527a0}
.chips code.weak{background:var(--high-bg);border-color:#f5c6c6;color:var(--high)}
table{border-collapse:collapse;width:100%;font-size:14px}
table.checks{table-layout:fixed}
table.checks th{text-align:left;vertical-align:top;padding:6px 16px 6px 10px;color:#37474f;font-weight:600;width:230px}
table.checks td{padding:6px 12px 6px 0;vertical-align:top;overflow-wrap:anywhere}
table.checks td.res{width:42%}
table.checks tr,table.grid tbody tr{border-top:1px solid #eef1f4}
table.checks tr>th{border-left:4px solid transparent}
.t-ok>th:first-child{border-left-color:var(--ok)!important}.t-high>th:first-child,.t-high>td:first-child{border-left-color:var(--high)!important}
.t-medium>th:first-child,.t-medium>td:first-child{border-left-color:var(--medium)!important}.t-low>th:first-child,.t-low>td:first-child{border-left-color:#f0b429!important}
.t-info>th:first-child,.t-info>td:first-child{border-left-color:#90a4ae!important}
td.why{font-size:13px;color:var(--muted)}
small{color:var(--muted)}
.pill{display:inline-block;font-size:12.5px;line-height:18px;padding:0 8px;border-radius:9px;background:var(--info-bg);color:#455a64;white-space:nowrap}
.pill.ok{background:var(--ok-bg);color:var(--ok)}.pill.high{background:var(--high-bg);color:var(--high);font-weight:600}
.pill.medium{background:var(--medium-bg);color:var(--medium);font-weight:600}.pill.low{background:var(--low-bg);color:var(--low)}
.pill.info{background:var(--info-bg);color:var(--info)}.pill.none{background:#f3f5f7;color:#52606d}
.suites{margin-bottom:14px}
.order{margin:0 0 6px;font-size:14px}
table.grid th{text-align:left;font-size:12px;text-transform:uppercase;letter-spacing:.5px;color:var(--muted);font-weight:600;padding:4px 10px 4px 0;border-bottom:1px solid var(--line)}
table.grid td{padding:4px 10px 4px 0;vertical-align:top}
table.grid td:first-child{border-left:4px solid var(--ok);padding-left:8px;color:var(--muted)}
table.grid th:first-child{padding-left:12px}
table.grid .v{text-align:center;width:44px;padding-right:6px}
.rank{display:inline-block;min-width:24px;padding:0 4px;border-radius:9px;background:#e3f2fd;color:#0d47a1;font-size:12px;font-variant-numeric:tabular-nums}
code.suite{font-size:13px;font-weight:600}
table.grid .why{font-size:12.5px;color:var(--muted);margin-left:4px}
ol.chain{list-style:none;margin:0 0 10px;padding:0;display:flex;flex-wrap:wrap;gap:10px}
.cert{flex:1 1 340px;max-width:560px;padding:8px 12px;border:1px solid var(--line);border-left:4px solid var(--ok);border-radius:6px;font-size:14px}
.cert.t-high{border-left-color:var(--high)}.cert.t-medium{border-left-color:var(--medium)}
.cert .idx{display:inline-block;min-width:22px;height:22px;line-height:22px;text-align:center;border-radius:11px;background:#263238;color:#fff;font-size:12px}
.cert dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:6px 0 0}
.cert dt{color:var(--muted)}.cert dd{margin:0;word-break:break-word}
footer{padding:14px 32px 22px;font-size:13px;color:var(--muted);border-top:1px solid var(--line);background:var(--bg)}
@media (max-width:900px){header.top{flex-direction:column;align-items:flex-start}table.checks td.why,table.grid td.why{display:none}}
@media (max-width:600px){header.top,nav.toc,main,footer{padding-left:14px;padding-right:14px}.head h1{font-size:22px}}
@media print{nav.toc{display:none}section{break-inside:avoid-page}header.top,.grade,.sev,.pill{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`;
