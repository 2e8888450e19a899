// An ELF64 little-endian reader for eBPF objects. It trusts nothing in the file: every offset, size, index
// and string offset is checked against the bytes before use, and a bad one is an ElfError that names the
// section and the file offset at fault.

/** Section header types this project reads. */
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;

/** Section flag: occupies memory and holds code. */
export const SHF_EXECINSTR = 0x4;

/** Symbol types and bindings. */
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

const EM_BPF = 247;
const ELF_HEADER_SIZE = 64;
const SECTION_HEADER_SIZE = 64;
const SYMBOL_SIZE = 24;
const MAX_SECTIONS = 65280;

/** Where in a file something is wrong: ElfError gives file offsets, ObjectError offsets inside the section. */
export interface FilePlace {
  section?: string;
  offset?: number;
}

/** An error about a place in an object file; its message ends with `(section X, offset 0x..)`. */
export abstract class FilePlaceError extends Error {
  abstract readonly code: string;
  readonly section: string | undefined;
  readonly offset: number | undefined;
  constructor(message: string, where: FilePlace = {}) {
    const place = [where.section !== undefined ? `section ${where.section}` : '', where.offset !== undefined ? `offset 0x${where.offset.toString(16)}` : '']
      .filter(Boolean)
      .join(', ');
    super(place ? `${message} (${place})` : message);
    this.section = where.section;
    this.offset = where.offset;
  }
}

/** A malformed ELF file: what is wrong, in which section, at which file offset. */
export class ElfError extends FilePlaceError {
  readonly code = 'ELF_INVALID';
  override readonly name = 'ElfError';
}

/** One section header. */
export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly entrySize: number;
}

/** One symbol table entry. */
export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  readonly value: number;
  readonly size: number;
  readonly type: number;
  readonly binding: number;
  readonly sectionIndex: number;
}

/** One relocation entry (REL or RELA). */
export interface ElfRelocation {
  readonly offset: number;
  readonly symbolIndex: number;
  readonly type: number;
  readonly addend: number;
}

