/**
 * The pure-JS peers side by side with tlsglass.
 *
 * node-forge speaks only TLS 1.0/1.1 with RSA key exchange and AES-CBC + HMAC-SHA1, which
 * tlsglass does not implement (TLS 1.2+ only, RFC 8996). The closest like-for-like is therefore
 * forge ↔ forge (its server picks TLS 1.0) against tlsglass ↔ tlsglass with TLS 1.2 RSA key
 * exchange (same RSA-2048 certificate, same handshake shape); node:tls is shown on both.
 * @reclaimprotocol/tls is a client only: it connects to a node:tls server, as tlsglass's client does.
 */
import { handshakeSample, serve, type HsSample } from './handshake.js';
import { bulkSample, type BulkSample } from './bulk.js';
import { MiB, withFreshWorkers, type Context, type Section, type TargetCheck } from './lib/context.js';
import type { Impl, TlsSpec } from './lib/spec.js';
import { fmt, median, mmm, ratio, ratios, table } from './lib/stats.js';

const FORGE: TlsSpec = { version: 'TLSv1.1', cert: 'rsa-rsaca', cipher: 'AES128-SHA' };
const RSA_KX: TlsSpec = { version: 'TLSv1.2', cert: 'rsa-rsaca', cipher: 'AES128-GCM-SHA256' };
const TLS13: TlsSpec = { version: 'TLSv1.3', cert: 'rsa', cipher: 'TLS_AES_128_GCM_SHA256' };

interface PeerWay {
  readonly id: string;
  readonly label: string;
  readonly server: Impl;
  readonly client: Impl;
  readonly spec: TlsSpec;
}

const FORGE_WAYS: readonly PeerWay[] = [
  { id: 'ff', label: 'forge ↔ forge (TLS 1.0 RSA, AES128-SHA)', server: 'forge', client: 'forge', spec: FORGE },
  { id: 'fn', label: 'forge client → node server (TLS 1.1 RSA, AES128-SHA)', server: 'node', client: 'forge', spec: FORGE },
  { id: 'nn11', label: 'node ↔ node (TLS 1.1 RSA, AES128-SHA)', server: 'node', client: 'node', spec: FORGE },
  { id: 'gg', label: 'tlsglass ↔ tlsglass (TLS 1.2 RSA kx, AES128-GCM)', server: 'tlsglass', client: 'tlsglass', spec: RSA_KX },
  { id: 'nn', label: 'node ↔ node (TLS 1.2 RSA kx, AES128-GCM)', server: 'node', client: 'node', spec: RSA_KX },
];

const RECLAIM_WAYS: readonly PeerWay[] = [
  { id: 'rn', label: 'reclaim client → node server (TLS 1.3 X25519, RSA cert)', server: 'node', client: 'reclaim', spec: TLS13 },
  { id: 'gn', label: 'tlsglass client → node server (same)', server: 'node', client: 'tlsglass', spec: TLS13 },
  { id: 'nn', label: 'node client → node server (same)', server: 'node', client: 'node', spec: TLS13 },
];

interface GroupResult {
  rows: string[][];
  bulkRows: string[][];
  hs: Map<string, Map<number, HsSample[]>>;
  bulk: Map<string, Map<string, BulkSample[]>>;
}

async function runGroup(ctx: Context, ways: readonly PeerWay[], bulkBytes: (w: PeerWay, dir: 'down' | 'up') => number): Promise<GroupResult> {
  const hs = new Map<string, Map<number, HsSample[]>>(ways.map((w) => [w.id, new Map([[1, []], [8, []]])]));
  const bulk = new Map<string, Map<string, BulkSample[]>>(ways.map((w) => [w.id, new Map([['down', []], ['up', []]])]));
  const ms = ctx.quick ? 400 : 1000;
  // Each pair runs in its own processes (handshakes in one set, transfers in another), warmed up
  // first: forge's and reclaim's garbage (binary strings, promises) slowed down whatever ran next
  // in the same process, and a fresh process moves its first few hundred MiB 2–3× slower than a
  // warm one. The pairs are far apart (10–50×), so they run one after the other, not interleaved.
  for (const w of ways) {
    await withFreshWorkers(ctx, async (fresh) => {
      const port = await serve(fresh, w.server, w.spec, 'handshake');
      await handshakeSample(fresh, w.client, w.spec, port, 4, ctx.quick ? 300 : 1000); // warm-up
      for (let round = 0; round < ctx.rounds; round++) {
        for (const conc of [1, 8]) hs.get(w.id)!.get(conc)!.push(await handshakeSample(fresh, w.client, w.spec, port, conc, ms));
      }
    });
    await withFreshWorkers(ctx, async (fresh) => {
      for (const dir of ['down', 'up'] as const) {
        const p = await serve(fresh, w.server, w.spec, dir);
        const bytes = bulkBytes(w, dir);
        const warm = bytes >= 64 * MiB ? 4 : 2;
        for (let i = 0; i < warm; i++) await bulkSample(fresh, w.client, w.spec, p, Math.min(bytes, 64 * MiB), dir);
        for (let round = 0; round < ctx.rounds; round++) bulk.get(w.id)!.get(dir)!.push(await bulkSample(fresh, w.client, w.spec, p, bytes, dir));
      }
    });
    ctx.log(`  ${w.id}: ${fmt(median(hs.get(w.id)!.get(1)!.map((x) => x.rate)))} hs/s (c1), ${fmt(median(bulk.get(w.id)!.get('down')!.map((x) => x.mbps)))} MB/s down`);
  }
  const rows: string[][] = [];
  for (const w of ways) {
    for (const conc of [1, 8]) {
      const s = hs.get(w.id)!.get(conc)!;
      const errors = s.reduce((a, x) => a + x.errors, 0);
      rows.push([w.label, `${conc}`, mmm(s.map((x) => x.rate)), fmt(median(s.map((x) => x.clientMs))), fmt(median(s.map((x) => x.serverMs))), errors > 0 ? `${errors} (${s.find((x) => x.errors > 0)?.lastError ?? ''})` : '0']);
    }
  }
  const bulkRows: string[][] = [];
  for (const w of ways) {
    for (const dir of ['down', 'up'] as const) {
      const s = bulk.get(w.id)!.get(dir)!;
      bulkRows.push([w.label, dir, `${bulkBytes(w, dir) / MiB}`, mmm(s.map((x) => x.mbps)), fmt(median(s.map((x) => x.clientMsPerMiB))), fmt(median(s.map((x) => x.serverMsPerMiB)))]);
    }
  }
  return { rows, bulkRows, hs, bulk };
}

