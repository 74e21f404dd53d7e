/**
 * Time to first application byte over loopback: from the client's connect() call to the first
 * byte the server writes once its handshake completes (TCP connect + full handshake + one
 * record), one connection at a time, four ways.
 */
import { HANDSHAKE_CONFIGS, WAYS, serve } from './handshake.js';
import type { Context, Section } from './lib/context.js';
import type { Impl } from './lib/spec.js';
import { fmt, median, quantile, ratio, ratios, rotate, table } from './lib/stats.js';

export async function runLatency(ctx: Context): Promise<Section> {
  const n = ctx.quick ? 40 : 100;
  const rows: string[][] = [];
  for (const id of ['13-rsa', '12-ecdhe-rsa', '13-p256']) {
    const config = HANDSHAKE_CONFIGS.find((c) => c.id === id)!;
    const ports = new Map<Impl, number>();
    for (const impl of ['node', 'tlsglass'] as const) ports.set(impl, await serve(ctx, impl, config.spec, 'ttfb'));
    const medians = new Map<string, number[]>(WAYS.map((w) => [w.id, []]));
    const all = new Map<string, number[]>(WAYS.map((w) => [w.id, []]));
    for (const way of WAYS) await ctx.client.call('ttfb', { impl: way.client, spec: config.spec, port: ports.get(way.server)!, n: 10 });
    for (let round = 0; round < ctx.rounds; round++) {
      for (const way of rotate(WAYS, round)) {
        const { samples } = await ctx.client.call<{ samples: number[] }>('ttfb', { impl: way.client, spec: config.spec, port: ports.get(way.server)!, n });
        medians.get(way.id)!.push(median(samples));
        all.get(way.id)!.push(...samples);
      }
    }
    for (const way of WAYS) {
      const m = medians.get(way.id)!;
      rows.push([config.name, way.label, fmt(median(all.get(way.id)!)), fmt(quantile(all.get(way.id)!, 0.9)), way.id === 'nn' ? '1' : ratio(ratios(m, medians.get('nn')!))]);
    }
    ctx.log(`  ${id}: ${WAYS.map((w) => `${w.id} ${fmt(median(all.get(w.id)!))} ms`).join(', ')}`);
    for (const port of ports.values()) await ctx.server.call('unserve', { port });
  }
  const body = [
    `${n} sequential connections per way and round, ${ctx.rounds} rounds. Milliseconds from connect() to the first application byte; ratio = per-round median latency relative to node ↔ node (lower is better).`,
    '',
    table(['configuration', 'pair', 'median ms', 'p90 ms', 'latency vs node ↔ node'], rows),
  ].join('\n');
  return { title: 'Time to first application byte', body, targets: [] };
}
