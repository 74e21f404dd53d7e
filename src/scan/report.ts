/**
 * The terminal report, grouped as testssl.sh's is: protocols, cipher suites, key exchange,
 * certificate, features, then the findings with their verdicts and the grade.
 */
import type { CertificateResult, ScanResult } from './result.js';

const yesNo = (v: boolean | null, yes = 'yes', no = 'no', none = 'n/a'): string => (v === null ? none : v ? yes : no);

function rows(pairs: readonly (readonly [string, string])[], indent = '  '): string[] {
  const width = Math.max(...pairs.map(([k]) => k.length)) + 2;
  return pairs.map(([k, v]) => `${indent}${k.padEnd(width)}${v}`);
}

export function renderReport(r: ScanResult): string {
  const out: string[] = [];
  const host = r.target.host.includes(':') ? `[${r.target.host}]` : r.target.host;
  out.push(`tlsglass scan ${host}:${r.target.port}${r.target.serverName ? ` (SNI ${r.target.serverName})` : ''}${r.target.starttls ? ` --starttls ${r.target.starttls}` : ''}${r.quick ? ' --quick' : ''}`, '');

  out.push('Protocols');
  out.push(...rows([
    ...[...r.versions].reverse().map((v) => [v.version, v.accepted ? 'offered' : `not offered (${v.answer})`] as const),
    ['downgrade sentinel', yesNo(r.downgrade.sentinel, 'yes (RFC 8446 §4.1.3)', 'MISSING')],
    ['TLS_FALLBACK_SCSV', yesNo(r.downgrade.fallbackScsv, 'honoured (RFC 7507)', 'NOT honoured')],
  ]), '');

  out.push('Cipher suites');
  if (r.suites.length === 0) out.push('  none found');
  for (const s of r.suites) {
    const order = s.preference === null ? '' : s.preference === 'server' ? ', server order' : ', client order';
    out.push(`  ${s.version} (${s.suites.length}${order})`);
    for (const x of s.suites) {
      const etm = x.encryptThenMac === undefined ? '' : x.encryptThenMac ? '  encrypt-then-MAC' : '  CBC, no encrypt-then-MAC';
      out.push(`    0x${x.code.toString(16).padStart(4, '0')}  ${x.name}${etm}`);
    }
  }
  out.push('');

  const g = r.groups;
  out.push('Key exchange');
  const groupRows: [string, string][] = [];
  if (g.tls13.length > 0) groupRows.push(['TLS 1.3 groups', g.tls13.join(', ')]);
  if (g.tls13KeyShare) groupRows.push(['TLS 1.3 key share', g.tls13KeyShare.helloRetryFor ? `${g.tls13KeyShare.offered} not used: HelloRetryRequest for ${g.tls13KeyShare.helloRetryFor}` : `${g.tls13KeyShare.offered} used, no HelloRetryRequest`]);
  if (g.tls12Ecdhe.length > 0) groupRows.push(['ECDHE curves', g.tls12Ecdhe.join(', ')]);
  if (g.dhe) groupRows.push(['DHE group', `${g.dhe.bits} bits${g.dhe.rfc7919 ? ` (${g.dhe.rfc7919}, RFC 7919)` : g.dhe.modp ? ' (RFC 3526 MODP group)' : " (the server's own prime)"}`]);
  out.push(...(groupRows.length > 0 ? rows(groupRows) : ['  none found']), '');

  out.push('Certificate');
  const c = r.certificate;
  if (!c) out.push(`  not read: ${r.certificateError ?? 'no handshake completed'}`);
  else {
    c.chain.forEach((x, i) => out.push(`  ${i}  ${x.subject}  (${x.key}, until ${x.notAfter.slice(0, 10)})`, `     issuer ${x.issuer}`));
    out.push(...rows([
      ['trusted', c.chainError ? `NO: ${c.chainError.code}` : 'yes'],
      ['name', `${c.name}: ${c.coversName ? 'covered' : 'NOT covered'} (${c.subjectAltNames || 'no subjectAltName'})`],
      ['expires', c.expiresInDays < 0 ? `EXPIRED ${-c.expiresInDays} days ago` : `in ${c.expiresInDays} days`],
      ['chain order', c.inOrder ? 'ok' : 'NOT in order'],
      ['chain complete', c.missingIntermediate ? 'NO: intermediate missing' : 'yes'],
      ['handshake', `${c.protocol}, verifier says ${c.verifyError ? c.verifyError.code : 'OK'}`],
      ...certificateExtras(c),
    ]));
  }
  out.push('');
  out.push(...renderChainsAndSignatures(r));

  const f = r.features;
  out.push('Features');
  out.push(...rows([
    ['ALPN', f.alpn.length > 0 ? f.alpn.join(', ') : 'none of h2, http/1.1'],
    ['extended master secret', yesNo(f.extendedMasterSecret)],
    ['secure renegotiation', yesNo(f.secureRenegotiation)],
    ['session ticket', yesNo(f.sessionTicket)],
    ['encrypt-then-MAC', yesNo(f.encryptThenMac)],
    ['OCSP stapling', yesNo(f.ocspStapling)],
    ['client renegotiation', yesNo(f.clientRenegotiation, 'ACCEPTED', 'refused')],
    ['0-RTT (early data)', f.earlyData === null ? 'n/a' : f.earlyData.accepted ? `ACCEPTED${f.earlyData.maxEarlyDataSize !== null ? ` (max ${f.earlyData.maxEarlyDataSize} bytes)` : ''}` : 'no'],
    ['compression', yesNo(f.compression, 'DEFLATE ACCEPTED', 'no')],
    ['heartbeat', yesNo(f.heartbeat)],
    ['record size limit', f.recordSizeLimit === null ? 'not answered' : String(f.recordSizeLimit)],
    ['resumption', `session ID ${yesNo(f.resumption.sessionId)}, ticket ${yesNo(f.resumption.ticket)}, TLS 1.3 PSK ${yesNo(f.resumption.tls13Psk)}`],
    ['ticket lifetime', f.resumption.ticketLifetimeSeconds === null ? 'n/a' : `${f.resumption.ticketLifetimeSeconds} s`],
    ['client certificate', clientAuthText(r)],
  ]), '');

  const robot = r.vulnerabilities.robot;
  out.push('Vulnerabilities');
  out.push(...rows([['ROBOT', robot === null ? 'n/a (no RSA key exchange, or --quick)' : `${robot.vulnerable === null ? 'UNDECIDED' : robot.vulnerable ? 'VULNERABLE' : 'not vulnerable'}: ${robot.evidence}`]]), '');

  out.push('Findings');
  if (r.findings.length === 0) out.push('  none');
  for (const x of r.findings) out.push(`  ${x.severity.toUpperCase().padEnd(7)}${x.verdict}`);
  out.push('', `Grade ${r.grade}  (${r.connections} connections, ${(r.durationMs / 1000).toFixed(1)} s)`, '');
  return out.join('\n');
}

