/**
 * The path-validation corpus (test/helpers/x509-corpus.ts) run three ways:
 *  1. DefaultVerifier, the code the handshakes use: each case's expected code (and alert, where the
 *     case pins it) under its profile; strict cases also under the 'rfc5280' profile, and every
 *     other case also under 'strict', which must decide the same;
 *  2. `openssl verify` (OpenSSL 3.0): the same accept/reject, except the cases in KNOWN_DIFFERENCES,
 *     where OpenSSL must still decide as listed (so the table cannot go stale); the strict cases run
 *     with -x509_strict and must give exactly OPENSSL_X509_STRICT's result;
 *  3. `tlsglass verify` (verifyCommand in-process): the same verdict, code and chain as the verifier.
 * The differences are also listed in docs/certificate-validation.md, "Certificate validation vs
 * OpenSSL" and "Strict certificate profile".
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { verifyCommand } from '../../src/cli/verify.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { CertificateError } from '../../src/errors.js';
import { AlertDescription, nameOf } from '../../src/messages/enums.js';
import { DefaultVerifier } from '../../src/pki/default-verifier.js';
import { buildCorpus, opensslVerifyArgs, tlsglassVerifyArgs, type CorpusCase } from '../helpers/x509-corpus.js';
import { peerMissing, requirePeer } from '../helpers/peers.js';

type Verdict = 'accept' | 'reject';

/** Where openssl verify (no -auth_level, -purpose as given) decides otherwise than we do, and why. */
export const KNOWN_DIFFERENCES: Readonly<Record<string, { readonly openssl: Verdict; readonly reason: string }>> = {
  'ok/trailing-dot': {
    openssl: 'reject',
    reason: 'X509_check_host does not ignore a trailing dot on the reference name; RFC 9525 §6.3 / Node compare without it',
  },
  'ok/idna-u-label': {
    openssl: 'reject',
    reason: 'openssl compares the U-label bytes; we convert U-labels to A-labels (UTS #46 ToASCII) before matching',
  },
  'ku/encipher-only-for-ecdhe': {
    openssl: 'accept',
    reason: 'openssl verify does not know the key exchange: -purpose sslserver accepts any of digitalSignature/keyEncipherment/keyAgreement',
  },
  'ku/sign-only-for-rsa-kx': {
    openssl: 'accept',
    reason: 'as above: the RSA key exchange needs keyEncipherment, which openssl verify cannot ask for',
  },
  'nc/excluded-dns-wildcard-overlap': {
    openssl: 'accept',
    reason: 'OpenSSL compares "*" as a literal label, so *.example.com is not within excluded bad.example.com although it matches it',
  },
  'wildcard/partial-label': {
    openssl: 'accept',
    reason: 'OpenSSL accepts partial-label wildcards (f*.example.com) unless X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS; RFC 9525 §6.3 does not',
  },
  'host/no-cn-fallback': {
    openssl: 'accept',
    reason: 'OpenSSL falls back to the subject CN when there is no DNS SAN; we never use the CN (RFC 9525 §6.3)',
  },
  'path/cross-signed-intermediate-first': {
    openssl: 'reject',
    reason: 'OpenSSL takes the first matching untrusted issuer and only retries via the trust store; we backtrack over every candidate (RFC 4158)',
  },
  'alg/sha1-leaf': {
    openssl: 'accept',
    reason: 'openssl verify enforces no security level without -auth_level (with -auth_level 1, as in TLS, it rejects SHA-1 too)',
  },
  'alg/sha1-intermediate': {
    openssl: 'accept',
    reason: 'as above (SHA-1 signatures are refused at -auth_level 1)',
  },
  'alg/rsa-1024-leaf': {
    openssl: 'accept',
    reason: 'openssl verify enforces no security level without -auth_level (RSA-1024 is refused from -auth_level 2)',
  },
  'aia/empty': {
    openssl: 'accept',
    reason: 'OpenSSL does not decode authorityInfoAccess while verifying; we refuse a malformed one as a decode error',
  },
  'aia/location-not-a-general-name': {
    openssl: 'accept',
    reason: 'as above',
  },
};

/**
 * What `openssl verify -x509_strict` (OpenSSL 3.0) reports for each strict-profile case: 'OK' or
 * `error <X509_V_ERR number> at <depth>`. docs/certificate-validation.md's strict-profile table quotes these.
 */
