/**
 * `npm run bench`: tlsglass against node:tls (and plain TCP, node-forge, @reclaimprotocol/tls),
 * side by side on this machine. Prints the tables and writes bench/results.md.
 *
 *   node dist/bench/run.js [--quick] [--cases handshake,bulk,memory,latency,peers,observer,pq]
 *                          [--configs 13-rsa,12-dhe,13-aes128,...] [--rounds N] [--out FILE] [--no-write]
 *
 * A full run takes about 10 minutes; --quick (fewer rounds, shorter samples, 64 MiB transfers,
 * 300 connections for memory) about 3.
 */
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runBulk } from './bulk.js';
import { runHandshakes } from './handshake.js';
import { runLatency } from './latency.js';
import { runMemory } from './memory.js';
import { runObserver } from './observer.js';
import { runPeers } from './peers.js';
import { runPq } from './pq.js';
import type { Context, Section, TargetCheck } from './lib/context.js';
import { Proc, workerPids } from './lib/proc.js';
import { makePki } from './lib/spec.js';
import { fmt, median, table } from './lib/stats.js';

const ALL_CASES = ['handshake', 'bulk', 'memory', 'latency', 'peers', 'observer', 'pq'] as const;
type CaseName = (typeof ALL_CASES)[number];

interface Args {
  quick: boolean;
  cases: CaseName[];
  configs: string[] | undefined;
  rounds: number | undefined;
  out: string;
  write: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    quick: false,
    cases: [...ALL_CASES],
    configs: undefined,
    rounds: undefined,
    out: fileURLToPath(new URL('../../bench/results.md', import.meta.url)),
    write: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--cases') {
      const names = value().split(',');
      for (const n of names) if (!(ALL_CASES as readonly string[]).includes(n)) throw new Error(`unknown case ${n}; cases: ${ALL_CASES.join(', ')}`);
      args.cases = names as CaseName[];
    } else if (a === '--configs') args.configs = value().split(',');
    else if (a === '--rounds') args.rounds = Number(value());
    else if (a === '--out') args.out = value();
    else if (a === '--no-write') args.write = false;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node dist/bench/run.js [--quick] [--cases ' + ALL_CASES.join(',') + '] [--configs ids] [--rounds N] [--out FILE] [--no-write]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

const METHOD = [
  '- Processes: run.ts only orchestrates. A server process and a client process (bench/worker.ts) do the work, so each side has its own event loop and, on this 2-core machine, its own core. Memory uses a fresh pair of processes per sample.',
  '- Interleaving: within a case the implementations run back to back in a rotated order every round; a ratio is the median of the per-round ratios, so slow drifts of the shared machine cancel.',
  '- Configuration: the same certificates (a P-256 CA; RSA-2048 and P-256 server certificates; an RSA-2048 client certificate), versions, one cipher suite and X25519 on both sides (TLS 1.2 ECDSA also lists P-256, which the certificate needs). Clients verify the server (SAN localhost). Clients of both libraries share one SecureContext per configuration (`createSecureContext`, the fast path of each).',
  '- A handshake sample is a fixed time of back-to-back connections per concurrency slot: TCP connect, full handshake (or resumption), close_notify both ways, close. CPU is user+sys of each process over the sample (all threads, so garbage-collector threads count).',
  '- Bulk: one connection per transfer, 64 KiB application writes with backpressure, TLS handshake not timed; MB/s is 10^6 bytes/s. On 2 cores both processes share the machine, so the total CPU per MiB of both sides decides the rate.',
].join('\n');

function sh(cmd: string): string {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '?';
  }
}

/** Other CPU-heavy processes right now (someone's test run on the same 2 cores). */
function busyProcesses(): string[] {
  const out = sh('ps -eo pid,pcpu,etime,args --sort=-pcpu --no-headers');
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => {
      const [pid, pcpu] = l.split(/\s+/);
      return Number(pcpu) >= 20 && Number(pid) !== process.pid && !workerPids.has(Number(pid)) && !l.includes('ps -eo');
    })
    .map((l) => l.slice(0, 140));
}

