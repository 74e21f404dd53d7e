/**
 * The Node platform's defaults for the core (src/platform-defaults.ts), installed when this module
 * is first imported, each unless the application installed its own before: node:crypto's
 * CryptoProvider, and node:tls's default trust store, the roots
 * bundled with Node (tls.rootCertificates) plus the NODE_EXTRA_CA_CERTS file. The Node entry
 * (src/index.ts), the Node adapter and the CLI import it; `tlsglass/core` does not.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { nodeCryptoProvider } from '../crypto/node/index.js';
import { decodePem } from '../pki/pem.js';
import { getDefaultProvider, hasDefaultTrustAnchors, installDefaultProvider, installDefaultTrustAnchors } from '../platform-defaults.js';

/**
 * NODE_EXTRA_CA_CERTS as the process started with it: node:tls reads the file once and ignores
 * later changes to the environment.
 */
const EXTRA_CA_CERTS_FILE = process.env['NODE_EXTRA_CA_CERTS'];

// Only where the application installed none before (with tlsglass/core, ahead of importing this).
if (!getDefaultProvider()) installDefaultProvider(nodeCryptoProvider);
if (!hasDefaultTrustAnchors()) installDefaultTrustAnchors(() => [...rootCertificates.flatMap(certificatesOf), ...extraCaCertificates(EXTRA_CA_CERTS_FILE)]);

/**
 * The certificates of the PEM file NODE_EXTRA_CA_CERTS names, which node:tls adds to its default
 * store. As in node, a file that cannot be read, or holds no certificate, is a warning and the
 * bundled roots are used alone.
 */
function extraCaCertificates(file: string | undefined): Uint8Array[] {
  if (!file) return [];
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (err) {
    process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}`, { code: 'TLSGLASS_EXTRA_CA_CERTS' });
    return [];
  }
  const found = certificatesOf(text);
  if (found.length === 0) {
    process.emitWarning(`Ignoring extra certs from \`${file}\`: no PEM certificate in it`, { code: 'TLSGLASS_EXTRA_CA_CERTS' });
  }
  return found;
}

/** The DER of each CERTIFICATE block of PEM text; text that is not PEM has none. */
function certificatesOf(text: string): Uint8Array[] {
  try {
    return decodePem(text)
      .filter((b) => b.label === 'CERTIFICATE')
      .map((b) => b.der);
  } catch {
    return []; // armour around something that is not base64
  }
}
