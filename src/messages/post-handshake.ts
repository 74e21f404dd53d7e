import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { AlertDescription } from './enums.js';
import { LocalAlert } from '../errors.js';
import { readExtensionList, type Extension } from './extensions/index.js';

/** NewSessionTicket (RFC 8446 §4.6.1). */
export interface NewSessionTicket {
  readonly lifetime: number;
  readonly ageAdd: number;
  readonly nonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: readonly Extension[];
}

export function readNewSessionTicket(body: Uint8Array): NewSessionTicket {
  const r = new Reader(body);
  const lifetime = r.u32('ticket_lifetime');
  const ageAdd = r.u32('ticket_age_add');
  const nonce = r.vec8('ticket_nonce');
  const ticket = r.vec16('ticket', 1);
  const extensions = readExtensionList(r.sub16('extensions'), AlertDescription.illegal_parameter);
  r.end('NewSessionTicket');
  return { lifetime, ageAdd, nonce, ticket, extensions };
}

export const KeyUpdateRequest = { update_not_requested: 0, update_requested: 1 } as const;

/** KeyUpdate (RFC 8446 §4.6.3): one byte; any other value is illegal_parameter. */
export function readKeyUpdate(body: Uint8Array): number {
  const r = new Reader(body);
  const request = r.u8('KeyUpdateRequest');
  r.end('KeyUpdate');
  if (request !== KeyUpdateRequest.update_not_requested && request !== KeyUpdateRequest.update_requested) {
    throw new LocalAlert(AlertDescription.illegal_parameter, `KeyUpdateRequest ${request}`);
  }
  return request;
}

export function writeKeyUpdate(request: number): Uint8Array {
  return new Writer(1).u8(request).finish();
}

/** TLS 1.2 NewSessionTicket (RFC 5077 §3.3): lifetime hint and opaque ticket. */
export function readNewSessionTicketTls12(body: Uint8Array): { lifetimeHint: number; ticket: Uint8Array } {
  const r = new Reader(body);
  const lifetimeHint = r.u32('ticket_lifetime_hint');
  const ticket = r.vec16('ticket');
  r.end('NewSessionTicket');
  return { lifetimeHint, ticket: ticket.slice() };
}

export function writeNewSessionTicketTls12(lifetimeHint: number, ticket: Uint8Array): Uint8Array {
  return new Writer(ticket.length + 6).u32(lifetimeHint).vec16(ticket).finish();
}

/** TLS 1.3 NewSessionTicket with no extensions. */
export function writeNewSessionTicket(m: Omit<NewSessionTicket, 'extensions'>): Uint8Array {
  const w = new Writer(m.ticket.length + 16);
  w.u32(m.lifetime).u32(m.ageAdd >>> 0).vec8(m.nonce).vec16(m.ticket).u16(0);
  return w.finish();
}