function machine(): string {
  let cpu = cpus()[0]?.model ?? '?';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name: string): string | undefined => new RegExp(`^${name}\\s*: (.*)$`, 'm').exec(info)?.[1];
    const flags = new Set((field('flags') ?? '').split(' '));
    const has = ['aes', 'vaes', 'vpclmulqdq', 'avx2', 'avx512f', 'sha_ni'].filter((f) => flags.has(f));
    cpu = `${field('model name') ?? cpu} (family ${field('cpu family') ?? '?'}, model ${field('model') ?? '?'}; ${has.join(', ')})`;
  } catch {
    // not Linux: the model name from os.cpus() will do
  }
  const rows = [
    ['nproc', sh('nproc')],
    ['CPU', cpu],
    ['memory', `${Math.round(totalmem() / 2 ** 30)} GiB`],
    ['kernel', sh('uname -sr')],
    ['Node', process.version],
    ['V8', process.versions.v8],
    ['OpenSSL (Node, bundled)', process.versions.openssl],
    ['openssl CLI', sh('openssl version')],
  ];
  return table(['item', 'value'], rows);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rounds = args.rounds ?? (args.quick ? 3 : 4);
  const started = new Date();
  const load0 = loadavg();
  const busy0 = busyProcesses();
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  log(`tlsglass bench: ${args.cases.join(', ')}${args.quick ? ' (quick)' : ''}, ${rounds} rounds; load average ${load0.map((x) => x.toFixed(2)).join(' ')}`);

  const pki = makePki();
  const sections: Section[] = [];
  const loads: number[] = [load0[0]!];
  const busySeen = new Set(busy0);
  const runners: Record<CaseName, (ctx: Context) => Promise<Section>> = {
    handshake: (ctx) => runHandshakes(ctx, args.configs),
    bulk: (ctx) => runBulk(ctx, args.configs),
    memory: (ctx) => runMemory(ctx),
    latency: (ctx) => runLatency(ctx),
    peers: (ctx) => runPeers(ctx),
    observer: (ctx) => runObserver(ctx),
    pq: (ctx) => runPq(ctx),
  };
  for (const name of args.cases) {
    const t0 = Date.now();
    log(`== ${name}`);
    // Fresh worker processes for every case: a client process that has just made thousands of
    // connections of three kinds received bulk data 2–5× slower (plain TCP included) than a
    // fresh one, which would skew whatever case came next.
    const server = await new Proc('server').init(pki);
    const client = await new Proc('client').init(pki);
    let section: Section;
    try {
      section = await runners[name]({ pki, server, client, quick: args.quick, rounds, log });
    } catch (err) {
      // A case that fails (or hangs past the call timeout) is reported, and the run goes on.
      log(`   failed: ${(err as Error).message.split('\n')[0]}`);
      section = { title: `${name} (did not complete)`, body: `The ${name} case failed: ${(err as Error).message.split('\n')[0]}`, targets: [] };
    } finally {
      await server.close();
      await client.close();
    }
    sections.push(section);
    loads.push(loadavg()[0]!);
    for (const b of busyProcesses()) busySeen.add(b);
    log(`   (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    console.log(`\n## ${section.title}\n\n${section.body}\n`);
  }
  const seconds = (Date.now() - started.getTime()) / 1000;

  const targets = sections.flatMap((s) => s.targets);
  // One line per target kind: how many cases met it, and the worst and median figure.
  const kinds = new Map<string, TargetCheck[]>();
  for (const t of targets) {
    const kind = t.target.split(' · ')[0]!;
    kinds.set(kind, [...(kinds.get(kind) ?? []), t]);
  }
  const glance = table(
    ['target', 'cases met', 'figures (worst … best)'],
    [...kinds.entries()].map(([kind, ts]) => {
      const figs = ts.map((t) => parseFloat(t.figure)).filter(Number.isFinite);
      const lowerIsBetter = /memory|observer/.test(kind);
      const worst = lowerIsBetter ? Math.max(...figs) : Math.min(...figs);
      const best = lowerIsBetter ? Math.min(...figs) : Math.max(...figs);
      const unit = ts[0]!.figure.includes('%') ? '%' : '×';
      return [kind, `${ts.filter((t) => t.met).length} of ${ts.length}`, `${worst}${unit} … ${best}${unit} (median ${fmt(median(figs))}${unit})`];
    }),
  );
  const summary = targets.length
    ? table(
        ['target', 'figure', 'met'],
        targets.map((t) => [t.target, t.figure, t.met ? 'met' : '**missed**']),
      )
    : '(no targets checked in this run)';
  const loadNote = [
    `Run started ${started.toISOString()}, took ${seconds.toFixed(0)} s (${args.quick ? 'quick' : 'full'} mode, ${rounds} rounds, cases: ${args.cases.join(', ')}).`,
    `Machine load: 1-minute load average ${load0[0]!.toFixed(2)} at the start, ${loads.map((x) => x.toFixed(2)).join(' → ')} after each case (the bench itself keeps about 2 busy).`,
    busySeen.size > 0
      ? `Other processes seen using ≥ 20% CPU during the run: ${[...busySeen].map((b) => '`' + b.replace(/`/g, "'") + '`').join('; ')}.`
      : 'No other process was seen using ≥ 20% CPU at the checks between cases.',
  ].join('\n');

  const doc = [
    '# tlsglass benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts). Client and server are separate Node processes on the same machine, over 127.0.0.1; every comparison is side by side in the same run, interleaved round by round, and ratios are medians of per-round ratios.',
    '',
    machine(),
    '',
    loadNote,
    '',
    '## Method',
    '',
    METHOD,
    '',
    '## Targets',
    '',
    'Ratios to node:tls in this run (issue 7). At a glance:',
    '',
    glance,
    '',
    'Every case:',
    '',
    summary,
    '',
    ...sections.map((s) => `## ${s.title}\n\n${s.body}\n`),
  ].join('\n');
  if (args.write) {
    writeFileSync(args.out, doc);
    log(`wrote ${args.out}`);
  }
  console.log(`\n## Targets\n\n${glance}\n\n${summary}\n\n${loadNote}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
