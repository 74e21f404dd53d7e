/**
 * toPeerCertificate against the real thing: a node:tls server on 127.0.0.1 presents issued
 * certificates, and what a node:tls client's getPeerCertificate() returns must equal our object
 * for the same DER, field for field, in short and detailed form.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import * as tls from 'node:tls';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { DefaultVerifier } from '../../src/pki/default-verifier.js';
import { createCertificateAuthority, issueCertificate, type IssuedCertificate } from '../../src/node/issue.js';
import { toPeerCertificate } from '../../src/node/peer-certificate.js';
import { runtimeName } from '../helpers/runtime.js';

const root = createCertificateAuthority({ commonName: 'Peer Cert Root', organization: 'tlsglass' });
const int = createCertificateAuthority({ commonName: 'Peer Cert Int', organization: 'tlsglass', issuer: root });
const rsaLeaf = issueCertificate({
  issuer: int,
  commonName: 'localhost',
  organization: 'tlsglass',
  keyType: 'rsa',
  dnsNames: ['localhost'],
  ipAddresses: ['127.0.0.1', '::1'],
});
const ecLeaf = issueCertificate({ issuer: int, commonName: 'localhost', curve: 'P-384', dnsNames: ['localhost'], extKeyUsage: ['serverAuth', 'clientAuth'] });

/** node:tls's getPeerCertificate(false) and (true) as seen by a client of a server presenting `leaf`, `int`. */
async function nodeTlsPeerCertificates(leaf: IssuedCertificate): Promise<[tls.PeerCertificate, tls.DetailedPeerCertificate]> {
  const server = tls.createServer({ cert: leaf.certPem + int.certPem, key: leaf.keyPem }, (s) => s.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: root.certPem });
    await once(socket, 'secureConnect');
    const result: [tls.PeerCertificate, tls.DetailedPeerCertificate] = [socket.getPeerCertificate(false), socket.getPeerCertificate(true)];
    socket.destroy();
    // Deno's node:tls gives `raw` as a Uint8Array; Node's (and ours) a Buffer of the same bytes.
    type Raw = { raw: Uint8Array; issuerCertificate?: Raw };
    const seen = new Set<Raw>();
    for (const top of result as Raw[]) {
      for (let c: Raw | undefined = top; runtimeName === 'Deno' && c && !seen.has(c); c = c.issuerCertificate) {
        seen.add(c);
        c.raw = Buffer.from(c.raw);
      }
    }
    return result;
  } finally {
    server.close();
  }
}

describe('toPeerCertificate matches node:tls getPeerCertificate()', () => {
  const verifier = new DefaultVerifier({ anchors: [root.certDer], provider: nodeCryptoProvider });
  const trustedIssuerOf = (d: Uint8Array): Uint8Array | undefined => verifier.trustedIssuerOf(d);

  for (const [name, leaf] of [
    ['RSA', rsaLeaf],
    ['ECDSA P-384', ecLeaf],
  ] as const) {
    test(`${name} leaf, short and detailed`, async () => {
      const [short, detailed] = await nodeTlsPeerCertificates(leaf);
      const chain = [leaf.certDer, int.certDer];
      const ours = toPeerCertificate(chain, false) as tls.PeerCertificate;
      assert.deepStrictEqual(ours, short);
      const oursDetailed = toPeerCertificate(chain, true, { trustedIssuerOf }) as tls.DetailedPeerCertificate;
      assert.deepStrictEqual(oursDetailed, detailed);
      // The shape the brief promises, spelled out.
      assert.equal(oursDetailed.issuerCertificate.issuerCertificate.issuerCertificate, oursDetailed.issuerCertificate.issuerCertificate);
      assert.equal(oursDetailed.issuerCertificate.issuerCertificate.subject.CN, 'Peer Cert Root');
      assert.deepEqual({ ...ours.subject }, name === 'RSA' ? { O: 'tlsglass', CN: 'localhost' } : { CN: 'localhost' });
      assert.match(ours.valid_from, /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT$/);
      assert.match(ours.serialNumber, /^[0-9A-F]+$/);
      assert.ok(Buffer.isBuffer(ours.raw) && ours.raw.equals(Buffer.from(leaf.certDer)));
      if (name === 'RSA') {
        assert.equal(ours.bits, 2048);
        assert.equal(ours.exponent, '0x10001');
      } else {
        assert.equal(ours.asn1Curve, 'secp384r1');
        assert.equal(ours.nistCurve, 'P-384');
      }
    });
  }

  test('without the trust store, the detailed chain stops at the last certificate sent', () => {
    const detailed = toPeerCertificate([rsaLeaf.certDer, int.certDer], true) as tls.DetailedPeerCertificate;
    assert.equal(detailed.issuerCertificate.subject.CN, 'Peer Cert Int');
    assert.equal(detailed.issuerCertificate.issuerCertificate, undefined);
  });

  test('unordered chains are linked by issuance, and the root links to itself', () => {
    const detailed = toPeerCertificate([rsaLeaf.certDer, root.certDer, int.certDer], true) as tls.DetailedPeerCertificate;
    const top = detailed.issuerCertificate.issuerCertificate;
    assert.equal(top.subject.CN, 'Peer Cert Root');
    assert.equal(top.issuerCertificate, top);
  });

  test('an empty chain gives {}', () => {
    assert.deepEqual(toPeerCertificate([], true), {});
  });
});