export const OPENSSL_X509_STRICT: Readonly<Record<string, string>> = {
  'strict/conforming': 'OK',
  'strict/aki-missing-leaf': 'error 85 at 0', // X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER
  'strict/aki-missing-intermediate': 'error 85 at 1',
  'strict/aki-critical-leaf': 'error 34 at 0', // UNHANDLED_CRITICAL_EXTENSION: OpenSSL does not accept a critical AKI at all
  'strict/root-aki-issuer-serial': 'OK',
  'strict/root-aki-keyid-mismatch': 'error 2 at 1', // UNABLE_TO_GET_ISSUER_CERT: the root no longer counts as self-signed
  'strict/root-aki-critical': 'error 34 at 1',
  'strict/root-aki-issuer-serial-before-br': 'OK',
  'strict/ski-missing-intermediate': 'error 86 at 1', // X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER
  'strict/bc-not-critical-intermediate': 'error 89 at 1', // X509_V_ERR_CA_BCONS_NOT_CRITICAL
  'strict/keycertsign-leaf': 'error 82 at 0', // X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA
  'strict/serial-zero': 'OK',
  'strict/serial-negative': 'OK',
  'strict/serial-21-octets': 'OK',
  'strict/serial-20-octets': 'OK',
  'strict/serial-21-octets-intermediate': 'OK',
  'strict/san-critical-with-subject': 'OK',
  'strict/any-eku-leaf': 'OK',
  'strict/eku-in-root': 'OK',
  'strict/unknown-critical-anchor': 'error 34 at 1', // UNHANDLED_CRITICAL_EXTENSION
  'strict/unknown-critical-leaf': 'error 34 at 0',
  'strict/aia-malformed': 'OK',
  'strict/dirname-permitted-violated': 'error 47 at 0', // PERMITTED_VIOLATION
  'strict/depth-exceeded': 'error 22 at 1', // CERT_CHAIN_TOO_LONG
};

