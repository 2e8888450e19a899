// Parsing the .BTF section and resolving types: sizes, modifiers and typedefs skipped, struct layouts.
// Every count, offset and type id read from the section is checked; a type graph with a loop is an error
// when resolved, never a hang.

import { BTF_KINDS, BtfError, type BtfEnumValue, type BtfMember, type BtfType } from './types.ts';

const BTF_MAGIC = 0xeb9f;
const SECTION = '.BTF';
const MAX_RESOLVE_DEPTH = 64;

/** Parsed BTF: the types by id and the string table. */
export class Btf {
  /** Types by id; index 0 is void (undefined). */
  readonly types: readonly (BtfType | undefined)[];
  private readonly strings: Uint8Array;
  /** Byte offset of each type's record in the section, for errors that name a type. */
  private readonly recordOffsets: number[] = [0];
  /** The section this was parsed from (kept so a map's types can be saved and parsed again). */
  private readonly section: Uint8Array;

  private constructor(types: (BtfType | undefined)[], strings: Uint8Array, section: Uint8Array) {
    this.types = types;
    this.strings = strings;
    this.section = section;
  }

  /** The bytes of the .BTF section, as parsed. */
  get bytes(): Uint8Array {
    return this.section;
  }

  /** Parses the bytes of a .BTF section. */
  static parse(bytes: Uint8Array): Btf {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < 24) throw new BtfError(`header needs 24 bytes, section has ${bytes.length}`, SECTION, 0);
    if (view.getUint16(0, true) !== BTF_MAGIC) throw new BtfError('bad magic number (not little-endian BTF)', SECTION, 0);
    if (bytes[2] !== 1) throw new BtfError(`BTF version ${bytes[2]} is not 1`, SECTION, 2);
    const headerLength = view.getUint32(4, true);
    const typeOffset = view.getUint32(8, true);
    const typeLength = view.getUint32(12, true);
    const stringOffset = view.getUint32(16, true);
    const stringLength = view.getUint32(20, true);
    if (headerLength < 24 || headerLength > bytes.length) throw new BtfError(`header length ${headerLength} is invalid`, SECTION, 4);
    const typesStart = headerLength + typeOffset;
    const stringsStart = headerLength + stringOffset;
    if (typesStart + typeLength > bytes.length) throw new BtfError(`type data (${typeLength} bytes at ${typesStart}) runs past the section (${bytes.length} bytes)`, SECTION, 8);
    if (stringsStart + stringLength > bytes.length) throw new BtfError(`string data (${stringLength} bytes at ${stringsStart}) runs past the section (${bytes.length} bytes)`, SECTION, 16);
    const strings = bytes.subarray(stringsStart, stringsStart + stringLength);
    const btf = new Btf([undefined], strings, bytes);
    btf.readTypes(view, typesStart, typesStart + typeLength);
    return btf;
  }

  /**
   * The string at `offset` of the BTF string table. `where` is the place the offset was read from (a
   * record of .BTF or .BTF.ext), named in the error when the offset is bad.
   */
  string(offset: number, context = 'a name', where: { section: string; offset: number } = { section: SECTION, offset: -1 }): string {
    if (offset === 0) return '';
    const place = where.offset >= 0 ? where.offset : undefined;
    if (offset >= this.strings.length) throw new BtfError(`string offset ${offset} for ${context} is outside the string table (${this.strings.length} bytes)`, where.section, place);
    const end = this.strings.indexOf(0, offset);
    if (end < 0) throw new BtfError(`string at offset ${offset} for ${context} is not terminated`, where.section, place);
    return new TextDecoder().decode(this.strings.subarray(offset, end));
  }

  /** The type with this id; throws for an id that does not exist (0, void, gives undefined). */
  type(id: number): BtfType | undefined {
    if (id === 0) return undefined;
    const t = this.types[id];
    if (!t) throw new BtfError(`type id ${id} does not exist (the section has ${this.types.length - 1} types)`, SECTION);
    return t;
  }

  /** Follows typedefs, const/volatile/restrict and type tags to the type they name. */
  resolve(id: number): BtfType | undefined {
    let current = id;
    for (let depth = 0; depth < MAX_RESOLVE_DEPTH; depth++) {
      const t = this.type(current);
      if (!t) return undefined;
      if (t.kind === 'TYPEDEF' || t.kind === 'CONST' || t.kind === 'VOLATILE' || t.kind === 'RESTRICT' || t.kind === 'TYPE_TAG') {
        current = t.type;
        continue;
      }
      return t;
    }
    throw new BtfError(`type ${id} does not resolve within ${MAX_RESOLVE_DEPTH} steps (a loop of typedefs or modifiers)`, SECTION, this.recordOffsets[id]);
  }

  /** Size in bytes of a type (void is 0). Loops are errors. */
  size(id: number, depth = 0): number {
    if (depth > MAX_RESOLVE_DEPTH) throw new BtfError(`size of type ${id} does not resolve (a loop in the type graph)`, SECTION, this.recordOffsets[id]);
    const t = this.resolve(id);
    if (!t) return 0;
    switch (t.kind) {
      case 'INT':
      case 'STRUCT':
      case 'UNION':
      case 'ENUM':
      case 'ENUM64':
      case 'DATASEC':
      case 'FLOAT':
        return t.size;
      case 'PTR':
        return 8;
      case 'ARRAY':
        return t.length * this.size(t.type, depth + 1);
      case 'VAR':
        return this.size(t.type, depth + 1);
      default:
        throw new BtfError(`type ${id} (${t.kind}) has no size`, SECTION, this.recordOffsets[id]);
    }
  }

  /** The id of the first type with this name and kind, if any. */
  findByName(name: string, kind?: BtfType['kind']): BtfType | undefined {
    return this.types.find((t) => t !== undefined && t.name === name && (kind === undefined || t.kind === kind));
  }

  private readTypes(view: DataView, start: number, end: number): void {
    const types = this.types as (BtfType | undefined)[];
    let at = start;
    const need = (n: number, what: string) => {
      if (at + n > end) throw new BtfError(`${what} of type ${types.length} runs past the type data`, SECTION, at);
    };
    while (at < end) {
      need(12, 'the header');
      const id = types.length;
      this.recordOffsets.push(at);
      const name = this.string(view.getUint32(at, true), `type ${id}`, { section: SECTION, offset: at });
      const info = view.getUint32(at + 4, true);
      const sizeOrType = view.getUint32(at + 8, true);
      const vlen = info & 0xffff;
      const kindNumber = (info >>> 24) & 0x1f;
      const kindFlag = (info >>> 31) === 1;
      const kind = BTF_KINDS[kindNumber];
      if (!kind || kind === 'UNKN') throw new BtfError(`type ${id} has unknown kind ${kindNumber}`, SECTION, at + 4);
      at += 12;
      switch (kind) {
        case 'INT': {
          need(4, 'the INT data');
          const data = view.getUint32(at, true);
          at += 4;
          types.push({ kind, id, name, size: sizeOrType, encoding: (data >>> 24) & 0x0f, bitOffset: (data >>> 16) & 0xff, bits: data & 0xff });
          break;
        }
        case 'PTR':
        case 'TYPEDEF':
        case 'VOLATILE':
        case 'CONST':
        case 'RESTRICT':
        case 'TYPE_TAG':
          types.push({ kind, id, name, type: sizeOrType });
          break;
        case 'ARRAY': {
          need(12, 'the ARRAY data');
          types.push({ kind, id, name, type: view.getUint32(at, true), indexType: view.getUint32(at + 4, true), length: view.getUint32(at + 8, true) });
          at += 12;
          break;
        }
        case 'STRUCT':
        case 'UNION': {
          need(12 * vlen, 'the members');
          const members: BtfMember[] = [];
          for (let i = 0; i < vlen; i++, at += 12) {
            const offset = view.getUint32(at + 8, true);
            members.push({
              name: this.string(view.getUint32(at, true), `member ${i} of type ${id}`, { section: SECTION, offset: at }),
              type: view.getUint32(at + 4, true),
              bitOffset: kindFlag ? offset & 0xffffff : offset,
              bitfieldSize: kindFlag ? offset >>> 24 : 0,
            });
          }
          types.push({ kind, id, name, size: sizeOrType, members, kindFlag });
          break;
        }
        case 'ENUM':
        case 'ENUM64': {
          const width = kind === 'ENUM' ? 8 : 12;
          need(width * vlen, 'the enumerators');
          const values: BtfEnumValue[] = [];
          for (let i = 0; i < vlen; i++, at += width) {
            const valueName = this.string(view.getUint32(at, true), `enumerator ${i} of type ${id}`, { section: SECTION, offset: at });
            let value: bigint;
            if (kind === 'ENUM') value = kindFlag ? BigInt(view.getInt32(at + 4, true)) : BigInt(view.getUint32(at + 4, true));
            else {
              const raw = (BigInt(view.getUint32(at + 8, true)) << 32n) | BigInt(view.getUint32(at + 4, true));
              value = kindFlag ? BigInt.asIntN(64, raw) : raw;
            }
            values.push({ name: valueName, value });
          }
          types.push({ kind, id, name, size: sizeOrType, signed: kindFlag, values });
          break;
        }
        case 'FWD':
          types.push({ kind, id, name, union: kindFlag });
          break;
        case 'FUNC':
          types.push({ kind, id, name, type: sizeOrType, linkage: vlen });
          break;
        case 'FUNC_PROTO': {
          need(8 * vlen, 'the parameters');
          const params = [];
          for (let i = 0; i < vlen; i++, at += 8) {
            params.push({ name: this.string(view.getUint32(at, true), `parameter ${i} of type ${id}`, { section: SECTION, offset: at }), type: view.getUint32(at + 4, true) });
          }
          types.push({ kind, id, name, returnType: sizeOrType, params });
          break;
        }
        case 'VAR':
          need(4, 'the VAR data');
          types.push({ kind, id, name, type: sizeOrType, linkage: view.getUint32(at, true) });
          at += 4;
          break;
        case 'DATASEC': {
          need(12 * vlen, 'the variables');
          const vars = [];
          for (let i = 0; i < vlen; i++, at += 12) {
            vars.push({ type: view.getUint32(at, true), offset: view.getUint32(at + 4, true), size: view.getUint32(at + 8, true) });
          }
          types.push({ kind, id, name, size: sizeOrType, vars });
          break;
        }
        case 'FLOAT':
          types.push({ kind, id, name, size: sizeOrType });
          break;
        case 'DECL_TAG':
          need(4, 'the DECL_TAG data');
          types.push({ kind, id, name, type: sizeOrType, componentIndex: view.getInt32(at, true) });
          at += 4;
          break;
      }
    }
    this.checkReferences();
  }

  /** Every type id a type refers to must exist, so later lookups never meet a dangling id. */
  private checkReferences(): void {
    const count = this.types.length;
    const check = (from: BtfType, id: number, what: string) => {
      if (id >= count) throw new BtfError(`type ${from.id} (${from.kind} '${from.name}') refers to ${what} ${id}, which does not exist`, SECTION, this.recordOffsets[from.id]);
    };
    for (const t of this.types) {
      if (!t) continue;
      switch (t.kind) {
        case 'PTR': case 'TYPEDEF': case 'VOLATILE': case 'CONST': case 'RESTRICT': case 'TYPE_TAG': case 'FUNC': case 'VAR': case 'DECL_TAG':
          check(t, t.type, 'type');
          break;
        case 'ARRAY':
          check(t, t.type, 'element type');
          check(t, t.indexType, 'index type');
          break;
        case 'STRUCT': case 'UNION':
          for (const m of t.members) check(t, m.type, `member '${m.name}' type`);
          break;
        case 'FUNC_PROTO':
          check(t, t.returnType, 'return type');
          for (const p of t.params) check(t, p.type, 'parameter type');
          break;
        case 'DATASEC':
          for (const v of t.vars) check(t, v.type, 'variable type');
          break;
        default:
          break;
      }
    }
  }
}
