/**
 * Regression test for a process-wide hang found by benchmarking: in Node 20, exporting a KeyObject
 * that generateKeyPairSync() returned can deadlock. KeyObject.export() holds the key's mutex while
 * it allocates on the V8 heap; if that allocation runs the GC that destroys the finished key
 * generation job, the job's destructor (KeyPairGenConfig) locks the same mutex and the thread
 * waits for itself, forever, with no error. Our X25519 shares did exactly that once per handshake
 * and hung about once in 10,000–30,000 handshakes. They now take the public key out of the
 * generator already encoded and never export the private KeyObject, which only diffieHellman()
 * uses, without a key lock (crypto/node/key-exchange.ts); certificate issuing re-imports PKCS#8
 * (node/issue.ts).
 *
 * The test makes 100,000 X25519 shares in pairs and derives both secrets of every pair, in a child
 * process that must finish within the time limit; the old code hung within ~22,000 shares.
 *
 * Slow tier: runs with TLSGLASS_SLOW=1 (`npm run test:slow`) and in CI (CI=true).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SLOW = process.env['TLSGLASS_SLOW'] === '1' || process.env['CI'] === 'true';
const keyExchange = fileURLToPath(new URL('../../src/crypto/node/key-exchange.js', import.meta.url));
const SHARES = 100_000;
const LIMIT_MS = 90_000;

const child = `
import { nodeKeyExchange } from ${JSON.stringify(keyExchange)};
const X25519 = 0x001d;
let checked = 0;
for (let i = 0; i < ${SHARES} / 2; i++) {
  const a = nodeKeyExchange.generate(X25519);
  const b = nodeKeyExchange.generate(X25519);
  const s1 = a.deriveSecret(b.publicKey), s2 = b.deriveSecret(a.publicKey);
  if (Buffer.compare(Buffer.from(s1), Buffer.from(s2)) !== 0) throw new Error('secrets differ');
  checked++;
}
console.log(JSON.stringify({ shares: ${SHARES}, checked }));
`;

test(
  `keygen: ${SHARES.toLocaleString('en')} X25519 shares in one process never hang (Node 20 KeyObject export deadlock)`,
  { skip: !SLOW && 'slow tier: set TLSGLASS_SLOW=1 (npm run test:slow)', timeout: LIMIT_MS + 10_000 },
  async (t) => {
    const started = Date.now();
    const p = spawn(process.execPath, ['--input-type=module', '-e', child], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), LIMIT_MS);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => p.on('close', (c, s) => resolve([c, s])));
    clearTimeout(timer);
    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(`${seconds.toFixed(1)} s; ${out.trim()}`);
    assert.equal(signal, null, `the child was killed after ${seconds.toFixed(0)} s: it hung (stderr: ${err.slice(0, 500)})`);
    assert.equal(code, 0, err);
    assert.deepEqual(JSON.parse(out), { shares: SHARES, checked: SHARES / 2 });
  },
);
