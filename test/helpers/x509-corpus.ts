import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createCertificateAuthority,
  issueCertificate,
  type CertificateAuthorityOptions,
  type CertificateOptions,
  type IssuedCertificate,
} from '../../src/node/issue.js';
import { parseCertificate, subjectKeyIdentifierOf } from '../../src/pki/certificate.js';
import * as der from '../../src/pki/der-writer.js';
import { encodePem } from '../../src/pki/pem.js';

/**
 * The path-validation corpus (issue 3; security.md §2.5 CERT-1..8, after x509-limbo's case list):
 * every case is minted with src/node/issue.ts into its own directory as ca.pem (trust anchors),
 * int.pem (what the peer sends after its leaf, if anything) and leaf.pem, so the same files feed
 * DefaultVerifier, `tlsglass verify` and `openssl verify`.
 */
export interface CorpusCase {
  /** "group/name", unique. */
  readonly name: string;
  readonly description: string;
  readonly purpose: 'server' | 'client';
  /** Reference DNS name (-verify_hostname / --host). */
  readonly host?: string;
  /** Reference IP address (-verify_ip / --ip). */
  readonly ip?: string;
  /** The key exchange's use of the leaf key, known to us but not to openssl verify. */
  readonly keyUsage?: 'sign' | 'encipher';
  /** Validation time (whole seconds; openssl's -attime). */
  readonly at: Date;
  readonly files: { readonly ca: string; readonly untrusted: string | undefined; readonly leaf: string };
  readonly anchors: readonly Uint8Array[];
  /** As a peer would send it: the leaf, then the untrusted certificates. */
  readonly chain: readonly Uint8Array[];
  /** 'OK' or the error code our verifier must report. */
  readonly expected: string;
  /** The profile the case runs under (`--strict`, `openssl verify -x509_strict`); 'rfc5280' as `ca` is given. */
  readonly profile: 'strict' | 'rfc5280';
  /** For a strict case: what the 'rfc5280' profile decides, which shows where a rule is strict-only. */
  readonly expectedRfc5280?: string;
  /** The alert a handshake sends for `expected`, when the case pins it. */
  readonly alert?: string;
  /** Intermediate CAs allowed (`--verify-depth`, `openssl verify -verify_depth`). */
  readonly verifyDepth?: number;
}

interface CaseSpec {
  readonly description: string;
  readonly anchors: readonly IssuedCertificate[];
  readonly untrusted?: readonly (IssuedCertificate | Uint8Array)[];
  readonly leaf: IssuedCertificate | Uint8Array;
  readonly purpose?: 'server' | 'client';
  readonly host?: string;
  readonly ip?: string;
  readonly keyUsage?: 'sign' | 'encipher';
  readonly expected: string;
  readonly profile?: 'strict';
  readonly expectedRfc5280?: string;
  readonly alert?: string;
  readonly verifyDepth?: number;
}

const DAY = 86400_000;

