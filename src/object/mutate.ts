// Deterministic mutations of object files, for the loader's hostile-input tests and `npm run fuzz:elf`:
// truncation, random bytes, section header fields (offsets, sizes, links, string offsets) and BTF type
// fields pushed out of range, BTF type loops and bad BTF string offsets, and relocations aimed at nowhere.

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
    const sections = relocationSections(out);
    if (sections.length === 0) return out;
    const { offset, size, entrySize } = sections[Math.floor(random() * sections.length)]!;
    const entry = offset + entrySize * Math.floor((random() * size) / entrySize);
    const choice = random();
    // The offset (anywhere, or onto a neighbouring instruction), or the symbol index.
    if (choice < 0.35) view.setBigUint64(entry, BigInt(Math.floor(random() * 0x100000)), true);
    else if (choice < 0.7) view.setBigUint64(entry, view.getBigUint64(entry, true) + BigInt(8 * (Math.floor(random() * 5) - 2)), true);
    else view.setUint32(entry + 12, Math.floor(random() * 0x10000), true);
    return out;
  },
  btfLoop: (bytes, random) => {
    const out = bytes.slice();
    const records = btfRecords(out).filter((r) => r.refersAt !== undefined);
    if (records.length === 0) return MUTATIONS.btfTypeField!(bytes, random);
    const record = records[Math.floor(random() * records.length)]!;
    // Point the type at itself, or at an earlier type that may lead back to it.
    const target = random() < 0.5 ? record.id : 1 + Math.floor(random() * record.id);
    new DataView(out.buffer).setUint32(record.refersAt!, target, true);
    return out;
  },
  btfStringOffset: (bytes, random) => {
    const out = bytes.slice();
    const records = btfRecords(out);
    if (records.length === 0) return MUTATIONS.randomBytes!(bytes, random);
    const record = records[Math.floor(random() * records.length)]!;
    const choices = [0x7fffffff, 0xffffffff, 1 + Math.floor(random() * 0x10000)];
    new DataView(out.buffer).setUint32(record.at, choices[Math.floor(random() * choices.length)]!, true);
    return out;
  },
};

function findBtf(bytes: Uint8Array): number {
  for (let i = 0; i + 24 <= bytes.length; i += 4) {
    if (bytes[i] === 0x9f && bytes[i + 1] === 0xeb && bytes[i + 2] === 1 && bytes[i + 4] === 24 && bytes[i + 5] === 0) return i;
  }
  return -1;
}

/** REL and RELA sections of the file (offset, size, entry size) whose bytes lie inside it. */
function relocationSections(bytes: Uint8Array): { offset: number; size: number; entrySize: number }[] {
  if (bytes.length < 64) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = Number(view.getBigUint64(40, true));
  const shnum = view.getUint16(60, true);
  const out = [];
  for (let i = 0; i < shnum && shoff + (i + 1) * 64 <= bytes.length; i++) {
    const header = shoff + i * 64;
    const type = view.getUint32(header + 4, true);
    if (type !== 9 && type !== 4) continue; // SHT_REL, SHT_RELA
    const entrySize = type === 9 ? 16 : 24;
    const offset = Number(view.getBigUint64(header + 24, true));
    const size = Number(view.getBigUint64(header + 32, true));
    if (size >= entrySize && offset + size <= bytes.length) out.push({ offset, size, entrySize });
  }
  return out;
}

/** BTF kinds whose third header word is a type id (PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, VAR, TYPE_TAG, DECL_TAG). */
const REFERRING_KINDS = new Set([2, 8, 9, 10, 11, 12, 14, 17, 18]);

/** The type records of the file's BTF: id, file offset, and where its type reference is (if it has one). */
function btfRecords(bytes: Uint8Array): { id: number; at: number; refersAt?: number }[] {
  const magic = findBtf(bytes);
  if (magic < 0) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = magic + view.getUint32(magic + 4, true) + view.getUint32(magic + 8, true);
  const end = start + view.getUint32(magic + 12, true);
  if (end > bytes.length) return [];
  const out: { id: number; at: number; refersAt?: number }[] = [];
  // Bytes after the 12-byte header, per kind: fixed, and per vlen entry.
  const fixed: Record<number, number> = { 1: 4, 3: 12, 14: 4, 17: 4 };
  const perEntry: Record<number, number> = { 4: 12, 5: 12, 6: 8, 13: 8, 15: 12, 19: 12 };
  for (let at = start, id = 1; at + 12 <= end; id++) {
    const info = view.getUint32(at + 4, true);
    const kind = (info >>> 24) & 0x1f;
    out.push({ id, at, ...(REFERRING_KINDS.has(kind) ? { refersAt: at + 8 } : kind === 3 ? { refersAt: at + 12 } : {}) });
    at += 12 + (fixed[kind] ?? 0) + (perEntry[kind] ?? 0) * (info & 0xffff);
  }
  return out;
}

/** One mutated copy of `bytes`: a random mutation kind, applied once or twice. */
export function mutate(bytes: Uint8Array, random: () => number): { kind: string; bytes: Uint8Array } {
  const kinds = Object.keys(MUTATIONS);
  const kind = kinds[Math.floor(random() * kinds.length)]!;
  let out = MUTATIONS[kind]!(bytes, random);
  if (random() < 0.3) out = MUTATIONS[kinds[Math.floor(random() * kinds.length)]!]!(out, random);
  return { kind, bytes: out };
}
