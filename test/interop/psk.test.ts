/**
 * External PSKs (node:tls pskCallback / pskIdentityHint) against real peers, both ways:
 * `openssl s_server -psk` ↔ our client and `openssl s_client -psk` ↔ our server for TLS 1.2
 * (every PSK AEAD suite OpenSSL 3.0 has) and TLS 1.3 (psk_dhe_ke, and psk_ke with
 * -allow_no_dhe_kex), and node:tls client/server ↔ ours for both versions. The peers run with no
 * certificate at all, so a completed handshake is itself proof that the PSK authenticated it;
 * the negotiated version and suite are read from the peer's own output.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TLSSocket } from '../../src/node/tls-socket.js';
import {
  nodeTlsConnect,
  peerMissing,
  readAll,
  runOpensslClient,
  runTlsglassConnectCli,
  startNodeTlsServer,
  startOpensslServer,
  startTlsglassServeCli,
  startTlsglassServer,
  tlsglassConnect,
} from '../helpers/peers.js';

const KEY_HEX = '6a5c1f0e9d8b7a6958473625140312f0e1d2c3b4a5968778';
const KEY = Buffer.from(KEY_HEX, 'hex');
const IDENTITY = 'client-7';
const HINT = 'tlsglass-psk-test';

/** OpenSSL 3.0's TLS 1.2 PSK AEAD suites that we implement (it has no ECDHE-PSK GCM suite). */
const SUITES12 = ['PSK-AES128-GCM-SHA256', 'PSK-AES256-GCM-SHA384', 'PSK-CHACHA20-POLY1305', 'ECDHE-PSK-CHACHA20-POLY1305'] as const;

const noOpenssl = peerMissing('openssl');
const hints: (string | null)[] = [];
const ourClientPsk = (hint: string | null) => {
  hints.push(hint);
  return { psk: KEY, identity: IDENTITY };
};
const ourServerPsk = (_socket: TLSSocket, identity: string) => (identity === IDENTITY ? KEY : null);

/** Our client writes a line, the peer sends it back reversed (s_server -rev) or echoed. */
async function roundTrip(socket: TLSSocket, expected: (line: string) => string): Promise<void> {
  const line = `psk line ${socket.getCipher().name}\n`;
  socket.write(line);
  const back = await new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
  assert.equal(back, expected(line));
}

function assertOurPsk(socket: TLSSocket, version: 'TLSv1.2' | 'TLSv1.3'): void {
  assert.equal(socket.getProtocol(), version);
  assert.equal(socket.connection.negotiated.pskIdentity, IDENTITY);
  assert.deepEqual(socket.getPeerCertificate(), {});
}

const reversed = (line: string): string => `${[...line.trimEnd()].reverse().join('')}\n`;

describe('openssl s_server -psk ↔ tlsglass client', { skip: noOpenssl }, () => {
  for (const suite of SUITES12) {
    test(`TLS 1.2 ${suite}`, async (t) => {
      const server = await startOpensslServer(t, ['-naccept', '1', '-rev', '-nocert', '-tls1_2', '-cipher', suite, '-psk', KEY_HEX, '-psk_identity', IDENTITY, '-psk_hint', HINT]);
      hints.length = 0;
      const socket = await tlsglassConnect(t, { port: server.port, maxVersion: 'TLSv1.2', ciphers: suite, pskCallback: ourClientPsk });
      await roundTrip(socket, reversed);
      socket.end();
      await server.waitFor(/^CONNECTION CLOSED$/m, 's_server to close');
      const report = server.stdoutText() + server.stderr();
      assert.match(report, /^Protocol version: TLSv1\.2$/m, report);
      assert.match(report, new RegExp(`^Ciphersuite: ${suite}$`, 'm'), report);
      assert.deepEqual(hints, [HINT], 'our pskCallback got the server\u2019s identity hint');
      assertOurPsk(socket, 'TLSv1.2');
      assert.equal(socket.getCipher().name, suite);
    });
  }

  test('TLS 1.3 psk_dhe_ke', async (t) => {
    const server = await startOpensslServer(t, ['-naccept', '1', '-rev', '-nocert', '-tls1_3', '-psk', KEY_HEX, '-psk_identity', IDENTITY]);
    hints.length = 0;
    const socket = await tlsglassConnect(t, { port: server.port, pskCallback: ourClientPsk });
    await roundTrip(socket, reversed);
    socket.end();
    await server.exited; // -naccept 1: it prints its session statistics and exits
    const report = server.stdoutText() + server.stderr();
    assert.match(report, /^Protocol version: TLSv1\.3$/m, report);
    assert.match(report, /^Ciphersuite: TLS_AES_128_GCM_SHA256$/m, report);
    // OpenSSL counts an accepted TLS 1.3 PSK as a session cache hit.
    assert.match(report, /^\s+1 session cache hits$/m, report);
    assert.deepEqual(hints, [null], 'TLS 1.3 has no identity hint');
    assertOurPsk(socket, 'TLSv1.3');
    assert.ok(socket.connection.negotiated.group !== undefined, 'psk_dhe_ke: an (EC)DHE group was used');
  });
});

