// The opcode table: every instruction form of RFC 9669 (ISA v1-v4) plus `callx`, declared once as data.
// The decoder, validator, disassembler, assembler, interpreter, JIT and verifier all derive from it:
// adding an instruction is one entry here.
//
// A form is an opcode byte plus, where the byte alone is ambiguous, the field that tells forms apart:
// `offset` (sdiv/smod = 1, movsx = 8/16/32), `imm` (byte swaps 16/32/64, the atomic operation) or `src`
// (call kind, lddw pseudo source). Each form also says which fields it uses; an unused field must be zero.

/** Instruction classes (low 3 bits of the opcode). */
export const CLASS_LD = 0x00;
export const CLASS_LDX = 0x01;
export const CLASS_ST = 0x02;
export const CLASS_STX = 0x03;
export const CLASS_ALU = 0x04;
export const CLASS_JMP = 0x05;
export const CLASS_JMP32 = 0x06;
export const CLASS_ALU64 = 0x07;

/** Operand source bit for ALU and jump classes. */
export const SRC_K = 0x00;
export const SRC_X = 0x08;

/** Load/store size field. */
export const SIZE_W = 0x00;
export const SIZE_H = 0x08;
export const SIZE_B = 0x10;
export const SIZE_DW = 0x18;

/** Load/store mode field. */
export const MODE_IMM = 0x00;
export const MODE_ABS = 0x20;
export const MODE_IND = 0x40;
export const MODE_MEM = 0x60;
export const MODE_MEMSX = 0x80;
export const MODE_ATOMIC = 0xc0;

/** Pseudo sources of `lddw` (RFC 9669 §4.4). */
export const PSEUDO_IMM64 = 0;
export const PSEUDO_MAP_FD = 1;
export const PSEUDO_MAP_VALUE = 2;
export const PSEUDO_BTF_ID = 3;
export const PSEUDO_FUNC = 4;
export const PSEUDO_MAP_IDX = 5;
export const PSEUDO_MAP_IDX_VALUE = 6;

/** `call` sources: a helper by id, a program-local function by relative offset, a kfunc by BTF id. */
export const CALL_HELPER = 0;
export const CALL_LOCAL = 1;
export const CALL_KFUNC = 2;

/** Atomic operations, carried in imm. */
export const ATOMIC_FETCH = 0x01;
export const ATOMIC_XCHG = 0xe1;
export const ATOMIC_CMPXCHG = 0xf1;

/** ALU operations (high 4 bits of an ALU opcode). */
export type AluOp = 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'or' | 'and' | 'lsh' | 'rsh' | 'neg' | 'mod' | 'smod' | 'xor' | 'mov' | 'movsx' | 'arsh';
/** Byte-swap operations: to little-endian, to big-endian, or unconditional. */
export type EndianOp = 'le' | 'be' | 'bswap';
/** Conditional jump comparisons. */
export type JumpCond = 'eq' | 'gt' | 'ge' | 'set' | 'ne' | 'sgt' | 'sge' | 'lt' | 'le' | 'slt' | 'sle';
/** Atomic read-modify-write operations. */
export type AtomicOp = 'add' | 'or' | 'and' | 'xor' | 'xchg' | 'cmpxchg';

/** What a form does, with the facts each consumer needs to execute, check or print it. */
export type OpcodeSemantics =
  | { kind: 'alu'; op: AluOp; is64: boolean; source: 'imm' | 'reg'; extendFrom?: 8 | 16 | 32 }
  | { kind: 'endian'; op: EndianOp; width: 16 | 32 | 64 }
  | { kind: 'jump'; cond: JumpCond; is64: boolean; source: 'imm' | 'reg' }
  | { kind: 'ja'; wide: boolean }
  | { kind: 'call'; target: 'helper' | 'local' | 'kfunc' | 'register' }
  | { kind: 'exit' }
  | { kind: 'lddw'; pseudo: number }
  | { kind: 'load'; size: 1 | 2 | 4 | 8; signed: boolean }
  | { kind: 'store'; size: 1 | 2 | 4 | 8; source: 'imm' | 'reg' }
  | { kind: 'atomic'; size: 4 | 8; op: AtomicOp; fetch: boolean }
  | { kind: 'packet-load'; size: 1 | 2 | 4 | 8; mode: 'abs' | 'ind' };

/** Which fields a form uses; every field not used must be zero in a valid instruction. */
export interface FieldUse {
  dst: boolean;
  src: boolean;
  offset: boolean;
  imm: boolean;
}

