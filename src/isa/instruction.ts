// The raw instruction: one 8-byte slot of an eBPF program, as RFC 9669 lays it out. A program is an
// array of slots; `lddw` takes two, and its second slot is kept as an Instruction of its own (opcode 0,
// imm = the high 32 bits), so a pc is always a slot index, as in the kernel, PREVAIL and netsh output.

/** One 8-byte instruction slot. Fields hold the decoded values: offset and imm are signed. */
export interface Instruction {
  /** The opcode byte. */
  readonly opcode: number;
  /** Destination register, 0-15 as encoded (only 0-10 are valid registers). */
  readonly dst: number;
  /** Source register, 0-15 as encoded. */
  readonly src: number;
  /** Signed 16-bit offset. */
  readonly offset: number;
  /** Signed 32-bit immediate. */
  readonly imm: number;
}

/** Bytes in one instruction slot. */
export const INSTRUCTION_SIZE = 8;

/** Thrown when bytes cannot be read as instructions. */
export class InstructionError extends Error {
  readonly code = 'INSTRUCTION_BYTES';
  constructor(message: string) {
    super(message);
    this.name = 'InstructionError';
  }
}

/** Reads one slot at a byte offset (little-endian, as every eBPF object here is). */
export function decodeInstruction(view: DataView, byteOffset: number): Instruction {
  const regs = view.getUint8(byteOffset + 1);
  return {
    opcode: view.getUint8(byteOffset),
    dst: regs & 0x0f,
    src: regs >> 4,
    offset: view.getInt16(byteOffset + 2, true),
    imm: view.getInt32(byteOffset + 4, true),
  };
}

/** Splits bytes into instruction slots; the length must be a multiple of 8. */
export function decodeInstructions(bytes: Uint8Array): Instruction[] {
  if (bytes.length % INSTRUCTION_SIZE !== 0) {
    throw new InstructionError(`instructions: ${bytes.length} bytes is not a multiple of ${INSTRUCTION_SIZE}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Instruction[] = new Array(bytes.length / INSTRUCTION_SIZE);
  for (let i = 0; i < out.length; i++) out[i] = decodeInstruction(view, i * INSTRUCTION_SIZE);
  return out;
}

/** Writes one slot at a byte offset. */
export function encodeInstruction(view: DataView, byteOffset: number, insn: Instruction): void {
  view.setUint8(byteOffset, insn.opcode & 0xff);
  view.setUint8(byteOffset + 1, ((insn.src & 0x0f) << 4) | (insn.dst & 0x0f));
  view.setInt16(byteOffset + 2, insn.offset, true);
  view.setInt32(byteOffset + 4, insn.imm, true);
}

/** Encodes slots back to bytes: decodeInstructions(encodeInstructions(x)) equals x. */
export function encodeInstructions(insns: readonly Instruction[]): Uint8Array {
  const bytes = new Uint8Array(insns.length * INSTRUCTION_SIZE);
  const view = new DataView(bytes.buffer);
  insns.forEach((insn, i) => encodeInstruction(view, i * INSTRUCTION_SIZE, insn));
  return bytes;
}

/** The 64-bit immediate of the `lddw` at `pc` (low word in slot pc, high word in slot pc + 1). */
export function wideImmediate(insns: readonly Instruction[], pc: number): bigint {
  const low = BigInt(insns[pc]!.imm >>> 0);
  const high = BigInt((insns[pc + 1]?.imm ?? 0) >>> 0);
  return (high << 32n) | low;
}
