/**
 * --keylog works for the tools people use it with: tshark captures two real sessions of ours on
 * the loopback interface (TLS 1.3, then TLS 1.2), and with the NSS key log written by
 * `tlsglass connect --keylog` or `tlsglass serve --keylog` it decrypts them and shows the
 * application data; a session whose keys are not in the log stays opaque. Needs tshark (Debian `tshark`, installed by
 * .ci/run) and the right to capture (root, as in CI).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { inCI, peerMissing, runPeer, runTlsglassConnectCli, spawnPeer, startTlsglassServeCli } from '../helpers/peers.js';
import { writePkiFiles, type PkiFiles } from '../helpers/pki.js';

let pki: PkiFiles;
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-keylog-'));
  pki = writePkiFiles(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const cannotCapture = !inCI && typeof process.getuid === 'function' && process.getuid() !== 0 ? 'capturing on lo needs root' : false;

test('tshark decrypts our TLS 1.3 and TLS 1.2 sessions with the key log, and shows the application data', { timeout: 60_000, skip: peerMissing('tshark') || cannotCapture }, async (t) => {
  const serverKeys = join(dir, 'server-keys.txt');
  const clientKeys = join(dir, 'client-keys.txt');
  const capture = join(dir, 'capture.pcapng');
  const server = await startTlsglassServeCli(t, ['--port', '0', '--cert', pki.serverEcdsa.cert, '--key', pki.serverEcdsa.key, '--echo', '--keylog', serverKeys]);

  const tshark = spawnPeer(t, 'tshark', ['-i', 'lo', '-f', `tcp port ${server.port}`, '-w', capture]);
  await tshark.waitFor(/Capturing on/, 'tshark to start capturing');

  const connect = ['--servername', 'localhost', '--ca', pki.ca];
  const tls13 = await runTlsglassConnectCli(t, [`127.0.0.1:${server.port}`, ...connect, '--keylog', clientKeys], 'secret over TLS 1.3\n');
  assert.equal(tls13.code, 0, tls13.report);
  assert.match(tls13.stderr, /^Protocol: TLSv1\.3$/m);
  const tls12 = await runTlsglassConnectCli(t, [`127.0.0.1:${server.port}`, ...connect, '--tls1.2'], 'secret over TLS 1.2\n');
  assert.equal(tls12.code, 0, tls12.report);
  assert.match(tls12.stderr, /^Protocol: TLSv1\.2$/m);

  // dumpcap hands packets over in batches: wait until both connections' closing FINs are in the file.
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (existsSync(capture)) {
      const fins = await runPeer(t, 'tshark', ['-r', capture, '-Y', 'tcp.flags.fin == 1', '-T', 'fields', '-e', 'frame.number']);
      if (fins.stdout.toString().trim().split('\n').filter(Boolean).length >= 4) break;
    }
    assert.ok(Date.now() < deadline, `the capture never showed both connections closing\n${tshark.stderr()}`);
  }
  await tshark.kill();

  const follow = async (keylog: string): Promise<string> => {
    const run = await runPeer(t, 'tshark', ['-r', capture, '-o', `tls.keylog_file:${keylog}`, '-q', '-z', 'follow,tls,ascii,0', '-z', 'follow,tls,ascii,1']);
    assert.equal(run.code, 0, run.report);
    return run.stdout.toString();
  };

  assert.match(readFileSync(clientKeys, 'latin1'), /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64}$/m);
  assert.match(readFileSync(serverKeys, 'latin1'), /^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}$/m);

  // The client's key log holds the keys of its own TLS 1.3 session only: the TLS 1.2 session,
  // captured the same way, stays opaque without its keys.
  const withClientKeys = await follow(clientKeys);
  assert.match(withClientKeys, /secret over TLS 1\.3/, withClientKeys);
  assert.doesNotMatch(withClientKeys, /secret over TLS 1\.2/);

  // The server's key log holds both sessions' keys: the TLS 1.2 one decrypts too (and the echo).
  const withServerKeys = await follow(serverKeys);
  assert.match(withServerKeys, /secret over TLS 1\.2[\s\S]*secret over TLS 1\.2/, withServerKeys);
  assert.match(withServerKeys, /secret over TLS 1\.3/);
});
