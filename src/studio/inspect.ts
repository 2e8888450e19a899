// What the Studio's object inspector shows of an object file, computed once on the service side: its
// sections and maps, and for each program the disassembly (verifier syntax, as `show disassembly` prints
// it) with source lines and jump/call targets, the control-flow graph in basic blocks, and the verifier's
// verdict with the state before each instruction. The graph is built here rather than with the JIT's
// (src/engines/jit/cfg.ts) because the inspector must draw programs the JIT refuses: unverified ones that
// fall off the end, jump out of range or loop irreducibly.

import { formatVerifierInstruction, instructionStarts, type HelperNaming } from '../isa/disassemble.ts';
import type { Instruction } from '../isa/instruction.ts';
import { lookupForm } from '../isa/opcodes.ts';
import { branchTarget } from '../isa/validate.ts';
import type { ObjectSpec, ProgramSpec } from '../object/index.ts';
import { windowsPlatform, type Platform } from '../platform/index.ts';
import { lineAt, verifyProgram } from '../verifier/index.ts';
import { layoutOf, type Layout } from './layout.ts';

/** A source position, as the page shows it. */
export interface SourceLine {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly text: string;
}

/** One instruction of the disassembly. */
export interface InspectedInstruction {
  readonly pc: number;
  readonly text: string;
  /** Where a jump or local call goes (clickable on the page). */
  readonly target?: number;
  readonly kind: 'jump' | 'goto' | 'call' | 'helper' | 'exit' | 'other';
  /** The source line this instruction starts, when line info places one here. */
  readonly source?: SourceLine;
}

/** A basic block: [start, end) in pcs, its successors, the function it belongs to, its source lines. */
export interface InspectedBlock {
  readonly start: number;
  readonly end: number;
  readonly successors: readonly { pc: number; kind: 'taken' | 'fallthrough' | 'goto' }[];
  /** Local calls made from the block (drawn as dashed edges to the callee's entry). */
  readonly calls: readonly number[];
  readonly functionName: string;
  readonly sourceLines: readonly string[];
  /** Control reaches past the end of the program from here (only unverifiable programs do that). */
  readonly fallsOff: boolean;
}

/** The verifier's verdict on one program, with the state before every instruction it reached. */
export interface InspectedVerification {
  readonly ok: boolean;
  readonly programType: string;
  readonly errors: readonly { pc: number; message: string; source?: SourceLine }[];
  readonly milliseconds: number;
  readonly instructionsExplored: number;
  /** By pc; null where the verifier recorded nothing (unreachable, or states not recorded). */
  readonly states: readonly (readonly string[] | null)[] | null;
}

/** One program of the inspected object. */
export interface InspectedProgram {
  readonly name: string;
  readonly section: string;
  readonly programType: string;
  readonly attachType: string;
  readonly instructionCount: number;
  readonly functions: readonly { name: string; startPc: number }[];
  readonly instructions: readonly InspectedInstruction[];
  readonly blocks: readonly InspectedBlock[];
  /** The verdict, or why the program could not be verified at all. */
  readonly verification: InspectedVerification | { readonly failed: string };
}

/** A map of the inspected object, with its key and value layouts when BTF names them. */
export interface InspectedMap {
  readonly name: string;
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly section: string;
  readonly pinning: number;
  readonly keyLayout?: Layout;
  readonly valueLayout?: Layout;
}

/** Everything the inspector shows of one object file. */
export interface InspectedObject {
  readonly name: string;
  readonly license: string;
  readonly platformMarker: boolean;
  readonly hasBtf: boolean;
  readonly sections: readonly { index: number; name: string; type: number; size: number; offset: number }[];
  readonly maps: readonly InspectedMap[];
  readonly programs: readonly InspectedProgram[];
}

function sourceOf(l: { file: string; line: number; column: number; source: string }): SourceLine {
  return { file: l.file, line: l.line, column: l.column, text: l.source };
}

function kindOf(insn: Instruction): InspectedInstruction['kind'] {
  const s = lookupForm(insn)?.semantics;
  if (!s) return 'other';
  if (s.kind === 'jump') return 'jump';
  if (s.kind === 'ja') return 'goto';
  if (s.kind === 'exit') return 'exit';
  if (s.kind === 'call') return s.target === 'local' ? 'call' : 'helper';
  return 'other';
}

/** Helper names for the disassembler, from the platform and the program's section. */
function helperNaming(platform: Platform, section: string): HelperNaming {
  const programType = platform.programTypeById(platform.sectionInfo(section)?.programType ?? -1);
  return { helper: (id) => platform.helper(programType, id) };
}

/** The disassembly of a program, with source lines where line info starts one. */
export function disassemble(program: ProgramSpec, platform: Platform = windowsPlatform): InspectedInstruction[] {
  const naming = helperNaming(platform, program.section);
  const lines = new Map(program.lineInfo.map((l) => [l.pc, l]));
  const out: InspectedInstruction[] = [];
  for (const pc of instructionStarts(program.instructions)) {
    const insn = program.instructions[pc]!;
    const form = lookupForm(insn);
    const target = form ? branchTarget(insn, form, pc) : undefined;
    const line = lines.get(pc);
    out.push({ pc, text: formatVerifierInstruction(program.instructions, pc, naming), kind: kindOf(insn), ...(target === undefined ? {} : { target }), ...(line ? { source: sourceOf(line) } : {}) });
  }
  return out;
}

/**
 * Basic blocks of every function of the program (its own and the linked subprograms), reachable from
 * each function's entry. Out-of-range targets end their block (`fallsOff`) instead of failing.
 */
