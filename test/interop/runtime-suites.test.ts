/**
 * Our own suites on the other runtimes (issue 16): test/unit and the in-memory hostile tests, and
 * `tlsglass demo`, under Node 22 and 26 (`--test`), Bun (`bun test`, which runs node:test files)
 * and Deno (`deno test`, likewise), each installed by .ci/install-runtimes.sh. npm test runs the
 * same files under Node 20 and test/interop/node24-suite.test.ts under Node 24.
 *
 * A failure is allowed only where a KnownGap below names the runtime as its cause (a test that
 * builds its reference with a primitive the runtime lacks, or compares with that runtime's own
 * node:tls); each gap must still occur, so a fixed one is removed here. Everything else fails.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { runPeer } from '../helpers/peers.js';
import { parseBun, parseDeno, parseTap, REPO, runtime, runtimeMissing, suiteFiles, unexplained, type KnownGap, type SuiteResult } from '../helpers/runtimes.js';

const DEMO = `${REPO}dist/src/cli/main.js`;

interface Runtime {
  readonly name: string;
  readonly bin: string;
  /** The command line that runs node:test files, and how to read its output. */
  readonly suite: (files: string[]) => string[];
  readonly parse: (out: string) => SuiteResult;
  readonly run: (script: string, ...args: string[]) => string[];
  readonly minPass: number;
  readonly gaps: readonly KnownGap[];
  /** Errors outside any test that are the runtime's, matched against the whole output. */
  readonly errors?: { readonly count: number; readonly test: RegExp; readonly why: string };
}

const nodeTap = (files: string[]): string[] => ['--test', '--test-reporter=tap', '--test-concurrency=2', ...files];

const RUNTIMES: readonly Runtime[] = [
  { name: 'Node 22', bin: runtime('node22'), suite: nodeTap, parse: parseTap, run: (s, ...a) => [s, ...a], minPass: 2300, gaps: [] },
  { name: 'Node 26', bin: runtime('node26'), suite: nodeTap, parse: parseTap, run: (s, ...a) => [s, ...a], minPass: 2300, gaps: [] },
  {
    name: 'Bun',
    bin: runtime('bun'),
    suite: (files) => ['test', '--timeout', '120000', ...files],
    parse: parseBun,
    run: (s, ...a) => [s, ...a],
    minPass: 2250,
    gaps: [
      { test: /as node:tls/, why: "the test compares our error codes with node:tls's on the same runtime; Bun's node:tls (BoringSSL) has other codes" },
      { test: /Unknown cipher/, why: "the test builds its reference records with createCipheriv('chacha20-poly1305'), which Bun lacks (the provider takes @noble/ciphers')" },
      { test: /matches OpenSSL: node:tls TLS 1\.[23]/, why: "the reference is Bun's node:tls, which has no PSK and logs no EXPORTER_SECRET" },
      { test: /^encrypted ML-DSA keys/, why: 'BoringSSL reads neither the encrypted nor the seed-and-expanded ML-DSA PKCS#8 OpenSSL 3.5 writes' },
      { test: /UNKNOWN_GROUP/, why: 'the test makes a secp256k1 key with node:crypto; BoringSSL has no secp256k1' },
      { test: /DATA_LEN_NOT_EQUAL_TO_MOD_LEN/, why: "the test's own raw RSA decryption of a k − 1-byte ciphertext, which BoringSSL refuses" },
    ],
    errors: { count: 2, test: /Failed to determine size for public key encoding/g, why: "BoringSSL has no 'hybrid' EC point form, which crypto-provider.test.ts makes for its refusal cases" },
  },
  {
    name: 'Deno',
    bin: runtime('deno'),
    suite: (files) => ['test', '-A', '--parallel', ...files],
    parse: parseDeno,
    run: (s, ...a) => ['run', '-A', s, ...a],
    minPass: 2200,
    gaps: [
      { test: /AccessDenied|'TLS_AES_256_GCM_SHA384'\n- 'TLS_AES_128_GCM_SHA256'/, why: "the reference is Deno's node:tls (rustls), which has no PSK and picks its own TLS 1.3 suite" },
      { test: /Public key is not valid for specified curve|Node alone accepts salt 0/, why: "the test checks node:crypto's own leniency (hybrid EC points, PSS salt 0), which Deno does not have" },
      { test: /no such salt found/, why: "config-refusals.test.ts looks for node:crypto's ERR_OSSL_BAD_DECRYPT on a wrong passphrase, a code Deno does not give, so the file stops at load" },
      { test: /dispatch from the tlsglass binary/, why: 'the test spawns process.execPath with a script, which Deno runs only as `deno run`' },
      { test: /failed to sign digest/, why: "the test signs with a P-521 key Deno's generateKeyPairSync made, which Deno cannot sign with (keys from PEM sign fine)" },
    ],
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
    const { unexplained: rest, byGap } = unexplained(r.failures, rt.gaps);
    assert.deepEqual(rest, [], out.slice(-4000));
    for (const [gap, n] of byGap) assert.ok(n > 0, `no failure is explained by "${gap.why}" any more: remove that gap`);
    assert.equal(r.errors, rt.errors?.count ?? 0, out.slice(-4000));
    if (rt.errors) assert.equal(out.match(rt.errors.test)?.length, rt.errors.count, rt.errors.why);
    assert.ok(r.failures.length >= r.fail || rt.parse === parseDeno, `${r.fail} failed but ${r.failures.length} failures read`);
    assert.ok(r.pass >= rt.minPass, `${r.pass} passed, expected at least ${rt.minPass}`);
    report(t, rt, `${r.pass} passed, ${r.failures.length} failed in ${((performance.now() - started) / 1000).toFixed(0)} s`, byGap);
  });

  test(`tlsglass demo: every scenario behaves as expected under ${rt.name}`, { skip: runtimeMissing(rt.bin), timeout: 180_000 }, async (t) => {
    const run = await runPeer(t, rt.bin, rt.run(DEMO, 'demo'), '', 150_000, { NO_COLOR: '1' });
    const out = run.stdout.toString();
    assert.match(out, /^All 10 scenarios behaved as expected\.$/m, out + run.stderr);
    assert.equal(run.code, 0, run.report);
  });
}

function report(t: TestContext, rt: Runtime, line: string, byGap: Map<KnownGap, number>): void {
  t.diagnostic(`${rt.name}: ${line}`);
  for (const [gap, n] of byGap) t.diagnostic(`  ${n} × ${gap.why}`);
}
