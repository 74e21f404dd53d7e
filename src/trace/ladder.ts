/**
 * The handshake notes' table, live: a two-column ladder with the client on the left and the
 * server on the right, one numbered arrow per message, each with its fields and a line on what it
 * is for; then the outcome. Colour (ANSI) only when asked for, so piped output stays plain.
 */
import type { Side } from './decode.js';
import type { Diagnosis } from './diagnose.js';
import type { HandshakeSummary } from './summary.js';
import type { ApplicationDataRecord, TraceMessage } from './timeline.js';
import { latin1Decode } from '../codec/text.js';

export interface LadderOptions {
  /** ANSI colours (for a TTY). */
  readonly color: boolean;
  /** Total width in columns; default 100. */
  readonly width?: number;
  /** Arrows only, without fields and notes. */
  readonly compact?: boolean;
}

const DEFAULT_WIDTH = 100;
/** Columns taken by the message number ("  1  "). */
const NUMBER_WIDTH = 5;

interface Paint {
  client(s: string): string;
  server(s: string): string;
  alert(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
  good(s: string): string;
}

function paint(color: boolean): Paint {
  const sgr = (code: string) => (s: string) => (color && s.length > 0 ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { client: sgr('36'), server: sgr('35'), alert: sgr('1;31'), bold: sgr('1'), dim: sgr('2'), good: sgr('32') };
}

/** The ladder: column heads, then each message with its fields and note. */
export function renderLadder(messages: readonly TraceMessage[], options: LadderOptions): string {
  const width = Math.max(60, options.width ?? DEFAULT_WIDTH);
  const p = paint(options.color);
  const lines: string[] = [];
  const head = ' '.repeat(NUMBER_WIDTH) + 'CLIENT' + ' '.repeat(width - NUMBER_WIDTH - 12) + 'SERVER';
  lines.push(p.bold(head));
  lines.push('');
  for (const m of messages) {
    lines.push(...renderMessage(m, options));
    if (!options.compact) lines.push('');
  }
  return lines.join('\n');
}

/** The column heads of a ladder, for printing messages one at a time (renderMessage). */
export function renderLadderHead(options: LadderOptions): string {
  const width = Math.max(60, options.width ?? DEFAULT_WIDTH);
  return paint(options.color).bold(' '.repeat(NUMBER_WIDTH) + 'CLIENT' + ' '.repeat(width - NUMBER_WIDTH - 12) + 'SERVER');
}

/** One message: its arrow, then (unless compact) its fields, note and key-schedule step. */
export function renderMessage(m: TraceMessage, options: LadderOptions): string[] {
  const width = Math.max(60, options.width ?? DEFAULT_WIDTH);
  const p = paint(options.color);
  return options.compact ? [arrow(m, width, p)] : [arrow(m, width, p), ...details(m, width, p)];
}

/**
 * " S3  ◀──────────── Certificate" or " C1  ClientHello ────────────▶": numbered by sender (the
 * server's third message), so the client's and the server's ladders of one connection agree.
 */
function arrow(m: TraceMessage, width: number, p: Paint): string {
  const number = m.id.padStart(3) + '  ';
  const alert = m.decoded.alert;
  const label = alert ? `Alert: ${alert.level} ${alert.description}` : m.decoded.name;
  const colour = alert?.fatal ? p.alert : m.from === 'client' ? p.client : p.server;
  // In the middle of the arrow: whether it travelled encrypted, and whether the receiver never read it.
  const notes: string[] = [];
  if (m.decoded.protection !== 'clear') notes.push(m.decoded.protection === 'encrypted' ? 'encrypted' : `encrypted: ${m.decoded.protection}`);
  if (m.read === false) notes.push(`never read: the ${m.from === 'client' ? 'server' : 'client'} had already stopped`);
  const unread = notes.length > 0 ? ` (${notes.join('; ')}) ` : '';
  const room = width - NUMBER_WIDTH - label.length - 2 - unread.length;
  const left = Math.max(3, Math.floor(room / 2));
  const right = Math.max(3, room - left);
  const shaft = unread ? colour('─'.repeat(left)) + p.dim(unread) + colour('─'.repeat(right)) : colour('─'.repeat(Math.max(3, room)));
  return m.from === 'client'
    ? number + colour(p.bold(label)) + ' ' + shaft + colour('▶')
    : number + colour('◀') + shaft + ' ' + colour(p.bold(label));
}

/** The fields and the note, indented under the sender's column. */
function details(m: TraceMessage, width: number, p: Paint): string[] {
  const indent = NUMBER_WIDTH + 2 + (m.from === 'server' ? serverShift(width) : 0);
  const pad = ' '.repeat(indent);
  const fields = m.decoded.fields;
  const nameWidth = Math.min(24, Math.max(0, ...fields.map((f) => f.name.length)));
  const valueWidth = width - indent - nameWidth - 2;
  const out: string[] = [];
  for (const f of fields) {
    const values = typeof f.value === 'string' ? [f.value] : f.value;
    values.forEach((value, i) => {
      if (f.block && i > 0) {
        for (const line of wrap(value, width - indent - 2, 2)) out.push(pad + '  ' + line);
        return;
      }
      wrap(value, valueWidth, 0).forEach((line, j) => {
        const name = i === 0 && j === 0 ? f.name.padEnd(nameWidth) : ' '.repeat(nameWidth);
        out.push(pad + p.dim(name) + '  ' + line);
      });
    });
  }
  if (m.decoded.note) {
    const lines = wrap(m.decoded.note, width - indent - 5, 0);
    lines.forEach((line, i) => out.push(pad + (i === 0 ? p.bold('why  ') : '     ') + line));
  }
  if (m.decoded.milestone) {
    const lines = wrap(m.decoded.milestone.replace(/^keys: /, ''), width - indent - 6, 0);
    lines.forEach((line, i) => out.push(pad + (i === 0 ? p.bold('keys  ') : '      ') + p.good(line)));
  }
  return out;
}

/** How far the server's details sit to the right of the client's. */
function serverShift(width: number): number {
  return width >= 100 ? 20 : 10;
}

/** Word-wraps `text` to `width` columns; continuation lines get `hang` extra spaces. */
export function wrap(text: string, width: number, hang: number): string[] {
  if (text.length <= width) return [text];
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/ +/)) {
    const limit = out.length === 0 ? width : width - hang;
    if (line.length > 0 && line.length + 1 + word.length > limit) {
      out.push(line);
      line = word;
    } else {
      line = line.length > 0 ? `${line} ${word}` : word;
    }
  }
  out.push(line);
  return out.map((l, i) => (i === 0 ? l : ' '.repeat(hang) + l));
}

