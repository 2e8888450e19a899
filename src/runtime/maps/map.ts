// What every map offers: user-side operations on byte arrays (the CLI, the service, tests) and
// program-side operations on arena addresses (the helpers). Values live in the arena, so the address a
// program-side lookup returns is where the engines read and write the value in place.

import type { MapTypeSpec } from '../../platform/index.ts';
import type { Arena } from '../arena.ts';

/** Update flags. */
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;

/** Error numbers helpers return (negated), as on Linux and in eBPF for Windows' errno mapping. */
export const ERRNO = { ENOENT: 2, E2BIG: 7, EEXIST: 17, EINVAL: 22, ENOSPC: 28, EOPNOTSUPP: 95 } as const;

/** A map operation that failed: a stable code, the errno a helper returns, and a message naming the map. */
export class MapError extends Error {
  readonly code: 'KEY_NOT_FOUND' | 'KEY_EXISTS' | 'MAP_FULL' | 'INVALID_ARGUMENT' | 'WRONG_SIZE' | 'NOT_SUPPORTED';
  readonly errno: number;
  constructor(code: MapError['code'], message: string) {
    super(message);
    this.name = 'MapError';
    this.code = code;
    this.errno = {
      KEY_NOT_FOUND: ERRNO.ENOENT, KEY_EXISTS: ERRNO.EEXIST, MAP_FULL: ERRNO.E2BIG, INVALID_ARGUMENT: ERRNO.EINVAL,
      WRONG_SIZE: ERRNO.EINVAL, NOT_SUPPORTED: ERRNO.EOPNOTSUPP,
    }[code];
  }
}

/** The definition a map is created from. */
export interface MapDefinition {
  readonly name: string;
  readonly type: MapTypeSpec;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags?: number;
}

/** Options shared by all maps. */
export interface MapContext {
  readonly arena: Arena;
  /** Number of "CPUs" per-CPU maps keep a value for. */
  readonly cpuCount: number;
  /** The CPU the running program is on (per-CPU maps hand it that CPU's value). */
  currentCpu(): number;
}

/** A map of any type. */
export abstract class BpfMap {
  constructor(
    readonly definition: MapDefinition,
    protected readonly context: MapContext,
  ) {
    const { keySize, valueSize, maxEntries, name } = definition;
    for (const [what, value] of [['key size', keySize], ['value size', valueSize], ['max entries', maxEntries]] as const) {
      if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw new MapError('INVALID_ARGUMENT', `map ${name}: invalid ${what} ${value}`);
    }
  }

  get name(): string {
    return this.definition.name;
  }

  /** Bytes of one value as users see it (per-CPU maps: one value per CPU, each rounded up to 8 bytes). */
  get userValueSize(): number {
    return this.definition.valueSize;
  }

  /** Number of entries present now. */
  abstract get size(): number;

  /** User side: the value for a key, or undefined. */
  abstract lookup(key: Uint8Array): Uint8Array | undefined;
  /** User side: creates or replaces an entry as `flags` allows. */
  abstract update(key: Uint8Array, value: Uint8Array, flags?: number): void;
  /** User side: removes an entry; KEY_NOT_FOUND when absent. */
  abstract delete(key: Uint8Array): void;
  /** User side: the key after `key` (the first key when undefined), or undefined at the end. */
  abstract nextKey(key: Uint8Array | undefined): Uint8Array | undefined;

  /** Program side: the arena address of the value for the key at `keyAddress`, or 0. */
  abstract lookupAddress(keyAddress: number): number;

  /** User side: lookup then delete. */
  lookupAndDelete(key: Uint8Array): Uint8Array {
    const value = this.lookup(key);
    if (value === undefined) throw new MapError('KEY_NOT_FOUND', `map ${this.name}: key not found`);
    this.delete(key);
    return value;
  }

  /** Every entry, in the map's iteration order. */
  *entries(): Generator<[Uint8Array, Uint8Array]> {
    for (let key = this.nextKey(undefined); key !== undefined; key = this.nextKey(key)) {
      const value = this.lookup(key);
      if (value !== undefined) yield [key, value];
    }
  }

  private scratch = 0;

  /** Frees the map's storage. */
  dispose(): void {
    this.disposeStorage();
    if (this.scratch) this.context.arena.free(this.scratch);
    this.scratch = 0;
  }

  /** Frees what the map type itself holds. */
  protected abstract disposeStorage(): void;

  /** Program side: update from arena addresses (the current CPU's value for per-CPU maps); 0 or a negative errno. */
  updateFromProgram(keyAddress: number, valueAddress: number, flags: number): number {
    try {
      this.update(this.readKey(keyAddress), this.context.arena.read(valueAddress, this.definition.valueSize), flags);
      return 0;
    } catch (error) {
      if (error instanceof MapError) return -error.errno;
      throw error;
    }
  }

  /** Program side: copies the value out, deletes the entry, and returns where the copy is (0 when absent). */
  lookupAndDeleteFromProgram(keyAddress: number): number {
    const address = this.lookupAddress(keyAddress);
    if (address === 0) return 0;
    if (!this.scratch) this.scratch = this.context.arena.alloc(Math.max(1, this.definition.valueSize));
    this.context.arena.write(this.scratch, this.context.arena.read(address, this.definition.valueSize));
    try {
      this.delete(this.readKey(keyAddress));
    } catch (error) {
      if (!(error instanceof MapError)) throw error;
      return 0;
    }
    return this.scratch;
  }

  protected checkKey(key: Uint8Array): void {
    if (key.length !== this.definition.keySize) {
      throw new MapError('WRONG_SIZE', `map ${this.name}: key is ${key.length} bytes, the map's keys are ${this.definition.keySize}`);
    }
  }

  protected checkValue(value: Uint8Array): void {
    if (value.length !== this.userValueSize) {
      throw new MapError('WRONG_SIZE', `map ${this.name}: value is ${value.length} bytes, the map's values are ${this.userValueSize}`);
    }
  }

  protected checkFlags(flags: number): void {
    if (flags !== BPF_ANY && flags !== BPF_NOEXIST && flags !== BPF_EXIST) {
      throw new MapError('INVALID_ARGUMENT', `map ${this.name}: invalid update flags ${flags} (expected BPF_ANY, BPF_NOEXIST or BPF_EXIST)`);
    }
  }

  /** The key at an arena address: a view, valid until the arena grows (copy it to keep it). */
  protected readKey(address: number): Uint8Array {
    return this.context.arena.bytes.subarray(address, address + this.definition.keySize);
  }
}

/** A key's identity in JS maps: one character per byte (cheap to build, exact to reverse). */
export function keyId(key: Uint8Array): string {
  let out = '';
  for (let i = 0; i < key.length; i++) out += String.fromCharCode(key[i]!);
  return out;
}

/** The bytes of a key id. */
export function keyBytes(id: string): Uint8Array {
  const out = new Uint8Array(id.length);
  for (let i = 0; i < out.length; i++) out[i] = id.charCodeAt(i);
  return out;
}

/** Rounds up to a multiple of 8 (per-CPU value strides, array strides). */
export const round8 = (n: number) => (n + 7) & ~7;
