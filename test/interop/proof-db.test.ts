/**
 * Proof that tlsglass is node:tls to real database clients and servers (issue 14, "Proofs"):
 * - PostgreSQL: the `pg` client, its protocol running over our TLS socket, to a real `postgres`
 *   (started here on a free port with ssl = on and a certificate from `tlsglass certs`), with
 *   sslmode=verify-full semantics (CA and host name checked) and clientcert=verify-full.
 * - Redis: `ioredis` through tlsglass to `redis-server --tls-port` requiring client certificates,
 *   TLS 1.2 and 1.3.
 * - Scale-out: two tlsglass server processes keep TLS 1.2 sessions in that Redis through
 *   'newSession'/'resumeSession'; a session from one resumes on the other.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duplex } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Redis, type RedisOptions } from 'ioredis';
import pg from 'pg';
import { connect, TLSSocket, type ConnectionOptions } from '../../src/index.js';
import { peerPath, readAll, spawnPeer, TLSGLASS_CLI, tlsglassConnect, type Scope } from '../helpers/peers.js';
import { onFreePort, postgresSkip, startPostgres } from '../helpers/postgres.js';
import { tlsglassConnector } from '../helpers/redis-sessions.js';

/** `tlsglass certs --key-type ec` output: ca.pem, server.pem (localhost, 127.0.0.1), client.pem (CN "tlsglass test client"). */
let dir: string;
const file = (name: string): string => join(dir, 'pki', name);
const pem = (name: string): string => readFileSync(file(name), 'latin1');
const CLIENT_CN = 'tlsglass test client';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tlsglass-db-'));
  chmodSync(dir, 0o711); // postgres may run as another user: it needs to reach its own directory inside
  execFileSync(process.execPath, [TLSGLASS_CLI, 'certs', '--out', join(dir, 'pki'), '--key-type', 'ec'], { stdio: 'ignore' });
});
/** Teardown for servers that live as long as the file's tests: stopped before the directory goes. */
const teardown: (() => unknown)[] = [];
const fileScope: Scope = { after: (fn) => void teardown.push(fn) };
after(async () => {
  for (const fn of teardown.reverse()) await fn();
  rmSync(dir, { recursive: true, force: true });
});

// ---- PostgreSQL -----------------------------------------------------------------------------------

/**
 * pg's `stream` option: a Duplex that pg treats as its socket. connect() opens TCP, asks for TLS
 * the PostgreSQL way (SSLRequest, answer 'S'), then runs tlsglass over it; pg (told ssl: false,
 * since the stream is already secure) speaks its protocol through our socket.
 */
class TlsglassPgStream extends Duplex {
  tls: TLSSocket | undefined;
  private raw: Socket | undefined;

  constructor(private readonly tlsOptions: ConnectionOptions) {
    super();
  }

  connect(port: number, host: string): this {
    const raw = (this.raw = netConnect(port, host));
    raw.on('error', (err) => this.destroy(err));
    raw.once('connect', () => raw.write(SSL_REQUEST));
    raw.once('data', (answer: Buffer) => {
      if (answer.toString('latin1') !== 'S') return void this.destroy(new Error(`the server did not agree to TLS: ${answer.toString('latin1')}`));
      // As pg: the identity is checked against the host; SNI only for names (RFC 6066 §3).
      const tls = (this.tls = connect({ socket: raw, host, ...(isIP(host) ? {} : { servername: host }), ...this.tlsOptions }));
      tls.on('data', (d: Buffer) => void (this.push(d) || tls.pause()));
      tls.on('end', () => this.push(null));
      tls.on('error', (err) => this.destroy(err));
      tls.once('secureConnect', () => this.emit('connect'));
    });
    return this;
  }

  override _read(): void {
    this.tls?.resume();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.tls!.write(chunk, callback);
  }
  override _final(callback: () => void): void {
    if (this.tls) this.tls.end(callback);
    else callback();
  }
  override _destroy(err: Error | null, callback: (err: Error | null) => void): void {
    this.tls?.destroy();
    this.raw?.destroy();
    callback(err);
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): void {}
  unref(): void {}
}

