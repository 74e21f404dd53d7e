/**
 * Paired timing test for the RSA premaster unpadding (issue #6 item 5, security.md KX-1): the
 * real `selectPremaster` must not take a different time for a well-formed PKCS#1 v1.5 block than
 * for a malformed one (that difference is the Bleichenbacher/ROBOT/Marvin oracle), and the test
 * must be able to see such a difference when there is one: a deliberately leaky unpadding,
 * written the naive way, has to be flagged by the same procedure.
 *
 * Method: dudect (O. Reparaz, J. Balasch, I. Verbauwhede, "Dude, is my code constant time?",
 * DATE 2017). Inputs fall into classes; each measurement times one class, chosen at random
 * beforehand so that drift, frequency scaling and noise from other processes land on every class
 * alike; measurements above a common percentile are cropped (dudect's answer to interrupts and
 * GC pauses, which only ever add time); Welch's t-test then compares each malformed class with
 * the well-formed one. |t| above 4.5 is dudect's line for "a leak".
 *
 * Adaptations for JavaScript on a shared machine:
 *  - one measurement times a batch of BATCH calls with process.hrtime.bigint(), since a single
 *    call (~0.1–1 µs) is close to the timer's own resolution and overhead;
 *  - only the class may differ, not where the data lives: before each measurement BATCH random
 *    well-formed blocks (random padding, random premaster) from one pool shared by all classes
 *    are copied into the same BATCH work buffers, and the class's defect is written into them.
 *    Earlier versions that kept a pool of inputs per class were biased by memory placement alone:
 *    timing straight from the pools, two pools of well-formed blocks (an A/A test) differed by
 *    ~0.5% (|t| up to 4.4) and the real unpadding reached |t| ≈ 16; copying from per-class pools
 *    into shared buffers still gave one process in 20 a persistent bias (A/A median |t| 4.37).
 *    The A/A control class below keeps checking that the harness itself is neutral;
 *  - both functions are warmed up on all classes (so TurboFan has optimised every path) before
 *    anything is recorded;
 *  - the measurements are taken in ROUNDS independent rounds and the verdict uses the median
 *    |t| over the rounds, so one burst of noise from a neighbour cannot decide it alone.
 *
 * Slow tier: runs with TLSGLASS_SLOW=1 (`npm run test:slow`) and in CI (CI=true).
 */
import assert from 'node:assert/strict';
import { randomBytes, randomFillSync, randomInt } from 'node:crypto';
import { test } from 'node:test';
import { selectPremaster } from '../../src/crypto/node/rsa-key-transport.js';

// CI runs the slow tier too (CI must never skip); a developer's `npm test` skips it, saying how to run it.
const SLOW = process.env['TLSGLASS_SLOW'] === '1' || process.env['CI'] === 'true';

const K = 256; // RSA-2048: the padding scan of a leaky unpadding is ~200 bytes long
const PREMASTER_LENGTH = 48;
const SEP = K - PREMASTER_LENGTH - 1; // index of the 00 separator
const CLIENT_VERSION = 0x0303;

const BATCH = 64; // calls per measurement
const POOL = 256; // distinct random well-formed blocks per round, shared by all classes
const WARMUP_MEASUREMENTS = 4_000;
const ROUNDS = 5;
const MEASUREMENTS_PER_ROUND = 8_000; // over all classes together
const CROP_PERCENTILE = 0.9; // drop measurements above the pooled 90th percentile (dudect-style crop)

/** dudect's threshold: above this |t| the timing depends on the class. */
const LEAK_T = 4.5;
/** The leaky unpadding has to be caught by a wide margin, not just over the line. */
const CAUGHT_T = 10;

type Unpad = (em: Uint8Array, k: number, clientVersion: number, fallback: Uint8Array, good: number) => Uint8Array;

/**
 * The naive unpadding that selectPremaster replaces: it gives up at the first bad byte, so its
 * time tells an attacker how far the block got (here: ~1 comparison for a bad EM[0], a ~200-byte
 * scan for a well-formed block). Same signature and result as selectPremaster.
 */
const leakyUnpad: Unpad = (em, k, clientVersion, fallback, good) => {
  if (good !== 1) return fallback.slice();
  if (em[0] !== 0x00 || em[1] !== 0x02) return fallback.slice();
  let i = 2;
  while (i < k && em[i] !== 0x00) i++; // scan the padding up to the separator
  if (i < 10 || i !== k - PREMASTER_LENGTH - 1) return fallback.slice();
  if (em[i + 1] !== ((clientVersion >>> 8) & 0xff) || em[i + 2] !== (clientVersion & 0xff)) return fallback.slice();
  return em.slice(i + 1);
};