/** One instruction form of the table. */
export interface OpcodeForm {
  /** Assembler mnemonic as the conformance suite writes it (`add32`, `ldxh`, `jne32`, `lddw`). */
  readonly mnemonic: string;
  /** The opcode byte. */
  readonly opcode: number;
  /** The field value that selects this form when the opcode byte is shared. */
  readonly select?: { readonly field: 'offset' | 'imm' | 'src'; readonly value: number };
  /** Fields the form uses. */
  readonly uses: Readonly<FieldUse>;
  /** The first ISA version (cpu v1-v4) that has it. */
  readonly version: 1 | 2 | 3 | 4;
  /** Legacy forms (packet loads) are valid but deprecated. */
  readonly legacy?: boolean;
  /** Number of 8-byte slots (2 for lddw). */
  readonly slots: 1 | 2;
  readonly semantics: OpcodeSemantics;
}

const ALU_CODES: readonly [AluOp, number][] = [
  ['add', 0x00], ['sub', 0x10], ['mul', 0x20], ['div', 0x30], ['or', 0x40], ['and', 0x50], ['lsh', 0x60],
  ['rsh', 0x70], ['mod', 0x90], ['xor', 0xa0], ['mov', 0xb0], ['arsh', 0xc0],
];
const JUMP_CODES: readonly [JumpCond, number, 1 | 2][] = [
  ['eq', 0x10, 1], ['gt', 0x20, 1], ['ge', 0x30, 1], ['set', 0x40, 1], ['ne', 0x50, 1], ['sgt', 0x60, 1],
  ['sge', 0x70, 1], ['lt', 0xa0, 2], ['le', 0xb0, 2], ['slt', 0xc0, 2], ['sle', 0xd0, 2],
];
const SIZES: readonly [1 | 2 | 4 | 8, number, string][] = [[4, SIZE_W, 'w'], [2, SIZE_H, 'h'], [1, SIZE_B, 'b'], [8, SIZE_DW, 'dw']];
const ATOMIC_CODES: readonly [AtomicOp, number][] = [['add', 0x00], ['or', 0x40], ['and', 0x50], ['xor', 0xa0]];

const use = (dst: boolean, src: boolean, offset: boolean, imm: boolean): FieldUse => ({ dst, src, offset, imm });

