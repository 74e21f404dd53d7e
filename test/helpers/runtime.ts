/**
 * Which runtime runs this test (issue 16). Tests whose reference is the runtime's own node:tls,
 * node:crypto or X509Certificate compare with it only where that is Node's (OpenSSL); they assert
 * recorded expected values on every runtime, so nothing is skipped silently.
 */
export const runtimeName: 'Bun' | 'Deno' | 'Node' =
  process.versions['bun'] !== undefined ? 'Bun' : (globalThis as { Deno?: unknown }).Deno !== undefined ? 'Deno' : 'Node';

/** True where node:tls, node:crypto and X509Certificate are Node's own (OpenSSL), not Bun's (BoringSSL) or Deno's (rustls, its X509Certificate). */
export const nodeIsNode = runtimeName === 'Node';

/** The argv that runs `script` under the current runtime (Deno runs a script only through `deno run`). */
export const scriptArgs = (script: string, ...args: string[]): string[] => (runtimeName === 'Deno' ? ['run', '-A', script, ...args] : [script, ...args]);

/** For `{ skip: notNodeTls }` on a test whose reference is a live node:tls peer, beside a test of recorded values that runs everywhere. */
export const notNodeTls: string | false = nodeIsNode ? false : `${runtimeName}'s node:tls is not OpenSSL's; the recorded values test the same`;

/** For `{ skip: notNodeCrypto }` on a test whose only subject is a behaviour of Node's own node:crypto (OpenSSL), which the tests beside it defend against. */
export const notNodeCrypto: string | false = nodeIsNode ? false : `the test is about Node's node:crypto (OpenSSL); ${runtimeName}'s behaves otherwise`;
