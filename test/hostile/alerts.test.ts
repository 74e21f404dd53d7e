/**
 * Alerts between two tlsglass peers when the handshake fails (security.md R1/R2: the failure must
 * reach the other side as the alert decided at the check). Found while building the state matrix.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PeerAlert } from '../../src/errors.js';
import { AlertDescription } from '../../src/messages/enums.js';
import { createCertificateAuthority } from '../../src/node/issue.js';
import { runPair } from '../helpers/pair.js';
import { cachedKeyProvider } from '../helpers/hostile-wire.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const stranger = createCertificateAuthority({ commonName: 'not the server CA', keyType: 'ec' });
const server = { provider: cachedKeyProvider, cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem };
// A client that does not trust the server's CA rejects its certificate with unknown_ca.
const client = (maxVersion: 'TLSv1.2' | 'TLSv1.3') => ({ provider: cachedKeyProvider, servername: 'localhost', ca: stranger.certPem, maxVersion });

test('TLS 1.2: the client rejects the server certificate; the server gets its unknown_ca', () => {
  const r = runPair(server, client('TLSv1.2'));
  assert.equal(r.clientError?.alert, AlertDescription.unknown_ca);
  assert.ok(r.serverError instanceof PeerAlert, String(r.serverError));
  assert.equal(r.serverError.description, AlertDescription.unknown_ca);
});

test(
  'TLS 1.3: the client rejects the server certificate; the server gets its unknown_ca',
  () => {
    const r = runPair(server, client('TLSv1.3'));
    assert.equal(r.clientError?.alert, AlertDescription.unknown_ca);
    assert.ok(r.serverError instanceof PeerAlert, `server: ${String(r.serverError)}`);
    assert.equal(r.serverError.description, AlertDescription.unknown_ca);
  },
);
