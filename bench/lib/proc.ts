/** The orchestrator's handle on a forked worker.ts process: request/response over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Pki } from './spec.js';

const WORKER = fileURLToPath(new URL('../worker.js', import.meta.url));

/** Every worker this run started (so that the load report can leave them out). */
export const workerPids = new Set<number>();

export class Proc {
  readonly #child: ChildProcess;
  #next = 1;
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #exited = false;

  constructor(
    readonly name: string,
    execArgv: string[] = [],
  ) {
    // BENCH_WORKER_FLAGS: extra node/V8 flags for the workers, for experiments (e.g. --single-threaded-gc).
    const extra = (process.env['BENCH_WORKER_FLAGS'] ?? '').split(' ').filter(Boolean);
    this.#child = fork(WORKER, [name], { execArgv: ['--expose-gc', ...extra, ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    if (this.#child.pid !== undefined) workerPids.add(this.#child.pid);
    this.#child.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const w = this.#waiting.get(m.id);
      if (!w) return;
      this.#waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(`${this.name}: ${m.error}`));
    });
    this.#child.on('exit', (code) => {
      this.#exited = true;
      for (const w of this.#waiting.values()) w.reject(new Error(`${this.name} exited (${code})`));
      this.#waiting.clear();
    });
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  /** Sends a command; rejects if the worker does not answer within `timeoutMs` (a hung connection must not hang the run). */
  call<T = Record<string, unknown>>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 180_000): Promise<T> {
    if (this.#exited) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`${this.name}: no answer to ${cmd} ${JSON.stringify({ ...args, pki: undefined })} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.#waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#child.send({ id, cmd, ...args });
    });
  }

  async init(pki: Pki): Promise<this> {
    await this.call('init', { pki });
    return this;
  }

  async close(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise((r) => this.#child.once('exit', r));
    this.#child.disconnect();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (!this.#exited) this.#child.kill();
  }
}
