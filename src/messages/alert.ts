import { Reader } from '../codec/reader.js';

/** Alert { level, description } (RFC 5246 §7.2): exactly two bytes. */
export interface Alert {
  readonly level: number;
  readonly description: number;
}

export function readAlert(body: Uint8Array): Alert {
  const r = new Reader(body);
  const level = r.u8('AlertLevel');
  const description = r.u8('AlertDescription');
  r.end('Alert');
  return { level, description };
}

export function writeAlert(alert: Alert): Uint8Array {
  return Uint8Array.of(alert.level, alert.description);
}
