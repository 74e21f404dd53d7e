/**
 * TLSSocket's write path (performance.md §4.1): records sealed into arrays of four, recycled over a
 * net.Socket only after the write that carried them completed (node/output-pool.ts), fresh over
 * any other Duplex; write callbacks once the transport has completed the write. Every test checks
 * the bytes end to end, which is what a recycled array still referenced somewhere would break.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { connect, createServer, TLSSocket } from '../../src/index.js';
import { pattern, readAll, sha256 } from '../helpers/peers.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const LIMIT = { timeout: 30_000 };
const serverOptions = { cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem };
const clientOptions = { host: '127.0.0.1', servername: 'localhost', ca: pki.ca.certPem };

/** Writes `data` in pieces of the given sizes (cycling), honouring backpressure, then ends. */
function writeInPieces(s: TLSSocket, data: Buffer, sizes: number[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let offset = 0;
    let i = 0;
    const pump = (): void => {
      while (offset < data.length) {
        const n = Math.min(sizes[i++ % sizes.length]!, data.length - offset);
        const ok = s.write(data.subarray(offset, offset + n));
        offset += n;
        if (!ok) {
          s.once('drain', pump);
          return;
        }
      }
      s.end(resolve);
    };
    s.once('error', reject);
    pump();
  });
}

describe('TLSSocket write path over TCP', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version}: writes of odd sizes (small ones queued and sent together) arrive intact`, LIMIT, async (t) => {
      const data = pattern(6 << 20, 11);
      const server = createServer({ ...serverOptions, maxVersion: version }, (s) => {
        void writeInPieces(s, data, [65536, 1, 100, 16384, 16385, 70000, 3, 4096, 200000, 7]);
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      t.after(() => server.close());
      const client = connect({ ...clientOptions, maxVersion: version, port: (server.address() as AddressInfo).port });
      t.after(() => client.destroy());
      const got = await readAll(client);
      assert.equal(got.length, data.length);
      assert.equal(sha256(got), sha256(data));
    });
  }

  test('a reader that is slow to read: recycled arrays never overwrite bytes still on their way', LIMIT, async (t) => {
    const data = pattern(16 << 20, 12);
    const server = createServer(serverOptions, (s) => {
      void writeInPieces(s, data, [65536]);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    const client = connect({ ...clientOptions, port: (server.address() as AddressInfo).port });
    t.after(() => client.destroy());
    await once(client, 'secureConnect');
    await new Promise((r) => setTimeout(r, 200)); // let the kernel buffers fill up first
    const got = await readAll(client);
    assert.equal(sha256(got), sha256(data));
  });
});

describe('TLSSocket write path over any Duplex', () => {
  test('the transport may keep written chunks (they are never recycled): late reads see the right bytes', LIMIT, async () => {
    // A Duplex pair that hands the very Buffer written on one side to the other side's reader.
    const make = (): Duplex & { peer?: Duplex } => {
      const d: Duplex & { peer?: Duplex } = new Duplex({
        read() {},
        write(chunk: Buffer, _e, cb) {
          d.peer!.push(chunk);
          cb();
        },
        final(cb) {
          d.peer!.push(null);
          cb();
        },
      });
      return d;
    };
    const a = make();
    const b = make();
    a.peer = b;
    b.peer = a;
    const server = new TLSSocket(b, { isServer: true, ...serverOptions });
    const client = new TLSSocket(a, { servername: 'localhost', ca: pki.ca.certPem });
    client.write(''); // as node:tls, a client TLSSocket made by hand starts its handshake at its first write
    await Promise.all([once(client, 'secureConnect'), once(server, 'secure')]);
    const data = pattern(4 << 20, 13);
    client.pause(); // nothing is read until everything has been written
    await writeInPieces(server, data, [65536, 100, 20000]);
    const reading = readAll(client);
    client.resume();
    const got = await reading;
    assert.equal(sha256(got), sha256(data));
    server.destroy();
    client.destroy();
  });
});
