/**
 * ROBOT's pieces that need no server: the five encoded premasters (checked by decrypting them with
 * node:crypto's raw RSA and reading them as a PKCS#1 v1.5 decoder would), how a server's reaction
 * is put in words, and the classifier over recorded answer sets.
 */
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { describe, test } from 'node:test';
import { parseSpki } from '../../src/crypto/noble/keys.js';
import { rsaPublic } from '../../src/crypto/noble/rsa.js';
import { classifyRobot, describeReaction, robotEncoding, ROBOT_VARIANTS } from '../../src/scan/robot.js';

const random = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);

/** What a strict PKCS#1 v1.5 decoder (RFC 8017 §7.2.2) makes of `em`: the message, or why not. */
function decode(em: Uint8Array): Uint8Array | string {
  if (em[0] !== 0 || em[1] !== 2) return 'bad first bytes';
  const sep = em.indexOf(0, 2);
  if (sep < 0) return 'no separator';
  if (sep < 10) return 'padding too short';
  return em.subarray(sep + 1);
}

describe('scan: ROBOT', () => {
  test('the five premasters, raw-RSA encrypted under a real key, decrypt to what each variant claims', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const material = parseSpki(new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })));
    assert.equal(material.kind, 'rsa');
    const key = (material as { key: { n: bigint; e: bigint } }).key;
    const decoded = ROBOT_VARIANTS.map((_, v) => {
      const em = robotEncoding(v, 256, 0x0303, random);
      const c = rsaPublic(key, em)!;
      const back = new Uint8Array(privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, c));
      assert.deepEqual(back, em, `variant ${v} survives the round trip`);
      return decode(back);
    });
    const [good, firstBytes, early, noSep, version] = decoded;
    assert.ok(good instanceof Uint8Array && good.length === 48 && good[0] === 3 && good[1] === 3);
    assert.equal(firstBytes, 'bad first bytes');
    assert.ok(early instanceof Uint8Array && early.length === 49, 'the separator one byte early: 49 bytes');
    assert.equal(noSep, 'no separator');
    assert.ok(version instanceof Uint8Array && version.length === 48 && version[0] === 2 && version[1] === 2);
  });

  test('a reaction in words: alerts, close, silence', () => {
    const badMac = Uint8Array.of(0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x14);
    assert.equal(describeReaction(badMac, true), 'alert fatal bad_record_mac, closed');
    assert.equal(describeReaction(badMac, false), 'alert fatal bad_record_mac, connection left open');
    assert.equal(describeReaction(Uint8Array.of(0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x50, 0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00), true), 'alert fatal internal_error, alert warning close_notify, closed');
    assert.equal(describeReaction(new Uint8Array(0), true), 'closed without an alert');
    assert.equal(describeReaction(new Uint8Array(0), false), 'no answer within 2 s');
  });

  // Recorded: OpenSSL 3.0 and tlsglass serve (RFC 5246 §7.4.7.1 implicit rejection) answer all five alike.
  const SAME = Array<string>(5).fill('alert fatal bad_record_mac, closed');
  // Recorded from the deliberately broken server of test/interop/scan-probes.test.ts: its check of the first two bytes throws (internal_error).
  const ORACLE = ['alert fatal bad_record_mac, closed', 'alert fatal internal_error, closed', ...Array<string>(3).fill('alert fatal bad_record_mac, closed')];

  test('identical answers: not vulnerable, with the answer as evidence', () => {
    const r = classifyRobot([SAME], 'TLS_RSA_WITH_AES_128_GCM_SHA256, TLSv1.2');
    assert.equal(r.vulnerable, false);
    assert.equal(r.evidence, 'all 5 premasters (correct and malformed padding) got the same answer: alert fatal bad_record_mac, closed (TLS_RSA_WITH_AES_128_GCM_SHA256, TLSv1.2)');
  });

  test('answers that differ the same way twice: vulnerable, naming each variant', () => {
    const r = classifyRobot([ORACLE, ORACLE], 'TLS_RSA_WITH_AES_128_GCM_SHA256, TLSv1.2');
    assert.equal(r.vulnerable, true);
    assert.match(r.evidence, /wrong first bytes \(0x41 0x17\): alert fatal internal_error, closed/);
    assert.match(r.evidence, /^the server answers malformed premasters differently, the same way twice: correct padding: alert fatal bad_record_mac, closed;/);
  });

  test('differences that do not repeat, or a round that could not run: undecided', () => {
    assert.equal(classifyRobot([ORACLE, SAME], 's').vulnerable, null);
    assert.equal(classifyRobot([ORACLE], 's').vulnerable, null);
    const refused = [...SAME];
    refused[2] = 'no connection (no answer within 5000 ms)';
    const r = classifyRobot([refused], 's');
    assert.equal(r.vulnerable, null);
    assert.equal(r.evidence, '0x00 separator one byte early: no connection (no answer within 5000 ms) (s)');
  });
});
