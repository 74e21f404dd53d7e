import type { CryptoProvider } from './crypto/provider.js';
import { ConfigError } from './errors.js';

/**
 * The process-wide defaults a platform entry installs, as rustls's `CryptoProvider::install_default()`:
 * the core imports no platform code, so a configuration without `provider` uses the installed one,
 * and a DefaultVerifier without `anchors` trusts the installed anchors. The Node entry
 * (`tlsglass`, src/node/install-defaults.ts) installs node:crypto's provider and node:tls's
 * default store when imported; with `tlsglass/core` alone, the application installs its own or
 * passes `provider` and `ca` in each configuration.
 */
let installedProvider: CryptoProvider | undefined;
let installedAnchors: (() => readonly Uint8Array[]) | undefined;
let loadedAnchors: readonly Uint8Array[] | undefined;
const NO_ANCHORS: readonly Uint8Array[] = Object.freeze([]);

/** Make `provider` the default of every configuration that names none. Replaces an earlier one. */
export function installDefaultProvider(provider: CryptoProvider): void {
  installedProvider = provider;
}

/**
 * The default trust anchors (DER certificates) of every DefaultVerifier given no `anchors`:
 * `load` runs on first use, and its result is kept for the process. Replaces an earlier source.
 */
export function installDefaultTrustAnchors(load: () => readonly Uint8Array[]): void {
  installedAnchors = load;
  loadedAnchors = undefined;
}

/** The installed default provider, if any. */
export function getDefaultProvider(): CryptoProvider | undefined {
  return installedProvider;
}

/** The installed default provider; a ConfigError naming the ways out when there is none. */
export function requireDefaultProvider(): CryptoProvider {
  if (installedProvider) return installedProvider;
  throw new ConfigError(
    'ERR_TLSGLASS_NO_PROVIDER',
    'provider',
    (name) => `no ${name('provider')} given and no default installed: pass one, or call installDefaultProvider() once (importing 'tlsglass', the Node entry, installs node:crypto's)`,
  );
}

/** Whether default trust anchors are installed (a platform entry leaves an application's own in place). */
export function hasDefaultTrustAnchors(): boolean {
  return installedAnchors !== undefined;
}

/** The installed default anchors, loaded on first use (the same array until another source is installed); none if none is installed. */
export function defaultTrustAnchors(): readonly Uint8Array[] {
  if (!installedAnchors) return NO_ANCHORS;
  return (loadedAnchors ??= installedAnchors());
}
