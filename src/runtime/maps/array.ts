// Array maps: one contiguous arena block, value i at base + i * stride, so a program-side lookup is a
// bounds check and an add (what the JIT can inline). Per-CPU arrays keep one value per CPU in each slot.
// Arrays of programs and of maps hold object ids (u32) and behave the same on the user side.

import { BpfMap, MapError, BPF_NOEXIST, round8, type MapContext, type MapDefinition } from './map.ts';

/** BPF_MAP_TYPE_ARRAY, PERCPU_ARRAY, PROG_ARRAY and ARRAY_OF_MAPS. */
export class ArrayMap extends BpfMap {
  /** Arena address of slot 0. */
  readonly base: number;
  /** Bytes between slots. */
  readonly stride: number;
  private readonly perCpu: boolean;

  constructor(definition: MapDefinition, context: MapContext) {
    super(definition, context);
    if (definition.keySize !== 4) throw new MapError('INVALID_ARGUMENT', `map ${definition.name}: array keys must be 4 bytes, not ${definition.keySize}`);
    if (definition.type.valueKind !== 'data' && definition.valueSize !== 4) {
      throw new MapError('INVALID_ARGUMENT', `map ${definition.name}: ${definition.type.displayName} values are 4-byte ids, not ${definition.valueSize} bytes`);
    }
    this.perCpu = definition.type.perCpu;
    this.stride = this.perCpu ? round8(definition.valueSize) * context.cpuCount : round8(definition.valueSize);
    this.base = context.arena.alloc(Math.max(1, this.stride * definition.maxEntries));
  }

  override get userValueSize(): number {
    return this.perCpu ? round8(this.definition.valueSize) * this.context.cpuCount : this.definition.valueSize;
  }

  get size(): number {
    return this.definition.maxEntries;
  }

  private index(key: Uint8Array): number {
    this.checkKey(key);
    return new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    const i = this.index(key);
    if (i >= this.definition.maxEntries) return undefined;
    const start = this.base + i * this.stride;
    if (!this.perCpu) return this.context.arena.read(start, this.definition.valueSize);
    return this.context.arena.read(start, this.stride);
  }

  update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.checkFlags(flags);
    const i = this.index(key);
    this.checkValue(value);
    if (i >= this.definition.maxEntries) throw new MapError('MAP_FULL', `map ${this.name}: index ${i} is outside the array (max entries ${this.definition.maxEntries})`);
    if (flags === BPF_NOEXIST) throw new MapError('KEY_EXISTS', `map ${this.name}: array entries always exist (BPF_NOEXIST)`);
    this.context.arena.write(this.base + i * this.stride, value);
  }

  delete(key: Uint8Array): void {
    this.index(key);
    if (this.definition.type.valueKind === 'data') throw new MapError('INVALID_ARGUMENT', `map ${this.name}: array entries cannot be deleted`);
    // Arrays of programs or maps: deleting clears the slot.
    this.context.arena.write(this.base + this.index(key) * this.stride, new Uint8Array(4));
  }

  nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    const next = key === undefined ? 0 : this.index(key) + 1;
    if (next >= this.definition.maxEntries) return undefined;
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, next, true);
    return out;
  }

  lookupAddress(keyAddress: number): number {
    const i = this.context.arena.view.getUint32(keyAddress, true);
    if (i >= this.definition.maxEntries) return 0;
    return this.base + i * this.stride + (this.perCpu ? this.context.currentCpu() * round8(this.definition.valueSize) : 0);
  }

  override updateFromProgram(keyAddress: number, valueAddress: number, flags: number): number {
    if (!this.perCpu) return super.updateFromProgram(keyAddress, valueAddress, flags);
    if (flags === BPF_NOEXIST) return -17;
    const target = this.lookupAddress(keyAddress);
    if (target === 0) return -7;
    this.context.arena.write(target, this.context.arena.read(valueAddress, this.definition.valueSize));
    return 0;
  }

  protected disposeStorage(): void {
    this.context.arena.free(this.base);
  }
}
