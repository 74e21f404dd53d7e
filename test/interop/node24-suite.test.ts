/**
 * Our own suite on Node 24 (issue 15): the unit tests and the in-memory hostile tests, run by
 * node24's test runner, where node:crypto has ML-KEM (so the provider takes the native one, not
 * @noble/post-quantum), createDiffieHellman() checks every prime (so FFDHE goes through
 * KeyObjects) and tls.rootCertificates is a later Mozilla list. npm test runs the same files
 * under Node 20, so CI covers both. The count comes from the child's TAP summary.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runPeer } from '../helpers/peers.js';
import { NODE24, pqPeerMissing } from '../helpers/pq-peers.js';

const DIST_TEST = fileURLToPath(new URL('..', import.meta.url));
/** The hostile tests that pump two connections into each other in memory (the others open sockets or are slow). */
const IN_MEMORY_HOSTILE = ['alerts', 'conformance', 'downgrade', 'ocsp', 'psk', 'state-matrix'];

function files(): string[] {
  const unit = readdirSync(`${DIST_TEST}unit`).filter((f) => f.endsWith('.test.js')).map((f) => `${DIST_TEST}unit/${f}`);
  return [...unit.sort(), ...IN_MEMORY_HOSTILE.map((n) => `${DIST_TEST}hostile/${n}.test.js`)];
}

test('the unit and in-memory tests pass under Node 24 (native ML-KEM)', { skip: pqPeerMissing(NODE24), timeout: 600_000 }, async (t) => {
  const list = files();
  assert.ok(list.length > 30, list.join(' '));
  // Without the parent runner's NODE_TEST_CONTEXT, which would make the child report in its binary protocol.
  const run = await runPeer(t, NODE24, ['--test', '--test-reporter=tap', '--test-concurrency=2', ...list], '', 540_000, { NODE_TEST_CONTEXT: undefined });
  const tap = run.stdout.toString();
  const count = (name: string): number => Number(new RegExp(`^# ${name} ([\\d.]+)$`, 'm').exec(tap)?.[1] ?? NaN);
  const failed = tap.split('\n').filter((l) => /^\s*not ok \d+ - /.test(l) && !/# (SKIP|TODO)/.test(l));
  assert.deepEqual({ fail: count('fail'), cancelled: count('cancelled'), failed }, { fail: 0, cancelled: 0, failed: [] }, tap.slice(-6000) + run.stderr.toString().slice(-2000));
  assert.ok(count('pass') > 2000, `${count('pass')} passed of ${count('tests')}`);
  assert.equal(count('pass') + count('skipped') + count('todo'), count('tests'));
  assert.equal(run.code, 0, run.stderr.toString().slice(-2000));
  t.diagnostic(`node24: ${count('pass')} passed of ${count('tests')} in ${(count('duration_ms') / 1000).toFixed(0)} s`);
});