/** A parsed ELF64 file: its sections and symbols, with checked access to their bytes. */
export class ElfFile {
  readonly bytes: Uint8Array;
  readonly sections: readonly ElfSection[];
  private readonly view: DataView;
  private symbolCache: ElfSymbol[] | undefined;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.checkHeader();
    this.sections = this.readSections();
  }

  /** The section with this name, if any (the first, when several share it). */
  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** A section's bytes (empty for SHT_NOBITS), checked to lie inside the file. */
  sectionData(section: ElfSection): Uint8Array {
    if (section.type === SHT_NOBITS) return new Uint8Array(0);
    return this.bytes.subarray(section.offset, section.offset + section.size);
  }

  /** Every symbol of the symbol table (index 0 included, as in the file). */
  symbols(): readonly ElfSymbol[] {
    if (this.symbolCache) return this.symbolCache;
    const symtab = this.sections.find((s) => s.type === SHT_SYMTAB);
    if (!symtab) return (this.symbolCache = []);
    const strtab = this.linkedStringTable(symtab);
    const entrySize = symtab.entrySize || SYMBOL_SIZE;
    if (entrySize < SYMBOL_SIZE) throw new ElfError(`symbol entry size ${entrySize} is smaller than ${SYMBOL_SIZE}`, { section: symtab.name, offset: symtab.offset });
    const count = Math.floor(symtab.size / entrySize);
    const out: ElfSymbol[] = [];
    for (let i = 0; i < count; i++) {
      const at = symtab.offset + i * entrySize;
      const info = this.view.getUint8(at + 4);
      out.push({
        index: i,
        name: this.string(strtab, this.view.getUint32(at, true), `the name of symbol ${i}`, { section: symtab.name, offset: at }),
        type: info & 0xf,
        binding: info >> 4,
        sectionIndex: this.view.getUint16(at + 6, true),
        value: this.u64(at + 8, `symbol ${i}`, symtab.name),
        size: this.u64(at + 16, `symbol ${i}`, symtab.name),
      });
    }
    return (this.symbolCache = out);
  }

  /** Relocation sections, each with the section it applies to. */
  relocationSections(): { section: ElfSection; target: ElfSection }[] {
    const out: { section: ElfSection; target: ElfSection }[] = [];
    for (const section of this.sections) {
      if (section.type !== SHT_REL && section.type !== SHT_RELA) continue;
      const target = this.sections[section.info];
      if (!target || section.info === 0) {
        throw new ElfError(`relocation section applies to section index ${section.info}, which does not exist`, { section: section.name, offset: section.offset });
      }
      out.push({ section, target });
    }
    return out;
  }

  /** The entries of a REL or RELA section. */
  relocations(section: ElfSection): ElfRelocation[] {
    const rela = section.type === SHT_RELA;
    const minimum = rela ? 24 : 16;
    const entrySize = section.entrySize || minimum;
    if (entrySize < minimum) throw new ElfError(`relocation entry size ${entrySize} is smaller than ${minimum}`, { section: section.name, offset: section.offset });
    const count = Math.floor(section.size / entrySize);
    const out: ElfRelocation[] = [];
    for (let i = 0; i < count; i++) {
      const at = section.offset + i * entrySize;
      out.push({
        offset: this.u64(at, `relocation ${i}`, section.name),
        type: this.view.getUint32(at + 8, true),
        symbolIndex: this.view.getUint32(at + 12, true),
        addend: rela ? Number(this.view.getBigInt64(at + 16, true)) : 0,
      });
    }
    return out;
  }

  /**
   * A NUL-terminated string at `offset` in string table `table`. `where` is the place the offset was read
   * from (a symbol, a section header), which a bad offset's error names.
   */
  string(table: ElfSection, offset: number, context: string, where: FilePlace = { section: table.name, offset: table.offset }): string {
    if (offset >= table.size) {
      throw new ElfError(`string offset ${offset} is outside string table ${table.name} (${table.size} bytes), read for ${context}`, where);
    }
    const start = table.offset + offset;
    const end = this.bytes.subarray(start, table.offset + table.size).indexOf(0);
    if (end < 0) throw new ElfError(`string at offset ${offset} of string table ${table.name}, read for ${context}, is not terminated inside the table`, where);
    return new TextDecoder().decode(this.bytes.subarray(start, start + end));
  }

  private linkedStringTable(section: ElfSection): ElfSection {
    const strtab = this.sections[section.link];
    if (!strtab || section.link === 0 || strtab.type !== SHT_STRTAB) {
      throw new ElfError(`linked string table (section index ${section.link}) is missing or not a string table`, { section: section.name, offset: section.offset });
    }
    return strtab;
  }

  /** A 64-bit field of `what` (a section header, a symbol...) at file offset `at`, in `section` if any. */
  private u64(at: number, what: string, section?: string): number {
    const value = this.view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`64-bit field of ${what} holds ${value}, too large to be an offset or size`, { ...(section !== undefined ? { section } : {}), offset: at });
    return Number(value);
  }

  private checkHeader(): void {
    const b = this.bytes;
    if (b.length < ELF_HEADER_SIZE) throw new ElfError(`file is ${b.length} bytes, too short for an ELF header (64 bytes)`, { offset: 0 });
    if (b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) throw new ElfError('not an ELF file (bad magic number)', { offset: 0 });
    if (b[4] !== 2) throw new ElfError('not a 64-bit ELF file', { offset: 4 });
    if (b[5] !== 1) throw new ElfError('not a little-endian ELF file (big-endian eBPF objects are not supported)', { offset: 5 });
    const machine = this.view.getUint16(18, true);
    // Old LLVM versions left e_machine at 0 (EM_NONE) in BPF objects; accept it as BPF.
    if (machine !== EM_BPF && machine !== 0) throw new ElfError(`ELF machine is ${machine}, not BPF (247)`, { offset: 18 });
  }

  private readSections(): ElfSection[] {
    const shoff = this.u64(40, 'the ELF header (e_shoff)');
    const shentsize = this.view.getUint16(58, true);
    const shnum = this.view.getUint16(60, true);
    const shstrndx = this.view.getUint16(62, true);
    if (shnum === 0) return [];
    if (shentsize < SECTION_HEADER_SIZE) throw new ElfError(`section header size ${shentsize} is smaller than ${SECTION_HEADER_SIZE}`, { offset: 58 });
    if (shnum > MAX_SECTIONS) throw new ElfError(`${shnum} sections is more than supported`, { offset: 60 });
    if (shoff + shnum * shentsize > this.bytes.length) {
      throw new ElfError(`section header table (${shnum} entries at 0x${shoff.toString(16)}) runs past the end of the file (${this.bytes.length} bytes)`, { offset: 40 });
    }
    const raw = [];
    for (let i = 0; i < shnum; i++) {
      const at = shoff + i * shentsize;
      const header = {
        index: i,
        nameOffset: this.view.getUint32(at, true),
        type: this.view.getUint32(at + 4, true),
        flags: this.u64(at + 8, `section header ${i}`, `#${i}`),
        offset: this.u64(at + 24, `section header ${i}`, `#${i}`),
        size: this.u64(at + 32, `section header ${i}`, `#${i}`),
        link: this.view.getUint32(at + 40, true),
        info: this.view.getUint32(at + 44, true),
        entrySize: this.u64(at + 56, `section header ${i}`, `#${i}`),
        headerOffset: at,
      };
      if (header.type !== SHT_NOBITS && header.type !== SHT_NULL && header.offset + header.size > this.bytes.length) {
        throw new ElfError(`section data (0x${header.size.toString(16)} bytes at 0x${header.offset.toString(16)}) runs past the end of the file (${this.bytes.length} bytes)`, { section: `#${i}`, offset: at + 24 });
      }
      raw.push(header);
    }
    const names = raw[shstrndx];
    if (!names || names.type !== SHT_STRTAB) throw new ElfError(`section name table index ${shstrndx} is not a string table`, { offset: 62 });
    const nameTable = { ...names, name: '.shstrtab' } as ElfSection;
    return raw.map((h) => ({
      index: h.index,
      name: h.type === SHT_NULL && h.nameOffset === 0 ? '' : this.string(nameTable, h.nameOffset, `the name of section #${h.index}`, { section: `#${h.index}`, offset: h.headerOffset }),
      type: h.type,
      flags: h.flags,
      offset: h.offset,
      size: h.size,
      link: h.link,
      info: h.info,
      entrySize: h.entrySize,
    }));
  }
}
