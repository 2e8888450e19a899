// The perf event array: one ring buffer per CPU, each `max_entries` bytes (eBPF for Windows' meaning,
// unlike Linux where max_entries counts CPUs; spec §6.2). A program writes only to its current CPU's ring.

import { BpfMap, MapError, type MapContext, type MapDefinition } from './map.ts';
import { RingBufferMap } from './ringbuf.ts';

/** BPF_MAP_TYPE_PERF_EVENT_ARRAY. */
export class PerfEventArrayMap extends BpfMap {
  readonly rings: readonly RingBufferMap[];

  constructor(definition: MapDefinition, context: MapContext) {
    super(definition, context);
    const ring = { ...definition, keySize: 0, valueSize: 0 };
    this.rings = Array.from({ length: context.cpuCount }, () => new RingBufferMap(ring, context));
  }

  get size(): number {
    return this.rings.reduce((total, ring) => total + ring.size, 0);
  }

  /** Appends a record to one CPU's ring; 0 or a negative errno. */
  output(cpu: number, bytes: Uint8Array): number {
    const ring = this.rings[cpu];
    if (!ring) return -22;
    return ring.output(bytes);
  }

  /** Every CPU's unconsumed records, consumed, with their CPU. */
  consume(): { cpu: number; record: Uint8Array }[] {
    return this.rings.flatMap((ring, cpu) => ring.consume().map((record) => ({ cpu, record })));
  }

  lookup(): Uint8Array | undefined {
    throw new MapError('NOT_SUPPORTED', `map ${this.name}: perf event arrays are read by consuming records`);
  }

  update(): void {
    throw new MapError('NOT_SUPPORTED', `map ${this.name}: perf event arrays are written with bpf_perf_event_output`);
  }

  delete(): void {
    throw new MapError('NOT_SUPPORTED', `map ${this.name}: perf records are consumed, not deleted`);
  }

  nextKey(): Uint8Array | undefined {
    throw new MapError('NOT_SUPPORTED', `map ${this.name}: perf event arrays have no keys`);
  }

  /** Every CPU's unconsumed records, without consuming them; the key is the CPU (u32). */
  override *entries(): Generator<[Uint8Array, Uint8Array]> {
    for (let cpu = 0; cpu < this.rings.length; cpu++) {
      for (const [, record] of this.rings[cpu]!.entries()) yield [new Uint8Array(new Uint32Array([cpu]).buffer), record];
    }
  }

  lookupAddress(): number {
    return 0;
  }

  protected disposeStorage(): void {
    for (const ring of this.rings) ring.dispose();
  }
}
