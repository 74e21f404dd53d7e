/**
 * README.md and docs/*.md as a newcomer meets them: every fenced block runs as written.
 *
 * - `sh` blocks: each line runs with `sh -c` in a scratch directory inside this clone, so that
 *   `npx tlsglass` finds this package's bin exactly as it does for a user in the clone. A `serve`
 *   line runs in the background, as in its own terminal. The one substitution: its `--port 4433`
 *   becomes `--port 0`, and `:4433` in the later lines of the block becomes the port of its
 *   `ACCEPT` line (no fixed ports in tests). Each server must exit 0 by itself (`--naccept`).
 *   The lines in NOT_RUN are not run, each for the reason given there.
 * - `ts` blocks: compiled together with `tsc --strict`, 'tlsglass' resolving to this package's
 *   build by package.json self-reference ("exports"), then each run with node in the same
 *   directory, where the quick start left `pki/`; each must exit 0 by itself with nothing on stderr.
 * - `text` blocks are not code (a directory listing): the paths in them must exist.
 * - `json` blocks are data (docs/json.md's schema, which test/interop/json-schema.test.ts applies): they must parse.
 * Any other block fails the test.
 *
 * Also checked: every type the documents name in backticks that src/ exports is exported by the
 * package (compiled with the blocks); every long option of every command's --help is in the
 * README's CLI section; relative links and backticked repository paths exist inside the
 * repository; no internal references ("issue 7", ../shared).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli/main.js');
const DOCUMENTS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const LINE_TIMEOUT_MS = 30_000;

/** sh lines that are not run, and why. Keyed by the command without its trailing comment. */
const NOT_RUN = new Map([
  ['npm install && npm start', 'the set-up commands: .ci/run runs `npm ci` (which builds through `prepare`, as `npm install` does) before `npm test`; `npm start` is `tlsglass demo`, which test/unit/trace.test.ts runs'],
  ['npm test', 'this file is part of `npm test`'],
  ['npx tlsglass serve --cert pki/server.pem --key pki/server.key --port 4433', 'the browser page\'s server, run until stopped; test/interop/browser-page.test.ts runs it (and openssl s_server) with the relay and the page in Chromium'],
  ['npx tlsglass relay --listen 8080 --allow 127.0.0.1:4433', 'runs until stopped; test/interop/relay.test.ts and test/interop/browser-page.test.ts run it on a port the OS picks'],
]);

/** What the README's prose says the blocks print: [text in the README, text in the blocks' output]. */
const CLAIMED_OUTPUT: ReadonlyArray<readonly [string, string]> = [
  ['The status page now names the client certificate, `CN=tlsglass test client (verified)`', 'Client certificate: CN=tlsglass test client (verified)'],
];

interface Block {
  readonly file: string;
  readonly line: number;
  readonly lang: string;
  readonly code: string;
}