/** The outcome: version, suite, key exchange, who was authenticated, ALPN, resumption. */
export function renderSummary(s: HandshakeSummary, options: LadderOptions, extra: readonly [string, string][] = []): string {
  const p = paint(options.color);
  const width = Math.max(60, options.width ?? DEFAULT_WIDTH);
  const tls13 = s.version === 'TLSv1.3';
  const rows: [string, string][] = [
    ['outcome', s.completed ? p.good('handshake complete: both Finished messages exchanged') : p.alert('handshake failed')],
    ['version', s.version === undefined ? '(not agreed)' : s.version.replace('TLSv', 'TLS ')],
    ['cipher suite', s.suite ? (s.suite.openssl === s.suite.iana ? s.suite.iana : `${s.suite.openssl} (${s.suite.iana})`) : '(not agreed)'],
    ['key exchange', s.keyExchange === undefined ? '(not agreed)' : `${s.keyExchange}${s.forwardSecrecy ? ' (forward secret)' : ' (no forward secrecy)'}`],
    ['server authenticated', `${s.server.authenticated ? 'yes' : 'no'}, ${s.server.how}`],
    ['client authenticated', `${s.client.authenticated ? 'yes' : 'no'}, ${s.client.how}`],
    ['ALPN', s.alpn ?? 'none agreed'],
  ];
  if (!tls13) rows.push(['extended master secret', s.extendedMasterSecret ? 'yes (RFC 7627)' : 'no']);
  if (s.helloRetry) rows.push(['hello retry', 'yes: the server asked for another key share (one extra round trip)']);
  rows.push([
    'resumed',
    s.resumed
      ? `yes: an abbreviated handshake, no certificate exchanged (${tls13 ? 'a PSK from an earlier ticket' : 'an earlier session'})`
      : `no: a full handshake${s.tickets > 0 ? `; the server issued ${s.tickets === 1 ? 'a ticket' : `${s.tickets} tickets`} to resume next time` : ''}`,
  ]);
  rows.push(...extra);
  return table(rows, width, p);
}

