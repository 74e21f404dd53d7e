/** host-match.ts: RFC 9525 DNS/IP reference-identity matching, IP text parsing, Node's SAN text. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GeneralName } from '../../src/pki/certificate.js';
import {
  formatIpAddress,
  hostMismatchReason,
  matchesDnsName,
  matchesHost,
  parseIpAddress,
  parseSubjectAltNameText,
  toALabels,
} from '../../src/pki/host-match.js';

const dns = (value: string): GeneralName => ({ type: 'dns', value });
const ip = (text: string): GeneralName => ({ type: 'ip', value: parseIpAddress(text)! });

describe('matchesDnsName', () => {
  const cases: Array<[string, string, boolean]> = [
    ['example.com', 'example.com', true],
    ['EXAMPLE.com', 'example.COM', true],
    ['example.com.', 'example.com', true],
    ['example.com', 'example.com.', true],
    ['example.com..', 'example.com', false],
    ['www.example.com', 'example.com', false],
    ['example.com', 'www.example.com', false],
    ['a.example.com', '*.example.com', true],
    ['A.Example.Com', '*.EXAMPLE.com', true],
    ['example.com', '*.example.com', false], // the wildcard stands for exactly one label
    ['a.b.example.com', '*.example.com', false],
    ['.example.com', '*.example.com', false],
    ['foo.example.com', 'f*.example.com', false], // no partial-label wildcards
    ['foo.example.com', '*o.example.com', false],
    ['a.b.example.com', 'a.*.example.com', false], // only the left-most label
    ['a.com', '*.com', false], // never directly under a TLD
    ['localhost', '*', false],
    ['*.example.com', '*.example.com', false], // a reference identity never contains "*"
    ['xn--bcher-kva.example', 'xn--bcher-kva.example', true],
    ['bücher.example', 'bücher.example', false], // A-labels only
    ['a..example.com', '*..example.com', false],
    ['', '', false],
  ];
  for (const [host, pattern, expected] of cases) {
    test(`${JSON.stringify(host)} vs ${JSON.stringify(pattern)} → ${expected}`, () => {
      assert.equal(matchesDnsName(host, pattern), expected);
    });
  }
});

describe('matchesHost', () => {
  const names = [dns('localhost'), dns('*.wild.test'), dns('10.0.0.1'), ip('127.0.0.1'), ip('2001:db8::1')];

  test('DNS hosts match DNS entries', () => {
    assert.equal(matchesHost('localhost', names), true);
    assert.equal(matchesHost('x.wild.test', names), true);
    assert.equal(matchesHost('wild.test', names), false);
  });

  test('IP hosts match iPAddress entries only, octet for octet', () => {
    assert.equal(matchesHost('127.0.0.1', names), true);
    assert.equal(matchesHost('2001:DB8:0:0:0:0:0:1', names), true);
    assert.equal(matchesHost('[2001:db8::1]', names), true);
    assert.equal(matchesHost('10.0.0.1', names), false); // only a dNSName spells it
    assert.equal(matchesHost('::ffff:127.0.0.1', names), false); // IPv4-mapped is a different address
  });

  test('non-canonical IPv4 spellings are DNS names, and match nothing here', () => {
    for (const h of ['127.1', '0x7f.0.0.1', '127.000.000.001', '2130706433']) {
      assert.equal(parseIpAddress(h), undefined, h);
      assert.equal(matchesHost(h, names), false, h);
    }
  });
});

describe('IDNA: U-label hosts are matched as A-labels (RFC 9525 §6.3)', () => {
  const names = [dns('xn--bcher-kva.example'), dns('*.xn--wgv71a.jp')];

  test('toALabels converts non-ASCII hosts and leaves ASCII ones alone', () => {
    assert.equal(toALabels('bücher.example'), 'xn--bcher-kva.example');
    assert.equal(toALabels('BÜCHER.Example.'), 'xn--bcher-kva.example.');
    assert.equal(toALabels('Example.COM'), 'Example.COM');
    assert.equal(toALabels('xn--iñvalid.com'), undefined);
  });

  test('matchesHost, with case and trailing dot ignored', () => {
    for (const h of ['bücher.example', 'BÜCHER.EXAMPLE', 'bücher.example.', 'xn--bcher-kva.example', 'www.日本.jp']) {
      assert.equal(matchesHost(h, names), true, h);
    }
    for (const h of ['bucher.example', 'xn--iñvalid.com', 'a.b.日本.jp']) assert.equal(matchesHost(h, names), false, h);
  });

  test('fullwidth dots are label separators after mapping (UTS #46)', () => {
    assert.equal(matchesHost('bücher\uff0eexample', names), true);
  });
});

describe('parseIpAddress / formatIpAddress', () => {
  test('IPv4', () => {
    assert.deepEqual(parseIpAddress('192.168.0.255'), Uint8Array.of(192, 168, 0, 255));
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', '', 'a.b.c.d']) assert.equal(parseIpAddress(bad), undefined, bad);
  });

  test('IPv6', () => {
    const one = new Uint8Array(16);
    one[15] = 1;
    assert.deepEqual(parseIpAddress('::1'), one);
    assert.deepEqual(parseIpAddress('0:0:0:0:0:0:0:1'), one);
    assert.deepEqual(parseIpAddress('::'), new Uint8Array(16));
    assert.deepEqual(parseIpAddress('::ffff:1.2.3.4')?.subarray(10), Uint8Array.of(0xff, 0xff, 1, 2, 3, 4));
    for (const bad of [':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'fe80::1%eth0', '::g']) {
      assert.equal(parseIpAddress(bad), undefined, bad);
    }
  });

  test('RFC 5952 text', () => {
    assert.equal(formatIpAddress(parseIpAddress('0:0:0:0:0:0:0:1')!), '::1');
    assert.equal(formatIpAddress(parseIpAddress('2001:DB8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
    assert.equal(formatIpAddress(parseIpAddress('2001:db8:0:1:1:1:1:1')!), '2001:db8:0:1:1:1:1:1');
    assert.equal(formatIpAddress(parseIpAddress('::')!), '::');
    assert.equal(formatIpAddress(Uint8Array.of(10, 0, 0, 1)), '10.0.0.1');
  });
});

describe('hostMismatchReason (Node checkServerIdentity wording)', () => {
  const text = 'DNS:localhost, IP Address:127.0.0.1';
  const names = [dns('localhost'), ip('127.0.0.1')];

  test('undefined on a match', () => {
    assert.equal(hostMismatchReason('localhost', names, text), undefined);
  });

  test('DNS, IP, and no-DNS-name reasons', () => {
    assert.equal(hostMismatchReason('example.com', names, text), `Host: example.com. is not in the cert's altnames: ${text}`);
    assert.equal(hostMismatchReason('::1', names, text), "IP: ::1 is not in the cert's list: 127.0.0.1");
    assert.equal(hostMismatchReason('example.com', [ip('127.0.0.1')], 'IP Address:127.0.0.1'), 'Cert does not contain a DNS name');
  });
});

describe('parseSubjectAltNameText', () => {
  test('Node\'s format, including JSON-quoted values', () => {
    const parsed = parseSubjectAltNameText('DNS:a.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, email:x@y, DNS:"b, DNS:evil.example"');
    assert.deepEqual(parsed, [dns('a.example'), ip('127.0.0.1'), ip('::1'), { type: 'other', tag: -1, value: new Uint8Array(0) }, dns('b, DNS:evil.example')]);
    assert.equal(matchesHost('evil.example', parsed), false);
  });

  test('empty or absent', () => {
    assert.deepEqual(parseSubjectAltNameText(undefined), []);
    assert.deepEqual(parseSubjectAltNameText(''), []);
  });
});
