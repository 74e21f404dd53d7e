/**
 * Run as a script, in a process of its own (test/unit/core-portable.test.ts): the core with no
 * provider installed, then with the application's, then after the Node entry loads. A process of
 * its own because Bun runs every test file in one process, where other files install the Node defaults.
 * Exits 0 when every assertion holds.
 */
import assert from 'node:assert/strict';

const core = await import('../../src/core.js');
assert.equal(core.getDefaultProvider(), undefined);
assert.throws(() => new core.ClientConnection({ servername: 'localhost' }), (err: unknown) => err instanceof core.ConfigError && err.code === 'ERR_TLSGLASS_NO_PROVIDER' && /installDefaultProvider/.test(err.message));
const { nodeCryptoProvider } = await import('../../src/crypto/node/index.js');
const own = { ...nodeCryptoProvider };
core.installDefaultProvider(own);
const client = new core.ClientConnection({ servername: 'localhost' });
client.start();
assert.equal(client.takeOutgoing()[0]![0], 22, 'a ClientHello record');
// The Node entry, imported later, leaves the application's provider in place and adds node:tls's anchors.
await import('../../src/index.js');
assert.equal(core.getDefaultProvider(), own);
const { defaultTrustAnchors } = await import('../../src/platform-defaults.js');
assert.ok(defaultTrustAnchors().length >= 100, `node:tls's roots installed (${defaultTrustAnchors().length})`);
process.stdout.write('core without provider: ok\n');