export async function runPeers(ctx: Context): Promise<Section> {
  const parts: string[] = [];
  const checks: TargetCheck[] = [];
  const hsHead = ['pair', 'conc', 'hs/s', 'client CPU ms/hs', 'server CPU ms/hs', 'errors'];
  const bulkHead = ['pair', 'dir', 'MiB', 'MB/s', 'client CPU ms/MiB', 'server CPU ms/MiB'];
  const big = (ctx.quick ? 64 : 256) * MiB;

  try {
    const forgeBytes = (w: PeerWay): number => (w.client === 'forge' || w.server === 'forge' ? (ctx.quick ? 4 : 16) * MiB : big);
    const g = await runGroup(ctx, FORGE_WAYS, forgeBytes);
    const ratioRows: string[][] = [];
    for (const conc of [1, 8]) {
      const r = ratios(g.hs.get('gg')!.get(conc)!.map((x) => x.rate), g.hs.get('ff')!.get(conc)!.map((x) => x.rate));
      ratioRows.push([`handshakes/s, concurrency ${conc}`, ratio(r)]);
      checks.push({ target: `≥ 20× forge · handshakes c${conc}`, figure: `${fmt(median(r))}×`, met: median(r) >= 20 });
    }
    for (const dir of ['down', 'up'] as const) {
      const r = ratios(g.bulk.get('gg')!.get(dir)!.map((x) => x.mbps), g.bulk.get('ff')!.get(dir)!.map((x) => x.mbps));
      ratioRows.push([`bulk MB/s, ${dir}`, ratio(r)]);
      checks.push({ target: `≥ 20× forge · bulk ${dir}`, figure: `${fmt(median(r))}×`, met: median(r) >= 20 });
    }
    parts.push(
      '### node-forge',
      '',
      'forge has only TLS 1.0/1.1 with RSA key exchange and CBC suites; tlsglass has only TLS 1.2/1.3. The like-for-like pair is forge ↔ forge against tlsglass ↔ tlsglass with TLS 1.2 RSA key exchange, on the same RSA-2048 certificate under an RSA CA (forge cannot verify EC signatures).',
      '',
      table(hsHead, g.rows),
      '',
      table(bulkHead, g.bulkRows),
      '',
      table(['tlsglass ↔ tlsglass vs forge ↔ forge', 'ratio of the samples in round order: median (min–max)'], ratioRows),
    );
  } catch (err) {
    parts.push('### node-forge', '', `Did not run: ${(err as Error).message.split('\n')[0]}`);
  }

  try {
    const reclaimBytes = (w: PeerWay, dir: 'down' | 'up'): number => (w.client === 'reclaim' ? (dir === 'down' ? (ctx.quick ? 16 : 64) : ctx.quick ? 4 : 16) * MiB : big);
    const g = await runGroup(ctx, RECLAIM_WAYS, reclaimBytes);
    const ratioRows: string[][] = [];
    for (const conc of [1, 8]) {
      ratioRows.push([`handshakes/s, concurrency ${conc}`, ratio(ratios(g.hs.get('gn')!.get(conc)!.map((x) => x.rate), g.hs.get('rn')!.get(conc)!.map((x) => x.rate)))]);
    }
    for (const dir of ['down', 'up'] as const) {
      ratioRows.push([`bulk MB/s, ${dir}`, ratio(ratios(g.bulk.get('gn')!.get(dir)!.map((x) => x.mbps), g.bulk.get('rn')!.get(dir)!.map((x) => x.mbps)))]);
    }
    parts.push(
      '',
      '### @reclaimprotocol/tls (client, WebCrypto backend)',
      '',
      table(hsHead, g.rows),
      '',
      table(bulkHead, g.bulkRows),
      '',
      table(['tlsglass client vs reclaim client (both → node:tls server)', 'ratio'], ratioRows),
    );
  } catch (err) {
    parts.push('', '### @reclaimprotocol/tls', '', `Did not run: ${(err as Error).message.split('\n')[0]}`);
  }
  return { title: 'Pure-JS peers: node-forge and @reclaimprotocol/tls', body: parts.join('\n'), targets: checks };
}
