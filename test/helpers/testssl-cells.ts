/**
 * testssl.sh's --jsonfile findings and `tlsglass scan --json` turned into the same questions, one
 * cell per (finding, server), each tool's answer a short string (test/interop/scan-testssl.test.ts
 * compares them and writes the README's agreement table).
 */
import type { CertificateResult, ScanResult } from '../../src/scan/result.js';

export interface TestsslEntry {
  readonly id: string;
  readonly severity: string;
  readonly finding: string;
}

/** One row of the comparison: the same question, each tool's answer as a short string. */
export interface Cell {
  readonly finding: string;
  readonly server: string;
  readonly tlsglass: string;
  readonly testssl: string;
}

const VERSION_IDS = { SSLv2: 'SSLv2', SSLv3: 'SSLv3', TLSv1: 'TLS1', 'TLSv1.1': 'TLS1_1', 'TLSv1.2': 'TLS1_2', 'TLSv1.3': 'TLS1_3' } as const;
const CIPHER_PREFIX = { TLSv1: 'tls1', 'TLSv1.1': 'tls1_1', 'TLSv1.2': 'tls1_2', 'TLSv1.3': 'tls1_3', SSLv3: 'ssl3' } as const;
/** testssl's (OpenSSL's) curve names → IANA's. */
const CURVES: Record<string, string> = { prime256v1: 'secp256r1', secp384r1: 'secp384r1', secp521r1: 'secp521r1', X25519: 'x25519', X448: 'x448' };

const yesNo = (b: boolean | null | undefined): string => (b === null || b === undefined ? 'n/a' : b ? 'yes' : 'no');
const ecGroups = (r: ScanResult): string[] => [...new Set([...r.groups.tls12Ecdhe, ...r.groups.tls13.filter((g) => !g.startsWith('ffdhe') && !g.includes('MLKEM'))])].sort();
const has = (r: ScanResult, id: string): boolean => r.findings.some((f) => f.id === id);

