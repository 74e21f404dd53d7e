/**
 * ROBOT (Böck, Somorovsky, Young 2017, "Return Of Bleichenbacher's Oracle Threat"): does the
 * server tell a well-padded RSA premaster from a malformed one? Measured as robot-detect and
 * testssl.sh do: with an RSA key exchange suite, one fresh connection per premaster, each
 * encrypted with the public key of the server's own certificate (raw RSA, RFC 8017 §5.1.1, over
 * an encoding we build: correct PKCS#1 v1.5, or broken in one of four ways), followed by
 * ChangeCipherSpec and a Finished that cannot decrypt. A server that follows RFC 5246 §7.4.7.1
 * carries on with a random premaster whatever the padding, so every connection ends the same way
 * (OpenSSL: bad_record_mac); any difference in its answers (alert, close, silence) is an oracle.
 * Differences are confirmed by a second round, as robot-detect does: noise (a flaky network) is
 * not a finding.
 */
import { Writer } from '../codec/writer.js';
import { byteLength } from '../crypto/noble/bigint.js';
import { parseSpki } from '../crypto/noble/keys.js';
import { rsaPublic, type RsaPublic } from '../crypto/noble/rsa.js';
import { readAlert } from '../messages/alert.js';
import { readCertificateTls12 } from '../messages/certificate.js';
import { AlertDescription, AlertLevel, ContentType, HandshakeType, nameOf } from '../messages/enums.js';
import { frameHandshake } from '../messages/handshake.js';
import { parseCertificate } from '../pki/certificate.js';
import { Deframer } from '../record/deframer.js';
import { suiteInfo } from './cipher-suites.js';
import { ask } from './hello.js';
import { listen } from './listen.js';
import { versionName, VERSIONS, type ProbeContext } from './protocol.js';
import type { SuitesResult } from './result.js';

/** The premasters each round sends, in order; the first is the correct one. */
export const ROBOT_VARIANTS = ['correct padding', 'wrong first bytes (0x41 0x17)', '0x00 separator one byte early', 'no 0x00 separator', 'wrong version in the premaster (0x02 0x02)'] as const;

export interface RobotResult {
  /** true: the answers differ (an oracle); false: identical; null: could not tell. */
  readonly vulnerable: boolean | null;
  readonly evidence: string;
}

/** How long to wait for the server's reaction to the last flight (a correct server answers at once). */
const ANSWER_WAIT_MS = 2000;

/**
 * The encoded message (k bytes) for a variant: EM = 0x00 0x02 ‖ PS (nonzero) ‖ 0x00 ‖ premaster,
 * the premaster being client_version ‖ 46 random bytes (RFC 5246 §7.4.7.1, RFC 8017 §7.2.1), or
 * broken as robot-detect breaks it.
 */
export function robotEncoding(variant: number, k: number, version: number, random: (n: number) => Uint8Array): Uint8Array {
  const nonzero = (n: number): Uint8Array => random(n).map((b) => (b === 0 ? 0x55 : b));
  const em = new Uint8Array(k);
  em[1] = 0x02;
  em.set(nonzero(k - 2), 2); // padding everywhere, then the tail is written over it
  const pms = Uint8Array.of(version >> 8, version & 0xff, ...random(46));
  const tail = k - 48;
  switch (variant) {
    case 0: // correct
      em[tail - 1] = 0;
      em.set(pms, tail);
      break;
    case 1: // wrong first two bytes
      em[0] = 0x41;
      em[1] = 0x17;
      em[tail - 1] = 0;
      em.set(pms, tail);
      break;
    case 2: // the separator one byte early: a 49-byte "premaster"
      em[tail - 2] = 0;
      em[tail - 1] = 0x11;
      em.set(pms, tail);
      break;
    case 3: // no separator at all: nonzero bytes to the end
      em.set(nonzero(48), tail);
      em[tail] = version >> 8;
      em[tail + 1] = version & 0xff;
      break;
    case 4: // a well-formed encoding of a premaster with the wrong version
      em[tail - 1] = 0;
      em.set(pms, tail);
      em[tail] = 0x02;
      em[tail + 1] = 0x02;
      break;
    default:
      throw new RangeError(`no ROBOT variant ${variant}`);
  }
  return em;
}

/**
 * Judges the answers: one array per round, one answer per variant (ROBOT_VARIANTS' order). The
 * second round, when there is one, was run because the first differed.
 */
export function classifyRobot(rounds: readonly (readonly string[])[], suite: string): RobotResult {
  const [first, second] = rounds;
  if (!first || first.length === 0) return { vulnerable: null, evidence: 'no answers' };
  const failed = first.findIndex((a) => a.startsWith('no connection') || a.startsWith('refused'));
  if (failed >= 0) return { vulnerable: null, evidence: `${ROBOT_VARIANTS[failed]}: ${first[failed]} (${suite})` };
  if (first.every((a) => a === first[0])) {
    return { vulnerable: false, evidence: `all ${first.length} premasters (correct and malformed padding) got the same answer: ${first[0]} (${suite})` };
  }
  const listing = first.map((a, i) => `${ROBOT_VARIANTS[i]}: ${a}`).join('; ');
  if (!second) return { vulnerable: null, evidence: `answers differ in one round only: ${listing} (${suite})` };
  if (second.length !== first.length || second.some((a, i) => a !== first[i])) {
    return { vulnerable: null, evidence: `answers differ but not the same way twice (noise?): ${listing}; then ${second.join('; ')} (${suite})` };
  }
  return { vulnerable: true, evidence: `the server answers malformed premasters differently, the same way twice: ${listing} (${suite})` };
}

