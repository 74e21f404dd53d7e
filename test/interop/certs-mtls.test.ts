import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certsCommand } from '../../src/cli/certs.js';
import { peerMissing, runCurl, runOpensslClient, startOpensslServer, startTlsglassServeCli } from '../helpers/peers.js';

/**
 * `tlsglass certs` output, used unchanged by OpenSSL and curl for mutual TLS (issue 3): curl
 * with the client certificate against `openssl s_server -Verify 1`, and `openssl s_client` with
 * it against `tlsglass serve --require-cert`.
 */
async function makeCerts(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tlsglass-certs-'));
  // The command prints what it wrote and how to use it; keep the test output quiet.
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    assert.equal(await certsCommand(['--out', dir]), 0);
  } finally {
    process.stdout.write = write;
  }
  return dir;
}

test('curl with the client certificate against openssl s_server -Verify 1', { skip: peerMissing('openssl', 'curl') }, async (t) => {
  const d = await makeCerts();
  const f = (n: string): string => join(d, n);
  const server = await startOpensslServer(t, ['-cert', f('server.pem'), '-key', f('server.key'), '-CAfile', f('ca.pem'), '-Verify', '1', '-www']);
  const run = await runCurl(t, server.port, ['--cacert', f('ca.pem'), '--cert', f('client.pem'), '--key', f('client.key')]);
  assert.equal(run.code, 0, run.report);
  // s_server -www echoes the client's certificate subject on its status page.
  assert.match(run.stdout.toString(), /tlsglass test client/, run.report);
});

test('openssl s_client with the client certificate against tlsglass serve --require-cert', { skip: peerMissing('openssl') }, async (t) => {
  const d = await makeCerts();
  const f = (n: string): string => join(d, n);
  const server = await startTlsglassServeCli(t, ['--port', '0', '--cert', f('server.pem'), '--key', f('server.key'), '--ca', f('ca.pem'), '--require-cert', '--www']);
  const run = await runOpensslClient(t, server.port, ['-CAfile', f('ca.pem'), '-verify_hostname', 'localhost', '-verify_return_error', '-cert', f('client.pem'), '-key', f('client.key'), '-servername', 'localhost', '-ign_eof'], 'GET / HTTP/1.0\r\n\r\n');
  const out = run.stdout.toString();
  assert.match(out, /Verify return code: 0 \(ok\)/, run.report);
  assert.match(out, /Client certificate: .*tlsglass test client/, run.report);
});
