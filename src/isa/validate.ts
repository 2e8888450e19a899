// Structural validation of a program, before any analysis: every slot is a defined instruction form,
// fields a form does not use are zero, registers exist, `lddw` has its second slot, and every jump and
// local call lands on an instruction inside the program (never inside an lddw). This is what a runtime
// must refuse outright; whether a valid program is safe is the verifier's question.

import type { Instruction } from './instruction.ts';
import { lookupForm, formsForOpcode, type OpcodeForm } from './opcodes.ts';

/** A structural defect at one pc. */
export interface ValidationIssue {
  pc: number;
  /** The field at fault, when one is. */
  field?: 'opcode' | 'dst' | 'src' | 'offset' | 'imm' | 'target';
  message: string;
}

/** Thrown by `assertValid`: the program cannot be executed or analysed. */
export class InvalidProgramError extends Error {
  readonly code = 'INVALID_INSTRUCTION';
  readonly issues: readonly ValidationIssue[];
  constructor(issues: readonly ValidationIssue[]) {
    super(issues.map((i) => `${i.pc}: ${i.message}`).join('\n'));
    this.name = 'InvalidProgramError';
    this.issues = issues;
  }
}

/** Number of eBPF registers (r0-r10). */
export const REGISTER_COUNT = 11;

const hex = (n: number) => `0x${(n & 0xff).toString(16).padStart(2, '0')}`;

function checkFields(pc: number, insn: Instruction, form: OpcodeForm): ValidationIssue | undefined {
  const selected = form.select?.field;
  for (const field of ['dst', 'src', 'offset', 'imm'] as const) {
    if (form.uses[field] || field === selected) continue;
    if (insn[field] !== 0) {
      return { pc, field, message: `${form.mnemonic} (opcode ${hex(insn.opcode)}): unused field ${field} must be 0, found ${insn[field]}` };
    }
  }
  if (form.uses.dst && insn.dst >= REGISTER_COUNT) return { pc, field: 'dst', message: `${form.mnemonic}: invalid destination register r${insn.dst}` };
  if (form.uses.src && insn.src >= REGISTER_COUNT) return { pc, field: 'src', message: `${form.mnemonic}: invalid source register r${insn.src}` };
  return undefined;
}

function undefinedForm(pc: number, insn: Instruction): ValidationIssue {
  const forms = formsForOpcode(insn.opcode);
  if (forms.length === 0) return { pc, field: 'opcode', message: `undefined opcode ${hex(insn.opcode)}` };
  const field = forms[0]!.select!.field;
  return { pc, field, message: `${forms[0]!.mnemonic} (opcode ${hex(insn.opcode)}): invalid ${field} ${insn[field]}` };
}

/** The jump or call target of the instruction at pc, or undefined if it does not transfer control. */
export function branchTarget(insn: Instruction, form: OpcodeForm, pc: number): number | undefined {
  const s = form.semantics;
  if (s.kind === 'jump') return pc + 1 + insn.offset;
  if (s.kind === 'ja') return pc + 1 + (s.wide ? insn.imm : insn.offset);
  if (s.kind === 'call' && s.target === 'local') return pc + 1 + insn.imm;
  return undefined;
}

/** Every structural defect of a program (empty when it is well-formed). */
export function validateProgram(insns: readonly Instruction[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (insns.length === 0) return [{ pc: 0, message: 'program has no instructions' }];
  const isSecondSlot = new Uint8Array(insns.length);
  const forms: (OpcodeForm | undefined)[] = new Array(insns.length);
  for (let pc = 0; pc < insns.length; pc++) {
    if (isSecondSlot[pc]) continue;
    const insn = insns[pc]!;
    const form = lookupForm(insn);
    forms[pc] = form;
    if (!form) {
      issues.push(undefinedForm(pc, insn));
      continue;
    }
    const bad = checkFields(pc, insn, form);
    if (bad) issues.push(bad);
    if (form.slots === 2) {
      const next = insns[pc + 1];
      if (!next) {
        issues.push({ pc, field: 'opcode', message: 'lddw: missing second instruction slot at end of program' });
      } else {
        isSecondSlot[pc + 1] = 1;
        if (next.opcode !== 0 || next.dst !== 0 || next.src !== 0 || next.offset !== 0) {
          issues.push({ pc: pc + 1, field: 'opcode', message: 'lddw: second slot must have opcode, registers and offset 0' });
        }
      }
    }
  }
  for (let pc = 0; pc < insns.length; pc++) {
    const form = forms[pc];
    if (!form) continue;
    const target = branchTarget(insns[pc]!, form, pc);
    if (target === undefined) continue;
    if (target < 0 || target >= insns.length) {
      issues.push({ pc, field: 'target', message: `${form.mnemonic}: target ${target} is outside the program (0-${insns.length - 1})` });
    } else if (isSecondSlot[target]) {
      issues.push({ pc, field: 'target', message: `${form.mnemonic}: target ${target} is the second slot of an lddw` });
    }
  }
  return issues;
}

/** Throws InvalidProgramError unless the program is structurally valid. */
export function assertValid(insns: readonly Instruction[]): void {
  const issues = validateProgram(insns);
  if (issues.length > 0) throw new InvalidProgramError(issues);
}
