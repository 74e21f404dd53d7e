/** Medians, ranges and table formatting. */

export function median(xs: readonly number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 === 1 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

export function min(xs: readonly number[]): number {
  return Math.min(...xs.filter((x) => Number.isFinite(x)));
}

export function max(xs: readonly number[]): number {
  return Math.max(...xs.filter((x) => Number.isFinite(x)));
}

export function quantile(xs: readonly number[], q: number): number {
  const v = [...xs].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.min(v.length - 1, Math.floor(q * v.length))]!;
}

/** Three significant figures, thousands separated. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString('en-US');
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return x.toFixed(decimals);
}

/** "median (min–max)". */
export function mmm(xs: readonly number[], digits = 3): string {
  if (xs.length === 0) return '–';
  if (xs.length === 1) return fmt(xs[0]!, digits);
  return `${fmt(median(xs), digits)} (${fmt(min(xs), digits)}–${fmt(max(xs), digits)})`;
}

export function ratio(xs: readonly number[]): string {
  if (xs.length === 0 || !xs.some(Number.isFinite)) return '–';
  return `${fmt(median(xs))}× (${fmt(min(xs))}–${fmt(max(xs))})`;
}

/** A Markdown table; also readable as plain text in a terminal. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** Per-round ratios a[i]/b[i]. */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => x / (b[i] ?? NaN));
}

/** Rotates an array by k (interleaving order between rounds). */
export function rotate<T>(xs: readonly T[], k: number): T[] {
  const n = xs.length;
  if (n === 0) return [];
  const s = ((k % n) + n) % n;
  return [...xs.slice(s), ...xs.slice(0, s)];
}