/** Every cell testssl's checks for this server produced, with tlsglass's answer to the same question. */
export function cells(label: string, r: ScanResult, ts: readonly TestsslEntry[]): Cell[] {
  const out: Cell[] = [];
  const get = (id: string): TestsslEntry | undefined => ts.find((e) => e.id === id);
  const add = (finding: string, tlsglass: string, testssl: string): void => void out.push({ finding, server: label, tlsglass, testssl });

  if (get('TLS1_2')) {
    const offered = Object.entries(VERSION_IDS).filter(([, id]) => /^offered/.test(get(id)?.finding ?? '')).map(([v]) => v);
    add('versions', r.versions.filter((v) => v.accepted).map((v) => v.version).sort().join(' '), offered.sort().join(' '));
  }
  if (ts.some((e) => e.id.startsWith('cipher-'))) {
    for (const [version, prefix] of Object.entries(CIPHER_PREFIX)) {
      const theirs = ts.filter((e) => e.id.startsWith(`cipher-${prefix}_x`)).map((e) => e.finding.trim().split(/\s+/).pop()!);
      const ours = r.suites.find((s) => s.version === version)?.suites.map((s) => s.name) ?? [];
      if (theirs.length + ours.length > 0) add(`suites ${version}`, ours.sort().join(' '), theirs.sort().join(' '));
    }
  }
  const curves = get('PFS_ECDHE_curves');
  if (curves) add('ECDHE curves', ecGroups(r).join(' '), curves.finding.split(/\s+/).map((c) => CURVES[c] ?? c).sort().join(' '));
  const ffdhe = get('DH_groups');
  if (ffdhe) add('FFDHE groups', r.groups.tls13.filter((g) => g.startsWith('ffdhe')).join(' '), ffdhe.finding);
  const ext = get('TLS_extensions');
  if (ext) {
    add('extended master secret', yesNo(r.features.extendedMasterSecret), yesNo(ext.finding.includes('extended master secret/#23')));
    add('encrypt-then-MAC', yesNo(r.features.encryptThenMac), yesNo(ext.finding.includes('encrypt-then-mac/#22')));
  }
  const reneg = get('secure_renego');
  if (reneg) add('secure renegotiation', yesNo(r.features.secureRenegotiation), yesNo(/^supported/.test(reneg.finding)));
  // testssl's verdicts by its severity: OK or INFO, else it found the weakness (LOGJAM in 3.0.8: export DH
  // suites, or a DH prime under 2048 bits in no list of common primes).
  // An id may come twice (LOGJAM: OK for export suites, MEDIUM for the prime): the worst decides.
  const verdict = (id: string): string => (ts.every((e) => e.id !== id || ['OK', 'INFO'].includes(e.severity)) ? 'ok' : 'vulnerable');
  const checks: [string, string, boolean][] = [
    ['TLS_FALLBACK_SCSV', 'fallback_SCSV', r.downgrade.fallbackScsv === false],
    ['Sweet32', 'SWEET32', has(r, 'suite-sweet32')],
    ['RC4', 'RC4', has(r, 'suite-rc4')],
    ['weak DH (LOGJAM)', 'LOGJAM', has(r, 'dh-weak') || has(r, 'suite-export')],
  ];
  checks.push(['client-initiated renegotiation', 'secure_client_renego', r.features.clientRenegotiation === true]);
  checks.push(['ROBOT', 'ROBOT', r.vulnerabilities.robot?.vulnerable === true]);
  for (const [finding, id, weak] of checks) {
    if (get(id)) add(finding, weak ? 'vulnerable' : 'ok', verdict(id));
  }
  // Certificates: testssl numbers them (" <cert#1>", …) when the server has more than one (one per key
  // type); each is matched with tlsglass's chain of the same key type (`certificates`, else the primary one).
  const numbered = [...new Set(ts.map((e) => / <cert#\d+>$/.exec(e.id)?.[0]).filter((s) => s !== undefined))];
  const ours = (r as { certificates?: readonly CertificateResult[] }).certificates ?? (r.certificate ? [r.certificate] : []);
  for (const suffix of numbered.length > 0 ? numbered : ['']) {
    const field = (id: string): string => get(id + suffix)?.finding ?? '';
    const keySize = field('cert_keySize');
    if (!keySize) continue;
    const kind = keySize.split(' ')[0]!.replace('ECDSA', 'EC');
    // The chain of this key type the scanned name got (`certificates` has others, for other names).
    const sameKind = ours.filter((x) => x.chain[0]!.key.startsWith(kind));
    const c = sameKind.find((x) => ((x as { serverName?: string | null }).serverName ?? r.target.serverName) === r.target.serverName) ?? sameKind[0];
    const label = (finding: string): string => (numbered.length > 0 ? `${finding} (${kind})` : finding);
    if (!c) {
      add(label('certificate'), 'not seen', `${keySize.replace(/ bits.*/, '')}, name ${/^Ok via/.test(field('cert_trust')) ? 'covered' : 'not covered'}`);
      continue;
    }
    const both = (finding: string, tlsglass: (c: CertificateResult) => string, testssl: string): void => add(label(finding), tlsglass(c), testssl);
    both('certificate key', (c) => c.chain[0]!.key.replace(' bits', '').replace('EC prime256v1', 'EC 256'), keySize.replace(/ bits.*/, '').replace(/^EC(DSA)? /, 'EC '));
    both('certificate expired', (c) => yesNo(c.expiresInDays < 0), yesNo(/expired/i.test(field('cert_expirationStatus'))));
    both('certificate name', (c) => (c.coversName ? 'covered' : 'not covered'), /^Ok via/.test(field('cert_trust')) ? 'covered' : 'not covered');
    both('chain of trust', (c) => (c.chainError ? 'not ok' : 'ok'), /^passed/.test(field('cert_chain_of_trust')) ? 'ok' : 'not ok');
    both('chain order', (c) => (c.inOrder ? 'ok' : 'not ok'), field('certs_list_ordering_problem') === 'no' ? 'ok' : 'not ok');
    both('OCSP stapling', (c) => yesNo(c.ocspStapled), yesNo(/^offered/.test(field('OCSP_stapling'))));
  }
  return out;
}

export const BEGIN = '<!-- scan-testssl:begin (test/interop/scan-testssl.test.ts measures this table and fails when it differs) -->';
export const END = '<!-- scan-testssl:end -->';

/** The README table: one row per cell, ✓ where the two agree. */
export function table(all: readonly Cell[]): string {
  const short = (s: string): string => (s.length > 60 ? `${s.split(' ').length} suites` : s || '(none)');
  const rows = all.map((c) => `| ${c.finding} | ${c.server} | ${short(c.tlsglass)} | ${c.tlsglass === c.testssl ? '✓' : short(c.testssl)} |`);
  const agree = all.filter((c) => c.tlsglass === c.testssl).length;
  return [BEGIN, '| Finding | Server | tlsglass | testssl.sh |', '|---|---|---|---|', ...rows, '', `${agree} of ${all.length} rows agree.`, END].join('\n');
}
