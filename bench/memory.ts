/**
 * Memory per idle established connection: a fresh server process and a fresh client process hold
 * N connections that completed their handshake (and, in TLS 1.3, received their tickets) and then
 * went idle. Per connection = (after − before) / N, both measured after forced GCs, where
 * "before" follows a warm-up of 20 connections opened and closed.
 */
import type { Context, Section, TargetCheck } from './lib/context.js';
import { Proc } from './lib/proc.js';
import type { Impl, TlsSpec } from './lib/spec.js';
import { fmt, median, mmm, ratio, ratios, rotate, table } from './lib/stats.js';

interface Mem {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

const MEM_WAYS: readonly { id: string; label: string; impl: Impl; spec: TlsSpec }[] = [
  { id: 'tcp', label: 'plain TCP', impl: 'tcp', spec: { version: 'TLSv1.3', cert: 'rsa', cipher: '' } },
  { id: 'n13', label: 'node:tls TLS 1.3', impl: 'node', spec: { version: 'TLSv1.3', cert: 'rsa', cipher: 'TLS_AES_128_GCM_SHA256' } },
  { id: 'g13', label: 'tlsglass TLS 1.3', impl: 'tlsglass', spec: { version: 'TLSv1.3', cert: 'rsa', cipher: 'TLS_AES_128_GCM_SHA256' } },
  { id: 'n12', label: 'node:tls TLS 1.2', impl: 'node', spec: { version: 'TLSv1.2', cert: 'rsa', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' } },
  { id: 'g12', label: 'tlsglass TLS 1.2', impl: 'tlsglass', spec: { version: 'TLSv1.2', cert: 'rsa', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' } },
];

interface MemSample {
  server: Mem;
  client: Mem;
}

async function memSample(ctx: Context, impl: Impl, spec: TlsSpec, n: number): Promise<MemSample> {
  const sp = await new Proc('mem-server').init(ctx.pki);
  const cp = await new Proc('mem-client').init(ctx.pki);
  try {
    const { port } = await sp.call<{ port: number }>('serve', { impl, spec, mode: 'idle' });
    await cp.call('hold', { impl, spec, port, n: 20, concurrency: 4 });
    await cp.call('release');
    await new Promise((r) => setTimeout(r, 300));
    const [s0, c0] = await Promise.all([sp.call<Mem>('memory'), cp.call<Mem>('memory')]);
    await cp.call('hold', { impl, spec, port, n, concurrency: 16 });
    await new Promise((r) => setTimeout(r, 500));
    const [s1, c1] = await Promise.all([sp.call<Mem>('memory'), cp.call<Mem>('memory')]);
    const per = (a: Mem, b: Mem): Mem => ({
      rss: (b.rss - a.rss) / n / 1024,
      heapUsed: (b.heapUsed - a.heapUsed) / n / 1024,
      external: (b.external - a.external) / n / 1024,
      arrayBuffers: (b.arrayBuffers - a.arrayBuffers) / n / 1024,
    });
    return { server: per(s0, s1), client: per(c0, c1) };
  } finally {
    await cp.close();
    await sp.close();
  }
}

export async function runMemory(ctx: Context): Promise<Section> {
  const n = ctx.quick ? 300 : 1000;
  const rounds = ctx.quick ? 1 : Math.min(ctx.rounds, 3);
  const samples = new Map<string, MemSample[]>(MEM_WAYS.map((w) => [w.id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const way of rotate(MEM_WAYS, round)) {
      const s = await memSample(ctx, way.impl, way.spec, n);
      samples.get(way.id)!.push(s);
      ctx.log(`  ${way.id}: server ${fmt(s.server.rss)} KiB RSS, ${fmt(s.server.heapUsed)} KiB heap; client ${fmt(s.client.rss)} KiB RSS, ${fmt(s.client.heapUsed)} KiB heap`);
    }
  }
  const rows: string[][] = [];
  const checks: TargetCheck[] = [];
  const get = (id: string, side: 'server' | 'client', k: keyof Mem): number[] => samples.get(id)!.map((s) => s[side][k]);
  for (const way of MEM_WAYS) {
    const base = way.id.startsWith('g') ? `n${way.id.slice(1)}` : undefined;
    rows.push([
      way.label,
      mmm(get(way.id, 'server', 'rss')),
      fmt(median(get(way.id, 'server', 'heapUsed'))),
      fmt(median(get(way.id, 'server', 'arrayBuffers'))),
      base ? ratio(ratios(get(way.id, 'server', 'rss'), get(base, 'server', 'rss'))) : '',
      mmm(get(way.id, 'client', 'rss')),
      fmt(median(get(way.id, 'client', 'heapUsed'))),
      fmt(median(get(way.id, 'client', 'arrayBuffers'))),
      base ? ratio(ratios(get(way.id, 'client', 'rss'), get(base, 'client', 'rss'))) : '',
    ]);
    if (base) {
      for (const side of ['server', 'client'] as const) {
        const ours = median(get(way.id, side, 'rss'));
        const theirs = median(get(base, side, 'rss'));
        checks.push({ target: `memory/idle conn ≤ 1.5× · ${way.label} ${side} (RSS)`, figure: `${fmt(ours / theirs)}× (${fmt(ours)} vs ${fmt(theirs)} KiB)`, met: ours / theirs <= 1.5 });
      }
    }
  }
  const body = [
    `${n} idle connections, fresh processes, ${rounds} round(s). KiB per connection: RSS median (min–max), V8 heap used, ArrayBuffers (Buffers); ratios to node:tls of the same version.`,
    '',
    table(['implementation', 'server RSS', 'server heap', 'server buffers', 'server RSS vs node', 'client RSS', 'client heap', 'client buffers', 'client RSS vs node'], rows),
  ].join('\n');
  return { title: 'Memory per idle connection', body, targets: checks };
}
