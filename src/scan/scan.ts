/**
 * `scan`: what a server accepts and prefers, and what is wrong with it. Versions first (one hello
 * each), then the suites of each accepted version, the groups, the certificate (one real
 * handshake) and the features, each probe on a fresh connection through one ProbeRunner (counted,
 * at most `concurrency` at once, each with a deadline). The findings and the grade are derived
 * from the result alone (findings.ts), so a saved --json can be judged again.
 */
import type { ClientOptions } from '../config.js';
import { readCertificateTls12 } from '../messages/certificate.js';
import { ExtensionType, HandshakeType, ProtocolVersion } from '../messages/enums.js';
import { parseIpAddress } from '../pki/host-match.js';
import type { CertificateVerifier } from '../pki/verifier.js';
import { requireDefaultProvider } from '../platform-defaults.js';
import { analyzeChain, handshake } from './certificate.js';
import { ProbeRunner, ProbeTimeout, type Dial } from './channel.js';
import { ocspSctCount } from './certificate-extensions.js';
import { analyzeChains } from './chains.js';
import { clientAuthOf } from './client-auth.js';
import { deriveFindings, grade } from './findings.js';
import { probeSignatures } from './signature-algorithms.js';
import type { ProbeAnswer } from './hello.js';
import { downgradeSentinel, probeFallbackScsv, probeGroups, probeSuites, probeVersions, versionName, VERSIONS, type ProbeContext, type ServerHelloExtensions } from './protocol.js';
import { probeSslv2 } from './sslv2.js';
import type { CertificateResult, FeaturesResult, ScanResult, SuitesResult } from './result.js';
import { probeSessionFeatures } from './session-probes.js';
import { Starttls, type StarttlsProtocol } from './starttls.js';

export interface ScanOptions {
  readonly host: string;
  readonly port: number;
  /** Opens a fresh connection to host:port. */
  readonly dial: Dial;
  /** SNI name and the name the certificate must cover (default: the host, unless an IP address). */
  readonly serverName?: string;
  /** More SNI names to fetch the chains of (besides serverName and no SNI at all). */
  readonly serverNames?: readonly string[];
  /** Checks the chain (the CLI's: --ca, else the default trust store). */
  readonly verifier: CertificateVerifier;
  /** Fewer probes: suites of TLS 1.3 and the best older version only, one TLS 1.2 curve, one ALPN handshake, no ROBOT and no TLS 1.2 session-ID resumption. */
  readonly quick?: boolean;
  /** Connections open at once (default 4). */
  readonly concurrency?: number;
  /** Deadline of each probe in milliseconds (default 5000). */
  readonly timeoutMs?: number;
  readonly now?: () => Date;
  /** Randomness for the hellos (default: the installed crypto provider's, as the handshakes use). */
  readonly random?: (n: number) => Uint8Array;
  /** The plain-text preamble each connection runs before its ClientHello (starttls.ts). */
  readonly starttls?: StarttlsProtocol;
}

/** Scans; rejects only when no probe got through to the server at all (with that connection's error). */
export async function scan(options: ScanOptions): Promise<ScanResult> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const startedMs = Date.now();
  const quick = options.quick ?? false;
  const starttls = options.starttls ? new Starttls(options.starttls) : undefined;
  const runner = new ProbeRunner(options.dial, options.concurrency ?? 4, options.timeoutMs ?? 5000, starttls?.prepare);
  const isIp = parseIpAddress(options.host.replace(/^\[|\]$/g, '')) !== undefined;
  const serverName = options.serverName ?? (isIp ? undefined : options.host);
  const provider = options.random ? undefined : requireDefaultProvider();
  const ctx: ProbeContext = { runner, serverName, random: options.random ?? ((n) => provider!.random.bytes(n)) };

  const [versionProbe, sslv2] = await Promise.all([probeVersions(ctx), probeSslv2(ctx)]);
  // Not one answer: the server is unreachable, and every other probe would fail the same way.
  const answers = [...versionProbe.answers.values()];
  if (answers.every((a) => a.kind === 'failed')) {
    const error = (answers[0] as { error: unknown }).error;
    if (error instanceof ProbeTimeout && starttls?.waitingFor) throw new ProbeTimeout(`${error.message} while waiting for ${starttls.waitingFor}`);
    throw error;
  }
  const accepted = VERSIONS.filter((v) => versionProbe.versions.find((r) => r.version === v.name)?.accepted).map((v) => v.code);
  const legacy = accepted.filter((v) => v < ProtocolVersion.TLSv1_3);
  const suiteVersions = quick ? accepted.filter((v) => v === ProtocolVersion.TLSv1_3 || v === legacy[0]) : accepted;
  const helloExtensions: ServerHelloExtensions = { hellos: 0, counts: new Map() };
  const scanNames = [...new Set([serverName, ...(options.serverNames ?? []), ...(quick ? [] : [undefined])])];
  const signatureProbe = probeSignatures(ctx, { host: options.host, verifier: options.verifier, now: now(), quick, tls13: accepted.includes(ProtocolVersion.TLSv1_3), tls12: accepted.includes(ProtocolVersion.TLSv1_2), serverNames: scanNames });

  const [fallbackScsv, suites, certificate] = await Promise.all([
    probeFallbackScsv(ctx, accepted),
    Promise.all(suiteVersions.map((v) => probeSuites(ctx, v, helloExtensions))),
    probeCertificate(runner, options, serverName, now(), quick, plaintextChain(versionProbe.answers, legacy)),
  ]);
  const sessionBase: ClientOptions = { host: options.host, ...(serverName !== undefined ? { servername: serverName } : {}), verifier: options.verifier, rejectUnauthorized: false };
  const [groups, session] = await Promise.all([probeGroups(ctx, suites, quick), probeSessionFeatures(ctx, sessionBase, suites, accepted, quick)]);
  const signatures = await signatureProbe;

  const seen = (type: number): boolean | null => (helloExtensions.hellos === 0 ? null : (helloExtensions.counts.get(type) ?? 0) > 0);
  const cbc = suites.flatMap((s) => s.suites.filter((x) => x.encryptThenMac !== undefined));
  const features: FeaturesResult = {
    alpn: certificate.alpn,
    extendedMasterSecret: seen(ExtensionType.extended_master_secret),
    secureRenegotiation: seen(ExtensionType.renegotiation_info),
    sessionTicket: seen(ExtensionType.session_ticket),
    encryptThenMac: cbc.length === 0 ? null : cbc.every((x) => x.encryptThenMac),
    ocspStapling: certificate.result ? certificate.result.ocspStapled : null,
    ...session.features,
  };
  const partial = {
    schema: 'tlsglass-scan/1' as const,
    target: { host: options.host, port: options.port, serverName: serverName ?? null, starttls: options.starttls ?? null },
    quick,
    startedAt: started.toISOString(),
    durationMs: 0,
    connections: 0,
    versions: [...versionProbe.versions, sslv2],
    downgrade: { sentinel: downgradeSentinel(versionProbe), fallbackScsv },
    suites: orderSuites(suites),
    groups,
    certificate: certificate.result,
    certificateError: certificate.error,
    features,
    vulnerabilities: session.vulnerabilities,
    signatureAlgorithms: signatures.signatureAlgorithms,
    certificates: analyzeChains(signatures.observations, serverName ?? options.host, options.verifier, now()),
    clientAuth: clientAuthOf(signatures.observations),
  };
  const findings = deriveFindings(partial);
  return { ...partial, durationMs: Date.now() - startedMs, connections: runner.connections, findings, grade: grade(findings) };
}

