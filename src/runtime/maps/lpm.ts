// Longest-prefix-match trie: keys are { u32 prefix length; data }, a lookup finds the entry with the
// longest prefix that covers the key's data. Entries are kept per prefix length, so a lookup masks the
// data to each length from the longest down: at most (keySize - 4) * 8 + 1 probes.

import { BpfMap, MapError, BPF_EXIST, BPF_NOEXIST, keyBytes, keyId, type MapContext, type MapDefinition } from './map.ts';

/** BPF_MAP_TYPE_LPM_TRIE. */
export class LpmTrieMap extends BpfMap {
  private readonly byLength = new Map<number, Map<string, number>>(); // prefix length -> masked key id -> value address
  private count = 0;
  private readonly dataBits: number;

  constructor(definition: MapDefinition, context: MapContext) {
    super(definition, context);
    if (definition.keySize <= 4) throw new MapError('INVALID_ARGUMENT', `map ${definition.name}: LPM keys are a 4-byte prefix length and at least 1 byte of data`);
    this.dataBits = (definition.keySize - 4) * 8;
  }

  get size(): number {
    return this.count;
  }

  /** The key with its data masked to its own prefix length (the canonical form of an entry). */
  private canonical(key: Uint8Array): { length: number; id: string } {
    this.checkKey(key);
    const length = new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
    if (length > this.dataBits) throw new MapError('INVALID_ARGUMENT', `map ${this.name}: prefix length ${length} is longer than the key's ${this.dataBits} bits`);
    return { length, id: keyId(mask(key, length)) };
  }

  lookup(key: Uint8Array): Uint8Array | undefined {
    const address = this.find(key);
    return address === undefined ? undefined : this.context.arena.read(address, this.definition.valueSize);
  }

  /** Longest match for the key's data, up to the key's own prefix length. */
  private find(key: Uint8Array): number | undefined {
    const { length } = this.canonical(key);
    for (let bits = length; bits >= 0; bits--) {
      const table = this.byLength.get(bits);
      if (!table) continue;
      const address = table.get(keyId(mask(withLength(key, bits), bits)));
      if (address !== undefined) return address;
    }
    return undefined;
  }

  update(key: Uint8Array, value: Uint8Array, flags = 0): void {
    this.checkFlags(flags);
    this.checkValue(value);
    const { length, id } = this.canonical(key);
    let table = this.byLength.get(length);
    const existing = table?.get(id);
    if (existing !== undefined) {
      if (flags === BPF_NOEXIST) throw new MapError('KEY_EXISTS', `map ${this.name}: prefix already present (BPF_NOEXIST)`);
      this.context.arena.write(existing, value);
      return;
    }
    if (flags === BPF_EXIST) throw new MapError('KEY_NOT_FOUND', `map ${this.name}: prefix not present (BPF_EXIST)`);
    if (this.count >= this.definition.maxEntries) throw new MapError('MAP_FULL', `map ${this.name}: full (${this.definition.maxEntries} entries)`);
    if (!table) this.byLength.set(length, (table = new Map()));
    const address = this.context.arena.alloc(Math.max(1, this.definition.valueSize));
    this.context.arena.write(address, value);
    table.set(id, address);
    this.count++;
  }

  delete(key: Uint8Array): void {
    const { length, id } = this.canonical(key);
    const table = this.byLength.get(length);
    const address = table?.get(id);
    if (address === undefined) throw new MapError('KEY_NOT_FOUND', `map ${this.name}: prefix not present`);
    table!.delete(id);
    this.context.arena.free(address);
    this.count--;
  }

  nextKey(key: Uint8Array | undefined): Uint8Array | undefined {
    const all = [...this.byLength.entries()].sort(([a], [b]) => b - a).flatMap(([, table]) => [...table.keys()]);
    if (key === undefined) return all.length ? keyBytes(all[0]!) : undefined;
    const index = all.indexOf(this.canonical(key).id);
    const next = index < 0 ? all[0] : all[index + 1];
    return next === undefined ? undefined : keyBytes(next);
  }

  lookupAddress(keyAddress: number): number {
    try {
      return this.find(this.readKey(keyAddress)) ?? 0;
    } catch {
      return 0;
    }
  }

  protected disposeStorage(): void {
    for (const table of this.byLength.values()) for (const address of table.values()) this.context.arena.free(address);
    this.byLength.clear();
    this.count = 0;
  }
}

function withLength(key: Uint8Array, bits: number): Uint8Array {
  const out = key.slice();
  new DataView(out.buffer).setUint32(0, bits, true);
  return out;
}

/** Zeroes the data bits past `bits` (data starts after the 4-byte length; bits run from the first byte's top bit). */
function mask(key: Uint8Array, bits: number): Uint8Array {
  const out = key.slice();
  for (let i = 4; i < out.length; i++) {
    const bitStart = (i - 4) * 8;
    if (bitStart >= bits) out[i] = 0;
    else if (bitStart + 8 > bits) out[i] = out[i]! & (0xff << (8 - (bits - bitStart)));
  }
  return out;
}
