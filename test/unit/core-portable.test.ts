/**
 * The protocol core runs on any JavaScript runtime: no file of it imports a `node:*` (or bare
 * Node built-in) module or names the Node globals `Buffer` and `process`, read from the
 * TypeScript syntax tree of src/ (comments and strings do not count). And `tlsglass/core`, the
 * package's core entry, bundles with esbuild for the browser (--platform=browser --bundle, no
 * externals) into a file that imports nothing.
 *
 * Allowed to use Node: the adapters src/node/, src/cli/, src/crypto/node/ and the Node entry
 * src/index.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { build } from 'esbuild';
import ts from 'typescript';
import { scriptArgs } from '../helpers/runtime.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The core, listed explicitly: directories (every .ts under them) and single files. */
const CORE_DIRECTORIES = ['src/codec', 'src/messages', 'src/record', 'src/handshake', 'src/keys', 'src/session', 'src/connection', 'src/pki', 'src/trace', 'src/web', 'src/crypto/noble', 'src/scan'];
const CORE_FILES = ['src/config.ts', 'src/errors.ts', 'src/identities.ts', 'src/core.ts', 'src/platform-defaults.ts'];
/** src/crypto's own files are core (and src/crypto/noble/, the portable provider); src/crypto/node/ is the Node provider. */
const CORE_FLAT_DIRECTORIES = ['src/crypto'];

const FORBIDDEN_GLOBALS = new Set(['Buffer', 'process']);

function tsFiles(dir: string, recursive: boolean): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) return recursive ? tsFiles(path, true) : [];
    return name.endsWith('.ts') ? [path] : [];
  });
}

const coreFiles = [...CORE_DIRECTORIES.flatMap((d) => tsFiles(d, true)), ...CORE_FLAT_DIRECTORIES.flatMap((d) => tsFiles(d, false)), ...CORE_FILES].sort();

/** Each Node dependency of one source file: "import 'node:x'", "Buffer at line N", … */
function nodeUses(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(join(ROOT, path), 'utf8'), ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const at = (node: ts.Node): number => source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  const specifier = (node: ts.Node, spec: ts.Expression | undefined): void => {
    if (spec && ts.isStringLiteralLike(spec) && (spec.text.startsWith('node:') || isBuiltin(spec.text))) found.push(`imports ${spec.text} (line ${at(node)})`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) specifier(node, node.moduleSpecifier);
    else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) specifier(node, node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) specifier(node, node.argument.literal as ts.Expression);
    else if (ts.isIdentifier(node) && FORBIDDEN_GLOBALS.has(node.text)) {
      const parent = node.parent;
      const isPropertyName = (ts.isPropertyAccessExpression(parent) && parent.name === node) || (ts.isPropertyAssignment(parent) && parent.name === node) || (ts.isQualifiedName(parent) && parent.right === node);
      if (!isPropertyName) found.push(`${node.text} (line ${at(node)})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the core is portable', () => {
  test('no core file imports a node:* module or uses Buffer or process', () => {
    assert.ok(coreFiles.length > 100, `the core listing found only ${coreFiles.length} files`);
    const offenders = coreFiles.flatMap((f) => nodeUses(f).map((use) => `${f}: ${use}`));
    assert.deepEqual(offenders, []);
  });

  test('the checker finds what it looks for', () => {
    // The Node adapter does all of it; a checker that finds nothing there finds nothing anywhere.
    const uses = nodeUses('src/node/install-defaults.ts');
    assert.ok(uses.some((u) => u.startsWith('imports node:fs')) && uses.some((u) => u.startsWith('process')), uses.join('; '));
  });

  test('without an installed provider a configuration says how to get one; installDefaultProvider() is used from then on, even after the Node entry loads', () => {
    const script = fileURLToPath(new URL('../helpers/core-without-provider.js', import.meta.url));
    const run = spawnSync(process.execPath, scriptArgs(script), { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'core without provider: ok\n');
  });

  test('tlsglass/core bundles for the browser with esbuild, importing nothing, and the bundle runs a handshake', async (t) => {
    const result = await build({
      stdin: { contents: "export * from 'tlsglass/core';", resolveDir: ROOT, loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    assert.deepEqual(result.errors, []);
    const [output] = result.outputFiles;
    const [meta] = Object.values(result.metafile.outputs);
    assert.deepEqual(meta!.imports, [], 'the bundle imports nothing');
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(inputs.includes('dist/src/core.js'), "tlsglass/core resolved to the package's core entry");
    assert.deepEqual(inputs.filter((i) => /^node:|dist\/src\/(node|cli|crypto\/node)\//.test(i)), [], 'no Node module or adapter in the bundle');
    assert.doesNotMatch(output!.text, /\b(require|import)\s*\(\s*["']node:|from\s*["']node:/);
    t.diagnostic(`tlsglass/core for the browser: ${output!.contents.length} bytes minified, ${gzipSync(output!.contents).length} gzipped, from ${inputs.length} modules`);
 
    // The bundle runs: loaded as a module, given a provider, it completes a TLS 1.3 PSK handshake
    // over Web Streams, and data flows.
    const dir = mkdtempSync(join(tmpdir(), 'tlsglass-core-bundle-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'core.mjs');
    writeFileSync(file, output!.contents);
    const bundled = (await import(pathToFileURL(file).href)) as typeof import('../../src/core.js');
    const { nodeCryptoProvider: provider } = await import('../../src/crypto/node/index.js');
    const psk = new Uint8Array(32).fill(7);
    const up = new TransformStream<Uint8Array, Uint8Array>();
    const down = new TransformStream<Uint8Array, Uint8Array>();
    const server = bundled.acceptStreams({ readable: up.readable, writable: down.writable }, { provider, pskLookup: (id) => (id === 'bundle' ? psk : null) });
    const client = bundled.connectStreams({ readable: down.readable, writable: up.writable }, { provider, pskCallback: () => ({ psk, identity: 'bundle' }) });
    const [info] = await Promise.all([client.handshake, server.handshake]);
    assert.equal(info.protocol, 'TLSv1.3');
    const writer = client.writable.getWriter();
    await writer.write(new TextEncoder().encode('from the bundle'));
    assert.equal(new TextDecoder().decode((await server.readable.getReader().read()).value), 'from the bundle');
  });
});
