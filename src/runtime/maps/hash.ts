// Hash maps: keys in a JS Map (insertion-ordered: the user side's lookups, iteration and order), each
// value in its own arena block so its address stays valid while the entry lives, and an index of the same
// entries in the arena (open addressing, linear probing) that program-side lookups probe: the runtime's
// helpers in JS, and code the JIT compiles inline (src/engines/jit), which reads the same bytes.
// LRU variants move an entry to the back on every access and evict the front when full; per-CPU variants
// keep one value per CPU in each block.

import { BpfMap, MapError, BPF_EXIST, BPF_NOEXIST, keyBytes, keyId, round8, type MapContext, type MapDefinition } from './map.ts';

// The arena index. A header block { buckets: u32, mask: u32 } (its address fixed for the map's life; the
// bucket array moves when the index is rebuilt) and a bucket array of `mask + 1` buckets of
// `bucketStride(keySize)` bytes: { hash: u32, value: u32, key bytes }. value 0 is an empty bucket, 1 a
// deleted one (arena addresses are never below the null guard). Probing starts at hash & mask and steps by
// one; at most three quarters of the buckets are ever in use, so every probe meets an empty bucket.

/** Header fields (byte offsets). */
export const INDEX_BUCKETS = 0;
export const INDEX_MASK = 4;
/** Bucket fields (byte offsets). */
export const BUCKET_HASH = 0;
export const BUCKET_VALUE = 4;
export const BUCKET_KEY = 8;
/** A bucket's value field: never used, and emptied by a delete. */
export const BUCKET_EMPTY = 0;
export const BUCKET_DELETED = 1;
const MIN_BUCKETS = 8;

/** Bytes per bucket for a key size: hash, value address and key, rounded up to 8. */
export const bucketStride = (keySize: number) => round8(BUCKET_KEY + keySize);

/** The seed of the key hash (any constant; JS and the JIT's inline code must agree). */
export const KEY_HASH_SEED = 0x6b43a9b5;
/** Murmur3's 32-bit constants. */
export const KEY_HASH_C1 = 0xcc9e2d51;
export const KEY_HASH_C2 = 0x1b873593;

/**
 * The index's key hash: Murmur3 (32-bit) over the key's bytes, little-endian 4-byte words, seeded with
 * KEY_HASH_SEED. The JIT emits the same steps for a key size known at compile time.
 */
export function hashKey(bytes: Uint8Array, at: number, length: number): number {
  let h = KEY_HASH_SEED;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    let k = bytes[at + i]! | (bytes[at + i + 1]! << 8) | (bytes[at + i + 2]! << 16) | (bytes[at + i + 3]! << 24);
    k = Math.imul(k, KEY_HASH_C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, KEY_HASH_C2);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < length) {
    let k = 0;
    for (let j = length - 1; j >= i; j--) k = (k << 8) | bytes[at + j]!;
    k = Math.imul(k, KEY_HASH_C1);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, KEY_HASH_C2);
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Where compiled code finds a map's index: what the JIT needs to probe it inline. */
export interface HashIndexLayout {
  /** Address of the header { buckets, mask }. */
  readonly header: number;
  readonly keySize: number;
  /** Bytes per bucket. */
  readonly stride: number;
}

/** Largest key the JIT probes inline (its hash and comparison are unrolled). */
export const INLINE_KEY_LIMIT = 64;

/** BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH and HASH_OF_MAPS. */
export class HashMap extends BpfMap {
  private readonly entriesById = new Map<string, number>(); // key id -> value block address
  private readonly lru: boolean;
  private readonly perCpu: boolean;
  private readonly stride: number;
  /** The index header's address (fixed) and the bucket array's size and use. */
  private header = 0;
  private capacity = 0;
  /** Buckets holding an entry or a deleted mark. */
  private used = 0;