const dir = mkdtempSync(join(tmpdir(), 'tlsglass-corpus-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const corpus = buildCorpus(dir);

interface Outcome {
  readonly code: string;
  /** The alert's name, for a rejection. */
  readonly alert: string | undefined;
  readonly chainLength: number;
}

/** DefaultVerifier on a case, as the handshake calls it, under the case's profile or `profile`. */
function ours(c: CorpusCase, profile: 'strict' | 'rfc5280' = c.profile): Outcome {
  const verifier = new DefaultVerifier({
    anchors: c.anchors,
    provider: nodeCryptoProvider,
    profile,
    ...(c.verifyDepth !== undefined ? { verifyDepth: c.verifyDepth } : {}),
  });
  const alertName = (e: CertificateError): string | undefined => (e.alert === undefined ? undefined : nameOf(AlertDescription, e.alert, 'alert'));
  try {
    const r =
      c.purpose === 'client'
        ? verifier.verifyClient(c.chain, { now: c.at })
        : verifier.verifyServer(c.chain, { host: c.host ?? c.ip, now: c.at, ...(c.keyUsage ? { keyUsage: c.keyUsage } : {}) });
    return { code: r.error?.code ?? 'OK', alert: r.error ? alertName(r.error) : undefined, chainLength: r.chain?.length ?? 0 };
  } catch (e) {
    if (e instanceof CertificateError) return { code: e.code, alert: alertName(e), chainLength: 0 };
    throw e;
  }
}

const verdict = (code: string): Verdict => (code === 'OK' ? 'accept' : 'reject');

describe('certificate corpus', () => {
  const results = new Map(corpus.map((c) => [c.name, ours(c)]));

  describe('DefaultVerifier', () => {
    for (const c of corpus) {
      test(`${c.name}: ${c.description} → ${c.expected}`, () => {
        const r = results.get(c.name)!;
        assert.equal(r.code, c.expected);
        if (c.alert !== undefined) assert.equal(r.alert, c.alert, 'alert');
        if (c.expected === 'OK') assert.ok(r.chainLength >= 1, 'an accepted result carries the built chain');
        // The other profile: a strict case's rule is strict-only when 'rfc5280' accepts; any other case decides the same under 'strict'.
        const other = ours(c, c.profile === 'strict' ? 'rfc5280' : 'strict');
        assert.equal(other.code, c.profile === 'strict' ? c.expectedRfc5280 : c.expected, `under the ${c.profile === 'strict' ? 'rfc5280' : 'strict'} profile`);
      });
    }

    test('every strict case states the rfc5280 outcome, every rule has a failing case, and no case is repeated', () => {
      const names = corpus.map((c) => c.name);
      assert.equal(new Set(names).size, names.length);
      for (const c of corpus) if (c.profile === 'strict') assert.notEqual(c.expectedRfc5280, undefined, c.name);
      const strictCodes = new Set(corpus.filter((c) => c.profile === 'strict').map((c) => c.expected));
      for (const code of [
        'MISSING_AUTHORITY_KEY_IDENTIFIER',
        'AUTHORITY_KEY_IDENTIFIER_CRITICAL',
        'ERR_TLSGLASS_ROOT_AUTHORITY_KEY_IDENTIFIER',
        'MISSING_SUBJECT_KEY_IDENTIFIER',
        'CA_BCONS_NOT_CRITICAL',
        'KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA',
        'ERR_TLSGLASS_INVALID_SERIAL_NUMBER',
        'ERR_TLSGLASS_SAN_CRITICAL_WITH_SUBJECT',
        'ERR_TLSGLASS_LEAF_ANY_EXTENDED_KEY_USAGE',
        'ERR_TLSGLASS_ROOT_EXTENDED_KEY_USAGE',
        'UNHANDLED_CRITICAL_EXTENSION',
        'ERR_TLSGLASS_BAD_CERTIFICATE',
        'PERMITTED_VIOLATION',
        'CERT_CHAIN_TOO_LONG',
      ]) {
        assert.ok(strictCodes.has(code), `no strict case fails with ${code}`);
      }
    });
  });

  describe('openssl verify', { skip: peerMissing('openssl') }, () => {
    const openssl = new Map<string, { verdict: Verdict; output: string }>();
    before(async () => {
      const bin = requirePeer('openssl');
      // Two at a time: the machine has two cores.
      const queue = [...corpus];
      const worker = async (): Promise<void> => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          const { code, output } = await run(bin, opensslVerifyArgs(c));
          openssl.set(c.name, { verdict: code === 0 ? 'accept' : 'reject', output });
        }
      };
      await Promise.all([worker(), worker()]);
    });

    test('agrees on accept/reject for every case but the documented differences', () => {
      const disagreements: string[] = [];
      let agree = 0;
      const plain = corpus.filter((c) => c.profile !== 'strict');
      for (const c of plain) {
        const ourVerdict = verdict(results.get(c.name)!.code);
        const theirs = openssl.get(c.name)!;
        const known = KNOWN_DIFFERENCES[c.name];
        if (known) {
          assert.notEqual(ourVerdict, known.openssl, `${c.name} is listed as a difference, but we also ${known.openssl}`);
          assert.equal(theirs.verdict, known.openssl, `${c.name}: openssl no longer decides as documented\n${theirs.output}`);
        } else if (theirs.verdict === ourVerdict) {
          agree++;
        } else {
          disagreements.push(`${c.name}: we ${ourVerdict} (${results.get(c.name)!.code}), openssl ${theirs.verdict}\n${theirs.output}`);
        }
      }
      assert.deepEqual(disagreements, []);
      assert.equal(agree + Object.keys(KNOWN_DIFFERENCES).length, plain.length);
      for (const name of Object.keys(KNOWN_DIFFERENCES)) assert.ok(results.has(name), `KNOWN_DIFFERENCES names a missing case ${name}`);
      console.log(`certificate corpus: ${plain.length} cases; openssl verify agrees on ${agree}, ${plain.length - agree} documented differences`);
    });

    test('openssl verify -x509_strict gives exactly the recorded result on every strict case', () => {
      const strictCases = corpus.filter((c) => c.profile === 'strict');
      assert.deepEqual(Object.keys(OPENSSL_X509_STRICT).sort(), strictCases.map((c) => c.name).sort());
      let agree = 0;
      for (const c of strictCases) {
        const theirs = openssl.get(c.name)!;
        const m = /error (\d+) at (\d+) depth lookup/.exec(theirs.output);
        const result = theirs.verdict === 'accept' ? 'OK' : m ? `error ${m[1]} at ${m[2]}` : 'unparsed';
        assert.match(theirs.output, / -x509_strict /);
        assert.equal(result, OPENSSL_X509_STRICT[c.name], `${c.name}\n${theirs.output}`);
        if (verdict(results.get(c.name)!.code) === theirs.verdict) agree++;
      }
      console.log(`strict profile: ${strictCases.length} cases; openssl verify -x509_strict agrees on accept/reject for ${agree}`);
    });
  });

  test('tlsglass verify gives the verifier\'s verdict, code and chain on every case', async () => {
    for (const c of corpus) {
      let out = '';
      let err = '';
      const code = await verifyCommand(tlsglassVerifyArgs(c), { out: (t) => void (out += t), err: (t) => void (err += t) });
      const expected = results.get(c.name)!;
      assert.equal(err, '', `${c.name}: stderr`);
      if (expected.code === 'OK') {
        assert.equal(code, 0, `${c.name}: ${out}`);
        assert.match(out, /: OK\n/);
        assert.equal(out.match(/ ← /g)?.length, expected.chainLength, `${c.name}: one line per certificate of the built chain\n${out}`);
        assert.match(out, /\(trust anchor\)\n$/);
      } else {
        assert.equal(code, 1, `${c.name}: ${out}`);
        assert.match(out, new RegExp(`: FAILED\\nerror ${expected.code} \\(alert \\w+\\): `), c.name);
      }
    }
  });
});

/** Runs a command to completion, collecting stdout and stderr. */
function run(bin: string, args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
    let output = '';
    p.stdout.on('data', (d: Buffer) => (output += d.toString()));
    p.stderr.on('data', (d: Buffer) => (output += d.toString()));
    p.once('error', reject);
    p.once('close', (code) => resolve({ code, output: `$ openssl ${args.join(' ')}\n${output}` }));
  });
}
