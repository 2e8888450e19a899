// Queue (FIFO) and stack (LIFO) maps: keyless, values pushed and popped. A push into a full map fails,
// or with BPF_EXIST overwrites the oldest value.

import { BpfMap, MapError, BPF_EXIST, type MapContext, type MapDefinition } from './map.ts';

/** BPF_MAP_TYPE_QUEUE and BPF_MAP_TYPE_STACK. */
export class QueueMap extends BpfMap {
  private readonly values: Uint8Array[] = [];
  private readonly lifo: boolean;
  /** Where a program-side peek or pop copies its value. */
  constructor(definition: MapDefinition, context: MapContext) {
    super(definition, context);
    if (definition.keySize !== 0) throw new MapError('INVALID_ARGUMENT', `map ${definition.name}: ${definition.type.displayName} maps have no keys (key size must be 0)`);
    this.lifo = definition.type.name.endsWith('STACK');
  }

  get size(): number {
    return this.values.length;
  }

  /** Adds a value; full: refused, or with BPF_EXIST the oldest value makes room. */
  push(value: Uint8Array, flags = 0): void {
    this.checkValue(value);
    if (flags !== 0 && flags !== BPF_EXIST) throw new MapError('INVALID_ARGUMENT', `map ${this.name}: push takes flags 0 or BPF_EXIST, not ${flags}`);
    if (this.values.length >= this.definition.maxEntries) {
      if (flags !== BPF_EXIST) throw new MapError('MAP_FULL', `map ${this.name}: full (${this.definition.maxEntries} values)`);
      this.values.shift();
    }
    this.values.push(value.slice());
  }

  /** The next value (front of a queue, top of a stack), removed. */
  pop(): Uint8Array {
    const value = this.lifo ? this.values.pop() : this.values.shift();
    if (!value) throw new MapError('KEY_NOT_FOUND', `map ${this.name}: empty`);
    return value;
  }

  /** The next value, kept. */
  peek(): Uint8Array {
    const value = this.lifo ? this.values[this.values.length - 1] : this.values[0];
    if (!value) throw new MapError('KEY_NOT_FOUND', `map ${this.name}: empty`);
    return value.slice();
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    this.checkKey(key);
    return this.values.length ? this.peek() : undefined;
  }

  update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.checkKey(key);
    this.push(value, flags);
  }

  delete(): void {
    throw new MapError('NOT_SUPPORTED', `map ${this.name}: ${this.definition.type.displayName} values are popped, not deleted`);
  }

  override lookupAndDelete(key: Uint8Array): Uint8Array {
    this.checkKey(key);
    return this.pop();
  }

  nextKey(): Uint8Array | undefined {
    throw new MapError('NOT_SUPPORTED', `map ${this.name}: ${this.definition.type.displayName} maps have no keys to iterate`);
  }

  override *entries(): Generator<[Uint8Array, Uint8Array]> {
    const order = this.lifo ? [...this.values].reverse() : this.values;
    for (const v of order) yield [new Uint8Array(0), v.slice()];
  }

  lookupAddress(): number {
    return 0;
  }

  protected disposeStorage(): void {
    this.values.length = 0;
  }
}