/** SSLRequest (PostgreSQL protocol §55.2.10): length 8, code 80877103. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

describe('pg through tlsglass to postgres', { skip: postgresSkip }, () => {
  let port: number;

  before(async () => {
    // Only TLS connections, and each role its rule: the test role by password-less trust, the
    // client certificate's CN by certificate (clientcert=verify-full implied by `cert`).
    port = await startPostgres(fileScope, join(dir, 'postgres'), {
      cert: file('server.pem'),
      key: file('server.key'),
      ca: file('ca.pem'),
      hba: [`hostssl all "${CLIENT_CN}" 127.0.0.1/32 cert`, 'hostssl all postgres 127.0.0.1/32 trust'],
      settings: ['ssl=on', 'ssl_min_protocol_version=TLSv1.2'],
    });
    const admin = await pgClient('postgres', {});
    await admin.client.query(`CREATE ROLE "${CLIENT_CN}" LOGIN`);
    await admin.client.end();
  });

  /** A connected pg client whose every byte goes over a tlsglass socket (verify-full: our CA, the host name checked). */
  async function pgClient(user: string, tls: ConnectionOptions, host = '127.0.0.1'): Promise<{ client: pg.Client; stream: TlsglassPgStream }> {
    let stream: TlsglassPgStream | undefined;
    const client = new pg.Client({ host, port, user, database: 'postgres', ssl: false, stream: () => (stream = new TlsglassPgStream({ ca: pem('ca.pem'), ...tls })) });
    await client.connect();
    return { client, stream: stream! };
  }

  /** What postgres itself says about this connection's TLS. */
  async function serverView(client: pg.Client): Promise<{ ssl: boolean; version: string; client_dn: string | null; user: string }> {
    const res = await client.query('SELECT ssl, version, client_dn, current_user AS user FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return res.rows[0];
  }

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version}, the server's certificate verified (verify-full)`, { timeout: 30_000 }, async () => {
      const { client, stream } = await pgClient('postgres', { minVersion: version, maxVersion: version });
      try {
        assert.equal(stream.tls!.getProtocol(), version);
        assert.equal(stream.tls!.authorized, true);
        assert.deepEqual(await serverView(client), { ssl: true, version, client_dn: null, user: 'postgres' });
        assert.deepEqual((await client.query('SELECT $1::int + 1 AS n', [41])).rows, [{ n: 42 }]);
      } finally {
        await client.end();
      }
    });
  }

  test('mutual TLS: clientcert=verify-full logs in the role named by our certificate', { timeout: 30_000 }, async () => {
    const { client } = await pgClient(CLIENT_CN, { cert: pem('client.pem'), key: pem('client.key') });
    try {
      assert.deepEqual(await serverView(client), { ssl: true, version: 'TLSv1.3', client_dn: `/CN=${CLIENT_CN}`, user: CLIENT_CN });
    } finally {
      await client.end();
    }
    // Without the certificate, postgres turns the role away.
    await assert.rejects(pgClient(CLIENT_CN, {}), /certificate/);
  });

  test('verify-full refuses a server whose certificate does not name the host, and one from another CA', { timeout: 30_000 }, async () => {
    await assert.rejects(pgClient('postgres', { servername: 'db.example' }), (err: Error & { code?: string }) => err.code === 'ERR_TLS_CERT_ALTNAME_INVALID');
    const otherCa = join(dir, 'other');
    execFileSync(process.execPath, [TLSGLASS_CLI, 'certs', '--out', otherCa], { stdio: 'ignore' });
    await assert.rejects(pgClient('postgres', { ca: readFileSync(join(otherCa, 'ca.pem'), 'latin1') }), (err: Error & { code?: string }) => /CERT|SIGNATURE|ISSUER/.test(err.code ?? ''));
  });
});

// ---- Redis --------------------------------------------------------------------------------------------

const redisSkip = peerPath('redis-server') ? false : 'redis-server is not installed (Debian package redis-server)';

/** The Redis server every Redis test uses: TLS only, client certificates required. */
async function startRedis(t: Scope): Promise<number> {
  const redisDir = join(dir, 'redis');
  mkdirSync(redisDir, { recursive: true });
  const args = (p: number): string[] => [
    '--port', '0', '--tls-port', String(p), '--bind', '127.0.0.1',
    '--tls-cert-file', file('server.pem'), '--tls-key-file', file('server.key'), '--tls-ca-cert-file', file('ca.pem'),
    '--tls-auth-clients', 'yes', '--tls-protocols', 'TLSv1.2 TLSv1.3',
    '--save', '', '--appendonly', 'no', '--dir', redisDir,
  ];
  return onFreePort(t, (p) => spawnPeer(t, 'redis-server', args(p)), /Ready to accept connections/);
}

