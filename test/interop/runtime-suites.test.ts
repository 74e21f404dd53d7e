/**
 * Our own suites on the other runtimes (issue 16): test/unit and the in-memory hostile tests, and
 * `tlsglass demo`, under Node 22 and 26 (`--test`), Bun (`bun test`, which runs node:test files)
 * and Deno (`deno test`, likewise), each installed by .ci/install-runtimes.sh. npm test runs the
 * same files under Node 20 and test/interop/node24-suite.test.ts under Node 24.
 *
 * Tests whose reference is the runtime's own node:tls, node:crypto or X509Certificate compare with
 * it only under Node and assert recorded values everywhere (test/helpers/runtime.ts), so they pass
 * on every runtime. Any failure fails.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runPeer } from '../helpers/peers.js';
import { parseBun, parseDeno, parseTap, REPO, runtime, runtimeMissing, suiteFiles, type SuiteResult } from '../helpers/runtimes.js';

const DEMO = `${REPO}dist/src/cli/main.js`;

interface Runtime {
  readonly name: string;
  readonly bin: string;
  /** The command line that runs node:test files, and how to read its output. */
  readonly suite: (files: string[]) => string[];
  readonly parse: (out: string) => SuiteResult;
  readonly run: (script: string, ...args: string[]) => string[];
  readonly minPass: number;
}

const nodeTap = (files: string[]): string[] => ['--test', '--test-reporter=tap', '--test-concurrency=2', ...files];

const RUNTIMES: readonly Runtime[] = [
  { name: 'Node 22', bin: runtime('node22'), suite: nodeTap, parse: parseTap, run: (s, ...a) => [s, ...a], minPass: 2300 },
  { name: 'Node 26', bin: runtime('node26'), suite: nodeTap, parse: parseTap, run: (s, ...a) => [s, ...a], minPass: 2300 },
  {
    name: 'Bun',
    bin: runtime('bun'),
    suite: (files) => ['test', '--timeout', '120000', ...files],
    parse: parseBun,
    run: (s, ...a) => [s, ...a],
    minPass: 2250,
  },
  {
    name: 'Deno',
    bin: runtime('deno'),
    suite: (files) => ['test', '-A', '--parallel', ...files],
    parse: parseDeno,
    run: (s, ...a) => ['run', '-A', s, ...a],
    minPass: 2200,
  },
];

for (const rt of RUNTIMES) {
  test(`the unit and in-memory tests pass under ${rt.name}`, { skip: runtimeMissing(rt.bin), timeout: 900_000 }, async (t) => {
    const files = suiteFiles();
    assert.ok(files.length > 30, files.join(' '));
    const started = performance.now();
    // Without the parent runner's NODE_TEST_CONTEXT, which would make a Node child report in its binary protocol.
    const run = await runPeer(t, rt.bin, rt.suite(files), '', 840_000, { NODE_TEST_CONTEXT: undefined, NO_COLOR: '1', DENO_JOBS: '2' });
    const out = run.stdout.toString() + run.stderr;
    const r = rt.parse(out);
    assert.deepEqual(r.failures.map((f) => f.slice(0, 3000)), [], out.slice(-4000));
    assert.equal(r.fail, 0, out.slice(-4000));
    assert.equal(r.errors, 0, out.slice(-4000));
    assert.ok(r.failures.length >= r.fail || rt.parse === parseDeno, `${r.fail} failed but ${r.failures.length} failures read`);
    assert.ok(r.pass >= rt.minPass, `${r.pass} passed, expected at least ${rt.minPass}`);
    t.diagnostic(`${rt.name}: ${r.pass} passed in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  });

  test(`tlsglass demo: every scenario behaves as expected under ${rt.name}`, { skip: runtimeMissing(rt.bin), timeout: 180_000 }, async (t) => {
    const run = await runPeer(t, rt.bin, rt.run(DEMO, 'demo'), '', 150_000, { NO_COLOR: '1' });
    const out = run.stdout.toString();
    assert.match(out, /^All 10 scenarios behaved as expected\.$/m, out + run.stderr);
    assert.equal(run.code, 0, run.report);
  });
}
