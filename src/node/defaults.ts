/**
 * node:tls's module-level defaults and helpers: DEFAULT_MIN_VERSION / DEFAULT_MAX_VERSION and
 * DEFAULT_CIPHERS (read by connect(), createServer() and createSecureContext() at call time when
 * the options name no version or ciphers, as node:tls does), DEFAULT_ECDH_CURVE and getCiphers(). An ES module's exports cannot be
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
const OWN_DEFAULT_CIPHERS = [...TLS13_SUITES.map((s) => s.name), ...DEFAULT_TLS12_SUITES.map((s) => s.openssl)].join(':');
/** The `ciphers` of a context whose options name none: ours, or what was assigned through the default export (as node:tls's). */
export let DEFAULT_CIPHERS = OWN_DEFAULT_CIPHERS;

/** @internal Setters behind the default export's accessors. */
export function setDefaultVersion(which: 'min' | 'max', value: TlsVersion): void {
  if (which === 'min') DEFAULT_MIN_VERSION = value;
  else DEFAULT_MAX_VERSION = value;
}

/** @internal */
export function setDefaultCiphers(value: string): void {
  DEFAULT_CIPHERS = value;
}

/** The module object (the default export) and its own createSecureContext, as registered by index.ts. */
let moduleObject: { createSecureContext: unknown } | undefined;
let ownCreateSecureContext: unknown;

/** @internal index.ts registers the default export, whose createSecureContext connect() calls once it is replaced. */
export function registerModuleObject(object: { createSecureContext: unknown }): void {
  moduleObject = object;
  ownCreateSecureContext = object.createSecureContext;
}

/**
 * A createSecureContext assigned over the default export's own, else undefined: connect() then
 * makes its context with it, as node:tls's connect() calls `tls.createSecureContext` (our own is
 * applied by the TLSSocket, without a context object per connection).
 */
export function replacedCreateSecureContext(): ((options: object) => unknown) | undefined {
  const current = moduleObject?.createSecureContext;
  return current !== ownCreateSecureContext && typeof current === 'function' ? (current as (options: object) => unknown) : undefined;
}

/** As node:tls getCiphers(): the lower-case OpenSSL names of the suites we implement, sorted. */
export function getCiphers(): string[] {
  return [...TLS13_SUITES.map((s) => s.name), ...TLS12_SUITES.map((s) => s.openssl)].map((n) => n.toLowerCase()).sort();
}

/** Fills in minVersion/maxVersion from the defaults when the options leave them out, and `ciphers` when DEFAULT_CIPHERS was changed. */
export function withDefaults<T extends { minVersion?: TlsVersion; maxVersion?: TlsVersion; ciphers?: string }>(options: T): T {
  const ciphers = options.ciphers === undefined && DEFAULT_CIPHERS !== OWN_DEFAULT_CIPHERS;
  if (options.minVersion !== undefined && options.maxVersion !== undefined && !ciphers) return options;
  return Object.assign({}, options, {
    minVersion: options.minVersion ?? DEFAULT_MIN_VERSION,
    maxVersion: options.maxVersion ?? DEFAULT_MAX_VERSION,
    ...(ciphers && { ciphers: DEFAULT_CIPHERS }),
  });
}