function blocksOf(file: string): Block[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^```([^\n`]*)\n([\s\S]*?)^```[ \t]*$/gm)].map((m) => ({
    file,
    line: text.slice(0, m.index).split('\n').length,
    lang: m[1]!.trim(),
    code: m[2]!,
  }));
}

const blocks = DOCUMENTS.flatMap(blocksOf);
const where = (b: Block): string => `${b.file}:${b.line}`;

/** The command lines of an sh block: continuations joined, comments and blank lines dropped. */
function commandLines(code: string): string[] {
  return code
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.replace(/(^|\s+)#\s.*$/, '').trim())
    .filter(Boolean);
}

let work: string;
/** Everything the sh lines printed, for CLAIMED_OUTPUT. */
let shOutput = '';

before(() => {
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  work = mkdtempSync(join(ROOT, 'test-output', 'readme-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `sh -c line` in the scratch directory, in its own process group (so that it can be stopped whole). */
function start(line: string): { proc: ChildProcess; output: () => Run; exited: Promise<Run> } {
  const proc = spawn('sh', ['-c', line], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const output = (): Run => ({ code: proc.exitCode, stdout, stderr });
  const exited = new Promise<Run>((done) => proc.on('close', (code) => done({ code, stdout, stderr })));
  return { proc, output, exited };
}

function stop(proc: ChildProcess): void {
  if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function within<T>(promise: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`${what}: no result within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const report = (line: string, r: Run): string => `$ ${line}\nexit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

describe('the fenced blocks', () => {
  test('every block is ts, sh, text or json', () => {
    assert.ok(blocks.length > 0);
    for (const b of blocks) assert.ok(['ts', 'sh', 'text', 'json'].includes(b.lang), `${where(b)}: a \`${b.lang}\` block; make it ts or sh (and runnable), text or json`);
  });

  test('json blocks parse (docs/json.md: the schema test/interop/json-schema.test.ts checks the CLI against)', () => {
    for (const b of blocks.filter((x) => x.lang === 'json')) assert.doesNotThrow(() => JSON.parse(b.code), where(b));
  });

  test('sh blocks run as written, each server ending by itself', { timeout: 420_000 }, async (t) => {
    // A user's first `npx tlsglass` in a fresh clone installs the package into npx's cache, which
    // runs its `prepare` build (tsc and the browser page's esbuild): a minute or more on a loaded
    // machine. That first run gets its own, longer limit, so that each README line keeps 30 s.
    const warm = start('npx tlsglass --version');
    const warmed = await within(warm.exited, 240_000, 'the first `npx tlsglass` (npx installs the package)', () => stop(warm.proc));
    assert.equal(warmed.code, 0, report('npx tlsglass --version', warmed));
    assert.match(warmed.stdout, /^tlsglass \d+\.\d+\.\d+/m, report('npx tlsglass --version', warmed));
    for (const block of blocks.filter((b) => b.lang === 'sh')) {
      let port: string | undefined;
      const servers: { line: string; exited: Promise<Run>; proc: ChildProcess }[] = [];
      for (const raw of commandLines(block.code)) {
        const skipped = NOT_RUN.get(raw);
        if (skipped) {
          t.diagnostic(`${where(block)}: not run: ${raw} (${skipped})`);
          continue;
        }
        assert.match(raw, /(^|\|\s*)npx tlsglass /, `${where(block)}: "${raw}" is neither a tlsglass command nor listed in NOT_RUN`);
        if (/\btlsglass serve\b/.test(raw)) {
          assert.match(raw, /--port 4433\b/, `${where(block)}: a serve line gives --port 4433, which the test replaces`);
          const line = raw.replace(/--port 4433\b/, '--port 0');
          const server = start(line);
          t.after(() => stop(server.proc));
          const accepted = await within(
            new Promise<string>((done, fail) => {
              const look = (): void => {
                const m = /^ACCEPT \S+:(\d+)$/m.exec(server.output().stdout);
                if (m) done(m[1]!);
              };
              server.proc.stdout!.on('data', look);
              void server.exited.then((r) => fail(new Error(`${where(block)}: the server exited before listening\n${report(line, r)}`)));
            }),
            LINE_TIMEOUT_MS,
            `${where(block)}: ${line}`,
            () => stop(server.proc),
          );
          port = accepted;
          servers.push({ line, exited: server.exited, proc: server.proc });
          continue;
        }
        const line = port === undefined ? raw : raw.replace(/:4433\b/g, `:${port}`);
        const run = start(line);
        const result = await within(run.exited, LINE_TIMEOUT_MS, `${where(block)}: ${line}`, () => stop(run.proc));
        shOutput += result.stdout + result.stderr;
        assert.equal(result.code, 0, `${where(block)}\n${report(line, result)}`);
      }
      for (const server of servers) {
        const result = await within(server.exited, LINE_TIMEOUT_MS, `${where(block)}: ${server.line} did not exit by itself`, () => stop(server.proc));
        shOutput += result.stdout + result.stderr;
        assert.equal(result.code, 0, `${where(block)}\n${report(server.line, result)}`);
      }
    }
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    for (const [prose, output] of CLAIMED_OUTPUT) {
      assert.ok(readme.includes(prose), `README no longer says: ${prose} (update CLAIMED_OUTPUT)`);
      assert.ok(shOutput.includes(output), `README says "${prose}", but the blocks printed no "${output}":\n${shOutput}`);
    }
  });

  test('ts blocks compile with tsc --strict against the package and run to the end', { timeout: 180_000 }, async (t) => {
    const tsBlocks = blocks.filter((b) => b.lang === 'ts');
    assert.ok(existsSync(join(work, 'pki', 'ca.pem')), 'the quick start (sh blocks) wrote pki/ before the ts blocks run');
    const files = tsBlocks.map((b, i) => {
      const name = `block-${i + 1}.ts`;
      writeFileSync(join(work, name), `// ${where(b)}\n${b.code}`);
      return name;
    });
    writeFileSync(join(work, 'exported-types.ts'), `import type { ${documentedTypes().join(', ')} } from 'tlsglass';\n`);
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const args = ['--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2022', '--types', 'node', '--skipLibCheck', '--rootDir', '.', '--outDir', 'out'];
    const compile = start(`"${process.execPath}" "${tsc}" ${args.join(' ')} ${files.join(' ')} exported-types.ts`);
    const compiled = await within(compile.exited, 120_000, 'tsc', () => stop(compile.proc));
    assert.equal(compiled.code, 0, `tsc --strict on the README's ts blocks (block-N.ts is the Nth; its first line says where it is):\n${compiled.stdout}${compiled.stderr}`);
    for (const [i, b] of tsBlocks.entries()) {
      const line = `"${process.execPath}" out/block-${i + 1}.js`;
      const run = start(line);
      const result = await within(run.exited, LINE_TIMEOUT_MS, `${where(b)} did not end by itself`, () => stop(run.proc));
      assert.equal(result.code, 0, `${where(b)}\n${report(line, result)}`);
      assert.equal(result.stderr, '', `${where(b)}\n${report(line, result)}`);
      t.diagnostic(`${where(b)} printed: ${result.stdout.trim().replace(/\n/g, ' | ')}`);
    }
  });

  test('text blocks name paths that exist', () => {
    for (const b of blocks.filter((x) => x.lang === 'text')) {
      for (const line of b.code.split('\n').filter(Boolean)) {
        const path = line.split(/\s+/)[0]!;
        if (path.includes('/')) assert.ok(existsSync(join(ROOT, path)), `${where(b)}: ${path} does not exist`);
      }
    }
  });
});

