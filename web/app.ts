/**
 * The browser page: tlsglass's ClientConnection with the noble provider, over a WebSocket to
 * `tlsglass relay`, to a real TLS server. The ladder is drawn by the trace code the CLI uses
 * (Timeline, renderMessage, renderSummary, diagnose, renderDiagnosis), one row per message, as
 * each message reaches the wire (sent) or is read (received).
 */
import { nobleCryptoProvider } from '../src/crypto/noble/index.js';
import type { ClientOptions } from '../src/config.js';
import type { Connection } from '../src/connection/connection.js';
import { certificatesFrom } from '../src/pki/pem.js';
import { installDefaultProvider } from '../src/platform-defaults.js';
import { diagnose } from '../src/trace/diagnose.js';
import { renderDiagnosis, renderLadderHead, renderMessage, renderSummary, type LadderOptions } from '../src/trace/ladder.js';
import { summarize } from '../src/trace/summary.js';
import { Timeline, type TraceMessage } from '../src/trace/timeline.js';
import { connectStreams, type ByteStreams, type HandshakeInfo } from '../src/web/stream.js';
import { webSocketStreams } from '../src/web/websocket.js';

/** What a test (or the console) reads once a run ends. */
interface PageResult {
  readonly ok: boolean;
  readonly protocol?: string;
  /** The suite's OpenSSL name (as `openssl s_server` prints it) and IANA name. */
  readonly cipher?: string;
  readonly standardName?: string;
  /** performance.now() from the ClientHello to the handshake's end, the WebSocket already open. */
  readonly handshakeMs?: number;
  readonly error?: string;
  readonly code?: string;
  readonly diagnosis?: string;
}
declare global {
  interface Window {
    tlsglassResult?: PageResult;
  }
}

// The connection gets the provider in its options; the trace code (certificate fingerprints) uses the default one.
installDefaultProvider(nobleCryptoProvider);

const LADDER: LadderOptions = { color: false, width: 100 };
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const value = (id: string): string => $<HTMLInputElement>(id).value.trim();

const params = new URLSearchParams(location.search);
for (const id of ['target', 'servername', 'version']) {
  const v = params.get(id);
  if (v !== null) $<HTMLInputElement>(id).value = v;
}

function options(timeline: Timeline): ClientOptions {
  const version = value('version');
  const cert = value('cert');
  const key = value('key');
  const ca = value('ca');
  return {
    provider: nobleCryptoProvider,
    observer: timeline.observer('client'),
    ...(value('servername') !== '' && { servername: value('servername') }),
    ...(ca !== '' && { ca }),
    ...(cert !== '' && { cert }),
    ...(key !== '' && { key }),
    ...(version !== 'auto' && { minVersion: version as 'TLSv1.2' | 'TLSv1.3', maxVersion: version as 'TLSv1.2' | 'TLSv1.3' }),
  };
}

/** One ladder row: the arrow line, then the fields and the note. */
function drawRow(m: TraceMessage): void {
  const [arrow = '', ...rest] = renderMessage(m, LADDER);
  const row = document.createElement('div');
  row.className = `row ${m.from}${m.decoded.alert ? ' alert' : ''}`;
  row.dataset['id'] = m.id;
  const head = document.createElement('span');
  head.className = 'arrow';
  head.textContent = arrow;
  row.append(head, rest.length > 0 ? '\n' + rest.join('\n') : '');
  $('ladder').append(row);
}

/** The WebSocket to the relay, open. */
function openRelay(target: string): Promise<WebSocket> {
  const url = new URL('/', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('target', target);
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve(ws));
    ws.addEventListener('close', (e) => reject(new Error(`the relay closed the WebSocket (${e.code}${e.reason ? `: ${e.reason}` : ''})`)));
  });
}

/** `transport` whose writes first release the messages held until they reach the wire (as the CLI's watchTransport). */
function releasingWrites(transport: ByteStreams, timeline: Timeline): ByteStreams {
  const writer = transport.writable.getWriter();
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      timeline.releaseSent();
      return writer.write(chunk);
    },
    close: () => writer.close(),
    abort: (reason) => writer.abort(reason),
  });
  return { readable: transport.readable, writable };
}

