/**
 * `tlsglass relay --listen PORT --allow HOST:PORT[,...]`: WebSocket in, TCP out, for a web page
 * that runs TLS itself (the browser has no raw sockets). The page names its target in the URL
 * (`ws://relay/?target=HOST:PORT`); only targets on the allow-list are connected, anything else is
 * closed with a reason (1008) and a log line: no open proxying. The relay carries bytes and never
 * sees plaintext: TLS runs end to end between the page and the server.
 *
 * The same port serves the page over HTTP (dist/web/, built by `npm run build:web`), so one
 * command runs the browser demo: open the printed URL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect as tcpConnect, isIPv6, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { describeOptions, EXIT, EXIT_HELP, parseArgs, splitHostPort, UsageError, type OptionSpec } from './options.js';

const CMD = 'tlsglass relay --allow 127.0.0.1:4433';

const RELAY_OPTIONS: readonly OptionSpec[] = [
  { names: ['--listen'], key: 'listen', kind: 'value', arg: '[HOST:]PORT', help: 'where to listen for the page and its WebSockets (default 127.0.0.1:8080; port 0 picks a free port)', example: 'tlsglass relay --listen 0 --allow 127.0.0.1:4433' },
  { names: ['--allow'], key: 'allow', kind: 'list', arg: 'HOST:PORT[,HOST:PORT...]', help: 'the TLS servers a page may reach (required; repeatable); nothing else is connected', example: 'tlsglass relay --allow 127.0.0.1:4433,localhost:8443' },
  { names: ['--help', '-h'], key: 'help', kind: 'flag', help: 'show this help' },
];

const USAGE = `Usage: tlsglass relay --allow HOST:PORT[,HOST:PORT...] [--listen [HOST:]PORT]

WebSocket in, TCP out: lets a web page run TLS itself (tlsglass's ClientConnection in the browser)
to a real server. The page asks for a target with ws://RELAY/?target=HOST:PORT; a target not
given with --allow is refused (WebSocket close 1008 with the reason, and a line on stderr).
Also serves the browser page (dist/web/) over HTTP on the same port: open the printed URL.
Prints "LISTEN http://HOST:PORT/" once listening.

Options:
${describeOptions(RELAY_OPTIONS, CMD)}

Example:
  tlsglass serve --cert pki/server.pem --key pki/server.key --port 4433 &
  tlsglass relay --listen 8080 --allow 127.0.0.1:4433        # then open http://127.0.0.1:8080/

${EXIT_HELP}
`;

/** At most this many bytes wait in the relay, each way, per connection (beyond it, reading that side pauses). */
export const RELAY_BUFFER_LIMIT = 256 * 1024;
/** The largest WebSocket message accepted: a TLS record is at most 2^14 + 2048 + 5 bytes; a larger message closes the connection (1009). */
export const RELAY_MAX_MESSAGE = 64 * 1024;

