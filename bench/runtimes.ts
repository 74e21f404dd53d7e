/**
 * `<runtime> dist/bench/runtimes.js`: ms per in-memory handshake on this runtime (bench/handshake-loop.ts),
 * one JSON line. The README's "Runs on" table comes from running it under each runtime
 * .ci/install-runtimes.sh installs; workerd's figure comes from test/workerd/worker.ts's /bench.
 */
import { testPki } from '../test/helpers/pki.js';
import { handshakeCases, handshakeLoop } from './handshake-loop.js';

const pki = testPki();
const runtime = 'Bun' in globalThis ? `Bun ${process.versions['bun']}` : 'Deno' in globalThis ? `Deno ${process.versions['deno']}` : `Node ${process.versions.node}`;
const result: Record<string, string> = { runtime };
for (const c of handshakeCases({ ca: pki.ca.certPem, cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem })) {
  result[c.name] = handshakeLoop(c.server, c.client, 50).toFixed(2);
}
console.log(JSON.stringify(result));
