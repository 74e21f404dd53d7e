/**
 * Bulk throughput over one connection: N MiB in 64 KiB application writes, "down" (the server
 * sends, the client receives) and "up" (the reverse; the server acknowledges the last byte),
 * for the three AEADs on TLS 1.2 and 1.3: tlsglass ↔ tlsglass against node:tls ↔ node:tls and
 * plain TCP. For TLS 1.3 AES-128-GCM the mixed pairs show which side costs what. The handshake
 * is not timed. MB/s = 10^6 bytes per second.
 */
import { serve, type Way } from './handshake.js';
import { MiB, type Context, type Section, type TargetCheck } from './lib/context.js';
import type { Impl, TlsSpec } from './lib/spec.js';
import { fmt, median, mmm, ratio, ratios, rotate, table } from './lib/stats.js';

const BULK_CONFIGS: readonly { id: string; name: string; spec: TlsSpec; mixed?: boolean }[] = [
  { id: '13-aes128', name: 'TLS 1.3 AES-128-GCM', spec: { version: 'TLSv1.3', cert: 'rsa', cipher: 'TLS_AES_128_GCM_SHA256' }, mixed: true },
  { id: '13-aes256', name: 'TLS 1.3 AES-256-GCM', spec: { version: 'TLSv1.3', cert: 'rsa', cipher: 'TLS_AES_256_GCM_SHA384' } },
  { id: '13-chacha', name: 'TLS 1.3 ChaCha20-Poly1305', spec: { version: 'TLSv1.3', cert: 'rsa', cipher: 'TLS_CHACHA20_POLY1305_SHA256' } },
  { id: '12-aes128', name: 'TLS 1.2 ECDHE-RSA-AES128-GCM', spec: { version: 'TLSv1.2', cert: 'rsa', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' } },
  { id: '12-aes256', name: 'TLS 1.2 ECDHE-RSA-AES256-GCM', spec: { version: 'TLSv1.2', cert: 'rsa', cipher: 'ECDHE-RSA-AES256-GCM-SHA384' } },
  { id: '12-chacha', name: 'TLS 1.2 ECDHE-RSA-CHACHA20-POLY1305', spec: { version: 'TLSv1.2', cert: 'rsa', cipher: 'ECDHE-RSA-CHACHA20-POLY1305' } },
];

const BULK_WAYS: readonly Way[] = [
  { id: 'nn', label: 'node ↔ node', server: 'node', client: 'node' },
  { id: 'gg', label: 'tlsglass ↔ tlsglass', server: 'tlsglass', client: 'tlsglass' },
];
const MIXED_WAYS: readonly Way[] = [
  { id: 'gn', label: 'tlsglass server, node client', server: 'tlsglass', client: 'node' },
  { id: 'ng', label: 'node server, tlsglass client', server: 'node', client: 'tlsglass' },
];

export interface BulkSample {
  readonly mbps: number;
  readonly clientMsPerMiB: number;
  readonly serverMsPerMiB: number;
}

export async function bulkSample(ctx: Context, client: Impl, spec: TlsSpec, port: number, bytes: number, dir: 'down' | 'up'): Promise<BulkSample> {
  const s0 = await ctx.server.call<{ cpuUs: number }>('cpu');
  const r = await ctx.client.call<{ ms: number; cpuUs: number }>('bulk', { impl: client, spec, port, bytes, dir });
  const s1 = await ctx.server.call<{ cpuUs: number }>('cpu');
  const mib = bytes / MiB;
  return { mbps: bytes / 1e6 / (r.ms / 1000), clientMsPerMiB: r.cpuUs / 1000 / mib, serverMsPerMiB: (s1.cpuUs - s0.cpuUs) / 1000 / mib };
}

export async function runBulk(ctx: Context, only?: readonly string[]): Promise<Section> {
  const bytes = (ctx.quick ? 64 : 256) * MiB;
  const rows: string[][] = [];
  const checks: TargetCheck[] = [];
  const tcpSpec: TlsSpec = { version: 'TLSv1.3', cert: 'rsa', cipher: '' };

  // Warm-up: a fresh process moves its first few hundred MiB 2–3× slower than a warm one (JIT
  // tiers, heap growth), for node:tls as for tlsglass, so both processes first move 6 × 64 MiB
  // each way with each implementation.
  {
    const warmSpec = BULK_CONFIGS[0]!.spec;
    for (const dir of ['down', 'up'] as const) {
      const ports: [Impl, TlsSpec, number][] = [
        ['tcp', tcpSpec, await serve(ctx, 'tcp', tcpSpec, dir)],
        ['node', warmSpec, await serve(ctx, 'node', warmSpec, dir)],
        ['tlsglass', warmSpec, await serve(ctx, 'tlsglass', warmSpec, dir)],
      ];
      for (let i = 0; i < (ctx.quick ? 3 : 6); i++) for (const [impl, spec, port] of ports) await bulkSample(ctx, impl, spec, port, 64 * MiB, dir);
      for (const [, , port] of ports) await ctx.server.call('unserve', { port });
    }
  }
  for (const dir of ['down', 'up'] as const) {
    const tcpPort = await serve(ctx, 'tcp', tcpSpec, dir);
    const tcp: BulkSample[] = [];
    for (const config of BULK_CONFIGS.filter((c) => !only || only.includes(c.id))) {
      const ways = config.mixed ? [...BULK_WAYS, ...MIXED_WAYS] : BULK_WAYS;
      const ports = new Map<Impl, number>();
      for (const impl of ['node', 'tlsglass'] as const) ports.set(impl, await serve(ctx, impl, config.spec, dir));
      for (const way of ways) await bulkSample(ctx, way.client, config.spec, ports.get(way.server)!, 64 * MiB, dir); // warm-up of this suite's code
      const samples = new Map<string, BulkSample[]>(ways.map((w) => [w.id, []]));
      const tcpHere: number[] = [];
      for (let round = 0; round < ctx.rounds; round++) {
        // TCP once per round of each configuration, so that every TLS figure has a TCP figure of the same moment.
        const t = await bulkSample(ctx, 'tcp', tcpSpec, tcpPort, bytes, dir);
        tcp.push(t);
        tcpHere.push(t.mbps);
        for (const way of rotate(ways, round)) samples.get(way.id)!.push(await bulkSample(ctx, way.client, config.spec, ports.get(way.server)!, bytes, dir));
      }
      const mbps = (id: string): number[] => samples.get(id)!.map((s) => s.mbps);
      const base = mbps('nn');
      for (const way of ways) {
        const s = samples.get(way.id)!;
        const r = ratios(mbps(way.id), base);
        rows.push([
          config.name,
          dir,
          way.label,
          mmm(mbps(way.id)),
          way.id === 'nn' ? '1' : ratio(r),
          ratio(ratios(mbps(way.id), tcpHere)),
          fmt(median(s.map((x) => x.clientMsPerMiB))),
          fmt(median(s.map((x) => x.serverMsPerMiB))),
          fmt(median(s.map((x) => x.clientMsPerMiB + x.serverMsPerMiB))),
        ]);
        if (way.id === 'gg') {
          const m = median(r);
          checks.push({ target: `bulk ≥ 0.8× · ${config.id} ${dir}`, figure: `${fmt(m)}× (${fmt(median(mbps('gg')))} vs ${fmt(median(base))} MB/s)`, met: m >= 0.8 });
        }
      }
      ctx.log(`  ${config.id} ${dir}: node ${fmt(median(base))} MB/s, tlsglass ${fmt(median(mbps('gg')))} MB/s (${fmt(median(ratios(mbps('gg'), base)))}×)`);
      for (const port of ports.values()) await ctx.server.call('unserve', { port });
    }
    rows.push([
      'plain TCP',
      dir,
      'net ↔ net',
      mmm(tcp.map((s) => s.mbps)),
      '',
      '1',
      fmt(median(tcp.map((s) => s.clientMsPerMiB))),
      fmt(median(tcp.map((s) => s.serverMsPerMiB))),
      fmt(median(tcp.map((s) => s.clientMsPerMiB + s.serverMsPerMiB))),
    ]);
    await ctx.server.call('unserve', { port: tcpPort });
  }

  const body = [
    `${bytes / MiB} MiB per transfer in 64 KiB writes, ${ctx.rounds} rounds; "down": server → client, "up": client → server. MB/s median (min–max); ratios are medians (min–max) of per-round ratios to node ↔ node and to plain TCP measured in the same round. CPU: user+sys ms per MiB of each process (median).`,
    '',
    table(['configuration', 'dir', 'pair', 'MB/s', 'vs node:tls', 'vs TCP', 'client CPU ms/MiB', 'server CPU ms/MiB', 'both, ms/MiB'], rows),
  ].join('\n');
  return { title: 'Bulk throughput', body, targets: checks };
}
