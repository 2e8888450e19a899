// Drives a running service from several concurrent socket clients for a while and counts what came back,
// for the load test and `bench/service.ts`.

import { performance } from 'node:perf_hooks';
import { socketApi, type EbpfApi } from '../../../src/client/index.ts';

/** What a load run did. */
export interface LoadResult {
  readonly ok: number;
  readonly failed: number;
  readonly seconds: number;
  /** Latencies of successful requests in microseconds, sorted. */
  readonly latenciesUs: Float64Array;
}

/** Runs `request(api, client, n)` in a loop on `clients` connections for `seconds`. */
export async function driveService(home: string, clients: number, seconds: number, request: (api: EbpfApi, client: number, n: number) => Promise<unknown>): Promise<LoadResult> {
  const apis = Array.from({ length: clients }, () => socketApi({ EBPF_HOME: home }, { connections: 1, clientName: 'load' }));
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    apis.map(async (api, client) => {
      for (let n = 0; performance.now() < end; n++) {
        const t = performance.now();
        try {
          await request(api, client, n);
          latencies.push((performance.now() - t) * 1000);
          ok++;
        } catch {
          failed++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  await Promise.all(apis.map((a) => a.close()));
  return { ok, failed, seconds: elapsed, latenciesUs: Float64Array.from(latencies).sort() };
}

/** The p-th percentile (0-100) of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
