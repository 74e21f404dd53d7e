/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1) against published and independent answers:
 *  - RFC 5869 Appendix A.1–A.3 for HKDF-Extract / HKDF-Expand;
 *  - RFC 8448 §3 (Simple 1-RTT Handshake): every intermediate secret, traffic key and IV, both
 *    Finished values and the resumption PSK, with the transcript hashes recomputed from the
 *    RFC's handshake message bytes; RFC 8448 §4: the resumption binder key, the PSK binder and
 *    the client early traffic secret;
 *  - HKDF-Expand-Label, KeyUpdate ("traffic upd", §7.2) and the exporter (§7.5) against an
 *    independent construction with node:crypto HMAC and hkdfSync;
 *  - the exporter against OpenSSL itself: node:tls TLS 1.3 connections, EXPORTER_SECRET from
 *    the 'keylog' event, compared with socket.exportKeyingMaterial().
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import type net from 'node:net';
import tls from 'node:tls';
import { describe, it } from 'node:test';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import type { HashAlgorithm } from '../../src/crypto/provider.js';
import { tls13SuiteById, type Tls13Suite } from '../../src/crypto/suites.js';
import {
  deriveSecret,
  EarlySecret,
  exportKeyingMaterial13,
  finishedVerifyData,
  hkdfExpand,
  hkdfExpandLabel,
  hkdfExtract,
  nextTrafficSecret,
  pskBinder,
  resumptionPsk,
  trafficKeys,
} from '../../src/keys/key-schedule-tls13.js';
import { CipherSuite } from '../../src/messages/enums.js';
import { testPki } from '../helpers/pki.js';
import { RESUMED_0RTT, SIMPLE_1RTT as V } from '../vectors/rfc8448.js';
import { notNodeTls } from '../helpers/runtime.js';

const hash = nodeCryptoProvider.hash;
const aead = nodeCryptoProvider.aead;
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const empty = new Uint8Array(0);
const suite = (id: number): Tls13Suite => {
  const s = tls13SuiteById(id);
  assert.ok(s);
  return s;
};
const AES128 = suite(CipherSuite.TLS_AES_128_GCM_SHA256);

/** HKDF-Expand (RFC 5869 §2.3) written out with node:crypto HMAC, independent of the code under test. */
function refExpand(alg: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  let t = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i++) {
    t = crypto.createHmac(alg, prk).update(t).update(info).update(Buffer.of(i)).digest();
    blocks.push(t);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** HkdfLabel (RFC 8446 §7.1) built by hand. */
function refExpandLabel(alg: HashAlgorithm, secret: Uint8Array, label: string, context: Uint8Array, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'ascii');
  const info = Buffer.concat([Buffer.of(length >> 8, length & 0xff, full.length), full, Buffer.of(context.length), context]);
  return refExpand(alg, secret, info, length);
}

/** The RFC 8448 §3 transcript hash over the named messages, through the provider's running hash. */
function transcript(...messages: Array<keyof typeof V>): Uint8Array {
  const running = hash.create('sha256');
  for (const m of messages) running.update(hex(V[m]));
  return running.peek();
}

