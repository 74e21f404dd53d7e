/**
 * A tlsglass server in a child process, for the cluster resumption test: it reads ticket keys
 * and certificate paths from argv, listens on 127.0.0.1 port 0, prints "ACCEPT 127.0.0.1:PORT",
 * and answers each connection with whether it resumed.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from '../../src/index.js';

const [cert, key, ticketKeysHex] = process.argv.slice(2);
const server = createServer(
  { cert: readFileSync(cert!, 'utf8'), key: readFileSync(key!, 'utf8'), ticketKeys: Buffer.from(ticketKeysHex!, 'hex') },
  (socket) => socket.end(`pid ${process.pid} resumed ${socket.isSessionReused()} ${socket.getProtocol()}\n`),
);
server.on('tlsClientError', () => {});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`ACCEPT 127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
