/**
 * CPU profiles of tlsglass under load, for finding where the time goes:
 *
 *   node dist/bench/profile.js handshake [config-id] [--ms 5000] [--impl tlsglass|node]
 *   node dist/bench/profile.js bulk [down|up] [--mib 1024] [--cipher TLS_AES_128_GCM_SHA256]
 *
 * Runs tlsglass ↔ tlsglass (or node ↔ node) in the two worker processes under `--cpu-prof`,
 * writes the .cpuprofile files to $TMPDIR/tlsglass-profiles/ (or --dir; open them in Chrome
 * DevTools), and prints for each side the self time by category, the top functions by self time,
 * the self time per source file and the inclusive time of tlsglass's own functions.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { HANDSHAKE_CONFIGS } from './handshake.js';
import { MiB } from './lib/context.js';
import { Proc } from './lib/proc.js';
import { makePki, type Impl, type TlsSpec } from './lib/spec.js';
import { table } from './lib/stats.js';

interface Node {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

function summarize(file: string, top = 25): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const files = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const url = n.callFrame.url.replace(/^file:\/\/.*?\/dist\//, '').replace(/^node:/, 'node:');
    const name = `${n.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${n.callFrame.lineNumber + 1}` : ''}`.trim();
    fn.set(name, (fn.get(name) ?? 0) + us);
    const f = url || `(${n.callFrame.functionName})`;
    files.set(f, (files.get(f) ?? 0) + us);
  }
  // Inclusive ("total") time of our own functions: every function on the sampled stack, once per sample.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: Node): string => {
    const url = n.callFrame.url.replace(/^file:\/\/.*?\/dist\//, '');
    return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
  };
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (!n.callFrame.url.includes('/dist/src/')) continue;
      const k = label(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  // Self time by category, to compare with node:tls's profile of the same workload.
  const category = (n: Node): string => {
    const url = n.callFrame.url;
    const name = n.callFrame.functionName;
    if (name === '(idle)') return 'idle';
    if (name === '(garbage collector)') return 'garbage collector';
    if (url.includes('/dist/src/')) return `tlsglass ${url.replace(/^.*\/dist\/src\/([^/]+)\/.*$/, '$1').replace(/^.*\/dist\/src\/.*$/, '(top)')}`;
    if (url.startsWith('node:internal/crypto')) return 'node:crypto';
    if (url === '' && /^(writev|writeBuffer|writeUtf8String|close|shutdown|readStop|readStart|connect|listen|accept)$/.test(name)) return 'socket syscalls (native)';
    if (/^node:(net|internal\/stream_base_commons|internal\/net|_tls|tls|internal\/tls)/.test(url)) return 'node:net / tls';
    if (url.startsWith('node:internal/streams') || url === 'node:stream') return 'node streams';
    if (url.startsWith('node:') ) return 'other node internals';
    if (url.includes('/dist/bench/')) return 'bench harness';
    return name.startsWith('(') ? name : 'other (native, program)';
  };
  const cats = new Map<string, number>();
  for (const [id, us] of self) {
    const c = category(byId.get(id)!);
    cats.set(c, (cats.get(c) ?? 0) + us);
  }
  const topCats = [...cats.entries()].sort((a, b) => b[1] - a[1]);
  const topIncl = [...inclusive.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const pct = (us: number): string => `${((us / total) * 100).toFixed(1)}%`;
  const topFns = [...fn.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const topFiles = [...files.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
  return [
    `total sampled ${(total / 1000).toFixed(0)} ms`,
    '',
    table(['self', 'category'], topCats.map(([k, v]) => [pct(v), k])),
    '',
    table(['self', 'function'], topFns.map(([k, v]) => [pct(v), k])),
    '',
    table(['self', 'file'], topFiles.map(([k, v]) => [pct(v), k])),
    '',
    table(['inclusive', 'tlsglass function'], topIncl.map(([k, v]) => [pct(v), k])),
  ].join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const what = argv[0] ?? 'handshake';
  const opt = (name: string, dflt: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
  };
  const impl = opt('impl', 'tlsglass') as Impl;
  const dir = opt('dir', join(tmpdir(), 'tlsglass-profiles'));
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) rmSync(join(dir, f));
  const pki = makePki();
  const prof = (name: string): string[] => ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${what}-${name}.cpuprofile`];
  const server = await new Proc('server', prof('server')).init(pki);
  const client = await new Proc('client', prof('client')).init(pki);
  try {
    if (what === 'handshake') {
      const id = argv[1] && !argv[1].startsWith('--') ? argv[1] : '13-rsa';
      const config = HANDSHAKE_CONFIGS.find((c) => c.id === id);
      if (!config) throw new Error(`unknown config ${id}`);
      const { port } = await server.call<{ port: number }>('serve', { impl, spec: config.spec, mode: 'handshake' });
      if (config.spec.resume) await client.call('prime', { impl, spec: config.spec, port });
      const r = await client.call<{ count: number; elapsedMs: number }>('handshakes', { impl, spec: config.spec, port, concurrency: 8, ms: Number(opt('ms', '5000')) });
      console.log(`${impl} ${id}: ${r.count} handshakes, ${((r.count / r.elapsedMs) * 1000).toFixed(0)}/s`);
    } else {
      const d = (argv[1] === 'up' ? 'up' : 'down') as 'down' | 'up';
      const cipher = opt('cipher', 'TLS_AES_128_GCM_SHA256');
      const spec: TlsSpec = { version: cipher.startsWith('TLS_') ? 'TLSv1.3' : 'TLSv1.2', cert: 'rsa', cipher };
      const bytes = Number(opt('mib', '1024')) * MiB;
      const { port } = await server.call<{ port: number }>('serve', { impl, spec, mode: d, bytes });
      const r = await client.call<{ ms: number }>('bulk', { impl, spec, port, bytes, dir: d });
      console.log(`${impl} bulk ${d} ${cipher}: ${(bytes / 1e6 / (r.ms / 1000)).toFixed(0)} MB/s`);
    }
  } finally {
    await client.close();
    await server.close();
  }
  await new Promise((r) => setTimeout(r, 300));
  console.log(`profiles in ${dir}`);
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    console.log(`\n### ${f}\n\n${summarize(join(dir, f))}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
