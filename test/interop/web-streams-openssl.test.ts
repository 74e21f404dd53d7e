/**
 * The Web Streams transport (src/web/stream.ts) against a real peer: `openssl s_server -www`
 * over a TCP socket turned into WHATWG streams with stream.Duplex.toWeb(), as a Deno or Workers
 * socket would hand them over. The client imports only tlsglass/core and gets its provider and
 * trust anchors as options, as on a runtime without the Node entry.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { connectStreams, type ByteStreams } from '../../src/core.js';
import { peerMissing, startOpensslServer } from '../helpers/peers.js';
import { testPki, writePkiFiles, type PkiFiles } from '../helpers/pki.js';

const pki = testPki();
let files: PkiFiles;
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-webstreams-'));
  files = writePkiFiles(dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A TCP connection to 127.0.0.1:port as a WHATWG stream pair, once it is connected. */
function tcpStreams(port: number): Promise<ByteStreams> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port }, () => resolve(Duplex.toWeb(socket) as ByteStreams));
    socket.once('error', reject);
  });
}

describe('connectStreams to openssl s_server over TCP', () => {
  for (const [version, flag] of [
    ['TLSv1.2', '-no_tls1_3'],
    ['TLSv1.3', '-no_tls1_2'],
  ] as const) {
    test(`${version}: the s_server -www page names the protocol and cipher we negotiated`, { timeout: 30_000, skip: peerMissing('openssl') }, async (t) => {
      const server = await startOpensslServer(t, ['-cert', files.serverEcdsa.cert, '-key', files.serverEcdsa.key, '-www', flag]);
      const tls = connectStreams(await tcpStreams(server.port), { provider: nodeCryptoProvider, servername: 'localhost', ca: pki.ca.certPem });
      const info = await tls.handshake;
      assert.equal(info.protocol, version);
      assert.equal(info.authorized, true);
      const writer = tls.writable.getWriter();
      await writer.write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
      let page = '';
      const decoder = new TextDecoder();
      for await (const chunk of tls.readable as unknown as AsyncIterable<Uint8Array>) page += decoder.decode(chunk, { stream: true });
      assert.match(page, /^HTTP\/1\.0 200 ok/);
      // s_server prints OpenSSL's cipher name; for TLS 1.3 that is the IANA name.
      assert.match(page, new RegExp(`New, ${version.replace('.', '\\.')}, Cipher is ${version === 'TLSv1.3' ? info.cipher.standardName : info.cipher.name}`), page.slice(0, 1500));
      await writer.close();
    });
  }
});
