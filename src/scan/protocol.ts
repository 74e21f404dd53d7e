/**
 * The probes about protocol versions (RFC 8446 §4.1.3 downgrade sentinel, RFC 7507 fallback
 * SCSV), cipher suites and key exchange groups. Each asks with raw hellos (hello.ts) on fresh
 * connections through the ProbeRunner, and reads only the server's ServerHello, HelloRetryRequest,
 * ServerKeyExchange or alert.
 */
import { AlertDescription, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, nameOf } from '../messages/enums.js';
import { findExtension } from '../messages/extensions/index.js';
import { readKeyShareRetry } from '../messages/extensions/tls13.js';
import { readServerKeyExchange } from '../messages/server-key-exchange.js';
import { ffdheGroupFor } from '../crypto/ffdhe-groups.js';
import { DOWNGRADE_TLS11, DOWNGRADE_TLS12 } from '../handshake/tls13-common.js';
import { isDheSuite, isEcdheSuite, LEGACY_SUITES, suiteInfo, TLS13_SUITES } from './cipher-suites.js';
import type { ProbeRunner } from './channel.js';
import { ask, type ProbeAnswer, type ProbeHello } from './hello.js';
import type { GroupsResult, SuiteEntry, SuitesResult, VersionName, VersionResult } from './result.js';

export const VERSIONS: readonly { readonly name: VersionName; readonly code: number }[] = [
  { name: 'TLSv1.3', code: ProtocolVersion.TLSv1_3 },
  { name: 'TLSv1.2', code: ProtocolVersion.TLSv1_2 },
  { name: 'TLSv1.1', code: ProtocolVersion.TLSv1_1 },
  { name: 'TLSv1', code: ProtocolVersion.TLSv1 },
  { name: 'SSLv3', code: ProtocolVersion.SSLv3 },
];

const EC_GROUPS: readonly number[] = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.secp521r1, NamedGroup.x448];
const FFDHE_GROUPS: readonly number[] = [NamedGroup.ffdhe2048, NamedGroup.ffdhe3072, NamedGroup.ffdhe4096, NamedGroup.ffdhe6144, NamedGroup.ffdhe8192];
const PQ_GROUPS: readonly number[] = [NamedGroup.X25519MLKEM768, NamedGroup.SecP256r1MLKEM768, NamedGroup.SecP384r1MLKEM1024, NamedGroup.MLKEM512, NamedGroup.MLKEM768, NamedGroup.MLKEM1024];
export const TLS13_GROUPS = [...PQ_GROUPS, ...EC_GROUPS, ...FFDHE_GROUPS];

/** What every probe shares: where it goes, how it gets randomness and connections. */
export interface ProbeContext {
  readonly runner: ProbeRunner;
  readonly serverName: string | undefined;
  readonly random: (n: number) => Uint8Array;
}

/** One hello on a fresh connection; a connection that fails or times out is an answer too ('failed'). */
export async function askFresh(ctx: ProbeContext, hello: Omit<ProbeHello, 'serverName'>): Promise<ProbeAnswer> {
  try {
    return await ctx.runner.run((channel) => ask(channel, { ...hello, serverName: ctx.serverName }, ctx.random));
  } catch (error) {
    return { kind: 'failed', error };
  }
}

/** A hello offering exactly one version, with every suite and group of that version. */
export function helloFor(ctx: ProbeContext, version: number): Omit<ProbeHello, 'serverName'> {
  if (version === ProtocolVersion.TLSv1_3) {
    return { version, tls13: true, suites: [...TLS13_SUITES.keys()], groups: TLS13_GROUPS, keyShares: [{ group: NamedGroup.x25519, keyExchange: ctx.random(32) }] };
  }
  return { version, suites: [...LEGACY_SUITES.keys()], groups: [...EC_GROUPS, ...FFDHE_GROUPS] };
}

export function describeAnswer(a: ProbeAnswer): string {
  switch (a.kind) {
    case 'hello':
      return `${a.retry ? 'HelloRetryRequest' : 'ServerHello'} ${versionName(a.version)}`;
    case 'alert':
      return `alert ${nameOf(AlertDescription, a.description, 'alert')}`;
    case 'closed':
      return 'closed without an answer';
    case 'error':
      return `not a TLS answer (${a.reason})`;
    case 'failed':
      return `no answer (${a.error instanceof Error ? a.error.message : String(a.error)})`;
  }
}

export function versionName(code: number): string {
  return VERSIONS.find((v) => v.code === code)?.name ?? `0x${code.toString(16)}`;
}

export interface VersionProbe {
  readonly versions: VersionResult[];
  /** The ServerHello each accepted version got (the sentinel's evidence). */
  readonly answers: Map<number, ProbeAnswer>;
}

