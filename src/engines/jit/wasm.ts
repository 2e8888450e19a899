// A small WebAssembly binary writer: just what the JIT emits (one memory import, function imports, a
// global, functions with i64/i32 locals, and the instructions in WASM below).

/** Value types. */
export const I32 = 0x7f;
export const I64 = 0x7e;

/** The opcodes the JIT uses, by their text-format names. */
export const WASM = {
  unreachable: 0x00, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, br_if: 0x0d, return: 0x0f, call: 0x10,
  drop: 0x1a, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22, globalGet: 0x23, globalSet: 0x24,
  i32Load: 0x28, i64Load: 0x29, i32Load8U: 0x2d, i32Load16U: 0x2f, i64Load8S: 0x30, i64Load8U: 0x31, i64Load16S: 0x32, i64Load16U: 0x33, i64Load32S: 0x34, i64Load32U: 0x35,
  i64Store: 0x37, i64Store8: 0x3c, i64Store16: 0x3d, i64Store32: 0x3e, memorySize: 0x3f,
  i32Const: 0x41, i64Const: 0x42,
  i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtS: 0x48, i32LtU: 0x49, i32GtS: 0x4a, i32GtU: 0x4b, i32LeS: 0x4c, i32LeU: 0x4d, i32GeS: 0x4e, i32GeU: 0x4f,
  i64Eqz: 0x50, i64Eq: 0x51, i64Ne: 0x52, i64LtS: 0x53, i64LtU: 0x54, i64GtS: 0x55, i64GtU: 0x56, i64LeS: 0x57, i64LeU: 0x58, i64GeS: 0x59, i64GeU: 0x5a,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32DivS: 0x6d, i32DivU: 0x6e, i32RemS: 0x6f, i32RemU: 0x70, i32And: 0x71, i32Or: 0x72, i32Xor: 0x73,
  i32Shl: 0x74, i32ShrS: 0x75, i32ShrU: 0x76, i32Rotl: 0x77, i32Rotr: 0x78,
  i64Add: 0x7c, i64Sub: 0x7d, i64Mul: 0x7e, i64DivS: 0x7f, i64DivU: 0x80, i64RemS: 0x81, i64RemU: 0x82, i64And: 0x83, i64Or: 0x84, i64Xor: 0x85,
  i64Shl: 0x86, i64ShrS: 0x87, i64ShrU: 0x88,
  i32WrapI64: 0xa7, i64ExtendI32S: 0xac, i64ExtendI32U: 0xad,
  i32Extend8S: 0xc0, i32Extend16S: 0xc1, i64Extend8S: 0xc2, i64Extend16S: 0xc3, i64Extend32S: 0xc4,
} as const;

/** Appends unsigned LEB128. */
export function uleb(out: number[], value: number): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

/** Appends signed LEB128 of a 64-bit value. */
export function sleb(out: number[], value: bigint): void {
  let v = BigInt.asIntN(64, value);
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

/** A function body under construction. */
export class FunctionBody {
  readonly code: number[] = [];
  constructor(readonly locals: readonly { count: number; type: number }[]) {}
  op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }
  i32(value: number): this {
    this.code.push(WASM.i32Const);
    sleb(this.code, BigInt(value | 0));
    return this;
  }
  i64(value: bigint): this {
    this.code.push(WASM.i64Const);
    sleb(this.code, value);
    return this;
  }
  get(index: number): this {
    this.code.push(WASM.localGet);
    uleb(this.code, index);
    return this;
  }
  set(index: number): this {
    this.code.push(WASM.localSet);
    uleb(this.code, index);
    return this;
  }
  tee(index: number): this {
    this.code.push(WASM.localTee);
    uleb(this.code, index);
    return this;
  }
  /** A load or store with alignment hint 0 and offset 0 (addresses are computed in full). */
  mem(opcode: number): this {
    this.code.push(opcode, 0, 0);
    return this;
  }
  /** A load or store at the address on the stack plus a constant `offset`. */
  memAt(opcode: number, offset: number): this {
    this.code.push(opcode, 0);
    uleb(this.code, offset);
    return this;
  }
  withIndex(opcode: number, index: number): this {
    this.code.push(opcode);
    uleb(this.code, index);
    return this;
  }
}

function section(out: number[], id: number, content: number[]): void {
  out.push(id);
  uleb(out, content.length);
  for (const b of content) out.push(b);
}

function name(out: number[], text: string): void {
  const bytes = new TextEncoder().encode(text);
  uleb(out, bytes.length);
  for (const b of bytes) out.push(b);
}

/** A whole module: types, function imports from `env`, the imported memory `env.memory`, globals, functions, exports. */
export interface ModuleSpec {
  types: { params: number[]; results: number[] }[];
  imports: { name: string; type: number }[];
  globals: { type: number; mutable: boolean; init: bigint }[];
  functions: { type: number; body: FunctionBody; export?: string }[];
}

/** Encodes a module to bytes. */
export function encodeModule(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  uleb(types, spec.types.length);
  for (const t of spec.types) {
    types.push(0x60);
    uleb(types, t.params.length);
    types.push(...t.params);
    uleb(types, t.results.length);
    types.push(...t.results);
  }
  section(out, 1, types);
  const imports: number[] = [];
  uleb(imports, spec.imports.length + 1);
  name(imports, 'env');
  name(imports, 'memory');
  imports.push(0x02, 0x00, 0x00); // memory, limits: min 0, no max (matches any memory)
  for (const imp of spec.imports) {
    name(imports, 'env');
    name(imports, imp.name);
    imports.push(0x00);
    uleb(imports, imp.type);
  }
  section(out, 2, imports);
  const functions: number[] = [];
  uleb(functions, spec.functions.length);
  for (const f of spec.functions) uleb(functions, f.type);
  section(out, 3, functions);
  if (spec.globals.length > 0) {
    const globals: number[] = [];
    uleb(globals, spec.globals.length);
    for (const g of spec.globals) {
      globals.push(g.type, g.mutable ? 1 : 0, g.type === I64 ? WASM.i64Const : WASM.i32Const);
      sleb(globals, g.init);
      globals.push(WASM.end);
    }
    section(out, 6, globals);
  }
  const exports: number[] = [];
  const exported = spec.functions.map((f, i) => ({ f, index: spec.imports.length + i })).filter((e) => e.f.export);
  uleb(exports, exported.length);
  for (const e of exported) {
    name(exports, e.f.export!);
    exports.push(0x00);
    uleb(exports, e.index);
  }
  section(out, 7, exports);
  const code: number[] = [];
  uleb(code, spec.functions.length);
  for (const f of spec.functions) {
    const body: number[] = [];
    uleb(body, f.body.locals.length);
    for (const l of f.body.locals) {
      uleb(body, l.count);
      body.push(l.type);
    }
    for (const b of f.body.code) body.push(b);
    body.push(WASM.end);
    uleb(code, body.length);
    for (const b of body) code.push(b);
  }
  section(out, 10, code);
  return Uint8Array.from(out);
}
