/**
 * createSecureContext() (node:tls's name): the keys, certificates and trust anchors a client
 * shares across connections are resolved once, and per-connection options still apply.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import * as nodeTls from 'node:tls';
import { connect, createSecureContext, createServer, type TLSSocket } from '../../src/index.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const LIMIT = { timeout: 20_000 };

async function mutualServer(t: { after(fn: () => void): void }): Promise<number> {
  const server = createServer(
    { cert: pki.serverRsa.certPem, key: pki.serverRsa.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2', 'http/1.1'] },
    (s) => {
      s.on('error', () => {});
      s.end(`${s.alpnProtocol || 'none'} ${String((s.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN)}`);
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
}

async function reply(socket: TLSSocket): Promise<string> {
  socket.on('error', () => {});
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (text += d));
  await once(socket, 'end');
  socket.end();
  return text;
}

describe('createSecureContext', () => {
  test('one context, many mutual-TLS connections: the client certificate and anchors come from it, ALPN per connection', LIMIT, async (t) => {
    const port = await mutualServer(t);
    const secureContext = createSecureContext({ ca: pki.ca.certPem, cert: pki.clientRsa.certPem, key: pki.clientRsa.keyPem });
    const answers: string[] = [];
    for (const alpn of [['h2'], ['http/1.1'], undefined]) {
      const s = connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext, ...(alpn ? { ALPNProtocols: alpn } : {}) });
      answers.push(await reply(s));
    }
    const cn = 'tlsglass test client (RSA)';
    assert.deepEqual(answers, [`h2 ${cn}`, `http/1.1 ${cn}`, `none ${cn}`]);
  });

  test('options next to secureContext do not replace it (as node:tls): a wrong ca is ignored', LIMIT, async (t) => {
    const port = await mutualServer(t);
    const secureContext = createSecureContext({ ca: pki.ca.certPem, cert: pki.clientRsa.certPem, key: pki.clientRsa.keyPem });
    const s = connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext, ca: pki.serverEcdsa.certPem });
    assert.match(await reply(s), /^none /);
  });

  test("rejectUnauthorized still applies per connection; the context's anchors decide authorized", LIMIT, async (t) => {
    const port = await mutualServer(t);
    const other = createSecureContext({ ca: pki.serverEcdsa.certPem, cert: pki.clientRsa.certPem, key: pki.clientRsa.keyPem });
    const refused = connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext: other });
    const [err] = (await once(refused, 'error')) as [Error & { code?: string }];
    // The server's chain runs up to its root (OpenSSL's automatic chain from its `ca`, as node:tls),
    // which this client does not trust.
    assert.equal(err.code, 'SELF_SIGNED_CERT_IN_CHAIN');
    const allowed = connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext: other, rejectUnauthorized: false });
    await once(allowed, 'secureConnect');
    assert.equal(allowed.authorized, false);
    assert.match(await reply(allowed), /^none /);
  });

  test("a node:tls SecureContext is refused with a TypeError, not misread", () => {
    assert.throws(
      () => connect({ host: '127.0.0.1', port: 1, secureContext: nodeTls.createSecureContext({}) as never }),
      (e: Error & { code?: string; reason?: string }) =>
        e instanceof TypeError && e.code === 'ERR_TLS_INVALID_CONTEXT' && e.message === 'context must be a SecureContext' && /tlsglass createSecureContext\(\)/.test(e.reason ?? ''),
    );
  });
});
