/**
 * What `connect` and `serve` do with one connection's trace: stream the annotated ladder to
 * stderr (--trace), print the diagnosis when it fails (always), and build its JSON (--json) and
 * web page (--html). Everything is read from one Timeline fed by the core's observer hook.
 */
import { writeFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { certificatesFrom } from '../pki/pem.js';
import type { Connection } from '../connection/connection.js';
import { resolveSuites } from '../config.js';
import type { Side } from '../trace/decode.js';
import { diagnose, type Diagnosis } from '../trace/diagnose.js';
import { renderHtml } from '../trace/html.js';
import { connectionToJson } from '../trace/json.js';
import { renderApplicationData, renderDiagnosis, renderLadderHead, renderMessage, renderSummary, type LadderOptions } from '../trace/ladder.js';
import { summarize, type HandshakeSummary } from '../trace/summary.js';
import { Timeline, type TraceMessage } from '../trace/timeline.js';

export interface TracerOptions {
  /** Which side we are. */
  readonly side: Side;
  /** Stream the ladder (--trace). */
  readonly trace: boolean;
  /** Print each message as it happens (connect), or the whole ladder once the handshake ends (serve, where connections overlap). */
  readonly streaming: boolean;
  readonly ladder: LadderOptions;
  /** Where text goes (stderr). */
  write(text: string): void;
  /** Prefix of every ladder, e.g. "connection 2 from 127.0.0.1:50432". */
  readonly heading?: string;
  /** The name the client checks the certificate against. */
  readonly host?: string | undefined;
  /** Our cipher suites as --ciphers names (for "no cipher suite in common"). */
  readonly ourSuites?: readonly string[] | undefined;
  /** Our trust anchors (--ca) as DER; undefined: the system store. */
  readonly anchors?: readonly Uint8Array[] | undefined;
  /** Our certificate chains (--cert, --dcert), DER, leaf first. */
  readonly ourChains?: readonly (readonly Uint8Array[])[] | undefined;
  /** Where the client connects ("host:port"), for network diagnoses. */
  readonly target?: string | undefined;
  /** The handshake deadline in seconds (connect --timeout). */
  readonly timeoutSeconds?: number | undefined;
  /** Show the contents of application data records (--show-data), not only their sizes. */
  readonly showData?: boolean;
}

/** What a close without close_notify means, for the warning. */
export const TRUNCATION =
  'what we received may be cut short, and nothing proves otherwise (a middlebox or an attacker can close a TCP connection); harmless only when the application data marks its own end (HTTP Content-Length).';

/** How many of the peer's first bytes are kept, to recognise a peer that does not speak TLS. */
const FIRST_BYTES = 256;

/** The certificates of a ca or cert option as DER, for the diagnosis (undefined if unreadable). */
export function certificatesOf(value: string | Uint8Array | readonly (string | Uint8Array)[] | undefined): Uint8Array[] | undefined {
  if (value === undefined) return undefined;
  try {
    return (Array.isArray(value) ? value : [value]).flatMap((v: string | Uint8Array) => certificatesFrom(v));
  } catch {
    return undefined;
  }
}

/** Our suites as the diagnosis names them: TLS 1.3 names, then OpenSSL's TLS 1.2 names. */
export function ourSuiteNames(ciphers: string | undefined, versions: { tls12: boolean; tls13: boolean }): string[] {
  const { suites, suites13 } = resolveSuites(ciphers);
  return [...(versions.tls13 ? suites13.map((s) => s.name) : []), ...(versions.tls12 ? suites.map((s) => s.openssl) : [])];
}

export class ConnectionTracer {
  readonly timeline = new Timeline();
  #printed = 0;
  #headed = false;
  #handshakeEnded = false;
  #afterShown = false;
  #diagnosis: Diagnosis | undefined;
  #error: Error | undefined;
  #connection: Connection | undefined;
  #connected = false;
  #firstBytes = new Uint8Array(0);
  #bytesReceived = 0;

  constructor(private readonly options: TracerOptions) {
    if (options.trace && options.streaming) this.timeline.onMessage = (m) => this.#print([m]);
    this.timeline.keepApplicationData = options.showData === true;
  }

  /** Counts `connection`'s application data records (and keeps their bytes with --show-data). */
  watchApplicationData(connection: Connection): void {
    connection.applicationDataObserver = this.timeline.applicationDataObserver(this.options.side);
  }

  /**
   * Messages we send are shown when their bytes are written to `transport` (see
   * Timeline.holdSent), so that a one-sided ladder is in wire order. Call before any byte is
   * written by us, or right after (what was already written is released at once).
   */
  watchTransport(transport: Duplex & { connecting?: boolean }): void {
    // What the network did, for diagnoses below TLS: connected, and the peer's first bytes.
    this.#connected = transport.connecting !== true;
    transport.on('connect', () => (this.#connected = true));
    // Before the TLS socket's own listener, which may fail on this very chunk. (Client sockets
    // opened by connect() read through `onread` and emit no 'data': see tapReads.)
    transport.prependListener('data', (chunk: Uint8Array) => this.#received(chunk));
    const timeline = this.timeline;
    timeline.holdSent = true;
    const write = transport.write.bind(transport) as (...args: unknown[]) => boolean;
    transport.write = ((...args: unknown[]): boolean => {
      timeline.releaseSent();
      return write(...args);
    }) as Duplex['write'];
    timeline.releaseSent();
  }

  /** Sees the bytes a TLSSocket reads through read-buffer.ts's `onread`, which emits no 'data'. */
  tapReads(socket: { receiveFromTransport(chunk: Uint8Array): boolean }): void {
    const receive = socket.receiveFromTransport.bind(socket);
    socket.receiveFromTransport = (chunk: Uint8Array): boolean => {
      this.#received(chunk);
      return receive(chunk);
    };
  }

  #received(chunk: Uint8Array): void {
    this.#bytesReceived += chunk.length;
    if (this.#firstBytes.length < FIRST_BYTES) this.#firstBytes = Buffer.concat([this.#firstBytes, chunk.subarray(0, FIRST_BYTES - this.#firstBytes.length)]);
  }

  /** The observer to put in the connection's options (client) or on its connection (server). */
  get observer(): ReturnType<Timeline['observer']> {
    return this.timeline.observer(this.options.side);
  }

  get diagnosis(): Diagnosis | undefined {
    return this.#diagnosis;
  }

  get error(): Error | undefined {
    return this.#error;
  }

  #print(messages: readonly TraceMessage[]): void {
    const o = this.options;
    const lines: string[] = [];
    if (!this.#headed) {
      this.#headed = true;
      if (o.heading) lines.push(o.heading, '');
      lines.push(renderLadderHead(o.ladder), '');
    } else if (this.#handshakeEnded && this.#printed > 0 && messages.length > 0 && !this.#afterShown) {
      this.#afterShown = true;
      lines.push('', `     after the handshake${o.heading ? ` (${o.heading.replace(/:$/, '')})` : ''}:`, '');
    }
    for (const m of messages) lines.push(...renderMessage(m, o.ladder), '');
    this.#printed += messages.length;
    o.write(lines.join('\n') + '\n');
  }

  #flushUnprinted(): void {
    const rest = this.timeline.messages.slice(this.#printed);
    if (rest.length > 0) this.#print(rest);
  }

  summary(): HandshakeSummary {
    const side = this.options.side;
    const c = this.#connection;
    return summarize({ messages: this.timeline.messages, facts: this.timeline.facts, ...(c ? { [side]: c } : {}) });
  }

  /** The handshake completed: with --trace, show the ladder so far and the outcome. */
  handshakeDone(connection: Connection): void {
    this.timeline.releaseSent();
    this.#connection = connection;
    if (!this.options.trace) return;
    this.#flushUnprinted();
    this.#handshakeEnded = true;
    this.options.write(renderSummary(this.summary(), this.options.ladder) + '\n\n');
  }

  /** The connection failed: diagnose, and print the ladder (with --trace) and the diagnosis. */
  failed(error: Error, connection: Connection | undefined): Diagnosis {
    this.timeline.releaseSent();
    this.#connection ??= connection;
    this.#error = error;
    const o = this.options;
    const transport = { connected: this.#connected, firstBytes: this.#firstBytes, bytesReceived: this.#bytesReceived, target: o.target, timeoutSeconds: o.timeoutSeconds };
    const d = diagnose({
      error,
      side: o.side,
      messages: this.timeline.messages,
      facts: this.timeline.facts,
      host: o.host,
      ourSuites: o.ourSuites,
      anchors: o.anchors,
      ourChains: o.ourChains,
      transport,
    });
    this.#diagnosis = d;
    if (!this.#connected) {
      // No TCP connection: nothing of TLS to show, only why.
      o.write(`  ${d.cause}\n`);
      return d;
    }
    if (o.trace) {
      this.#flushUnprinted();
      if (!this.#handshakeEnded) o.write(renderSummary(this.summary(), o.ladder) + '\n\n');
    }
    o.write(renderDiagnosis(o.side, d, o.ladder, this.timeline.messages) + '\n');
    return d;
  }

  /** The connection closed: with --trace, show what came after the handshake and the application data records. */
  closed(connection: Connection | undefined): void {
    this.timeline.releaseSent();
    this.#connection ??= connection;
    if (this.options.trace && this.#handshakeEnded) {
      this.#flushUnprinted();
      this.options.write(renderApplicationData(this.timeline.applicationData, this.options.ladder, this.options.showData === true) + '\n\n');
    }
  }

  toJson(extra: Record<string, unknown>): Record<string, unknown> {
    const side = this.options.side;
    return {
      ...extra,
      side,
      ...connectionToJson({
        messages: this.timeline.messages,
        applicationData: this.timeline.applicationData,
        showData: this.options.showData === true,
        summary: this.summary(),
        errors: this.#error ? { [side]: this.#error } : {},
        diagnoses: this.#diagnosis ? { [side]: this.#diagnosis } : {},
      }),
    };
  }

  /** Writes the web page; returns an error message, or undefined. */
  writeHtml(file: string, title: string, context: readonly string[]): string | undefined {
    const side = this.options.side;
    const page = renderHtml({
      title,
      intro: [`As seen by tlsglass as the ${side}. Only the ${side}'s side was observed: states are the ${side}'s.`],
      connections: [
        {
          id: 'connection',
          title: 'The handshake, message by message',
          context,
          messages: this.timeline.messages,
          applicationData: this.timeline.applicationData,
          showData: this.options.showData === true,
          summary: this.summary(),
          diagnoses: this.#diagnosis ? { [side]: this.#diagnosis } : {},
        },
      ],
    });
    try {
      writeFileSync(file, page);
      return undefined;
    } catch (e) {
      return `cannot write ${file}: ${(e as Error).message}`;
    }
  }
}
