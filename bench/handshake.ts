/**
 * Handshakes per second at concurrency 1 and 8, four ways per configuration: node:tls ↔ node:tls
 * (the baseline), tlsglass server ← node:tls client, node:tls server ← tlsglass client, and
 * tlsglass ↔ tlsglass. Client and server run in separate processes; each sample is a fixed time
 * of back-to-back connections (handshake, then close_notify both ways), and the four ways of a
 * configuration run back to back in a rotated order every round, so that each round gives a ratio
 * taken under the same machine load.
 */
import type { Context, Section, TargetCheck } from './lib/context.js';
import type { Impl, TlsSpec } from './lib/spec.js';
import { fmt, median, mmm, ratio, ratios, rotate, table } from './lib/stats.js';

export interface HandshakeConfig {
  readonly id: string;
  readonly name: string;
  readonly spec: TlsSpec;
}

export const HANDSHAKE_CONFIGS: readonly HandshakeConfig[] = [
  { id: '12-ecdhe-rsa', name: 'TLS 1.2 ECDHE-RSA (X25519, RSA-2048)', spec: { version: 'TLSv1.2', cert: 'rsa', cipher: 'ECDHE-RSA-AES128-GCM-SHA256' } },
  { id: '12-ecdhe-ecdsa', name: 'TLS 1.2 ECDHE-ECDSA (X25519, P-256)', spec: { version: 'TLSv1.2', cert: 'ecdsa', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256', groups: 'X25519:P-256' } },
  { id: '12-rsa-kx', name: 'TLS 1.2 RSA key exchange (AES128-GCM-SHA256)', spec: { version: 'TLSv1.2', cert: 'rsa', cipher: 'AES128-GCM-SHA256' } },
  { id: '12-dhe', name: 'TLS 1.2 DHE-RSA ffdhe2048', spec: { version: 'TLSv1.2', cert: 'rsa', cipher: 'DHE-RSA-AES128-GCM-SHA256' } },
  { id: '13-rsa', name: 'TLS 1.3 X25519, RSA-2048 cert', spec: { version: 'TLSv1.3', cert: 'rsa', cipher: 'TLS_AES_128_GCM_SHA256' } },
  { id: '13-p256', name: 'TLS 1.3 X25519, P-256 cert', spec: { version: 'TLSv1.3', cert: 'ecdsa', cipher: 'TLS_AES_128_GCM_SHA256' } },
  { id: '13-mtls', name: 'TLS 1.3 mutual TLS (RSA-2048 both sides)', spec: { version: 'TLSv1.3', cert: 'rsa', cipher: 'TLS_AES_128_GCM_SHA256', mutual: true } },
  { id: '12-mtls', name: 'TLS 1.2 ECDHE-RSA mutual TLS', spec: { version: 'TLSv1.2', cert: 'rsa', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', mutual: true } },
  { id: '12-resume', name: 'TLS 1.2 resumption (ticket)', spec: { version: 'TLSv1.2', cert: 'rsa', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', resume: true } },
  { id: '13-resume', name: 'TLS 1.3 resumption (PSK + X25519)', spec: { version: 'TLSv1.3', cert: 'rsa', cipher: 'TLS_AES_128_GCM_SHA256', resume: true } },
];

/** X25519MLKEM768 on both sides: needs node:tls with ML-KEM (Node 24, OpenSSL 3.5) for the node ways. */
export const PQ_CONFIGS: readonly HandshakeConfig[] = [
  { id: '13-pq-rsa', name: 'TLS 1.3 X25519MLKEM768, RSA-2048 cert', spec: { version: 'TLSv1.3', cert: 'rsa', cipher: 'TLS_AES_128_GCM_SHA256', groups: 'X25519MLKEM768' } },
  { id: '13-pq-p256', name: 'TLS 1.3 X25519MLKEM768, P-256 cert', spec: { version: 'TLSv1.3', cert: 'ecdsa', cipher: 'TLS_AES_128_GCM_SHA256', groups: 'X25519MLKEM768' } },
];

export interface Way {
  readonly id: string;
  readonly label: string;
  readonly server: Impl;
  readonly client: Impl;
}

export const WAYS: readonly Way[] = [
  { id: 'nn', label: 'node ↔ node', server: 'node', client: 'node' },
  { id: 'gn', label: 'tlsglass server ← node client', server: 'tlsglass', client: 'node' },
  { id: 'ng', label: 'node server ← tlsglass client', server: 'node', client: 'tlsglass' },
  { id: 'gg', label: 'tlsglass ↔ tlsglass', server: 'tlsglass', client: 'tlsglass' },
];

export interface HsSample {
  readonly rate: number;
  readonly clientMs: number;
  readonly serverMs: number;
  readonly resumed: number;
  readonly errors: number;
  readonly count: number;
  readonly lastError: string;
}

interface HsResult {
  count: number;
  resumed: number;
  errors: number;
  lastError: string;
  elapsedMs: number;
  cpuUs: number;
}

/** Starts a server of `impl` for `spec` in the server process and returns its port. */
export async function serve(ctx: Context, impl: Impl, spec: TlsSpec, mode: string): Promise<number> {
  const { port } = await ctx.server.call<{ port: number }>('serve', { impl, spec, mode });
  return port;
}

/** One timed sample of back-to-back handshakes. */
export async function handshakeSample(ctx: Context, client: Impl, spec: TlsSpec, port: number, concurrency: number, ms: number): Promise<HsSample> {
  const s0 = await ctx.server.call<{ cpuUs: number }>('cpu');
  const r = await ctx.client.call<HsResult>('handshakes', { impl: client, spec, port, concurrency, ms });
  const s1 = await ctx.server.call<{ cpuUs: number }>('cpu');
  const n = Math.max(1, r.count);
  return {
    rate: (r.count / r.elapsedMs) * 1000,
    clientMs: r.cpuUs / 1000 / n,
    serverMs: (s1.cpuUs - s0.cpuUs) / 1000 / n,
    resumed: r.count > 0 ? r.resumed / r.count : 0,
    errors: r.errors,
    count: r.count,
    lastError: r.lastError,
  };
}

export async function runHandshakes(ctx: Context, only?: readonly string[], all: readonly HandshakeConfig[] = HANDSHAKE_CONFIGS, title = 'Handshakes per second'): Promise<Section> {
  const configs = all.filter((c) => !only || only.includes(c.id));
  const ms = ctx.quick ? 300 : 600;
  const concurrencies = [1, 8];
  const rows: string[][] = [];
  const cpuRows: string[][] = [];
  const checks: TargetCheck[] = [];
  const problems: string[] = [];

  for (const config of configs) {
    const ports = new Map<Impl, number>();
    for (const impl of ['node', 'tlsglass'] as const) ports.set(impl, await serve(ctx, impl, config.spec, 'handshake'));
    // Warm-up (JIT, first-use costs) and, for resumption, the session every connection resumes.
    for (const way of WAYS) {
      const port = ports.get(way.server)!;
      if (config.spec.resume) {
        const p = await ctx.client.call<{ session: boolean }>('prime', { impl: way.client, spec: config.spec, port });
        if (!p.session) problems.push(`${config.id} ${way.label}: no session to resume`);
      }
      await handshakeSample(ctx, way.client, config.spec, port, 4, ctx.quick ? 100 : 200);
    }
    for (const conc of concurrencies) {
      const samples = new Map<string, HsSample[]>(WAYS.map((w) => [w.id, []]));
      for (let round = 0; round < ctx.rounds; round++) {
        for (const way of rotate(WAYS, round)) {
          const s = await handshakeSample(ctx, way.client, config.spec, ports.get(way.server)!, conc, ms);
          samples.get(way.id)!.push(s);
          if (s.errors > 0) problems.push(`${config.id} c${conc} ${way.label}: ${s.errors} errors (${s.lastError})`);
        }
      }
      const rate = (id: string): number[] => samples.get(id)!.map((s) => s.rate);
      const base = rate('nn');
      const cells = [`${config.name}`, `${conc}`, mmm(base)];
      for (const way of WAYS.slice(1)) {
        const r = ratios(rate(way.id), base);
        cells.push(`${fmt(median(rate(way.id)))} · ${ratio(r)}`);
        const m = median(r);
        checks.push({ target: `handshakes/s ≥ 0.9× · ${config.id} c${conc} · ${way.label}`, figure: `${fmt(m)}×`, met: m >= 0.9 });
      }
      const resumed = config.spec.resume ? WAYS.map((w) => `${Math.round(median(samples.get(w.id)!.map((s) => s.resumed)) * 100)}%`).join(' / ') : '';
      cells.push(resumed);
      rows.push(cells);
      const cpu = (id: string, k: 'clientMs' | 'serverMs'): string => fmt(median(samples.get(id)!.map((s) => s[k])));
      cpuRows.push([config.name, `${conc}`, cpu('nn', 'serverMs'), cpu('gn', 'serverMs'), cpu('nn', 'clientMs'), cpu('ng', 'clientMs'), cpu('gg', 'serverMs'), cpu('gg', 'clientMs')]);
      ctx.log(`  ${config.id} c${conc}: ${cells.slice(2).join(' | ')}`);
    }
    for (const port of ports.values()) await ctx.server.call('unserve', { port });
  }

  const body = [
    `Each cell: handshakes/s, median over ${ctx.rounds} rounds of ${ms} ms (node ↔ node: median (min–max)); for the other ways, hs/s · ratio to node ↔ node in the same round, median (min–max) of the per-round ratios. A handshake here is connect, full handshake, close_notify both ways, close. Resumed: share of connections resumed, in column order.`,
    '',
    table(['configuration', 'conc', 'node ↔ node hs/s', 'tlsglass server ← node client', 'node server ← tlsglass client', 'tlsglass ↔ tlsglass', 'resumed (nn/gn/ng/gg)'], rows),
    '',
    'CPU milliseconds per handshake (user+sys of the process, median): the server column compares both servers against the same node:tls client, the client column both clients against the same node:tls server.',
    '',
    table(['configuration', 'conc', 'node server', 'tlsglass server', 'node client', 'tlsglass client', 'tlsglass↔tlsglass server', 'tlsglass↔tlsglass client'], cpuRows),
    ...(problems.length > 0 ? ['', 'Problems seen:', '', ...problems.map((p) => `- ${p}`)] : []),
  ].join('\n');
  return { title, body, targets: checks };
}
