/**
 * The machine-readable trace (`--json`): per message its direction, name, decoded fields, raw
 * bytes in hex with the byte layout, and the states around it on each observed side; then the
 * outcome (summary, errors, diagnosis). The same shape for demo, connect and serve.
 */
import { otherSide, type Side } from './decode.js';
import { describeDiagnosis, type Diagnosis } from './diagnose.js';
import { hex } from './decode.js';
import type { HandshakeSummary } from './summary.js';
import type { TraceMessage } from './timeline.js';

export interface MessageJson {
  readonly index: number;
  readonly from: Side;
  readonly to: Side;
  readonly name: string;
  readonly contentType: number;
  readonly handshakeType: number | null;
  /** 'clear', 'encrypted' (TLS 1.2, after ChangeCipherSpec), 'handshake keys' or 'application keys' (TLS 1.3). */
  readonly protection: string;
  readonly fields: Record<string, string | readonly string[]>;
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
  return {
    index: m.index,
    from: m.from,
    to: otherSide(m.from),
    name: m.decoded.name,
    contentType: m.contentType,
    handshakeType: m.handshakeType ?? null,
    protection: m.decoded.protection,
    fields: Object.fromEntries(m.decoded.fields.map((f) => [f.name, f.value])),
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

export interface ConnectionTrace {
  readonly messages: readonly TraceMessage[];
  readonly summary: HandshakeSummary;
  readonly errors?: Partial<Record<Side, Error>>;
  readonly diagnoses?: Partial<Record<Side, Diagnosis>>;
}

/** One connection: its messages and its outcome. */
export function connectionToJson(c: ConnectionTrace): Record<string, unknown> {
  return {
    messages: c.messages.map(messageToJson),
    outcome: {
      completed: c.summary.completed,
      summary: c.summary,
      errors: Object.fromEntries(
        Object.entries(c.errors ?? {}).map(([side, e]) => [side, { message: e.message, code: (e as { code?: string }).code ?? null }]),
      ),
      diagnoses: Object.fromEntries(Object.entries(c.diagnoses ?? {}).map(([side, d]) => [side, { ...d, text: describeDiagnosis(d) }])),
    },
  };
}