describe('openssl s_client -psk ↔ tlsglass server', { skip: noOpenssl }, () => {
  const start = (t: Parameters<typeof startTlsglassServer>[0], options: Parameters<typeof startTlsglassServer>[1] = {}) => {
    const seen: TLSSocket[] = [];
    return startTlsglassServer(t, { pskCallback: ourServerPsk, pskIdentityHint: HINT, ...options }, (s) => {
      seen.push(s);
      s.on('data', (d: Buffer) => s.end(d));
    }).then((server) => ({ server, seen }));
  };
  const client = (port: number, t: Parameters<typeof startTlsglassServer>[0], args: string[]) =>
    runOpensslClient(t, port, ['-brief', '-ign_eof', '-psk', KEY_HEX, '-psk_identity', IDENTITY, ...args], 'ping\n');

  for (const suite of SUITES12) {
    test(`TLS 1.2 ${suite}`, async (t) => {
      const { server, seen } = await start(t, { ciphers: suite });
      const run = await client(server.port, t, ['-tls1_2', '-cipher', suite]);
      assert.equal(run.code, 0, run.report);
      assert.equal(run.stdout.toString(), 'ping\n', run.report);
      assert.match(run.stderr, /^Protocol version: TLSv1\.2$/m, run.report);
      assert.match(run.stderr, new RegExp(`^Ciphersuite: ${suite}$`, 'm'), run.report);
      assert.match(run.stderr, /^No peer certificate$/m, run.report);
      assert.deepEqual(server.clientErrors, []);
      assertServerPsk(seen[0]!, 'TLSv1.2');
    });
  }

  test('TLS 1.3 psk_dhe_ke', async (t) => {
    const { server, seen } = await start(t);
    const run = await client(server.port, t, ['-tls1_3']);
    assert.equal(run.code, 0, run.report);
    assert.equal(run.stdout.toString(), 'ping\n', run.report);
    assert.match(run.stderr, /^Protocol version: TLSv1\.3$/m, run.report);
    assert.match(run.stderr, /^No peer certificate$/m, run.report);
    assert.match(run.stderr, /^Server Temp Key: X25519/m, run.report);
    assertServerPsk(seen[0]!, 'TLSv1.3');
  });

  test('TLS 1.3 psk_ke (-allow_no_dhe_kex, no group in common)', async (t) => {
    const { server, seen } = await start(t, { ecdhCurve: 'X25519' });
    const run = await client(server.port, t, ['-tls1_3', '-allow_no_dhe_kex', '-groups', 'P-384']);
    assert.equal(run.code, 0, run.report);
    assert.equal(run.stdout.toString(), 'ping\n', run.report);
    assert.match(run.stderr, /^No peer certificate$/m, run.report);
    assert.doesNotMatch(run.stderr, /Temp Key/, `psk_ke: no (EC)DHE key\n${run.report}`);
    assertServerPsk(seen[0]!, 'TLSv1.3');
    assert.equal(seen[0]!.connection.negotiated.group, undefined);
  });
});

function assertServerPsk(socket: TLSSocket, version: 'TLSv1.2' | 'TLSv1.3'): void {
  assert.equal(socket.getProtocol(), version);
  assert.equal(socket.connection.negotiated.pskIdentity, IDENTITY);
  assert.equal(socket.connection.negotiated.ourCertificates, undefined, 'no certificate sent');
}

