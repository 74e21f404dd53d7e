/**
 * The client's `sessionTickets: false` (OpenSSL's SSL_OP_NO_TICKET, s_client -no_ticket), which the
 * scan's session-ID resumption probe uses: the TLS 1.2 ClientHello carries no session_ticket, so a
 * server can only keep the session by its ID. The default still asks for a ticket (RFC 5077 §3.2).
 */
import '../../src/node/install-defaults.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientConnection } from '../../src/connection/connection.js';
import { readClientHello } from '../../src/messages/client-hello.js';
import { ExtensionType } from '../../src/messages/enums.js';

function helloExtensions(sessionTickets: boolean | undefined): number[] {
  const c = new ClientConnection({ maxVersion: 'TLSv1.2', ...(sessionTickets === undefined ? {} : { sessionTickets }) });
  c.start();
  const record = c.takeOutgoing()[0]!;
  // 5-byte record header, 4-byte handshake header.
  return readClientHello(record.subarray(9)).extensions.map((e) => e.type);
}

test('sessionTickets: false leaves session_ticket out of the ClientHello; the default asks for one', () => {
  assert.ok(!helloExtensions(false).includes(ExtensionType.session_ticket));
  assert.ok(helloExtensions(undefined).includes(ExtensionType.session_ticket));
  assert.ok(helloExtensions(true).includes(ExtensionType.session_ticket));
  // Everything else is the same hello.
  assert.deepEqual(helloExtensions(false), helloExtensions(true).filter((t) => t !== ExtensionType.session_ticket));
});
