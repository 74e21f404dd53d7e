/**
 * Preloaded into Deno by test/interop/runtime-suites.test.ts, until src/pki reads extendedKeyUsage
 * from the DER itself (branch i16-pki): Deno's X509Certificate.keyUsage returns the key usages
 * where Node returns the EKU OIDs, so src/pki refuses every server certificate there and each
 * handshake test fails on that one check. This corrects the getter from the certificate's own
 * DER so the suites show what else fails; the demo is also run without it, where the EKU check is
 * all that fails. Harmless once src/pki no longer reads X509Certificate.keyUsage.
 */
import { X509Certificate } from 'node:crypto';
import { findExtension, parseCertificate } from '../../src/pki/certificate.js';
import { decodeOid, DerReader, readDer, Tag } from '../../src/pki/der-reader.js';

Object.defineProperty(X509Certificate.prototype, 'keyUsage', {
  configurable: true,
  get(this: X509Certificate): string[] | undefined {
    const eku = findExtension(parseCertificate(new Uint8Array(this.raw)), '2.5.29.37');
    if (!eku) return undefined;
    const r = new DerReader(readDer(eku.value, Tag.SEQUENCE, 'extKeyUsage').value);
    const oids: string[] = [];
    while (!r.done) oids.push(decodeOid(r.read(Tag.OBJECT_IDENTIFIER, 'KeyPurposeId').value));
    return oids;
  },
});