/** PascalCase names in backticks in the documents that some file in src/ exports or re-exports. */
function documentedTypes(): string[] {
  const exported = new Set<string>();
  const walk = (dir: string): void => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/^export (?:declare )?(?:abstract )?(?:interface|type|class|enum) ([A-Z]\w*)/gm)) exported.add(m[1]!);
        // Re-exports, e.g. node:tls's PeerCertificate from src/index.ts.
        for (const m of text.matchAll(/^export (?:type )?\{([^}]*)\}/gm)) for (const name of m[1]!.split(',')) exported.add(name.replace(/^\s*type\s+/, '').split(/\s+as\s+/).pop()!.trim());
      }
    }
  };
  walk(join(ROOT, 'src'));
  const named = new Set<string>();
  for (const file of DOCUMENTS) for (const m of readFileSync(join(ROOT, file), 'utf8').matchAll(/`([A-Z][A-Za-z0-9]*)`/g)) named.add(m[1]!);
  return [...named].filter((n) => exported.has(n)).sort();
}

describe('the README and docs/ stay inside the repository', () => {
  test('the CLI section lists every long option of every command', { timeout: 60_000 }, async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const cli = readme.slice(readme.indexOf('## The CLI'), readme.indexOf('\n## ', readme.indexOf('## The CLI') + 1));
    const missing: string[] = [];
    for (const command of ['demo', 'serve', 'connect', 'certs', 'verify', 'relay', 'scan']) {
      const help = await start(`"${process.execPath}" "${CLI}" ${command} --help`).exited;
      assert.equal(help.code, 0, report(`tlsglass ${command} --help`, help));
      const options = [...help.stdout.matchAll(/^ {2}(--[\w.-]+(?:, --[\w.-]+)*)/gm)].flatMap((m) => m[1]!.split(', '));
      assert.ok(options.length > 0, `tlsglass ${command} --help lists options`);
      for (const o of options) if (o !== '--help' && !new RegExp(`\`[^\`]*${o.replace(/\./g, '\\.')}(?![\\w.-])`).test(cli)) missing.push(`${command} ${o}`);
    }
    assert.ok(/`tlsglass --version`/.test(cli), 'the CLI section mentions tlsglass --version');
    assert.deepEqual(missing, [], 'options missing from the README CLI section');
  });

  test('relative links and backticked paths exist in the repository; anchors exist', () => {
    for (const file of DOCUMENTS) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^https?:/.test(target)) continue;
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const resolved = path ? resolve(ROOT, dirname(file), path) : join(ROOT, file);
        assert.ok(!relative(ROOT, resolved).startsWith('..'), `${file}: ${target} leaves the repository`);
        assert.ok(existsSync(resolved), `${file}: ${target} does not exist`);
        if (anchor) assert.ok(headingSlugs(resolved).includes(anchor), `${file}: no heading #${anchor} in ${relative(ROOT, resolved)}`);
      }
      for (const m of text.matchAll(/`((?:src|test|bench|docs|\.ci)\/[^`\s]*)`/g)) {
        const path = m[1]!.replace(/[{*].*$/, '');
        assert.ok(existsSync(join(ROOT, path)), `${file}: \`${m[1]}\` does not exist`);
      }
      assert.doesNotMatch(text, /\.\.\/(shared|reference)\//, `${file}: a path outside the repository`);
      assert.doesNotMatch(text, /\bissues? \d+\b/i, `${file}: an internal issue reference`);
    }
  });

  test('package.json: the description says TLS 1.2 and 1.3; npm install builds the bin, executable', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { description: string; bin: { tlsglass: string }; scripts: Record<string, string> };
    assert.match(pkg.description, /TLS 1\.2 and 1\.3/);
    assert.equal(pkg.bin.tlsglass, './dist/src/cli/main.js');
    assert.ok(pkg.scripts['prepare'], 'a prepare script, so that `npm install` in a clone builds what `npx tlsglass` runs');
    // npx runs the bin as a program: tsc writes new files without the executable bit (npm test starts from rm -rf dist).
    assert.ok(statSync(join(ROOT, pkg.bin.tlsglass)).mode & 0o100, `${pkg.bin.tlsglass} is executable after the build`);
  });
});

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function headingSlugs(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^#+ (.*)$/gm)].map((m) =>
    m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-'),
  );
}
