/**
 * In-memory client↔server driving for the sans-I/O core: no sockets, no timers. A `tamper`
 * hook sees every record in flight and may replace, drop or split it, which is how the
 * negative tests play a man in the middle or a hostile peer.
 */
import { ClientConnection, ServerConnection, type Connection } from '../../src/connection/connection.js';
import type { ClientOptions, ServerOptions } from '../../src/config.js';
import type { TlsError } from '../../src/errors.js';
import type { ConnectionEvent } from '../../src/connection/events.js';

export type Direction = 'toServer' | 'toClient';
/** Returns the records to deliver instead of `record` (e.g. [] to drop, [a, b] to split). */
export type Tamper = (record: Uint8Array, direction: Direction, index: number) => Uint8Array[];

export interface PairResult {
  client: ClientConnection;
  server: ServerConnection;
  clientError: TlsError | undefined;
  serverError: TlsError | undefined;
  clientEvents: ConnectionEvent[];
  serverEvents: ConnectionEvent[];
  /** Every record each side put on the wire, in order. */
  wire: { toServer: Uint8Array[]; toClient: Uint8Array[] };
}

export function runPair(serverOptions: ServerOptions, clientOptions: ClientOptions, tamper?: Tamper): PairResult {
  const server = new ServerConnection(serverOptions);
  const client = new ClientConnection(clientOptions);
  const result: PairResult = {
    client,
    server,
    clientError: undefined,
    serverError: undefined,
    clientEvents: [],
    serverEvents: [],
    wire: { toServer: [], toClient: [] },
  };
  client.start();
  pump(result, tamper);
  return result;
}

/** Moves records both ways until neither side has anything to say. */
export function pump(r: PairResult, tamper?: Tamper): void {
  for (let round = 0; round < 50; round++) {
    const a = deliver(r, r.client, r.server, 'toServer', tamper);
    const b = deliver(r, r.server, r.client, 'toClient', tamper);
    if (!a && !b) return;
  }
  throw new Error('pump did not settle');
}

function deliver(r: PairResult, from: Connection, to: Connection, direction: Direction, tamper?: Tamper): boolean {
  const records = from.takeOutgoing();
  (from === r.client ? r.clientEvents : r.serverEvents).push(...from.takeEvents());
  for (const record of records) {
    const index = r.wire[direction].length;
    r.wire[direction].push(record);
    for (const piece of tamper ? tamper(record, direction, index) : [record]) {
      if (to.failure) break;
      try {
        to.receive(piece);
      } catch (e) {
        if (to === r.client) r.clientError = e as TlsError;
        else r.serverError = e as TlsError;
      }
    }
  }
  (to === r.client ? r.clientEvents : r.serverEvents).push(...to.takeEvents());
  return records.length > 0;
}

/** Record header fields, for assertions. */
export function recordType(record: Uint8Array): number {
  return record[0]!;
}

/** A plaintext fatal alert record, as it appears before keys are installed. */
export function plainAlert(description: number): Uint8Array {
  return Uint8Array.of(21, 3, 3, 0, 2, 2, description);
}

/** Splits a plaintext record into records of `size` bytes of fragment each. */
export function splitRecord(record: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const body = record.subarray(5);
  for (let off = 0; off < body.length; off += size) {
    const chunk = body.subarray(off, off + size);
    const rec = new Uint8Array(5 + chunk.length);
    rec.set(record.subarray(0, 3));
    rec[3] = chunk.length >> 8;
    rec[4] = chunk.length & 0xff;
    rec.set(chunk, 5);
    out.push(rec);
  }
  return out;
}

/** Handshake messages inside a plaintext handshake record: [type, start offset in record] pairs. */
export function handshakeTypes(record: Uint8Array): number[] {
  const types: number[] = [];
  let pos = 5;
  while (pos + 4 <= record.length) {
    types.push(record[pos]!);
    pos += 4 + ((record[pos + 1]! << 16) | (record[pos + 2]! << 8) | record[pos + 3]!);
  }
  return types;
}