/** Mints the corpus into `dir` (one sub-directory per case) and describes it. */
export function buildCorpus(dir: string): CorpusCase[] {
  const at = new Date(Math.floor(Date.now() / 1000) * 1000);
  const cases: CorpusCase[] = [];
  const add = (name: string, spec: CaseSpec): void => {
    const caseDir = join(dir, name.replace(/\//g, '__'));
    mkdirSync(caseDir, { recursive: true });
    const der = (c: IssuedCertificate | Uint8Array): Uint8Array => (c instanceof Uint8Array ? c : c.certDer);
    const pem = (list: readonly (IssuedCertificate | Uint8Array)[]): string => list.map((c) => encodePem('CERTIFICATE', der(c))).join('');
    const write = (file: string, text: string): string => {
      const path = join(caseDir, file);
      writeFileSync(path, text);
      return path;
    };
    const untrusted = spec.untrusted ?? [];
    cases.push({
      name,
      description: spec.description,
      purpose: spec.purpose ?? 'server',
      ...(spec.host !== undefined ? { host: spec.host } : {}),
      ...(spec.ip !== undefined ? { ip: spec.ip } : {}),
      ...(spec.keyUsage !== undefined ? { keyUsage: spec.keyUsage } : {}),
      at,
      files: {
        ca: write('ca.pem', pem(spec.anchors)),
        untrusted: untrusted.length > 0 ? write('int.pem', pem(untrusted)) : undefined,
        leaf: write('leaf.pem', pem([spec.leaf])),
      },
      anchors: spec.anchors.map(der),
      chain: [der(spec.leaf), ...untrusted.map(der)],
      expected: spec.expected,
      profile: spec.profile ?? 'rfc5280',
      ...(spec.expectedRfc5280 !== undefined ? { expectedRfc5280: spec.expectedRfc5280 } : {}),
      ...(spec.alert !== undefined ? { alert: spec.alert } : {}),
      ...(spec.verifyDepth !== undefined ? { verifyDepth: spec.verifyDepth } : {}),
    });
  };

  // One RSA key of each size, reused (RSA key generation is the slow part).
  const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;

  const root = createCertificateAuthority({ commonName: 'Corpus Root', organization: 'tlsglass corpus' });
  const int = createCertificateAuthority({ commonName: 'Corpus Intermediate', issuer: root });
  const otherRoot = createCertificateAuthority({ commonName: 'Untrusted Root' });
  const ca = (o: Omit<CertificateAuthorityOptions, 'issuer'> & { issuer?: IssuedCertificate }): IssuedCertificate =>
    createCertificateAuthority({ issuer: int, ...o });
  const leaf = (o: Partial<CertificateOptions> = {}): IssuedCertificate =>
    issueCertificate({
      issuer: int,
      commonName: 'server.example.com',
      dnsNames: ['localhost', 'www.example.com'],
      ipAddresses: ['127.0.0.1', '::1'],
      ...o,
    });
  const std = { anchors: [root], untrusted: [int] } as const;
  const good = leaf();

  // ── Accepted chains ──
  add('ok/dns', { ...std, leaf: good, host: 'www.example.com', description: 'leaf → intermediate → root, by DNS name', expected: 'OK' });
  add('ok/ipv4', { ...std, leaf: good, ip: '127.0.0.1', description: 'by IPv4 address (iPAddress SAN)', expected: 'OK' });
  add('ok/ipv6', { ...std, leaf: good, ip: '::1', description: 'by IPv6 address (iPAddress SAN)', expected: 'OK' });
  add('ok/no-host', { ...std, leaf: good, description: 'no reference identity: path validation only', expected: 'OK' });
  add('ok/case-insensitive', { ...std, leaf: good, host: 'WWW.Example.COM', description: 'host names compare ASCII case-insensitively', expected: 'OK' });
  add('ok/trailing-dot', { ...std, leaf: good, host: 'www.example.com.', description: 'a trailing dot on the reference name is ignored', expected: 'OK' });
  add('ok/direct', { anchors: [root], leaf: leaf({ issuer: root }), host: 'localhost', description: 'leaf issued by the root, no intermediate sent', expected: 'OK' });
  add('ok/client', {
    ...std,
    leaf: leaf({ commonName: 'client', dnsNames: [], ipAddresses: [], extKeyUsage: ['clientAuth'] }),
    purpose: 'client',
    description: 'a clientAuth certificate validated as a client',
    expected: 'OK',
  });
  add('ok/no-eku', { ...std, leaf: leaf({ extKeyUsage: null }), host: 'localhost', description: 'a leaf without extendedKeyUsage may serve', expected: 'OK' });
  add('ok/p384', (() => {
    const r = createCertificateAuthority({ commonName: 'P-384 Root', curve: 'P-384' });
    const i = createCertificateAuthority({ commonName: 'P-384 Int', issuer: r, curve: 'P-384' });
    return { anchors: [r], untrusted: [i], leaf: leaf({ issuer: i, curve: 'P-384' }), host: 'localhost', description: 'ECDSA P-384 with SHA-384 throughout', expected: 'OK' };
  })());
  const rsaLeaf = leaf({ privateKey: rsa2048 });
  add('ok/rsa-leaf-sign', { ...std, leaf: rsaLeaf, host: 'localhost', keyUsage: 'sign', description: 'RSA leaf (digitalSignature, keyEncipherment) for ECDHE_RSA', expected: 'OK' });
  add('ok/rsa-leaf-encipher', { ...std, leaf: rsaLeaf, host: 'localhost', keyUsage: 'encipher', description: 'the same leaf for RSA key transport', expected: 'OK' });
  const idn = leaf({ dnsNames: ['xn--bcher-kva.example'], ipAddresses: [] });
  add('ok/idna-a-label', { ...std, leaf: idn, host: 'xn--bcher-kva.example', description: 'A-label host against an A-label SAN', expected: 'OK' });
  add('ok/idna-u-label', { ...std, leaf: idn, host: 'bücher.example', description: 'U-label host is converted to its A-label before matching', expected: 'OK' });

  // ── Validity (RFC 5280 §6.1.3 (a)(2)) ──
  const past = { notBefore: new Date(at.getTime() - 400 * DAY), notAfter: new Date(at.getTime() - 30 * DAY) };
  add('validity/expired-leaf', { ...std, leaf: leaf(past), host: 'localhost', description: 'leaf notAfter in the past', expected: 'CERT_HAS_EXPIRED' });
  add('validity/not-yet-valid-leaf', { ...std, leaf: leaf({ notBefore: new Date(at.getTime() + DAY) }), host: 'localhost', description: 'leaf notBefore in the future', expected: 'CERT_NOT_YET_VALID' });
  const expiredInt = ca({ commonName: 'Expired Int', issuer: root, ...past });
  add('validity/expired-intermediate', { anchors: [root], untrusted: [expiredInt], leaf: leaf({ issuer: expiredInt }), host: 'localhost', description: 'intermediate expired', expected: 'CERT_HAS_EXPIRED' });
  const expiredRoot = createCertificateAuthority({ commonName: 'Expired Root', ...past });
  add('validity/expired-root', { anchors: [expiredRoot], leaf: leaf({ issuer: expiredRoot }), host: 'localhost', description: 'the trust anchor itself has expired', expected: 'CERT_HAS_EXPIRED' });

  // ── extendedKeyUsage and keyUsage (RFC 5280 §4.2.1.12, §4.2.1.3) ──
  const clientCert = leaf({ commonName: 'client', extKeyUsage: ['clientAuth'] });
  add('eku/client-cert-as-server', { ...std, leaf: clientCert, host: 'localhost', description: 'a clientAuth-only certificate presented by a server', expected: 'INVALID_PURPOSE' });
  add('eku/server-cert-as-client', { ...std, leaf: good, purpose: 'client', description: 'a serverAuth-only certificate presented by a client', expected: 'INVALID_PURPOSE' });
  const clientCa = ca({ commonName: 'Client-only CA', issuer: root, extKeyUsage: ['clientAuth'] });
  add('eku/intermediate-constrains', { anchors: [root], untrusted: [clientCa], leaf: leaf({ issuer: clientCa }), host: 'localhost', description: "an intermediate's EKU (clientAuth) excludes serverAuth below it", expected: 'INVALID_PURPOSE' });
  add('ku/no-tls-usage', { ...std, leaf: leaf({ keyUsage: ['nonRepudiation'] }), host: 'localhost', description: 'leaf keyUsage allows no TLS use at all', expected: 'INVALID_PURPOSE' });
  add('ku/encipher-only-for-ecdhe', {
    ...std,
    leaf: leaf({ privateKey: rsa2048, keyUsage: ['keyEncipherment'] }),
    host: 'localhost',
    keyUsage: 'sign',
    description: 'RSA leaf with keyEncipherment only, used to sign ECDHE parameters',
    expected: 'INVALID_PURPOSE',
  });
  add('ku/sign-only-for-rsa-kx', {
    ...std,
    leaf: leaf({ privateKey: rsa2048, keyUsage: ['digitalSignature'] }),
    host: 'localhost',
    keyUsage: 'encipher',
    description: 'RSA leaf with digitalSignature only, used for RSA key transport',
    expected: 'INVALID_PURPOSE',
  });

  // ── basicConstraints (RFC 5280 §6.1.4 (k)–(m)) ──
  const notCa = ca({ commonName: 'Not a CA', issuer: root, basicConstraints: { ca: false }, keyUsage: ['keyCertSign', 'digitalSignature'] });
  add('ca/intermediate-not-ca', { anchors: [root], untrusted: [notCa], leaf: leaf({ issuer: notCa }), host: 'localhost', description: 'the issuer has basicConstraints cA FALSE', expected: 'INVALID_CA' });
  const noBc = ca({ commonName: 'No basicConstraints', issuer: root, basicConstraints: null, keyUsage: ['keyCertSign'] });
  add('ca/intermediate-no-basic-constraints', { anchors: [root], untrusted: [noBc], leaf: leaf({ issuer: noBc }), host: 'localhost', description: 'the issuer has no basicConstraints', expected: 'INVALID_CA' });
  add('ca/ca-as-leaf', { ...std, leaf: ca({ commonName: 'CA as leaf' }), description: 'a CA certificate presented as the end entity', expected: 'INVALID_CA' });
  const pl0 = ca({ commonName: 'PathLen 0', issuer: root, pathLength: 0 });
  const belowPl0 = ca({ commonName: 'Below PathLen 0', issuer: pl0 });
  add('ca/pathlen-exceeded', { anchors: [root], untrusted: [belowPl0, pl0], leaf: leaf({ issuer: belowPl0 }), host: 'localhost', description: 'pathLenConstraint 0 with another CA below it', expected: 'PATH_LENGTH_EXCEEDED' });
  add('ca/pathlen-zero-ok', { anchors: [root], untrusted: [pl0], leaf: leaf({ issuer: pl0 }), host: 'localhost', description: 'pathLenConstraint 0 with the leaf directly below', expected: 'OK' });

  // ── nameConstraints (RFC 5280 §4.2.1.10) ──
  const ncDns = ca({ commonName: 'NC permitted example.com', issuer: root, nameConstraints: { permitted: ['DNS:example.com'] } });
  const ncLeaf = (names: string[], ips: string[] = [], issuer = ncDns): IssuedCertificate => leaf({ issuer, dnsNames: names, ipAddresses: ips });
  const nc = (issuer: IssuedCertificate): { anchors: IssuedCertificate[]; untrusted: IssuedCertificate[] } => ({ anchors: [root], untrusted: [issuer] });
  add('nc/permitted-dns-ok', { ...nc(ncDns), leaf: ncLeaf(['www.example.com', 'example.com']), host: 'www.example.com', description: 'SANs within permitted DNS:example.com', expected: 'OK' });
  add('nc/permitted-dns-violated', { ...nc(ncDns), leaf: ncLeaf(['www.example.com', 'evil.test']), host: 'www.example.com', description: 'one SAN outside permitted DNS:example.com', expected: 'PERMITTED_VIOLATION' });
  add('nc/permitted-dns-label-boundary', { ...nc(ncDns), leaf: ncLeaf(['notexample.com']), description: 'notexample.com is not within example.com (label boundary)', expected: 'PERMITTED_VIOLATION' });
  const ncDot = ca({ commonName: 'NC permitted .example.com', issuer: root, nameConstraints: { permitted: ['DNS:.example.com'] } });
  add('nc/leading-dot-excludes-apex', { ...nc(ncDot), leaf: ncLeaf(['example.com'], [], ncDot), description: 'permitted .example.com admits subdomains only, not example.com', expected: 'PERMITTED_VIOLATION' });
  add('nc/leading-dot-subdomain-ok', { ...nc(ncDot), leaf: ncLeaf(['a.example.com'], [], ncDot), description: 'permitted .example.com admits a.example.com', expected: 'OK' });
  const ncEx = ca({ commonName: 'NC excluded bad.example.com', issuer: root, nameConstraints: { excluded: ['DNS:bad.example.com'] } });
  add('nc/excluded-dns-violated', { ...nc(ncEx), leaf: ncLeaf(['ok.example.com', 'x.bad.example.com'], [], ncEx), description: 'a SAN within excluded DNS:bad.example.com', expected: 'EXCLUDED_VIOLATION' });
  add('nc/excluded-dns-sibling-ok', { ...nc(ncEx), leaf: ncLeaf(['notbad.example.com', 'good.example.com'], [], ncEx), description: 'notbad.example.com is not within bad.example.com', expected: 'OK' });
  add('nc/excluded-dns-wildcard-overlap', {
    ...nc(ncEx),
    leaf: ncLeaf(['*.example.com'], [], ncEx),
    host: 'www.example.com',
    description: 'wildcard SAN *.example.com could match the excluded bad.example.com',
    expected: 'EXCLUDED_VIOLATION',
  });
  const ncIp = ca({ commonName: 'NC permitted 10/8', issuer: root, nameConstraints: { permitted: ['IP:10.0.0.0/8'] } });
  add('nc/permitted-ip-ok', { ...nc(ncIp), leaf: ncLeaf([], ['10.1.2.3'], ncIp), ip: '10.1.2.3', description: 'IP SAN within permitted 10.0.0.0/8', expected: 'OK' });
  add('nc/permitted-ip-violated', { ...nc(ncIp), leaf: ncLeaf([], ['10.1.2.3', '192.168.1.1'], ncIp), ip: '10.1.2.3', description: 'an IP SAN outside permitted 10.0.0.0/8', expected: 'PERMITTED_VIOLATION' });
  add('nc/permitted-ipv4-vs-ipv6-san', { ...nc(ncIp), leaf: ncLeaf([], ['::1'], ncIp), description: 'an IPv6 SAN is never within an IPv4 subtree', expected: 'PERMITTED_VIOLATION' });
  add('nc/ip-constraint-dns-san-ok', { ...nc(ncIp), leaf: ncLeaf(['anything.test'], [], ncIp), description: 'IP-only constraints leave DNS names unconstrained', expected: 'OK' });
  const ncExIp = ca({ commonName: 'NC excluded private', issuer: root, nameConstraints: { excluded: ['IP:192.168.0.0/16', 'IP:2001:db8::/32'] } });
  add('nc/excluded-ipv4', { ...nc(ncExIp), leaf: ncLeaf([], ['192.168.7.7'], ncExIp), description: 'IP SAN within excluded 192.168.0.0/16', expected: 'EXCLUDED_VIOLATION' });
  add('nc/excluded-ipv6', { ...nc(ncExIp), leaf: ncLeaf([], ['2001:db8::5'], ncExIp), description: 'IP SAN within excluded 2001:db8::/32', expected: 'EXCLUDED_VIOLATION' });
  add('nc/excluded-ip-other-ok', { ...nc(ncExIp), leaf: ncLeaf([], ['10.0.0.1', '2001:db9::1'], ncExIp), description: 'IP SANs outside the excluded subtrees', expected: 'OK' });
  const ncRoot = createCertificateAuthority({ commonName: 'Constrained Root', nameConstraints: { permitted: ['DNS:example.com'] } });
  const underNcRoot = createCertificateAuthority({ commonName: 'Under Constrained Root', issuer: ncRoot });
  add('nc/anchor-constraint-violated', { anchors: [ncRoot], untrusted: [underNcRoot], leaf: ncLeaf(['example.org'], [], underNcRoot), description: "the trust anchor's own constraints bind the whole path", expected: 'PERMITTED_VIOLATION' });
  const ncNested = ca({ commonName: 'NC permitted a.example.com', issuer: ncDns, nameConstraints: { permitted: ['DNS:a.example.com'] } });
  add('nc/nested-intersection-violated', {
    anchors: [root],
    untrusted: [ncNested, ncDns],
    leaf: ncLeaf(['b.example.com'], [], ncNested),
    description: 'within the outer CA (example.com) but not the inner one (a.example.com)',
    expected: 'PERMITTED_VIOLATION',
  });
  add('nc/nested-intersection-ok', { anchors: [root], untrusted: [ncNested, ncDns], leaf: ncLeaf(['x.a.example.com'], [], ncNested), description: 'within both CAs’ permitted subtrees', expected: 'OK' });
  const subCa = ca({ commonName: 'Unconstrained Sub CA', issuer: ncDns });
  add('nc/through-sub-ca-ok', { anchors: [root], untrusted: [subCa, ncDns], leaf: ncLeaf(['www.example.com'], [], subCa), description: 'an unconstrained sub-CA below the constrained one; the leaf conforms', expected: 'OK' });
  // directoryName subtrees (RFC 5280 §4.2.1.10, compared as §7.1 asks): the subject of every certificate below.
  const ncDn = ca({ commonName: 'NC permitted O=Acme Corp', issuer: root, nameConstraints: { permitted: ['DN:O=Acme Corp'] } });
  const dnLeaf = (organization: string | undefined, issuer: IssuedCertificate): IssuedCertificate =>
    leaf({ issuer, ...(organization !== undefined ? { organization } : {}), commonName: 'www.example.com', dnsNames: ['www.example.com'], ipAddresses: [] });
  add('nc/dirname-permitted-ok', { ...nc(ncDn), leaf: dnLeaf('Acme Corp', ncDn), host: 'www.example.com', description: 'subject O=Acme Corp, CN=… within permitted DirName:O=Acme Corp', expected: 'OK' });
  add('nc/dirname-permitted-case-ok', { ...nc(ncDn), leaf: dnLeaf('ACME  corp', ncDn), host: 'www.example.com', description: 'O=ACME  corp is the same RDN (case and inner spaces do not count, RFC 5280 §7.1)', expected: 'OK' });
  add('nc/dirname-permitted-violated', { ...nc(ncDn), leaf: dnLeaf('Evil Corp', ncDn), host: 'www.example.com', description: 'subject O=Evil Corp outside permitted DirName:O=Acme Corp', expected: 'PERMITTED_VIOLATION', alert: 'bad_certificate' });
  add('nc/dirname-permitted-not-prefix', { ...nc(ncDn), leaf: dnLeaf(undefined, ncDn), host: 'www.example.com', description: 'subject CN only: the permitted RDN is not a prefix', expected: 'PERMITTED_VIOLATION' });
  const ncDnEx = ca({ commonName: 'NC excluded O=Evil Corp', issuer: root, nameConstraints: { excluded: ['DN:O=Evil Corp'] } });
  add('nc/dirname-excluded-violated', { ...nc(ncDnEx), leaf: dnLeaf('Evil Corp', ncDnEx), host: 'www.example.com', description: 'subject O=Evil Corp within excluded DirName:O=Evil Corp', expected: 'EXCLUDED_VIOLATION', alert: 'bad_certificate' });
  add('nc/dirname-excluded-ok', { ...nc(ncDnEx), leaf: dnLeaf('Acme Corp', ncDnEx), host: 'www.example.com', description: 'subject O=Acme Corp outside excluded DirName:O=Evil Corp', expected: 'OK' });
  add('nc/through-sub-ca-violated', { anchors: [root], untrusted: [subCa, ncDns], leaf: ncLeaf(['evil.test'], [], subCa), description: 'constraints bind every certificate below the constraining CA, not only its direct subjects', expected: 'PERMITTED_VIOLATION' });

  // ── Host names (RFC 9525) ──
  const wild = leaf({ dnsNames: ['*.example.com'], ipAddresses: [] });
  add('wildcard/one-label', { ...std, leaf: wild, host: 'a.example.com', description: '*.example.com matches exactly one label', expected: 'OK' });
  add('wildcard/two-labels', { ...std, leaf: wild, host: 'a.b.example.com', description: '*.example.com does not match two labels', expected: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  add('wildcard/apex', { ...std, leaf: wild, host: 'example.com', description: '*.example.com does not match example.com', expected: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  add('wildcard/partial-label', { ...std, leaf: leaf({ dnsNames: ['f*.example.com'], ipAddresses: [] }), host: 'foo.example.com', description: 'no partial-label wildcard (f*.example.com)', expected: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  add('wildcard/not-leftmost', { ...std, leaf: leaf({ dnsNames: ['a.*.example.com'], ipAddresses: [] }), host: 'a.b.example.com', description: 'a wildcard only as the left-most label', expected: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  add('wildcard/under-tld', { ...std, leaf: leaf({ dnsNames: ['*.test'], ipAddresses: [] }), host: 'a.test', description: 'no wildcard directly under a TLD (*.test)', expected: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  add('host/wrong-name', { ...std, leaf: good, host: 'other.example.com', description: 'the host is not among the SANs', expected: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  add('host/no-cn-fallback', { ...std, leaf: leaf({ commonName: 'cn.example.com', dnsNames: [], ipAddresses: [] }), host: 'cn.example.com', description: 'the name only in the subject CN, no SAN', expected: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  add('host/ip-vs-dns-san', { ...std, leaf: leaf({ commonName: 'dns-spelled ip', dnsNames: ['127.0.0.1'], ipAddresses: [] }), ip: '127.0.0.1', description: 'IP 127.0.0.1 against only DNS:127.0.0.1', expected: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  add('host/dns-vs-ip-san', { ...std, leaf: leaf({ commonName: 'ip only', dnsNames: [], ipAddresses: ['127.0.0.1'] }), host: 'localhost', description: 'a DNS name against only IP SANs', expected: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  add('host/wrong-ip', { ...std, leaf: good, ip: '127.0.0.2', description: 'the IP is not among the SANs', expected: 'ERR_TLS_CERT_ALTNAME_INVALID' });

  // ── Path building (RFC 4158; CERT-6) ──
  // Let's Encrypt style: the peer also sends the root cross-signed by an untrusted root.
  const rootCross = createCertificateAuthority({ commonName: 'Corpus Root', organization: 'tlsglass corpus', issuer: otherRoot, privateKey: root.key });
  add('path/cross-signed-root', { anchors: [root], untrusted: [int, rootCross, otherRoot], leaf: good, host: 'localhost', description: 'the trusted path exists beside a root cross-signed by an untrusted root', expected: 'OK' });
  // The intermediate itself cross-signed by an untrusted root, listed first.
  const intCross = createCertificateAuthority({ commonName: 'Corpus Intermediate', issuer: otherRoot, privateKey: int.key });
  add('path/cross-signed-intermediate-first', {
    anchors: [root],
    untrusted: [intCross, otherRoot, int],
    leaf: good,
    host: 'localhost',
    description: 'the first candidate issuer leads to an untrusted root; the second to the trusted one',
    expected: 'OK',
  });
  add('path/cross-signed-other-anchor', { anchors: [otherRoot], untrusted: [int, rootCross], leaf: good, host: 'localhost', description: 'only the cross-signed path reaches a trust anchor', expected: 'OK' });
  const stray = leaf({ issuer: otherRoot, commonName: 'stray' });
  add('path/unordered-extra-duplicated', { anchors: [root], untrusted: [stray, root, otherRoot, int, int], leaf: good, host: 'localhost', description: 'unordered, duplicated and unrelated certificates in the chain', expected: 'OK' });
  add('path/issuer-not-sent', { anchors: [root], leaf: good, host: 'localhost', description: 'the intermediate is not sent', expected: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  add('path/untrusted-root-in-chain', { anchors: [root], untrusted: [otherRoot], leaf: stray, description: 'the chain ends at a self-signed root that is not trusted', expected: 'SELF_SIGNED_CERT_IN_CHAIN' });
  add('path/self-signed-leaf', { anchors: [root], leaf: issueCertificate({ commonName: 'localhost', dnsNames: ['localhost'] }), host: 'localhost', description: 'a self-signed leaf that is not a trust anchor', expected: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  const tampered = new Uint8Array(good.certDer);
  tampered[tampered.length - 1]! ^= 0x01;
  add('path/bad-signature', { ...std, leaf: tampered, host: 'localhost', description: 'the leaf signature does not verify', expected: 'CERT_SIGNATURE_FAILURE' });

  // ── Extensions (RFC 5280 §4.2) ──
  const unknownExt = { oid: '1.3.6.1.4.1.99999.1', critical: true, value: Uint8Array.of(0x05, 0x00) };
  add('ext/unknown-critical-leaf', { ...std, leaf: leaf({ extraExtensions: [unknownExt] }), host: 'localhost', description: 'an unknown critical extension in the leaf', expected: 'UNHANDLED_CRITICAL_EXTENSION' });
  const critInt = ca({ commonName: 'Critical Ext Int', issuer: root, extraExtensions: [unknownExt] });
  add('ext/unknown-critical-intermediate', { anchors: [root], untrusted: [critInt], leaf: leaf({ issuer: critInt }), host: 'localhost', description: 'an unknown critical extension in the intermediate', expected: 'UNHANDLED_CRITICAL_EXTENSION' });
  const critRootPlain = createCertificateAuthority({ commonName: 'Root with unknown critical extension', extraExtensions: [unknownExt] });
  add('ext/unknown-critical-anchor', { anchors: [critRootPlain], leaf: leaf({ issuer: critRootPlain }), host: 'localhost', description: 'an unknown critical extension in the trust anchor', expected: 'UNHANDLED_CRITICAL_EXTENSION', alert: 'unsupported_certificate' });
  add('ext/unknown-noncritical', { ...std, leaf: leaf({ extraExtensions: [{ ...unknownExt, critical: false }] }), host: 'localhost', description: 'an unknown non-critical extension is ignored', expected: 'OK' });

  // ── Algorithms and keys (CERT-7) ──
  add('alg/sha1-leaf', { ...std, leaf: leaf({ hash: 'sha1' }), host: 'localhost', description: 'leaf signed with ecdsa-with-SHA1', expected: 'CA_MD_TOO_WEAK' });
  const sha1Int = ca({ commonName: 'SHA-1 Int', issuer: root, hash: 'sha1' });
  add('alg/sha1-intermediate', { anchors: [root], untrusted: [sha1Int], leaf: leaf({ issuer: sha1Int }), host: 'localhost', description: 'intermediate signed with ecdsa-with-SHA1', expected: 'CA_MD_TOO_WEAK' });
  const sha1Root = createCertificateAuthority({ commonName: 'SHA-1 Root', hash: 'sha1' });
  add('alg/sha1-root-self-signature', { anchors: [sha1Root], leaf: leaf({ issuer: sha1Root }), host: 'localhost', description: "the anchor's own SHA-1 self-signature is not checked", expected: 'OK' });
  add('alg/rsa-1024-leaf', { ...std, leaf: leaf({ privateKey: rsa1024 }), host: 'localhost', description: 'a 1024-bit RSA leaf key', expected: 'EE_KEY_TOO_SMALL' });
  const rsaRoot = createCertificateAuthority({ commonName: 'RSA Root', privateKey: rsa2048 });
  add('alg/rsa-chain', { anchors: [rsaRoot], leaf: leaf({ issuer: rsaRoot, privateKey: rsa2048 }), host: 'localhost', description: 'sha256WithRSAEncryption chain (RSA-2048)', expected: 'OK' });

  // ── authorityInfoAccess (RFC 5280 §4.2.2.1): well formed or a decode error, in every profile ──
  const uri = (u: string): Uint8Array => der.implicitPrimitive(6, new TextEncoder().encode(u));
  const aia = (value: Uint8Array) => [{ oid: AIA, critical: false, value }];
  const goodAia = der.sequence(der.sequence(der.oid(OCSP), uri('http://ocsp.example.com/')), der.sequence(der.oid(CA_ISSUERS), uri('http://example.com/int.der')));
  add('aia/well-formed', { ...std, leaf: leaf({ extraExtensions: aia(goodAia) }), host: 'localhost', description: 'OCSP and caIssuers URIs', expected: 'OK' });
  add('aia/empty', { ...std, leaf: leaf({ extraExtensions: aia(der.sequence()) }), host: 'localhost', description: 'an empty AuthorityInfoAccessSyntax (SIZE (1..MAX))', expected: 'ERR_TLSGLASS_BAD_CERTIFICATE', alert: 'bad_certificate' });
  add('aia/location-not-a-general-name', {
    ...std,
    leaf: leaf({ extraExtensions: aia(der.sequence(der.sequence(der.oid(OCSP), der.integer(1)))) }),
    host: 'localhost',
    description: 'an accessLocation that is an INTEGER, not a GeneralName',
    expected: 'ERR_TLSGLASS_BAD_CERTIFICATE',
  });

  // ── Maximum chain depth (verifyDepth, as openssl verify -verify_depth: intermediates only) ──
  add('depth/0-direct', { anchors: [root], leaf: leaf({ issuer: root }), host: 'localhost', verifyDepth: 0, description: 'depth 0: a leaf the anchor issued', expected: 'OK' });
  add('depth/0-one-intermediate', { ...std, leaf: good, host: 'localhost', verifyDepth: 0, description: 'depth 0: one intermediate is too many', expected: 'CERT_CHAIN_TOO_LONG', alert: 'unknown_ca' });
  add('depth/1-one-intermediate', { ...std, leaf: good, host: 'localhost', verifyDepth: 1, description: 'depth 1: one intermediate', expected: 'OK' });
  add('depth/1-two-intermediates', { anchors: [root], untrusted: [subCa, ncDns], leaf: ncLeaf(['www.example.com'], [], subCa), host: 'www.example.com', verifyDepth: 1, description: 'depth 1: two intermediates', expected: 'CERT_CHAIN_TOO_LONG' });
  add('depth/2-two-intermediates', { anchors: [root], untrusted: [subCa, ncDns], leaf: ncLeaf(['www.example.com'], [], subCa), host: 'www.example.com', verifyDepth: 2, description: 'depth 2: two intermediates', expected: 'OK' });

  // ── Strict profile (issue 12; src/pki/strict-profile.ts): each rule broken once, run with --strict ──
  const strict = (name: string, spec: CaseSpec & { expectedRfc5280: string }): void => add(`strict/${name}`, { profile: 'strict', host: 'localhost', ...spec });
  strict('conforming', { ...std, leaf: good, description: 'the usual chain conforms', expected: 'OK', expectedRfc5280: 'OK' });
  const noAki = { extensionOverrides: { authorityKeyIdentifier: null } } as const;
  strict('aki-missing-leaf', { ...std, leaf: leaf(noAki), description: 'leaf without authorityKeyIdentifier', expected: 'MISSING_AUTHORITY_KEY_IDENTIFIER', expectedRfc5280: 'OK', alert: 'bad_certificate' });
  const intNoAki = ca({ commonName: 'Int without AKI', issuer: root, ...noAki });
  strict('aki-missing-intermediate', { anchors: [root], untrusted: [intNoAki], leaf: leaf({ issuer: intNoAki }), description: 'intermediate without authorityKeyIdentifier', expected: 'MISSING_AUTHORITY_KEY_IDENTIFIER', expectedRfc5280: 'OK' });
  strict('aki-critical-leaf', { ...std, leaf: leaf({ extensionOverrides: { authorityKeyIdentifier: { critical: true } } }), description: 'leaf authorityKeyIdentifier marked critical', expected: 'AUTHORITY_KEY_IDENTIFIER_CRITICAL', expectedRfc5280: 'OK', alert: 'bad_certificate' });
  // Roots: a BR root's AKI, when present, holds only a keyIdentifier equal to its SKI.
  const rootKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const rootSerial = Uint8Array.of(0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88);
  const plainRoot = createCertificateAuthority({ commonName: 'AKI Root', privateKey: rootKey, serialNumber: rootSerial });
  const rootFields = parseCertificate(plainRoot.certDer);
  const rootSki = subjectKeyIdentifierOf(rootFields)!;
  const akiRoot = (value: Uint8Array, o: Partial<CertificateAuthorityOptions> = {}): IssuedCertificate =>
    createCertificateAuthority({ commonName: 'AKI Root', privateKey: rootKey, serialNumber: rootSerial, extensionOverrides: { authorityKeyIdentifier: { value } }, ...o });
  const issuerSerialAki = der.sequence(der.implicitPrimitive(0, rootSki), der.tlv(0xa1, der.tlv(0xa4, rootFields.subject)), der.implicitPrimitive(2, rootSerial));
  const withIssuerSerial = akiRoot(issuerSerialAki);
  strict('root-aki-issuer-serial', { anchors: [withIssuerSerial], leaf: leaf({ issuer: withIssuerSerial }), description: "root AKI with authorityCertIssuer and authorityCertSerialNumber besides the keyIdentifier", expected: 'ERR_TLSGLASS_ROOT_AUTHORITY_KEY_IDENTIFIER', expectedRfc5280: 'OK', alert: 'bad_certificate' });
  const otherKeyId = Uint8Array.from(rootSki, (b) => b ^ 0xff);
  const mismatched = akiRoot(der.sequence(der.implicitPrimitive(0, otherKeyId)));
  strict('root-aki-keyid-mismatch', { anchors: [mismatched], leaf: leaf({ issuer: mismatched }), description: "root AKI keyIdentifier differs from its subjectKeyIdentifier", expected: 'ERR_TLSGLASS_ROOT_AUTHORITY_KEY_IDENTIFIER', expectedRfc5280: 'OK' });
  const akiCriticalRoot = createCertificateAuthority({ commonName: 'Root with critical AKI', extensionOverrides: { authorityKeyIdentifier: { critical: true } } });
  strict('root-aki-critical', { anchors: [akiCriticalRoot], leaf: leaf({ issuer: akiCriticalRoot }), description: "a root whose authorityKeyIdentifier is critical", expected: 'AUTHORITY_KEY_IDENTIFIER_CRITICAL', expectedRfc5280: 'OK' });
  const legacy = akiRoot(issuerSerialAki, { notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date(at.getTime() + 3650 * DAY) });
  strict('root-aki-issuer-serial-before-br', { anchors: [legacy], leaf: leaf({ issuer: legacy }), description: 'the same root issued before the BR root profile (2023-09-15) is exempt, as three of Node\'s bundled roots need', expected: 'OK', expectedRfc5280: 'OK' });
  const intNoSki = ca({ commonName: 'Int without SKI', issuer: root, extensionOverrides: { subjectKeyIdentifier: null } });
  // The leaf still carries an AKI (the intermediate's key identifier, as method 1 of RFC 5280 §4.2.1.2 would make it).
  const intKeyId = createHash('sha1').update(parseCertificate(intNoSki.certDer).subjectPublicKey).digest();
  strict('ski-missing-intermediate', {
    anchors: [root],
    untrusted: [intNoSki],
    leaf: leaf({ issuer: intNoSki, extensionOverrides: { authorityKeyIdentifier: { value: der.sequence(der.implicitPrimitive(0, intKeyId)) } } }),
    description: 'CA certificate without subjectKeyIdentifier',
    expected: 'MISSING_SUBJECT_KEY_IDENTIFIER',
    expectedRfc5280: 'OK',
    alert: 'bad_certificate',
  });
  const intBcNonCritical = ca({ commonName: 'Int with non-critical BC', issuer: root, extensionOverrides: { basicConstraints: { critical: false } } });
  strict('bc-not-critical-intermediate', { anchors: [root], untrusted: [intBcNonCritical], leaf: leaf({ issuer: intBcNonCritical }), description: 'CA certificate whose basicConstraints is not critical', expected: 'CA_BCONS_NOT_CRITICAL', expectedRfc5280: 'OK', alert: 'bad_certificate' });
  strict('keycertsign-leaf', { ...std, leaf: leaf({ keyUsage: ['digitalSignature', 'keyCertSign'] }), description: 'leaf (cA FALSE) with keyCertSign', expected: 'KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA', expectedRfc5280: 'OK', alert: 'bad_certificate' });
  strict('serial-zero', { ...std, leaf: leaf({ rawSerialNumber: Uint8Array.of(0) }), description: 'leaf serial number 0', expected: 'ERR_TLSGLASS_INVALID_SERIAL_NUMBER', expectedRfc5280: 'OK', alert: 'bad_certificate' });
  strict('serial-negative', { ...std, leaf: leaf({ rawSerialNumber: Uint8Array.of(0x85, 0x01, 0x02) }), description: 'leaf serial number negative', expected: 'ERR_TLSGLASS_INVALID_SERIAL_NUMBER', expectedRfc5280: 'OK' });
  const serialOf = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i === 0 ? 0x4c : i));
  strict('serial-21-octets', { ...std, leaf: leaf({ rawSerialNumber: serialOf(21) }), description: 'leaf serial number of 21 octets', expected: 'ERR_TLSGLASS_INVALID_SERIAL_NUMBER', expectedRfc5280: 'OK' });
  strict('serial-20-octets', { ...std, leaf: leaf({ rawSerialNumber: serialOf(20) }), description: 'leaf serial number of 20 octets is allowed', expected: 'OK', expectedRfc5280: 'OK' });
  const intSerial21 = ca({ commonName: 'Int with a 21-octet serial', issuer: root, rawSerialNumber: serialOf(21) });
  strict('serial-21-octets-intermediate', { anchors: [root], untrusted: [intSerial21], leaf: leaf({ issuer: intSerial21 }), description: 'intermediate serial number of 21 octets', expected: 'ERR_TLSGLASS_INVALID_SERIAL_NUMBER', expectedRfc5280: 'OK' });
  strict('san-critical-with-subject', { ...std, leaf: leaf({ extensionOverrides: { subjectAltName: { critical: true } } }), description: 'critical subjectAltName with a non-empty subject', expected: 'ERR_TLSGLASS_SAN_CRITICAL_WITH_SUBJECT', expectedRfc5280: 'OK', alert: 'bad_certificate' });
  strict('any-eku-leaf', { ...std, leaf: leaf({ extKeyUsage: ['serverAuth', 'anyExtendedKeyUsage'] }), description: 'leaf extKeyUsage serverAuth and anyExtendedKeyUsage', expected: 'ERR_TLSGLASS_LEAF_ANY_EXTENDED_KEY_USAGE', expectedRfc5280: 'OK', alert: 'unsupported_certificate' });
  const ekuRoot = createCertificateAuthority({ commonName: 'Root with EKU', extKeyUsage: ['serverAuth'] });
  strict('eku-in-root', { anchors: [ekuRoot], leaf: leaf({ issuer: ekuRoot }), description: 'a root (trust anchor) with extKeyUsage serverAuth', expected: 'ERR_TLSGLASS_ROOT_EXTENDED_KEY_USAGE', expectedRfc5280: 'OK', alert: 'bad_certificate' });
  const critRoot = createCertificateAuthority({ commonName: 'Root with unknown critical extension', extraExtensions: [unknownExt] });
  strict('unknown-critical-anchor', { anchors: [critRoot], leaf: leaf({ issuer: critRoot }), description: 'a trust anchor with an unknown critical extension', expected: 'UNHANDLED_CRITICAL_EXTENSION', expectedRfc5280: 'UNHANDLED_CRITICAL_EXTENSION', alert: 'unsupported_certificate' });
  strict('unknown-critical-leaf', { ...std, leaf: leaf({ extraExtensions: [unknownExt] }), description: 'rules of both profiles report the same code under strict', expected: 'UNHANDLED_CRITICAL_EXTENSION', expectedRfc5280: 'UNHANDLED_CRITICAL_EXTENSION' });
  strict('aia-malformed', { ...std, leaf: leaf({ extraExtensions: aia(der.sequence()) }), description: 'a malformed authorityInfoAccess under the strict profile too', expected: 'ERR_TLSGLASS_BAD_CERTIFICATE', expectedRfc5280: 'ERR_TLSGLASS_BAD_CERTIFICATE' });
  strict('dirname-permitted-violated', { ...nc(ncDn), leaf: dnLeaf('Evil Corp', ncDn), host: 'www.example.com', description: 'directoryName constraints under the strict profile too', expected: 'PERMITTED_VIOLATION', expectedRfc5280: 'PERMITTED_VIOLATION' });
  strict('depth-exceeded', { ...std, leaf: good, verifyDepth: 0, description: 'verifyDepth under the strict profile too', expected: 'CERT_CHAIN_TOO_LONG', expectedRfc5280: 'CERT_CHAIN_TOO_LONG' });

  return cases;
}

const AIA = '1.3.6.1.5.5.7.1.1';
const OCSP = '1.3.6.1.5.5.7.48.1';
const CA_ISSUERS = '1.3.6.1.5.5.7.48.2';

/** `openssl verify` arguments for a case (the purpose, reference identity and time as given). */
export function opensslVerifyArgs(c: CorpusCase): string[] {
  return [
    'verify',
    '-CAfile', c.files.ca,
    ...(c.files.untrusted ? ['-untrusted', c.files.untrusted] : []),
    '-purpose', c.purpose === 'server' ? 'sslserver' : 'sslclient',
    ...(c.profile === 'strict' ? ['-x509_strict'] : []),
    ...(c.verifyDepth !== undefined ? ['-verify_depth', String(c.verifyDepth)] : []),
    ...(c.host !== undefined ? ['-verify_hostname', c.host] : []),
    ...(c.ip !== undefined ? ['-verify_ip', c.ip] : []),
    '-attime', String(Math.floor(c.at.getTime() / 1000)),
    c.files.leaf,
  ];
}

/** `tlsglass verify` arguments for the same case. */
export function tlsglassVerifyArgs(c: CorpusCase): string[] {
  return [
    '--ca', c.files.ca,
    ...(c.files.untrusted ? ['--untrusted', c.files.untrusted] : []),
    '--purpose', c.purpose,
    ...(c.host !== undefined ? ['--host', c.host] : []),
    ...(c.ip !== undefined ? ['--ip', c.ip] : []),
    ...(c.keyUsage !== undefined ? ['--key-usage', c.keyUsage] : []),
    ...(c.profile === 'strict' ? ['--strict'] : []),
    ...(c.verifyDepth !== undefined ? ['--verify-depth', String(c.verifyDepth)] : []),
    '--at', c.at.toISOString(),
    c.files.leaf,
  ];
}
