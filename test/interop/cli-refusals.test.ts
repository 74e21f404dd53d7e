/**
 * `tlsglass serve` and `tlsglass connect` as processes, given bad keys, certificates and options:
 * each exits 2 before listening or connecting, naming the flag, the file, what is wrong and what
 * fixes it (never exit 70, never a raw OpenSSL string). And PEM files with text around the armour,
 * as `openssl x509 -text` and `openssl ca` write them, work as --cert and --ca.
 */
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { peerMissing, runPeer, runTlsglassConnectCli, startTlsglassServeCli, TLSGLASS_CLI, type PeerRun, type Scope } from '../helpers/peers.js';
import { testPki, writePkiFiles, type PkiFiles } from '../helpers/pki.js';

let pki: PkiFiles;
let dir: string;
const LIMIT = { timeout: 30_000 };
/** Extra files: name → path. */
const f: Record<string, string> = {};

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-refusals-'));
  pki = writePkiFiles(dir);
  const rsa = testPki().serverRsa;
  const write = (name: string, text: string): void => {
    f[name] = join(dir, name);
    writeFileSync(f[name], text);
  };
  write('junk.pem', 'hello, this is not PEM\n');
  write('truncated.pem', rsa.certPem.slice(0, -80));
  write('encrypted.key', rsa.key.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string);
  write('public.pem', createPublicKey(rsa.key).export({ format: 'pem', type: 'spki' }) as string);
  write('ca-commented.pem', `# the test CA\n\n${readFileSync(pki.ca, 'utf8')}`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `tlsglass serve` (which must exit by itself) and checks exit 2 and no ACCEPT line. */
async function serveRefused(t: Scope, args: readonly string[]): Promise<string> {
  const run = await runPeer(t, process.execPath, [TLSGLASS_CLI, 'serve', '--port', '0', ...args], '', 10_000);
  assertRefused(run);
  assert.doesNotMatch(run.stdout.toString(), /ACCEPT/, run.report);
  return run.stderr;
}

function assertRefused(run: PeerRun): void {
  assert.equal(run.code, 2, run.report);
  assert.doesNotMatch(run.stderr, /internal error|error:[0-9A-F]{8}|routines::/, run.report);
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('tlsglass serve refuses at start, exit 2', () => {
  test('a key that does not match the certificate: both keys described', LIMIT, async (t) => {
    const err = await serveRefused(t, ['--cert', pki.serverRsa.cert, '--key', pki.serverEcdsa.key]);
    assert.match(err, new RegExp(`^tlsglass serve: --key ${esc(pki.serverEcdsa.key)} does not match the certificate in --cert ${esc(pki.serverRsa.cert)} \\(the certificate's public key is RSA 2048, the key is EC P-256\\)$`, 'm'));
    const same = await serveRefused(t, ['--cert', pki.serverRsa.cert, '--key', pki.clientRsa.key]);
    assert.match(same, /^tlsglass serve: --key \S+client-rsa\.key does not match the certificate in --cert \S+server-rsa\.pem \(both are RSA 2048, but not the same key\)$/m);
  });

  test('--dkey that does not match --dcert', LIMIT, async (t) => {
    const err = await serveRefused(t, ['--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key, '--dcert', pki.serverEcdsa.cert, '--dkey', pki.clientEcdsa.key]);
    assert.match(err, /^tlsglass serve: --dkey \S+client-ecdsa\.key does not match the certificate in --dcert \S+server-ecdsa\.pem \(both are EC P-256, but not the same key\)$/m);
  });

  test('--cert that is not a certificate, or truncated', LIMIT, async (t) => {
    assert.match(await serveRefused(t, ['--cert', f['junk.pem']!, '--key', pki.serverRsa.key]), /^tlsglass serve: --cert \S+junk\.pem holds no certificate \(no "-----BEGIN CERTIFICATE-----" line, and it is not DER\)$/m);
    assert.match(await serveRefused(t, ['--cert', f['truncated.pem']!, '--key', pki.serverRsa.key]), /^tlsglass serve: --cert \S+truncated\.pem is truncated: "-----BEGIN CERTIFICATE-----" has no "-----END CERTIFICATE-----" line$/m);
  });

  test('--cert given a key file; --cert and --key swapped', LIMIT, async (t) => {
    assert.match(await serveRefused(t, ['--cert', pki.serverEcdsa.key, '--key', pki.serverRsa.key]), /^tlsglass serve: --cert \S+server-ecdsa\.key holds a private key, not a certificate$/m);
    assert.match(await serveRefused(t, ['--cert', pki.serverRsa.key, '--key', pki.serverRsa.cert]), /^tlsglass serve: --cert \S+server-rsa\.key holds a private key and --key \S+server-rsa\.pem a certificate: swap them$/m);
  });

  test('an encrypted key without --pass, and with a wrong --pass', LIMIT, async (t) => {
    assert.match(await serveRefused(t, ['--cert', pki.serverRsa.cert, '--key', f['encrypted.key']!]), /^tlsglass serve: --key \S+encrypted\.key is encrypted and no passphrase was given \(give it with --pass\)$/m);
    assert.match(await serveRefused(t, ['--cert', pki.serverRsa.cert, '--key', f['encrypted.key']!, '--pass', 'pass:wrong']), /^tlsglass serve: --key \S+encrypted\.key cannot be decrypted with the passphrase given \(wrong --pass\?\)$/m);
  });

  test('--key given a certificate or a public key', LIMIT, async (t) => {
    assert.match(await serveRefused(t, ['--cert', pki.serverRsa.cert, '--key', pki.serverRsa.cert]), /^tlsglass serve: --key \S+server-rsa\.pem holds a certificate, not a private key \(a key file begins "-----BEGIN PRIVATE KEY-----"/m);
    assert.match(await serveRefused(t, ['--cert', pki.serverRsa.cert, '--key', f['public.pem']!]), /^tlsglass serve: --key \S+public\.pem holds a public key, not a private key/m);
  });

  test('a missing file; a directory', LIMIT, async (t) => {
    const missing = join(dir, 'missing.key');
    assert.match(await serveRefused(t, ['--cert', pki.serverRsa.cert, '--key', missing]), new RegExp(`^tlsglass serve: --key ${esc(missing)}: ENOENT: no such file: check the path$`, 'm'));
    assert.match(await serveRefused(t, ['--cert', dir, '--key', pki.serverRsa.key]), new RegExp(`^tlsglass serve: --cert ${esc(dir)}: EISDIR: a directory, not a file$`, 'm'));
  });

  test('--ciphers FOO, AES128-SHA, RC4-SHA: which names are unknown or unsupported and why, and the valid ones', LIMIT, async (t) => {
    const base = ['--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key];
    const foo = await serveRefused(t, [...base, '--ciphers', 'FOO']);
    assert.match(foo, /^tlsglass serve: --ciphers "FOO": unknown "FOO"\. TLS 1\.2 suites: ECDHE-ECDSA-AES128-GCM-SHA256, .* TLS 1\.3: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256$/m);
    assert.match(await serveRefused(t, [...base, '--ciphers', 'AES128-SHA']), /^tlsglass serve: --ciphers "AES128-SHA": AES128-SHA: a CBC suite \(MAC-then-encrypt, open to padding oracles such as Lucky Thirteen\); tlsglass has AEAD suites only, as TLS 1\.3\. TLS 1\.2 suites: /m);
    assert.match(await serveRefused(t, [...base, '--ciphers', 'RC4-SHA']), /^tlsglass serve: --ciphers "RC4-SHA": RC4-SHA: RC4 is broken and forbidden in TLS \(RFC 7465\)\. /m);
  });

  test('--groups X448 and P-521 alike: not implemented, with the valid groups', LIMIT, async (t) => {
    const base = ['--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key];
    for (const group of ['X448', 'P-521']) {
      assert.match(await serveRefused(t, [...base, '--groups', group]), new RegExp(`^tlsglass serve: --groups: "${group}" not implemented here\\. Groups: X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024, X25519, P-256, P-384, ffdhe2048, ffdhe3072, ffdhe4096, MLKEM768, MLKEM1024$`, 'm'));
    }
  });
});

describe('tlsglass connect refuses before connecting, exit 2', () => {
  let server: Server;
  let port: number;
  let connections = 0;
  before(async () => {
    server = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
    assert.equal(connections, 0, 'no refused connect may open a TCP connection');
  });

  async function connectRefused(t: Scope, args: readonly string[]): Promise<string> {
    const run = await runTlsglassConnectCli(t, [`127.0.0.1:${port}`, ...args], '', 10_000);
    assertRefused(run);
    return run.stderr;
  }

  test('--ca that is junk, a key, or truncated', LIMIT, async (t) => {
    assert.match(await connectRefused(t, ['--ca', f['junk.pem']!]), /^tlsglass connect: --ca \S+junk\.pem holds no certificate/m);
    assert.match(await connectRefused(t, ['--ca', pki.caKey]), /^tlsglass connect: --ca \S+ca\.key holds a private key, not a certificate$/m);
    assert.match(await connectRefused(t, ['--ca', f['truncated.pem']!]), /^tlsglass connect: --ca \S+truncated\.pem is truncated/m);
  });

  test('a client --key that does not match --cert; an encrypted one without --pass', LIMIT, async (t) => {
    assert.match(await connectRefused(t, ['--cert', pki.clientRsa.cert, '--key', pki.clientEcdsa.key]), /^tlsglass connect: --key \S+client-ecdsa\.key does not match the certificate in --cert \S+client-rsa\.pem \(the certificate's public key is RSA 2048, the key is EC P-256\)$/m);
    assert.match(await connectRefused(t, ['--cert', pki.serverRsa.cert, '--key', f['encrypted.key']!]), /--key \S+encrypted\.key is encrypted and no passphrase was given \(give it with --pass\)$/m);
  });

  test('--ciphers RC4-SHA, --groups X448, --sigalgs FOO', LIMIT, async (t) => {
    assert.match(await connectRefused(t, ['--ciphers', 'RC4-SHA']), /^tlsglass connect: --ciphers "RC4-SHA": RC4-SHA: RC4 is broken/m);
    assert.match(await connectRefused(t, ['--groups', 'X448']), /^tlsglass connect: --groups: "X448" not implemented here\. Groups: /m);
    assert.match(await connectRefused(t, ['--sigalgs', 'FOO']), /^tlsglass connect: --sigalgs: unknown signature algorithm "FOO"\. Signature algorithms: ECDSA\+SHA256, /m);
  });
});

describe('PEM with text around the armour', () => {
  test('a comment and a blank line before BEGIN in --ca', LIMIT, async (t) => {
    const server = await startTlsglassServeCli(t, ['--port', '0', '--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key, '--naccept', '1']);
    const run = await runTlsglassConnectCli(t, [`127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', f['ca-commented.pem']!]);
    assert.equal(run.code, 0, run.report);
    assert.match(run.stderr, /^Verification: OK$/m);
  });

  test('openssl x509 -text output as --cert and --ca, and an openssl ca certificate as --cert', { ...LIMIT, skip: peerMissing('openssl') }, async (t) => {
    const openssl = async (args: string[]): Promise<void> => {
      const run = await runPeer(t, 'openssl', args);
      assert.equal(run.code, 0, run.report);
    };
    const serverText = join(dir, 'server-text.pem');
    const caText = join(dir, 'ca-text.pem');
    await openssl(['x509', '-in', pki.serverRsa.cert, '-text', '-out', serverText]);
    await openssl(['x509', '-in', pki.ca, '-text', '-out', caText]);
    assert.match(readFileSync(serverText, 'utf8'), /^Certificate:\n {4}Data:\n/);
    // openssl ca: a certificate for the same key, signed by the test CA, written as text + PEM.
    const caDir = mkdtempSync(join(dir, 'openssl-ca-'));
    writeFileSync(join(caDir, 'index.txt'), '');
    writeFileSync(join(caDir, 'serial'), '1000\n');
    writeFileSync(join(caDir, 'ca.cnf'), `[ca]\ndefault_ca = d\n[d]\ndatabase = ${caDir}/index.txt\nnew_certs_dir = ${caDir}\nserial = ${caDir}/serial\ndefault_md = sha256\npolicy = p\ndefault_days = 30\n[p]\ncommonName = supplied\n[ext]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature,keyEncipherment\nextendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost\n`);
    await openssl(['req', '-new', '-key', pki.serverRsa.key, '-subj', '/CN=localhost', '-out', join(caDir, 'req.csr')]);
    const issued = join(caDir, 'issued.pem');
    await openssl(['ca', '-batch', '-config', join(caDir, 'ca.cnf'), '-extensions', 'ext', '-in', join(caDir, 'req.csr'), '-cert', pki.ca, '-keyfile', pki.caKey, '-out', issued]);
    assert.match(readFileSync(issued, 'utf8'), /^Certificate:\n {4}Data:\n[\s\S]*\n-----BEGIN CERTIFICATE-----\n/);

    for (const cert of [serverText, issued]) {
      const server = await startTlsglassServeCli(t, ['--port', '0', '--cert', cert, '--key', pki.serverRsa.key, '--naccept', '1']);
      const run = await runTlsglassConnectCli(t, [`127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', caText]);
      assert.equal(run.code, 0, `${cert}\n${run.report}`);
      assert.match(run.stderr, /^Peer certificate: CN=localhost$/m);
      assert.match(run.stderr, /^Verification: OK$/m);
    }
  });
});