describe('node:tls ↔ tlsglass', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    // TLS 1.2: a suite of each kind (plain PSK on one side, ECDHE_PSK on the other).
    const ciphers = version === 'TLSv1.2' ? 'PSK-AES256-GCM-SHA384:ECDHE-PSK-CHACHA20-POLY1305' : undefined;

    test(`node:tls client → tlsglass server, ${version}`, async (t) => {
      const { port, clientErrors } = await startTlsglassServer(t, { pskCallback: ourServerPsk, pskIdentityHint: HINT, ciphers }, (s) => s.end('from tlsglass'));
      const seen: (string | null)[] = [];
      const socket = await nodeTlsConnect(t, {
        port,
        maxVersion: version,
        ciphers,
        // node:tls checks a TLS 1.2 server's (absent) certificate against the host name unless told not to.
        checkServerIdentity: () => undefined,
        pskCallback: (hint) => (seen.push(hint), { psk: KEY, identity: IDENTITY }),
      });
      assert.equal((await readAll(socket)).toString(), 'from tlsglass');
      assert.equal(socket.getProtocol(), version);
      assert.deepEqual(seen, [version === 'TLSv1.2' ? HINT : null]);
      assert.deepEqual(socket.getPeerCertificate(), {});
      if (version === 'TLSv1.2') assert.equal(socket.getCipher().name, 'PSK-AES256-GCM-SHA384');
      assert.deepEqual(clientErrors, []);
    });

    test(`tlsglass client → node:tls server, ${version}`, async (t) => {
      const identities: string[] = [];
      const { port } = await startNodeTlsServer(t, { pskCallback: (_s, id) => (identities.push(id), id === IDENTITY ? KEY : null), pskIdentityHint: HINT, ciphers }, (s) => s.end('from node'));
      hints.length = 0;
      const socket = await tlsglassConnect(t, { port, maxVersion: version, ciphers: version === 'TLSv1.2' ? 'ECDHE-PSK-CHACHA20-POLY1305' : undefined, pskCallback: ourClientPsk });
      assert.equal((await readAll(socket)).toString(), 'from node');
      assertOurPsk(socket, version);
      assert.deepEqual(identities, [IDENTITY], 'node:tls\u2019s pskCallback got our identity');
      assert.deepEqual(hints, [version === 'TLSv1.2' ? HINT : null]);
      assert.equal(socket.isSessionReused(), version === 'TLSv1.3', 'as OpenSSL: a TLS 1.3 external PSK counts as reused');
    });
  }
});

describe('resumption after a PSK handshake', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version}: the session from a PSK handshake resumes`, async (t) => {
      const ciphers = 'PSK:TLS_AES_128_GCM_SHA256';
      const { port } = await startTlsglassServer(t, { pskCallback: ourServerPsk, ciphers }, (s) => s.end('x'));
      const connectOnce = async (session?: Buffer): Promise<{ socket: TLSSocket; session: Buffer | undefined }> => {
        const socket = await tlsglassConnect(t, { port, maxVersion: version, ciphers, pskCallback: ourClientPsk, ...(session ? { session } : {}) });
        await readAll(socket); // TLS 1.3: the ticket comes after the handshake
        return { socket, session: socket.getSession() };
      };
      const first = await connectOnce();
      assert.equal(first.socket.connection.negotiated.pskIdentity, IDENTITY);
      assert.ok(first.session, 'a session was issued');
      const second = await connectOnce(first.session);
      assert.equal(second.socket.connection.negotiated.resumed, true);
      assert.equal(second.socket.isSessionReused(), true);
    });
  }
});

describe('the CLI: --psk and --psk-identity, with the trace', { skip: noOpenssl }, () => {
  test('tlsglass connect --psk to openssl s_server -psk: the trace names the identity and says no certificate was used', async (t) => {
    const server = await startOpensslServer(t, ['-naccept', '1', '-rev', '-nocert', '-tls1_3', '-psk', KEY_HEX, '-psk_identity', IDENTITY]);
    const run = await runTlsglassConnectCli(t, [`127.0.0.1:${server.port}`, '--psk', KEY_HEX, '--psk-identity', IDENTITY, '--trace', '--no-color'], 'abc\n');
    assert.equal(run.code, 0, run.report);
    assert.equal(run.stdout.toString(), 'cba\n', run.report);
    assert.match(run.stderr, /^PSK identity: client-7$/m, run.report);
    assert.match(run.stderr, /identity 0 accepted: the external PSK "client-7"; no\s+certificate will be used/, run.report);
    assert.match(run.stderr, /server authenticated\s+yes, by the external PSK "client-7": no certificate was used/, run.report);
  });

  test('tlsglass serve --psk --psk-hint to openssl s_client -psk, TLS 1.2', async (t) => {
    const server = await startTlsglassServeCli(t, ['--port', '0', '--naccept', '1', '--www', '--psk', KEY_HEX, '--psk-identity', IDENTITY, '--psk-hint', HINT, '--ciphers', 'PSK-AES128-GCM-SHA256']);
    const run = await runOpensslClient(t, server.port, ['-brief', '-ign_eof', '-tls1_2', '-psk', KEY_HEX, '-psk_identity', IDENTITY, '-cipher', 'PSK-AES128-GCM-SHA256'], 'GET / HTTP/1.0\r\n\r\n');
    assert.equal(run.code, 0, run.report);
    assert.match(run.stdout.toString(), /^HTTP\/1\.0 200 ok\r\n/, run.report);
    assert.match(run.stderr, /^Ciphersuite: PSK-AES128-GCM-SHA256$/m, run.report);
    assert.match(run.stderr, /^No peer certificate$/m, run.report);
    await server.exited;
    assert.match(server.stdoutText() + server.stderr(), /TLSv1\.2 PSK-AES128-GCM-SHA256, PSK identity "client-7"/, String(server));
  });
});
