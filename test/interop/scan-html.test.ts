/**
 * `tlsglass scan --html FILE` against real servers, the page opened in headless Chromium:
 * `openssl s_server -cipher ALL:@SECLEVEL=0` (TLS 1.0 to 1.3, anonymous and RSA key exchange
 * suites: findings of every severity, grade F) and `tlsglass serve` (grade A). We assert what a
 * reader sees: the grade and its colour, every finding id and a verdict, every suite the scan
 * found, the certificate subject; that the page asked for nothing but itself, logged no error,
 * fits a 1280-pixel window; and we take a screenshot. With SCAN_REPORT_PNG=path the openssl
 * case's screenshot is also written there (how docs/scan-report.png is made).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { ScanResult } from '../../src/scan/result.js';
import { peerMissing, peerPath, runPeer, startOpensslServer, startTlsglassServeCli, TLSGLASS_CLI, type PeerServer, type Scope } from '../helpers/peers.js';
import { writePkiFiles, type PkiFiles } from '../helpers/pki.js';

const LIMIT = { timeout: 90_000 };
const WIDTH = 1280;
/** The grade box's background, as the reader sees it (the page's --ok, --medium, --high, B's ochre). */
const GRADE_COLOUR: Record<string, string> = { 'A+': 'rgb(46, 125, 50)', A: 'rgb(46, 125, 50)', B: 'rgb(158, 119, 0)', C: 'rgb(216, 67, 21)', F: 'rgb(198, 40, 40)' };

let dir: string;
let pki: PkiFiles;
let browser: Browser;

describe('tlsglass scan --html, read in Chromium', { skip: peerMissing('chromium', 'openssl') }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tlsglass-scan-html-'));
    pki = writePkiFiles(join(dir, 'pki'));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: peerPath('chromium')!, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Scans with --json and --html together; opens the page; checks what any page must show. */
  async function scanAndRead(t: Scope & { diagnostic(s: string): void }, server: PeerServer, name: string, screenshotTo?: string) {
    const file = join(dir, `${name}.html`);
    const run = await runPeer(t, process.execPath, [TLSGLASS_CLI, 'scan', `127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', pki.ca, '--json', '--html', file], '', 30_000);
    assert.equal(run.code, 0, run.report);
    assert.equal(run.stderr, '', 'with --json, nothing but the JSON: not even the "wrote" line');
    const result = JSON.parse(run.stdout.toString('utf8')) as ScanResult;
    const html = readFileSync(file, 'utf8');
    t.diagnostic(`${name}: grade ${result.grade}, ${result.connections} connections, page ${html.length} bytes`);

    const page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => void requests.push(r.url()));
    page.on('console', (m) => void (m.type() === 'error' || m.type() === 'warning' ? errors.push(`${m.type()}: ${m.text()}`) : undefined));
    page.on('pageerror', (e) => void errors.push(`pageerror: ${e.message}`));
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: 'load' });

    assert.equal(await page.title(), `tlsglass scan 127.0.0.1:${server.port}: grade ${result.grade}`);
    assert.equal(await page.innerText('.grade span'), result.grade);
    assert.equal(await page.evaluate("getComputedStyle(document.querySelector('.grade')).backgroundColor"), GRADE_COLOUR[result.grade]);
    assert.match(await page.innerText('header.top'), new RegExp(`${result.connections} connections`));
    // Every finding, in severity order, each under its severity's heading.
    const shown = await page.$$eval('#findings .group', (groups) => groups.flatMap((g) => [...g.querySelectorAll('code.id')].map((c) => `${g.id.replace('sev-', '')}:${c.textContent}`)));
    const order = ['high', 'medium', 'low', 'info'];
    assert.deepEqual(shown, [...result.findings].sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity)).map((f) => `${f.severity}:${f.id}`));
    // Every suite the scan found is a row of the table, with its code.
    const rows = await page.$$eval('#suites tbody tr', (trs) => trs.map((tr) => (tr as unknown as { innerText: string }).innerText.replace(/\s+/g, ' ')));
    const names = new Set(result.suites.flatMap((s) => s.suites.map((x) => x.name)));
    assert.equal(rows.length, names.size);
    for (const n of names) assert.ok(rows.some((r) => r.includes(` ${n} `)), `suite ${n} is a row`);
    assert.match(await page.innerText('#certificate'), /CN=localhost[\s\S]*Issuer\s+O=tlsglass, CN=tlsglass test CA/);
    assert.equal(await page.$eval('html', (e) => e.scrollWidth), WIDTH, 'no horizontal scrolling at 1280 pixels');

    const png = join(dir, `${name}.png`);
    await page.screenshot({ path: png, fullPage: true });
    assert.deepEqual([...readFileSync(png).subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
    // The README's picture: the top of the page, down to the cipher suites (the header, the findings, the protocols).
    if (screenshotTo) {
      const height = Math.ceil(Number(await page.evaluate("document.getElementById('suites').getBoundingClientRect().top + window.scrollY")));
      await page.screenshot({ path: screenshotTo, fullPage: true, clip: { x: 0, y: 0, width: WIDTH, height } });
    }
    await page.close();
    assert.deepEqual(requests, [url], 'the page fetched nothing but itself');
    assert.deepEqual(errors, [], 'no console errors (a blocked fetch would be one)');
    return { result, page: html, rows };
  }

  test('openssl s_server -cipher ALL:@SECLEVEL=0: findings of every severity, grade F', LIMIT, async (t) => {
    const server = await startOpensslServer(t, ['-www', '-cert', pki.serverRsa.cert, '-key', pki.serverRsa.key, '-cipher', 'ALL:@SECLEVEL=0']);
    const { result, rows } = await scanAndRead(t, server, 'openssl-all', process.env['SCAN_REPORT_PNG']);
    assert.equal(result.grade, 'F');
    assert.deepEqual(new Set(result.findings.map((f) => f.severity)), new Set(['high', 'medium', 'low', 'info']));
    const page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
    await page.goto(pathToFileURL(join(dir, 'openssl-all.html')).href);
    assert.match(await page.innerText('#sev-medium'), /TLS 1\.0 accepted \(deprecated by RFC 8996\)\s+tls10\s+MD5\/SHA-1 in the handshake/);
    assert.match(await page.innerText('#sev-high'), /Anonymous: no server authentication, open to any man in the middle\s+suite-anon\s+Nothing authenticates the server[\s\S]*TLS_DH_anon_WITH_AES_128_GCM_SHA256/);
    assert.match(await page.innerText('#protocols'), /TLS 1\.0\s+offered\s+ServerHello TLSv1\s/);
    assert.ok(rows.some((r) => /^0x00a6 TLS_DH_anon_WITH_AES_128_GCM_SHA256 DH_anon .*anonymous .*anyone can pose as the server/.test(r)), rows.join('\n'));
    assert.match(await page.innerText('.glance'), /Protocols\s+TLS 1\.3\s+TLS 1\.2\s+TLS 1\.1\s+TLS 1\.0/);
    await page.close();
  });

  test('tlsglass serve: grade A, the certificate and ALPN', LIMIT, async (t) => {
    const server = await startTlsglassServeCli(t, ['--port', '0', '--host', '127.0.0.1', '--cert', pki.serverRsa.cert, '--key', pki.serverRsa.key, '--alpn', 'h2,http/1.1']);
    const { result, page: html } = await scanAndRead(t, server, 'tlsglass-serve');
    assert.equal(result.grade, 'A');
    assert.match(html, /<th>ALPN<\/th><td class="res"><span class="chips"><code>h2<\/code><code>http\/1\.1<\/code>/);
  });
});