function buildTable(): OpcodeForm[] {
  const forms: OpcodeForm[] = [];
  for (const is64 of [true, false]) {
    const cls = is64 ? CLASS_ALU64 : CLASS_ALU;
    const suffix = is64 ? '' : '32';
    for (const [op, code] of ALU_CODES) {
      // div, mod and mov share their opcode bytes with sdiv, smod and movsx, told apart by offset.
      const shared = op === 'div' || op === 'mod' || op === 'mov';
      const select = shared ? { select: { field: 'offset', value: 0 } as const } : {};
      forms.push({ mnemonic: op + suffix, opcode: cls | code | SRC_K, uses: use(true, false, false, true), version: 1, slots: 1, semantics: { kind: 'alu', op, is64, source: 'imm' }, ...select });
      forms.push({ mnemonic: op + suffix, opcode: cls | code | SRC_X, uses: use(true, true, false, false), version: 1, slots: 1, semantics: { kind: 'alu', op, is64, source: 'reg' }, ...select });
    }
    forms.push({ mnemonic: 'neg' + suffix, opcode: cls | 0x80, uses: use(true, false, false, false), version: 1, slots: 1, semantics: { kind: 'alu', op: 'neg', is64, source: 'imm' } });
    // Signed division and modulo: the div/mod opcodes with offset 1 (v4).
    for (const [op, code] of [['sdiv', 0x30], ['smod', 0x90]] as const) {
      forms.push({ mnemonic: op + suffix, opcode: cls | code | SRC_K, select: { field: 'offset', value: 1 }, uses: use(true, false, false, true), version: 4, slots: 1, semantics: { kind: 'alu', op, is64, source: 'imm' } });
      forms.push({ mnemonic: op + suffix, opcode: cls | code | SRC_X, select: { field: 'offset', value: 1 }, uses: use(true, true, false, false), version: 4, slots: 1, semantics: { kind: 'alu', op, is64, source: 'reg' } });
    }
    // Sign-extending moves: mov X with offset 8/16/32 (v4); the 32-bit form extends from 8 or 16 only.
    for (const from of is64 ? ([8, 16, 32] as const) : ([8, 16] as const)) {
      forms.push({ mnemonic: `movsx${from}${is64 ? 64 : 32}`, opcode: cls | 0xb0 | SRC_X, select: { field: 'offset', value: from }, uses: use(true, true, false, false), version: 4, slots: 1, semantics: { kind: 'alu', op: 'movsx', is64, source: 'reg', extendFrom: from } });
    }
  }
  for (const width of [16, 32, 64] as const) {
    forms.push({ mnemonic: `le${width}`, opcode: CLASS_ALU | 0xd0 | SRC_K, select: { field: 'imm', value: width }, uses: use(true, false, false, true), version: 1, slots: 1, semantics: { kind: 'endian', op: 'le', width } });
    forms.push({ mnemonic: `be${width}`, opcode: CLASS_ALU | 0xd0 | SRC_X, select: { field: 'imm', value: width }, uses: use(true, false, false, true), version: 1, slots: 1, semantics: { kind: 'endian', op: 'be', width } });
    forms.push({ mnemonic: `bswap${width}`, opcode: CLASS_ALU64 | 0xd0 | SRC_K, select: { field: 'imm', value: width }, uses: use(true, false, false, true), version: 4, slots: 1, semantics: { kind: 'endian', op: 'bswap', width } });
  }
  for (const is64 of [true, false]) {
    const cls = is64 ? CLASS_JMP : CLASS_JMP32;
    const suffix = is64 ? '' : '32';
    for (const [cond, code, version] of JUMP_CODES) {
      const v = is64 ? version : 3;
      forms.push({ mnemonic: 'j' + cond + suffix, opcode: cls | code | SRC_K, uses: use(true, false, true, true), version: v, slots: 1, semantics: { kind: 'jump', cond, is64, source: 'imm' } });
      forms.push({ mnemonic: 'j' + cond + suffix, opcode: cls | code | SRC_X, uses: use(true, true, true, false), version: v, slots: 1, semantics: { kind: 'jump', cond, is64, source: 'reg' } });
    }
  }
  forms.push({ mnemonic: 'ja', opcode: CLASS_JMP | 0x00, uses: use(false, false, true, false), version: 1, slots: 1, semantics: { kind: 'ja', wide: false } });
  // `gotol`: JMP32 | JA with the target in imm (v4); the conformance suite spells it ja32.
  forms.push({ mnemonic: 'ja32', opcode: CLASS_JMP32 | 0x00, uses: use(false, false, false, true), version: 4, slots: 1, semantics: { kind: 'ja', wide: true } });
  forms.push({ mnemonic: 'call', opcode: CLASS_JMP | 0x80, select: { field: 'src', value: CALL_HELPER }, uses: use(false, false, false, true), version: 1, slots: 1, semantics: { kind: 'call', target: 'helper' } });
  forms.push({ mnemonic: 'call', opcode: CLASS_JMP | 0x80, select: { field: 'src', value: CALL_LOCAL }, uses: use(false, false, false, true), version: 1, slots: 1, semantics: { kind: 'call', target: 'local' } });
  forms.push({ mnemonic: 'call', opcode: CLASS_JMP | 0x80, select: { field: 'src', value: CALL_KFUNC }, uses: use(false, false, false, true), version: 1, slots: 1, semantics: { kind: 'call', target: 'kfunc' } });
  // `callx`: call the helper whose id is held in the register named by dst.
  forms.push({ mnemonic: 'callx', opcode: CLASS_JMP | 0x80 | SRC_X, uses: use(true, false, false, false), version: 4, slots: 1, semantics: { kind: 'call', target: 'register' } });
  forms.push({ mnemonic: 'exit', opcode: CLASS_JMP | 0x90, uses: use(false, false, false, false), version: 1, slots: 1, semantics: { kind: 'exit' } });
  for (const pseudo of [PSEUDO_IMM64, PSEUDO_MAP_FD, PSEUDO_MAP_VALUE, PSEUDO_BTF_ID, PSEUDO_FUNC, PSEUDO_MAP_IDX, PSEUDO_MAP_IDX_VALUE]) {
    forms.push({ mnemonic: 'lddw', opcode: CLASS_LD | MODE_IMM | SIZE_DW, select: { field: 'src', value: pseudo }, uses: use(true, false, false, true), version: 1, slots: 2, semantics: { kind: 'lddw', pseudo } });
  }
  for (const [size, code, name] of SIZES) {
    forms.push({ mnemonic: `ldx${name}`, opcode: CLASS_LDX | MODE_MEM | code, uses: use(true, true, true, false), version: 1, slots: 1, semantics: { kind: 'load', size, signed: false } });
    if (size !== 8) forms.push({ mnemonic: `ldxs${name}`, opcode: CLASS_LDX | MODE_MEMSX | code, uses: use(true, true, true, false), version: 4, slots: 1, semantics: { kind: 'load', size, signed: true } });
    forms.push({ mnemonic: `st${name}`, opcode: CLASS_ST | MODE_MEM | code, uses: use(true, false, true, true), version: 1, slots: 1, semantics: { kind: 'store', size, source: 'imm' } });
    forms.push({ mnemonic: `stx${name}`, opcode: CLASS_STX | MODE_MEM | code, uses: use(true, true, true, false), version: 1, slots: 1, semantics: { kind: 'store', size, source: 'reg' } });
    if (size !== 8) {
      forms.push({ mnemonic: `ldabs${name}`, opcode: CLASS_LD | MODE_ABS | code, uses: use(false, false, false, true), version: 1, legacy: true, slots: 1, semantics: { kind: 'packet-load', size, mode: 'abs' } });
      forms.push({ mnemonic: `ldind${name}`, opcode: CLASS_LD | MODE_IND | code, uses: use(false, true, false, true), version: 1, legacy: true, slots: 1, semantics: { kind: 'packet-load', size, mode: 'ind' } });
    }
  }
  for (const size of [4, 8] as const) {
    const opcode = CLASS_STX | MODE_ATOMIC | (size === 8 ? SIZE_DW : SIZE_W);
    const suffix = size === 8 ? '' : '32';
    const version = size === 8 ? 1 : 3;
    for (const [op, code] of ATOMIC_CODES) {
      forms.push({ mnemonic: `lock ${op}${suffix}`, opcode, select: { field: 'imm', value: code }, uses: use(true, true, true, false), version: op === 'add' ? version : 3, slots: 1, semantics: { kind: 'atomic', size, op, fetch: false } });
      forms.push({ mnemonic: `lock fetch ${op}${suffix}`, opcode, select: { field: 'imm', value: code | ATOMIC_FETCH }, uses: use(true, true, true, false), version: 3, slots: 1, semantics: { kind: 'atomic', size, op, fetch: true } });
    }
    forms.push({ mnemonic: `lock xchg${suffix}`, opcode, select: { field: 'imm', value: ATOMIC_XCHG }, uses: use(true, true, true, false), version: 3, slots: 1, semantics: { kind: 'atomic', size, op: 'xchg', fetch: true } });
    forms.push({ mnemonic: `lock cmpxchg${suffix}`, opcode, select: { field: 'imm', value: ATOMIC_CMPXCHG }, uses: use(true, true, true, false), version: 3, slots: 1, semantics: { kind: 'atomic', size, op: 'cmpxchg', fetch: true } });
  }
  return forms;
}

