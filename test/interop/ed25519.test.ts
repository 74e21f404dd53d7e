import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate } from '../../src/node/issue.js';
import { SignatureScheme } from '../../src/messages/enums.js';
import { testPki } from '../helpers/pki.js';
import { runPair } from '../helpers/pair.js';
import { peerMissing, runOpensslClient, startTlsglassServer } from '../helpers/peers.js';

/** Ed25519 certificates in TLS 1.3 (RFC 8446 §4.2.3), in memory and with OpenSSL as the client. */
const pki = testPki();
const leaf = issueCertificate({ issuer: pki.ca, commonName: 'localhost', dnsNames: ['localhost'], privateKey: generateKeyPairSync('ed25519').privateKey });

test('an Ed25519 server certificate signs CertificateVerify with ed25519', () => {
  const r = runPair({ cert: leaf.certPem, key: leaf.keyPem }, { servername: 'localhost', ca: pki.ca.certPem });
  assert.equal(r.clientError, undefined, String(r.clientError));
  assert.equal(r.client.protocol, 'TLSv1.3');
  assert.equal(r.client.authorized, true);
  assert.equal(r.client.negotiated.peerSignatureScheme, SignatureScheme.ed25519);
});

test('openssl s_client verifies our Ed25519 CertificateVerify', { skip: peerMissing('openssl') }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tlsglass-ed25519-'));
  writeFileSync(join(dir, 'ca.pem'), pki.ca.certPem);
  const server = await startTlsglassServer(t, { cert: leaf.certPem, key: leaf.keyPem }, (s) => s.end('hello\n'));
  const run = await runOpensslClient(t, server.port, ['-CAfile', join(dir, 'ca.pem'), '-servername', 'localhost', '-verify_return_error', '-ign_eof']);
  const out = run.stdout.toString();
  assert.match(out, /Peer signature type: ed25519/i, run.report);
  assert.match(out, /Verify return code: 0 \(ok\)/, run.report);
  assert.match(out, /hello/, run.report);
});
