import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nodeTls from 'node:tls';
import { connect, type TLSSocket } from '../../src/index.js';
import {
  peerMissing,
  readAll,
  runGnutlsClient,
  runOpensslClient,
  sha256,
  pattern,
  spawnPeer,
  startNodeTlsServer,
  startOpensslServer,
  startTlsglassServer,
  type Scope,
} from '../helpers/peers.js';
import { testPki, writePkiFiles, type PkiFiles } from '../helpers/pki.js';

/**
 * Session resumption over 127.0.0.1 with real peers, both versions and both directions, plus
 * two server processes sharing ticket keys, and KeyUpdate during a 16 MiB transfer.
 */
const pki = testPki();
let files: PkiFiles;
before(() => {
  files = writePkiFiles(mkdtempSync(join(tmpdir(), 'tlsglass-resume-')));
});

const serverOptions = { cert: pki.serverRsa.certPem, key: pki.serverRsa.keyPem };
const clientOptions = { host: '127.0.0.1', servername: 'localhost', ca: pki.ca.certPem };

/** Connects with our client, reads until the server closes, and collects the session it is given. */
async function ourClient(port: number, extra: Record<string, unknown> = {}): Promise<{ socket: TLSSocket; session: Buffer | undefined; body: string }> {
  const socket = connect({ ...clientOptions, port, ...extra });
  let session: Buffer | undefined;
  socket.on('session', (s: Buffer) => (session = s));
  await once(socket, 'secureConnect');
  const body = (await readAll(socket)).toString();
  socket.destroy();
  return { socket, session, body };
}

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  describe(`resumption, ${version}`, () => {
    test('tlsglass client ↔ tlsglass server', async (t) => {
      const srv = await startTlsglassServer(t, { ...serverOptions, maxVersion: version }, (s) => s.end(`reused ${s.isSessionReused()}`));
      const first = await ourClient(srv.port);
      assert.ok(first.session, 'a session event');
      assert.equal(first.body, 'reused false');
      const second = await ourClient(srv.port, { session: first.session });
      assert.equal(second.body, 'reused true');
      assert.equal(second.socket.isSessionReused(), true);
      assert.equal(second.socket.getProtocol(), version);
    });

    test('openssl s_client -sess_out/-sess_in against our server', { skip: peerMissing('openssl') }, async (t) => {
      const srv = await startTlsglassServer(t, { ...serverOptions, maxVersion: version }, (s) => s.end('hi\n'));
      const sess = join(mkdtempSync(join(tmpdir(), 'tlsglass-sess-')), 'sess.pem');
      const flag = version === 'TLSv1.3' ? '-tls1_3' : '-tls1_2';
      const common = ['-servername', 'localhost', '-CAfile', files.ca, flag, '-ign_eof'];
      const a = await runOpensslClient(t, srv.port, [...common, '-sess_out', sess]);
      assert.match(a.stdout.toString(), /New, TLSv1\.[23]/, a.report);
      const b = await runOpensslClient(t, srv.port, [...common, '-sess_in', sess]);
      assert.match(b.stdout.toString(), /^Reused, TLSv1\.[23]/m, b.report);
    });

    test('our client resumes against openssl s_server', { skip: peerMissing('openssl') }, async (t) => {
      const flag = version === 'TLSv1.3' ? '-tls1_3' : '-tls1_2';
      const srv = await startOpensslServer(t, ['-cert', files.serverRsa.cert, '-key', files.serverRsa.key, flag, '-www']);
      const get = async (session?: Buffer): Promise<{ socket: TLSSocket; session: Buffer | undefined }> => {
        const socket = connect({ ...clientOptions, port: srv.port, ...(session && { session }) });
        let got: Buffer | undefined;
        socket.on('session', (s: Buffer) => (got = s));
        await once(socket, 'secureConnect');
        socket.write('GET / HTTP/1.0\r\n\r\n');
        const page = (await readAll(socket)).toString();
        assert.match(page, /HTTP\/1\.0 200 ok/);
        socket.destroy();
        return { socket, session: got };
      };
      const first = await get();
      assert.ok(first.session, 'a session from OpenSSL');
      const second = await get(first.session);
      assert.equal(second.socket.isSessionReused(), true);
    });

    test('node:tls client resumes against our server, and our client against a node:tls server', async (t) => {
      const ours = await startTlsglassServer(t, { ...serverOptions, maxVersion: version }, (s) => s.end(`reused ${s.isSessionReused()}`));
      const nodeGet = async (session?: Buffer): Promise<{ reused: boolean; session: Buffer | undefined; body: string }> => {
        const socket = nodeTls.connect({ port: ours.port, ...clientOptions, maxVersion: version, ...(session && { session }) });
        let got: Buffer | undefined;
        socket.on('session', (s: Buffer) => (got = s));
        await once(socket, 'secureConnect');
        const body = (await readAll(socket)).toString();
        const reused = socket.isSessionReused();
        socket.destroy();
        return { reused, session: got, body };
      };
      const n1 = await nodeGet();
      assert.ok(n1.session);
      const n2 = await nodeGet(n1.session);
      assert.equal(n2.reused, true);
      assert.equal(n2.body, 'reused true');

      const theirs = await startNodeTlsServer(t, { ...serverOptions, maxVersion: version }, (s) => s.end('hi'));
      const o1 = await ourClient(theirs.port);
      assert.ok(o1.session);
      const o2 = await ourClient(theirs.port, { session: o1.session });
      assert.equal(o2.socket.isSessionReused(), true);
    });

    test('gnutls-cli --resume against our server', { skip: peerMissing('gnutls-cli') }, async (t) => {
      const srv = await startTlsglassServer(t, { ...serverOptions, maxVersion: version }, (s) => s.end('hi\n'));
      const prio = version === 'TLSv1.3' ? 'NORMAL:-VERS-ALL:+VERS-TLS1.3' : 'NORMAL:-VERS-ALL:+VERS-TLS1.2';
      const run = await runGnutlsClient(t, srv.port, ['--resume', '--x509cafile', files.ca, '--sni-hostname', 'localhost', '--priority', prio]);
      assert.match(run.stdout.toString() + run.stderr, /This is a resumed session/, run.report);
    });
  });
}

