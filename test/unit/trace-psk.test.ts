/**
 * The trace of external-PSK handshakes (RFC 4279, RFC 5489, RFC 8446 §4.2.11): the identity is
 * shown where it crosses the wire, the byte layouts cover the PSK messages, and the summary says
 * that the PSK, not a certificate, authenticated the peers.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientConnection, ServerConnection } from '../../src/connection/connection.js';
import { summarize } from '../../src/trace/summary.js';
import { Timeline } from '../../src/trace/timeline.js';

const KEY = new Uint8Array(32).fill(7);

function traced(version: 'TLSv1.2' | 'TLSv1.3', ciphers: string) {
  const timeline = new Timeline();
  const client = new ClientConnection({ maxVersion: version, ciphers, pskCallback: () => ({ psk: KEY, identity: 'sensor-12' }), observer: timeline.observer('client') });
  const server = new ServerConnection({ ciphers, pskLookup: (id) => (id === 'sensor-12' ? KEY : null), pskIdentityHint: 'fleet-a' });
  timeline.attach(server, 'server');
  client.start();
  for (let moved = true; moved; ) {
    moved = false;
    for (const r of client.takeOutgoing()) (server.receive(r), (moved = true));
    for (const r of server.takeOutgoing()) (client.receive(r), (moved = true));
  }
  // Only the facts from the wire: the summary must not need the connections to say it.
  const summary = summarize({ messages: timeline.messages, facts: timeline.facts });
  const field = (message: string, name: string) => timeline.messages.find((m) => m.decoded.name === message)?.decoded.fields.find((f) => f.name === name)?.value;
  return { timeline, summary, field, names: timeline.messages.map((m) => `${m.from[0]!.toUpperCase()} ${m.decoded.name}`) };
}

test('TLS 1.2 ECDHE_PSK: hint and identity shown, no Certificate, PSK authentication in the summary', () => {
  const { summary, field, names, timeline } = traced('TLSv1.2', 'ECDHE-PSK-CHACHA20-POLY1305');
  assert.deepEqual(names.slice(0, 5), ['C ClientHello', 'S ServerHello', 'S ServerKeyExchange', 'S ServerHelloDone', 'C ClientKeyExchange']);
  assert.equal(field('ServerKeyExchange', 'psk_identity_hint'), '"fleet-a"');
  assert.equal(field('ClientKeyExchange', 'psk_identity'), '"sensor-12"');
  assert.equal(summary.completed, true);
  assert.match(summary.keyExchange!, /^ECDHE over x25519 \+ PSK/);
  assert.equal(summary.forwardSecrecy, true);
  assert.match(summary.server.how, /external PSK "sensor-12": no certificate was used/);
  assert.equal(summary.server.authenticated, true);
  assert.equal(summary.client.authenticated, true);
  // The byte layouts account for every byte of the PSK messages.
  for (const m of timeline.messages.filter((x) => x.decoded.name.endsWith('KeyExchange'))) {
    assert.ok(m.layout.some((row) => /psk_identity/.test(row.label)), `${m.decoded.name}: ${m.layout.map((r) => r.label).join(', ')}`);
  }
});

test('TLS 1.2 plain PSK: no forward secrecy, said so', () => {
  const { summary } = traced('TLSv1.2', 'PSK-AES128-GCM-SHA256');
  assert.equal(summary.keyExchange, 'PSK only (RFC 4279), no (EC)DHE');
  assert.equal(summary.forwardSecrecy, false);
});

test('TLS 1.3: the ClientHello offers the external identity, the ServerHello accepts it, no Certificate follows', () => {
  const { summary, field, names } = traced('TLSv1.3', 'TLS_AES_128_GCM_SHA256');
  assert.ok(!names.includes('S Certificate'), names.join(', '));
  assert.deepEqual(field('ClientHello', 'pre_shared_key')?.[0], 'identity 0: the external PSK "sensor-12" (age 0)');
  assert.match(String(field('ServerHello', 'pre_shared_key')), /the external PSK "sensor-12"; no certificate will be used/);
  assert.equal(summary.resumed, false);
  assert.match(summary.keyExchange!, /^external PSK "sensor-12" \+ ECDHE \+ ML-KEM \(hybrid\) over X25519MLKEM768$/);
  assert.match(summary.server.how, /external PSK "sensor-12": no certificate was used/);
});
