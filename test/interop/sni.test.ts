/**
 * Server Name Indication and certificate selection, as node:tls (issue 14): SNICallback (called
 * asynchronously before the certificate is chosen, also when the server has its own), addContext()
 * with node's wildcard patterns, a server with only an SNICallback, what a bad callback answer does,
 * and several certificates given together, chosen by key type and paired with their keys by public
 * key. Real sockets on 127.0.0.1; clients node:tls, our connect and openssl s_client.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { describe, test } from 'node:test';
import * as nodeTls from 'node:tls';
import { connect, createSecureContext, createServer, ConfigError, type TLSSocket } from '../../src/index.js';
import { issueCertificate } from '../../src/node/issue.js';
import { testPki } from '../helpers/pki.js';
import { nodeTlsConnect, peerMissing, runOpensslClient, startTlsglassServer, tlsglassConnect, type InProcessServer } from '../helpers/peers.js';

const pki = testPki();
const LIMIT = { timeout: 20_000 };
const ca = pki.ca.certPem;
const named = (cn: string, dnsNames: string[], keyType: 'rsa' | 'ec' = 'ec') => issueCertificate({ issuer: pki.ca, commonName: cn, dnsNames, keyType });
const alpha = named('alpha', ['alpha.test']);
const beta = named('beta', ['beta.test'], 'rsa');
const wildcard = named('wildcard', ['*.example.com']);
const alphaContext = createSecureContext({ cert: alpha.certPem, key: alpha.keyPem });
const betaContext = createSecureContext({ cert: beta.certPem, key: beta.keyPem });
const own = { cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem }; // CN localhost

type Subject = { subject?: { CN?: string } };
const cnOf = (s: { getPeerCertificate(): unknown }): string | undefined => (s.getPeerCertificate() as Subject).subject?.CN;

/** Resolves with the CN of the certificate the server presents for `servername` (undefined: no SNI). */
async function served(t: Parameters<typeof tlsglassConnect>[0], port: number, servername: string | undefined, client: 'node' | 'tlsglass'): Promise<string | undefined> {
  // The identity check is not what is tested here (the names differ per certificate); the chain is.
  const options = { port, ca, ...(servername !== undefined && { servername }), checkServerIdentity: () => undefined };
  const socket = client === 'node' ? await nodeTlsConnect(t, options) : await tlsglassConnect(t, options);
  assert.equal(socket.authorized, true);
  const cn = cnOf(socket);
  // Until the server ends: node:tls's client would otherwise drop its Finished in destroy().
  socket.resume();
  await once(socket, 'end');
  socket.destroy();
  return cn;
}

/** A client that connects with `servername` and fails; resolves with the server's tlsClientError. */
async function refused(server: InProcessServer<ReturnType<typeof createServer>>, servername: string | undefined): Promise<{ err: Error; socket: unknown }> {
  const failed = once(server.server, 'tlsClientError') as Promise<[Error, unknown]>;
  const client = connect({ host: '127.0.0.1', port: server.port, ...(servername !== undefined && { servername }), rejectUnauthorized: false });
  client.on('error', () => {});
  const [err, socket] = await failed;
  client.destroy();
  return { err, socket };
}