/** One hello per version; accepted when the server answers with exactly that version. */
export async function probeVersions(ctx: ProbeContext): Promise<VersionProbe> {
  const answers = new Map<number, ProbeAnswer>();
  const versions = await Promise.all(
    VERSIONS.map(async ({ name, code }): Promise<VersionResult> => {
      const answer = await askFresh(ctx, helloFor(ctx, code));
      answers.set(code, answer);
      return { version: name, accepted: answer.kind === 'hello' && answer.version === code, answer: describeAnswer(answer) };
    }),
  );
  return { versions, answers };
}

/**
 * RFC 8446 §4.1.3: a server that supports TLS 1.3 and negotiates 1.2 ends its random with
 * DOWNGRD\x01, and with DOWNGRD\x00 for 1.1 or below. null unless the server has TLS 1.3 and an older one.
 */
export function downgradeSentinel(probe: VersionProbe): boolean | null {
  if (!probe.versions.find((v) => v.version === 'TLSv1.3')?.accepted) return null;
  let checked = false;
  for (const v of VERSIONS.slice(1)) {
    const a = probe.answers.get(v.code);
    if (a?.kind !== 'hello' || a.version !== v.code) continue;
    checked = true;
    const tail = a.hello.random.subarray(24);
    const expected = v.code === ProtocolVersion.TLSv1_2 ? DOWNGRADE_TLS12 : DOWNGRADE_TLS11;
    if (!tail.every((b, i) => b === expected[i])) return false;
  }
  return checked ? true : null;
}

/** RFC 7507: offer the second-best version with TLS_FALLBACK_SCSV; the server must refuse with inappropriate_fallback. */
export async function probeFallbackScsv(ctx: ProbeContext, accepted: readonly number[]): Promise<boolean | null> {
  if (accepted.length < 2) return null;
  const answer = await askFresh(ctx, { ...helloFor(ctx, accepted[1]!), fallbackScsv: true });
  // The same hello without the SCSV was accepted (accepted[1]), so a close without a ServerHello is
  // the refusal too: dovecot (OpenSSL under it) logs "inappropriate fallback" and closes, alert unsent.
  return (answer.kind === 'alert' && answer.description === AlertDescription.inappropriate_fallback) || answer.kind === 'closed';
}

/** What the TLS 1.2-and-older suite probes saw in the ServerHellos, for the features. */
export interface ServerHelloExtensions {
  /** ServerHellos seen. */
  hellos: number;
  /** How many of them carried each extension type. */
  readonly counts: Map<number, number>;
}

/**
 * The suites of one version: offer them all, strike the one the server picks, ask again until it
 * refuses. Then, with two or more, whose order it follows: the first two offered in both orders.
 */
export async function probeSuites(ctx: ProbeContext, version: number, extensions: ServerHelloExtensions): Promise<SuitesResult> {
  const base = helloFor(ctx, version);
  const remaining = [...base.suites];
  const found: SuiteEntry[] = [];
  while (remaining.length > 0) {
    const answer = await askFresh(ctx, { ...base, suites: remaining });
    if (answer.kind !== 'hello' || answer.version !== version) break;
    const code = answer.hello.cipherSuite;
    const i = remaining.indexOf(code);
    if (i < 0) break; // a suite we did not offer: the server is broken, stop here
    remaining.splice(i, 1);
    const info = suiteInfo(code);
    const has = (type: number): boolean => findExtension(answer.hello.extensions, type) !== undefined;
    if (version < ProtocolVersion.TLSv1_3) {
      extensions.hellos++;
      for (const e of answer.hello.extensions) extensions.counts.set(e.type, (extensions.counts.get(e.type) ?? 0) + 1);
    }
    found.push({ code, name: info.name, keyExchange: info.keyExchange, ...(info.cbc ? { encryptThenMac: has(ExtensionType.encrypt_then_mac) } : {}) });
  }
  let preference: SuitesResult['preference'] = null;
  if (found.length >= 2) {
    const [a, b] = [found[0]!.code, found[1]!.code];
    const [first, second] = await Promise.all([askFresh(ctx, { ...base, suites: [a, b] }), askFresh(ctx, { ...base, suites: [b, a] })]);
    if (first.kind === 'hello' && second.kind === 'hello') preference = first.hello.cipherSuite === second.hello.cipherSuite ? 'server' : 'client';
  }
  return { version: versionName(version) as VersionName, suites: found, preference };
}

/**
 * TLS 1.3 groups: offer them all with no key share, so that a server that supports one asks for
 * it by HelloRetryRequest (RFC 8446 §4.1.4); strike it and ask again until it refuses. Then
 * whether it uses an x25519 share we send at once.
 */
