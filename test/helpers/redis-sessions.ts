/**
 * Redis through tlsglass, for test/interop/proof-db.test.ts:
 * - tlsglassConnector(): ioredis's `Connector` option, making every connection with tlsglass's
 *   connect() (ioredis calls node:tls's otherwise).
 * - Run as a script (`node redis-sessions.js REDIS_PORT PKI_DIR NAME`): a tlsglass TLS 1.2 server
 *   without tickets that keeps its sessions in that Redis through 'newSession'/'resumeSession',
 *   answering each connection with `{"server":NAME,"reused":bool}`. It prints `listening PORT`,
 *   then `newSession ID` and `resumeSession ID hit|miss` as they happen.
 */
import { constants } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AbstractConnector, Redis, type RedisOptions } from 'ioredis';
import { connect, createServer, type ConnectionOptions, type TLSSocket } from '../../src/index.js';

export function tlsglassConnector(made: TLSSocket[] = []): RedisOptions['Connector'] {
  return class TlsglassConnector extends AbstractConnector {
    constructor(private readonly options: RedisOptions) {
      super(options.disconnectTimeout ?? 2000);
    }
    connect(): Promise<never> {
      this.connecting = true;
      const socket = connect({ host: this.options.host, port: this.options.port, ...(this.options.tls as ConnectionOptions) });
      made.push(socket);
      this.stream = socket as never;
      return Promise.resolve(socket as never);
    }
  } as never;
}

/** The files `tlsglass certs` writes into `pkiDir`. */
export function pkiOptions(pkiDir: string, name: 'server' | 'client'): { ca: string; cert: string; key: string } {
  const read = (f: string): string => readFileSync(join(pkiDir, f), 'latin1');
  return { ca: read('ca.pem'), cert: read(`${name}.pem`), key: read(`${name}.key`) };
}

function main(redisPort: number, pkiDir: string, name: string): void {
  const redis = new Redis({ host: '127.0.0.1', port: redisPort, tls: { servername: 'localhost', ...pkiOptions(pkiDir, 'client') } as RedisOptions['tls'], Connector: tlsglassConnector() });
  const key = (id: Buffer): string => `tls-session:${id.toString('hex')}`;
  const server = createServer({ ...pkiOptions(pkiDir, 'server'), maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET }, (socket) => {
    socket.end(JSON.stringify({ server: name, reused: socket.isSessionReused() }));
  });
  server.on('newSession', (id: Buffer, data: Buffer, done: () => void) => {
    redis.set(key(id), data, 'EX', 300).then(
      () => {
        console.log(`newSession ${id.toString('hex')}`);
        done();
      },
      (err: Error) => console.error(`storing the session failed: ${err.message}`),
    );
  });
  server.on('resumeSession', (id: Buffer, callback: (err: Error | null, data: Buffer | null) => void) => {
    redis.getBuffer(key(id)).then(
      (data) => {
        console.log(`resumeSession ${id.toString('hex')} ${data ? 'hit' : 'miss'}`);
        callback(null, data);
      },
      (err: Error) => callback(err, null),
    );
  });
  server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
  process.on('SIGTERM', () => {
    server.close();
    redis.disconnect();
    process.exit(0);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(Number(process.argv[2]), process.argv[3]!, process.argv[4]!);
