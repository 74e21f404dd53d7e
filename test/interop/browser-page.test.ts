/**
 * The browser page (web/, served by `tlsglass relay`) in headless Chromium: the browser itself
 * runs our ClientConnection with the noble provider, over a WebSocket through the relay, to
 * `openssl s_server` and `tlsglass serve`, TLS 1.2 and 1.3, one-way and mutual. We assert what the
 * page shows (status, ladder rows, summary) and what the server reports (openssl's CIPHER and
 * client subject lines and the request it received; our serve's connection line). One browser
 * for every case; each case has its own server, all on ports the OS picked.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { peerMissing, peerPath, spawnPeer, startOpensslServer, startTlsglassServeCli, TLSGLASS_CLI, type PeerServer, type Scope } from '../helpers/peers.js';
import { testPki, writePkiFiles } from '../helpers/pki.js';

interface Case {
  readonly server: 'openssl' | 'tlsglass';
  readonly version: 'TLSv1.2' | 'TLSv1.3';
  /** The client certificate the page presents (mutual TLS). */
  readonly client?: 'clientRsa' | 'clientEcdsa';
}
const CASES: Case[] = [];
for (const server of ['openssl', 'tlsglass'] as const) {
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    CASES.push({ server, version }, { server, version, client: version === 'TLSv1.3' ? 'clientRsa' : 'clientEcdsa' });
  }
}
const SUBJECT = { clientRsa: 'tlsglass test client (RSA)', clientEcdsa: 'tlsglass test client (ECDSA)' };
const title = (c: Case): string => `${c.server === 'openssl' ? 'openssl s_server' : 'tlsglass serve'}, ${c.version}, ${c.client ? `mutual TLS (${SUBJECT[c.client]})` : 'one-way'}`;

interface PageResult {
  ok: boolean;
  protocol?: string;
  cipher?: string;
  standardName?: string;
  handshakeMs?: number;
  error?: string;
}

const skip = peerMissing('chromium', 'openssl');

