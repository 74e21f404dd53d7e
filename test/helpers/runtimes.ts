/**
 * The other JavaScript runtimes .ci/install-runtimes.sh installs (issue 16): Node 22 and 26, Bun,
 * Deno and workerd, found in `$TLSGLASS_RUNTIMES/bin` or `<repo>/.runtimes/bin`, and how to run our
 * node:test files under each and read back what passed and what failed.
 */
import { accessSync, constants, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inCI } from './peers.js';

export const REPO = fileURLToPath(new URL('../../..', import.meta.url)); // dist/test/helpers → repo
const DIST_TEST = fileURLToPath(new URL('..', import.meta.url));
export const RUNTIMES_BIN = join(process.env['TLSGLASS_RUNTIMES'] ?? join(REPO, '.runtimes'), 'bin');
export const runtime = (name: 'node22' | 'node26' | 'bun' | 'deno' | 'workerd'): string => join(RUNTIMES_BIN, name);

/** For `{ skip: runtimeMissing(path) }`: the reason, or false (always false in CI, where a missing runtime must fail). */
export function runtimeMissing(...paths: string[]): string | false {
  const missing = paths.filter((p) => {
    try {
      accessSync(p, constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0 || inCI) return false;
  return `${missing.join(', ')} not installed (run .ci/install-runtimes.sh)`;
}

/** The hostile tests that pump two connections into each other in memory (the others open sockets or are slow). */
const IN_MEMORY_HOSTILE = ['alerts', 'conformance', 'downgrade', 'ocsp', 'psk', 'state-matrix'];

/** test/unit and the in-memory hostile tests, as built files. */
export function suiteFiles(): string[] {
  const unit = readdirSync(`${DIST_TEST}unit`).filter((f) => f.endsWith('.test.js')).map((f) => `${DIST_TEST}unit/${f}`);
  return [...unit.sort(), ...IN_MEMORY_HOSTILE.map((n) => `${DIST_TEST}hostile/${n}.test.js`)];
}

/** What a runner reported: counts, and each failure with the text printed for it (name first). */
export interface SuiteResult {
  readonly pass: number;
  readonly fail: number;
  /** Errors outside any test (Bun: "Unhandled error between tests"), which stop a whole describe(). */
  readonly errors: number;
  readonly failures: readonly string[];
}

/** Node's TAP reporter: top-level and nested `not ok` lines with their YAML blocks. */
export function parseTap(tap: string): SuiteResult {
  const count = (name: string): number => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? NaN);
  const failures: string[] = [];
  const lines = tap.split('\n');
  lines.forEach((l, i) => {
    const m = /^(\s*)not ok \d+ - (.*)$/.exec(l);
    if (!m || /# (SKIP|TODO)/.test(l)) return;
    const end = lines.findIndex((x, j) => j > i && /^\s*\.\.\.$/.test(x));
    failures.push(`${m[2]}\n${lines.slice(i + 1, end < 0 ? i + 40 : end).join('\n')}`);
  });
  return { pass: count('pass'), fail: count('fail') + count('cancelled'), errors: 0, failures: failures.filter((f) => !/failureType: 'subtestsFailed'/.test(f)) };
}

/** `bun test` output: each `(fail) a > b` line follows the error printed for it. */
export function parseBun(out: string): SuiteResult {
  const count = (name: string): number => Number(new RegExp(`^ (\\d+) ${name}$`, 'm').exec(out)?.[1] ?? 0);
  const failures: string[] = [];
  let block: string[] = [];
  for (const l of out.split('\n')) {
    if (/^\((pass|skip|todo)\) /.test(l)) block = [];
    else if (l.startsWith('(fail) ')) {
      failures.push(`${l.slice(7)}\n${block.join('\n')}`);
      block = [];
    } else if (/^\d+ tests? failed:$/.test(l)) break; // the summary repeats them
    else block.push(l);
  }
  return { pass: count('pass'), fail: count('fail'), errors: count('errors?'), failures };
}

/** `deno test` output (NO_COLOR): the ERRORS section, one `name => location` header and its error per failure. */
export function parseDeno(out: string): SuiteResult {
  const m = /^FAILED \| (\d+) passed \((\d+) steps?\) \| (\d+) failed \((\d+) steps?\)/m.exec(out) ?? /^ok \| (\d+) passed \((\d+) steps?\) \| (\d+) failed/m.exec(out);
  const errors = out.split(/^ ERRORS $/m)[1]?.split(/^ FAILURES $/m)[0] ?? '';
  const failures = errors.split(/\n(?=\S.* => \S+:\d+:\d+\n)/).map((f) => f.trim()).filter((f) => f.length > 0);
  // Steps count tests the way node:test does; a test whose steps failed is not a failure of its own.
  return { pass: Number(m?.[2] ?? NaN), fail: Number(m?.[4] ?? 0), errors: 0, failures };
}

