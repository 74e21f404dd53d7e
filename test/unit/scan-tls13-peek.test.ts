/**
 * The scan's TLS 1.3 handshake up to EncryptedExtensions (src/scan/tls13-peek.ts), against
 * tlsglass's own ServerConnection in memory: a full handshake, then a resumption with the ticket
 * that server issued (pre_shared_key accepted, and 0-RTT not taken: tlsglass does not accept early
 * data); and what it makes of an alert, a close and bytes that are not TLS.
 */
import '../../src/node/install-defaults.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientConnection, ServerConnection } from '../../src/connection/connection.js';
import { nodeCryptoProvider } from '../../src/crypto/node/index.js';
import { ExtensionType } from '../../src/messages/enums.js';
import { findExtension } from '../../src/messages/extensions/index.js';
import { ServerSessionStore } from '../../src/session/server-store.js';
import { decodeClientSession } from '../../src/session/session.js';
import type { ByteChannel } from '../../src/scan/channel.js';
import { peekEncryptedExtensions } from '../../src/scan/tls13-peek.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();
const sessionStore = new ServerSessionStore(nodeCryptoProvider);
const serverOptions = { key: pki.serverRsa.keyPem, cert: pki.serverRsa.certPem, sessionStore, ALPNProtocols: ['h2'] };

/** A channel whose other end is a ServerConnection: what we write it receives, what it sends we read. */
function toServer(server: ServerConnection): ByteChannel {
  return {
    write: (bytes) => {
      try {
        server.receive(bytes);
      } catch {
        // its alert is in takeOutgoing()
      }
    },
    read: async () => {
      const out = server.takeOutgoing();
      if (out.length === 0) return null;
      return Uint8Array.from(out.flatMap((b) => [...b]));
    },
    close: () => {},
  };
}

/** A channel that answers with fixed bytes, then closes. */
function scripted(answer: Uint8Array[]): ByteChannel {
  return { write: () => {}, read: async () => answer.shift() ?? null, close: () => {} };
}

test('a full handshake: EncryptedExtensions decrypted (our server answers early_data not, and names no PSK)', async () => {
  const r = await peekEncryptedExtensions(toServer(new ServerConnection(serverOptions)), nodeCryptoProvider, 'localhost', [{ type: ExtensionType.early_data, data: new Uint8Array(0) }]);
  assert.equal(r.kind, 'extensions');
  if (r.kind !== 'extensions') return;
  assert.equal(r.pskAccepted, false);
  assert.equal(findExtension(r.extensions, ExtensionType.early_data), undefined);
});

test('resuming with the ticket the server issued: pre_shared_key accepted, 0-RTT not', async () => {
  // A real client handshake in memory, for the server's NewSessionTicket.
  const server = new ServerConnection(serverOptions);
  const client = new ClientConnection({ servername: 'localhost', ca: pki.ca.certPem, minVersion: 'TLSv1.3' });
  client.start();
  let session: Uint8Array | undefined;
  for (let i = 0; i < 10 && !session; i++) {
    for (const b of client.takeOutgoing()) server.receive(b);
    for (const b of server.takeOutgoing()) client.receive(b);
    for (const e of client.takeEvents()) if (e.type === 'session') session = e.session;
  }
  const s = decodeClientSession(session!)!;
  const psk = { ticket: s.ticket, secret: s.secret, suite: s.suite, obfuscatedAge: (Date.now() - s.created + s.ageAdd) % 2 ** 32 };
  const r = await peekEncryptedExtensions(toServer(new ServerConnection(serverOptions)), nodeCryptoProvider, 'localhost', [{ type: ExtensionType.early_data, data: new Uint8Array(0) }], psk);
  assert.equal(r.kind, 'extensions');
  if (r.kind !== 'extensions') return;
  assert.equal(r.pskAccepted, true);
  assert.equal(r.suite, s.suite);
  assert.equal(findExtension(r.extensions, ExtensionType.early_data), undefined);
});

test('an alert, a close, or bytes that are not TLS: said in words, nothing thrown', async () => {
  const alert = Uint8Array.of(0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28);
  assert.deepEqual(await peekEncryptedExtensions(scripted([alert]), nodeCryptoProvider, undefined, []), { kind: 'other', answer: 'alert handshake_failure' });
  assert.deepEqual(await peekEncryptedExtensions(scripted([]), nodeCryptoProvider, undefined, []), { kind: 'other', answer: 'closed without an answer' });
  const http = new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\n\r\n');
  const r = await peekEncryptedExtensions(scripted([http]), nodeCryptoProvider, undefined, []);
  assert.equal(r.kind, 'other');
  assert.match((r as { answer: string }).answer, /^not a TLS 1\.3 answer we could read \(/);
});
