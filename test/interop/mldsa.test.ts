import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignatureScheme } from '../../src/messages/enums.js';
import { runPeer, spawnPeer, startTlsglassServer, tlsglassConnect, TLSGLASS_CLI } from '../helpers/peers.js';
import { NODE24, OPENSSL35, pqPeerMissing } from '../helpers/pq-peers.js';

/**
 * ML-DSA certificates (draft-ietf-tls-mldsa, RFC 9881) with OpenSSL 3.5: its certificates in our
 * client and server, ours (`tlsglass certs --pq`) in its s_client, s_server and `verify`, server and
 * client authentication both ways. Checked from OpenSSL's own output and our negotiated scheme.
 */
const skip = pqPeerMissing(OPENSSL35);
const skipNode24 = pqPeerMissing(NODE24);
const LEVELS = [
  { level: '44', scheme: SignatureScheme.mldsa44 },
  { level: '65', scheme: SignatureScheme.mldsa65 },
  { level: '87', scheme: SignatureScheme.mldsa87 },
] as const;

const LEAF_EXTENSIONS = 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n';

type Scope = Parameters<typeof runPeer>[0];

/** An OpenSSL 3.5 CA and a leaf for localhost (serverAuth and clientAuth), both ML-DSA-`level`. */
async function opensslPki(t: Scope, level: string): Promise<{ dir: string; ca: string; cert: string; key: string }> {
  const dir = mkdtempSync(join(tmpdir(), `tlsglass-mldsa${level}-`));
  const f = (n: string): string => join(dir, n);
  const ok = async (args: string[]): Promise<void> => {
    const r = await runPeer(t, OPENSSL35, args);
    assert.equal(r.code, 0, r.report);
  };
  writeFileSync(f('leaf.ext'), LEAF_EXTENSIONS);
  await ok(['req', '-x509', '-newkey', `mldsa${level}`, '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-subj', `/CN=OpenSSL ML-DSA-${level} CA`, '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
  await ok(['req', '-newkey', `mldsa${level}`, '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', '/CN=localhost']);
  await ok(['x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-out', f('leaf.pem'), '-days', '2', '-extfile', f('leaf.ext')]);
  return { dir, ca: f('ca.pem'), cert: f('leaf.pem'), key: f('leaf.key') };
}

/** `tlsglass certs --pq` into a fresh directory. */
async function ourPki(t: Scope): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tlsglass-certs-pq-'));
  const r = await runPeer(t, process.execPath, [TLSGLASS_CLI, 'certs', '--out', dir, '--pq', '--force']);
  assert.equal(r.code, 0, r.report);
  assert.match(r.stdout.toString(), /ML-DSA-65/);
  return dir;
}

for (const { level, scheme } of LEVELS) {
  test(`OpenSSL 3.5 s_server with an ML-DSA-${level} certificate, our client verifies it; mutual TLS with our client certificate`, { skip }, async (t) => {
    const pki = await opensslPki(t, level);
    const ours = await ourPki(t);
    const server = spawnPeer(t, OPENSSL35, ['s_server', '-accept', '127.0.0.1:0', '-cert', pki.cert, '-key', pki.key, '-CAfile', join(ours, 'ca.pem'), '-Verify', '1', '-verify_return_error', '-naccept', '1', '-rev']);
    const port = Number((await server.waitFor(/^ACCEPT 127\.0\.0\.1:(\d+)$/m, 'the ACCEPT line'))[1]);
    const socket = await tlsglassConnect(t, {
      port,
      servername: 'localhost',
      ca: readFileSync(pki.ca),
      cert: readFileSync(join(ours, 'client.pem')),
      key: readFileSync(join(ours, 'client.key')),
    });
    assert.equal(socket.getProtocol(), 'TLSv1.3');
    assert.equal(socket.authorized, true, String(socket.authorizationError));
    assert.equal(socket.connection.negotiated.peerSignatureScheme, scheme);
    assert.equal(socket.connection.negotiated.ourSignatureScheme, SignatureScheme.mldsa65);
    // -rev echoes reversed lines: data flowed after s_server accepted our ML-DSA-65 client certificate.
    socket.write('hello\n');
    const echoed = await new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
    assert.match(echoed, /olleh/);
    await server.waitFor(/depth=0 CN=tlsglass test client/, 'the client certificate');
    assert.doesNotMatch(server.stdoutText(), /verify error/, server.stdoutText());
  });
}

test('OpenSSL 3.5 s_client verifies our ML-DSA-65 server certificate (tlsglass certs --pq) and authenticates with its ML-DSA-87 one', { skip }, async (t) => {
  const ours = await ourPki(t);
  const theirs = await opensslPki(t, '87');
  const verify = await runPeer(t, OPENSSL35, ['verify', '-CAfile', join(ours, 'ca.pem'), join(ours, 'server.pem'), join(ours, 'client.pem')]);
  assert.match(verify.stdout.toString(), /server\.pem: OK[\s\S]*client\.pem: OK/, verify.report);
  const seen: { authorized: boolean; scheme: number | undefined }[] = [];
  const server = await startTlsglassServer(
    t,
    { cert: readFileSync(join(ours, 'server.pem')), key: readFileSync(join(ours, 'server.key')), ca: readFileSync(theirs.ca), requestCert: true, rejectUnauthorized: true },
    (s) => {
      seen.push({ authorized: s.authorized, scheme: s.connection.negotiated.peerSignatureScheme });
      s.end('hello\n');
    },
  );
  const run = await runPeer(t, OPENSSL35, ['s_client', '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-CAfile', join(ours, 'ca.pem'), '-verify_hostname', 'localhost', '-verify_return_error', '-cert', theirs.cert, '-key', theirs.key, '-ign_eof']);
  const out = run.stdout.toString();
  assert.match(out, /Peer signature type: mldsa65/i, run.report);
  assert.match(out, /Verify return code: 0 \(ok\)/, run.report);
  assert.match(out, /hello/, run.report);
  assert.deepEqual(seen, [{ authorized: true, scheme: SignatureScheme.mldsa87 }]);
});

/** Node 24's node:tls (OpenSSL 3.5) as client and server with our ML-DSA-65 PKI, mutual TLS. */
const NODE24_SERVER = `
const tls = require('node:tls'), fs = require('node:fs'), d = process.argv[1];
const server = tls.createServer({ cert: fs.readFileSync(d + '/server.pem'), key: fs.readFileSync(d + '/server.key'), ca: fs.readFileSync(d + '/ca.pem'), requestCert: true, rejectUnauthorized: true }, (s) => {
  console.log('client authorized ' + s.authorized + ' ' + s.getPeerX509Certificate().subject);
  s.end('hello\\n', () => server.close());
});
server.listen(0, '127.0.0.1', () => console.log('ACCEPT 127.0.0.1:' + server.address().port));
`;
const NODE24_CLIENT = `
const tls = require('node:tls'), fs = require('node:fs'), [d, port] = process.argv.slice(1);
const s = tls.connect({ host: '127.0.0.1', port: Number(port), servername: 'localhost', ca: fs.readFileSync(d + '/ca.pem'), cert: fs.readFileSync(d + '/client.pem'), key: fs.readFileSync(d + '/client.key') }, () => {
  console.log('server authorized ' + s.authorized + ' ' + s.getProtocol());
});
s.on('data', (b) => process.stdout.write(b));
s.on('error', (e) => { console.error(e.message); process.exitCode = 1; });
`;

test('Node 24 node:tls ↔ tlsglass with ML-DSA-65 certificates both ways (tlsglass certs --pq)', { skip: skipNode24 }, async (t) => {
  const ours = await ourPki(t);
  // node:tls server ↔ our client
  const server = spawnPeer(t, NODE24, ['-e', NODE24_SERVER, ours]);
  const port = Number((await server.waitFor(/^ACCEPT 127\.0\.0\.1:(\d+)$/m, 'the ACCEPT line'))[1]);
  const socket = await tlsglassConnect(t, { port, servername: 'localhost', ca: readFileSync(join(ours, 'ca.pem')), cert: readFileSync(join(ours, 'client.pem')), key: readFileSync(join(ours, 'client.key')) });
  assert.equal(socket.authorized, true, String(socket.authorizationError));
  assert.equal(socket.connection.negotiated.peerSignatureScheme, SignatureScheme.mldsa65);
  await server.waitFor(/client authorized true CN=tlsglass test client/, 'the client verdict');
  // our server ↔ node:tls client
  const seen: number[] = [];
  const ourServer = await startTlsglassServer(
    t,
    { cert: readFileSync(join(ours, 'server.pem')), key: readFileSync(join(ours, 'server.key')), ca: readFileSync(join(ours, 'ca.pem')), requestCert: true, rejectUnauthorized: true },
    (s) => {
      seen.push(s.connection.negotiated.peerSignatureScheme ?? 0);
      s.end('hello\n');
    },
  );
  const run = await runPeer(t, NODE24, ['-e', NODE24_CLIENT, ours, String(ourServer.port)]);
  assert.match(run.stdout.toString(), /server authorized true TLSv1\.3[\s\S]*hello/, run.report);
  assert.deepEqual(seen, [SignatureScheme.mldsa65]);
});
