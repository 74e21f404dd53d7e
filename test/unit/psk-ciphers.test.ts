/** The PSK names in `ciphers`, as Node users write them for OpenSSL (`PSK+HIGH`, `kPSK`, suite names). */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveSuites } from '../../src/config.js';
import { parseCipherList } from '../../src/crypto/suites.js';

const names = (list: string): string[] => parseCipherList(list).map((s) => s.openssl);

test('PSK keywords select the PSK suites, alone or intersected', () => {
  const all = ['ECDHE-PSK-CHACHA20-POLY1305', 'PSK-AES128-GCM-SHA256', 'PSK-AES256-GCM-SHA384', 'PSK-CHACHA20-POLY1305'];
  assert.deepEqual(names('PSK'), all);
  assert.deepEqual(names('PSK+HIGH'), all);
  assert.deepEqual(names('kPSK'), ['PSK-AES128-GCM-SHA256', 'PSK-AES256-GCM-SHA384', 'PSK-CHACHA20-POLY1305']);
  assert.deepEqual(names('PSK+CHACHA20'), ['ECDHE-PSK-CHACHA20-POLY1305', 'PSK-CHACHA20-POLY1305']);
  assert.deepEqual(names('ECDHE:!PSK').some((n) => n.includes('PSK')), false);
  assert.deepEqual(names('TLS_PSK_WITH_AES_256_GCM_SHA384'), ['PSK-AES256-GCM-SHA384']);
});

test("node's PSK test list: TLS 1.2 PSK suites plus one TLS 1.3 suite", () => {
  const { suites, suites13 } = resolveSuites('PSK+HIGH:TLS_AES_128_GCM_SHA256');
  assert.equal(suites.length, 4);
  assert.deepEqual(suites13.map((s) => s.name), ['TLS_AES_128_GCM_SHA256']);
});

test('PSK suites OpenSSL has and we do not (DHE-PSK, RSA-PSK, CCM) are skipped beside ours, refused alone', () => {
  assert.deepEqual(names('DHE-PSK-AES128-GCM-SHA256:PSK-AES128-GCM-SHA256'), ['PSK-AES128-GCM-SHA256']);
  assert.throws(() => parseCipherList('RSA-PSK-AES128-GCM-SHA256'), /not implemented here/);
});
