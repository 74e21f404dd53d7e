/**
 * `npm run fuzz -- --seconds N [--seed S] [--no-coverage] [--out DIR]`: runs the mutational
 * fuzzer (engine.ts) and prints executions, corpus, coverage and crashes. Crash inputs are
 * written to DIR (default: none) as <n>.hex with a .txt description. Exits 1 on any crash.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fuzz } from './engine.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seconds = Number(arg('seconds') ?? 60);
const seed = Number(arg('seed') ?? Date.now() % 2 ** 31);
const coverage = !process.argv.includes('--no-coverage');
const out = arg('out');

console.log(`fuzz: ${seconds} s, seed ${seed}, coverage ${coverage ? 'on' : 'off'}`);
const report = fuzz({ seconds, seed, coverage, log: (line) => console.log(`  ${line}`) });
console.log(
  `fuzz: ${report.executions} executions in ${report.seconds.toFixed(1)} s (${Math.round(report.executions / report.seconds)}/s) over ${report.targets} targets; ` +
    `seeds replayed to established: ${report.seedsEstablished}/${report.targets}; corpus ${report.corpusSize}; coverage keys ${report.coverageKeys}; crashes ${report.crashes.length}`,
);
console.log(`outcomes: ${JSON.stringify(report.outcomes)}`);
for (const [i, c] of report.crashes.entries()) {
  console.log(`crash ${i}: [${c.target}] ${c.kind}: ${c.message}`);
  if (out) {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `${i}.hex`), c.input + '\n');
    writeFileSync(join(out, `${i}.txt`), `${c.target}\n${c.kind}\n${c.message}\n${c.signature}\n`);
  }
}
process.exitCode = report.crashes.length > 0 ? 1 : 0;
