/**
 * How the renegotiation probe reads the server's answer to its second ClientHello: the record after
 * the server's Finished, opened with the connection's keys (sealed here with the same keys, as the
 * server would), and what it makes of an alert, a ServerHello, a record that does not open, a
 * close and silence.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { tls12SuiteById } from '../../src/crypto/suites.js';
import { Tls12Protection } from '../../src/record/protection-tls12.js';
import { readRenegotiationAnswer } from '../../src/scan/renegotiation.js';

const suite = tls12SuiteById(0xc02f)!; // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
const key = new Uint8Array(16).fill(7);
const iv = new Uint8Array(4).fill(9);
/** The server's write keys at record 1 (its Finished was record 0), and the probe's reading side. */
const pair = (): { server: Tls12Protection; reader: Tls12Protection } => ({
  server: new Tls12Protection(nodeCryptoProvider, suite, key, iv, 1n),
  reader: new Tls12Protection(nodeCryptoProvider, suite, key, iv, 1n),
});

test('a no_renegotiation warning: refused', () => {
  const { server, reader } = pair();
  const record = server.seal(21, Uint8Array.of(1, 100));
  assert.deepEqual(readRenegotiationAnswer(record, false, reader), { accepted: false, answer: 'alert no_renegotiation (refused)' });
});

test('a ServerHello (handshake type 2): accepted', () => {
  const { server, reader } = pair();
  const record = server.seal(22, Uint8Array.of(2, 0, 0, 4, 3, 3, 0, 0));
  assert.deepEqual(readRenegotiationAnswer(record, false, reader), { accepted: true, answer: 'ServerHello: a second handshake started' });
});

test('a record under other keys, a close, or nothing yet', () => {
  const { reader } = pair();
  const wrong = new Tls12Protection(nodeCryptoProvider, suite, new Uint8Array(16), iv, 1n).seal(21, Uint8Array.of(2, 40));
  assert.deepEqual(readRenegotiationAnswer(wrong, false, reader), { accepted: false, answer: "a record that does not open under the connection's keys" });
  assert.deepEqual(readRenegotiationAnswer(new Uint8Array(0), true, pair().reader), { accepted: false, answer: 'closed the connection' });
  // Half a record and the connection still open: not an answer yet.
  assert.equal(readRenegotiationAnswer(wrong.subarray(0, 10), false, pair().reader), undefined);
});