describe('HKDF (RFC 5869 Appendix A, SHA-256)', () => {
  const cases = [
    {
      name: 'A.1 basic',
      ikm: '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b',
      salt: '000102030405060708090a0b0c',
      info: 'f0f1f2f3f4f5f6f7f8f9',
      length: 42,
      prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
      okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    },
    {
      name: 'A.2 longer inputs and outputs',
      ikm:
        '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f' +
        '303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f',
      salt:
        '606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f' +
        '909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf',
      info:
        'b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf' +
        'e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff',
      length: 82,
      prk: '06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244',
      okm:
        'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09' +
        'da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
    },
    {
      name: 'A.3 zero-length salt and info',
      ikm: '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b',
      salt: '',
      info: '',
      length: 42,
      prk: '19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04',
      okm: '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const prk = hkdfExtract(hash, 'sha256', hex(c.salt), hex(c.ikm));
      assert.equal(toHex(prk), c.prk);
      assert.equal(toHex(hkdfExpand(hash, 'sha256', prk, hex(c.info), c.length)), c.okm);
    });
  }

  it('agrees with node:crypto hkdfSync for SHA-384 and SHA-512, at block-boundary lengths', () => {
    for (const alg of ['sha384', 'sha512'] as const) {
      const n = hash.outputLength(alg);
      for (const length of [0, 1, n - 1, n, n + 1, 3 * n, 255 * n]) {
        const ikm = crypto.randomBytes(40);
        const salt = crypto.randomBytes(17);
        const info = crypto.randomBytes(9);
        const expected = length === 0 ? Buffer.alloc(0) : Buffer.from(crypto.hkdfSync(alg, ikm, salt, info, length));
        const got = hkdfExpand(hash, alg, hkdfExtract(hash, alg, salt, ikm), info, length);
        assert.equal(toHex(got), expected.toString('hex'), `${alg} length ${length}`);
      }
    }
  });

  it('refuses L > 255 · HashLen and non-integer lengths', () => {
    const prk = new Uint8Array(32);
    assert.throws(() => hkdfExpand(hash, 'sha256', prk, empty, 255 * 32 + 1), RangeError);
    assert.throws(() => hkdfExpand(hash, 'sha256', prk, empty, -1), RangeError);
    assert.throws(() => hkdfExpand(hash, 'sha256', prk, empty, 1.5), RangeError);
  });
});

describe('HKDF-Expand-Label and Derive-Secret (RFC 8446 §7.1)', () => {
  it('HkdfLabel = uint16 length ‖ <"tls13 " + label> ‖ <context>; the RFC 8448 "key"/"iv" info bytes', () => {
    const secret = hex(V.serverHandshakeTrafficSecret);
    // RFC 8448 §3 prints: key info (13 octets) 00 10 09 74 6c 73 31 33 20 6b 65 79 00; iv info 00 0c 08 … 69 76 00
    assert.equal(toHex(hkdfExpandLabel(hash, 'sha256', secret, 'key', empty, 16)), toHex(refExpand('sha256', secret, hex('001009746c733133206b657900'), 16)));
    assert.equal(toHex(hkdfExpandLabel(hash, 'sha256', secret, 'iv', empty, 12)), toHex(refExpand('sha256', secret, hex('000c08746c73313320697600'), 12)));
    const ctx = crypto.randomBytes(48);
    for (const alg of ['sha256', 'sha384'] as const) {
      const s = crypto.randomBytes(hash.outputLength(alg));
      assert.equal(toHex(hkdfExpandLabel(hash, alg, s, 'some label', ctx, 77)), toHex(refExpandLabel(alg, s, 'some label', ctx, 77)));
    }
  });

  it('refuses a label over 249 bytes, a context over 255 bytes, a length over 2^16 − 1, non-ASCII labels', () => {
    const s = new Uint8Array(32);
    assert.doesNotThrow(() => hkdfExpandLabel(hash, 'sha256', s, 'x'.repeat(249), empty, 32));
    assert.throws(() => hkdfExpandLabel(hash, 'sha256', s, 'x'.repeat(250), empty, 32), RangeError);
    assert.doesNotThrow(() => hkdfExpandLabel(hash, 'sha256', s, 'x', new Uint8Array(255), 32));
    assert.throws(() => hkdfExpandLabel(hash, 'sha256', s, 'x', new Uint8Array(256), 32), RangeError);
    assert.throws(() => hkdfExpandLabel(hash, 'sha256', s, 'x', empty, 0x10000), RangeError);
    assert.throws(() => hkdfExpandLabel(hash, 'sha256', s, 'caf\u00e9', empty, 32), /ASCII/);
  });

  it('Derive-Secret takes the transcript hash, and refuses anything not Hash.length bytes', () => {
    const s = new Uint8Array(32);
    assert.throws(() => deriveSecret(hash, 'sha256', s, 'c hs traffic', hex(V.clientHello)), /transcript hash must be 32 bytes/);
    assert.throws(() => deriveSecret(hash, 'sha384', new Uint8Array(48), 'c hs traffic', new Uint8Array(32)), /48 bytes/);
    assert.throws(() => finishedVerifyData(hash, 'sha256', s, new Uint8Array(31)), /32 bytes/);
  });
});

