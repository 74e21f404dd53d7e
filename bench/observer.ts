/**
 * What the observer hook costs when nobody listens, and what resolving a client configuration
 * per connection costs.
 *
 * The observer sees handshake messages, ChangeCipherSpec and alerts only; application records
 * never reach it. With `observer` unset the core tests one field per message and allocates
 * nothing. A no-op observer is an upper bound of the unset case: it pays the field test plus
 * building and delivering every event. So "no-op vs unset" bounds the hook's cost from above.
 *
 * Measured twice: in-process on the sans-I/O core (no sockets, so the difference is not drowned
 * in I/O noise), and over sockets (tlsglass ↔ tlsglass, handshakes and bulk).
 */
import { performance } from 'node:perf_hooks';
import { ClientConnection, ServerConnection, type Connection } from '../src/index.js';
import { createSecureContext, resolveClientConfig, resolveServerConfig } from '../src/config.js';
import { handshakeSample, serve } from './handshake.js';
import { bulkSample } from './bulk.js';
import { MiB, withFreshWorkers, type Context, type Section, type TargetCheck } from './lib/context.js';
import type { Pki, TlsSpec } from './lib/spec.js';
import { fmt, median, quantile, ratio, ratios, table } from './lib/stats.js';

const noop = (): void => {};

function pump(a: Connection, b: Connection): void {
  for (let i = 0; i < 50; i++) {
    const x = a.takeOutgoing();
    for (const r of x) b.receive(r);
    const y = b.takeOutgoing();
    for (const r of y) a.receive(r);
    a.takeEvents();
    b.takeEvents();
    if (x.length === 0 && y.length === 0) return;
  }
  throw new Error('pair did not settle');
}

/**
 * µs per in-memory handshake (both sides in one process), and µs per 16 KiB record both ways.
 * Runs in a worker process (bench/worker.ts 'inProcess'), after a forced GC.
 */
export function inProcess(pki: Pki, version: 'TLSv1.2' | 'TLSv1.3', observer: boolean, n: number, records: number): { hsUs: number; recUs: number; each: number[] } {
  (globalThis as { gc?: () => void }).gc?.();
  const id = pki.ecdsa;
  const server = resolveServerConfig({ cert: id.cert, key: id.key, minVersion: version, maxVersion: version, ...(observer ? { observer: noop } : {}) });
  const clientOptions = { ca: pki.ca, servername: 'localhost', minVersion: version, maxVersion: version, ecdhCurve: 'X25519:P-256', ...(observer ? { observer: noop } : {}) } as const;
  const t0 = performance.now();
  let last: [ClientConnection, ServerConnection] | undefined;
  const each: number[] = [];
  for (let i = 0; i < n; i++) {
    const h0 = performance.now();
    const s = new ServerConnection(server);
    const c = new ClientConnection(clientOptions);
    c.start();
    pump(c, s);
    if (!c.isEstablished || !s.isEstablished) throw new Error('in-process handshake failed');
    last = [c, s];
    each.push((performance.now() - h0) * 1000);
  }
  const t1 = performance.now();
  const [c, s] = last!;
  const data = new Uint8Array(16384);
  for (let i = 0; i < records; i++) {
    c.write(data);
    for (const r of c.takeOutgoing()) s.receive(r);
    s.takeEvents();
  }
  const t2 = performance.now();
  return { hsUs: ((t1 - t0) * 1000) / n, recUs: ((t2 - t1) * 1000) / Math.max(1, records), each };
}

/**
 * Per-handshake µs with the observer unset and with a no-op observer, one of each in turn (the
 * order alternating), so that each pair shares the same moment of the machine and of the heap.
 */
export function inProcessPaired(pki: Pki, version: 'TLSv1.2' | 'TLSv1.3', n: number): { off: number[]; on: number[] } {
  (globalThis as { gc?: () => void }).gc?.();
  const id = pki.ecdsa;
  const make = (observer: boolean) => {
    const server = resolveServerConfig({ cert: id.cert, key: id.key, minVersion: version, maxVersion: version, ...(observer ? { observer: noop } : {}) });
    const client = { ca: pki.ca, servername: 'localhost', minVersion: version, maxVersion: version, ecdhCurve: 'X25519:P-256', ...(observer ? { observer: noop } : {}) } as const;
    return (): number => {
      const h0 = performance.now();
      const s = new ServerConnection(server);
      const c = new ClientConnection(client);
      c.start();
      pump(c, s);
      if (!c.isEstablished || !s.isEstablished) throw new Error('in-process handshake failed');
      return (performance.now() - h0) * 1000;
    };
  };
  const unset = make(false);
  const noOp = make(true);
  const off: number[] = [];
  const on: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) (off.push(unset()), on.push(noOp()));
    else (on.push(noOp()), off.push(unset()));
  }
  return { off, on };
}