/**
 * The application data records each way: how many, and their sizes (the plaintext lengths, each
 * sealed into one record); with `showData`, each record's contents as text.
 */
export function renderApplicationData(records: readonly ApplicationDataRecord[], options: LadderOptions, showData: boolean): string {
  const p = paint(options.color);
  const width = Math.max(60, options.width ?? DEFAULT_WIDTH);
  const rows: [string, string][] = [];
  for (const [from, to] of [['client', 'server'], ['server', 'client']] as const) {
    const mine = records.filter((r) => r.from === from);
    const bytes = mine.reduce((n, r) => n + r.length, 0);
    const sizes = mine.length > 1 ? ` (sizes ${mine.map((r) => r.length).join(', ')})` : '';
    rows.push([rows.length === 0 ? 'application data' : '', `${from} \u2192 ${to}: ${mine.length} ${mine.length === 1 ? 'record' : 'records'}, ${bytes} bytes${sizes}`]);
  }
  if (showData) {
    records.forEach((r, i) => rows.push([`record ${i + 1}`, `${r.from === 'client' ? 'client \u2192 server' : 'server \u2192 client'}, ${r.length} bytes: ${printable(r.data)}`]));
  } else if (records.length > 0) {
    rows.push(['', 'contents not shown (--show-data shows them)']);
  }
  return table(rows, width, p);
}

/** Record contents as one line of text: printable ASCII kept, the rest escaped. */
function printable(data: Uint8Array | undefined): string {
  if (!data) return '(not kept)';
  const text = JSON.stringify(latin1Decode(data.subarray(0, 512))).replace(/[\u007f-\uffff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return data.length > 512 ? `${text}\u2026` : text;
}

/** Which step failed, who sent which alert, and the likely cause. */
export function renderDiagnosis(side: Side, d: Diagnosis, options: LadderOptions, messages: readonly TraceMessage[] = []): string {
  const p = paint(options.color);
  const width = Math.max(60, options.width ?? DEFAULT_WIDTH);
  const rows: [string, string][] = [];
  if (d.step) rows.push(['failed at', withMessageIds(d.step, messages)]);
  if (d.alert) rows.push(['alert', `${d.alert.description}, sent by the ${d.alert.from} (message ${messageId(d.alert.index, messages)})`]);
  if (d.code) rows.push(['error code', d.code]);
  rows.push(['diagnosis', d.cause]);
  return p.bold(`  as the ${side} sees it:`) + '\n' + table(rows, width, p);
}

/** "message 7: the client's Certificate" with the message's sender-numbered id: "message C2: …". */
export function withMessageIds(text: string, messages: readonly TraceMessage[]): string {
  return messages.length === 0 ? text : text.replace(/\bmessage (\d+)\b/g, (_, n: string) => `message ${messageId(Number(n), messages)}`);
}

/** The sender-numbered id ("S6") of the message at `index` in wire order, else the index itself. */
export function messageId(index: number, messages: readonly TraceMessage[]): string {
  return messages.find((m) => m.index === index)?.id ?? String(index);
}

function table(rows: readonly [string, string][], width: number, p: Paint): string {
  const nameWidth = Math.max(...rows.map(([n]) => n.length));
  const indent = NUMBER_WIDTH;
  return rows
    .flatMap(([name, value]) =>
      wrap(value, width - indent - nameWidth - 2, 0).map((line, i) => ' '.repeat(indent) + p.dim((i === 0 ? name : '').padEnd(nameWidth)) + '  ' + line),
    )
    .join('\n');
}
