/**
 * The record layer's send path: records cut from the concatenation of several parts (full
 * records whatever the part sizes), sealed into shared output arrays of up to RECORDS_PER_CHUNK
 * records, split back into one array per record by takeOutgoing(), and arrays from a custom
 * allocator (uninitialised or recycled memory) filled completely. Also the deframer reading
 * records in place from the caller's arrays.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { tls12SuiteById, tls13SuiteById } from '../../src/crypto/suites.js';
import { CipherSuite, ContentType } from '../../src/messages/enums.js';
import { Deframer } from '../../src/record/deframer.js';
import { Tls12Protection } from '../../src/record/protection-tls12.js';
import { Tls13Protection } from '../../src/record/protection-tls13.js';
import type { RecordProtection } from '../../src/record/protection.js';
import { RECORDS_PER_CHUNK, RecordLayer } from '../../src/record/record-layer.js';

const APP = ContentType.application_data;
const MAX = 1 << 14;

type Keys = { writer: () => RecordProtection; reader: () => RecordProtection; name: string };
const key = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => 0x40 + i);
const KEYS: Keys[] = [
  (() => {
    const s = tls13SuiteById(CipherSuite.TLS_AES_128_GCM_SHA256)!;
    const iv = key(12);
    return { name: s.name, writer: () => new Tls13Protection(nodeCryptoProvider, s, key(16), iv), reader: () => new Tls13Protection(nodeCryptoProvider, s, key(16), iv) };
  })(),
  (() => {
    const s = tls12SuiteById(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)!;
    const iv = key(4);
    return { name: s.name, writer: () => new Tls12Protection(nodeCryptoProvider, s, key(16), iv), reader: () => new Tls12Protection(nodeCryptoProvider, s, key(16), iv) };
  })(),
  (() => {
    const s = tls12SuiteById(CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256)!;
    const iv = key(12);
    return { name: s.name, writer: () => new Tls12Protection(nodeCryptoProvider, s, key(32), iv), reader: () => new Tls12Protection(nodeCryptoProvider, s, key(32), iv) };
  })(),
];

/** Opens every record of `records` in order; returns the plaintexts. */
function openAll(reader: RecordProtection, records: Uint8Array[]): Uint8Array[] {
  return records.map((r) => {
    assert.equal(r.length, 5 + ((r[3]! << 8) | r[4]!), 'one whole record per array');
    return reader.open(r[0]!, r.subarray(5)).plaintext;
  });
}