describe('RFC 8448 §3 Simple 1-RTT Handshake: each checkpoint', () => {
  const emptyHash = hash.digest('sha256', empty);
  const early = new EarlySecret(hash, 'sha256');
  const hs = early.handshakeSecret(hex(V.sharedSecret));
  const ms = hs.masterSecret();
  const thHello = transcript('clientHello', 'serverHello');
  const thServerFinished = transcript('clientHello', 'serverHello', 'encryptedExtensions', 'certificate', 'certificateVerify', 'serverFinished');
  const thServerCertificateVerify = transcript('clientHello', 'serverHello', 'encryptedExtensions', 'certificate', 'certificateVerify');
  const thClientFinished = transcript(
    'clientHello',
    'serverHello',
    'encryptedExtensions',
    'certificate',
    'certificateVerify',
    'serverFinished',
    'clientFinished',
  );
  const cHs = hs.clientHandshakeTrafficSecret(thHello);
  const sHs = hs.serverHandshakeTrafficSecret(thHello);
  const cAp = ms.clientApplicationTrafficSecret(thServerFinished);
  const sAp = ms.serverApplicationTrafficSecret(thServerFinished);

  it('x25519 shared secret from the RFC key pairs (the IKM of "handshake")', () => {
    const pkcs8 = (priv: string) =>
      crypto.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), hex(priv)]), format: 'der', type: 'pkcs8' });
    const spki = (pub: string) =>
      crypto.createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), hex(pub)]), format: 'der', type: 'spki' });
    const fromClient = crypto.diffieHellman({ privateKey: pkcs8(V.clientPrivateKey), publicKey: spki(V.serverPublicKey) });
    const fromServer = crypto.diffieHellman({ privateKey: pkcs8(V.serverPrivateKey), publicKey: spki(V.clientPublicKey) });
    assert.equal(fromClient.toString('hex'), V.sharedSecret);
    assert.equal(fromServer.toString('hex'), V.sharedSecret);
  });

  it('extract secret "early" (no PSK: 32 zero octets)', () => {
    assert.equal(toHex(early.secret), V.earlySecret);
    assert.equal(toHex(new EarlySecret(hash, 'sha256', new Uint8Array(32)).secret), V.earlySecret);
  });

  it('derive secret for handshake "tls13 derived"', () => {
    assert.equal(toHex(deriveSecret(hash, 'sha256', early.secret, 'derived', emptyHash)), V.derivedForHandshake);
  });

  it('extract secret "handshake"', () => {
    assert.equal(toHex(hs.secret), V.handshakeSecret);
  });

  it('transcript hash ClientHello..ServerHello from the RFC message bytes', () => {
    assert.equal(toHex(thHello), V.hashHello);
  });

  it('derive secret "tls13 c hs traffic"', () => {
    assert.equal(toHex(cHs), V.clientHandshakeTrafficSecret);
  });

  it('derive secret "tls13 s hs traffic"', () => {
    assert.equal(toHex(sHs), V.serverHandshakeTrafficSecret);
  });

  it('derive secret for master "tls13 derived"', () => {
    assert.equal(toHex(deriveSecret(hash, 'sha256', hs.secret, 'derived', emptyHash)), V.derivedForMaster);
  });

  it('extract secret "master"', () => {
    assert.equal(toHex(ms.secret), V.masterSecret);
  });

  it('server handshake write key and iv', () => {
    const { key, iv } = trafficKeys(hash, aead, AES128, sHs);
    assert.equal(toHex(key), V.serverHandshakeKey);
    assert.equal(toHex(iv), V.serverHandshakeIv);
  });

  it('client handshake write key and iv', () => {
    const { key, iv } = trafficKeys(hash, aead, AES128, cHs);
    assert.equal(toHex(key), V.clientHandshakeKey);
    assert.equal(toHex(iv), V.clientHandshakeIv);
  });

  it('server finished_key (calculate finished "tls13 finished")', () => {
    assert.equal(toHex(hkdfExpandLabel(hash, 'sha256', sHs, 'finished', empty, 32)), V.serverFinishedKey);
  });

  it('server Finished verify_data over ClientHello..CertificateVerify = the RFC Finished message body', () => {
    const verify = finishedVerifyData(hash, 'sha256', sHs, thServerCertificateVerify);
    assert.equal('14000020' + toHex(verify), V.serverFinished);
  });

  it('transcript hash ClientHello..server Finished', () => {
    assert.equal(toHex(thServerFinished), V.hashServerFinished);
  });

  it('derive secret "tls13 c ap traffic"', () => {
    assert.equal(toHex(cAp), V.clientApplicationTrafficSecret);
  });

  it('derive secret "tls13 s ap traffic"', () => {
    assert.equal(toHex(sAp), V.serverApplicationTrafficSecret);
  });

  it('derive secret "tls13 exp master"', () => {
    assert.equal(toHex(ms.exporterMasterSecret(thServerFinished)), V.exporterMasterSecret);
  });

  it('server application write key and iv', () => {
    const { key, iv } = trafficKeys(hash, aead, AES128, sAp);
    assert.equal(toHex(key), V.serverApplicationKey);
    assert.equal(toHex(iv), V.serverApplicationIv);
  });

  it('client application write key and iv', () => {
    const { key, iv } = trafficKeys(hash, aead, AES128, cAp);
    assert.equal(toHex(key), V.clientApplicationKey);
    assert.equal(toHex(iv), V.clientApplicationIv);
  });

  it('client finished_key', () => {
    assert.equal(toHex(hkdfExpandLabel(hash, 'sha256', cHs, 'finished', empty, 32)), V.clientFinishedKey);
  });

  it('client Finished verify_data over ClientHello..server Finished = the RFC Finished message body', () => {
    const verify = finishedVerifyData(hash, 'sha256', cHs, thServerFinished);
    assert.equal('14000020' + toHex(verify), V.clientFinished);
  });

  it('transcript hash ClientHello..client Finished', () => {
    assert.equal(toHex(thClientFinished), V.hashClientFinished);
  });

  it('derive secret "tls13 res master"', () => {
    assert.equal(toHex(ms.resumptionMasterSecret(thClientFinished)), V.resumptionMasterSecret);
  });

  it('generate resumption secret "tls13 resumption" for ticket_nonce 00 00', () => {
    const psk = resumptionPsk(hash, 'sha256', hex(V.resumptionMasterSecret), hex(V.ticketNonce));
    assert.equal(toHex(psk), V.resumptionPsk);
  });
});

