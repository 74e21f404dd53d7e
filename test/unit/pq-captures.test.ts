/**
 * Real post-quantum hellos captured on loopback (test/fixtures/pq): our codec reads and re-encodes
 * them byte for byte, finds each group's parts where draft-ietf-tls-ecdhe-mlkem puts them (ML-KEM
 * first in X25519MLKEM768, the P-256 point first in SecP256r1MLKEM768) with encapsulation keys that
 * pass FIPS 203's modulus check, and our server answers Chromium's and Node 24's real ClientHellos
 * with X25519MLKEM768.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { checkEncapsulationKey } from '../../src/crypto/ml-kem.js';
import { ServerConnection } from '../../src/connection/connection.js';
import { readClientHello, writeClientHello } from '../../src/messages/client-hello.js';
import { ExtensionType, HandshakeType, NamedGroup } from '../../src/messages/enums.js';
import { findExtension } from '../../src/messages/extensions/index.js';
import { readU16ListExtension } from '../../src/messages/extensions/simple.js';
import { readKeyShareClient, readKeyShareServer } from '../../src/messages/extensions/tls13.js';
import { readServerHello } from '../../src/messages/server-hello.js';
import { testPki } from '../helpers/pki.js';

const capture = (name: string): Uint8Array => new Uint8Array(Buffer.from(readFileSync(new URL(`../../../test/fixtures/pq/${name}.hex`, import.meta.url), 'utf8').trim(), 'hex'));
/** The handshake body of a one-message record, checked to be `type`. */
const body = (record: Uint8Array, type: number): Uint8Array => {
  assert.equal(record[0], 22, 'a handshake record');
  assert.equal(record[5], type);
  return record.subarray(9);
};
const isGrease = (v: number): boolean => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);

const hellos = [
  { file: 'chromium156_clienthello', groups: [NamedGroup.X25519MLKEM768, NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1], shares: [NamedGroup.X25519MLKEM768, NamedGroup.x25519] },
  { file: 'node24_default_clienthello', groups: undefined, shares: [NamedGroup.X25519MLKEM768, NamedGroup.x25519] },
  { file: 'openssl35_s_client_forced_SecP256r1MLKEM768_clienthello', groups: [NamedGroup.SecP256r1MLKEM768], shares: [NamedGroup.SecP256r1MLKEM768] },
];

for (const { file, groups, shares } of hellos) {
  test(`${file}: re-encodes byte for byte; key shares in the draft's layout`, () => {
    const record = capture(file);
    const raw = body(record, HandshakeType.client_hello);
    const ch = readClientHello(raw);
    assert.deepEqual(writeClientHello(ch), raw);
    const listed = readU16ListExtension(findExtension(ch.extensions, ExtensionType.supported_groups)!, 'supported_groups').filter((g) => !isGrease(g));
    if (groups) assert.deepEqual(listed, groups);
    else assert.equal(listed[0], NamedGroup.X25519MLKEM768, 'X25519MLKEM768 listed first');
    const entries = readKeyShareClient(findExtension(ch.extensions, ExtensionType.key_share)!).filter((s) => !isGrease(s.group));
    assert.deepEqual(entries.map((s) => s.group), shares);
    for (const { group, keyExchange } of entries) {
      if (group === NamedGroup.X25519MLKEM768) {
        assert.equal(keyExchange.length, 1216);
        checkEncapsulationKey('ML-KEM-768', keyExchange.subarray(0, 1184));
      } else if (group === NamedGroup.SecP256r1MLKEM768) {
        assert.equal(keyExchange.length, 1249);
        assert.equal(keyExchange[0], 0x04, 'an uncompressed P-256 point first');
        checkEncapsulationKey('ML-KEM-768', keyExchange.subarray(65));
      } else assert.equal(keyExchange.length, 32);
    }
  });
}

test("OpenSSL 3.5's ServerHello: X25519MLKEM768, ciphertext ‖ X25519 key, 1120 bytes", () => {
  const sh = readServerHello(body(capture('openssl35_s_server_serverhello'), HandshakeType.server_hello));
  const share = readKeyShareServer(findExtension(sh.extensions, ExtensionType.key_share)!);
  assert.equal(share.group, NamedGroup.X25519MLKEM768);
  assert.equal(share.keyExchange.length, 1088 + 32);
});

for (const file of ['chromium156_clienthello', 'node24_default_clienthello']) {
  test(`our server answers ${file} with an X25519MLKEM768 ServerHello (encapsulating to the captured key)`, () => {
    const pki = testPki();
    const server = new ServerConnection({ cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem });
    server.receive(capture(file));
    const [first] = server.takeOutgoing();
    assert.ok(first, String(server.failure));
    const sh = readServerHello(first.subarray(9, 9 + ((first[6]! << 16) | (first[7]! << 8) | first[8]!)));
    const share = readKeyShareServer(findExtension(sh.extensions, ExtensionType.key_share)!);
    assert.equal(share.group, NamedGroup.X25519MLKEM768);
    assert.equal(share.keyExchange.length, 1120);
    assert.equal(server.negotiated.group, NamedGroup.X25519MLKEM768);
  });
}