describe('SNICallback', () => {
  for (const client of ['node', 'tlsglass'] as const) {
    test(`answers later, chooses between two contexts by name, also when the server has its own certificate (client: ${client === 'node' ? 'node:tls' : 'our connect'})`, LIMIT, async (t) => {
      const asked: string[] = [];
      const server = await startTlsglassServer(
        t,
        {
          ...own,
          SNICallback: (name, cb) => {
            asked.push(name);
            setImmediate(() => cb(null, name === 'alpha.test' ? alphaContext : name === 'beta.test' ? betaContext : undefined));
          },
        },
        (s) => s.end(String(s.servername)),
      );
      assert.equal(await served(t, server.port, 'alpha.test', client), 'alpha');
      assert.equal(await served(t, server.port, 'beta.test', client), 'beta');
      assert.equal(await served(t, server.port, 'other.test', client), 'localhost'); // no context: the server's own
      assert.equal(await served(t, server.port, undefined, client), 'localhost'); // no SNI: not called
      assert.deepEqual(asked, ['alpha.test', 'beta.test', 'other.test']);
      assert.deepEqual(server.clientErrors, []);
    });
  }

  test('the chosen context serves TLS 1.2 too, and the server socket reports the name', LIMIT, async (t) => {
    const names: (string | false)[] = [];
    const server = await startTlsglassServer(t, { ...own, SNICallback: (_n, cb) => cb(null, betaContext) }, (s) => {
      names.push(s.servername);
      s.end();
    });
    const socket = await nodeTlsConnect(t, { port: server.port, ca, servername: 'beta.test', maxVersion: 'TLSv1.2' });
    assert.equal(socket.getProtocol(), 'TLSv1.2');
    assert.equal(cnOf(socket), 'beta');
    assert.match(socket.getCipher().name, /RSA/);
    await once(socket, 'end');
    assert.deepEqual(names, ['beta.test']);
  });

  test('a server with only an SNICallback is made without a certificate; a client without SNI fails with tlsClientError', LIMIT, async (t) => {
    const server = await startTlsglassServer(t, { ca, SNICallback: (_n, cb) => setImmediate(() => cb(null, alphaContext)) }, (s) => s.end());
    assert.equal(await served(t, server.port, 'alpha.test', 'tlsglass'), 'alpha');
    assert.equal(await served(t, server.port, 'alpha.test', 'node'), 'alpha');
    const { err, socket } = await refused(server, undefined);
    // node:tls's code and message (OpenSSL's "no shared cipher"); ours stays as `reason`.
    assert.equal((err as { code?: string }).code, 'ERR_SSL_NO_SHARED_CIPHER');
    assert.match(err.message, /no shared cipher/);
    assert.match((err as { reason?: string }).reason ?? '', /no certificate/);
    assert.ok(socket && (socket as TLSSocket).encrypted);
  });

  test('an answer that is not our SecureContext fails the handshake with node:tls\'s TypeError; so does the callback\'s error', LIMIT, async (t) => {
    let answer: unknown;
    const server = await startTlsglassServer(t, { ...own, SNICallback: (_n, cb) => cb(null, answer as never) }, (s) => s.end());
    for (const bad of [{}, nodeTls.createSecureContext({ cert: alpha.certPem, key: alpha.keyPem })]) {
      answer = bad;
      const { err, socket } = await refused(server, 'alpha.test');
      assert.ok(err instanceof TypeError);
      assert.equal(err.message, 'Invalid SNI context');
      assert.ok(socket && (socket as TLSSocket).encrypted, 'tlsClientError comes with the TLSSocket, as node:tls');
    }
    const mine = Object.assign(new Error('no such site'), { code: 'E_SITE' });
    const failing = await startTlsglassServer(t, { ...own, SNICallback: (_n, cb) => setImmediate(() => cb(mine)) }, (s) => s.end());
    assert.equal((await refused(failing, 'alpha.test')).err, mine);
    const throwing = await startTlsglassServer(t, { ...own, SNICallback: () => { throw mine; } }, (s) => s.end());
    assert.equal((await refused(throwing, 'alpha.test')).err, mine);
    // The server still serves after all that.
    answer = alphaContext;
    assert.equal(await served(t, server.port, 'alpha.test', 'node'), 'alpha');
  });
});

