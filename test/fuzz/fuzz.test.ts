/**
 * The mutational fuzzer (engine.ts) inside `npm test`: 30 s (TLSGLASS_FUZZ_SECONDS to change),
 * fixed seed, coverage-guided. Reports executions and crashes once; any crash fails the test.
 * Longer runs: `npm run fuzz -- --seconds 600`.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzz } from './engine.js';

const seconds = Number(process.env['TLSGLASS_FUZZ_SECONDS'] ?? 30);

test(`mutational fuzzer: ${seconds} s, fixed seed, no crash`, { timeout: (seconds + 120) * 1000 }, () => {
  const report = fuzz({ seconds, seed: 20240601 });
  console.log(
    `fuzz: ${report.executions} executions in ${report.seconds.toFixed(1)} s over ${report.targets} targets ` +
      `(seeds replayed to established: ${report.seedsEstablished}/${report.targets}); corpus ${report.corpusSize}; ` +
      `coverage keys ${report.coverageKeys}; crashes ${report.crashes.length}` +
      report.crashes.map((c) => `\n  [${c.target}] ${c.kind}: ${c.message}`).join(''),
  );
  assert.equal(report.seedsEstablished, report.targets, 'every seed must replay to a complete handshake');
  assert.deepEqual(report.crashes.map((c) => `[${c.target}] ${c.kind}: ${c.message}`), []);
});
