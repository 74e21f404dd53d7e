/**
 * The diagnoses people need most, each provoked with real processes: `tlsglass connect` against
 * `tlsglass serve` (both sides' diagnoses asserted), and against peers that misbehave on
 * purpose — plain TCP responders written here (an HTTP server, SSH and SMTP banners, a server
 * that never answers, closes or resets, an SNI-only server), node:tls (renegotiation, a close
 * without close_notify), openssl s_client (renegotiation) and python3 (a full accept queue: no
 * TCP answer). Ports are 0 and nothing sleeps: servers are waited for by their ACCEPT line and
 * `serve --naccept 1` exits once its one connection is over.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as nodeTls from 'node:tls';
import { createCertificateAuthority, issueCertificate, type IssuedCertificate } from '../../src/node/issue.js';
import { peerMissing, runOpensslClient, runTlsglassConnectCli, spawnPeer, TLSGLASS_CLI, startTlsglassServeCli, type Scope } from '../helpers/peers.js';
import { testPki, writePkiFiles, type PkiFiles } from '../helpers/pki.js';
import { diagnosis } from '../helpers/diagnosis-block.js';

type Pair = { cert: string; key: string };
let dir: string;
let pki: PkiFiles;
/** Server certificates gone wrong, and client certificates likewise. */
let leafOnly: Pair; // issued by an intermediate, sent without it
let withIntermediate: Pair; // the same leaf followed by its intermediate
let twinCa: Pair; // issued by another CA with the test CA's very name
let notYetValid: Pair; // valid from two hours from now
let clientAuthOnly: Pair; // a server certificate whose EKU is clientAuth only
let serverAuthOnlyClient: Pair; // a client certificate whose EKU is serverAuth only
let strangerClient: Pair; // a client certificate from a CA the server does not trust
let selfSigned: Pair;
let proxied: Pair; // leaf + root of a CA nobody trusts: what a TLS-intercepting proxy sends

const LIMIT = { timeout: 30_000 };
const HOUR = 3_600_000;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-diagnoses-'));
  pki = writePkiFiles(dir);
  const ca = testPki().ca;
  const server = { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], keyType: 'ec' as const };
  const write = (name: string, c: IssuedCertificate, extra = ''): Pair => {
    writeFileSync(join(dir, `${name}.pem`), c.certPem + extra);
    writeFileSync(join(dir, `${name}.key`), c.keyPem, { mode: 0o600 });
    return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  };
  const intermediate = createCertificateAuthority({ commonName: 'tlsglass test intermediate', keyType: 'ec', issuer: ca });
  const leaf = issueCertificate({ ...server, issuer: intermediate });
  leafOnly = write('leaf-only', leaf);
  withIntermediate = write('with-intermediate', leaf, intermediate.certPem);
  const twin = createCertificateAuthority({ commonName: 'tlsglass test CA', organization: 'tlsglass', keyType: 'ec' });
  twinCa = write('twin', issueCertificate({ ...server, issuer: twin }));
  notYetValid = write('not-yet-valid', issueCertificate({ ...server, issuer: ca, notBefore: new Date(Date.now() + 2 * HOUR), notAfter: new Date(Date.now() + 30 * 24 * HOUR) }));
  clientAuthOnly = write('client-auth-only', issueCertificate({ ...server, issuer: ca, extKeyUsage: ['clientAuth'] }));
  serverAuthOnlyClient = write('server-auth-only-client', issueCertificate({ issuer: ca, commonName: 'a client', keyType: 'ec', extKeyUsage: ['serverAuth'] }));
  const stranger = createCertificateAuthority({ commonName: 'some other CA', keyType: 'ec' });
  strangerClient = write('stranger-client', issueCertificate({ issuer: stranger, commonName: 'a client', keyType: 'ec', extKeyUsage: ['clientAuth'] }));
  selfSigned = write('self-signed', issueCertificate(server));
  const proxyCa = createCertificateAuthority({ commonName: 'Corporate Proxy CA', keyType: 'ec' });
  proxied = write('proxied', issueCertificate({ ...server, issuer: proxyCa }), proxyCa.certPem);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * `tlsglass serve --naccept 1 SERVE` and `tlsglass connect localhost:PORT CONNECT`: both stderrs.
 * The client's stdin stays open: it sends nothing the server might leave unread, which would
 * turn the server's close into a reset that overtakes its alert (TLS 1.3 client certificates are
 * refused after the client's Finished).
 */
