/**
 * Post-quantum handshakes (issue 15). Where node:tls has ML-KEM (Node 24, OpenSSL 3.5): tlsglass
 * with node:crypto's native ML-KEM against node:tls, both on X25519MLKEM768, RSA-2048 and P-256
 * certificates, all four ways as in the handshake case. On every runtime: what X25519MLKEM768
 * costs over x25519 on each side, tlsglass ↔ tlsglass (on Node 20 ML-KEM is @noble/post-quantum,
 * pure JavaScript), the two groups interleaved round by round under the same load.
 */
import * as crypto from 'node:crypto';
import * as nodeTls from 'node:tls';
import type { Context, Section } from './lib/context.js';
import type { TlsSpec } from './lib/spec.js';
import { fmt, median, rotate, table } from './lib/stats.js';
import { handshakeSample, PQ_CONFIGS, runHandshakes, serve, type HsSample } from './handshake.js';

/** Whether this runtime's node:tls takes X25519MLKEM768 (Node 24's OpenSSL 3.5 does; Node 20's 3.0 throws). */
export function nodeTlsHasMlKem(): boolean {
  try {
    nodeTls.createSecureContext({ ecdhCurve: 'X25519MLKEM768' });
    return true;
  } catch {
    return false;
  }
}

const GROUPS = [
  { id: 'x25519', label: 'x25519', groups: 'X25519' },
  { id: 'pq', label: 'X25519MLKEM768', groups: 'X25519MLKEM768' },
] as const;

export async function runPq(ctx: Context): Promise<Section> {
  const parts: string[] = [];
  const native = typeof (crypto as { encapsulate?: unknown }).encapsulate === 'function';
  const runtime = `Node ${process.version}, ML-KEM from ${native ? 'node:crypto (native)' : '@noble/post-quantum (pure JavaScript)'}`;
  let targets: Section['targets'] = [];
  if (nodeTlsHasMlKem()) {
    const vs = await runHandshakes(ctx, undefined, PQ_CONFIGS, 'pq');
    targets = vs.targets.map((t) => ({ ...t, target: t.target.replace('handshakes/s ≥ 0.9×', 'PQ handshakes/s ≥ 0.9×') }));
    parts.push(`### tlsglass against node:tls, both on X25519MLKEM768 (${runtime})`, '', vs.body, '');
  } else {
    parts.push(`node:tls on ${process.version} (OpenSSL ${process.versions.openssl}) has no X25519MLKEM768, so the side-by-side rows need Node 24: \`npm run bench:pq\`.`, '');
  }
  const ms = ctx.quick ? 300 : 600;
  const rows: string[][] = [];
  for (const cert of ['rsa', 'ecdsa'] as const) {
    const specs = GROUPS.map((g) => ({ ...g, spec: { version: 'TLSv1.3', cert, cipher: 'TLS_AES_128_GCM_SHA256', groups: g.groups } as TlsSpec }));
    const ports = new Map<string, number>();
    for (const g of specs) ports.set(g.id, await serve(ctx, 'tlsglass', g.spec, 'handshake'));
    for (const g of specs) await handshakeSample(ctx, 'tlsglass', g.spec, ports.get(g.id)!, 1, ctx.quick ? 100 : 200);
    const samples = new Map<string, HsSample[]>(specs.map((g) => [g.id, []]));
    for (let round = 0; round < ctx.rounds; round++) {
      for (const g of rotate(specs, round)) samples.get(g.id)!.push(await handshakeSample(ctx, 'tlsglass', g.spec, ports.get(g.id)!, 1, ms));
    }
    const med = (id: string, k: 'rate' | 'clientMs' | 'serverMs'): number => median(samples.get(id)!.map((s) => s[k]));
    const errors = [...samples.values()].flat().reduce((n, s) => n + s.errors, 0);
    const extra = (k: 'clientMs' | 'serverMs'): string => `${fmt((med('pq', k) - med('x25519', k)) * 1000)} µs`;
    rows.push([
      cert === 'rsa' ? 'RSA-2048' : 'P-256',
      `${fmt(med('x25519', 'rate'))} → ${fmt(med('pq', 'rate'))} (${fmt(med('pq', 'rate') / med('x25519', 'rate'))}×)`,
      `${fmt(med('x25519', 'serverMs'))} → ${fmt(med('pq', 'serverMs'))}`,
      extra('serverMs'),
      `${fmt(med('x25519', 'clientMs'))} → ${fmt(med('pq', 'clientMs'))}`,
      extra('clientMs'),
      `${errors}`,
    ]);
    ctx.log(`  pq cost ${cert}: ${rows.at(-1)!.slice(1).join(' | ')}`);
    for (const port of ports.values()) await ctx.server.call('unserve', { port });
  }
  parts.push(
    `### What X25519MLKEM768 costs over x25519, tlsglass ↔ tlsglass (${runtime})`,
    '',
    `Concurrency 1, median over ${ctx.rounds} rounds of ${ms} ms, the two groups interleaved. The server does ML-KEM encapsulation beside its X25519; the client key generation and decapsulation. CPU is user+sys per handshake of each process.`,
    '',
    table(['certificate', 'hs/s x25519 → X25519MLKEM768', 'server CPU ms/hs', 'server extra', 'client CPU ms/hs', 'client extra', 'errors'], rows),
  );
  return { title: `Post-quantum handshakes (${process.version})`, body: parts.join('\n'), targets };
}