function orderSuites(suites: readonly SuitesResult[]): SuitesResult[] {
  const rank = (s: SuitesResult): number => VERSIONS.findIndex((v) => v.name === s.version);
  return [...suites].sort((a, b) => rank(a) - rank(b));
}

/** A chain read from a TLS 1.2-or-older probe's plaintext flight (and whether a CertificateStatus came with it). */
interface PlaintextChain {
  readonly version: number;
  readonly chain: Uint8Array[];
  readonly ocsp: boolean;
}

/** The Certificate message of the best older version's answer, when it came (TLS 1.2 and older send it in the clear). */
function plaintextChain(answers: ReadonlyMap<number, ProbeAnswer>, versions: readonly number[]): PlaintextChain | undefined {
  for (const version of versions) {
    const a = answers.get(version);
    if (a?.kind !== 'hello') continue;
    const m = a.flight.find((x) => x.type === HandshakeType.certificate);
    if (!m) continue;
    try {
      return { version, chain: readCertificateTls12(m.body), ocsp: a.flight.some((x) => x.type === HandshakeType.certificate_status) };
    } catch {
      continue;
    }
  }
  return undefined;
}

/**
 * One real handshake (two without --quick: the second offers only the ALPN protocol the first
 * did not get). When ours cannot complete (a server with only suites or versions tlsglass does
 * not implement), the chain of a plaintext probe answer is judged instead.
 */
async function probeCertificate(
  runner: ProbeRunner,
  options: ScanOptions,
  serverName: string | undefined,
  now: Date,
  quick: boolean,
  plaintext: PlaintextChain | undefined,
): Promise<{ result: CertificateResult | null; error: string | null; alpn: string[] }> {
  const base: ClientOptions = {
    host: options.host,
    ...(serverName !== undefined ? { servername: serverName } : {}),
    verifier: options.verifier,
    rejectUnauthorized: false,
    requestOCSP: true,
    now: () => now,
  };
  const offer = ['h2', 'http/1.1'];
  try {
    const c = await runner.run((ch) => handshake(ch, { ...base, ALPNProtocols: offer }));
    const chosen = c.alpnProtocol;
    const alpn = chosen === false ? [] : [chosen];
    if (!quick && chosen !== false) {
      const other = offer.find((p) => p !== chosen)!;
      const again = await runner.run((ch) => handshake(ch, { ...base, ALPNProtocols: [other] })).catch(() => undefined);
      if (again?.alpnProtocol === other) alpn.push(other);
    }
    const chain = c.peerCertificates;
    if (chain.length === 0) return { result: null, error: 'the server sent no certificate', alpn };
    const name = serverName ?? options.host;
    return { result: analyzeChain(chain, name, options.verifier, now, c.protocol ?? '', c.negotiated.ocspResponse !== undefined, ocspSctCount(c.negotiated.ocspResponse)), error: null, alpn };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (!plaintext || plaintext.chain.length === 0) return { result: null, error: why, alpn: [] };
    const protocol = `${versionName(plaintext.version)} (read from a probe; tlsglass's own handshake failed: ${why})`;
    try {
      return { result: analyzeChain(plaintext.chain, serverName ?? options.host, options.verifier, now, protocol, plaintext.ocsp), error: null, alpn: [] };
    } catch (err2) {
      // A certificate that does not parse (our own handshake would have refused it too).
      return { result: null, error: `${why}; the probe's certificate: ${err2 instanceof Error ? err2.message : String(err2)}`, alpn: [] };
    }
  }
}
