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
import { nodeCryptoProvider } from '../src/crypto/node/index.js';
import { NamedGroup } from '../src/messages/enums.js';
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
  const kx = keyExchangeCpu(ctx.quick ? 100 : 300, ctx.rounds + 2);
  parts.push(
    '',
    `### The key exchange alone, in this process (${runtime})`,
    '',
    'CPU microseconds per handshake (process.cpuUsage, so time spent waiting for a core on a busy machine does not count) through the provider tlsglass uses: the client generates its share and derives the secret (for X25519MLKEM768 ML-KEM key generation and decapsulation beside X25519), the server responds (ML-KEM encapsulation beside X25519). Median of the rounds.',
    '',
    table(['group', 'client µs', 'server µs'], [
      ['x25519', fmt(kx.x25519.client), fmt(kx.x25519.server)],
      ['X25519MLKEM768', fmt(kx.pq.client), fmt(kx.pq.server)],
      ['extra for the hybrid', fmt(kx.pq.client - kx.x25519.client), fmt(kx.pq.server - kx.x25519.server)],
    ]),
  );
  ctx.log(`  key exchange CPU µs: x25519 ${fmt(kx.x25519.client)}/${fmt(kx.x25519.server)}, X25519MLKEM768 ${fmt(kx.pq.client)}/${fmt(kx.pq.server)} (client/server)`);
  return { title: `Post-quantum handshakes (${process.version})`, body: parts.join('\n'), targets };
}

/** CPU per handshake of each side's key exchange, x25519 and X25519MLKEM768 alternating, median over `rounds` of `n`. */
function keyExchangeCpu(n: number, rounds: number): Record<'x25519' | 'pq', { client: number; server: number }> {
  const kx = nodeCryptoProvider.keyExchange;
  const cpu = (f: () => void): number => {
    const start = process.cpuUsage();
    f();
    const d = process.cpuUsage(start);
    return d.user + d.system;
  };
  const once = (group: NamedGroup): { client: number; server: number } => {
    const shares = [] as ReturnType<typeof kx.generate>[];
    const answers = [] as ReturnType<typeof kx.respond>[];
    const generate = cpu(() => {
      for (let i = 0; i < n; i++) shares.push(kx.generate(group));
    });
    const respond = cpu(() => {
      for (const s of shares) answers.push(kx.respond(group, s.publicKey));
    });
    const derive = cpu(() => shares.forEach((s, i) => s.deriveSecret(answers[i]!.publicKey)));
    return { client: (generate + derive) / n, server: respond / n };
  };
  const groups = { x25519: NamedGroup.x25519, pq: NamedGroup.X25519MLKEM768 } as const;
  const samples = { x25519: [] as { client: number; server: number }[], pq: [] as { client: number; server: number }[] };
  for (const g of Object.values(groups)) once(g); // warm-up
  for (let r = 0; r < rounds; r++) for (const [k, g] of Object.entries(groups) as ['x25519' | 'pq', NamedGroup][]) samples[k].push(once(g));
  const med = (k: 'x25519' | 'pq') => ({ client: median(samples[k].map((s) => s.client)), server: median(samples[k].map((s) => s.server)) });
  return { x25519: med('x25519'), pq: med('pq') };
}
