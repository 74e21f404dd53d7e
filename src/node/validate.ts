/**
 * node's argument checks, with node's codes and words (ERR_INVALID_ARG_TYPE and its "Received …"
 * as node's invalidArgTypeHelper), so that code written against node:tls sees the same errors.
 */
import { inspect } from 'node:util';
import { isSecureContext } from '../config.js';

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

const KEY_OR_CERT = `string or ${BUFFER_TYPES}`;
const NODE_VERSIONS: readonly unknown[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
type Options = Record<string, unknown>;

/**
 * node:tls's checks of the secure-context options (createSecureContext, createServer, connect),
 * with its codes and words, in its order (cert before key); and its leniency: a falsy `key`,
 * `cert`, `ca` or `crl` (false, null, '', 0) is no value. Returns the options without those.
 */
export function checkedSecureOptions<T extends object>(options: T): T {
  const o = options as Options;
  for (const name of ['ciphers', 'ecdhCurve', 'sigalgs', 'privateKeyIdentifier', 'privateKeyEngine'] as const) {
    if (o[name] != null && typeof o[name] !== 'string') throw argTypeError(`options.${name}`, 'string', o[name], 'property');
  }
  checkPassphrase(o['passphrase']);
  for (const name of ['ca', 'cert', 'crl', 'dhparam'] as const) {
    if (!o[name]) continue;
    for (const value of Array.isArray(o[name]) ? o[name] : [o[name]]) checkKeyOrCert(`options.${name}`, value);
  }
  if (o['key']) {
    if (Array.isArray(o['key'])) {
      for (const entry of o['key'] as unknown[]) {
        const withPem = typeof entry === 'object' && entry !== null && (entry as Options)['pem'] !== undefined;
        checkKeyOrCert('options.key', withPem ? (entry as Options)['pem'] : entry);
        if (withPem) checkPassphrase((entry as Options)['passphrase']);
      }
    } else {
      checkKeyOrCert('options.key', o['key']);
    }
  }
  for (const [name, which] of [['minVersion', 'minimum'], ['maxVersion', 'maximum']] as const) {
    // Names node:tls does not know at all; TLSv1 and TLSv1.1 are refused later, with our reason (RFC 8996).
    if (o[name] !== undefined && !NODE_VERSIONS.includes(o[name] as string)) {
      throw Object.assign(new TypeError(`${JSON.stringify(o[name])} is not a valid ${which} TLS protocol version`), { code: 'ERR_TLS_INVALID_PROTOCOL_VERSION' });
    }
  }
  for (const name of ['handshakeTimeout', 'sessionTimeout'] as const) {
    if (o[name] != null && typeof o[name] !== 'number') throw argTypeError(`options.${name}`, 'number', o[name], 'property');
  }
  // What is left: a falsy key/cert/ca/crl is dropped; TypedArrays and DataViews become bytes; a null timeout is none (as node:tls).
  const copy: Options = Object.assign({}, o, versionsOf(o));
  for (const name of ['handshakeTimeout', 'sessionTimeout'] as const) if (copy[name] === null) delete copy[name];
  for (const name of ['key', 'cert', 'ca', 'crl', 'dhparam'] as const) {
    if (!(name in copy)) continue;
    if (!copy[name]) delete copy[name];
    else copy[name] = Array.isArray(copy[name]) ? copy[name].map(asBytes) : asBytes(copy[name]);
  }
  return copy as T;
}

/** A string or Uint8Array stays; another view becomes the bytes it views; a `{ pem }` entry gets its pem so. */
function asBytes(value: unknown): unknown {
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return bytesOf(value);
  const entry = value as Options;
  return Object.assign({}, entry, { pem: asBytes(entry['pem']) });
}

/** OpenSSL's method names (node:tls secureProtocol): the one version they pin, or none for the flexible ones. */
const METHODS: Record<string, string | undefined> = { TLS_method: undefined, SSLv23_method: undefined, TLSv1_method: 'TLSv1', TLSv1_1_method: 'TLSv1.1', TLSv1_2_method: 'TLSv1.2' };

/** node:tls's secureProtocol as minVersion/maxVersion (TLSv1 and TLSv1.1 are then refused with why, RFC 8996). */
function versionsOf(o: Options): Options {
  const method = o['secureProtocol'];
  if (typeof method !== 'string') return {};
  const base = method.replace(/_(server|client)_method$/, '_method');
  if (!(base in METHODS)) throw Object.assign(new TypeError(`Unknown method: ${method}`), { code: 'ERR_TLS_INVALID_PROTOCOL_METHOD' });
  for (const name of ['minVersion', 'maxVersion']) {
    if (o[name] !== undefined) {
      throw Object.assign(new TypeError(`TLS protocol version ${JSON.stringify(o[name])} conflicts with secureProtocol ${JSON.stringify(method)}`), { code: 'ERR_TLS_PROTOCOL_VERSION_CONFLICT' });
    }
  }
  const version = METHODS[base];
  return version === undefined ? {} : { minVersion: version, maxVersion: version };
}

function checkKeyOrCert(name: string, value: unknown): void {
  if (typeof value !== 'string' && !ArrayBuffer.isView(value)) throw argTypeError(name, KEY_OR_CERT, value, 'property');
}

function checkPassphrase(value: unknown): void {
  if (value != null && typeof value !== 'string') throw argTypeError('options.passphrase', 'string', value, 'property');
}

/** As node:tls: a `secureContext` option that is not one of ours is refused when the socket is made. */
export function checkSecureContext(value: unknown): void {
  if (value !== undefined && value !== null && !isSecureContext(value)) {
    throw Object.assign(new TypeError('context must be a SecureContext'), {
      code: 'ERR_TLS_INVALID_CONTEXT',
      reason: 'secureContext must come from tlsglass createSecureContext() (not node:tls, nor a plain object)',
    });
  }
}