describe('two server processes sharing ticket keys', () => {
  const script = fileURLToPath(new URL('../helpers/cluster-server.js', import.meta.url));
  const keys = Buffer.alloc(48, 0x5a).toString('hex');
  async function startChild(t: Scope): Promise<number> {
    const p = spawnPeer(t, process.execPath, [script, files.serverRsa.cert, files.serverRsa.key, keys]);
    const m = await p.waitFor(/^ACCEPT 127\.0\.0\.1:(\d+)$/m, 'the ACCEPT line');
    return Number(m[1]);
  }
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    test(`a session from one process resumes on the other (${version})`, async (t) => {
      const [a, b] = await Promise.all([startChild(t), startChild(t)]);
      const first = await ourClient(a, { maxVersion: version });
      assert.match(first.body, /resumed false/);
      assert.ok(first.session);
      const second = await ourClient(b, { maxVersion: version, session: first.session });
      assert.match(second.body, /resumed true/);
      assert.notEqual(first.body.split(' ')[1], second.body.split(' ')[1], 'two different processes');
    });
  }
});

describe('KeyUpdate during a 16 MiB transfer with node:tls (OpenSSL)', () => {
  test('we update (and request updates) while sending; node:tls echoes everything intact', async (t) => {
    const theirs = await startNodeTlsServer(t, serverOptions, (s) => s.pipe(s));
    const socket = connect({ ...clientOptions, port: theirs.port });
    await once(socket, 'secureConnect');
    assert.equal(socket.getProtocol(), 'TLSv1.3');
    const data = pattern(16 * 1024 * 1024);
    const echoed = (async () => {
      const chunks: Buffer[] = [];
      let n = 0;
      for await (const c of socket) {
        chunks.push(c as Buffer);
        n += (c as Buffer).length;
        if (n >= data.length) break;
      }
      return Buffer.concat(chunks);
    })();
    for (let off = 0, i = 0; off < data.length; off += 1 << 20, i++) {
      if (!socket.write(data.subarray(off, off + (1 << 20)))) await once(socket, 'drain');
      socket.keyUpdate(i % 2 === 0);
    }
    const got = await echoed;
    assert.equal(sha256(got), sha256(data));
    socket.destroy();
  });

  test('our server updates its keys while node:tls downloads 16 MiB', async (t) => {
    const data = pattern(16 * 1024 * 1024, 7);
    const ours = await startTlsglassServer(t, serverOptions, async (s) => {
      for (let off = 0; off < data.length; off += 1 << 20) {
        if (!s.write(data.subarray(off, off + (1 << 20)))) await once(s, 'drain');
        s.keyUpdate(true);
      }
      s.end();
    });
    const socket = nodeTls.connect({ port: ours.port, ...clientOptions });
    await once(socket, 'secureConnect');
    const got = await readAll(socket, 60_000);
    assert.equal(sha256(got), sha256(data));
  });
});
