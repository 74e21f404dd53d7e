import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerMissing, runPeer, startTlsglassServeCli } from '../helpers/peers.js';
import { writePkiFiles } from '../helpers/pki.js';

/**
 * A real browser as the client: headless Chromium loads the status page of `tlsglass serve`
 * over 127.0.0.1. The server's certificate is trusted by pinning its public key
 * (--ignore-certificate-errors-spki-list), so Chromium still runs its full TLS stack. We assert
 * what Chromium rendered and what our server logged it negotiated: TLS 1.3 over X25519MLKEM768,
 * from Chromium's default hello (its first share is X25519MLKEM768 since Chromium 131).
 */
test('headless Chromium fetches a page from tlsglass serve over TLS 1.3, key exchange X25519MLKEM768', { skip: peerMissing('chromium') }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlsglass-browser-'));
  const files = writePkiFiles(dir);
  const server = await startTlsglassServeCli(t, ['--port', '0', '--cert', files.serverEcdsa.cert, '--key', files.serverEcdsa.key, '--www']);
  const spki = new X509Certificate(readFileSync(files.serverEcdsa.cert)).publicKey.export({ type: 'spki', format: 'der' });
  const pin = createHash('sha256').update(spki).digest('base64');
  const run = await runPeer(
    t,
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${join(dir, 'profile')}`,
      `--ignore-certificate-errors-spki-list=${pin}`,
      '--dump-dom',
      `https://127.0.0.1:${server.port}/`,
    ],
    '',
    60_000,
  );
  const dom = run.stdout.toString();
  assert.match(dom, /tlsglass serve/, run.report);
  assert.match(dom, /Protocol: TLSv1\.3/, run.report);
  assert.match(dom, /Request: GET \/ HTTP\/1\.1/, run.report);
  assert.match(dom, /Key exchange: TLSGroup X25519MLKEM768\n/, run.report);
  // The server's own account of the connection: the group our server negotiated with Chromium's default hello.
  await server.waitFor(/connection from 127\.0\.0\.1:\d+: TLSv1\.3 TLS_AES_128_GCM_SHA256, group X25519MLKEM768\b/, 'the server log line');
});