  constructor(definition: MapDefinition, context: MapContext) {
    super(definition, context);
    if (definition.keySize === 0) throw new MapError('INVALID_ARGUMENT', `map ${definition.name}: hash keys cannot be empty`);
    this.lru = definition.type.name.includes('LRU');
    this.perCpu = definition.type.perCpu;
    this.stride = bucketStride(definition.keySize);
    this.header = context.arena.alloc(8);
    try {
      this.rebuild(MIN_BUCKETS);
    } catch (error) {
      context.arena.free(this.header);
      throw error;
    }
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

  /**
   * The index's layout when compiled code may probe it in place of a program-side lookup: plain hash maps
   * of data (no LRU order to keep, no per-CPU offset, no inner-map translation) with keys of at most
   * INLINE_KEY_LIMIT bytes.
   */
  inlineLayout(): HashIndexLayout | undefined {
    if (this.lru || this.perCpu || this.definition.type.valueKind !== 'data' || this.definition.keySize > INLINE_KEY_LIMIT) return undefined;
    return { header: this.header, keySize: this.definition.keySize, stride: this.stride };
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
    const evict = this.entriesById.size >= this.definition.maxEntries;
    if (evict && !this.lru) throw new MapError('MAP_FULL', `map ${this.name}: full (${this.definition.maxEntries} entries)`);
    // Room in the index and the value block first: an arena that cannot grow changes nothing.
    this.reserve();
    address = this.context.arena.alloc(Math.max(1, this.blockSize));
    if (evict) {
      const [oldest, oldAddress] = this.entriesById.entries().next().value as [string, number];
      this.entriesById.delete(oldest);
      this.unindex(keyBytes(oldest));
      this.context.arena.free(oldAddress);
    }
    fill(address);
    this.entriesById.set(id, address);
    this.index(keyBytes(id), address);
  }

  delete(key: Uint8Array): void {
    this.checkKey(key);
    const id = keyId(key);
    const address = this.entriesById.get(id);
    if (address === undefined) throw new MapError('KEY_NOT_FOUND', `map ${this.name}: key not found`);
    this.entriesById.delete(id);
    this.unindex(key);
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
    const bucket = this.find(this.context.arena.bytes, keyAddress);
    if (bucket < 0) return 0;
    const address = this.context.arena.view.getUint32(bucket + BUCKET_VALUE, true);
    if (this.lru) this.touch(keyId(this.readKey(keyAddress)), address);
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
    if (this.header === 0) return;
    this.context.arena.free(this.context.arena.view.getUint32(this.header + INDEX_BUCKETS, true));
    this.context.arena.free(this.header);
    this.header = 0;
    this.capacity = 0;
  }

  // The index. `bytes` must be the arena's current bytes (read after any allocation).

  /**
   * The bucket holding the key `key[at, at + keySize)` (the arena's own bytes for a program's key), or -1.
   * At most `capacity` buckets are looked at.
   */
  private find(key: Uint8Array, at: number): number {
    const keySize = this.definition.keySize;
    const arena = this.context.arena;
    const view = arena.view;
    const bytes = arena.bytes;
    const hash = hashKey(key, at, keySize);
    const buckets = view.getUint32(this.header + INDEX_BUCKETS, true);
    const mask = this.capacity - 1;
    for (let i = hash & mask, n = 0; n <= mask; i = (i + 1) & mask, n++) {
      const bucket = buckets + i * this.stride;
      const value = view.getUint32(bucket + BUCKET_VALUE, true);
      if (value === BUCKET_EMPTY) return -1;
      if (value === BUCKET_DELETED || view.getUint32(bucket + BUCKET_HASH, true) !== hash) continue;
      let j = 0;
      while (j < keySize && bytes[bucket + BUCKET_KEY + j] === key[at + j]) j++;
      if (j === keySize) return bucket;
    }
    return -1;
  }

  /** Makes room for one more entry: rebuilds the index (larger, or just without deleted marks) when needed. */
  private reserve(): void {
    if ((this.used + 1) * 4 <= this.capacity * 3) return;
    let capacity = MIN_BUCKETS;
    while (capacity < (this.entriesById.size + 1) * 2) capacity *= 2;
    this.rebuild(capacity);
  }

  /** A new bucket array of `capacity` buckets holding every entry; the old one is freed. */
  private rebuild(capacity: number): void {
    const arena = this.context.arena;
    const fresh = arena.alloc(capacity * this.stride);
    const old = this.capacity > 0 ? arena.view.getUint32(this.header + INDEX_BUCKETS, true) : 0;
    arena.view.setUint32(this.header + INDEX_BUCKETS, fresh, true);
    arena.view.setUint32(this.header + INDEX_MASK, capacity - 1, true);
    this.capacity = capacity;
    this.used = 0;
    for (const [id, address] of this.entriesById) this.index(keyBytes(id), address);
    if (old) arena.free(old);
  }

  /**
   * Adds an entry known to be absent (room reserved). Every probe is bounded: should the buckets have been
   * overwritten (a program writing through a value pointer kept after its entry was deleted, when the
   * freed block went to a new bucket array), the index is rebuilt from the entries instead of looping.
   */
  private index(key: Uint8Array, address: number): void {
    const view = this.context.arena.view;
    const bytes = this.context.arena.bytes;
    const hash = hashKey(key, 0, key.length);
    const buckets = view.getUint32(this.header + INDEX_BUCKETS, true);
    const mask = this.capacity - 1;
    for (let i = hash & mask, n = 0; n <= mask; i = (i + 1) & mask, n++) {
      const bucket = buckets + i * this.stride;
      const value = view.getUint32(bucket + BUCKET_VALUE, true);
      if (value !== BUCKET_EMPTY && value !== BUCKET_DELETED) continue;
      if (value === BUCKET_EMPTY) this.used++;
      view.setUint32(bucket + BUCKET_HASH, hash, true);
      bytes.set(key, bucket + BUCKET_KEY);
      view.setUint32(bucket + BUCKET_VALUE, address, true);
      return;
    }
    this.rebuild(this.capacity * 2); // the entry is in entriesById already, so the rebuild indexes it
  }

  /** Marks a present entry's bucket deleted (the whole index empty when no entry is left). */
  private unindex(key: Uint8Array): void {
    if (this.entriesById.size === 0) {
      this.clearIndex();
      return;
    }
    const bucket = this.find(key, 0);
    if (bucket >= 0) this.context.arena.view.setUint32(bucket + BUCKET_VALUE, BUCKET_DELETED, true);
  }

  /** With no entries left, every bucket is empty again. */
  private clearIndex(): void {
    const buckets = this.context.arena.view.getUint32(this.header + INDEX_BUCKETS, true);
    this.context.arena.bytes.fill(0, buckets, buckets + this.capacity * this.stride);
    this.used = 0;
  }
}