function certificateExtras(c: CertificateResult): [string, string][] {
  return [
    ['signature', c.signatureAlgorithm],
    ['must-staple', c.mustStaple ? `yes (RFC 7633)${c.ocspStapled ? '' : ', NOTHING STAPLED'}` : 'no'],
    ['SCTs', String(c.scts)],
  ];
}

/** Signature algorithms, then every chain other than the primary one. */
function renderChainsAndSignatures(r: ScanResult): string[] {
  const out: string[] = [];
  const s = r.signatureAlgorithms;
  if (s) {
    out.push('Signature algorithms');
    const list = (x: readonly string[]): string => (x.length > 0 ? x.join(', ') : 'none found');
    // --quick asks TLS 1.2 only when the server has no TLS 1.3.
    const tls12 = r.quick && s.tls12.length === 0 && s.tls13.length > 0 ? 'not probed (--quick)' : list(s.tls12);
    out.push(...rows([['TLS 1.3', list(s.tls13)], ['TLS 1.2', tls12], ['used', list(s.used)]]), '');
  }
  const others = (r.certificates ?? []).filter((x) => !r.certificate || JSON.stringify(x.chain) !== JSON.stringify(r.certificate.chain));
  if ((r.certificates ?? []).length > 0) {
    out.push(`Chains (${r.certificates.length} distinct)`);
    for (const x of r.certificates) {
      const sni = x.serverName === null ? 'no SNI' : `SNI ${x.serverName}`;
      out.push(`  ${x.keyType}, ${sni}${others.includes(x) ? '' : ' (the certificate above)'}: ${x.chain[0]!.subject} (${x.chain[0]!.key}), ${x.chainError ? `NOT trusted: ${x.chainError.code}` : 'trusted'}, ${x.coversName ? 'covers' : 'does NOT cover'} ${x.name}`);
    }
    out.push('');
  }
  return out;
}

function clientAuthText(r: ScanResult): string {
  const a = r.clientAuth;
  if (!a) return 'n/a';
  if (!a.requested) return 'not requested';
  const cas = a.certificateAuthorities.length > 0 ? a.certificateAuthorities.join('; ') : 'any CA (no list)';
  return `requested; CAs: ${cas}; signatures: ${a.signatureAlgorithms.join(', ')}`;
}
