/**
 * The machine-readable trace (`--json`), documented field by field in docs/json.md: per message
 * its direction, name, raw field values (full hex, IANA names, numbers as numbers) with the prose
 * apart in `notes` and `note`, the bytes in hex with their layout, and the states around it; then
 * the outcome (summary, errors, diagnosis) and the application data records. The same shape for
 * demo, connect and serve.
 */
import { otherSide, hex, type JsonValue, type Side } from './decode.js';
import { describeDiagnosis, type Diagnosis } from './diagnose.js';
import type { HandshakeSummary, PeerAuthentication } from './summary.js';
import type { ApplicationDataRecord, TraceMessage } from './timeline.js';

export interface MessageJson {
  readonly index: number;
  /** "C3", "S6": the sender and its count, the same in the client's and the server's trace. */
  readonly id: string;
  readonly from: Side;
  readonly to: Side;
  readonly name: string;
  readonly contentType: number;
  readonly handshakeType: number | null;
  /** 'clear', 'encrypted' (TLS 1.2, after ChangeCipherSpec), 'handshake keys' or 'application keys' (TLS 1.3). */
  readonly protection: string;
  /** Raw values by field name. */
  readonly fields: Record<string, JsonValue>;
  /** Prose about some fields, by the same names. */
  readonly notes: Record<string, string>;
  readonly note: string;
  readonly milestone: string | null;
  readonly alert?: unknown;
  readonly certificates?: unknown;
  /** false when the receiver was observed but never read it; null when the receiver was not observed. */
  readonly read: boolean | null;
  readonly states: { readonly sender: { before: string; after: string } | null; readonly receiver: { before: string; after: string } | null };
  readonly length: number;
  readonly hex: string;
  readonly layout: readonly { start: number; end: number; label: string; kind: string }[];
}

export function messageToJson(m: TraceMessage): MessageJson {
  const fields: Record<string, JsonValue> = {};
  const notes: Record<string, string> = {};
  for (const f of m.decoded.fields) {
    const key = f.key ?? f.name;
    if (f.raw !== undefined) fields[key] = f.raw;
    if (f.note !== undefined) notes[key] = f.note;
  }
  return {
    index: m.index,
    id: m.id,
    from: m.from,
    to: otherSide(m.from),
    name: m.decoded.name,
    contentType: m.contentType,
    handshakeType: m.handshakeType ?? null,
    protection: m.decoded.protection,
    fields,
    notes,
    note: m.decoded.note,
    milestone: m.decoded.milestone ?? null,
    ...(m.decoded.alert ? { alert: m.decoded.alert } : {}),
    ...(m.decoded.certificates ? { certificates: m.decoded.certificates } : {}),
    read: m.read ?? null,
    states: { sender: m.sender ?? null, receiver: m.receiver ?? null },
    length: m.raw.length,
    hex: hex(m.raw),
    layout: m.layout.map((r) => ({ start: r.start, end: r.end, label: r.label, kind: r.kind })),
  };
}

/** The summary with raw values; prose in `note`; no TLS 1.2 field on a TLS 1.3 connection and none of 1.3's on 1.2. */
export function summaryToJson(s: HandshakeSummary): Record<string, JsonValue> {
  const tls13 = s.version === 'TLSv1.3';
  const tls12 = s.version === 'TLSv1.2';
  const peer = (a: PeerAuthentication): Record<string, JsonValue> => ({
    authenticated: a.authenticated,
    trustAnchor: a.trustAnchor ? { subject: a.trustAnchor.subject, sha256: a.trustAnchor.sha256 } : null,
    note: a.how,
  });
  return {
    completed: s.completed,
    version: s.version ?? null,
    cipherSuite: s.suite?.iana ?? null,
    ...(tls12 ? { cipherSuiteOpenssl: s.suite?.openssl ?? null } : {}),
    keyExchange: s.keyExchange ?? null,
    group: s.group ?? null,
    forwardSecrecy: s.forwardSecrecy ?? null,
    servername: s.serverName ?? null,
    alpn: s.alpn ?? null,
    server: peer(s.server),
    client: peer(s.client),
    resumed: s.resumed,
    tickets: s.tickets,
    ...(tls12 ? { extendedMasterSecret: s.extendedMasterSecret } : {}),
    ...(tls13 ? { helloRetry: s.helloRetry } : {}),
  };
}

/** Application data records: how many and how long each way; contents only with --show-data. */
export function applicationDataToJson(records: readonly ApplicationDataRecord[], showData: boolean): Record<string, JsonValue> {
  const side = (from: Side): Record<string, JsonValue> => {
    const mine = records.filter((r) => r.from === from);
    return { records: mine.length, bytes: mine.reduce((n, r) => n + r.length, 0), sizes: mine.map((r) => r.length) };
  };
  return {
    client: side('client'),
    server: side('server'),
    ...(showData ? { records: records.map((r) => ({ from: r.from, length: r.length, hex: hex(r.data ?? new Uint8Array(0)) })) } : {}),
  };
}

export interface ConnectionTrace {
  readonly messages: readonly TraceMessage[];
  readonly summary: HandshakeSummary;
  readonly errors?: Partial<Record<Side, Error>>;
  readonly diagnoses?: Partial<Record<Side, Diagnosis>>;
  readonly applicationData?: readonly ApplicationDataRecord[];
  readonly showData?: boolean;
}

/** One connection: its messages, its application data records and its outcome. */
export function connectionToJson(c: ConnectionTrace): Record<string, JsonValue> {
  return {
    messages: c.messages.map(messageToJson) as unknown as JsonValue,
    applicationData: applicationDataToJson(c.applicationData ?? [], c.showData ?? false),
    outcome: {
      completed: c.summary.completed,
      summary: summaryToJson(c.summary),
      errors: Object.fromEntries(
        Object.entries(c.errors ?? {}).map(([side, e]) => [side, { message: e.message, code: (e as { code?: string }).code ?? null }]),
      ),
      diagnoses: Object.fromEntries(Object.entries(c.diagnoses ?? {}).map(([side, d]) => [side, { ...d, text: describeDiagnosis(d) }])) as unknown as JsonValue,
    },
  };
}