/** A well-formed block: 00 02 | ≥ 8 non-zero padding bytes | 00 | client_version | 46 random bytes. */
function wellFormed(): Uint8Array {
  const em = new Uint8Array(randomBytes(K));
  em[0] = 0x00;
  em[1] = 0x02;
  for (let i = 2; i < SEP; i++) if (em[i] === 0) em[i] = randomInt(1, 256);
  em[SEP] = 0x00;
  em[SEP + 1] = CLIENT_VERSION >>> 8;
  em[SEP + 2] = CLIENT_VERSION & 0xff;
  return em;
}

/**
 * Input classes. Every input starts as a random well-formed block from one pool shared by all
 * classes; the class then writes its defect into it (r: a random 16-bit number). The first two
 * classes write a byte that is already there, so every class does the same kind of work before
 * the clock starts, and those two are the same class under two names: an A/A control.
 */
const CLASSES: ReadonlyArray<{ name: string; defect: (em: Uint8Array, r: number) => void }> = [
  { name: 'well-formed', defect: (em) => (em[0] = 0x00) },
  { name: 'well-formed again (A/A control)', defect: (em) => (em[0] = 0x00) },
  // What most random ciphertexts decrypt to; the naive check exits at once.
  { name: 'bad EM[0]', defect: (em, r) => (em[0] = 1 + (r % 255)) },
  // Padding shorter than 8 bytes; the naive scan stops early.
  { name: 'zero in the first 8 padding bytes', defect: (em, r) => (em[2 + (r & 7)] = 0x00) },
  // The last check; even the naive code scans the whole block first.
  {
    name: 'wrong version',
    defect: (em, r) => {
      const v = r === CLIENT_VERSION ? r + 1 : r;
      em[SEP + 1] = v >>> 8;
      em[SEP + 2] = v & 0xff;
    },
  },
];

/** Asserts that the classes are what they claim, with the real unpadding as the judge. */
function checkClasses(fallback: Uint8Array): void {
  for (const [c, cls] of CLASSES.entries()) {
    for (let n = 0; n < 64; n++) {
      const em = wellFormed();
      cls.defect(em, randomInt(0, 0x10000));
      const out = selectPremaster(em, K, CLIENT_VERSION, fallback, 1);
      const accepted = Buffer.from(out).equals(Buffer.from(em.subarray(SEP + 1)));
      assert.equal(accepted, c <= 1, `class ${cls.name}`);
      assert.deepEqual(leakyUnpad(em, K, CLIENT_VERSION, fallback, 1), out, 'the leaky unpadding computes the same result');
    }
  }
}

interface Moments {
  n: number;
  mean: number;
  m2: number;
}

/** Welch's t between two samples (dudect's statistic). */
function welch(a: Moments, b: Moments): number {
  const va = a.m2 / (a.n - 1);
  const vb = b.m2 / (b.n - 1);
  return (a.mean - b.mean) / Math.sqrt(va / a.n + vb / b.n);
}

function moments(times: Float64Array, classes: Uint8Array, c: number, limit: number): Moments {
  // Welford's online mean/variance, for the measurements of class c not above `limit`.
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < times.length; i++) {
    if (classes[i] !== c) continue;
    const x = times[i] as number;
    if (x > limit) continue;
    n++;
    const d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  return { n, mean, m2 };
}

function percentile(values: Float64Array, p: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

let sink = 0; // results feed this, so that no call can be optimised away

/** The inputs of one measurement, whatever its class, are prepared here before the clock starts. */
const workMemory = new Uint8Array(BATCH * K);
const work = Array.from({ length: BATCH }, (_, j) => workMemory.subarray(j * K, (j + 1) * K));

/**
 * One round: `count` measurements, each a batch of BATCH calls on inputs of one randomly chosen
 * class (BATCH consecutive blocks from a random place in a fresh shared pool, copied into `work`,
 * each given the class's defect). Returns the time of every measurement in ns and its class.
 */
function measure(unpad: Unpad, fallback: Uint8Array, count: number): { times: Float64Array; classes: Uint8Array } {
  // Everything random is drawn before the clock starts.
  const pool = Array.from({ length: POOL }, wellFormed);
  const classes = new Uint8Array(count);
  const starts = new Uint16Array(count);
  const draws = randomFillSync(new Uint16Array(count * (2 + BATCH))); // class, start, one r per input
  for (let i = 0; i < count; i++) {
    classes[i] = (draws[i] as number) % CLASSES.length;
    starts[i] = (draws[count + i] as number) % POOL;
  }
  const times = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const defect = CLASSES[classes[i] as number]!.defect;
    const start = starts[i] as number;
    const r = 2 * count + i * BATCH;
    for (let j = 0; j < BATCH; j++) {
      const em = work[j]!;
      em.set(pool[(start + j) % POOL]!);
      defect(em, draws[r + j] as number);
    }
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < BATCH; j++) {
      sink = (sink + (unpad(work[j]!, K, CLIENT_VERSION, fallback, 1)[0] as number)) | 0;
    }
    times[i] = Number(process.hrtime.bigint() - t0);
  }
  return { times, classes };
}