export async function runObserver(ctx: Context): Promise<Section> {
  const checks: TargetCheck[] = [];
  // Many short rounds, alternating which goes first: the median of paired ratios resolves a few
  // percent where one long run each would not (GC and the shared machine move single rounds ±20%).
  const rounds = ctx.quick ? 21 : 61;
  const n = ctx.quick ? 20 : 40;
  const records = ctx.quick ? 300 : 500;
  const pairedCalls = ctx.quick ? 4 : 9;
  const pairedN = ctx.quick ? 200 : 400;
  const run = (version: string, observer: boolean, count: number, recs: number): Promise<{ hsUs: number; recUs: number; each: number[] }> =>
    ctx.client.call('inProcess', { version, observer, n: count, records: recs }, 60_000);

  // 1. In process, alternating unset / no-op every round.
  const inRows: string[][] = [];
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    await run(version, false, 20, 200);
    await run(version, true, 20, 200);
    const off: { hsUs: number; recUs: number; each: number[] }[] = [];
    const on: { hsUs: number; recUs: number; each: number[] }[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        off.push(await run(version, false, n, records));
        on.push(await run(version, true, n, records));
      } else {
        on.push(await run(version, true, n, records));
        off.push(await run(version, false, n, records));
      }
    }
    const hsR = ratios(on.map((x) => x.hsUs), off.map((x) => x.hsUs));
    const recR = ratios(on.map((x) => x.recUs), off.map((x) => x.recUs));
    // Single handshakes, all rounds pooled: the lower quartile is the least disturbed by GC
    // pauses and by the other tenants of the machine, so it resolves the small difference best.
    const q1Off = quantile(off.flatMap((x) => x.each), 0.25);
    const q1On = quantile(on.flatMap((x) => x.each), 0.25);
    inRows.push([`${version} handshake (client+server, P-256 cert), median of rounds`, fmt(median(off.map((x) => x.hsUs))), fmt(median(on.map((x) => x.hsUs))), ratio(hsR)]);
    inRows.push([`${version} handshake, lower quartile of single handshakes`, fmt(q1Off), fmt(q1On), `${fmt(q1On / q1Off)}×`]);
    inRows.push([`${version} 16 KiB record (seal+open)`, fmt(median(off.map((x) => x.recUs))), fmt(median(on.map((x) => x.recUs))), ratio(recR)]);
    // The target's figure: handshakes paired one by one (inProcessPaired), the median of the
    // per-pair differences over the median handshake. Pairing cancels the drift and the GC
    // pauses that move whole rounds by several percent; the round-based rows above are kept for
    // comparison.
    const off1: number[] = [];
    const on1: number[] = [];
    for (let k = 0; k < pairedCalls; k++) {
      const r = await ctx.client.call<{ off: number[]; on: number[] }>('inProcessPaired', { version, n: pairedN }, 120_000);
      if (k === 0) continue; // warm-up
      off1.push(...r.off);
      on1.push(...r.on);
    }
    const diff = median(on1.map((x, i) => x - off1[i]!));
    const cost = (diff / median(off1)) * 100;
    inRows.push([`${version} handshake, ${off1.length} single handshakes paired one by one: median, and median of the paired differences`, fmt(median(off1)), fmt(median(on1)), `${diff >= 0 ? '+' : ''}${fmt(diff, 2)} µs (${fmt(cost, 2)}%)`]);
    checks.push({ target: `observer hook < 2% · in-process ${version} handshake (no-op observer bound, paired)`, figure: `${fmt(cost, 2)}%`, met: cost < 2 });
    ctx.log(`  in-process ${version}: handshake ${fmt(median(off.map((x) => x.hsUs)))} → ${fmt(median(on.map((x) => x.hsUs)))} µs`);
  }

  // 2. Over sockets: tlsglass ↔ tlsglass with and without the no-op observer on both sides.
  const base: TlsSpec = { version: 'TLSv1.3', cert: 'ecdsa', cipher: 'TLS_AES_128_GCM_SHA256' };
  const withObs: TlsSpec = { ...base, observer: true };
  const sockRows: string[][] = [];
  const pOff = await serve(ctx, 'tlsglass', base, 'handshake');
  const pOn = await serve(ctx, 'tlsglass', withObs, 'handshake');
  await handshakeSample(ctx, 'tlsglass', base, pOff, 1, 200);
  await handshakeSample(ctx, 'tlsglass', withObs, pOn, 1, 200);
  const hsOff: number[] = [];
  const hsOn: number[] = [];
  const ms = ctx.quick ? 300 : 700;
  for (let r = 0; r < ctx.rounds; r++) {
    const a = async (): Promise<void> => void hsOff.push((await handshakeSample(ctx, 'tlsglass', base, pOff, 1, ms)).rate);
    const b = async (): Promise<void> => void hsOn.push((await handshakeSample(ctx, 'tlsglass', withObs, pOn, 1, ms)).rate);
    if (r % 2 === 0) {
      await a();
      await b();
    } else {
      await b();
      await a();
    }
  }
  sockRows.push(['handshakes/s, TLS 1.3 P-256, concurrency 1', fmt(median(hsOff)), fmt(median(hsOn)), ratio(ratios(hsOn, hsOff))]);
  for (const p of [pOff, pOn]) await ctx.server.call('unserve', { port: p });
  const bytes = (ctx.quick ? 64 : 256) * MiB;
  const mbOff: number[] = [];
  const mbOn: number[] = [];
  await withFreshWorkers(ctx, async (fresh) => {
    const bOff = await serve(fresh, 'tlsglass', base, 'down');
    const bOn = await serve(fresh, 'tlsglass', withObs, 'down');
    for (let i = 0; i < 3; i++) {
      await bulkSample(fresh, 'tlsglass', base, bOff, 64 * MiB, 'down'); // warm-up
      await bulkSample(fresh, 'tlsglass', withObs, bOn, 64 * MiB, 'down');
    }
    for (let r = 0; r < ctx.rounds; r++) {
      const a = async (): Promise<void> => void mbOff.push((await bulkSample(fresh, 'tlsglass', base, bOff, bytes, 'down')).mbps);
      const b = async (): Promise<void> => void mbOn.push((await bulkSample(fresh, 'tlsglass', withObs, bOn, bytes, 'down')).mbps);
      if (r % 2 === 0) {
        await a();
        await b();
      } else {
        await b();
        await a();
      }
    }
  });
  sockRows.push([`bulk MB/s, TLS 1.3 AES-128-GCM, ${bytes / MiB} MiB down`, fmt(median(mbOff)), fmt(median(mbOn)), ratio(ratios(mbOn, mbOff))]);

  // 3. A client without createSecureContext() resolves its options on every connect(): what does that cost?
  const cfgRows: string[][] = [];
  const time = (f: () => void, k: number): number => {
    for (let i = 0; i < 20; i++) f();
    const t0 = performance.now();
    for (let i = 0; i < k; i++) f();
    return ((performance.now() - t0) * 1000) / k;
  };
  const k = ctx.quick ? 200 : 500;
  cfgRows.push(['resolveClientConfig({ ca })', fmt(time(() => resolveClientConfig({ ca: ctx.pki.ca, servername: 'localhost' }), k))]);
  cfgRows.push(['resolveClientConfig({ ca, cert, key }) (mutual TLS, RSA-2048 key)', fmt(time(() => resolveClientConfig({ ca: ctx.pki.ca, servername: 'localhost', cert: ctx.pki.client.cert, key: ctx.pki.client.key }), Math.ceil(k / 5)))]);
  const shared = createSecureContext({ ca: ctx.pki.ca, cert: ctx.pki.client.cert, key: ctx.pki.client.key });
  cfgRows.push(['resolveClientConfig({ secureContext }) (mutual TLS, context made once)', fmt(time(() => resolveClientConfig({ secureContext: shared, servername: 'localhost' }), k))]);
  cfgRows.push(['resolveServerConfig({ cert, key }) (RSA-2048; once per server, for scale)', fmt(time(() => resolveServerConfig({ cert: ctx.pki.rsa.cert, key: ctx.pki.rsa.key }), Math.ceil(k / 5)))]);

  const body = [
    'The hook costs nothing per application record by construction (records never reach it), and one field test per handshake message when unset. A no-op observer bounds that from above.',
    '',
    `In process (sans-I/O core, both sides in one process, ${rounds} alternating rounds of ${n} handshakes and ${records} records):`,
    '',
    table(['measure', 'observer unset, µs', 'no-op observer, µs', 'no-op / unset'], inRows),
    '',
    `Over sockets (tlsglass ↔ tlsglass, ${ctx.rounds} alternating rounds):`,
    '',
    table(['measure', 'observer unset', 'no-op observer', 'no-op / unset'], sockRows),
    '',
    'Per-connection client configuration, µs per call: without a `secureContext`, `connect()` resolves its options on every call (trust anchors are cached by content, keys are not); with `createSecureContext()` (what the handshake case uses for both libraries) only the per-connection options are; servers resolve once:',
    '',
    table(['call', 'µs'], cfgRows),
  ].join('\n');
  return { title: 'Observer hook cost, and per-connection client configuration', body, targets: checks };
}
