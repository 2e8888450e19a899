// Hash maps: keys in a JS Map (insertion-ordered), each value in its own arena block so its address
// stays valid while the entry lives. LRU variants move an entry to the back on every access and evict
// the front when full; per-CPU variants keep one value per CPU in each block.

import { BpfMap, MapError, BPF_EXIST, BPF_NOEXIST, keyBytes, keyId, round8, type MapContext, type MapDefinition } from './map.ts';

/** BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH and HASH_OF_MAPS. */
export class HashMap extends BpfMap {
  private readonly entriesById = new Map<string, number>(); // key id -> value block address
  private readonly lru: boolean;
  private readonly perCpu: boolean;

  constructor(definition: MapDefinition, context: MapContext) {
    super(definition, context);
    if (definition.keySize === 0) throw new MapError('INVALID_ARGUMENT', `map ${definition.name}: hash keys cannot be empty`);
    this.lru = definition.type.name.includes('LRU');
    this.perCpu = definition.type.perCpu;
  }

  override get userValueSize(): number {
    return this.perCpu ? round8(this.definition.valueSize) * this.context.cpuCount : this.definition.valueSize;
  }

  private get blockSize(): number {
    return this.perCpu ? round8(this.definition.valueSize) * this.context.cpuCount : this.definition.valueSize;
  }

  get size(): number {
    return this.entriesById.size;
  }

  private touch(id: string, address: number): void {
    if (!this.lru) return;
    this.entriesById.delete(id);
    this.entriesById.set(id, address);
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkKey(key);
    const id = keyId(key);
    const address = this.entriesById.get(id);
    if (address === undefined) return undefined;
    return this.context.arena.read(address, this.blockSize);
  }

  update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.checkFlags(flags);
    this.checkKey(key);
    this.checkValue(value);
    this.store(keyId(key), flags, (address) => this.context.arena.write(address, value));
  }

  /** Creates or finds the entry and lets `fill` write its value. */
  private store(id: string, flags: number, fill: (address: number) => void): void {
    let address = this.entriesById.get(id);
    if (address !== undefined) {
      if (flags === BPF_NOEXIST) throw new MapError('KEY_EXISTS', `map ${this.name}: key already exists (BPF_NOEXIST)`);
      fill(address);
      this.touch(id, address);
      return;
    }
    if (flags === BPF_EXIST) throw new MapError('KEY_NOT_FOUND', `map ${this.name}: key not found (BPF_EXIST)`);
    if (this.entriesById.size >= this.definition.maxEntries) {
      if (!this.lru) throw new MapError('MAP_FULL', `map ${this.name}: full (${this.definition.maxEntries} entries)`);
      const [oldest, oldAddress] = this.entriesById.entries().next().value as [string, number];
      this.entriesById.delete(oldest);
      this.context.arena.free(oldAddress);
    }
    address = this.context.arena.alloc(Math.max(1, this.blockSize));
    fill(address);
    this.entriesById.set(id, address);
  }

  delete(key: Uint8Array): void {
    this.checkKey(key);
    const id = keyId(key);
    const address = this.entriesById.get(id);
    if (address === undefined) throw new MapError('KEY_NOT_FOUND', `map ${this.name}: key not found`);
    this.entriesById.delete(id);
    this.context.arena.free(address);
  }

  /** Every entry in one pass (walking by nextKey copies the key list once per entry: quadratic). */
  override *entries(): Generator<[Uint8Array, Uint8Array]> {
    for (const [id, address] of [...this.entriesById]) yield [keyBytes(id), this.context.arena.read(address, this.blockSize)];
  }

  nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    const ids = [...this.entriesById.keys()];
    if (key === undefined) return ids.length ? keyBytes(ids[0]!) : undefined;
    this.checkKey(key);
    const index = ids.indexOf(keyId(key));
    // Like Linux: a key that is not in the map restarts the walk from the first key.
    const next = index < 0 ? ids[0] : ids[index + 1];
    return next === undefined ? undefined : keyBytes(next);
  }

  lookupAddress(keyAddress: number): number {
    const id = keyId(this.readKey(keyAddress));
    const address = this.entriesById.get(id);
    if (address === undefined) return 0;
    this.touch(id, address);
    return address + (this.perCpu ? this.context.currentCpu() * round8(this.definition.valueSize) : 0);
  }

  /** Program side: update from arena addresses; returns 0 or a negative errno. */
  override updateFromProgram(keyAddress: number, valueAddress: number, flags: number): number {
    try {
      this.checkFlags(flags);
      const value = this.context.arena.read(valueAddress, this.definition.valueSize);
      const cpu = this.perCpu ? this.context.currentCpu() * round8(this.definition.valueSize) : 0;
      this.store(keyId(this.readKey(keyAddress)), flags, (address) => this.context.arena.write(address + cpu, value));
      return 0;
    } catch (error) {
      if (error instanceof MapError) return -error.errno;
      throw error;
    }
  }

  protected disposeStorage(): void {
    for (const address of this.entriesById.values()) this.context.arena.free(address);
    this.entriesById.clear();
  }
}
