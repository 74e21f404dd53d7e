/**
 * Mutation fuzzing of the DER reader and certificate parsing (CERT-8, security.md T02): real
 * certificates (minted by issue.ts, and roots from tls.rootCertificates) get bit flips, byte
 * insertions and deletions, length-octet and tag changes, truncation and duplicated ranges, from a
 * fixed seed. parseCertificate, the extension decoders and DefaultVerifier on the mutated
 * certificate may only fail with typed errors: DecodeError (the DER reader's) or CertificateError,
 * never TypeError/RangeError, and never hang.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rootCertificates } from 'node:tls';
import { DecodeError } from '../../src/codec/reader.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { CertificateError } from '../../src/errors.js';
import { ExtensionOid, basicConstraintsOf, findExtension, parseCertificate, subjectAltNamesOf } from '../../src/pki/certificate.js';
import { DefaultVerifier } from '../../src/pki/default-verifier.js';
import { createCertificateAuthority, issueCertificate } from '../../src/node/issue.js';
import { parseKeyUsage } from '../../src/pki/key-usage.js';
import { parseNameConstraints } from '../../src/pki/name-constraints.js';
import { decodePem } from '../../src/pki/pem.js';

const ITERATIONS = 3000;
const SEED = 0x7115_6a55;

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Offsets of every TLV header in `der` (walking into constructed elements), for structure-aware mutations. */
function headerOffsets(der: Uint8Array): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number): void => {
    let p = start;
    while (p + 2 <= end) {
      out.push(p);
      const tag = der[p]!;
      let len = der[p + 1]!;
      let head = 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + (der[p + 2 + i] ?? 0);
        head += n;
      }
      if (tag & 0x20) walk(p + head, Math.min(end, p + head + len));
      p += head + len;
    }
  };
  walk(0, der.length);
  return out;
}

interface Seed {
  readonly der: Uint8Array;
  readonly headers: readonly number[];
  /** The rest of the chain to send after the (mutated) leaf. */
  readonly rest: readonly Uint8Array[];
  readonly verifier: DefaultVerifier;
}

function mutate(der: Uint8Array, headers: readonly number[], rnd: () => number): Uint8Array {
  const int = (n: number): number => Math.floor(rnd() * n);
  const b = Array.from(der);
  const rounds = 1 + int(3);
  for (let r = 0; r < rounds && b.length > 0; r++) {
    switch (int(7)) {
      case 0: // bit flips
        for (let i = 1 + int(4); i > 0; i--) b[int(b.length)]! ^= 1 << int(8);
        break;
      case 1: // insert bytes
        b.splice(int(b.length + 1), 0, ...Array.from({ length: 1 + int(3) }, () => int(256)));
        break;
      case 2: // delete bytes
        b.splice(int(b.length), 1 + int(3));
        break;
      case 3: {
        // a length octet: off by one, long form, indefinite, or random
        const h = headers[int(headers.length)]! + 1;
        if (h < b.length) b[h] = [b[h]! + 1, b[h]! - 1, 0x80, 0x81, 0x84, 0xff, int(256)][int(7)]! & 0xff;
        break;
      }
      case 4: {
        // a tag: another universal/context tag, or a multi-byte tag
        const h = headers[int(headers.length)]!;
        if (h < b.length) b[h] = [0x30, 0x31, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x17, 0x18, 0xa0, 0xa3, 0x80, 0x1f, int(256)][int(15)]!;
        break;
      }
      case 5: // truncate
        b.length = int(b.length);
        break;
      default: {
        // duplicate a range in place (nested lengths now lie)
        const from = int(b.length);
        const slice = b.slice(from, from + 1 + int(40));
        b.splice(int(b.length + 1), 0, ...slice);
      }
    }
  }
  return Uint8Array.from(b);
}

/** The failures allowed out of parsing and verification. */
function isTyped(e: unknown): boolean {
  return e instanceof DecodeError || e instanceof CertificateError;
}

test(`DER fuzzing: ${ITERATIONS} mutated certificates give typed errors only`, () => {
  const now = new Date();
  const root = createCertificateAuthority({ commonName: 'Fuzz Root', organization: 'tlsglass' });
  const int = createCertificateAuthority({ commonName: 'Fuzz Int', issuer: root, nameConstraints: { permitted: ['DNS:example.com', 'IP:10.0.0.0/8'], excluded: ['DNS:bad.example.com'] } });
  const ecLeaf = issueCertificate({ issuer: int, commonName: 'fuzz', dnsNames: ['www.example.com', 'example.com'], ipAddresses: ['10.0.0.1'] });
  const rsaLeaf = issueCertificate({ issuer: root, commonName: 'fuzz rsa', keyType: 'rsa', dnsNames: ['localhost'] });
  const ours = new DefaultVerifier({ anchors: [root.certDer], provider: nodeCryptoProvider });
  const system = new DefaultVerifier({ provider: nodeCryptoProvider });
  const roots = rootCertificates.flatMap((p) => decodePem(p).map((b) => b.der));
  const seeds: Seed[] = [
    { der: ecLeaf.certDer, rest: [int.certDer], verifier: ours },
    { der: rsaLeaf.certDer, rest: [], verifier: ours },
    { der: int.certDer, rest: [], verifier: ours },
    ...[roots[0]!, roots[Math.floor(roots.length / 2)]!, roots[roots.length - 1]!].map((der) => ({ der, rest: [], verifier: system })),
  ].map((s) => ({ ...s, headers: headerOffsets(s.der) }));

  const rnd = prng(SEED);
  const counts = { parsed: 0, decodeErrors: 0, verified: 0, rejected: 0 };
  const t0 = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    const seed = seeds[i % seeds.length]!;
    const der = mutate(seed.der, seed.headers, rnd);
    const where = `iteration ${i} (seed ${i % seeds.length}): ${Buffer.from(der).toString('hex')}`;
    try {
      const fields = parseCertificate(der);
      // The extension decoders DefaultVerifier runs on every certificate it parses.
      basicConstraintsOf(fields);
      subjectAltNamesOf(fields);
      const ku = findExtension(fields, ExtensionOid.keyUsage);
      if (ku) parseKeyUsage(ku.value);
      const nc = findExtension(fields, ExtensionOid.nameConstraints);
      if (nc) parseNameConstraints(nc.value, nc.critical);
      counts.parsed++;
    } catch (e) {
      assert.ok(e instanceof DecodeError, `parseCertificate threw ${String(e)} at ${where}`);
      counts.decodeErrors++;
    }
    try {
      const r = seed.verifier.verifyServer([der, ...seed.rest], { host: 'www.example.com', now, keyUsage: 'sign' });
      assert.ok(r.error === undefined || r.error instanceof CertificateError, where);
      if (r.error) counts.rejected++;
      else counts.verified++;
    } catch (e) {
      assert.ok(isTyped(e), `the verifier threw ${String(e)} at ${where}`);
      counts.rejected++;
    }
  }
  const ms = performance.now() - t0;
  // Both outcomes must occur, or the mutations are not exercising the parser.
  assert.ok(counts.parsed > 100 && counts.decodeErrors > 100, JSON.stringify(counts));
  assert.ok(ms < 10_000, `${ms} ms`);
});