async function pair(t: Scope, serveArgs: string[], connectArgs: string[], host = 'localhost'): Promise<{ client: ClientRun; server: string; c: Record<string, string>; s: Record<string, string> }> {
  const server = await startTlsglassServeCli(t, ['--port', '0', '--naccept', '1', ...serveArgs]);
  const client = await connectKeepingStdin(t, [`${host}:${server.port}`, ...connectArgs]);
  await server.exited;
  return { client, server: server.stderr(), c: diagnosis(client.stderr), s: diagnosis(server.stderr()) };
}

/** A TCP server in this process; `onConnection` plays the peer. Closed at teardown. */
async function tcpServer(t: Scope, onConnection: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createNetServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as { port: number }).port;
}

const cert = (p: Pair): string[] => ['--cert', p.cert, '--key', p.key];

describe('tlsglass connect against tlsglass serve: both sides explain', { concurrency: 2 }, () => {
  test('server TLS 1.3 only, client --tls1.2: allow TLS 1.3 on the client', LIMIT, async (t) => {
    const { client, c, s } = await pair(t, [...cert(pki.serverEcdsa), '--tls1.3'], ['--ca', pki.ca, '--tls1.2']);
    assert.equal(client.code, 1, client.report);
    assert.equal(c['diagnosis'], 'the server does not accept TLS 1.2, the only version we offered (--tls1.2 or --max-version TLSv1.2); it likely speaks only TLS 1.3: leave that option out.');
    assert.equal(s['diagnosis'], 'the client offers only TLS 1.2 and we accept only TLS 1.3 (--tls1.3 or --min-version TLSv1.3): leave that option out, or have the client allow TLS 1.3.');
  });

  test('server --tls1.2, client TLS 1.3 only: no contradiction', LIMIT, async (t) => {
    const { c, s } = await pair(t, [...cert(pki.serverEcdsa), '--tls1.2'], ['--ca', pki.ca, '--tls1.3']);
    assert.equal(c['diagnosis'], 'the server does not accept TLS 1.3, the only version we offered (--tls1.3 or --min-version TLSv1.3); it likely speaks only TLS 1.2: leave that option out.');
    assert.equal(s['diagnosis'], 'the client offers only TLS 1.3 and we accept only TLS 1.2 (--tls1.2 or --max-version TLSv1.2): leave that option out, or have the client allow TLS 1.2.');
  });

  test('RSA certificate, client offering only ECDHE-ECDSA suites: the certificate type, not the suites', LIMIT, async (t) => {
    const { c, s } = await pair(t, cert(pki.serverRsa), ['--ca', pki.ca, '--tls1.2', '--ciphers', 'ECDHE-ECDSA-AES128-GCM-SHA256']);
    assert.match(c['diagnosis'] ?? '', /^likely no suite fits the server's certificate: we offered only ECDSA suites \(TLS 1\.2\) \[ECDHE-ECDSA-AES128-GCM-SHA256\], which need an ECDSA certificate; a server with an RSA certificate cannot use them\. Add ECDHE-RSA-AES128-GCM-SHA256/);
    assert.equal(s['diagnosis'], 'the suites the client offered that we support [ECDHE-ECDSA-AES128-GCM-SHA256] all need an ECDSA certificate, and ours is RSA: serve an ECDSA certificate too (--dcert/--dkey), or have the client offer ECDHE-RSA suites or TLS 1.3.');
  });

  test('the server sends its leaf without the intermediate: put the intermediate in --cert', LIMIT, async (t) => {
    const { c, s } = await pair(t, cert(leafOnly), ['--ca', pki.ca]);
    assert.equal(c['error code'], 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.match(c['diagnosis'] ?? '', /the server sent only its own certificate \('CN=localhost', issued by 'CN=tlsglass test intermediate'\) and no CA in --ca is named 'CN=tlsglass test intermediate'\./);
    assert.match(c['diagnosis'] ?? '', /if it is an intermediate CA, the server left it out: the server's --cert file must hold the certificate followed by the intermediate/);
    assert.match(s['diagnosis'] ?? '', /we sent only the certificate \('CN=localhost', issued by 'CN=tlsglass test intermediate'\)\. If 'CN=tlsglass test intermediate' is an intermediate CA, put it after our certificate in our --cert file/);
  });

  test('two CAs with the same name: trusted by name, but another key signed it', LIMIT, async (t) => {
    const { c, s } = await pair(t, cert(twinCa), ['--ca', pki.ca]);
    assert.match(c['diagnosis'] ?? '', /^a CA named 'O=tlsglass, CN=tlsglass test CA' is in --ca, but it did not sign the server's certificate: it is another CA with the same name and a different key \(key identifier [0-9a-f:]+… in --ca; the server's certificate names [0-9a-f:]+…\)\. Two CAs share that name \(e\.g\. from two tlsglass certs runs\)/);
    assert.match(s['diagnosis'] ?? '', /if the client has a CA of that name already, it is a different one \(same name, other key/);
  });

  test('a chain longer than --verify-depth: a depth limit, not an unknown CA', LIMIT, async (t) => {
    const { c, s } = await pair(t, cert(withIntermediate), ['--ca', pki.ca, '--verify-depth', '0']);
    assert.equal(c['error code'], 'CERT_CHAIN_TOO_LONG');
    assert.match(c['diagnosis'] ?? '', /^the server's chain has more intermediate CAs than our verify depth allows \(--verify-depth 0, verifyDepth\): 'CN=tlsglass test intermediate' would be intermediate number 1\./);
    assert.match(c['diagnosis'] ?? '', /A depth limit, not distrust: pass a larger --verify-depth \(or leave it out\)/);
    assert.match(s['diagnosis'] ?? '', /\(We sent 2 certificates; a client that limits the chain depth, e\.g\. -verify_depth, says unknown_ca too\.\)$/);
  });

  test('a certificate not valid yet: the dates and the clock skew, both sides', LIMIT, async (t) => {
    const { c, s } = await pair(t, cert(notYetValid), ['--ca', pki.ca]);
    assert.equal(c['error code'], 'CERT_NOT_YET_VALID');
    assert.match(c['diagnosis'] ?? '', /^certificate for 'localhost' is not valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC, 2 hours from now \(our clock: \d{4}-\d\d-\d\d \d\d:\d\d UTC\): a clock is wrong by at least that much/);
    assert.match(s['diagnosis'] ?? '', /^the client rejected our certificate as not yet valid, and by our clock too it is not valid yet: 'localhost', valid .* UTC to .* UTC, 2 hours from now by our clock/);
  });

  test('a server certificate without serverAuth', LIMIT, async (t) => {
    const { c, s } = await pair(t, cert(clientAuthOnly), ['--ca', pki.ca]);
    assert.equal(c['error code'], 'INVALID_PURPOSE');
    assert.equal(c['diagnosis'], "the server's certificate is not for a TLS server: its extendedKeyUsage (clientAuth) lacks serverAuth, required for a TLS server certificate: the server must use a certificate issued for serverAuth (a server certificate, e.g. server.pem from tlsglass certs).");
    assert.equal(s['diagnosis'], "the client refused our certificate's purpose: its extendedKeyUsage is [clientAuth], without serverAuth, which a TLS server certificate needs: use one issued for serverAuth (--cert/--key).");
  });

  test('a client certificate for serverAuth only', LIMIT, async (t) => {
    const { c, s } = await pair(t, [...cert(pki.serverEcdsa), '--ca', pki.ca, '--require-cert'], ['--ca', pki.ca, ...cert(serverAuthOnlyClient)]);
    assert.equal(s['diagnosis'], "the client's certificate is not for a TLS client: its extendedKeyUsage (serverAuth) lacks clientAuth, required for a TLS client certificate: the client must use a certificate issued for clientAuth (e.g. client.pem from tlsglass certs).");
    assert.equal(c['diagnosis'], "the server refused our certificate's purpose: its extendedKeyUsage is [serverAuth], without clientAuth, which a TLS client certificate needs: use one issued for clientAuth (--cert/--key).");
  });

  test('a client certificate from another CA', LIMIT, async (t) => {
    const { c, s } = await pair(t, [...cert(pki.serverEcdsa), '--ca', pki.ca, '--require-cert'], ['--ca', pki.ca, ...cert(strangerClient)]);
    assert.match(s['diagnosis'] ?? '', /^the client's certificate does not lead to a CA we trust: the client sent only its own certificate \('CN=a client', issued by 'CN=some other CA'\) and no CA in --ca is named 'CN=some other CA'\. If 'CN=some other CA' is a root CA, add it to our --ca/);
    assert.match(c['diagnosis'] ?? '', /^the server does not trust the CA that issued our certificate, and we sent only the certificate \('CN=a client', issued by 'CN=some other CA'\)/);
  });

  test('a client certificate required but not sent, TLS 1.2 and TLS 1.3', LIMIT, async (t) => {
    for (const version of ['--tls1.2', '--tls1.3']) {
      const { c, s } = await pair(t, [...cert(pki.serverEcdsa), '--ca', pki.ca, '--require-cert'], ['--ca', pki.ca, version]);
      assert.match(c['alert'] ?? '', version === '--tls1.2' ? /^handshake_failure, sent by the server/ : /^certificate_required, sent by the server/);
      assert.match(c['failed at'] ?? '', /^message [CS]\d+: the client's Certificate \(empty\)$/);
      const late = version === '--tls1.3' ? ' In TLS 1.3 the server checks it after our Finished, so the handshake first looked complete.' : '';
      assert.equal(c['diagnosis'], `the server asked for a client certificate (CertificateRequest) but none was configured: pass --cert/--key.${late}`);
      assert.match(s['diagnosis'] ?? '', /the client must be given one \(its --cert\/--key\), or use --request-cert instead of --require-cert/);
    }
  });

  test('a self-signed server certificate', LIMIT, async (t) => {
    const { c, s } = await pair(t, cert(selfSigned), ['--ca', pki.ca]);
    assert.equal(c['error code'], 'DEPTH_ZERO_SELF_SIGNED_CERT');
    assert.match(c['diagnosis'] ?? '', /^the server's certificate \('CN=localhost'\) is self-signed: no CA vouches for it\. To trust this one certificate, pass the certificate itself as --ca, or --insecure/);
    assert.match(s['diagnosis'] ?? '', /^our certificate \('CN=localhost'\) is self-signed, so the client trusts it only if it has that very certificate/);
  });

  test('a chain ending at a root nobody trusts (a TLS-intercepting proxy)', LIMIT, async (t) => {
    const { c } = await pair(t, cert(proxied), ['--ca', pki.ca]);
    assert.match(c['diagnosis'] ?? '', /^the chain the server sent ends at the root 'CN=Corporate Proxy CA', which is not in --ca\. If it is your own CA, pass it with --ca\. If you did not expect that name, something on the path \(a TLS-intercepting proxy/);
  });

  test('ALPN with no protocol in common', LIMIT, async (t) => {
    const { c, s } = await pair(t, [...cert(pki.serverEcdsa), '--alpn', 'h2'], ['--ca', pki.ca, '--alpn', 'http/1.1']);
    assert.equal(c['diagnosis'], 'the server takes none of the application protocols we offered (ALPN: [http/1.1]): pass --alpn with one the server supports (h2, http/1.1, …), or leave out --alpn.');
    assert.equal(s['diagnosis'], "no application protocol in common (ALPN): the client offered [http/1.1], we take [h2]: add one of the client's to --alpn, or leave out --alpn to accept any.");
  });

  test('a hostname mismatch dialling an IP address: the names, and that no SNI was sent', LIMIT, async (t) => {
    const other = issueCertificate({ issuer: testPki().ca, commonName: 'www.example.test', dnsNames: ['www.example.test'], keyType: 'ec' });
    writeFileSync(join(dir, 'www.pem'), other.certPem);
    writeFileSync(join(dir, 'www.key'), other.keyPem, { mode: 0o600 });
    const { c } = await pair(t, ['--cert', join(dir, 'www.pem'), '--key', join(dir, 'www.key')], ['--ca', pki.ca], '127.0.0.1');
    assert.equal(c['diagnosis'], "hostname '127.0.0.1' not in the certificate's names [www.example.test]: pass --servername with one of those names, or give the server a certificate for '127.0.0.1'. We sent no SNI (we dialled an IP address), so the server may have sent its default certificate: pass --servername with the name you mean.");
  });
});

describe('peers that are not TLS, and networks that fail', { concurrency: 2 }, () => {
  test('plain HTTP, SSH and SMTP on the port: say what answered', LIMIT, async (t) => {
    const banners: [string, RegExp][] = [
      ['HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n', /^the server answered in plain HTTP \('HTTP\/1\.1 400 Bad Request'\), not TLS: this port serves http:\/\/, not https:\/\/\./],
      ['SSH-2.0-OpenSSH_9.6\r\n', /^the server is an SSH server \('SSH-2\.0-OpenSSH_9\.6'\), not TLS: wrong port\.$/],
      ['220 mx.example.test ESMTP Postfix\r\n', /^the server greeted in plain text as a mail \(SMTP\) server \('220 mx\.example\.test ESMTP Postfix'\): .*STARTTLS, which tlsglass does not speak\. Use port 465/],
    ];
    for (const [banner, expected] of banners) {
      const port = await tcpServer(t, (s) => (banner.startsWith('HTTP') ? s.once('data', () => s.end(banner)) : s.write(banner)));
      const run = await runTlsglassConnectCli(t, [`127.0.0.1:${port}`]);
      assert.equal(run.code, 1, run.report);
      assert.match(diagnosis(run.stderr)['diagnosis'] ?? '', expected, run.report);
    }
  });

  test('plain HTTP to tlsglass serve: the client used http://', LIMIT, async (t) => {
    const server = await startTlsglassServeCli(t, ['--port', '0', '--naccept', '1', ...cert(pki.serverEcdsa)]);
    const { connect } = await import('node:net');
    const sock = connect(server.port, '127.0.0.1', () => sock.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    sock.on('error', () => {});
    sock.resume();
    await server.exited;
    assert.equal(diagnosis(server.stderr())['diagnosis'], "the client spoke plain HTTP ('GET / HTTP/1.1'), not TLS: it used http:// for this TLS port; it must use https://.");
  });

  test('a DNS failure is not "nothing listening"', LIMIT, async (t) => {
    const run = await runTlsglassConnectCli(t, ['no-such-host.invalid:443']);
    assert.equal(run.code, 3, run.report);
    assert.match(run.stderr, /^ {2}the (name 'no-such-host\.invalid' does not resolve \(DNS: E[A-Z_]+\)|DNS lookup of 'no-such-host\.invalid' failed for now)/m, run.report);
  });

  test('--timeout against a server that accepted TCP but never answers: a silent peer', LIMIT, async (t) => {
    const port = await tcpServer(t, (s) => s.resume());
    const run = await runTlsglassConnectCli(t, [`127.0.0.1:${port}`, '--timeout', '1']);
    assert.equal(run.code, 3, run.report);
    assert.equal(diagnosis(run.stderr)['diagnosis'], 'the server accepted the TCP connection but sent nothing back within 1 s after our ClientHello: it is likely not a TLS server (a plain-text service waiting for its own kind of request), or a TLS server that is stuck. Check the port.');
  });

  test('--timeout with no TCP answer at all (a full accept queue drops our SYN)', { ...LIMIT, skip: process.platform !== 'linux' ? 'needs Linux accept-queue behaviour' : peerMissing('python3') }, async (t) => {
    // backlog 0 holds one connection; three more SYNs fill it, and ours is dropped unanswered.
    const script =
      'import socket,time\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(0)\nfill=[]\nfor _ in range(3):\n c=socket.socket();c.setblocking(False)\n try: c.connect(s.getsockname())\n except BlockingIOError: pass\n fill.append(c)\ntime.sleep(0.3)\nprint("PORT",s.getsockname()[1],flush=True)\ntime.sleep(20)\n';
    const holder = spawnPeer(t, 'python3', ['-c', script]);
    const port = (await holder.waitFor(/^PORT (\d+)$/m, 'the port'))[1]!;
    const run = await runTlsglassConnectCli(t, [`127.0.0.1:${port}`, '--timeout', '1']);
    assert.equal(run.code, 3, run.report);
    assert.match(run.stderr, new RegExp(`^ {2}no TCP connection to 127\\.0\\.0\\.1:${port} within 1 s: nothing answered our SYN`, 'm'), run.report);
    assert.doesNotMatch(run.stderr, /as the client sees it/);
  });

  test('a server that closes or resets right after our ClientHello, without an alert', LIMIT, async (t) => {
    for (const [how, close] of [['closed the TCP connection', (s: Socket) => s.end()], ['reset the TCP connection (RST)', (s: Socket) => s.resetAndDestroy()]] as const) {
      const port = await tcpServer(t, (s) => s.once('data', () => close(s)));
      const run = await runTlsglassConnectCli(t, [`127.0.0.1:${port}`]);
      assert.equal(run.code, 3, run.report);
      assert.match(diagnosis(run.stderr)['diagnosis'] ?? '', new RegExp(`^the server ${how.replace(/[()]/g, '\\$&')} right after our ClientHello, without a TLS alert\\. Likely it refused something in it`), run.report);
    }
  });

  test('a client that connects and closes without a byte (a health probe)', LIMIT, async (t) => {
    const server = await startTlsglassServeCli(t, ['--port', '0', '--naccept', '1', ...cert(pki.serverEcdsa)]);
    const { connect } = await import('node:net');
    const sock = connect(server.port, '127.0.0.1', () => sock.end());
    await server.exited;
    assert.equal(diagnosis(server.stderr())['diagnosis'], 'the client closed the TCP connection without sending anything: a port check or health probe (a load balancer, a scanner), or a client that gave up.');
  });

  test('an SNI-only server refuses a ClientHello without SNI', LIMIT, async (t) => {
    // Like a CDN edge: no server_name extension, a fatal handshake_failure.
    const port = await tcpServer(t, (s) =>
      s.once('data', (hello: Buffer) => {
        if (!hasServerName(hello)) s.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]));
        else s.destroy();
      }),
    );
    const run = await runTlsglassConnectCli(t, [`127.0.0.1:${port}`]);
    assert.equal(run.code, 1, run.report);
    assert.match(diagnosis(run.stderr)['diagnosis'] ?? '', /^the server refused our ClientHello, which named no site \(no SNI: we dialled an IP address\): .*Pass --servername with the site's name\./, run.report);
  });
});

describe('after the handshake: closes, resets, renegotiation', { concurrency: 2 }, () => {
  test('a server that closes without close_notify, and one that resets', LIMIT, async (t) => {
    // TLS 1.2, whose ticket comes inside the handshake: the server sends nothing after its Finished,
    // which we read before we send the line that makes it reset. With TLS 1.3 its tickets come after
    // the handshake and may still be unread when the RST arrives; libuv then reads them and, seeing
    // the hang-up after a short read, reports an end of stream without reading on: the RST looks like a FIN.
    const secureContext = nodeTls.createSecureContext({ cert: readFileSync(pki.serverEcdsa.cert), key: readFileSync(pki.serverEcdsa.key), maxVersion: 'TLSv1.2' });
    for (const reset of [false, true]) {
      const port = await tcpServer(t, (raw) => {
        const tls = new nodeTls.TLSSocket(raw, { isServer: true, secureContext });
        tls.on('error', () => {});
        // Once the client's data has arrived: the handshake is over on both sides.
        tls.once('data', () => (reset ? raw.resetAndDestroy() : raw.end()));
      });
      const run = await connectKeepingStdin(t, [`localhost:${port}`, '--ca', pki.ca], 'hello\n');
      if (reset) {
        assert.equal(run.code, 3, run.report);
        const d = diagnosis(run.stderr);
        assert.equal(d['failed at'], undefined, 'no handshake step failed');
        assert.equal(d['diagnosis'], 'the server reset the TCP connection (RST) after the handshake, without a TLS alert: it crashed or was stopped, or a middlebox (firewall, load balancer) cut the connection.');
      } else {
        assert.match(run.stderr, /^warning: the server closed without close_notify \(truncation\): what we received may be cut short/m, run.report);
      }
    }
  });

  test('a client that closes without close_notify: serve says so', LIMIT, async (t) => {
    const server = await startTlsglassServeCli(t, ['--port', '0', '--naccept', '1', ...cert(pki.serverEcdsa)]);
    // destroy() closes the TCP connection without close_notify.
    // TLS 1.2: its ticket comes inside the handshake, so nothing is left unread to turn the FIN into a RST.
    const sock = nodeTls.connect({ port: server.port, host: '127.0.0.1', servername: 'localhost', ca: readFileSync(pki.ca), maxVersion: 'TLSv1.2' }, () => sock.write('hi\n', () => sock.destroy()));
    sock.on('error', () => {});
    await server.exited;
    assert.match(server.stderr(), /^connection 1 from 127\.0\.0\.1:\d+: the client closed without close_notify \(truncation\)/m, server.stderr());
  });

  test('a server that asks to renegotiate (TLS 1.2 HelloRequest)', LIMIT, async (t) => {
    const secureContext = nodeTls.createSecureContext({ cert: readFileSync(pki.serverEcdsa.cert), key: readFileSync(pki.serverEcdsa.key), maxVersion: 'TLSv1.2' });
    const port = await tcpServer(t, (raw) => {
      const tls = new nodeTls.TLSSocket(raw, { isServer: true, secureContext });
      tls.on('error', () => {});
      tls.on('secure', () => tls.write('hi\n', () => tls.renegotiate({ requestCert: true, rejectUnauthorized: false }, () => {})));
    });
    const run = await connectKeepingStdin(t, [`localhost:${port}`, '--ca', pki.ca]);
    const d = diagnosis(run.stderr);
    assert.match(d['failed at'] ?? '', /^message [CS]\d+: the server's HelloRequest$/, run.report);
    assert.match(d['diagnosis'] ?? '', /^the server asked to renegotiate \(HelloRequest\) and tlsglass never renegotiates\./);
  });

  test('a client that renegotiates (openssl s_client R)', { ...LIMIT, skip: peerMissing('openssl') }, async (t) => {
    const server = await startTlsglassServeCli(t, ['--port', '0', '--naccept', '1', ...cert(pki.serverEcdsa)]);
    await runOpensslClient(t, server.port, ['-tls1_2', '-servername', 'localhost'], 'R\n');
    await server.exited;
    const d = diagnosis(server.stderr());
    assert.match(d['failed at'] ?? '', /^message [CS]\d+: the client's ClientHello \(renegotiation\)$/, server.stderr());
    assert.match(d['diagnosis'] ?? '', /^the client tried to renegotiate \(a second ClientHello on the established connection\), which we refuse/);
  });
});

/** `tlsglass connect` with stdin left open, so that the server acts first; it ends when the server does. */
type ClientRun = { code: number | null; stderr: string; report: string };

async function connectKeepingStdin(t: Scope, args: string[], line?: string): Promise<ClientRun> {
  const p = spawnPeer(t, process.execPath, [TLSGLASS_CLI, 'connect', ...args]);
  if (line !== undefined) p.proc.stdin!.write(line);
  const { code } = await p.exited;
  return { code, stderr: p.stderr(), report: String(p) };
}

/** Whether a ClientHello record carries a server_name extension. */
function hasServerName(record: Buffer): boolean {
  let i = 5 + 4 + 2 + 32; // record header, handshake header, version, random
  i += 1 + record[i]!; // session id
  i += 2 + record.readUInt16BE(i); // cipher suites
  i += 1 + record[i]!; // compression methods
  const end = i + 2 + record.readUInt16BE(i);
  for (i += 2; i + 4 <= end; i += 4 + record.readUInt16BE(i + 2)) if (record.readUInt16BE(i) === 0) return true;
  return false;
}