describe('RFC 8448 §4 Resumed 0-RTT Handshake: early secret from the PSK, binder, early traffic', () => {
  const early = new EarlySecret(hash, 'sha256', hex(V.resumptionPsk));

  it('extract secret "early" with IKM = the resumption PSK', () => {
    assert.equal(toHex(early.secret), RESUMED_0RTT.earlySecret);
  });

  it('derive secret "tls13 res binder"; the external binder key differs', () => {
    assert.equal(toHex(early.binderKey(true)), RESUMED_0RTT.binderKey);
    const ext = early.binderKey(false);
    assert.notEqual(toHex(ext), RESUMED_0RTT.binderKey);
    assert.equal(toHex(ext), toHex(refExpandLabel('sha256', early.secret, 'ext binder', hash.digest('sha256', empty), 32)));
  });

  it('PSK binder = Finished-style HMAC with the binder key over the truncated ClientHello hash', () => {
    const binderKey = early.binderKey(true);
    assert.equal(toHex(hkdfExpandLabel(hash, 'sha256', binderKey, 'finished', empty, 32)), RESUMED_0RTT.binderFinishedKey);
    assert.equal(toHex(pskBinder(hash, 'sha256', binderKey, hex(RESUMED_0RTT.truncatedClientHelloHash))), RESUMED_0RTT.binder);
  });

  it('derive secret "tls13 c e traffic"; "e exp master" is the same construction with its label', () => {
    const th = hex(RESUMED_0RTT.hashClientHello);
    assert.equal(toHex(early.clientEarlyTrafficSecret(th)), RESUMED_0RTT.clientEarlyTrafficSecret);
    assert.equal(toHex(early.earlyExporterMasterSecret(th)), toHex(refExpandLabel('sha256', early.secret, 'e exp master', th, 32)));
  });
});

