// Builds the browser page (web/) into dist/web/: app.js bundled and minified by esbuild, index.html
// copied. `tlsglass relay` serves it. Prints the bundle's size, minified and gzipped.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const root = new URL('../', import.meta.url);
const out = new URL('dist/web/', root);
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [new URL('web/app.ts', root).pathname],
  outfile: new URL('app.js', out).pathname,
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(new URL('web/index.html', root), new URL('index.html', out));
const js = readFileSync(new URL('app.js', out));
if (process.argv.includes('--size')) console.log(`dist/web/app.js: ${js.length} bytes minified, ${gzipSync(js, { level: 9 }).length} bytes gzipped`);
