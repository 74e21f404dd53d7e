/**
 * The --html page in a real browser: headless Chromium opens the page `tlsglass connect --html`
 * wrote for a mutual TLS 1.3 connection to `tlsglass serve`, and the demo's page. We check that
 * the ladder has the expected rows, that clicking a message (a real mouse click) expands its
 * fields and its annotated bytes, that the certificate chains and the outcome are there, and save
 * screenshots under the git-ignored test-output/ (trace-html.png, trace-html-demo.png).
 *
 * Chromium is driven through the DevTools protocol over a pipe (--remote-debugging-pipe: JSON
 * messages separated by NUL bytes on file descriptors 3 and 4), so no WebSocket client or
 * browser-automation package is needed. The page must load nothing from the network.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { demoHtml } from '../../src/cli/demo.js';
import { runScenarios } from '../../src/cli/demo-scenarios.js';
import { peerMissing, peerPath, runTlsglassConnectCli, startTlsglassServeCli } from '../helpers/peers.js';
import { writePkiFiles, type PkiFiles } from '../helpers/pki.js';

const OUTPUT = fileURLToPath(new URL('../../../test-output/', import.meta.url));

/** A minimal DevTools-protocol client over Chromium's debugging pipe. */
class Browser {
  #id = 0;
  readonly #pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  readonly #requests: string[] = [];
  #buffer = Buffer.alloc(0);
  #session = '';
  readonly #exited: Promise<void>;

