/** What every case gets from run.ts, and what it gives back. */
import type { Proc } from './proc.js';
import type { Pki } from './spec.js';

export interface Context {
  readonly pki: Pki;
  /** The long-lived server and client processes (one core each, in effect). */
  readonly server: Proc;
  readonly client: Proc;
  readonly quick: boolean;
  readonly rounds: number;
  /** Progress to stderr (the tables go to stdout and results.md). */
  log(line: string): void;
}

/** One target check, for the summary. */
export interface TargetCheck {
  readonly target: string;
  readonly figure: string;
  readonly met: boolean;
}

export interface Section {
  readonly title: string;
  /** Markdown: tables and read-outs. */
  readonly body: string;
  readonly targets: readonly TargetCheck[];
}

export const MiB = 1024 * 1024;

/**
 * Runs `fn` with a fresh server and client process. A process that has just made thousands of
 * connections of several kinds moves bulk data 2–5× slower (plain TCP included) than a fresh
 * one, so every case, and the bulk part of a case that starts with handshakes, gets new ones.
 */
export async function withFreshWorkers<T>(ctx: Context, fn: (ctx: Context) => Promise<T>): Promise<T> {
  const { Proc } = await import('./proc.js');
  const server = await new Proc('server').init(ctx.pki);
  const client = await new Proc('client').init(ctx.pki);
  try {
    return await fn({ ...ctx, server, client });
  } finally {
    await server.close();
    await client.close();
  }
}
