/**
 * node's argument checks, with node's codes and words (ERR_INVALID_ARG_TYPE and its "Received …"
 * as node's invalidArgTypeHelper), so that code written against node:tls sees the same errors.
 */
import { inspect } from 'node:util';

/** ERR_INVALID_ARG_TYPE for an argument (`"name" argument`) or an options property (`"options.x" property`). */
export function argTypeError(name: string, type: string, value: unknown, kind: 'argument' | 'property' = 'argument'): TypeError {
  const must = type.startsWith('an instance') || type.startsWith('one of') ? `must be ${type}` : `must be of type ${type}`;
  return Object.assign(new TypeError(`The "${name}" ${kind} ${must}.${received(value)}`), { code: 'ERR_INVALID_ARG_TYPE' });
}

/** ERR_INVALID_ARG_VALUE, as node words it for a property. */
export function argValueError(name: string, reason: string, value: unknown): TypeError {
  return Object.assign(new TypeError(`The property '${name}' ${reason}. Received ${inspect(value)}`), { code: 'ERR_INVALID_ARG_VALUE' });
}

export const BUFFER_TYPES = 'an instance of Buffer, TypedArray, or DataView';

/** node's validateBuffer(): a Buffer, TypedArray or DataView. */
export function validateBuffer(value: unknown, name: string, kind: 'argument' | 'property' = 'argument'): asserts value is ArrayBufferView {
  if (!ArrayBuffer.isView(value)) throw argTypeError(name, BUFFER_TYPES, value, kind);
}

export function received(value: unknown): string {
  if (value == null) return ` Received ${String(value)}`;
  if (typeof value === 'function') return ` Received function ${value.name}`;
  if (typeof value === 'object') {
    const ctor = (value as { constructor?: { name?: string } }).constructor?.name;
    return ctor ? ` Received an instance of ${ctor}` : ` Received ${inspect(value, { depth: -1 })}`;
  }
  let shown = inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return ` Received type ${typeof value} (${shown})`;
}

/** The bytes of a Buffer, TypedArray or DataView. */
export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
