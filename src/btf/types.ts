// BTF type records as data: one variant per kind, as the kernel's UAPI defines them (btf.h).

/** BTF kinds by number. */
export const BTF_KINDS = [
  'UNKN', 'INT', 'PTR', 'ARRAY', 'STRUCT', 'UNION', 'ENUM', 'FWD', 'TYPEDEF', 'VOLATILE', 'CONST', 'RESTRICT',
  'FUNC', 'FUNC_PROTO', 'VAR', 'DATASEC', 'FLOAT', 'DECL_TAG', 'TYPE_TAG', 'ENUM64',
] as const;

/** A kind's name, as bpftool prints it. */
export type BtfKind = (typeof BTF_KINDS)[number];

/** INT encoding bits. */
export const BTF_INT_SIGNED = 1;
export const BTF_INT_CHAR = 2;
export const BTF_INT_BOOL = 4;

/** A struct or union member. */
export interface BtfMember {
  readonly name: string;
  readonly type: number;
  /** Offset from the start of the struct, in bits. */
  readonly bitOffset: number;
  /** Width of a bitfield in bits; 0 when the member is not a bitfield. */
  readonly bitfieldSize: number;
}

/** An enumerator (ENUM values are 32-bit, ENUM64 values 64-bit). */
export interface BtfEnumValue {
  readonly name: string;
  readonly value: bigint;
}

/** A function parameter. */
export interface BtfParam {
  readonly name: string;
  readonly type: number;
}

/** A variable inside a DATASEC. */
export interface BtfDatasecVar {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

/** One BTF type. `id` is its type id (1-based; 0 is void). */
export type BtfType =
  | { kind: 'INT'; id: number; name: string; size: number; encoding: number; bitOffset: number; bits: number }
  | { kind: 'PTR' | 'TYPEDEF' | 'VOLATILE' | 'CONST' | 'RESTRICT' | 'TYPE_TAG'; id: number; name: string; type: number }
  | { kind: 'ARRAY'; id: number; name: string; type: number; indexType: number; length: number }
  | { kind: 'STRUCT' | 'UNION'; id: number; name: string; size: number; members: readonly BtfMember[]; kindFlag: boolean }
  | { kind: 'ENUM' | 'ENUM64'; id: number; name: string; size: number; signed: boolean; values: readonly BtfEnumValue[] }
  | { kind: 'FWD'; id: number; name: string; union: boolean }
  | { kind: 'FUNC'; id: number; name: string; type: number; linkage: number }
  | { kind: 'FUNC_PROTO'; id: number; name: string; returnType: number; params: readonly BtfParam[] }
  | { kind: 'VAR'; id: number; name: string; type: number; linkage: number }
  | { kind: 'DATASEC'; id: number; name: string; size: number; vars: readonly BtfDatasecVar[] }
  | { kind: 'FLOAT'; id: number; name: string; size: number }
  | { kind: 'DECL_TAG'; id: number; name: string; type: number; componentIndex: number };

/** A malformed BTF or BTF.ext section: what is wrong and where. */
export class BtfError extends Error {
  readonly code = 'BTF_INVALID';
  /** `.BTF` or `.BTF.ext`. */
  readonly section: string;
  /** Byte offset inside that section (not the file), when the fault has a place. */
  readonly offset: number | undefined;
  constructor(message: string, section: string, offset?: number) {
    super(`${message} (section ${section}${offset !== undefined ? `, offset 0x${offset.toString(16)}` : ''})`);
    this.name = 'BtfError';
    this.section = section;
    this.offset = offset;
  }
}