export function basicBlocks(program: ProgramSpec): InspectedBlock[] {
  const insns = program.instructions;
  const count = insns.length;
  const entries = program.functions.length > 0 ? program.functions.map((f) => f.startPc) : [0];
  const functionAt = new Map(program.functions.map((f) => [f.startPc, f.name]));
  const leaders = new Set<number>(entries);
  const owner = new Map<number, string>();
  const work = entries.map((pc) => ({ pc, fn: functionAt.get(pc) ?? program.name }));
  const inRange = (pc: number) => pc >= 0 && pc < count;
  while (work.length > 0) {
    const { pc: start, fn } = work.pop()!;
    for (let pc = start; inRange(pc) && !owner.has(pc); ) {
      owner.set(pc, fn);
      const insn = insns[pc]!;
      const form = lookupForm(insn);
      if (!form) break;
      const s = form.semantics;
      const next = pc + form.slots;
      if (s.kind === 'exit') break;
      if (s.kind === 'jump' || s.kind === 'ja') {
        const target = branchTarget(insn, form, pc)!;
        if (inRange(target)) {
          leaders.add(target);
          work.push({ pc: target, fn });
        }
        if (s.kind === 'ja') break;
        leaders.add(next);
      }
      pc = next;
    }
  }
  const lines = new Map(program.lineInfo.map((l) => [l.pc, l]));
  const blocks: InspectedBlock[] = [];
  for (const start of [...leaders].filter((pc) => owner.has(pc)).sort((a, b) => a - b)) {
    const successors: { pc: number; kind: 'taken' | 'fallthrough' | 'goto' }[] = [];
    const calls: number[] = [];
    const sourceLines: string[] = [];
    let fallsOff = false;
    let pc = start;
    // A block that starts inside a source line's code shows that line too.
    const covering = lines.has(start) ? undefined : lineAt(program, start);
    if (covering) sourceLines.push(`${covering.line}: ${covering.source.trim()}`);
    for (;;) {
      const line = lines.get(pc);
      if (line && sourceLines[sourceLines.length - 1] !== `${line.line}: ${line.source.trim()}`) sourceLines.push(`${line.line}: ${line.source.trim()}`);
      const insn = insns[pc]!;
      const form = lookupForm(insn);
      if (!form) { fallsOff = true; pc++; break; }
      const s = form.semantics;
      const next = pc + form.slots;
      const target = branchTarget(insn, form, pc);
      if (s.kind === 'call' && s.target === 'local' && target !== undefined) calls.push(target);
      if (s.kind === 'exit') { pc = next; break; }
      if (s.kind === 'ja' || s.kind === 'jump') {
        if (inRange(target!)) successors.push({ pc: target!, kind: s.kind === 'ja' ? 'goto' : 'taken' });
        else fallsOff = true;
        if (s.kind === 'jump') {
          if (inRange(next)) successors.push({ pc: next, kind: 'fallthrough' });
          else fallsOff = true;
        }
        pc = next;
        break;
      }
      pc = next;
      if (!inRange(pc)) { fallsOff = true; break; }
      if (leaders.has(pc)) { successors.push({ pc, kind: 'fallthrough' }); break; }
    }
    blocks.push({ start, end: pc, successors, calls, functionName: owner.get(start)!, sourceLines, fallsOff });
  }
  return blocks;
}

function verification(object: ObjectSpec, program: ProgramSpec, platform: Platform): InspectedVerification | { failed: string } {
  try {
    const v = verifyProgram(object, program, { platform, recordStates: true });
    return {
      ok: v.ok,
      programType: v.programType.name,
      errors: v.errors.map((e) => ({ pc: e.pc, message: e.message, ...(e.line ? { source: sourceOf(e.line) } : {}) })),
      milliseconds: v.milliseconds,
      instructionsExplored: v.analysis.instructionsExplored,
      states: v.analysis.states ? Array.from({ length: program.instructions.length }, (_, pc) => v.analysis.states![pc] ?? null) : null,
    };
  } catch (error) {
    return { failed: error instanceof Error ? error.message : String(error) };
  }
}

/** Everything the inspector shows of an opened object. */
export function inspectObject(object: ObjectSpec, platform: Platform = windowsPlatform): InspectedObject {
  return {
    name: object.name,
    license: object.license,
    platformMarker: object.platformMarker,
    hasBtf: object.btf !== undefined,
    sections: object.sections.map((s) => ({ index: s.index, name: s.name, type: s.type, size: s.size, offset: s.offset })),
    maps: object.maps.map((m) => {
      const keyLayout = object.btf && m.keyTypeId !== undefined ? layoutOf(object.btf, m.keyTypeId) : undefined;
      const valueLayout = object.btf && m.valueTypeId !== undefined ? layoutOf(object.btf, m.valueTypeId) : undefined;
      return {
        name: m.name, type: platform.mapTypeById(m.type)?.displayName ?? `type ${m.type}`, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries,
        flags: m.flags, section: m.section, pinning: m.pinning, ...(keyLayout ? { keyLayout } : {}), ...(valueLayout ? { valueLayout } : {}),
      };
    }),
    programs: object.programs.map((p) => ({
      name: p.name,
      section: p.section,
      programType: platform.programTypeById(p.programType)?.name ?? 'unspecified',
      attachType: platform.attachTypeById(p.attachType)?.name ?? 'unspecified',
      instructionCount: p.instructions.length,
      functions: p.functions.map((f) => ({ name: f.name, startPc: f.startPc })),
      instructions: disassemble(p, platform),
      blocks: basicBlocks(p),
      verification: verification(object, p, platform),
    })),
  };
}
