/**
 * Memory per idle established connection: a fresh server process and a fresh client process hold
 * N connections that completed their handshake (and, in TLS 1.3, received their tickets) and then
 * went idle. Per connection = (after − before) / N, both measured after forced GCs, where
 * "before" follows a warm-up of 20 connections opened and closed.
 *
 * The workers run with V8's young generation pinned at its initial size and with compacting
 * forced GCs (MEM_FLAGS), the same for every implementation. Without that the figure was not a
 * per-connection one (issue 7): during the N handshakes V8 grows the young generation from
 * 2 × 1 MiB towards 2 × 16 MiB in step with the JavaScript allocated (tlsglass: +8 MiB over 300
 * handshakes, +24 MiB over 1000; node:tls, whose handshake runs in C++, never grew it), and that
 * empty, resident nursery was divided by N: 27 KiB of the 53 KiB "per connection" of a TLS 1.3
 * server at N = 300, ±10 KiB from run to run depending on how much of it had been touched. It is
 * a bounded, per-process cost of a busy JavaScript process, not of idle connections, and it stays
 * when all connections are closed. With the nursery kept small, more handshake garbage is
 * promoted into the old generation and leaves holes there that only a compacting GC removes
 * (tlsglass client: ~10 KiB per connection of old space over ~9 KiB of live heap), hence the
 * compacting forced GCs. Native memory needs no such care: the RSS of malloc'd memory
 * is what it is, and limiting glibc to one arena (MALLOC_ARENA_MAX=1) changes no figure by more
 * than the run-to-run noise (node:tls keeps ~80 KiB malloc'd per TLS 1.3 connection, of which
 * ~25 KiB is resident; tlsglass ~2.5 KiB).
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

/**
 * V8 flags of the memory workers (see the top of this file): the young generation stays at
 * V8's initial 1 MiB semi-spaces, which 20 warm-up handshakes fill and make resident, so that it
 * is in "before" as much as in "after"; and forced full GCs compact, so that the old generation
 * holds live objects rather than the holes handshakes left.
 */
const MEM_FLAGS = ['--min-semi-space-size=1', '--max-semi-space-size=1', '--compact-on-every-full-gc'];

async function memSample(ctx: Context, impl: Impl, spec: TlsSpec, n: number, flags: readonly string[] = MEM_FLAGS): Promise<MemSample> {
  const sp = await new Proc('mem-server', [...flags]).init(ctx.pki);
  const cp = await new Proc('mem-client', [...flags]).init(ctx.pki);
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
  // The same measurement once with V8's default flags, shown rather than hidden: there the
  // young generation a busy tlsglass process grows is divided by N as well.
  const plainRows: string[][] = [];
  for (const way of MEM_WAYS.filter((w) => w.impl !== 'tcp')) {
    const s = await memSample(ctx, way.impl, way.spec, n, []);
    ctx.log(`  ${way.id} (default V8 flags): server ${fmt(s.server.rss)} KiB RSS; client ${fmt(s.client.rss)} KiB RSS`);
    plainRows.push([way.label, fmt(s.server.rss), fmt(s.server.heapUsed), fmt(s.client.rss), fmt(s.client.heapUsed)]);
  }
  const body = [
    `${n} idle connections, fresh processes, ${rounds} round(s). KiB per connection: RSS median (min–max), V8 heap used, ArrayBuffers (Buffers); ratios to node:tls of the same version.`,
    `Workers run with \`${MEM_FLAGS.join(' ')}\` (all implementations): V8's young generation, which grows with a process's allocation rate and not with its connections, is kept out of the per-connection figure (bench/memory.ts).`,
    '',
    table(['implementation', 'server RSS', 'server heap', 'server buffers', 'server RSS vs node', 'client RSS', 'client heap', 'client buffers', 'client RSS vs node'], rows),
    '',
    `The same, one round with V8's default flags: (after − before) / N then also counts the young generation that V8 grows while a JavaScript process runs ${n} handshakes (up to 2 × 16 MiB per process, kept when the connections close; node:tls's handshakes run in C++ and do not grow it). A per-process cost, not a per-connection one, but a real one for a process that holds few connections:`,
    '',
    table(['implementation', 'server RSS', 'server heap', 'client RSS', 'client heap'], plainRows),
  ].join('\n');
  return { title: 'Memory per idle connection', body, targets: checks };
}
