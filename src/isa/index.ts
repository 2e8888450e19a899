// The instruction set: encoding, the opcode table, validation and printing. Everything that reads or
// writes eBPF instructions goes through here.
export * from './instruction.ts';
export * from './opcodes.ts';
export * from './validate.ts';
export * from './disassemble.ts';
