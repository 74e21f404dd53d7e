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

/** As node:tls getCiphers(): the lower-case OpenSSL names of the suites we implement, sorted. */
export function getCiphers(): string[] {
  return [...TLS13_SUITES.map((s) => s.name), ...TLS12_SUITES.map((s) => s.openssl)].map((n) => n.toLowerCase()).sort();
}

/** Fills in minVersion/maxVersion from the defaults when the options leave them out. */
export function withDefaultVersions<T extends { minVersion?: TlsVersion; maxVersion?: TlsVersion }>(options: T): T {
  if (options.minVersion !== undefined && options.maxVersion !== undefined) return options;
  return Object.assign({}, options, {
    minVersion: options.minVersion ?? DEFAULT_MIN_VERSION,
    maxVersion: options.maxVersion ?? DEFAULT_MAX_VERSION,
  });
}