describe('psk_ke and SHA-384: the whole schedule against an independent construction', () => {
  it('TLS_AES_256_GCM_SHA384, no (EC)DHE (psk_ke): 48-byte secrets, 32-byte key, 12-byte iv', () => {
    const alg = 'sha384';
    const ref = (secret: Uint8Array, label: string, th: Uint8Array) => refExpandLabel(alg, secret, label, th, 48);
    const hmac = (key: Uint8Array, data: Uint8Array) => crypto.createHmac(alg, key).update(data).digest();
    const emptyHash = crypto.createHash(alg).digest();
    const zeros = Buffer.alloc(48);
    const psk = crypto.randomBytes(48);
    const th1 = crypto.randomBytes(48);
    const th2 = crypto.randomBytes(48);

    const early = new EarlySecret(hash, alg, psk);
    const refEarly = hmac(zeros, psk);
    assert.equal(toHex(early.secret), refEarly.toString('hex'));
    const hs = early.handshakeSecret(undefined);
    const refHs = hmac(ref(refEarly, 'derived', emptyHash), zeros);
    assert.equal(toHex(hs.secret), refHs.toString('hex'));
    const ms = hs.masterSecret();
    const refMs = hmac(ref(refHs, 'derived', emptyHash), zeros);
    assert.equal(toHex(ms.secret), refMs.toString('hex'));
    assert.equal(toHex(hs.serverHandshakeTrafficSecret(th1)), ref(refHs, 's hs traffic', th1).toString('hex'));
    assert.equal(toHex(ms.serverApplicationTrafficSecret(th2)), ref(refMs, 's ap traffic', th2).toString('hex'));

    const s384 = suite(CipherSuite.TLS_AES_256_GCM_SHA384);
    const secret = ms.clientApplicationTrafficSecret(th2);
    const { key, iv } = trafficKeys(hash, aead, s384, secret);
    assert.equal(key.length, 32);
    assert.equal(iv.length, 12);
    assert.equal(toHex(key), refExpandLabel(alg, secret, 'key', empty, 32).toString('hex'));
    assert.equal(toHex(iv), refExpandLabel(alg, secret, 'iv', empty, 12).toString('hex'));
    const finishedKey = refExpandLabel(alg, secret, 'finished', empty, 48);
    assert.equal(toHex(finishedVerifyData(hash, alg, secret, th1)), hmac(finishedKey, th1).toString('hex'));
  });

  it('TLS_CHACHA20_POLY1305_SHA256: 32-byte key', () => {
    const { key, iv } = trafficKeys(hash, aead, suite(CipherSuite.TLS_CHACHA20_POLY1305_SHA256), hex(V.clientApplicationTrafficSecret));
    assert.equal(key.length, 32);
    assert.equal(iv.length, 12);
    assert.equal(toHex(key), refExpandLabel('sha256', hex(V.clientApplicationTrafficSecret), 'key', empty, 32).toString('hex'));
  });
});

describe('KeyUpdate (RFC 8446 §7.2): application_traffic_secret_N+1 = HKDF-Expand-Label(N, "traffic upd", "", Hash.length)', () => {
  it('SHA-256, over the RFC 8448 client application traffic secret, three generations', () => {
    let secret: Uint8Array = hex(V.clientApplicationTrafficSecret);
    // info = 00 20 ‖ 11 ‖ "tls13 traffic upd" ‖ 00, one HMAC block: T(1) = HMAC(secret, info ‖ 01)
    const info = Buffer.concat([hex('002011'), Buffer.from('tls13 traffic upd'), hex('00')]);
    for (let n = 0; n < 3; n++) {
      const expected = crypto.createHmac('sha256', secret).update(info).update(Buffer.of(1)).digest('hex');
      const next = nextTrafficSecret(hash, 'sha256', secret);
      assert.equal(toHex(next), expected, `generation ${n + 1}`);
      assert.notEqual(toHex(next), toHex(secret));
      secret = next;
    }
  });

  it('SHA-384', () => {
    const secret = crypto.randomBytes(48);
    const info = Buffer.concat([hex('003011'), Buffer.from('tls13 traffic upd'), hex('00')]);
    const expected = crypto.createHmac('sha384', secret).update(info).update(Buffer.of(1)).digest('hex');
    assert.equal(toHex(nextTrafficSecret(hash, 'sha384', secret)), expected);
  });
});

