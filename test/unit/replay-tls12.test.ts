import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runPair } from '../helpers/pair.js';
import { scriptedProvider } from '../helpers/scripted-provider.js';

/**
 * Known answer for the whole protocol: a TLS 1.2 ECDHE-RSA handshake plus one exchange of
 * application data and close_notify, with fixed randomness, fixed X25519 shares and a fixed
 * RSA key (RSA-PKCS1 signatures are deterministic), must reproduce the recorded flows byte for
 * byte. Any change to encoding, ordering, key schedule or record protection shows up here.
 * To re-record after an intended wire change: `node dist/test/unit/replay-tls12.test.js --record`.
 */
const fixtures = new URL('../../../test/fixtures/', import.meta.url);
const recorded = JSON.parse(readFileSync(new URL('tls12-replay.json', fixtures), 'utf8')) as { toServer: string[]; toClient: string[] };

export function replay(): { toServer: string[]; toClient: string[] } {
  const cert = readFileSync(new URL('replay-rsa.pem', fixtures), 'utf8');
  const key = readFileSync(new URL('replay-rsa.key', fixtures), 'utf8');
  const common = { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', ecdhCurve: 'X25519', sigalgs: 'RSA+SHA256', maxVersion: 'TLSv1.2', now: () => new Date('2030-01-01T00:00:00Z') } as const;
  const r = runPair(
    { ...common, cert, key, provider: scriptedProvider('server') },
    { ...common, servername: 'localhost', ca: cert, provider: scriptedProvider('client') },
  );
  r.client.write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
  r.server.write(new TextEncoder().encode('HTTP/1.0 200 OK\r\n\r\nhello'));
  r.client.close();
  r.server.close();
  for (const [from, to] of [[r.client, r.server], [r.server, r.client]] as const) {
    for (const rec of from.takeOutgoing()) {
      (from === r.client ? r.wire.toServer : r.wire.toClient).push(rec);
      to.receive(rec);
    }
  }
  const hex = (xs: Uint8Array[]): string[] => xs.map((x) => Buffer.from(x).toString('hex'));
  return { toServer: hex(r.wire.toServer), toClient: hex(r.wire.toClient) };
}

test('TLS 1.2 ECDHE-RSA handshake replays byte-exact with fixed randomness', () => {
  const flows = replay();
  assert.deepEqual(flows.toServer, recorded.toServer);
  assert.deepEqual(flows.toClient, recorded.toClient);
  // Sanity: the flows are a real handshake (ClientHello first; server's first flight starts with ServerHello).
  assert.equal(flows.toServer[0]!.slice(0, 2), '16');
  assert.equal(flows.toClient[0]!.slice(10, 12), '02');
});