describe('reading the ClientHello ahead', () => {
  test('what is not a ClientHello reaches the core, which refuses it; a client that sends nothing meets the handshake timeout', LIMIT, async (t) => {
    let called = 0;
    const server = await startTlsglassServer(t, { ...own, handshakeTimeout: 200, SNICallback: (_n, cb) => (called++, cb(null, alphaContext)) }, (s) => s.end());
    const failures = once(server.server, 'tlsClientError') as Promise<[Error & { code?: string }]>;
    const http = netConnect(server.port, '127.0.0.1', () => http.end('GET / HTTP/1.1\r\nHost: alpha.test\r\n\r\n'));
    http.on('error', () => {});
    http.resume();
    const [err] = await failures;
    assert.equal(err.code, 'ERR_SSL_HTTP_REQUEST'); // the core's verdict (its alert is unexpected_message), in node:tls's words
    const idle = netConnect(server.port, '127.0.0.1');
    idle.on('error', () => {});
    const [timedOut] = (await once(server.server, 'tlsClientError')) as [Error & { code?: string }];
    assert.equal(timedOut.code, 'ERR_TLS_HANDSHAKE_TIMEOUT');
    idle.destroy();
    assert.equal(called, 0);
  });
});

describe('addContext', () => {
  test("wildcards as node:tls: '*' is one label (or part of one), names are case-sensitive, the last match wins, no match is the server's own", LIMIT, async (t) => {
    const server = await startTlsglassServer(t, own, (s) => s.end());
    server.server.addContext('*.example.com', createSecureContext({ cert: wildcard.certPem, key: wildcard.keyPem }));
    server.server.addContext('alpha.test', { cert: beta.certPem, key: beta.keyPem }); // options work too…
    server.server.addContext('alpha.test', { cert: alpha.certPem, key: alpha.keyPem }); // …and the last added wins
    const expected: [string, string][] = [
      ['www.example.com', 'wildcard'],
      ['a.b.example.com', 'localhost'],
      ['example.com', 'localhost'],
      ['WWW.EXAMPLE.COM', 'localhost'],
      ['alpha.test', 'alpha'],
      ['alphaxtest', 'localhost'],
    ];
    for (const [name, cn] of expected) assert.equal(await served(t, server.port, name, 'tlsglass'), cn, name);
    // node:tls itself, for the same names, as the reference.
    const reference = nodeTls.createServer(own, (s) => s.end());
    reference.addContext('*.example.com', { cert: wildcard.certPem, key: wildcard.keyPem });
    reference.addContext('alpha.test', { cert: alpha.certPem, key: alpha.keyPem });
    reference.listen(0, '127.0.0.1');
    await once(reference, 'listening');
    t.after(() => reference.close());
    const port = (reference.address() as { port: number }).port;
    for (const [name, cn] of expected) assert.equal(await served(t, port, name, 'node'), cn, `node:tls, ${name}`);
  });

  test('a name is required', () => {
    const server = createServer(own);
    assert.throws(() => server.addContext('', alphaContext), { code: 'ERR_TLS_REQUIRED_SERVER_NAME' });
  });
});