async function run(): Promise<PageResult> {
  const status = $('status');
  for (const id of ['ladder', 'summary', 'diagnosis', 'reply']) $(id).textContent = '';
  status.className = '';
  const timeline = new Timeline();
  timeline.holdSent = true;
  $('ladder').append(Object.assign(document.createElement('div'), { className: 'head', textContent: renderLadderHead(LADDER) }));
  timeline.onMessage = drawRow;
  const target = value('target');
  status.textContent = `connecting to ${target} through the relay…`;
  let ws: WebSocket;
  try {
    ws = await openRelay(target);
  } catch (err) {
    return failed(err as Error, timeline, false);
  }
  status.textContent = `handshaking with ${target}…`;
  const started = performance.now();
  let tls;
  let info: HandshakeInfo;
  try {
    tls = connectStreams(releasingWrites(webSocketStreams(ws), timeline), options(timeline));
    info = await tls.handshake;
  } catch (err) {
    // A failed connection sends its alert and then closes the WebSocket itself; close it here only if it never started.
    if (!tls) ws.close();
    return failed(err as Error, timeline, true, tls?.connection);
  }
  const handshakeMs = performance.now() - started;
  timeline.releaseSent();
  $('summary').textContent = renderSummary(summarize({ messages: timeline.messages, facts: timeline.facts, client: tls.connection }), LADDER, [['handshake time', `${handshakeMs.toFixed(1)} ms in this browser (ClientHello to Finished, the WebSocket already open)`]]);
  status.className = 'ok';
  status.textContent = `connected: ${info.protocol} ${info.cipher.standardName}`;
  void request(tls);
  return { ok: true, protocol: info.protocol, cipher: info.cipher.name, standardName: info.cipher.standardName, handshakeMs };
}

/** After the handshake, an HTTP GET: `tlsglass serve` and `openssl s_server -www` answer with a status page. */
async function request(tls: ReturnType<typeof connectStreams>): Promise<void> {
  const writer = tls.writable.getWriter();
  await writer.write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n')).catch(() => undefined);
  const reader = tls.readable.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { value: chunk, done } = await reader.read();
      if (done) break;
      text += decoder.decode(chunk, { stream: true });
      if (text.length > 4000) break;
    }
  } catch {
    // a server that closes without close_notify: show what came
  }
  $('reply').textContent = text ? `The server's reply to GET /:\n${text.slice(0, 4000)}` : '';
  await tls.close().catch(() => undefined);
}

function failed(error: Error & { code?: string }, timeline: Timeline, connected: boolean, connection?: Connection): PageResult {
  timeline.releaseSent();
  const anchors = pemCertificates(value('ca'));
  const d = diagnose({
    error,
    side: 'client',
    messages: timeline.messages,
    facts: timeline.facts,
    host: value('servername') || value('target').replace(/:\d+$/, ''),
    anchors,
    ourChains: value('cert') ? [pemCertificates(value('cert')) ?? []] : undefined,
    transport: { connected, firstBytes: new Uint8Array(0), bytesReceived: 0, target: value('target') },
  });
  const status = $('status');
  status.className = 'failed';
  status.textContent = `failed: ${error.code ?? 'ERROR'}: ${error.message}`;
  if (timeline.messages.length > 0) $('summary').textContent = renderSummary(summarize({ messages: timeline.messages, facts: timeline.facts, ...(connection && { client: connection }) }), LADDER);
  $('diagnosis').textContent = renderDiagnosis('client', d, LADDER, timeline.messages);
  return { ok: false, error: error.message, ...(error.code !== undefined && { code: error.code }), diagnosis: d.cause };
}

function pemCertificates(text: string): Uint8Array[] | undefined {
  try {
    return text ? certificatesFrom(text) : undefined;
  } catch {
    return undefined;
  }
}

$('form').addEventListener('submit', (event) => {
  event.preventDefault();
  const button = $<HTMLButtonElement>('connect');
  button.disabled = true;
  window.tlsglassResult = undefined;
  run()
    .catch((err: Error) => failed(err, new Timeline(), false))
    .then((result) => {
      window.tlsglassResult = result;
      button.disabled = false;
    });
});
