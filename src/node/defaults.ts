/**
 * node:tls's module-level defaults and helpers: DEFAULT_MIN_VERSION / DEFAULT_MAX_VERSION (read
 * by connect() and createServer() at call time when the options name no version, as node:tls
 * does), DEFAULT_ECDH_CURVE, DEFAULT_CIPHERS and getCiphers(). An ES module's exports cannot be
 * assigned by importers, so the defaults are changed through the default export (the module
 * object, as `import tls from 'node:tls'`): `tlsglass.DEFAULT_MIN_VERSION = 'TLSv1.3'`.
 */
import * as nodeTls from 'node:tls';
import { TLS12_SUITES, DEFAULT_TLS12_SUITES, TLS13_SUITES } from '../crypto/suites.js';

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/** node:tls's defaults (which node's --tls-min-v1.3, --tls-max-v1.2 … flags set), raised to TLS 1.2 where they are lower. */
export let DEFAULT_MIN_VERSION: TlsVersion = nodeTls.DEFAULT_MIN_VERSION === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2';
export let DEFAULT_MAX_VERSION: TlsVersion = nodeTls.DEFAULT_MAX_VERSION === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2';
/** As node:tls: 'auto' (our default groups). */
export const DEFAULT_ECDH_CURVE = 'auto';
/** Our default suites, TLS 1.3 first, in node:tls's notation. */
export const DEFAULT_CIPHERS = [...TLS13_SUITES.map((s) => s.name), ...DEFAULT_TLS12_SUITES.map((s) => s.openssl)].join(':');

/** @internal Setters behind the default export's accessors. */
export function setDefaultVersion(which: 'min' | 'max', value: TlsVersion): void {
  if (which === 'min') DEFAULT_MIN_VERSION = value;
  else DEFAULT_MAX_VERSION = value;
}

/**
 * As node:tls convertALPNProtocols(): the protocol names as one wire-format buffer (each name
 * prefixed by its length, RFC 7301 §3.1) in `out.ALPNProtocols`.
 */
export function convertALPNProtocols(protocols: readonly string[] | Uint8Array, out: { ALPNProtocols?: Buffer }): void {
  if (protocols instanceof Uint8Array) {
    out.ALPNProtocols = Buffer.from(protocols);
    return;
  }
  if (!Array.isArray(protocols)) return;
  const parts = protocols.map((p) => {
    const name = Buffer.from(p);
    if (name.length === 0 || name.length > 255) throw codedError(new RangeError(`The byte length of the protocol at index ${protocols.indexOf(p)} exceeds the maximum length. It must be <= 255. Received ${name.length}`), 'ERR_OUT_OF_RANGE');
    return Buffer.concat([Buffer.of(name.length), name]);
  });
  out.ALPNProtocols = Buffer.concat(parts);
}

/** As node:tls getCiphers(): the lower-case OpenSSL names of the suites we implement, sorted. */
export function getCiphers(): string[] {
  return [...TLS13_SUITES.map((s) => s.name), ...TLS12_SUITES.map((s) => s.openssl)].map((n) => n.toLowerCase()).sort();
}

/**
 * node:tls's `secureProtocol` (OpenSSL method names) as the version range it means. The TLS 1.0/1.1
 * and SSL methods name versions we do not have (RFC 8996): they are refused as those versions are.
 */
const PROTOCOL_METHODS: Record<string, readonly [TlsVersion | undefined, TlsVersion | undefined]> = {
  TLS_method: [undefined, undefined],
  TLS_client_method: [undefined, undefined],
  TLS_server_method: [undefined, undefined],
  SSLv23_method: [undefined, undefined],
  SSLv23_client_method: [undefined, undefined],
  SSLv23_server_method: [undefined, undefined],
  TLSv1_2_method: ['TLSv1.2', 'TLSv1.2'],
  TLSv1_2_client_method: ['TLSv1.2', 'TLSv1.2'],
  TLSv1_2_server_method: ['TLSv1.2', 'TLSv1.2'],
  TLSv1_3_method: ['TLSv1.3', 'TLSv1.3'],
  TLSv1_3_client_method: ['TLSv1.3', 'TLSv1.3'],
  TLSv1_3_server_method: ['TLSv1.3', 'TLSv1.3'],
};
const OLD_METHODS = /^(SSLv2|SSLv3|TLSv1|TLSv1_1)(_client|_server)?_method$/;

function codedError<E extends Error>(error: E, code: string): E & { code: string } {
  return Object.assign(error, { code });
}

/**
 * Fills in minVersion/maxVersion from `secureProtocol` (as node:tls: naming both is
 * ERR_TLS_PROTOCOL_VERSION_CONFLICT) or else from the defaults when the options leave them out.
 */
export function withDefaultVersions<T extends { minVersion?: TlsVersion; maxVersion?: TlsVersion }>(options: T): T {
  const method: unknown = (options as { secureProtocol?: unknown }).secureProtocol;
  if (method !== undefined) {
    if (typeof method !== 'string') throw codedError(new TypeError(`The "options.secureProtocol" property must be of type string.`), 'ERR_INVALID_ARG_TYPE');
    for (const v of ['minVersion', 'maxVersion'] as const) {
      if (options[v] !== undefined) throw codedError(new TypeError(`TLS protocol version "${options[v]}" conflicts with secureProtocol "${method}"`), 'ERR_TLS_PROTOCOL_VERSION_CONFLICT');
    }
    if (OLD_METHODS.test(method)) {
      throw codedError(new TypeError(`secureProtocol "${method}" names a TLS version before 1.2, which tlsglass does not implement (RFC 8996)`), 'ERR_TLS_INVALID_PROTOCOL_VERSION');
    }
    const range = Object.hasOwn(PROTOCOL_METHODS, method) ? PROTOCOL_METHODS[method] : undefined;
    if (range === undefined) throw codedError(new TypeError(`Unknown method: ${method}`), 'ERR_TLS_INVALID_PROTOCOL_METHOD');
    const [min, max] = range;
    options = Object.assign({}, options, { secureProtocol: undefined }, min && { minVersion: min }, max && { maxVersion: max });
  }
  if (options.minVersion !== undefined && options.maxVersion !== undefined) return options;
  return Object.assign({}, options, {
    minVersion: options.minVersion ?? DEFAULT_MIN_VERSION,
    maxVersion: options.maxVersion ?? DEFAULT_MAX_VERSION,
  });
}
