/**
 * The ClientHello look-ahead behind SNICallback and 'resumeSession' (src/node/sni.ts): it waits for the whole
 * ClientHello, however the bytes are cut into chunks and records, and gives up (leaving the verdict
 * to the core) on anything that is not one. Also node:tls's addContext() patterns.
 */
import '../../src/node/install-defaults.js'; // the Node platform's provider and trust anchors as the core's defaults
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientConnection } from '../../src/connection/connection.js';
import { peekClientHello, serverNamePattern } from '../../src/node/sni.js';

function clientHello(servername: string | undefined, requestOCSP = false): Uint8Array {
  const c = new ClientConnection({ ...(servername !== undefined && { servername }), rejectUnauthorized: false, requestOCSP });
  c.start();
  return Buffer.concat(c.takeOutgoing());
}

/** The same ClientHello re-cut into handshake records of at most `size` bytes of payload. */
function inRecords(bytes: Uint8Array, size: number): Uint8Array {
  const body = bytes.subarray(5);
  const out: Uint8Array[] = [];
  for (let at = 0; at < body.length; at += size) {
    const part = body.subarray(at, at + size);
    out.push(Uint8Array.of(22, 3, 1, part.length >> 8, part.length & 0xff), part);
  }
  return Buffer.concat(out);
}

describe('peekClientHello', () => {
  test('undefined for every proper prefix, the name once the ClientHello is complete', () => {
    const hello = clientHello('alpha.test');
    for (let n = 0; n < hello.length; n++) assert.equal(peekClientHello(hello.subarray(0, n)), undefined, `${n} bytes`);
    assert.equal(peekClientHello(hello)?.servername, 'alpha.test');
    assert.equal(peekClientHello(hello)?.statusRequest, false);
  });

  test("the session ID offered (TLS 1.3's compatibility ID here: no ticket is offered) for 'resumeSession'", () => {
    const hello = clientHello('alpha.test');
    // record header 5, handshake header 4, legacy_version 2, random 32, then session_id<0..32>
    const offered = hello.subarray(44, 44 + hello[43]!);
    assert.equal(offered.length, 32);
    assert.deepEqual(peekClientHello(hello)?.sessionId, offered);
  });

  test('a ClientHello spread over several records, cut anywhere', () => {
    const hello = inRecords(clientHello('beta.example.com'), 3);
    for (let n = 0; n < hello.length; n++) assert.equal(peekClientHello(hello.subarray(0, n)), undefined, `${n} bytes`);
    assert.equal(peekClientHello(hello)?.servername, 'beta.example.com');
  });

  test('no server_name; not a handshake record; not a ClientHello; a malformed one: no name, and no more waiting', () => {
    const noName = peekClientHello(clientHello(undefined));
    assert.ok(noName !== undefined && noName.servername === undefined && !noName.statusRequest);
    assert.deepEqual(peekClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n')), { servername: undefined, statusRequest: false });
    assert.deepEqual(peekClientHello(Uint8Array.of(22, 3, 3, 0, 4, 2, 0, 0, 0)), { servername: undefined, statusRequest: false });
    assert.deepEqual(peekClientHello(Uint8Array.of(22, 3, 3, 0, 5, 1, 0, 0, 1, 0xff)), { servername: undefined, statusRequest: false });
  });

  test('status_request: the client asks for a stapled OCSP response (the server\'s OCSPRequest event)', () => {
    const named = peekClientHello(clientHello('gamma.test', true));
    assert.equal(named?.servername, 'gamma.test');
    assert.equal(named?.statusRequest, true);
    const unnamed = peekClientHello(clientHello(undefined, true));
    assert.equal(unnamed?.servername, undefined);
    assert.equal(unnamed?.statusRequest, true);
  });

  test('gives up past its limit rather than buffering without end', () => {
    const header = Uint8Array.of(22, 3, 3, 0xff, 0xff, 1, 0xff, 0xff, 0xff);
    assert.equal(peekClientHello(header), undefined);
    assert.deepEqual(peekClientHello(Buffer.concat([header, Buffer.alloc(1 << 17)])), { servername: undefined, statusRequest: false });
  });
});

describe('serverNamePattern (node:tls addContext)', () => {
  test('* is any run of characters within one label; dots and other metacharacters are literal; case-sensitive', () => {
    const p = serverNamePattern('*.example.com');
    assert.ok(p.test('www.example.com'));
    assert.ok(p.test('.example.com'));
    assert.ok(!p.test('a.b.example.com'));
    assert.ok(!p.test('example.com'));
    assert.ok(!p.test('wwwxexample.com'));
    assert.ok(!p.test('WWW.EXAMPLE.COM'));
    assert.ok(serverNamePattern('w*.test').test('www.test'));
    assert.ok(!serverNamePattern('a+b.test').test('aab.test'));
  });
});