describe('exporter (RFC 8446 §7.5)', () => {
  /** TLS-Exporter written out: Derive-Secret(Secret, label, "") then Expand-Label(., "exporter", Hash(context), L). */
  function refExporter(alg: HashAlgorithm, secret: Uint8Array, label: string, context: Uint8Array, length: number): string {
    const n = hash.outputLength(alg);
    const derived = refExpandLabel(alg, secret, label, crypto.createHash(alg).digest(), n);
    return refExpandLabel(alg, derived, 'exporter', crypto.createHash(alg).update(context).digest(), length).toString('hex');
  }

  it('over the RFC 8448 exporter master secret: agrees with the independent construction', () => {
    const ems = hex(V.exporterMasterSecret);
    const ctx = new TextEncoder().encode('context value');
    for (const length of [1, 32, 100]) {
      assert.equal(toHex(exportKeyingMaterial13(hash, 'sha256', ems, 'EXPERIMENTAL tlsglass', ctx, length)), refExporter('sha256', ems, 'EXPERIMENTAL tlsglass', ctx, length));
    }
    assert.notEqual(
      toHex(exportKeyingMaterial13(hash, 'sha256', ems, 'EXPERIMENTAL tlsglass', ctx, 32)),
      toHex(exportKeyingMaterial13(hash, 'sha256', ems, 'EXPERIMENTAL tlsglass2', ctx, 32)),
    );
  });

  it('no context = empty context in TLS 1.3 (unlike RFC 5705)', () => {
    const ems = hex(V.exporterMasterSecret);
    const none = exportKeyingMaterial13(hash, 'sha256', ems, 'EXPERIMENTAL x', undefined, 40);
    const emptyCtx = exportKeyingMaterial13(hash, 'sha256', ems, 'EXPERIMENTAL x', new Uint8Array(0), 40);
    assert.equal(toHex(none), toHex(emptyCtx));
    assert.equal(toHex(none), refExporter('sha256', ems, 'EXPERIMENTAL x', empty, 40));
  });

  it('SHA-384, and the length bound 255 · HashLen', () => {
    const ems = crypto.randomBytes(48);
    const ctx = crypto.randomBytes(300); // the context is hashed, so any length is fine
    assert.equal(toHex(exportKeyingMaterial13(hash, 'sha384', ems, 'EXPERIMENTAL y', ctx, 64)), refExporter('sha384', ems, 'EXPERIMENTAL y', ctx, 64));
    assert.throws(() => exportKeyingMaterial13(hash, 'sha256', ems.subarray(0, 32), 'EXPERIMENTAL y', ctx, 255 * 32 + 1), RangeError);
  });

  it('matches OpenSSL: node:tls TLS 1.3 connections, EXPORTER_SECRET from the key log, for all three suites', { skip: notNodeTls }, async () => {
    const pki = testPki();
    const server = tls.createServer(
      { key: pki.serverEcdsa.keyPem, cert: pki.serverEcdsa.certPem, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' },
      (s) => {
        s.on('error', () => {});
        s.end();
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      for (const s of [
        suite(CipherSuite.TLS_AES_128_GCM_SHA256),
        suite(CipherSuite.TLS_AES_256_GCM_SHA384),
        suite(CipherSuite.TLS_CHACHA20_POLY1305_SHA256),
      ]) {
        const lines: string[] = [];
        const socket = tls.connect({
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          ca: pki.ca.certPem,
          minVersion: 'TLSv1.3',
          maxVersion: 'TLSv1.3',
          ciphers: s.name, // node:tls passes TLS_* names to SSL_CTX_set_ciphersuites
        });
        socket.on('keylog', (line: Buffer) => lines.push(line.toString('latin1').trim()));
        await new Promise<void>((resolve, reject) => {
          socket.once('secureConnect', resolve);
          socket.once('error', reject);
        });
        try {
          assert.equal(socket.getProtocol(), 'TLSv1.3');
          assert.equal(socket.getCipher().standardName, s.name);
          const exporterLine = lines.find((l) => l.startsWith('EXPORTER_SECRET '));
          assert.ok(exporterLine, `no EXPORTER_SECRET in the key log: ${lines.map((l) => l.split(' ')[0]).join(', ')}`);
          const ems = hex(exporterLine.split(' ')[2] ?? '');
          assert.equal(ems.length, hash.outputLength(s.hash));
          const label = 'EXPERIMENTAL tlsglass';
          const ctx = Buffer.from('some context');
          for (const length of [16, 48, 97]) {
            const theirs = socket.exportKeyingMaterial(length, label, ctx);
            assert.equal(toHex(exportKeyingMaterial13(hash, s.hash, ems, label, ctx, length)), theirs.toString('hex'), `${s.name} ${length}`);
          }
          // No context: OpenSSL hashes the empty context in TLS 1.3, as do we. (@types/node makes
          // the context required; node:tls does not.)
          const withoutContext = socket.exportKeyingMaterial as (length: number, label: string) => Buffer;
          assert.equal(toHex(exportKeyingMaterial13(hash, s.hash, ems, label, undefined, 32)), withoutContext.call(socket, 32, label).toString('hex'));
        } finally {
          socket.destroy();
        }
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('matches OpenSSL: values recorded from Node 20’s node:tls (the test above), for all three suites', () => {
    // [suite, EXPORTER_SECRET from the key log, exportKeyingMaterial(16 | 48 | 97, label, 'some context')]
    const recorded: [CipherSuite, string, string[]][] = [
      [CipherSuite.TLS_AES_128_GCM_SHA256, '2332acdf4251d260ce64db80f53b9a9380ab072ebad79877da626dbbeb63bb7f', [
        'd3c9a996b1d6dc48bdf7824d071e2329',
        '6856f5f0e830697aa4eb02a62a5089f398a57d4c9a02df4dc36b68d91fb1975ccc225524f3628ad5affefd0160349ea8',
        'aaea258598d7a9652f22e02a68833742066a662a2373af01a63190981c6f1438758d765a0be251c4beff4c79ff9356622f242af5795c13b5543ba428d50743c6d32955b55842891b40203b83b7904178fdb540bf5e349791e1cf25ff0b41c0cd41',
      ]],
      [CipherSuite.TLS_AES_256_GCM_SHA384, '52ab1632e91845fc6b23f75fa16fd8d8448fb33a6d9a27056daa541b45383cac7163368e9cd8dd789f6383333d3abe2d', [
        'c7e68c7b0f40e796540ca3ff114583c4',
        '9fb4d799c7b38749754d688e16d4ad1c91a6a601f50a1ed6115edaf6fc3db14e848c7a7b765879594e66ca2242bbe89a',
        '6ec1ba29d918f4dc3df9fa7118fb29925624b5adecf4494f0263f897f57b3d0338cedcf95f85a44c7736d28a185d91d6f7846f23b43bfa664d822b08c9730321d623775e1643fa5e60d1d42b94950a35cfe4cac18c6ed7e36301d1a04996efed45',
      ]],
      [CipherSuite.TLS_CHACHA20_POLY1305_SHA256, '3c4d4d3177ce7744df4c68a758b26e2b33c9176b445e5177d77f3371643ae50f', [
        'f5ed91671706aa7e4c0304b33a4d7981',
        '3890c661b4b926fe0d9ba6ef5053f474a0abac73fffdbbdd023b48c65f531df55e91c991bc09a13a146f501d00c9b5f1',
        '916b7f5d2b301b699a4a3db154d127d4ae1bec5bc09611591e6468f748633d86ba7548181306c4d7105fa7b039d440fdde2bad76297b03d4e1748013d01b1bcfb875dafcd86c5c87b9b7f21f92e54a4505614ae6423077fdb9dbcf5f7bb40ed0a9',
      ]],
    ];
    const ctx = new TextEncoder().encode('some context');
    for (const [id, ems, outputs] of recorded) {
      const s = suite(id);
      for (const out of outputs) assert.equal(toHex(exportKeyingMaterial13(hash, s.hash, hex(ems), 'EXPERIMENTAL tlsglass', ctx, out.length / 2)), out, `${s.name} ${out.length / 2}`);
    }
  });
});
