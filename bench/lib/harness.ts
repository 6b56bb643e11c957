import { performance } from 'node:perf_hooks';

/**
 * Measurement: compared variants run interleaved, round after round (the order alternates each
 * round), so drifting machine load hits every variant alike. A sample is the mean time per
 * operation of one batch; the figure is the median over rounds. Warm-up rounds are not recorded.
 */

export type Variant = {
  name: string;
  /** Runs one batch of `ops` operations. Time spent in `prepare` is not measured. */
  prepare?: () => Promise<unknown>;
  run: (prepared: any) => Promise<void>;
  ops: number;
};

export interface VariantStats {
  name: string;
  samples: number[];
  median: number;
  /**
   * Median main-thread busy time per operation (event-loop utilisation): the server's JS work,
   * without the password hash (it runs on the thread pool) and with far less noise than wall time.
   */
  busy: number;
  p25: number;
  p75: number;
  ops: number;
}

export function quantile(values: number[], q: number) {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export const median = (values: number[]) => quantile(values, 0.5);

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Interleaved rounds; returns per-variant stats in ms per operation. */
export async function interleave(variants: Variant[], options: { rounds: number; warmup: number; label?: string }) {
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const busy = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const total = options.rounds + options.warmup;
  for (let round = 0; round < total; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const prepared = v.prepare ? await v.prepare() : undefined;
      const elu = performance.eventLoopUtilization();
      const t0 = now();
      await v.run(prepared);
      const ms = (now() - t0) / v.ops;
      const active = performance.eventLoopUtilization(elu).active / v.ops;
      if (round >= options.warmup) {
        samples.get(v.name)!.push(ms);
        busy.get(v.name)!.push(active);
      }
    }
    if (options.label && (round + 1) % Math.max(1, Math.floor(total / 5)) === 0) {
      progress(`${options.label}: round ${round + 1}/${total}`);
    }
  }
  const stats: Record<string, VariantStats> = {};
  for (const v of variants) {
    const s = samples.get(v.name)!;
    stats[v.name] = { name: v.name, samples: s, median: median(s), busy: median(busy.get(v.name)!), p25: quantile(s, 0.25), p75: quantile(s, 0.75), ops: v.ops };
  }
  return stats;
}

/** Median of the per-round ratios a/b: a second view of the same samples, robust to drift. */
export function pairedRatio(a: VariantStats, b: VariantStats) {
  const n = Math.min(a.samples.length, b.samples.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push(a.samples[i] / b.samples[i]);
  return median(ratios);
}

/**
 * 95% bootstrap interval of median(a) / median(b): how far the figure could move on another run
 * with the same noise. Deterministic (seeded), 2 000 resamples.
 */
export function ratioInterval(a: VariantStats, b: VariantStats): [number, number] {
  let seed = 0x2f6b1d;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const resample = (xs: number[]) => xs.map(() => xs[Math.floor(random() * xs.length)]);
  const ratios: number[] = [];
  for (let i = 0; i < 2000; i++) ratios.push(median(resample(a.samples)) / median(resample(b.samples)));
  return [quantile(ratios, 0.025), quantile(ratios, 0.975)];
}

export const fmtInterval = ([lo, hi]: [number, number]) => `95% interval ${lo.toFixed(3)}–${hi.toFixed(3)}×`;

export function progress(message: string) {
  process.stdout.write(`  · ${message}\n`);
}

export interface BenchResult {
  id: string;
  title: string;
  /** "≤ 1.5×", "< 50 MB" */
  target: string;
  /** Measured figure as shown in the table. */
  measured: string;
  value: number;
  pass: boolean;
  /** What the figure is made of (medians, counts). */
  detail: string;
}

/** One machine-readable line per result; the runner collects them. */
export function report(result: BenchResult) {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

export const fmtMs = (ms: number) => (ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms >= 0.01 ? ms.toFixed(3) : ms.toFixed(5)) + ' ms';
export const fmtUs = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
export const fmtRatio = (r: number) => `${r.toFixed(3)}×`;

/** Runs a bench's main and exits non-zero on a crash (a missed target is not a crash). */
export function main(fn: () => Promise<void>) {
  fn().then(
    () => process.exit(0),
    (err) => {
      console.error(err?.stack || err);
      process.exit(2);
    },
  );
}