/** What the server did after our ClientKeyExchange, ChangeCipherSpec and Finished, as text. */
export function describeReaction(bytes: Uint8Array, closed: boolean): string {
  const parts: string[] = [];
  const deframer = new Deframer();
  try {
    deframer.push(bytes);
    for (let r = deframer.next(); r; r = deframer.next()) {
      if (r.type === ContentType.alert && r.fragment.length === 2) {
        const a = readAlert(r.fragment.slice());
        parts.push(`alert ${a.level === AlertLevel.fatal ? 'fatal' : 'warning'} ${nameOf(AlertDescription, a.description, 'alert')}`);
      } else parts.push(`${nameOf(ContentType, r.type, 'ContentType')} record`);
    }
  } catch {
    parts.push('bytes that are not TLS records');
  }
  if (parts.length === 0) return closed ? 'closed without an alert' : `no answer within ${ANSWER_WAIT_MS / 1000} s`;
  return `${parts.join(', ')}${closed ? ', closed' : ', connection left open'}`;
}

/** The RSA key of a certificate (DER), or undefined when it holds another kind of key. */
function rsaKeyOf(der: Uint8Array): RsaPublic | undefined {
  const material = parseSpki(parseCertificate(der).subjectPublicKeyInfo);
  return material.kind === 'rsa' && !material.pss ? material.key : undefined;
}

/**
 * The ROBOT probe; null when the server takes no RSA key exchange suite (ROBOT needs one), in
 * TLS 1.0 to 1.2 (SSL 3.0 is not probed).
 */
export async function probeRobot(ctx: ProbeContext, suites: readonly SuitesResult[]): Promise<RobotResult | null> {
  const candidates = suites.filter((s) => s.version !== 'TLSv1.3' && s.version !== 'SSLv3');
  const chosen = candidates.find((s) => s.suites.some((x) => x.keyExchange === 'RSA'));
  if (!chosen) return null;
  const version = VERSIONS.find((v) => v.name === chosen.version)!.code;
  const offer = chosen.suites.filter((x) => x.keyExchange === 'RSA').map((x) => x.code);
  let suiteName = suiteInfo(offer[0]!).name;
  const round = (): Promise<string[]> =>
    Promise.all(
      ROBOT_VARIANTS.map(async (_, variant) => {
        try {
          return await ctx.runner.run(async (channel) => {
            const answer = await ask(channel, { version, suites: offer, groups: [], serverName: ctx.serverName }, ctx.random);
            if (answer.kind !== 'hello' || answer.version !== version || !answer.flight.some((m) => m.type === HandshakeType.server_hello_done)) {
              return `refused the RSA key exchange hello (${answer.kind})`;
            }
            suiteName = `${suiteInfo(answer.hello.cipherSuite).name}, ${versionName(version)}`;
            const certificate = answer.flight.find((m) => m.type === HandshakeType.certificate);
            const leaf = certificate ? readCertificateTls12(certificate.body)[0] : undefined;
            const key = leaf ? rsaKeyOf(leaf) : undefined;
            if (!key) return 'refused: no RSA certificate in the server\'s flight';
            const k = byteLength(key.n);
            const encrypted = rsaPublic(key, robotEncoding(variant, k, version, ctx.random))!;
            channel.write(lastFlight(version, encrypted, ctx.random(64)));
            const heard = await listen(channel, ANSWER_WAIT_MS);
            return describeReaction(heard.bytes, heard.closed);
          });
        } catch (err) {
          return `no connection (${err instanceof Error ? err.message : String(err)})`;
        }
      }),
    );
  const first = await round();
  const differs = first.some((a) => a !== first[0]);
  const rounds = differs && !first.some((a) => a.startsWith('no connection') || a.startsWith('refused')) ? [first, await round()] : [first];
  return classifyRobot(rounds, suiteName);
}

/** ClientKeyExchange with `encrypted`, ChangeCipherSpec, and a "Finished" record of random bytes: three records, one write. */
function lastFlight(version: number, encrypted: Uint8Array, garbage: Uint8Array): Uint8Array {
  const cke = frameHandshake(HandshakeType.client_key_exchange, new Writer(encrypted.length + 2).vec16(encrypted).finish()).raw;
  const w = new Writer(cke.length + garbage.length + 20);
  w.u8(ContentType.handshake).u16(version).vec16(cke);
  w.u8(ContentType.change_cipher_spec).u16(version).vec16(Uint8Array.of(1));
  w.u8(ContentType.handshake).u16(version).vec16(garbage);
  return w.finish();
}