describe('several certificates', () => {
  const rsa = pki.serverRsa;
  const ec = pki.serverEcdsa;
  const skip = peerMissing('openssl');

  /** What s_client saw: protocol, and the type of the server's signature. */
  async function opensslSees(t: Parameters<typeof tlsglassConnect>[0], port: number, args: string[]): Promise<{ protocol: string | undefined; signature: string | undefined; bits: string | undefined }> {
    const run = await runOpensslClient(t, port, ['-servername', 'localhost', ...args], '');
    const text = run.stdout.toString('latin1');
    assert.equal(run.code, 0, run.report);
    return {
      protocol: /^\s*Protocol\s*: (\S+)/m.exec(text)?.[1] ?? /^New, (TLSv[\d.]+),/m.exec(text)?.[1],
      signature: /^Peer signature type: (\S+)/m.exec(text)?.[1],
      bits: /^Server public key is (\d+) bit/m.exec(text)?.[1],
    };
  }

  for (const order of ['keys in the order of the certificates', 'keys in the other order'] as const) {
    test(`one RSA and one ECDSA certificate, ${order}: each client gets the one it can use (openssl s_client, TLS 1.2 by suite, TLS 1.3 by -sigalgs)`, { ...LIMIT, skip }, async (t) => {
      const key = order === 'keys in the other order' ? [ec.keyPem, rsa.keyPem] : [rsa.keyPem, ec.keyPem];
      const server = await startTlsglassServer(t, { cert: [rsa.certPem, ec.certPem], key }, (s) => s.end());
      const cases: [string[], string, string][] = [
        [['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256'], 'ECDSA', '256'],
        [['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'], 'RSA-PSS', '2048'],
        [['-tls1_3', '-sigalgs', 'ECDSA+SHA256'], 'ECDSA', '256'],
        [['-tls1_3', '-sigalgs', 'RSA-PSS+SHA256'], 'RSA-PSS', '2048'],
      ];
      for (const [args, signature, bits] of cases) {
        const seen = await opensslSees(t, server.port, args);
        assert.equal(seen.protocol, args[0] === '-tls1_2' ? 'TLSv1.2' : 'TLSv1.3', args.join(' '));
        assert.equal(seen.signature, signature, args.join(' '));
        assert.equal(seen.bits, bits, args.join(' '));
      }
      assert.deepEqual(server.clientErrors, []);
    });
  }

  test('keys pair with certificates by public key, as node:tls; a key that fits no certificate is refused with its code', () => {
    const swapped = createSecureContext({ cert: [rsa.certPem, ec.certPem], key: [ec.keyPem, rsa.keyPem] });
    assert.deepEqual(swapped.context.identities.map((i) => i.key.type), ['rsa', 'ec']);
    assert.doesNotThrow(() => nodeTls.createSecureContext({ cert: [rsa.certPem, ec.certPem], key: [ec.keyPem, rsa.keyPem] }));
    const options = { cert: [rsa.certPem, ec.certPem], key: [pki.clientEcdsa.keyPem, rsa.keyPem] };
    assert.throws(() => nodeTls.createSecureContext(options), { code: 'ERR_OSSL_X509_KEY_VALUES_MISMATCH' });
    assert.throws(() => createSecureContext(options), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, 'ERR_OSSL_X509_KEY_VALUES_MISMATCH');
      // node:tls's message (OpenSSL's); ours, which names the options, is the reason.
      assert.equal(err.message, 'error:05800074:x509 certificate routines::key values mismatch');
      assert.equal((err as ConfigError & { reason?: string }).reason, 'key[0] does not match the certificate in cert[1] (both are EC P-256, but not the same key)');
      return true;
    });
  });
});

for (const [name, make] of [
  ['tlsglass', createServer],
  ['node:tls', nodeTls.createServer],
] as const) {
  test(`${name}: an SNICallback that fails or answers a non-context: 'tlsClientError' with the socket destroyed and its servername; the client is dropped`, async () => {
    for (const [servername, answer] of [
      ['c.wrong.com', (cb: (err: Error | null, ctx?: unknown) => void) => cb(new Error('Invalid SNI context'), null)],
      ['c.another.com', (cb: (err: Error | null, ctx?: unknown) => void) => cb(null, {})],
    ] as const) {
      const server = (make as typeof createServer)({ SNICallback: (_name, cb) => answer(cb as (err: Error | null, ctx?: unknown) => void) });
      const seen = new Promise<{ message: string; servername: string | false; destroyed: boolean }>((resolve) =>
        server.once('tlsClientError', (err: Error, socket: TLSSocket) => resolve({ message: err.message, servername: socket.servername, destroyed: socket.destroyed })),
      );
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const client = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, servername, rejectUnauthorized: false });
        const [err] = (await once(client, 'error')) as [Error];
        assert.equal(err.message, 'Client network socket disconnected before secure TLS connection was established');
        assert.deepEqual(await seen, { message: 'Invalid SNI context', servername, destroyed: true });
      } finally {
        server.close();
      }
    }
  });
}
