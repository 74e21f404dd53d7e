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