/** An ioredis client through tlsglass, connected. */
async function redisClient(t: Scope, port: number, tls: ConnectionOptions): Promise<{ redis: Redis; made: TLSSocket[] }> {
  const made: TLSSocket[] = [];
  const redis = new Redis({ host: '127.0.0.1', port, tls: { servername: 'localhost', ca: pem('ca.pem'), ...tls } as RedisOptions['tls'], Connector: tlsglassConnector(made), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  t.after(() => redis.disconnect());
  redis.on('error', () => {}); // a refused connection also rejects connect(), which the tests check
  await redis.connect();
  return { redis, made };
}

const clientCert = (): ConnectionOptions => ({ cert: pem('client.pem'), key: pem('client.key') });

/** One Redis for the file, started by the first suite that needs it. */
let redisStarted: Promise<number> | undefined;
const redisPort = (): Promise<number> => (redisStarted ??= startRedis(fileScope));

describe('ioredis through tlsglass to redis-server --tls-port', { skip: redisSkip }, () => {
  let port: number;
  before(async () => {
    port = await redisPort();
  });

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    test(`${version} with a client certificate: SET and GET`, { timeout: 30_000 }, async (t) => {
      const { redis, made } = await redisClient(t, port, { ...clientCert(), minVersion: version, maxVersion: version });
      const value = `over ${version} ${process.pid}`;
      assert.equal(await redis.set(`k-${version}`, value), 'OK');
      assert.equal(await redis.get(`k-${version}`), value);
      assert.equal(made.length, 1);
      assert.equal(made[0]!.getProtocol(), version);
      assert.equal(made[0]!.authorized, true);
    });
  }

  test('redis requires the client certificate (tls-auth-clients yes)', { timeout: 30_000 }, async (t) => {
    await assert.rejects(async () => {
      const { redis } = await redisClient(t, port, {});
      await redis.ping();
    });
  });
});

// ---- Sessions across server processes -----------------------------------------------------------

const SESSION_SERVER = fileURLToPath(new URL('../helpers/redis-sessions.js', import.meta.url));

describe('TLS 1.2 sessions shared by two tlsglass server processes through Redis', { skip: redisSkip }, () => {
  test("a session made by server A resumes on server B ('newSession'/'resumeSession')", { timeout: 60_000 }, async (t) => {
    const port = await redisPort();
    const servers = await Promise.all(
      ['A', 'B'].map(async (name) => {
        const p = spawnPeer(t, process.execPath, [SESSION_SERVER, String(port), join(dir, 'pki'), name]);
        const m = await p.waitFor(/^listening (\d+)$/m, `server ${name} listening`);
        return { p, port: Number(m[1]) };
      }),
    );
    const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
    const options = { servername: 'localhost', ca: pem('ca.pem') };

    const first = await tlsglassConnect(t, { ...options, port: a.port });
    assert.equal(first.getProtocol(), 'TLSv1.2');
    assert.deepEqual(JSON.parse((await readAll(first)).toString()), { server: 'A', reused: false });
    const session = first.getSession();
    assert.ok(session, 'server A gave a session');
    const id = (await a.p.waitFor(/^newSession ([0-9a-f]{64})$/m, 'newSession on A'))[1]!;
    assert.equal(first.getTLSTicket(), undefined, 'no ticket: the session lives in Redis under its ID');

    const second = await tlsglassConnect(t, { ...options, port: b.port, session });
    assert.equal(second.isSessionReused(), true, 'the client resumed');
    assert.deepEqual(JSON.parse((await readAll(second)).toString()), { server: 'B', reused: true });
    await b.p.waitFor(new RegExp(`^resumeSession ${id} hit$`, 'm'), 'B finding the session in Redis');
    assert.doesNotMatch(b.p.stdoutText(), /^newSession/m, 'B made no session of its own');
  });
});