describe('the browser page runs the handshake in Chromium through tlsglass relay', { skip }, () => {
  const pki = testPki();
  let files: ReturnType<typeof writePkiFiles>;
  let browser: Browser;
  let page: Page;
  let relayPort: number;
  const servers = new Map<Case, PeerServer>();

  // The servers and the relay live as long as the suite.
  const cleanups: (() => unknown)[] = [];
  const t: Scope = { after: (fn) => void cleanups.push(fn) };
  before(async () => {
    files = writePkiFiles(mkdtempSync(join(tmpdir(), 'tlsglass-page-')));
    // openssl's one-way servers use the RSA certificate (BigInt RSA-PSS verification in the page), ours ECDSA.
    await Promise.all(
      CASES.map(async (c) => {
        const mutual = c.client ? ['-CAfile', files.ca, '-Verify', '1'] : [];
        const server =
          c.server === 'openssl'
            ? await startOpensslServer(t, ['-cert', files.serverRsa.cert, '-key', files.serverRsa.key, ...mutual])
            : await startTlsglassServeCli(t, ['--port', '0', '--cert', files.serverEcdsa.cert, '--key', files.serverEcdsa.key, ...(c.client ? ['--ca', files.ca, '--require-cert'] : [])]);
        servers.set(c, server);
      }),
    );
    const allow = [...servers.values()].map((s) => `127.0.0.1:${s.port}`).join(',');
    const relay = spawnPeer(t, process.execPath, [TLSGLASS_CLI, 'relay', '--listen', '0', '--allow', allow]);
    relayPort = Number((await relay.waitFor(/^LISTEN http:\/\/127\.0\.0\.1:(\d+)\/$/m, 'the LISTEN line'))[1]);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: peerPath('chromium')!, args: ['--no-sandbox'] });
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await Promise.all(cleanups.map((fn) => fn()));
  });

  for (const c of CASES) {
    test(title(c), async (t) => {
      const server = servers.get(c)!;
      await page.goto(`http://127.0.0.1:${relayPort}/?target=127.0.0.1:${server.port}&servername=localhost&version=${c.version}`);
      await page.fill('#ca', pki.ca.certPem);
      if (c.client) {
        await page.fill('#cert', pki[c.client].certPem);
        await page.fill('#key', pki[c.client].keyPem);
      }
      await page.click('#connect');
      await page.waitForFunction('window.tlsglassResult !== undefined', undefined, { timeout: 30_000 });
      const result = (await page.evaluate('window.tlsglassResult')) as PageResult;
      assert.ok(result.ok, `the page failed: ${result.error}\n${await page.textContent('#diagnosis')}`);
      assert.equal(result.protocol, c.version);
      t.diagnostic(`in-browser handshake: ${result.handshakeMs?.toFixed(1)} ms, ${result.cipher}`);
      assert.equal(await page.textContent('#status'), `connected: ${c.version} ${result.standardName}`);

      // The ladder as the CLI draws it: sender-numbered rows, the client's ClientHello first.
      const rows = await page.$$eval('#ladder .row', (els) => els.map((e) => ({ id: e.getAttribute('data-id'), side: e.classList.contains('client') ? 'client' : 'server', arrow: e.querySelector('.arrow')?.textContent ?? '', text: e.textContent ?? '' })));
      assert.match(rows[0]!.arrow, /^ C1\s+ClientHello ─+▶/);
      assert.match(rows[0]!.text, /server_name\s+localhost \(SNI/, 'the ClientHello row has its fields');
      assert.ok(!rows.some((r) => /unreadable/.test(r.text)), 'every certificate decoded');
      const names = rows.map((r) => `${r.side} ${r.arrow.replace(/[─▶◀]/g, '').replace(/\s+/g, ' ').trim()}`);
      assert.ok(names.some((n) => /^server S1 ServerHello/.test(n)), names.join('\n'));
      assert.ok(names.some((n) => /^client C\d+ .*Finished/.test(n)) && names.some((n) => /^server S\d+ .*Finished/.test(n)), names.join('\n'));
      if (c.version === 'TLSv1.2') assert.ok(names.some((n) => /ServerKeyExchange/.test(n)), names.join('\n'));
      else assert.ok(names.some((n) => /EncryptedExtensions/.test(n)), names.join('\n'));
      if (c.client) assert.ok(names.some((n) => /^client C\d+ .*CertificateVerify/.test(n)), names.join('\n'));
      const summary = (await page.textContent('#summary')) ?? '';
      assert.match(summary, /handshake complete: both Finished messages exchanged/);
      assert.match(summary, /server authenticated\s+yes, CN=localhost/);
      assert.match(summary, new RegExp(`client authenticated\\s+${c.client ? `yes, CN=${SUBJECT[c.client].replace(/[()]/g, '\\$&')}` : 'no'}`));
      assert.match(summary, /handshake time\s+[\d.]+ ms in this browser/);

      // The server's own account.
      if (c.server === 'openssl') {
        await server.waitFor(new RegExp(`^CIPHER is ${result.cipher}$`, 'm'), "s_server's CIPHER line");
        if (c.client) await server.waitFor(new RegExp(`^subject=CN = ${SUBJECT[c.client].replace(/[()]/g, '\\$&')}$`, 'm'), "s_server's client subject line");
        await server.waitFor(/^GET \/ HTTP\/1\.0\r?$/m, 'the request the page sent, decrypted by s_server');
      } else {
        const client = c.client ? `, client CN=${SUBJECT[c.client].replace(/[()]/g, '\\$&')}` : '';
        await server.waitFor(new RegExp(`connection from 127\\.0\\.0\\.1:\\d+: ${c.version} ${result.cipher}, group \\S+, SNI localhost${client}\\n`), "serve's connection line");
        await page.waitForFunction("/tlsglass serve/.test(document.getElementById('reply').textContent)", undefined, { timeout: 15_000 });
      }
    });
  }

  test('failures: a wrong server name shows the alert and the diagnosis; a target not on the allow-list is refused by the relay', async () => {
    const server = servers.get(CASES.find((c) => c.server === 'tlsglass' && !c.client)!)!;
    await page.goto(`http://127.0.0.1:${relayPort}/?target=127.0.0.1:${server.port}&servername=wrong.example&version=auto`);
    await page.fill('#ca', pki.ca.certPem);
    await page.click('#connect');
    await page.waitForFunction('window.tlsglassResult !== undefined', undefined, { timeout: 30_000 });
    const result = (await page.evaluate('window.tlsglassResult')) as PageResult & { code?: string };
    assert.equal(result.ok, false);
    assert.equal(result.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.match((await page.textContent('#status')) ?? '', /^failed: ERR_TLS_CERT_ALTNAME_INVALID: /);
    const diagnosis = (await page.textContent('#diagnosis')) ?? '';
    assert.match(diagnosis, /as the client sees it:/);
    assert.match(diagnosis, /alert\s+certificate_unknown, sent by the client/);
    assert.match(diagnosis, /wrong\.example/);
    assert.ok((await page.$$('#ladder .row.alert')).length === 1, 'the alert row is drawn');
    await server.waitFor(/handshake failed from 127\.0\.0\.1:\d+: \S+: .*certificate_unknown|certificate unknown/i, "serve's account of the client's alert");

    await page.goto(`http://127.0.0.1:${relayPort}/?target=127.0.0.1:1&version=auto`);
    await page.click('#connect');
    await page.waitForFunction('window.tlsglassResult !== undefined', undefined, { timeout: 30_000 });
    assert.match((await page.textContent('#status')) ?? '', /^failed: ECONNRESET: the WebSocket closed \(1008: target 127\.0\.0\.1:1 is not allowed\)/);
  });
});