const concat = (parts: readonly Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

describe('RecordLayer send', () => {
  for (const k of KEYS) {
    it(`${k.name}: parts of any size give full records, in order, with the same bytes`, () => {
      for (const sizes of [[70000], [1, 16383, 1], [5000, 5000, 5000, 5000], [16384, 16384, 16384, 16384, 16384], Array(100).fill(700), [0, 3, 0]]) {
        const parts = sizes.map((n) => new Uint8Array(crypto.randomBytes(n)));
        const total = sizes.reduce((a, b) => a + b, 0);
        const layer = new RecordLayer();
        layer.setWriteProtection(k.writer());
        layer.send(APP, parts);
        const chunks = layer.takeOutgoingChunks();
        const perChunk = chunks.map((c) => {
          const out: Uint8Array[] = [];
          for (let pos = 0; pos < c.length; ) {
            const end = pos + 5 + ((c[pos + 3]! << 8) | c[pos + 4]!);
            out.push(c.subarray(pos, end));
            pos = end;
          }
          return out;
        });
        const records = perChunk.flat();
        const plain = openAll(k.reader(), records);
        assert.deepEqual(
          plain.map((p) => p.length),
          total === 0 ? [0] : [...Array(Math.floor(total / MAX)).fill(MAX), ...(total % MAX ? [total % MAX] : [])],
          `record sizes for ${sizes.length} parts`,
        );
        assert.deepEqual(concat(plain), concat(parts));
        // One send: arrays of RECORDS_PER_CHUNK records, the last one holding the rest.
        assert.deepEqual(
          perChunk.map((r) => r.length),
          [...Array(Math.floor((records.length - 1) / RECORDS_PER_CHUNK)).fill(RECORDS_PER_CHUNK), ((records.length - 1) % RECORDS_PER_CHUNK) + 1],
        );
      }
    });

    it(`${k.name}: takeOutgoing() gives one array per record, in order`, () => {
      const layer = new RecordLayer();
      layer.setWriteProtection(k.writer());
      const data = new Uint8Array(crypto.randomBytes(5 * MAX + 100));
      layer.send(APP, data);
      layer.send(ContentType.alert, Uint8Array.of(1, 0));
      const records = layer.takeOutgoing();
      assert.equal(records.length, 7);
      const plain = openAll(k.reader(), records);
      assert.deepEqual(concat(plain.slice(0, 6)), data);
      assert.deepEqual([...plain[6]!], [1, 0]);
    });
  }

  it('an allocator of dirty memory: every byte handed out is written (no stale bytes reach the wire)', () => {
    for (const k of KEYS) {
      const clean = new RecordLayer();
      const dirty = new RecordLayer();
      clean.setWriteProtection(k.writer());
      dirty.setWriteProtection(k.writer());
      dirty.allocate = (n) => new Uint8Array(n).fill(0xee);
      const data = new Uint8Array(crypto.randomBytes(3 * MAX + 17));
      clean.send(APP, data);
      dirty.send(APP, [data.subarray(0, 5), data.subarray(5)]);
      assert.deepEqual(dirty.takeOutgoingChunks(), clean.takeOutgoingChunks(), k.name);
    }
  });

  it('plaintext records (before keys) are packed the same way', () => {
    const layer = new RecordLayer();
    layer.allocate = (n) => new Uint8Array(n).fill(0xee);
    layer.queueHandshake(Uint8Array.of(1, 0, 0, 2, 7, 7));
    layer.queueHandshake(Uint8Array.of(2, 0, 0, 1, 9));
    const [record, ...rest] = layer.takeOutgoing();
    assert.equal(rest.length, 0);
    assert.deepEqual([...record!], [22, 3, 3, 0, 11, 1, 0, 0, 2, 7, 7, 2, 0, 0, 1, 9]);
  });
});

describe('Deframer in place', () => {
  it("whole records are views of the caller's array; a cut record is copied, so the array may then be reused", () => {
    const rec = (n: number, fill: number): Uint8Array => Uint8Array.of(23, 3, 3, n >> 8, n & 0xff, ...new Array<number>(n).fill(fill));
    const stream = concat([rec(10, 1), rec(20, 2), rec(30, 3)]);
    const d = new Deframer();
    const first = stream.slice(0, 30); // the first record (15 bytes) and 15 of the second (25)
    d.push(first);
    const r1 = d.next()!;
    assert.equal(r1.fragment.buffer, first.buffer, 'parsed in place');
    assert.equal(d.next(), undefined);
    first.fill(0xff); // the caller reuses its array
    d.push(stream.slice(30));
    const r2 = d.next()!;
    assert.deepEqual([...r2.fragment], new Array(20).fill(2));
    const r3 = d.next()!;
    assert.deepEqual([...r3.fragment], new Array(30).fill(3));
    assert.equal(d.next(), undefined);
    assert.equal(d.buffered, 0);
  });

  it("a plaintext record read from a socket's Buffer is a real copy, not a view that keeps the read alive", () => {
    const layer = new RecordLayer();
    const read = Buffer.from([22, 3, 3, 0, 4, 1, 0, 0, 0]);
    layer.deframer.push(read);
    const record = layer.readRecord()!;
    assert.notEqual(record.plaintext.buffer, read.buffer);
    read.fill(0);
    assert.deepEqual([...record.plaintext], [1, 0, 0, 0]);
  });
});
