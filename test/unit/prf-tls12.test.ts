/**
 * The TLS 1.2 key schedule against published vectors:
 *  - P_SHA256 / P_SHA384 / P_SHA512 "test label" vectors posted to the IETF TLS list
 *    (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html), as reproduced in BearSSL
 *    test/test_crypto.c (test_TLS_PRF), GnuTLS tests/tls12-prf.c and IBM JCE+ BaseTestTLSKeyGenerators.java;
 *  - master secret, extended master secret, key expansion and Finished values from tlslite-ng
 *    unit_tests/test_tlslite_mathtls.py (Python byte literals converted to hex);
 *  - the RFC 5705 exporter against OpenSSL itself, through node:tls over loopback.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { describe, it } from 'node:test';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { tls12SuiteById } from '../../src/crypto/suites.js';
import {
  exportKeyingMaterial,
  extendedMasterSecret,
  keyBlock,
  masterSecret,
  prf,
  verifyData,
} from '../../src/keys/key-schedule-tls12.js';
import { CipherSuite } from '../../src/messages/enums.js';
import { notNodeTls } from '../helpers/runtime.js';

const hash = nodeCryptoProvider.hash;
const aead = nodeCryptoProvider.aead;
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const zeros = (n: number): Uint8Array => new Uint8Array(n);
const suite = (id: number) => {
  const s = tls12SuiteById(id);
  assert.ok(s);
  return s;
};

describe('PRF (RFC 5246 §5), IETF TLS list vectors', () => {
  const vectors = [
    {
      alg: 'sha256' as const,
      secret: '9bbe436ba940f017b17652849a71db35',
      seed: 'a0ba9f936cda311827a6f796ffd5198c',
      out:
        'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17' +
        'abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
    },
    {
      alg: 'sha384' as const,
      secret: 'b80b733d6ceefcdc71566ea48e5567df',
      seed: 'cd665cf6a8447dd6ff8b27555edb7465',
      out:
        '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700' +
        '884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a2' +
        '6066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f',
    },
    {
      alg: 'sha512' as const,
      secret: 'b0323523c1853599584d88568bbb05eb',
      seed: 'd4640e12e4bcdbfb437f03e6ae418ee5',
      out:
        '1261f588c798c5c201ff036e7a9cb5edcd7fe3f94c669a122a4638d7d508b283042df6789875c7147e906d868bc75c45e20eb40c1cf4a171' +
        '3b27371f68432592f7dc8ea8ef223e12ea8507841311bf68653d0cfc4056d811f025c45ddfa6e6fec702f054b409d6f28dd0a3233e498da4' +
        '1a3e75c5630eedbe22fe254e33a1b0e9f6b9826675bec7d01a845658dc9c397545401d40b9f46c7a400ee1b8f81ca0a60d1a397a1028bff5' +
        'd2ef5066126842fb8da4197632bdb54ff6633f86bbc836e640d4d898',
    },
  ];

  for (const v of vectors) {
    it(`P_${v.alg.toUpperCase()}: ${v.out.length / 2} bytes`, () => {
      const out = prf(hash, v.alg, hex(v.secret), 'test label', hex(v.seed), v.out.length / 2);
      assert.equal(toHex(out), v.out);
    });

    it(`P_${v.alg.toUpperCase()}: every shorter length is a prefix (block boundaries)`, () => {
      const hashLength = hash.outputLength(v.alg);
      for (const n of [0, 1, 12, hashLength - 1, hashLength, hashLength + 1, 2 * hashLength]) {
        assert.equal(toHex(prf(hash, v.alg, hex(v.secret), 'test label', hex(v.seed), n)), v.out.slice(0, 2 * n), `length ${n}`);
      }
    });
  }

  it('tlslite-ng PRF_1_2 vectors ("key expansion")', () => {
    assert.equal(toHex(prf(hash, 'sha256', zeros(1), 'key expansion', zeros(1), 10)), 'aa32ca0d8b854ead3fab');
    assert.equal(toHex(prf(hash, 'sha256', zeros(48), 'key expansion', zeros(64), 16)), '53b5dbc854207d752942787542e4ebeb');
  });

  it('refuses non-ASCII labels and bad lengths', () => {
    assert.throws(() => prf(hash, 'sha256', zeros(1), 'clé', zeros(1), 1));
    assert.throws(() => prf(hash, 'sha256', zeros(1), 'x', zeros(1), -1));
    assert.throws(() => prf(hash, 'sha256', zeros(1), 'x', zeros(1), 1.5));
  });
});

describe('master secrets', () => {
  it('master secret (RFC 5246 §8.1): tlslite-ng, all-zero inputs', () => {
    const ms = masterSecret(hash, 'sha256', zeros(48), zeros(32), zeros(32));
    assert.equal(
      toHex(ms),
      '49cfaee55b8692d3bb6dd6ee6b536f2f17afbc8418094763bcb5bed6b005adf888d060e48c5eb2266c73cb1a3d2d4b68',
    );
  });

  it('master secret seeds client_random ‖ server_random, in that order', () => {
    const cr = crypto.randomBytes(32);
    const sr = crypto.randomBytes(32);
    const pms = crypto.randomBytes(48);
    const expected = prf(hash, 'sha384', pms, 'master secret', Buffer.concat([cr, sr]), 48);
    assert.equal(toHex(masterSecret(hash, 'sha384', pms, cr, sr)), toHex(expected));
    assert.notEqual(toHex(masterSecret(hash, 'sha384', pms, sr, cr)), toHex(expected));
  });

  it('extended master secret (RFC 7627 §4): tlslite-ng, session hash over 48 zero bytes', () => {
    const sha256 = hash.digest('sha256', zeros(48));
    const sha384 = hash.digest('sha384', zeros(48));
    assert.equal(
      toHex(extendedMasterSecret(hash, 'sha256', zeros(48), sha256)),
      '03c9335978cb6a53456d7a2a0bc3c03447f3e37bee138bacd7b7e6ba5986d5f26f3f8fc6f2191d06e04eb5ca4a58e81d',
    );
    assert.equal(
      toHex(extendedMasterSecret(hash, 'sha384', zeros(48), sha384)),
      'd6ed7d4bfb6fb2dba4eea10f8f072a84772fbf5fbdc1555e93cfe8ca82b75f42a34fd9568612fd082492274caec04001',
    );
  });
});

describe('key block (RFC 5246 §6.3)', () => {
  it('tlslite-ng "key expansion" vector: the first 16 bytes are client_write_key', () => {
    const kb = keyBlock(hash, aead, suite(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), zeros(48), zeros(32), zeros(32));
    assert.equal(toHex(kb.clientWriteKey), '53b5dbc854207d752942787542e4ebeb');
  });

  const layouts: Array<[number, number, number]> = [
    [CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 16, 4],
    [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 32, 4],
    [CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 32, 12],
  ];
  for (const [id, keyLength, ivLength] of layouts) {
    it(`suite 0x${id.toString(16)}: seed server_random ‖ client_random; keys then IVs, client first`, () => {
      const s = suite(id);
      const master = crypto.randomBytes(48);
      const cr = crypto.randomBytes(32);
      const sr = crypto.randomBytes(32);
      const block = prf(hash, s.hash, master, 'key expansion', Buffer.concat([sr, cr]), 2 * (keyLength + ivLength));
      const kb = keyBlock(hash, aead, s, master, cr, sr);
      const k = 2 * keyLength;
      assert.equal(toHex(kb.clientWriteKey), toHex(block.subarray(0, keyLength)));
      assert.equal(toHex(kb.serverWriteKey), toHex(block.subarray(keyLength, k)));
      assert.equal(toHex(kb.clientWriteIv), toHex(block.subarray(k, k + ivLength)));
      assert.equal(toHex(kb.serverWriteIv), toHex(block.subarray(k + ivLength, k + 2 * ivLength)));
    });
  }
});

describe('Finished verify_data (RFC 5246 §7.4.9): tlslite-ng, handshake hash over 10 zero bytes', () => {
  it('SHA-256 PRF', () => {
    const h = hash.digest('sha256', zeros(10));
    assert.equal(toHex(verifyData(hash, 'sha256', zeros(48), 'client finished', h)), '8e8c7e036c5524539f7a5ccc');
    assert.equal(toHex(verifyData(hash, 'sha256', zeros(48), 'server finished', h)), 'a8f1df38737ced555c5a3d55');
  });

  it('SHA-384 PRF', () => {
    const h = hash.digest('sha384', zeros(10));
    assert.equal(toHex(verifyData(hash, 'sha384', zeros(48), 'client finished', h)), '5542ee7186a5884c20048933');
    assert.equal(toHex(verifyData(hash, 'sha384', zeros(48), 'server finished', h)), '02537413a8e6b6a21c34ffc5');
  });
});

describe('exporter (RFC 5705 §4)', () => {
  const master = hex('11'.repeat(48));
  const cr = hex('22'.repeat(32));
  const sr = hex('33'.repeat(32));

  it('refuses the labels TLS uses itself', () => {
    for (const label of ['client finished', 'server finished', 'master secret', 'key expansion', 'extended master secret']) {
      assert.throws(() => exportKeyingMaterial(hash, 'sha256', master, cr, sr, label, undefined, 32), /reserved/, label);
    }
  });

  it('seed = client_random ‖ server_random [‖ uint16 length ‖ context]; no context ≠ empty context', () => {
    const none = exportKeyingMaterial(hash, 'sha256', master, cr, sr, 'EXPERIMENTAL x', undefined, 40);
    const empty = exportKeyingMaterial(hash, 'sha256', master, cr, sr, 'EXPERIMENTAL x', new Uint8Array(0), 40);
    const ctx = exportKeyingMaterial(hash, 'sha256', master, cr, sr, 'EXPERIMENTAL x', Uint8Array.of(0xab, 0xcd), 40);
    assert.equal(toHex(none), toHex(prf(hash, 'sha256', master, 'EXPERIMENTAL x', Buffer.concat([cr, sr]), 40)));
    assert.equal(toHex(empty), toHex(prf(hash, 'sha256', master, 'EXPERIMENTAL x', Buffer.concat([cr, sr, hex('0000')]), 40)));
    assert.equal(toHex(ctx), toHex(prf(hash, 'sha256', master, 'EXPERIMENTAL x', Buffer.concat([cr, sr, hex('0002abcd')]), 40)));
    assert.notEqual(toHex(none), toHex(empty));
    assert.throws(() => exportKeyingMaterial(hash, 'sha256', master, cr, sr, 'EXPERIMENTAL x', new Uint8Array(65536), 8));
  });

  it('matches OpenSSL: node:tls TLS 1.2 PSK connection, master secret from the key log, randoms from the wire', { skip: notNodeTls }, async () => {
    const psk = Buffer.alloc(32, 0x42);
    const common = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: 'PSK-AES256-GCM-SHA384' } as const;
    const server = tls.createServer({ ...common, pskCallback: () => psk, pskIdentityHint: 'hint' }, (s) => s.on('error', () => {}));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const serverPort = (server.address() as net.AddressInfo).port;

    // A byte-capturing TCP relay: the first server record holds ServerHello (random at offset 11).
    let fromServer = Buffer.alloc(0);
    const relay = net.createServer((client) => {
      const upstream = net.connect(serverPort, '127.0.0.1');
      upstream.on('data', (d: Buffer) => {
        fromServer = Buffer.concat([fromServer, d]);
        client.write(d);
      });
      client.on('data', (d: Buffer) => upstream.write(d));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('error', () => {});
      upstream.on('error', () => {});
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));

    let socket: tls.TLSSocket | undefined;
    try {
      let keylog = '';
      socket = tls.connect({
        ...common,
        host: '127.0.0.1',
        port: (relay.address() as net.AddressInfo).port,
        pskCallback: () => ({ psk, identity: 'client' }),
        checkServerIdentity: () => undefined,
      });
      const connected = socket;
      connected.on('keylog', (line: Buffer) => (keylog += line.toString()));
      await new Promise<void>((resolve, reject) => {
        connected.once('secureConnect', resolve);
        connected.once('error', reject);
      });

      const m = /CLIENT_RANDOM ([0-9a-f]{64}) ([0-9a-f]{96})/i.exec(keylog);
      assert.ok(m, `key log line: ${keylog}`);
      assert.equal(fromServer[0], 22, 'handshake record');
      assert.equal(fromServer[5], 2, 'ServerHello');
      const clientRandom = hex(m[1] as string);
      const ms = hex(m[2] as string);
      const serverRandom = new Uint8Array(fromServer.subarray(11, 43));

      for (const context of [undefined, new Uint8Array(0), new Uint8Array(Buffer.from('some context'))]) {
        // @types/node marks `context` required; Node documents it as optional (no context ≠ empty).
        const exportFn = socket.exportKeyingMaterial as (length: number, label: string, context?: Buffer) => Buffer;
        const expected: Buffer = exportFn.call(connected, 42, 'EXPORTER-tlsglass-test', context && Buffer.from(context));
        const ours = exportKeyingMaterial(hash, 'sha384', ms, clientRandom, serverRandom, 'EXPORTER-tlsglass-test', context, 42);
        assert.equal(toHex(ours), expected.toString('hex'), `context ${context ? context.length : 'none'}`);
      }
    } finally {
      socket?.destroy(); // even when an assertion failed, or the servers never close
      relay.close();
      server.close();
    }
  });

  it('matches OpenSSL: values recorded from Node 20’s node:tls (the test above), without, with an empty and with a context', () => {
    // Master secret and client random from the key log, server random from the wire, and
    // exportKeyingMaterial(42, 'EXPORTER-tlsglass-test', context) as node:tls gave them.
    const ms = hex('562649ff3dc0412e2376a9a795e0c354c7d1db0e56b079ff0896004061da623d4d77e9dc65535ff0a7005c13d5f47467');
    const clientRandom = hex('4d5b05fe4ffd891cb19fcab051d97b0998b492ab053cdde386b2cec5d0da9785');
    const serverRandom = hex('3819fa13bb1482aa302f5f7d789bb1d013e9ab4d996b51e33651314b6d09ff06');
    const recorded: [Uint8Array | undefined, string][] = [
      [undefined, '494ff797c7136b3c08070a879af43b82e01c2ba6e0ee4f93c4f767204c45e141c0960b921689f3d69b2f'],
      [new Uint8Array(0), 'b1fc6450c72d454e6de35ffed14431f095326290dc31519980545004a7233e945b1328ac850b94e36bd5'],
      [new TextEncoder().encode('some context'), 'f210ea7d009da28ffc739f729df81ee5572597c25d52510c09e40960f65c67f5bdeb0110a8f1cd145514'],
    ];
    for (const [context, expected] of recorded) {
      assert.equal(toHex(exportKeyingMaterial(hash, 'sha384', ms, clientRandom, serverRandom, 'EXPORTER-tlsglass-test', context, 42)), expected, `context ${context ? context.length : 'none'}`);
    }
  });
});
