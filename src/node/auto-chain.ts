/**
 * OpenSSL's automatic chain, which node:tls servers rely on: a `cert` that is only the leaf is
 * sent with the issuers found among the `ca` certificates (up to the root), as OpenSSL builds the
 * chain from the context's store when no chain was given. So a server configured with
 * `{ cert: leaf, ca: [intermediate, root] }` sends leaf + intermediate + root, as with node:tls.
 */
import { X509Certificate } from 'node:crypto';
import type { CommonOptions, PemOrDer } from '../config.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function certificates(input: PemOrDer): X509Certificate[] {
  try {
    if (typeof input !== 'string' && !(input instanceof Uint8Array)) return [];
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
    const pems = text.match(PEM_CERTIFICATE);
    if (pems) return pems.map((p) => new X509Certificate(p));
    return [new X509Certificate(Buffer.from(input as Uint8Array))];
  } catch {
    return []; // not ours to judge here: the options are checked where they are resolved
  }
}

/** `options` with each single-certificate `cert` followed by its issuers from `ca`; unchanged when there is nothing to add. */
export function withAutoChain<T extends CommonOptions>(options: T): T {
  if (options.ca === undefined || options.cert === undefined) return options;
  const pool = (Array.isArray(options.ca) ? options.ca : [options.ca]).flatMap((c: PemOrDer) => certificates(c));
  if (pool.length === 0) return options;
  let changed = false;
  const chain = (cert: PemOrDer): PemOrDer => {
    const own = certificates(cert);
    if (own.length !== 1) return cert; // a chain given (or not PEM we can read): OpenSSL uses it as it is
    const path = [own[0]!];
    for (let last = path[0]!; path.length < 10 && last.issuer !== last.subject; ) {
      const issuer = pool.find((c) => !path.includes(c) && last.checkIssued(c) && last.verify(c.publicKey));
      if (!issuer) break;
      path.push((last = issuer));
    }
    if (path.length === 1) return cert;
    changed = true;
    return path.map((c) => c.toString()).join('');
  };
  const cert = Array.isArray(options.cert) ? options.cert.map(chain) : chain(options.cert as PemOrDer);
  return changed ? { ...options, cert } : options;
}