/** "host:port" with IPv6 hosts bracketed: the key of the allow-list. */
function targetKey(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`.toLowerCase();
}

/** The web page's files, by URL path. */
const PAGE_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
};
const PAGE_DIR = new URL('../../web/', import.meta.url);

async function servePage(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const entry = PAGE_FILES[new URL(req.url ?? '/', 'http://relay').pathname];
  if (req.method !== 'GET' || !entry) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  try {
    const body = await readFile(new URL(entry.file, PAGE_DIR));
    res.writeHead(200, { 'content-type': entry.type, 'cache-control': 'no-store' }).end(body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('the page is not built: run npm run build:web\n');
  }
}

export async function relayCommand(argv: string[]): Promise<number> {
  let listen: { host: string; port: number };
  let allowed: Set<string>;
  try {
    const args = parseArgs(argv, RELAY_OPTIONS);
    if (args.flags.has('help')) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    listen = splitHostPort(args.values.get('listen') ?? '8080', '127.0.0.1');
    const allow = (args.lists.get('allow') ?? []).flatMap((a) => a.split(',')).filter((a) => a !== '');
    if (allow.length === 0) throw new UsageError('--allow HOST:PORT is required: the relay connects only to the servers it lists');
    allowed = new Set(allow.map((a) => {
      const t = splitHostPort(a, '');
      if (t.host === '' || !a.includes(':')) throw new UsageError(`--allow ${a}: give HOST:PORT`);
      return targetKey(t.host, t.port);
    }));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tlsglass relay: ${err.message}\n\nRun 'tlsglass relay --help' for every option.\n`);
      return EXIT.usage;
    }
    throw err;
  }

  const log = (line: string): void => void process.stderr.write(`relay: ${line}\n`);
  const http = createServer((req, res) => void servePage(req, res));
  const wss = new WebSocketServer({ server: http, maxPayload: RELAY_MAX_MESSAGE });
  let n = 0;
  wss.on('connection', (ws, req) => {
    const id = ++n;
    const from = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const asked = new URL(req.url ?? '/', 'http://relay').searchParams.get('target') ?? '';
    let target: { host: string; port: number } | undefined;
    try {
      target = splitHostPort(asked, '');
    } catch {
      target = undefined;
    }
    if (!target || !allowed.has(targetKey(target.host, target.port))) {
      const reason = `target ${asked || '(none)'} is not allowed`.slice(0, 120); // a close reason is at most 123 bytes
      log(`connection ${id} from ${from}: refused ${JSON.stringify(asked)}: not on the allow-list (${[...allowed].join(', ')})`);
      ws.close(1008, reason);
      return;
    }
    // noDelay: a TLS flight arrives as several messages (ClientKeyExchange, ChangeCipherSpec, Finished); Nagle would hold all but the first for the server's delayed ACK.
    relay(ws, tcpConnect({ host: target.host, port: target.port, noDelay: true }), `connection ${id} from ${from} to ${targetKey(target.host, target.port)}`, log);
  });

  return new Promise<number>((resolve) => {
    const stop = (): void => {
      wss.clients.forEach((c) => c.terminate());
      http.close();
      http.closeAllConnections();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    http.on('close', () => resolve(EXIT.ok));
    http.on('error', (err: Error & { code?: string }) => {
      process.stderr.write(`tlsglass relay: cannot listen on ${listen.host}:${listen.port}: ${err.code ?? ''} ${err.message}\n`);
      resolve(EXIT.network);
    });
    http.listen(listen.port, listen.host, () => {
      const addr = http.address();
      if (addr && typeof addr === 'object') {
        const host = isIPv6(addr.address) ? `[${addr.address}]` : addr.address;
        process.stdout.write(`LISTEN http://${host}:${addr.port}/\n`);
        process.stderr.write(`relay: open http://${host}:${addr.port}/ ; WebSockets ws://${host}:${addr.port}/?target=HOST:PORT to ${[...allowed].join(', ')}\n`);
      }
    });
  });
}

/**
 * Carries bytes both ways between `ws` and `tcp`, each direction holding at most
 * RELAY_BUFFER_LIMIT bytes: past it, the side that sends is paused until the other drains.
 */
function relay(ws: WebSocket, tcp: Socket, name: string, log: (line: string) => void): void {
  let ended = false;
  const end = (why: string, code: number, reason = ''): void => {
    if (ended) return;
    ended = true;
    log(`${name}: ${why}`);
    tcp.destroy();
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason.slice(0, 120));
  };
  tcp.once('connect', () => log(`${name}: connected`));
  // Page → server. Bytes written before the TCP connection is up wait in the socket, counted by writableLength.
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (!isBinary) return end('closed: a text message (the relay carries binary messages only)', 1003, 'binary messages only');
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (!tcp.write(bytes) || tcp.writableLength > RELAY_BUFFER_LIMIT) ws.pause();
  });
  tcp.on('drain', () => ws.resume());
  // Server → page.
  tcp.on('data', (chunk: Buffer) => {
    ws.send(chunk, { binary: true }, () => {
      if (ws.bufferedAmount <= RELAY_BUFFER_LIMIT) tcp.resume();
    });
    if (ws.bufferedAmount > RELAY_BUFFER_LIMIT) tcp.pause();
  });
  tcp.on('end', () => end('the server closed', 1000));
  tcp.on('error', (err: Error & { code?: string }) => end(`TCP error: ${err.code ?? err.message}`, 1011, `cannot reach the server: ${err.code ?? err.message}`));
  ws.on('close', (code) => {
    if (ended) return;
    ended = true;
    log(`${name}: the page closed (${code})`);
    tcp.end();
  });
  ws.on('error', (err: Error) => end(`WebSocket error: ${err.message}`, 1009, err.message));
}