/** Every instruction form, in a stable order. */
export const OPCODE_FORMS: readonly OpcodeForm[] = Object.freeze(buildTable());

// Index: opcode byte -> forms sharing it (most bytes have exactly one).
const BY_OPCODE: readonly (readonly OpcodeForm[])[] = (() => {
  const index: OpcodeForm[][] = Array.from({ length: 256 }, () => []);
  for (const form of OPCODE_FORMS) index[form.opcode]!.push(form);
  return index;
})();

/** The forms that use this opcode byte (empty for an undefined opcode). */
export function formsForOpcode(opcode: number): readonly OpcodeForm[] {
  return BY_OPCODE[opcode & 0xff]!;
}

/**
 * The form an instruction is an instance of, or undefined when its opcode byte is undefined or the
 * selecting field has a value no form takes (such as `sdiv` with offset 2). Reserved fields are not
 * checked here: see `validate`.
 */
export function lookupForm(insn: { opcode: number; src: number; offset: number; imm: number }): OpcodeForm | undefined {
  const forms = BY_OPCODE[insn.opcode & 0xff]!;
  if (forms.length === 1 && forms[0]!.select === undefined) return forms[0];
  for (const form of forms) {
    const select = form.select;
    if (select === undefined || insn[select.field] === select.value) return form;
  }
  return undefined;
}

/** Instruction class of an opcode byte. */
export function opcodeClass(opcode: number): number {
  return opcode & 0x07;
}
