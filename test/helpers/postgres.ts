/**
 * A throwaway PostgreSQL server for a test file: initdb into a fresh directory, then `postgres`
 * on a free port with TLS as asked (proof-db.test.ts: pg through tlsglass; scan-starttls.test.ts:
 * `scan --starttls postgres`). As root, postgres runs as the `postgres` user (runuser).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, peerPath, runPeer, spawnPeer, type PeerProcess, type Scope } from './peers.js';

/** Starts a server on a port that was free a moment ago, retrying when another process took it first. */
export async function onFreePort(t: Scope, start: (port: number) => PeerProcess, ready: RegExp): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const p = start(port);
    try {
      await p.waitFor(ready, 'readiness', 30_000);
      return port;
    } catch (err) {
      await p.kill();
      if (attempt >= 5 || !/in use/i.test(p.stderr() + p.stdoutText())) throw err;
    }
  }
}

/** The postgres binaries: on PATH, else the newest /usr/lib/postgresql/N/bin (Debian's postgresql package). */
function postgresBin(): string | undefined {
  const onPath = peerPath('postgres');
  if (onPath) return onPath.replace(/\/postgres$/, '');
  let versions: string[] = [];
  try {
    versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  } catch {
    return undefined;
  }
  return versions.map((v) => `/usr/lib/postgresql/${v}/bin`).find((d) => peerPath(`${d}/postgres`));
}

interface PostgresUser {
  uid: number;
  gid: number;
  wrap: (cmd: string, args: string[]) => [string, string[]];
}

/** postgres refuses to run as root: as root we run it as the `postgres` user (runuser). */
function postgresUser(): PostgresUser | string {
  if (process.getuid?.() !== 0) return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, wrap: (c, a) => [c, a] };
  if (!peerPath('runuser')) return 'running as root and runuser is missing';
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'latin1' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'latin1' }));
    return { uid, gid, wrap: (c, a) => ['runuser', ['-u', 'postgres', '--', c, ...a]] };
  } catch {
    return 'running as root and there is no postgres user to run postgres as';
  }
}

const pgBin = postgresBin();
const pgUser = postgresUser();
/** Why a postgres test cannot run here, or false. */
export const postgresSkip: string | false = !pgBin ? 'postgres is not installed (Debian package postgresql)' : typeof pgUser === 'string' ? pgUser : false;

export interface PostgresOptions {
  /** PEM files for the server: copied into its directory, owned by its user (postgres insists on 0600). */
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
  /** pg_hba.conf lines. */
  readonly hba: readonly string[];
  /** More `-c` settings ("ssl=on" is not implied: give it, or "ssl=off"). */
  readonly settings: readonly string[];
}

/** initdb in `dir` (made here; its parent must be reachable by the postgres user), then postgres on a free port of 127.0.0.1; resolves with the port. */
export async function startPostgres(t: Scope, dir: string, options: PostgresOptions): Promise<number> {
  const user = pgUser as PostgresUser;
  mkdirSync(dir);
  const files: [string, string | undefined][] = [['server.pem', options.cert], ['server.key', options.key], ['ca.pem', options.ca]];
  for (const [name, from] of files) {
    if (from === undefined) continue;
    writeFileSync(join(dir, name), readFileSync(from), { mode: 0o600 });
    chownSync(join(dir, name), user.uid, user.gid);
  }
  chownSync(dir, user.uid, user.gid);
  chmodSync(dir, 0o700);
  const [initdb, initArgs] = user.wrap(`${pgBin}/initdb`, ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=reject', '--no-sync', '-E', 'UTF8']);
  const init = await runPeer(t, initdb, initArgs, '', 60_000);
  assert.equal(init.code, 0, init.report);
  writeFileSync(join(dir, 'data', 'pg_hba.conf'), [...options.hba, ''].join('\n'));
  const settings = [
    `ssl_cert_file=${dir}/server.pem`,
    `ssl_key_file=${dir}/server.key`,
    ...(options.ca ? [`ssl_ca_file=${dir}/ca.pem`] : []),
    `unix_socket_directories=${dir}`,
    'listen_addresses=127.0.0.1',
    'fsync=off',
    ...options.settings,
  ];
  return onFreePort(
    t,
    (p) => {
      const [cmd, args] = user.wrap(`${pgBin}/postgres`, ['-D', join(dir, 'data'), '-p', String(p), ...settings.flatMap((s) => ['-c', s])]);
      return spawnPeer(t, cmd, args);
    },
    /database system is ready to accept connections/,
  );
}
