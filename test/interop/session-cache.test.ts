/**
 * node:tls's external session cache ('newSession', 'resumeSession') behaves on a tlsglass server
 * as on a node:tls server: the same node:tls client, connecting twice with the session it got,
 * sees the same events in the same order and the same resumption, with and without tickets
 * (TLS 1.2; on TLS 1.3, node:tls also reports tickets through 'newSession', which we do not).
 */
import assert from 'node:assert/strict';
import { constants } from 'node:crypto';
import nodeTls from 'node:tls';
import { describe, test } from 'node:test';
import { createServer } from '../../src/index.js';
import { nodeTlsConnect, readAll, type Scope } from '../helpers/peers.js';
import { testPki } from '../helpers/pki.js';

const pki = testPki();

interface Outcome {
  /** Per connection: the events the server emitted, and whether each side resumed. */
  connections: { events: string[]; clientReused: boolean; serverReused: string }[];
}

/** Two connections of node:tls's client to `server` (a store in a Map, callbacks answered later). */
async function run(t: Scope, server: nodeTls.Server | ReturnType<typeof createServer>): Promise<Outcome> {
  const store = new Map<string, Buffer>();
  let events: string[] = [];
  server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
    events.push(`newSession ${id.length}`);
    // Stored a little later: the handshake must wait for it (the client is secure only after).
    setTimeout(() => {
      store.set(id.toString('hex'), data);
      events.push('stored');
      done();
    }, 50);
  });
  server.on('resumeSession', (id: Buffer, callback: (err: Error | null, data: Buffer | null) => void) => {
    const data = store.get(id.toString('hex')) ?? null;
    events.push(`resumeSession ${id.length} ${data ? 'hit' : 'miss'}`);
    setImmediate(() => callback(null, data));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;

  const connections: Outcome['connections'] = [];
  let session: Buffer | undefined;
  for (let i = 0; i < 2; i++) {
    events = [];
    const socket = await nodeTlsConnect(t, { port, servername: 'localhost', ca: pki.ca.certPem, ...(session ? { session } : {}) });
    events.push('client secure');
    session = socket.getSession() ?? session;
    const serverReused = (await readAll(socket)).toString();
    connections.push({ events, clientReused: socket.isSessionReused(), serverReused });
  }
  return { connections };
}

function options(noTicket: boolean): nodeTls.TlsOptions {
  return { cert: pki.serverEcdsa.certPem, key: pki.serverEcdsa.keyPem, maxVersion: 'TLSv1.2', ...(noTicket ? { secureOptions: constants.SSL_OP_NO_TICKET } : {}) };
}

const reply = (socket: { isSessionReused(): boolean; end(data: string): unknown }): void => void socket.end(String(socket.isSessionReused()));

describe("'newSession' and 'resumeSession' as node:tls", () => {
  for (const noTicket of [true, false]) {
    test(noTicket ? 'without tickets: the session is stored, then found by its ID' : 'with tickets: no newSession, the ticket resumes', { timeout: 30_000 }, async (t) => {
      const theirs = await run(t, nodeTls.createServer(options(noTicket), reply));
      const ours = await run(t, createServer(options(noTicket) as never, reply));
      assert.deepEqual(ours, theirs);
      // And what that is, so that the comparison cannot pass on two broken servers.
      assert.deepEqual(
        theirs.connections.map((c) => [c.clientReused, c.serverReused]),
        [
          [false, 'false'],
          [true, 'true'],
        ],
      );
      assert.deepEqual(theirs.connections[0]!.events, noTicket ? ['resumeSession 32 miss', 'newSession 32', 'stored', 'client secure'] : ['resumeSession 32 miss', 'client secure']);
      assert.deepEqual(theirs.connections[1]!.events, noTicket ? ['resumeSession 32 hit', 'client secure'] : ['client secure']);
    });
  }

  test("an error from 'resumeSession' drops the connection through 'tlsClientError'", { timeout: 30_000 }, async (t) => {
    for (const server of [nodeTls.createServer(options(false), reply), createServer(options(false) as never, reply)]) {
      server.on('resumeSession', (_id: Buffer, callback: (err: Error) => void) => setImmediate(() => callback(new Error('store down'))));
      const failed = new Promise<Error>((resolve) => server.once('tlsClientError', resolve));
      server.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      t.after(() => server.close());
      const port = (server.address() as { port: number }).port;
      await assert.rejects(nodeTlsConnect(t, { port, servername: 'localhost', ca: pki.ca.certPem }), { code: 'ECONNRESET' });
      assert.equal((await failed).message, 'store down');
    }
  });
});
