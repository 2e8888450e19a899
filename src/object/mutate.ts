// Deterministic mutations of object files, for the loader's hostile-input tests and `npm run fuzz:elf`:
// truncation, random bytes, section header fields (offsets, sizes, links, string offsets) and BTF type
// fields pushed out of range, and relocations aimed at nowhere.

/** A small seeded PRNG (mulberry32): the same seed gives the same mutations everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The mutation kinds, each a function of the file and the random source. */
export const MUTATIONS: Record<string, (bytes: Uint8Array, random: () => number) => Uint8Array> = {
  truncate: (bytes, random) => bytes.slice(0, Math.floor(random() * bytes.length)),
  randomBytes: (bytes, random) => {
    const out = bytes.slice();
    const count = 1 + Math.floor(random() * 16);
    for (let i = 0; i < count; i++) out[Math.floor(random() * out.length)] = Math.floor(random() * 256);
    return out;
  },
  sectionHeaderField: (bytes, random) => {
    const out = bytes.slice();
    const view = new DataView(out.buffer);
    if (out.length < 64) return out;
    const shoff = Number(view.getBigUint64(40, true));
    const shnum = view.getUint16(60, true);
    if (shnum === 0 || shoff + shnum * 64 > out.length) return out;
    const header = shoff + Math.floor(random() * shnum) * 64;
    // name, type, offset, size, link, info, entsize
    const fields = [[0, 4], [4, 4], [24, 8], [32, 8], [40, 4], [44, 4], [56, 8]] as const;
    const [at, width] = fields[Math.floor(random() * fields.length)]!;
    const values = [0, 1, 0xffffffff, Math.floor(random() * 0x100000), out.length, out.length - 1];
    const value = values[Math.floor(random() * values.length)]!;
    if (width === 4) view.setUint32(header + at, value >>> 0, true);
    else view.setBigUint64(header + at, BigInt(value), true);
    return out;
  },
  btfTypeField: (bytes, random) => {
    const out = bytes.slice();
    const magic = findBtf(out);
    if (magic < 0) return MUTATIONS.randomBytes!(bytes, random);
    const view = new DataView(out.buffer);
    const typesStart = magic + view.getUint32(magic + 4, true) + view.getUint32(magic + 8, true);
    const typesLength = view.getUint32(magic + 12, true);
    if (typesLength < 12 || typesStart + typesLength > out.length) return out;
    // Point a word of the type data at a random type id, a loop back to itself, or far out of range.
    const word = typesStart + 4 * Math.floor((random() * typesLength) / 4);
    const choices = [1, 2, 3, 0xffff, 0x7fffffff, Math.floor(random() * 64)];
    view.setUint32(word, choices[Math.floor(random() * choices.length)]!, true);
    return out;
  },
  relocationTarget: (bytes, random) => {
    const out = bytes.slice();
    const view = new DataView(out.buffer);
    if (out.length < 64) return out;
    const shoff = Number(view.getBigUint64(40, true));
    const shnum = view.getUint16(60, true);
    for (let i = 0; i < shnum && shoff + (i + 1) * 64 <= out.length; i++) {
      const header = shoff + i * 64;
      if (view.getUint32(header + 4, true) !== 9) continue; // SHT_REL
      const offset = Number(view.getBigUint64(header + 24, true));
      const size = Number(view.getBigUint64(header + 32, true));
      if (size < 16 || offset + size > out.length) continue;
      const entry = offset + 16 * Math.floor((random() * size) / 16);
      if (random() < 0.5) view.setBigUint64(entry, BigInt(Math.floor(random() * 0x100000)), true);
      else view.setUint32(entry + 12, Math.floor(random() * 0x10000), true);
      return out;
    }
    return out;
  },
};

function findBtf(bytes: Uint8Array): number {
  for (let i = 0; i + 24 <= bytes.length; i += 4) {
    if (bytes[i] === 0x9f && bytes[i + 1] === 0xeb && bytes[i + 2] === 1 && bytes[i + 4] === 24 && bytes[i + 5] === 0) return i;
  }
  return -1;
}

/** One mutated copy of `bytes`: a random mutation kind, applied once or twice. */
export function mutate(bytes: Uint8Array, random: () => number): { kind: string; bytes: Uint8Array } {
  const kinds = Object.keys(MUTATIONS);
  const kind = kinds[Math.floor(random() * kinds.length)]!;
  let out = MUTATIONS[kind]!(bytes, random);
  if (random() < 0.3) out = MUTATIONS[kinds[Math.floor(random() * kinds.length)]!]!(out, random);
  return { kind, bytes: out };
}