async function probeGroups13(ctx: ProbeContext): Promise<Pick<GroupsResult, 'tls13' | 'tls13KeyShare'>> {
  const remaining = [...TLS13_GROUPS];
  const found: string[] = [];
  while (remaining.length > 0) {
    const answer = await askFresh(ctx, { ...helloFor(ctx, ProtocolVersion.TLSv1_3), groups: remaining, keyShares: [] });
    if (answer.kind !== 'hello' || !answer.retry) break;
    const group = retryGroup(answer);
    const i = group === undefined ? -1 : remaining.indexOf(group);
    if (i < 0) break;
    remaining.splice(i, 1);
    found.push(nameOf(NamedGroup, group!, 'NamedGroup'));
  }
  const withShare = await askFresh(ctx, helloFor(ctx, ProtocolVersion.TLSv1_3));
  let helloRetryFor: string | null = null;
  if (withShare.kind === 'hello' && withShare.retry) {
    const group = retryGroup(withShare);
    helloRetryFor = group === undefined ? null : nameOf(NamedGroup, group, 'NamedGroup');
  }
  return { tls13: found, tls13KeyShare: withShare.kind === 'hello' ? { offered: 'x25519', helloRetryFor } : null };
}

/** The selected_group of a HelloRetryRequest; undefined when it has none or a malformed one. */
function retryGroup(answer: Extract<ProbeAnswer, { kind: 'hello' }>): number | undefined {
  const ks = findExtension(answer.hello.extensions, ExtensionType.key_share);
  try {
    return ks ? readKeyShareRetry(ks) : undefined;
  } catch {
    return undefined;
  }
}

/** The ServerKeyExchange of a TLS 1.2-or-older answer, parsed for its key exchange. */
function serverKeyExchange(answer: ProbeAnswer, kind: 'ecdhe' | 'dhe'): ReturnType<typeof readServerKeyExchange> | undefined {
  if (answer.kind !== 'hello') return undefined;
  const m = answer.flight.find((x) => x.type === HandshakeType.server_key_exchange);
  if (!m) return undefined;
  try {
    return readServerKeyExchange(m.body, kind);
  } catch {
    return undefined;
  }
}

/** TLS 1.2 ECDHE curves: ECDHE suites only, strike the curve each ServerKeyExchange names. */
async function probeCurves12(ctx: ProbeContext, version: number, quick: boolean): Promise<string[]> {
  const suites = [...LEGACY_SUITES.keys()].filter(isEcdheSuite);
  const remaining = [...EC_GROUPS];
  const found: string[] = [];
  while (remaining.length > 0) {
    const ske = serverKeyExchange(await askFresh(ctx, { version, suites, groups: remaining }), 'ecdhe');
    if (ske?.params.kind !== 'ecdhe') break;
    const i = remaining.indexOf(ske.params.namedCurve);
    found.push(nameOf(NamedGroup, ske.params.namedCurve, 'NamedGroup'));
    if (i < 0 || quick) break;
    remaining.splice(i, 1);
  }
  return found;
}

/** TLS 1.2 DHE: DHE suites, no FFDHE group offered, so the server sends its own prime. */
async function probeDhe(ctx: ProbeContext, version: number): Promise<GroupsResult['dhe']> {
  const suites = [...LEGACY_SUITES.keys()].filter(isDheSuite);
  const ske = serverKeyExchange(await askFresh(ctx, { version, suites, groups: EC_GROUPS }), 'dhe');
  if (ske?.params.kind !== 'dhe') return null;
  const p = ske.params.p;
  let i = 0;
  while (i < p.length && p[i] === 0) i++;
  const bits = i === p.length ? 0 : (p.length - i - 1) * 8 + (32 - Math.clz32(p[i]!));
  const named = ffdheGroupFor(p.subarray(i), ske.params.g);
  return { bits, rfc7919: named === undefined ? null : nameOf(NamedGroup, named, 'NamedGroup'), modp: isModpPrime(p.subarray(i)) };
}

/**
 * RFC 2409 §6 / RFC 3526 MODP primes: 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) pi) + k), so
 * each starts with 64 one bits and π's binary digits (0xC90FDAA22168C234…) and ends with 64 one bits.
 */
const MODP_PREFIX = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc9, 0x0f, 0xda, 0xa2, 0x21, 0x68, 0xc2, 0x34];

function isModpPrime(p: Uint8Array): boolean {
  return p.length >= 96 && MODP_PREFIX.every((b, i) => p[i] === b) && p.subarray(p.length - 8).every((b) => b === 0xff);
}

export async function probeGroups(ctx: ProbeContext, suites: readonly SuitesResult[], quick: boolean): Promise<GroupsResult> {
  const has13 = suites.some((s) => s.version === 'TLSv1.3' && s.suites.length > 0);
  const legacy = suites.find((s) => s.version !== 'TLSv1.3' && s.suites.length > 0);
  const legacyCode = legacy ? VERSIONS.find((v) => v.name === legacy.version)!.code : undefined;
  const [g13, curves, dhe] = await Promise.all([
    has13 ? probeGroups13(ctx) : Promise.resolve({ tls13: [], tls13KeyShare: null }),
    legacyCode !== undefined && legacy!.suites.some((s) => isEcdheSuite(s.code)) ? probeCurves12(ctx, legacyCode, quick) : Promise.resolve([]),
    legacyCode !== undefined && legacy!.suites.some((s) => isDheSuite(s.code)) ? probeDhe(ctx, legacyCode) : Promise.resolve(null),
  ]);
  return { ...g13, tls12Ecdhe: curves, dhe };
}
