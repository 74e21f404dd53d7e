/**
 * The portable noble provider against the node:crypto one, on this runtime: in-memory handshakes
 * per second with the same provider on both sides (TLS 1.3 X25519 + ECDSA P-256, TLS 1.2 ECDHE-RSA
 * with X25519 and RSA-2048, TLS 1.2 DHE-RSA ffdhe2048), AEAD throughput on 16 KiB records, and
 * the primitives a handshake is made of. Rates are per CPU second (process.cpuUsage), so a busy
 * machine slows the run but not the figures much; the providers alternate in rounds.
 *
 *   npm run build --silent && node dist/bench/noble-provider.js [--rounds N]
 */
import { createPublicKey } from 'node:crypto';
import { loadavg } from 'node:os';
import { createSecureContext, type ClientOptions, type ServerOptions } from '../src/config.js';
import { nobleCryptoProvider } from '../src/crypto/noble/index.js';
import { nodeCryptoProvider } from '../src/crypto/node/index.js';
import type { AeadAlgorithm, CryptoProvider } from '../src/crypto/provider.js';
import { NamedGroup, SignatureScheme } from '../src/messages/enums.js';
import { runPair } from '../test/helpers/pair.js';
import { testPki } from '../test/helpers/pki.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 3;
const PROVIDERS: ReadonlyArray<[string, CryptoProvider]> = [
  ['node', nodeCryptoProvider],
  ['noble', nobleCryptoProvider],
];

/** Operations per CPU second of `f`, run for about `ms` of CPU time. */
function rate(f: () => void, ms: number): number {
  f();
  let n = 0;
  const start = process.cpuUsage();
  let used = 0;
  while (used < ms * 1000) {
    f();
    n++;
    const u = process.cpuUsage(start);
    used = u.user + u.system;
  }
  return n / (used / 1e6);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

function compare(title: string, unit: string, cases: ReadonlyArray<[string, (p: CryptoProvider) => () => void]>, ms: number): void {
  console.log(`\n${title} (${unit}, median of ${rounds} rounds)\n| case | node | noble | noble/node |\n|---|---:|---:|---:|`);
  for (const [name, make] of cases) {
    const results: Record<string, number[]> = { node: [], noble: [] };
    for (let r = 0; r < rounds; r++) for (const [label, p] of PROVIDERS) results[label]!.push(rate(make(p), ms));
    const [a, b] = [median(results.node!), median(results.noble!)];
    console.log(`| ${name} | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(2)}× |`);
  }
}

const { ca, serverEcdsa: ecdsa, serverRsa: rsa } = testPki();

/** Keys and certificates are loaded once per provider (createSecureContext), as a server does. */
function handshake(server: ServerOptions, client: ClientOptions): (p: CryptoProvider) => () => void {
  return (provider) => {
    const serverOptions = { ...server, provider, secureContext: createSecureContext({ ...server, provider }) };
    const clientOptions = { servername: 'localhost', ...client, provider, secureContext: createSecureContext({ ca: ca.certPem, ...client, provider }) };
    return () => {
      const r = runPair(serverOptions, clientOptions);
      if (r.clientError || r.serverError || !r.client.peerFinished) throw new Error(`handshake failed: ${String(r.clientError ?? r.serverError)}`);
    };
  };
}

console.log(`Node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);

compare(
  'In-memory handshakes, the same provider on both sides (client + server CPU)',
  'handshakes per CPU second',
  [
    ['TLS 1.3 X25519, ECDSA P-256', handshake({ cert: ecdsa.certPem, key: ecdsa.keyPem, ecdhCurve: 'X25519' }, { ecdhCurve: 'X25519' })],
    ['TLS 1.2 ECDHE-RSA (X25519, RSA-2048)', handshake({ cert: rsa.certPem, key: rsa.keyPem, maxVersion: 'TLSv1.2' }, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', ecdhCurve: 'X25519' })],
    ['TLS 1.2 DHE-RSA (ffdhe2048, RSA-2048)', handshake({ cert: rsa.certPem, key: rsa.keyPem, maxVersion: 'TLSv1.2', ciphers: 'DHE-RSA-AES128-GCM-SHA256', ecdhCurve: 'ffdhe2048' }, { maxVersion: 'TLSv1.2', ciphers: 'DHE-RSA-AES128-GCM-SHA256', ecdhCurve: 'ffdhe2048' })],
  ],
  1500,
);

const record = new Uint8Array(16384).fill(0x61);
const aad = new Uint8Array(13);
const nonce = new Uint8Array(12);
const aeadCase = (alg: AeadAlgorithm, op: 'seal' | 'open') => (p: CryptoProvider) => {
  const aead = p.aead.create(alg, new Uint8Array(p.aead.keyLength(alg)).fill(1));
  const sealed = aead.seal(nonce, aad, record);
  return op === 'seal' ? () => void aead.seal(nonce, aad, record) : () => void aead.open(nonce, aad, sealed);
};
const MIB_PER_RECORD = 16384 / 1048576;
console.log(`\nAEAD on 16 KiB records: multiply the rates below by ${MIB_PER_RECORD} for MiB/s`);
compare(
  'AEAD',
  '16 KiB records per CPU second',
  (['aes-128-gcm', 'chacha20-poly1305'] as AeadAlgorithm[]).flatMap((alg) => (['seal', 'open'] as const).map((op) => [`${alg} ${op}`, aeadCase(alg, op)] as [string, (p: CryptoProvider) => () => void])),
  800,
);

const message = new Uint8Array(200);
const signer = (pem: string, scheme: number) => (p: CryptoProvider) => {
  const key = p.signatures.loadPrivateKey(pem);
  return () => void key.sign(scheme, message);
};
const verifier = (pem: string, der: Uint8Array, scheme: number) => (p: CryptoProvider) => {
  const sig = nodeCryptoProvider.signatures.loadPrivateKey(pem).sign(scheme, message);
  const key = p.signatures.publicKeyFromSpki(der);
  return () => void key.verify(scheme, message, sig);
};
const exchange = (group: NamedGroup) => (p: CryptoProvider) => () => {
  const a = p.keyExchange.generate(group);
  a.deriveSecret(p.keyExchange.respond(group, a.publicKey).publicKey);
};
const spkiOf = (pem: string): Uint8Array => new Uint8Array(createPublicKey(pem).export({ format: 'der', type: 'spki' }));
compare(
  'Primitives',
  'operations per CPU second',
  [
    ['ECDSA P-256 sign', signer(ecdsa.keyPem, SignatureScheme.ecdsa_secp256r1_sha256)],
    ['ECDSA P-256 verify', verifier(ecdsa.keyPem, spkiOf(ecdsa.certPem), SignatureScheme.ecdsa_secp256r1_sha256)],
    ['RSA-2048 PSS sign', signer(rsa.keyPem, SignatureScheme.rsa_pss_rsae_sha256)],
    ['RSA-2048 PSS verify', verifier(rsa.keyPem, spkiOf(rsa.certPem), SignatureScheme.rsa_pss_rsae_sha256)],
    ['X25519 two shares + two derivations', exchange(NamedGroup.x25519)],
    ['P-256 two shares + two derivations', exchange(NamedGroup.secp256r1)],
    ['ffdhe2048 two shares + two derivations', exchange(NamedGroup.ffdhe2048)],
    ['X25519MLKEM768 keygen + encaps + decaps', exchange(NamedGroup.X25519MLKEM768)],
  ],
  600,
);