interface Verdict {
  /** Per malformed class: the median |t| against the well-formed class over the rounds, and every round's t. */
  perClass: Array<{ name: string; medianAbsT: number; ts: number[]; nGood: number; nBad: number }>;
  /** Median time of one call per class (ns), over all rounds, uncropped. */
  nsPerCall: number[];
  ms: number;
}

function run(unpad: Unpad): Verdict {
  const started = performance.now();
  const fallback = new Uint8Array(randomBytes(PREMASTER_LENGTH));
  checkClasses(fallback);

  // Warm-up on every class, thrown away.
  measure(unpad, fallback, WARMUP_MEASUREMENTS);

  const ts: number[][] = CLASSES.map(() => []);
  const counts = CLASSES.map(() => ({ nGood: 0, nBad: 0 }));
  const all: Array<{ times: Float64Array; classes: Uint8Array }> = [];
  for (let r = 0; r < ROUNDS; r++) {
    const round = measure(unpad, fallback, MEASUREMENTS_PER_ROUND);
    all.push(round);
    // Crop with one threshold for all classes, taken from the pooled measurements of this round.
    const limit = percentile(round.times, CROP_PERCENTILE);
    const good = moments(round.times, round.classes, 0, limit);
    for (let c = 1; c < CLASSES.length; c++) {
      const bad = moments(round.times, round.classes, c, limit);
      ts[c]!.push(welch(good, bad));
      counts[c]!.nGood += good.n;
      counts[c]!.nBad += bad.n;
    }
  }

  const nsPerCall = CLASSES.map((_, c) => {
    const mine = all.flatMap(({ times, classes }) => Array.from(times).filter((_, i) => classes[i] === c));
    return median(mine) / BATCH;
  });
  const perClass = CLASSES.slice(1).map((cls, i) => ({
    name: cls.name,
    medianAbsT: median(ts[i + 1]!.map(Math.abs)),
    ts: ts[i + 1]!,
    ...counts[i + 1]!,
  }));
  return { perClass, nsPerCall, ms: performance.now() - started };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function report(t: { diagnostic: (message: string) => void }, label: string, v: Verdict): void {
  t.diagnostic(
    `${label}: ${ROUNDS} rounds × ${MEASUREMENTS_PER_ROUND} measurements × ${BATCH} calls, crop above p${CROP_PERCENTILE * 100}, ${v.ms.toFixed(0)} ms; ` +
      `ns/call ${CLASSES.map((c, i) => `${c.name}=${v.nsPerCall[i]!.toFixed(1)}`).join(', ')}`,
  );
  for (const c of v.perClass) {
    t.diagnostic(
      `${label}: well-formed vs ${c.name}: median |t| = ${c.medianAbsT.toFixed(2)} (rounds: ${c.ts.map((x) => x.toFixed(2)).join(', ')}; ` +
        `measurements after crop, all rounds: ${c.nGood} vs ${c.nBad})`,
    );
  }
}

const SKIP = !SLOW && 'slow tier: set TLSGLASS_SLOW=1 (npm run test:slow)';

test('timing: a leaky (early-exit) PKCS#1 unpadding is caught', { skip: SKIP, timeout: 120_000 }, (t) => {
  const v = run(leakyUnpad);
  report(t, 'leaky', v);
  const [control, badFirst, shortPadding] = v.perClass;
  // The harness itself must not tell the A/A control from the well-formed class, even here...
  assert.ok(control!.medianAbsT < LEAK_T, `harness bias: ${control!.name}: median |t| = ${control!.medianAbsT.toFixed(2)}`);
  // ...while the naive code, which exits at once for a bad EM[0] and after ≤ 10 bytes for a short
  // padding, must stand out by far. (A wrong version costs it the whole scan too; only reported.)
  for (const c of [badFirst!, shortPadding!]) {
    assert.ok(c.medianAbsT > CAUGHT_T, `leaky unpadding not caught for ${c.name}: median |t| = ${c.medianAbsT.toFixed(2)}`);
  }
});

test('timing: selectPremaster takes the same time for well-formed and malformed blocks', { skip: SKIP, timeout: 120_000 }, (t) => {
  const v = run(selectPremaster);
  report(t, 'real', v);
  for (const c of v.perClass) {
    assert.ok(c.medianAbsT < LEAK_T, `selectPremaster timing depends on the block (${c.name}): median |t| = ${c.medianAbsT.toFixed(2)}`);
  }
  t.diagnostic(`checksum of all results (keeps every call live): ${sink}`);
});
