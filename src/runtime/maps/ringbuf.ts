// The ring buffer map: a byte ring of `max_entries` bytes (a power of two). Each record is an 8-byte
// header { u32 length (bit 31 busy, bit 30 discarded, low 30 bits the data length), u32 page offset }
// then the data, the whole padded to 8 bytes; producer and consumer offsets only grow and are taken
// modulo the capacity (spec §6.1).

import { BpfMap, MapError, type MapContext, type MapDefinition } from './map.ts';

const HEADER = 8;
const BUSY = 0x80000000;
const DISCARD = 0x40000000;

/** BPF_MAP_TYPE_RINGBUF. */
export class RingBufferMap extends BpfMap {
  /** Arena address of the data area. */
  readonly data: number;
  private producer = 0;
  private consumer = 0;
  private readonly listeners = new Set<() => void>();

  constructor(definition: MapDefinition, context: MapContext) {
    super(definition, context);
    const capacity = definition.maxEntries;
    if (definition.keySize !== 0 || definition.valueSize !== 0) throw new MapError('INVALID_ARGUMENT', `map ${definition.name}: ring buffer key and value sizes must be 0`);
    if (capacity < 8 || (capacity & (capacity - 1)) !== 0) throw new MapError('INVALID_ARGUMENT', `map ${definition.name}: ring buffer size ${capacity} must be a power of two of at least 8 bytes`);
    this.data = context.arena.alloc(capacity);
  }

  get size(): number {
    return this.producer - this.consumer;
  }

  /** Bytes free for records. */
  get free(): number {
    return this.definition.maxEntries - (this.producer - this.consumer);
  }

  /** Appends a record; returns 0 or a negative errno (-ENOSPC when it does not fit). */
  output(bytes: Uint8Array): number {
    const total = (bytes.length + HEADER + 7) & ~7;
    if (bytes.length >= 1 << 30 || total > this.free) return -28;
    const capacity = this.definition.maxEntries;
    const start = this.producer % capacity;
    const view = this.context.arena.view;
    view.setUint32(this.data + start, bytes.length, true);
    view.setUint32(this.data + ((start + 4) % capacity), 0, true);
    for (let i = 0; i < bytes.length; i++) this.context.arena.bytes[this.data + ((start + HEADER + i) % capacity)] = bytes[i]!;
    this.producer += total;
    for (const listener of this.listeners) listener();
    return 0;
  }

  /** Reads and removes every complete record, oldest first (discarded ones are skipped). */
  consume(): Uint8Array[] {
    const capacity = this.definition.maxEntries;
    const out: Uint8Array[] = [];
    while (this.consumer < this.producer) {
      const start = this.consumer % capacity;
      const header = this.context.arena.view.getUint32(this.data + start, true);
      if (header & BUSY) break;
      const length = header & ~(BUSY | DISCARD);
      if (!(header & DISCARD)) {
        const record = new Uint8Array(length);
        for (let i = 0; i < length; i++) record[i] = this.context.arena.bytes[this.data + ((start + HEADER + i) % capacity)]!;
        out.push(record);
      }
      this.consumer += (length + HEADER + 7) & ~7;
    }
    return out;
  }

  /** Calls `listener` after every record written; returns the function that stops it. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  lookup(): Uint8Array | undefined {
    throw new MapError('NOT_SUPPORTED', `map ${this.name}: ring buffers are read by consuming records, not by key`);
  }

  update(): void {
    throw new MapError('NOT_SUPPORTED', `map ${this.name}: ring buffers are written with bpf_ringbuf_output`);
  }

  delete(): void {
    throw new MapError('NOT_SUPPORTED', `map ${this.name}: ring buffer records are consumed, not deleted`);
  }

  nextKey(): Uint8Array | undefined {
    throw new MapError('NOT_SUPPORTED', `map ${this.name}: ring buffers have no keys`);
  }

  override *entries(): Generator<[Uint8Array, Uint8Array]> {
    // Entries are a view of the unconsumed records, without consuming them.
    const saved = this.consumer;
    for (const record of this.consume()) yield [new Uint8Array(0), record];
    this.consumer = saved;
  }

  lookupAddress(): number {
    return 0;
  }

  protected disposeStorage(): void {
    this.context.arena.free(this.data);
  }
}