  private constructor(
    private readonly proc: ChildProcess,
    private readonly profile: string,
  ) {
    const out = proc.stdio[4] as Readable;
    out.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      for (let end = this.#buffer.indexOf(0); end >= 0; end = this.#buffer.indexOf(0)) {
        const message = JSON.parse(this.#buffer.subarray(0, end).toString('utf8')) as { id?: number; result?: Record<string, unknown>; error?: unknown; method?: string; params?: { request?: { url?: string } } };
        this.#buffer = this.#buffer.subarray(end + 1);
        if (message.method === 'Network.requestWillBeSent') this.#requests.push(message.params?.request?.url ?? '');
        const waiter = message.id === undefined ? undefined : this.#pending.get(message.id);
        if (!waiter) continue;
        this.#pending.delete(message.id!);
        if (message.error) waiter.reject(new Error(`DevTools: ${JSON.stringify(message.error)}`));
        else waiter.resolve(message.result ?? {});
      }
    });
    this.#exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    proc.once('exit', () => {
      for (const w of this.#pending.values()) w.reject(new Error('chromium exited'));
      this.#pending.clear();
    });
  }

  static async launch(width: number, height: number): Promise<Browser> {
    const profile = mkdtempSync(join(tmpdir(), 'tlsglass-chromium-'));
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      '--remote-debugging-pipe',
      'about:blank',
    ];
    // Its own process group, so that close() ends the browser and all its helper processes at once.
    const proc = spawn(peerPath('chromium')!, args, { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'], detached: true });
    const browser = new Browser(proc, profile);
    const { targetId } = (await browser.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await browser.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    browser.#session = sessionId;
    await browser.send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    await browser.send('Network.enable');
    return browser;
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = ++this.#id;
    const message = { id, method, params, ...(this.#session && !method.startsWith('Target.') ? { sessionId: this.#session } : {}) };
    (this.proc.stdio[3] as Writable).write(JSON.stringify(message) + '\0');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`DevTools ${method}: no answer within 15 s`)), 15_000);
      this.#pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
    });
  }

  /** Every URL the page asked for. */
  get requests(): readonly string[] {
    return this.#requests;
  }

  async open(url: string): Promise<void> {
    await this.send('Page.enable');
    await this.send('Page.navigate', { url });
    await this.waitFor('document.readyState === "complete"');
  }

  async evaluate<T>(expression: string): Promise<T> {
    const r = (await this.send('Runtime.evaluate', { expression, returnByValue: true })) as { result: { value: T }; exceptionDetails?: unknown };
    if (r.exceptionDetails) throw new Error(`page script failed: ${JSON.stringify(r.exceptionDetails)}`);
    return r.result.value;
  }

  /** Polls a condition in the page (it is an event loop away, not a sleep). */
  async waitFor(condition: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.evaluate<boolean>(`!!(${condition})`))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${condition}`);
      await new Promise((r) => setImmediate(r));
    }
  }

  /** A real click (mouse pressed and released) at the centre of the element. */
  async click(selector: string): Promise<void> {
    const at = await this.evaluate<{ x: number; y: number } | null>(
      `(() => { const e = document.querySelector(${JSON.stringify(selector)}); if (!e) return null; e.scrollIntoView({ block: 'center' }); const r = e.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`,
    );
    assert.ok(at, `no element ${selector}`);
    for (const type of ['mousePressed', 'mouseReleased']) await this.send('Input.dispatchMouseEvent', { type, x: at.x, y: at.y, button: 'left', clickCount: 1 });
  }

  /** A PNG of the page from `top` (CSS pixels from the top of the document), `height` tall. */
  async screenshot(file: string, top: number, width: number, height: number): Promise<void> {
    const { data } = (await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { x: 0, y: Math.max(0, top), width, height, scale: 1 } })) as { data: string };
    writeFileSync(file, Buffer.from(data, 'base64'));
  }

  /** Ends the browser at once: a throwaway headless profile has nothing to save. */
  async close(): Promise<void> {
    try {
      process.kill(-this.proc.pid!, 'SIGKILL');
    } catch {
      this.proc.kill('SIGKILL');
    }
    await this.#exited;
    rmSync(this.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}

const TLS13_MUTUAL = [
  'C ClientHello',
  'S ServerHello',
  'S ChangeCipherSpec',
  'S EncryptedExtensions',
  'S CertificateRequest',
  'S Certificate',
  'S CertificateVerify',
  'S Finished',
  'C ChangeCipherSpec',
  'C Certificate',
  'C CertificateVerify',
  'C Finished',
  'S NewSessionTicket',
  'S NewSessionTicket',
];

describe('the --html page in headless Chromium', { skip: peerMissing('chromium') }, () => {
  let dir: string;
  let pki: PkiFiles;
  let browser: Browser;
  const WIDTH = 1200;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tlsglass-html-'));
    pki = writePkiFiles(dir);
    mkdirSync(OUTPUT, { recursive: true });
    browser = await Browser.launch(WIDTH, 900);
  });
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('tlsglass connect --html: the ladder, a click that expands a message, certificates, outcome', { timeout: 60_000 }, async (t) => {
    const page = join(dir, 'connect.html');
    const server = await startTlsglassServeCli(t, ['--port', '0', '--cert', pki.serverEcdsa.cert, '--key', pki.serverEcdsa.key, '--ca', pki.ca, '--require-cert', '--www', '--naccept', '1']);
    const run = await runTlsglassConnectCli(
      t,
      [`127.0.0.1:${server.port}`, '--servername', 'localhost', '--ca', pki.ca, '--cert', pki.clientRsa.cert, '--key', pki.clientRsa.key, '--html', page],
      'GET / HTTP/1.0\r\n\r\n',
    );
    assert.equal(run.code, 0, run.report);
    assert.match(run.stderr, new RegExp(`^wrote the trace to ${page.replace(/[.]/g, '\\.')}$`, 'm'));
    assert.doesNotMatch(readFileSync(page, 'utf8'), /\b(src|href)="(https?:)?\/\//);

    await browser.open(pathToFileURL(page).href);
    const rows = await browser.evaluate<string[]>(`[...document.querySelectorAll('.ladder .msg')].map((m) => (m.dataset.from === 'client' ? 'C ' : 'S ') + m.dataset.name)`);
    // The close_notify alerts may fall anywhere after the Finished messages (our client closes as
    // soon as its request is sent, possibly before the server's NewSessionTicket arrives).
    const messages = rows.filter((r) => !/^[CS] Alert$/.test(r));
    assert.deepEqual(messages, TLS13_MUTUAL, rows.join(', '));
    assert.ok(rows.slice(0, 12).every((r) => !/Alert$/.test(r)), rows.join(', '));
    // Arrows run client→server or server→client, between the two lifelines.
    const arrows = await browser.evaluate<{ from: string; left: number; right: number; width: number }[]>(
      `[...document.querySelectorAll('.ladder .msg')].map((m) => { const r = m.querySelector('.shaft').getBoundingClientRect(); return { from: m.dataset.from, left: r.left, right: r.right, width: r.width }; })`,
    );
    for (const a of arrows) assert.ok(a.width > 500, `arrow ${JSON.stringify(a)} spans the ladder`);
    const encrypted = await browser.evaluate<string[]>(`[...document.querySelectorAll('.ladder .msg')].filter((m) => m.querySelector('.badge.enc')).map((m) => m.dataset.index)`);
    assert.deepEqual(encrypted.slice(0, 9), ['4', '5', '6', '7', '8', '10', '11', '12', '13'], 'everything after the ServerHello but the dummy ChangeCipherSpecs is marked encrypted');

    // Nothing is expanded until clicked; then the ClientHello shows its fields and its bytes.
    assert.equal(await browser.evaluate<number>(`[...document.querySelectorAll('.details')].filter((d) => d.offsetHeight > 0).length`), 0);
    await browser.click('.msg[data-index="1"] button.arrow');
    await browser.waitFor(`document.querySelector('.msg[data-index="1"] .details').offsetHeight > 0`);
    const details = await browser.evaluate<{ expanded: string; fields: string[]; hexRows: number; legend: string[]; random: string }>(`(() => {
      const m = document.querySelector('.msg[data-index="1"]');
      return {
        expanded: m.querySelector('button.arrow').getAttribute('aria-expanded'),
        fields: [...m.querySelectorAll('.fields th')].map((th) => th.textContent),
        hexRows: m.querySelectorAll('.hexdump .row').length,
        legend: [...m.querySelectorAll('.legend li')].map((li) => li.textContent),
        random: [...m.querySelectorAll('.hexdump .k-random')].length + ' bytes',
      };
    })()`);
    assert.equal(details.expanded, 'true');
    for (const f of ['legacy_version', 'random', 'session_id', 'cipher_suites', 'supported_versions', 'key_share', 'server_name']) assert.ok(details.fields.includes(f), `field ${f} in ${details.fields.join(', ')}`);
    assert.ok(details.hexRows > 5);
    assert.equal(details.random, '32 bytes', 'the 32 bytes of the random are marked');
    assert.ok(details.legend.some((l) => /^0msg_type: ClientHello \(1\)$/.test(l)), details.legend.slice(0, 3).join(' | '));
    assert.ok(details.legend.some((l) => /^6–37random \(32 bytes\)$/.test(l)));
    assert.ok(details.legend.some((l) => /cipher_suites: \d+ suites, 2 bytes each$/.test(l)));
    // The other messages stay collapsed.
    assert.equal(await browser.evaluate<number>(`[...document.querySelectorAll('.details')].filter((d) => d.offsetHeight > 0).length`), 1);

    const chains = await browser.evaluate<string[]>(`[...document.querySelectorAll('.chain h3')].map((h) => h.textContent)`);
    assert.deepEqual(chains, ['The server’s certificate chain (message S5, leaf first)', 'The client’s certificate chain (message C3, leaf first)']);
    // Each certificate card: serial, signature algorithm, SHA-256, the anchor the client verified with, and its DER field by field.
    const card = await browser.evaluate<string>(`document.querySelector('.cert dl').innerText`);
    assert.match(card, /Serial\n([0-9A-F]{2}:)*[0-9A-F]{2}\n/);
    assert.match(card, /Signature\n(ecdsa-with-SHA256|sha256WithRSAEncryption) \(by the issuer\)/);
    assert.match(card, /SHA-256\n([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    assert.match(await browser.evaluate<string>(`document.querySelector('.chain .anchor').innerText`), /^Verified up to the trust anchor .*CN=.* \(SHA-256 [0-9A-F:]+\), from the verifier’s trust store\.$/);
    await browser.click('.cert details.der summary');
    await browser.waitFor(`document.querySelector('.cert .der-bytes .legend li') !== null`);
    const der = await browser.evaluate<string[]>(`[...document.querySelector('.cert .der-bytes .legend').querySelectorAll('li')].map((li) => li.textContent)`);
    assert.ok(der.some((l) => /serialNumber: [0-9a-f]+$/.test(l)), der.join(' | '));
    assert.ok(der.some((l) => /extension: subjectAltName/.test(l)), der.join(' | '));
    assert.ok(der.some((l) => /signatureValue: the issuer’s signature/.test(l)), der.join(' | '));
    assert.match(await browser.evaluate<string>(`document.querySelector('.cert .status').textContent`), /^valid now, \d+ days left$/);
    const outcome = await browser.evaluate<string>(`document.querySelector('table.summary').innerText`);
    assert.match(outcome, /Outcome\thandshake complete/);
    assert.match(outcome, /Version\tTLS 1\.3/);
    assert.match(outcome, /Client authenticated\tyes, CN=tlsglass test client \(RSA\) \(RSA 2048\): the server went on, so it accepted the certificate/);
    assert.deepEqual(browser.requests.filter((u) => !u.startsWith('file:')), [], 'no network fetches');

    // The whole page: the ladder with the ClientHello open, the outcome and both certificate chains.
    const height = await browser.evaluate<number>(`document.documentElement.scrollHeight`);
    await browser.screenshot(join(OUTPUT, 'trace-html.png'), 0, WIDTH, Math.min(height, 5000));
  });

  test('the demo page: a section per scenario, HelloRetryRequest and the failure diagnosis', { timeout: 60_000 }, async () => {
    const results = await runScenarios({ transport: 'memory', only: ['tls13', 'tls13-hello-retry', 'tls13-resumption', 'missing-client-certificate'] });
    const page = join(dir, 'demo.html');
    writeFileSync(page, demoHtml(results, 'memory'));
    await browser.open(pathToFileURL(page).href);
    const sections = await browser.evaluate<{ id: string; rows: number }[]>(`[...document.querySelectorAll('section.conn')].map((s) => ({ id: s.id, rows: s.querySelectorAll(':scope > .ladder .msg').length }))`);
    assert.deepEqual(
      sections,
      results.map((r) => ({ id: r.scenario.id, rows: r.messages.length })),
    );
    assert.equal(await browser.evaluate<string>(`document.querySelector('#tls13-hello-retry-ladder .msg[data-index="2"] .name').textContent`), 'HelloRetryRequest');
    await browser.click('#tls13-hello-retry-ladder .msg[data-index="2"] button.arrow');
    await browser.waitFor(`document.querySelector('#tls13-hello-retry-ladder-m2').offsetHeight > 0`);
    assert.match(await browser.evaluate<string>(`document.querySelector('#tls13-hello-retry-ladder-m2 .fields').innerText`), /key_share\tselected_group x25519/);
    assert.match(
      await browser.evaluate<string>(`document.querySelector('#missing-client-certificate .diagnosis').innerText`),
      /Likely cause\nthe server asked for a client certificate \(CertificateRequest\) but none was configured: pass --cert\/--key\./,
    );
    const top = await browser.evaluate<number>(`document.querySelector('#tls13-hello-retry').getBoundingClientRect().top + window.scrollY`);
    await browser.screenshot(join(OUTPUT, 'trace-html-demo.png'), top, WIDTH, 1400);
  });
});
